using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// <c>eml migrate</c> with a registry location it cannot use: one line naming the option, exit code 2, nothing
/// created. Before, a file given as <c>--data-dir</c> said "The file '...' already exists." and a connection string
/// that does not parse "Format of the initialization string does not conform to specification", neither naming the
/// option.
/// </summary>
public sealed class MigrateCliErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-migrate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Migrate_DataDirIsAFile_ErrorNamesTheOption()
    {
        var file = Path.Combine(_directory, "registry");
        await File.WriteAllTextAsync(file, "not a directory");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["migrate", "--data-dir", file]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"eml: error: --data-dir '{file}' is a file; it names the directory of the SQLite registry (created when missing).", stderr.Trim());
        Assert.Equal("not a directory", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Migrate_DataDirBelowAFile_ErrorNamesTheOption()
    {
        var file = Path.Combine(_directory, "file");
        await File.WriteAllTextAsync(file, "x");
        var below = Path.Combine(file, "registry");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["migrate", "--data-dir", below]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"eml: error: --data-dir '{below}': cannot create the directory of the SQLite registry: ", stderr.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_PostgresConnectionStringThatDoesNotParse_ErrorNamesTheOptionNotThePassword()
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["migrate", "--postgres", "Host=127.0.0.1;Password=secret;Bogus=1"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("eml: error: --postgres: not a valid PostgreSQL connection string: ", stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A server that is up but lacks the named database (the README's <c>Database=enterpriseml</c> before anyone created
    /// it): the error names the option, the database and how to create it. Before, it said only
    /// <c>3D000: database "…" does not exist</c>.
    /// </summary>
    [Fact]
    public async Task Migrate_PostgresDatabaseMissing_ErrorNamesTheOptionAndHowToCreateIt()
    {
        var name = "eml_missing_" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.AdminConnectionString) { Database = name }.ToString();

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["migrate", "--postgres", connectionString]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"eml: error: --postgres: the database '{name}' does not exist on ", line, StringComparison.Ordinal);
        Assert.Contains($"CREATE DATABASE \"{name}\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", line, StringComparison.Ordinal);
    }
}
