using Npgsql;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>
/// The real PostgreSQL the tests run against (EML_TEST_POSTGRES, set by scripts/test.sh). Each caller gets its own
/// throw-away database, so test classes never see each other's rows.
/// </summary>
internal static class PostgresServer
{
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("EML_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "EML_TEST_POSTGRES is not set: these tests need a real PostgreSQL. Run scripts/test.sh, which installs and starts one.");

    /// <summary>Creates a new empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var full = $"eml_{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        var name = full[..Math.Min(full.Length, 40)];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
