namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>Which registry backend a test runs on.</summary>
public enum Backend
{
    Sqlite,
    Postgres,
}

/// <summary>A fresh, isolated backend: a temp data directory, plus a new PostgreSQL database when asked for.</summary>
internal sealed class BackendScope : IAsyncDisposable
{
    private readonly bool _ownsDatabase;

    private BackendScope(Backend backend, string dataDirectory, string? postgres, bool ownsDatabase = true)
    {
        Backend = backend;
        DataDirectory = dataDirectory;
        Postgres = postgres;
        _ownsDatabase = ownsDatabase;
    }

    public Backend Backend { get; }

    public string DataDirectory { get; }

    public string? Postgres { get; }

    /// <summary>Quartz keeps schedulers in a process-wide registry by name, so every scope gets its own.</summary>
    public string SchedulerName { get; } = "eml-test-" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<BackendScope> CreateAsync(Backend backend, string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "eml-it-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var pg = backend == Backend.Postgres ? await PostgresServer.CreateDatabaseAsync(prefix) : null;
        return new BackendScope(backend, dir, pg);
    }

    /// <summary>A scope on a database someone else owns and removes (a <see cref="ThrowawayPostgres"/> cluster).</summary>
    public static BackendScope OnPostgres(string connectionString)
    {
        var dir = Path.Combine(Path.GetTempPath(), "eml-it-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return new BackendScope(Backend.Postgres, dir, connectionString, ownsDatabase: false);
    }

    /// <summary>Settings for a host on this backend (API or Worker), as configuration keys.</summary>
    public Dictionary<string, string?> Settings(string nodeName, bool runWorker = true) => new()
    {
        ["Storage:DataDirectory"] = DataDirectory,
        ["ConnectionStrings:Postgres"] = Postgres ?? "",
        ["Auth:BootstrapKey"] = TestKeys.Admin,
        ["Jobs:RunWorker"] = runWorker ? "true" : "false",
        ["Jobs:NodeName"] = nodeName,
        ["Jobs:IdleWaitMilliseconds"] = "1000",
        ["Jobs:SchedulerName"] = SchedulerName,
    };

    public async ValueTask DisposeAsync()
    {
        if (Postgres is not null && _ownsDatabase)
        {
            await PostgresServer.DropDatabaseAsync(Postgres);
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process may still hold a SQLite file for a moment; the temp directory is harmless.
        }
    }
}

internal static class TestKeys
{
    public const string Admin = "eml_test_admin_key_0123456789abcdef";
}
