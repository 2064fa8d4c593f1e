using System.Diagnostics;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>
/// A private PostgreSQL cluster in a temp directory (initdb --no-sync, fsync=off), for tests that stop and start the
/// server: the shared one on 5432 is used by everything else and must never go down. Fails (never skips) when the
/// server binaries are missing, naming where they were looked for.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";
    private readonly string _bin;
    private readonly string _dataDirectory;
    private readonly bool _asPostgresUser;

    private ThrowawayPostgres(string bin, string dataDirectory, int port, bool asPostgresUser)
    {
        _bin = bin;
        _dataDirectory = dataDirectory;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    /// <summary>The cluster's <c>eml</c> database (trust authentication on 127.0.0.1 only).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=eml;Password=eml;Database=eml;Pooling=true;Timeout=5;Command Timeout=15";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = (Directory.Exists(BinariesRoot) ? Directory.GetDirectories(BinariesRoot) : [])
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            .FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"No PostgreSQL server binaries (initdb, pg_ctl) under {BinariesRoot}/*/bin: install the 'postgresql' package (scripts/test.sh does).");

        // initdb refuses to run as root, so a root test run uses the postgres account.
        var asPostgres = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), "eml-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var server = new ThrowawayPostgres(bin, dir, Processes.FreePort(), asPostgres);
        await server.RunAsync("initdb", ["-D", dir, "--no-sync", "-A", "trust", "-U", "eml", "-E", "UTF8"]);
        await server.StartServerAsync();
        await using (var connection = new NpgsqlConnection(server.ConnectionString.Replace("Database=eml", "Database=postgres", StringComparison.Ordinal)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE DATABASE eml", connection);
            await command.ExecuteNonQueryAsync();
        }

        return server;
    }

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public Task StartServerAsync() => RunAsync("pg_ctl", [
        "-D", _dataDirectory, "-l", Path.Combine(_dataDirectory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", "start"]);

    /// <summary>Stops the server, terminating every client connection ("fast" shutdown): a database outage.</summary>
    public Task StopServerAsync() => RunAsync("pg_ctl", ["-D", _dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task RunAsync(string tool, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(_asPostgresUser ? "runuser" : Path.Combine(_bin, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (_asPostgresUser)
        {
            foreach (var a in new[] { "-u", "postgres", "--", Path.Combine(_bin, tool) })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + tool);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited with {process.ExitCode}: {await stdout} {await stderr}");
        }
    }
}
