using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Serving;

/// <summary>
/// A model version whose stored artifact is damaged (stored from a truncated file, or its bytes changed in the database
/// since) is never served: predict and schema answer a ProblemDetails naming the model, the version and the damage,
/// instead of a bare 500, and the other versions are served as before.
/// </summary>
public sealed class DamagedArtifactTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-damaged-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Predict_ChampionStoredFromATruncatedFile_ConflictNamingTheVersionAndTheTruncation()
    {
        var good = await File.ReadAllBytesAsync(await ServingModels.CreditGbdtAsync());
        var truncated = Path.Combine(_directory, "credit-truncated.eml");
        await File.WriteAllBytesAsync(truncated, good[..(good.Length / 2)]);

        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "damaged");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", truncated);
        using var client = api.Client(key);

        var sha = Convert.ToHexStringLower(SHA256.HashData(good[..(good.Length / 2)]));
        var expected = $"Model 'credit' v1 cannot be served: its stored artifact ({good.Length / 2:N0} bytes, SHA-256 {sha}) does not load: Truncated model file: ";
        await AssertDamagedAsync(client, expected);
        await AssertServedAfterPromotingAGoodVersionAsync(api, client, tenant);
    }

    [Fact]
    public async Task Predict_ChampionBytesChangedInTheDatabase_ConflictNamingBothHashes()
    {
        var path = await ServingModels.CreditGbdtAsync();
        var good = await File.ReadAllBytesAsync(path);
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "damaged");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", path);
        var damaged = (byte[])good.Clone();
        damaged[damaged.Length / 2] ^= 0x01;
        await using (var connection = await api.Services.GetRequiredService<RegistryDatabase>().OpenAsync())
        {
            Assert.Equal(1, await connection.ExecuteAsync("UPDATE model_versions SET artifact = @damaged WHERE model_name = 'credit' AND version = 1", new { damaged }));
        }

        using var client = api.Client(key);
        var expected = $"Model 'credit' v1 cannot be served: its stored artifact ({good.Length:N0} bytes) is not the one stored: its SHA-256 is "
            + $"{Convert.ToHexStringLower(SHA256.HashData(damaged))}, the registry recorded {Convert.ToHexStringLower(SHA256.HashData(good))}. ";
        await AssertDamagedAsync(client, expected);
        await AssertServedAfterPromotingAGoodVersionAsync(api, client, tenant);
    }

    /// <summary>Predict (JSON and CSV) and schema: 409, the detail starting with <paramref name="expected"/> and saying what to do; every time, not only the first.</summary>
    private static async Task AssertDamagedAsync(HttpClient client, string expected)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var json = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(2) });
            await AssertProblemAsync(json, expected);
            using var csv = await client.PostAsync("/api/models/credit/predict", new StringContent(ServingModels.CreditSample(2), System.Text.Encoding.UTF8, "text/csv"));
            await AssertProblemAsync(csv, expected);
            using var schema = await client.GetAsync("/api/models/credit/schema");
            await AssertProblemAsync(schema, expected);
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{(int)response.StatusCode}: {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("Model version damaged", problem.RootElement.GetProperty("title").GetString());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith(expected, detail, StringComparison.Ordinal);
        Assert.EndsWith(
            " It is not served: promote another version (POST /api/models/credit/versions/{version}/promote) or roll back (POST /api/models/credit/rollback), then delete this one (DELETE /api/models/credit/versions/1).",
            detail, StringComparison.Ordinal);
    }

    /// <summary>A good version stored beside the damaged one and promoted is served: the damage did not stick to the model.</summary>
    private static async Task AssertServedAfterPromotingAGoodVersionAsync(ApiHost api, HttpClient client, string tenant)
    {
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 2, "candidate", await ServingModels.CreditGbdtAsync());
        using (var promoted = await client.PostAsync("/api/models/credit/versions/2/promote", null))
        {
            Assert.True(promoted.IsSuccessStatusCode, await promoted.Content.ReadAsStringAsync());
        }

        using var served = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(2) });
        var text = await served.Content.ReadAsStringAsync();
        Assert.True(served.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(2, JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt32());
        using var pinned = await client.PostAsJsonAsync("/api/models/credit/predict?version=1", new { rows = ServingModels.CreditRows(2) });
        Assert.Equal(HttpStatusCode.Conflict, pinned.StatusCode);
    }
}
