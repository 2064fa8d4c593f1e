using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;

namespace EnterpriseML.IntegrationTests.Registry;

public sealed class MigrationTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task ApplyAsync_Twice_SecondRunAppliesNothing(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "mig");
        await using var database = scope.Postgres is null ? RegistryDatabase.ForSqlite(scope.DataDirectory) : RegistryDatabase.ForPostgres(scope.Postgres);
        var runner = new MigrationRunner(database, TimeProvider.System);

        var first = await runner.ApplyAsync();
        var second = await runner.ApplyAsync();

        Assert.Equal(runner.Migrations.Select(m => m.Id), first);
        Assert.Empty(second);
        await using var connection = await database.OpenAsync();
        Assert.Equal(runner.Migrations.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations"));
        foreach (var table in new[] { "tenants", "api_keys", "datasets", "dataset_blobs", "experiments", "experiment_attempts", "trials", "models", "model_versions", "model_stage_history", "schedules" })
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task EmlMigrate_TwoProcessesAtOnce_BothSucceedAndEachMigrationIsRecordedOnce(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "mig2");
        string[] args = scope.Postgres is null ? ["migrate", "--data-dir", scope.DataDirectory] : ["migrate", "--postgres", scope.Postgres];

        var runs = await Task.WhenAll(
            Processes.RunAsync(Processes.CliDll, args),
            Processes.RunAsync(Processes.CliDll, args));

        foreach (var (code, stdout, stderr) in runs)
        {
            Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        }

        await using var database = scope.Postgres is null ? RegistryDatabase.ForSqlite(scope.DataDirectory) : RegistryDatabase.ForPostgres(scope.Postgres);
        foreach (var (id, _) in new MigrationRunner(database, TimeProvider.System).Migrations)
        {
            Assert.Single(runs, r => r.Out.Contains(id, StringComparison.Ordinal));
        }

        if (scope.Postgres is not null)
        {
            // PostgreSQL holds the advisory lock for the whole run, so the second process finds nothing to do. SQLite
            // locks per migration (BEGIN IMMEDIATE), so the two processes may share the migrations between them.
            Assert.Single(runs, r => r.Out.Contains("up to date", StringComparison.Ordinal));
        }

        await using var connection = await database.OpenAsync();
        var ids = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations ORDER BY id")).ToArray();
        Assert.Equal(new MigrationRunner(database, TimeProvider.System).Migrations.Select(m => m.Id), ids);
    }
}
