using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;

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

    private static RegistryDatabase Open(BackendScope scope) =>
        scope.Postgres is null ? RegistryDatabase.ForSqlite(scope.DataDirectory) : RegistryDatabase.ForPostgres(scope.Postgres);
}
