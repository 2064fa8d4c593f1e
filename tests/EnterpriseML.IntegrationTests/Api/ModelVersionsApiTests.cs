using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary><c>GET /api/models/{name}</c> and promotions on the real API and registry, on both backends.</summary>
public sealed class ModelVersionsApiTests
{
    /// <summary>
    /// Each version states the size in bytes and the SHA-256 of its stored artifact, both those of the file that was
    /// stored; the size was not reported at all, so a caller could not see what a version weighs without downloading it.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Get_EachVersion_ReportsItsArtifactSizeAndSha256(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "modelget");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        var files = new[] { await ServingModels.CreditGbdtAsync(), await ServingModels.CreditLogisticAsync() };
        foreach (var file in files)
        {
            await store.AddVersionAsync(tenant, "credit", "Binary", await File.ReadAllBytesAsync(file), "{}", "{}", null, "{}", "test");
        }

        using var client = api.Client(key);
        var versions = (await client.GetFromJsonAsync<JsonElement>("/api/models/credit")).GetProperty("versions").EnumerateArray().ToArray();
        Assert.Equal(2, versions.Length);
        for (var v = 0; v < files.Length; v++)
        {
            var bytes = await File.ReadAllBytesAsync(files[v]);
            Assert.Equal(bytes.LongLength, versions[v].GetProperty("artifactBytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), versions[v].GetProperty("artifactSha256").GetString());
        }

        Assert.NotEqual(versions[0].GetProperty("artifactBytes").GetInt64(), versions[1].GetProperty("artifactBytes").GetInt64());
    }

    /// <summary>
    /// Two clients promoting different versions of one model at the same time, round after round: every promote
    /// answers 200, the model ends with exactly one champion, and predictions without a version are served by that
    /// champion on this node at once.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Promote_TwoClientsAtOnce_OneChampionWhichServes(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "promote2");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        foreach (var file in new[] { await ServingModels.CreditGbdtAsync(), await ServingModels.CreditLogisticAsync(), await ServingModels.CreditGbdtAsync() })
        {
            await store.AddVersionAsync(tenant, "credit", "Binary", await File.ReadAllBytesAsync(file), "{}", "{}", null, "{}", "test");
        }

        using var first = api.Client(key);
        using var second = api.Client(key);
        for (var round = 0; round < 6; round++)
        {
            var (a, b) = round % 2 == 0 ? (2, 3) : (3, 1);
            var promotes = await Task.WhenAll(
                first.PostAsJsonAsync($"/api/models/credit/versions/{a}/promote", new { reason = "client one" }),
                second.PostAsJsonAsync($"/api/models/credit/versions/{b}/promote", new { reason = "client two" }));
            foreach (var p in promotes)
            {
                Assert.True(p.StatusCode == HttpStatusCode.OK, await p.Content.ReadAsStringAsync());
                p.Dispose();
            }

            var model = await first.GetFromJsonAsync<JsonElement>("/api/models/credit");
            var champions = model.GetProperty("versions").EnumerateArray().Where(v => v.GetProperty("stage").GetString() == "champion").Select(v => v.GetProperty("version").GetInt64()).ToArray();
            var champion = Assert.Single(champions);
            Assert.Equal(champion, model.GetProperty("champion").GetInt64());
            Assert.Contains(champion, new long[] { a, b });

            using var predicted = await second.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1) });
            Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
            Assert.Equal(champion, (await predicted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());
        }
    }
}
