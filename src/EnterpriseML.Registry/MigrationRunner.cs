using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace EnterpriseML.Registry;

/// <summary>
/// Applies the plain SQL migrations embedded from <c>migrations/{postgres,sqlite}/NNNN_name.sql</c> in order, each in
/// its own transaction, recording them in <c>schema_migrations</c>. Re-running applies nothing new. Concurrent runners
/// serialise: PostgreSQL under a session advisory lock, SQLite under an immediate (write) transaction.
/// </summary>
public sealed class MigrationRunner
{
    private const long AdvisoryLockKey = 0x454D4C4D49475241; // "EMLMIGRA"
    private readonly RegistryDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;

    public MigrationRunner(RegistryDatabase database, TimeProvider time, ILogger<MigrationRunner>? logger = null)
    {
        _database = database;
        _time = time;
        _logger = logger;
    }

    /// <summary>The migrations for this dialect, in order: (id, sql).</summary>
    public IReadOnlyList<(string Id, string Sql)> Migrations
    {
        get
        {
            var prefix = _database.Dialect == SqlDialect.Postgres ? "migrations/postgres/" : "migrations/sqlite/";
            var assembly = typeof(MigrationRunner).Assembly;
            return assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(n =>
                {
                    using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                    return (Path.GetFileNameWithoutExtension(n), reader.ReadToEnd());
                })
                .ToArray();
        }
    }

    /// <summary>Applies pending migrations; returns the ids applied by this call.</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var postgres = _database.Dialect == SqlDialect.Postgres;
        if (postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken));
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken: cancellationToken));
            var applied = new List<string>();
            foreach (var (id, sql) in Migrations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await ApplyOneAsync(connection, postgres, id, sql, cancellationToken))
                {
                    applied.Add(id);
                    _logger?.LogInformation("Applied migration {Migration}", id);
                }
            }

            return applied;
        }
        finally
        {
            if (postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
            }
        }
    }

    private async Task<bool> ApplyOneAsync(DbConnection connection, bool postgres, string id, string sql, CancellationToken cancellationToken)
    {
        if (!postgres)
        {
            // BEGIN IMMEDIATE takes SQLite's write lock up front, so a second process waits here instead of racing.
            await connection.ExecuteAsync(new CommandDefinition("BEGIN IMMEDIATE", cancellationToken: cancellationToken));
            try
            {
                var done = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM schema_migrations WHERE id = @id", new { id }, cancellationToken: cancellationToken));
                if (done > 0)
                {
                    await connection.ExecuteAsync("COMMIT");
                    return false;
                }

                await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
                await connection.ExecuteAsync("INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @at)", new { id, at = _time.GetUtcNow().ToUnixTimeMilliseconds() });
                await connection.ExecuteAsync("COMMIT");
                return true;
            }
            catch
            {
                await connection.ExecuteAsync("ROLLBACK");
                throw;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM schema_migrations WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        if (exists > 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @at)", new { id, at = _time.GetUtcNow().ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
