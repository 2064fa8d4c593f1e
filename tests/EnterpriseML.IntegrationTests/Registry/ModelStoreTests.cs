using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Registry;

/// <summary>The model registry under concurrent writers: each registry instance has its own connection pool, as two processes do.</summary>
public sealed class ModelStoreTests
{
    /// <summary>
    /// Promotions of different versions at once (two API nodes, or a person and a schedule's refresh) must leave one
    /// champion. On PostgreSQL (read committed) each promotion read "the champion is v1", archived it and made its own
    /// version champion, so two or more versions ended up champion.
    /// </summary>
    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task PromoteAsync_ManyVersionsAtOnce_LeavesExactlyOneChampionAndAnArchivedEntryPerReplacedOne(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "promo");
        const int Writers = 6;
        var databases = Enumerable.Range(0, Writers).Select(_ => Open(scope)).ToArray();
        try
        {
            await new MigrationRunner(databases[0], TimeProvider.System).ApplyAsync();
            var tenant = await new TenantStore(databases[0], TimeProvider.System).CreateTenantAsync("promo");
            var first = new ModelStore(databases[0], TimeProvider.System);
            for (var i = 0; i <= Writers; i++)
            {
                await first.AddVersionAsync(tenant.Id, "risk", "Binary", [(byte)i], "{}", "{}", null, "{}", "test");
            }

            for (var round = 0; round < 3; round++)
            {
                // Versions 2..Writers+1 promoted together, each through its own pool.
                await Task.WhenAll(databases.Select((d, i) => new ModelStore(d, TimeProvider.System).PromoteAsync(tenant.Id, "risk", i + 2, "test", $"round {round}")));

                var versions = await first.VersionsAsync(tenant.Id, "risk");
                var champions = versions.Where(v => v.Stage == "champion").Select(v => v.Version).ToArray();
                Assert.True(champions.Length == 1, $"round {round}: champions {string.Join(", ", champions)}");

                // The audit history agrees: the last stage change of every version is its current stage.
                var history = await first.HistoryAsync(tenant.Id, "risk");
                foreach (var v in versions)
                {
                    Assert.Equal(v.Stage, history.Last(h => h.Version == v.Version).ToStage);
                }
            }
        }
        finally
        {
            foreach (var d in databases)
            {
                await d.DisposeAsync();
            }
        }
    }

    /// <summary>Two writers registering versions of one model name at once get distinct, gapless version numbers.</summary>
    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task AddVersionAsync_ConcurrentWritersOfOneName_GetDistinctGaplessVersions(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "addver");
        await using var a = Open(scope);
        await using var b = Open(scope);
        await new MigrationRunner(a, TimeProvider.System).ApplyAsync();
        var tenant = await new TenantStore(a, TimeProvider.System).CreateTenantAsync("addver");

        var added = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            new ModelStore(i % 2 == 0 ? a : b, TimeProvider.System).AddVersionAsync(tenant.Id, "risk", "Binary", [(byte)i], "{}", "{}", null, "{}", "test")));

        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), added.Select(v => v.Version).Order());
        var versions = await new ModelStore(a, TimeProvider.System).VersionsAsync(tenant.Id, "risk");
        Assert.Equal(16, versions.Count);
        Assert.Equal(1, versions.Single(v => v.Stage == "champion").Version);
    }

    /// <summary>
    /// A version stored while a whole-model delete holds the model's lock (PostgreSQL, read committed). The store's
    /// insert of the model row found the row still there and inserted nothing; once the delete committed, its lock
    /// returned no row and the version's insert failed on the foreign key to <c>models</c>. The store now makes the row
    /// again: the version is version 1, the champion, of a new model of that name. The interleaving is driven by
    /// locks, not timing: a row lock on version 1 holds the delete after it has locked the model, and the store is
    /// started only once the delete waits there, then released once the store waits for the delete.
    /// </summary>
    [Fact]
    public async Task AddVersionAsync_WhileAModelDeleteHoldsTheModelLock_StoresVersion1OfANewModel()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "addvsdel");
        await using var a = Open(scope);
        await using var b = Open(scope);
        await new MigrationRunner(a, TimeProvider.System).ApplyAsync();
        var tenant = await new TenantStore(a, TimeProvider.System).CreateTenantAsync("addvsdel");
        var deleter = new ModelStore(a, TimeProvider.System);
        var writer = new ModelStore(b, TimeProvider.System);
        await deleter.AddVersionAsync(tenant.Id, "risk", "Binary", [1], "{}", "{}", null, "{}", "test");
        await deleter.AddVersionAsync(tenant.Id, "risk", "Binary", [2], "{}", "{}", null, "{}", "test");

        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        await using var gateTx = await gate.BeginTransactionAsync();
        await gate.ExecuteAsync("SELECT 1 FROM model_versions WHERE tenant_id = @t AND model_name = 'risk' AND version = 1 FOR UPDATE", new { t = tenant.Id }, gateTx);

        var delete = deleter.DeleteModelAsync(tenant.Id, "risk");
        await Waits.LockWaitersAsync(scope.Postgres!, "DELETE FROM model_versions", 1, "the delete to wait for the gate's row lock", TimeSpan.FromSeconds(30));
        var store = writer.AddVersionAsync(tenant.Id, "risk", "Binary", [3], "{}", "{}", null, "{}", "experiment:late");
        await Waits.LockWaitersAsync(scope.Postgres!, "FROM models WHERE", 1, "the store to wait for the delete's model lock", TimeSpan.FromSeconds(30));
        await gateTx.CommitAsync();

        Assert.True(await delete);
        var stored = await store;
        Assert.Equal(1, stored.Version);
        Assert.Equal("champion", stored.Stage);
        var version = Assert.Single(await writer.VersionsAsync(tenant.Id, "risk"));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([3])), version.ArtifactSha256);
        var history = Assert.Single(await writer.HistoryAsync(tenant.Id, "risk"));
        Assert.Equal(("experiment:late", "first version of the model"), (history.ChangedBy, history.Reason));
        Assert.Contains("risk", await writer.NamesAsync(tenant.Id));
    }

    /// <summary>
    /// A schedule created while a delete of its model holds the model's lock (PostgreSQL, read committed). The schedule's
    /// insert took no lock, so it could be stored after the delete had checked the schedules and before it committed:
    /// the delete went through and left the schedule behind without having seen it. Creating a schedule now takes a
    /// share lock on the model's row, so it waits for the delete and is stored after it, for a name with no model, whose
    /// next store is version 1, the champion, of a new model. Driven by locks: a row lock on version 1 holds the delete
    /// after its checks, and is released once the schedule waits for the delete.
    /// </summary>
    [Fact]
    public async Task CreateSchedule_WhileADeleteOfItsModelHoldsTheModelLock_WaitsAndIsStoredAfterTheDelete()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "schedvsdel");
        await using var a = Open(scope);
        await using var b = Open(scope);
        await new MigrationRunner(a, TimeProvider.System).ApplyAsync();
        var tenant = await new TenantStore(a, TimeProvider.System).CreateTenantAsync("schedvsdel");
        var deleter = new ModelStore(a, TimeProvider.System);
        var schedules = new ScheduleStore(b, TimeProvider.System);
        await deleter.AddVersionAsync(tenant.Id, "risk", "Binary", [1], "{}", "{}", null, "{}", "test");
        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        await using var gateTx = await gate.BeginTransactionAsync();
        await gate.ExecuteAsync("SELECT 1 FROM model_versions WHERE tenant_id = @t AND model_name = 'risk' AND version = 1 FOR UPDATE", new { t = tenant.Id }, gateTx);

        var delete = deleter.DeleteModelUnlessInUseAsync(tenant.Id, "risk");
        await Waits.LockWaitersAsync(scope.Postgres!, "DELETE FROM model_versions", 1, "the delete to wait for the gate's row lock", TimeSpan.FromSeconds(30));
        var create = schedules.CreateAsync(tenant.Id, "nightly", "0 0 3 1 1 ?", "UTC", RiskExperiment, "{}");
        await Waits.LockWaitersAsync(scope.Postgres!, "FOR KEY SHARE", 1, "the schedule to wait for the delete's model lock", TimeSpan.FromSeconds(30));
        await gateTx.CommitAsync();

        var deleted = await delete;
        Assert.True(deleted.Deleted);
        Assert.True(await create);
        Assert.DoesNotContain("risk", await deleter.NamesAsync(tenant.Id));
        Assert.Equal("risk", ScheduleStore.ModelNameOf(Assert.Single(await schedules.ListAsync(tenant.Id)).Experiment));
        var next = await deleter.AddVersionAsync(tenant.Id, "risk", "Binary", [2], "{}", "{}", null, "{}", "schedule:nightly");
        Assert.Equal((1, "champion"), (next.Version, next.Stage));
    }

    /// <summary>
    /// The other order: a delete that starts while a schedule of its model is being stored waits for it, then sees it
    /// and is refused. Before, the delete neither waited nor, in its transaction, looked at schedules. Driven by locks:
    /// an uncommitted row of the same schedule name holds the schedule's insert after it has locked the model, the
    /// delete is started once the insert waits there, and the row is rolled back once the delete waits for the model.
    /// </summary>
    [Fact]
    public async Task DeleteModelUnlessInUse_WhileAScheduleOfItIsBeingStored_WaitsAndIsRefused()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "delvssched");
        await using var a = Open(scope);
        await using var b = Open(scope);
        await new MigrationRunner(a, TimeProvider.System).ApplyAsync();
        var tenant = await new TenantStore(a, TimeProvider.System).CreateTenantAsync("delvssched");
        var deleter = new ModelStore(a, TimeProvider.System);
        var schedules = new ScheduleStore(b, TimeProvider.System);
        await deleter.AddVersionAsync(tenant.Id, "risk", "Binary", [1], "{}", "{}", null, "{}", "test");
        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        await using var gateTx = await gate.BeginTransactionAsync();
        await gate.ExecuteAsync(
            "INSERT INTO schedules (tenant_id, name, cron, time_zone, experiment, promotion, paused, created_at) VALUES (@t, 'nightly', '0 0 3 1 1 ?', 'UTC', '{}', '{}', 0, 0)",
            new { t = tenant.Id }, gateTx);

        var create = schedules.CreateAsync(tenant.Id, "nightly", "0 0 3 1 1 ?", "UTC", RiskExperiment, "{}");
        await Waits.LockWaitersAsync(scope.Postgres!, "INSERT INTO schedules", 1, "the schedule's insert to wait for the gate's row", TimeSpan.FromSeconds(30));
        var delete = deleter.DeleteModelUnlessInUseAsync(tenant.Id, "risk");
        await Waits.LockWaitersAsync(scope.Postgres!, "FOR UPDATE", 1, "the delete to wait for the schedule's model lock", TimeSpan.FromSeconds(30));
        await gateTx.RollbackAsync();

        Assert.True(await create);
        var refused = await delete;
        Assert.False(refused.Deleted);
        Assert.Equal(["nightly"], refused.RefreshingSchedules);
        Assert.Single(await deleter.VersionsAsync(tenant.Id, "risk"));
    }

    private const string RiskExperiment = """{"datasetName":"risk-latest","label":"class","scenario":"credit","budgetSeconds":30,"modelName":"risk"}""";

    private static RegistryDatabase Open(BackendScope scope) =>
        scope.Postgres is null ? RegistryDatabase.ForSqlite(scope.DataDirectory) : RegistryDatabase.ForPostgres(scope.Postgres);
}
