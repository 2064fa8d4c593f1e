using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EnterpriseML.Registry;

/// <summary>
/// The registry's database: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise an embedded SQLite
/// file under <see cref="StorageOptions.DataDirectory"/>. Opens connections; stores share one instance.
/// </summary>
public sealed class RegistryDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;

    private RegistryDatabase(SqlDialect dialect, string connectionString, NpgsqlDataSource? postgres)
    {
        Dialect = dialect;
        ConnectionString = connectionString;
        _postgres = postgres;
    }

    public SqlDialect Dialect { get; }

    public string ConnectionString { get; }

    /// <summary>A PostgreSQL registry.</summary>
    public static RegistryDatabase ForPostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return new RegistryDatabase(SqlDialect.Postgres, connectionString, NpgsqlDataSource.Create(connectionString));
    }

    /// <summary>An embedded SQLite registry in <paramref name="dataDirectory"/> (created if absent).</summary>
    public static RegistryDatabase ForSqlite(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var dir = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(dir);
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dir, "registry.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        return new RegistryDatabase(SqlDialect.Sqlite, cs, null);
    }

    /// <summary>The SQLite file the Quartz job store uses in the embedded default (same directory as the registry).</summary>
    public static string QuartzSqliteConnectionString(string dataDirectory) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(Path.GetFullPath(dataDirectory), "jobs.db"),
        Mode = SqliteOpenMode.ReadWriteCreate,
        DefaultTimeout = 30,
    }.ToString();

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
