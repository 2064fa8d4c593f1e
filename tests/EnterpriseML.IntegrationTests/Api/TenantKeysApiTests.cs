using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// <c>GET /api/tenants/{id}/keys</c>: an admin lists a tenant's keys (what the dashboard's tenant page shows) with their
/// id, role, prefix and times, active and revoked, and never a key or its hash.
/// </summary>
public sealed class TenantKeysApiTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task ListKeys_ActiveAndRevoked_MetadataOnlyNeverTheKeyOrItsHash(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "keylist");
        using var api = new ApiHost(scope);
        using var admin = api.Client();

        using var created = await admin.PostAsJsonAsync("/api/tenants", new { name = "acme", role = "data-scientist" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var acme = await created.Content.ReadFromJsonAsync<JsonElement>();
        var acmeId = acme.GetProperty("id").GetString()!;
        var (firstId, firstKey) = (acme.GetProperty("keyId").GetString()!, acme.GetProperty("apiKey").GetString()!);
        using var added = await admin.PostAsJsonAsync($"/api/tenants/{acmeId}/keys", new { role = "consumer" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var consumer = await added.Content.ReadFromJsonAsync<JsonElement>();
        var (consumerId, consumerKey) = (consumer.GetProperty("keyId").GetString()!, consumer.GetProperty("apiKey").GetString()!);
        var (_, globexKey) = await Serving.ServingModels.CreateTenantAsync(admin, "globex", "admin");
        using (var revoke = await admin.DeleteAsync($"/api/tenants/{acmeId}/keys/{consumerId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using var listed = await admin.GetAsync($"/api/tenants/{acmeId}/keys");
        var text = await listed.Content.ReadAsStringAsync();
        Assert.True(listed.StatusCode == HttpStatusCode.OK, $"{(int)listed.StatusCode} {text}");
        foreach (var secret in new[] { firstKey, consumerKey, globexKey })
        {
            Assert.DoesNotContain(secret[8..], text, StringComparison.Ordinal);
            Assert.DoesNotContain(TenantStore.Hash(secret), text, StringComparison.OrdinalIgnoreCase);
        }

        var keys = JsonDocument.Parse(text).RootElement.EnumerateArray().ToList();
        // Both of acme's keys, and nothing of globex's.
        Assert.Equal(new[] { consumerId, firstId }.Order(), keys.Select(k => k.GetProperty("id").GetString()!).Order());
        Assert.All(keys, k => Assert.Equal(["createdAt", "id", "prefix", "revokedAt", "role"], k.EnumerateObject().Select(p => p.Name).Order()));
        var createdTimes = keys.Select(k => k.GetProperty("createdAt").GetInt64()).ToList();
        Assert.Equal(createdTimes.OrderDescending(), createdTimes);

        var first = Assert.Single(keys, k => k.GetProperty("id").GetString() == firstId);
        Assert.Equal(("data-scientist", firstKey[..8], JsonValueKind.Null), (first.GetProperty("role").GetString(), first.GetProperty("prefix").GetString(), first.GetProperty("revokedAt").ValueKind));
        var revoked = Assert.Single(keys, k => k.GetProperty("id").GetString() == consumerId);
        Assert.Equal(("consumer", consumerKey[..8]), (revoked.GetProperty("role").GetString(), revoked.GetProperty("prefix").GetString()));
        Assert.InRange(revoked.GetProperty("revokedAt").GetInt64(), revoked.GetProperty("createdAt").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);

        // The key a request carries is named by /api/me, so a caller can find it in the list.
        using var firstClient = api.Client(firstKey);
        var me = await firstClient.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal((acmeId, firstId), (me.GetProperty("tenantId").GetString(), me.GetProperty("keyId").GetString()));

        // The system tenant holds the bootstrap key, chosen by the operator: nothing of it is listed, not even a prefix.
        var tenants = await admin.GetFromJsonAsync<JsonElement>("/api/tenants");
        var systemId = tenants.EnumerateArray().Single(t => t.GetProperty("name").GetString() == TenantStore.SystemTenant).GetProperty("id").GetString();
        var systemKeys = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{systemId}/keys");
        var bootstrap = Assert.Single(systemKeys.EnumerateArray());
        Assert.Equal(("admin", ""), (bootstrap.GetProperty("role").GetString(), bootstrap.GetProperty("prefix").GetString()));
        Assert.Equal((await admin.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("keyId").GetString(), bootstrap.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task ListKeys_UnknownTenant_404AsTheOtherTenantRoutes(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "keylist404");
        using var api = new ApiHost(scope);
        using var admin = api.Client();

        using var listed = await admin.GetAsync("/api/tenants/no-such-tenant/keys");
        var text = await listed.Content.ReadAsStringAsync();
        Assert.True(listed.StatusCode == HttpStatusCode.NotFound, $"{(int)listed.StatusCode} {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(("Tenant not found", "There is no tenant 'no-such-tenant'."), (problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString()));

        // The key-creating route answers an unknown tenant the same way.
        using var create = await admin.PostAsJsonAsync("/api/tenants/no-such-tenant/keys", new { role = "consumer" });
        var createProblem = await create.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.NotFound, problem.GetProperty("detail").GetString()), (create.StatusCode, createProblem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task OpenApi_DescribesTheKeyListAndItsFields()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "keylistopenapi");
        using var api = new ApiHost(scope);
        using var anonymous = api.Client(apiKey: null);
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;

        var list = root.GetProperty("paths").GetProperty("/api/tenants/{id}/keys").GetProperty("get");
        Assert.Equal("List a tenant's API keys", list.GetProperty("summary").GetString());
        Assert.Contains("Never the key nor its hash", list.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(list.GetProperty("responses").TryGetProperty("404", out _));
        var items = list.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("items");
        var reference = items.GetProperty("$ref").GetString()!;
        var schema = root.GetProperty("components").GetProperty("schemas").GetProperty(reference[(reference.LastIndexOf('/') + 1)..]);
        Assert.Equal(["createdAt", "id", "prefix", "revokedAt", "role"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
    }
}
