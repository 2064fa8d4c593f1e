using System.CommandLine;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// <c>eml migrate</c>: applies the registry's SQL migrations to PostgreSQL (<c>--postgres</c> or
/// <c>ConnectionStrings__Postgres</c>) or to the embedded SQLite database (<c>--data-dir</c> or
/// <c>Storage__DataDirectory</c>, default <c>./.enterpriseml</c>). Either option overrides the configuration (the
/// other backend's setting included); both at once are an error. Safe to run twice and from several processes at once.
/// </summary>
internal sealed class MigrateCommand : ICliCommand
{
    public Command Create()
    {
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: ConnectionStrings:Postgres)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "SQLite data directory (default: Storage:DataDirectory, ./.enterpriseml)." };
        var command = new Command("migrate", "Apply the registry's database migrations.") { postgres, dataDir };
        command.SetAction((parse, ct) => CliErrors.RunAsync(async token =>
        {
            var configuration = new ConfigurationManager();
            configuration.AddSharedAppSettings();
            configuration.AddEnvironmentVariables();
            var postgresOption = parse.GetValue(postgres);
            var dataDirOption = parse.GetValue(dataDir);
            if (postgresOption is not null && dataDirOption is not null)
            {
                throw new ArgumentException("--postgres and --data-dir name two registries (PostgreSQL, SQLite): give one of them.");
            }

            // Either option overrides the configured registry, a configured PostgreSQL one included.
            var cs = postgresOption ?? (dataDirOption is null ? configuration.GetConnectionString("Postgres") : null);
            var dir = dataDirOption ?? configuration["Storage:DataDirectory"] ?? "./.enterpriseml";
            await using var database = string.IsNullOrWhiteSpace(cs)
                ? OpenSqlite(dir, dataDirOption is null ? "Storage:DataDirectory" : "--data-dir")
                : OpenPostgres(cs, postgresOption is null ? "ConnectionStrings:Postgres" : "--postgres");
            var source = postgresOption is null ? "ConnectionStrings:Postgres" : "--postgres";
            IReadOnlyList<string> applied;
            try
            {
                applied = await new MigrationRunner(database, TimeProvider.System).ApplyAsync(token);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                throw new ArgumentException(MissingDatabase(cs!, source), e);
            }

            var target = database.Dialect == SqlDialect.Postgres ? "PostgreSQL" : "SQLite in " + Path.GetFullPath(dir);
            Console.WriteLine(applied.Count == 0
                ? $"{target}: up to date."
                : $"{target}: applied {string.Join(", ", applied)}.");
            return 0;
        }, ct));
        return command;
    }

    /// <summary>
    /// The SQLite registry in <paramref name="directory"/>, created when missing. A file of that name, or a directory
    /// that cannot be created, is an error naming <paramref name="source"/> (the option or the setting it came from).
    /// </summary>
    private static RegistryDatabase OpenSqlite(string directory, string source)
    {
        if (File.Exists(directory))
        {
            throw new ArgumentException($"{source} '{directory}' is a file; it names the directory of the SQLite registry (created when missing).");
        }

        try
        {
            return RegistryDatabase.ForSqlite(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{source} '{directory}': cannot create the directory of the SQLite registry: {e.Message}", e);
        }
    }

    /// <summary>
    /// The server is up but has no database of the connection string's name: migrations create tables, not the
    /// database, so say how to create it (without echoing the connection string, which may hold a password).
    /// </summary>
    private static string MissingDatabase(string connectionString, string source)
    {
        var parts = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{source}: the database '{parts.Database}' does not exist on {parts.Host}:{parts.Port}; create it first "
            + $"(as a superuser: CREATE DATABASE \"{parts.Database}\"{(parts.Username is { Length: > 0 } user ? $" OWNER \"{user}\"" : "")};), then run eml migrate again.";
    }

    /// <summary>The PostgreSQL registry; a connection string that does not parse is an error naming <paramref name="source"/>.</summary>
    private static RegistryDatabase OpenPostgres(string connectionString, string source)
    {
        try
        {
            return RegistryDatabase.ForPostgres(connectionString);
        }
        catch (ArgumentException e)
        {
            // The connection string is not echoed: it may hold a password.
            throw new ArgumentException($"{source}: not a valid PostgreSQL connection string: {CliErrors.Describe(e)}", e);
        }
    }
}
