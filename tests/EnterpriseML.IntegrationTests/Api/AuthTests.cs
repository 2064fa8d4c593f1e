using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Api;

public sealed class AuthTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task ApiRoutes_WithoutOrWithWrongKey_Return401ProblemDetails(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "auth");
        using var api = new ApiHost(scope);

        using var anonymous = api.Client(apiKey: null);
        using var none = await anonymous.GetAsync("/api/datasets");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Missing API key", (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var wrong = api.Client("eml_not_a_real_key");
        using var bad = await wrong.GetAsync("/api/datasets");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("Invalid API key", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var openApi = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }

    /// <summary>
    /// Creating a tenant looked its name up, then inserted it: two creates of one name at once both found none and the
    /// second insert failed on the unique name with a 500. Now exactly one is created (201, with its key) and every
    /// other answer is the 409 a later create gets.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task CreateTenant_SameNameConcurrently_OneCreatedTheOthers409(Backend backend)
    {
        const int Creates = 8;
        await using var scope = await BackendScope.CreateAsync(backend, "tenantc");
        using var api = new ApiHost(scope);
        using var admin = api.Client();

        async Task<(HttpStatusCode Status, string Body)> CreateAsync()
        {
            using var response = await admin.PostAsJsonAsync("/api/tenants", new { name = "risk", role = "consumer" });
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, Creates).Select(_ => CreateAsync()));
        var created = Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.Created), a =>
        {
            Assert.True(a.Status == HttpStatusCode.Conflict, $"{(int)a.Status}: {a.Body}");
            Assert.Equal("A tenant named 'risk' already exists.", JsonDocument.Parse(a.Body).RootElement.GetProperty("detail").GetString());
        });

        var tenants = await admin.GetFromJsonAsync<JsonElement>("/api/tenants");
        Assert.Single(tenants.EnumerateArray(), t => t.GetProperty("name").GetString() == "risk");
        using var key = api.Client(JsonDocument.Parse(created.Body).RootElement.GetProperty("apiKey").GetString());
        var me = await key.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("risk", me.GetProperty("tenant").GetString());
        Assert.Equal("consumer", me.GetProperty("role").GetString());
    }

    /// <summary>
    /// A tenant and its first key are stored in one transaction. They were two inserts: a create whose key insert was
    /// cancelled (the client hung up) or failed left a tenant without a key, its name taken for good (every later
    /// create a 409) and nobody able to use it. A share lock on <c>api_keys</c> holds the key's insert while the client
    /// gives up; the create must then leave nothing, and the same create afterwards succeeds.
    /// </summary>
    [Fact]
    public async Task CreateTenant_ClientGoneWhileItsKeyIsStored_NothingStoredAndTheNameStaysFree()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "tenantatomic");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/me")).StatusCode); // the admin key is read, and remembered, before the lock

        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        var keysLock = await gate.BeginTransactionAsync();
        await gate.ExecuteAsync("LOCK TABLE api_keys IN SHARE MODE", transaction: keysLock);
        using var hangUp = new CancellationTokenSource();
        var create = admin.PostAsJsonAsync("/api/tenants", new { name = "risk", role = "data-scientist" }, hangUp.Token);
        await Waits.LockWaitersAsync(scope.Postgres!, "INSERT INTO api_keys", 1, "the tenant's key insert to wait for the lock");
        // A cancelled insert leaves the lock queue; one the server went on with would keep waiting.
        await Waits.HangUpThenReleaseAsync(hangUp, scope.Postgres!, "INSERT INTO api_keys", keysLock, create);

        var tenants = await admin.GetFromJsonAsync<JsonElement>("/api/tenants");
        Assert.DoesNotContain(tenants.EnumerateArray(), t => t.GetProperty("name").GetString() == "risk");
        using var again = await admin.PostAsJsonAsync("/api/tenants", new { name = "risk", role = "data-scientist" });
        var body = await again.Content.ReadAsStringAsync();
        Assert.True(again.StatusCode == HttpStatusCode.Created, body);
        using var key = api.Client(JsonDocument.Parse(body).RootElement.GetProperty("apiKey").GetString());
        Assert.Equal("risk", (await key.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("tenant").GetString());
    }

    /// <summary>
    /// The OpenAPI document says what a generated client needs and cannot infer: the X-Api-Key header, required
    /// everywhere, and the bodies of the upload (multipart file) and of predict (JSON rows or CSV).
    /// </summary>
    [Fact]
    public async Task OpenApi_DescribesTheKeyHeaderAndTheUploadAndPredictBodies()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "openapi");
        using var api = new ApiHost(scope);
        using var anonymous = api.Client(apiKey: null);
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.True(root.GetProperty("security")[0].TryGetProperty("ApiKey", out _));

        var upload = root.GetProperty("paths").GetProperty("/api/datasets").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        var form = upload.GetProperty("multipart/form-data").GetProperty("schema");
        Assert.Equal("binary", form.GetProperty("properties").GetProperty("file").GetProperty("format").GetString());
        Assert.Equal("file", form.GetProperty("required")[0].GetString());

        var predict = root.GetProperty("paths").GetProperty("/api/models/{name}/predict").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.Equal("array", predict.GetProperty("application/json").GetProperty("schema").GetProperty("properties").GetProperty("rows").GetProperty("type").GetString());
        Assert.Equal("string", predict.GetProperty("text/csv").GetProperty("schema").GetProperty("type").GetString());
    }

    [Fact]
    public async Task TenantKeys_ConsumerCannotUpload_OtherTenantSees404_RevokedKeyIs401()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "tenants");
        using var api = new ApiHost(scope);
        using var admin = api.Client();

        var acme = await (await admin.PostAsJsonAsync("/api/tenants", new { name = "acme" })).Content.ReadFromJsonAsync<JsonElement>();
        var globex = await (await admin.PostAsJsonAsync("/api/tenants", new { name = "globex" })).Content.ReadFromJsonAsync<JsonElement>();
        using var acmeClient = api.Client(acme.GetProperty("apiKey").GetString());
        using var globexClient = api.Client(globex.GetProperty("apiKey").GetString());

        var bytes = await File.ReadAllBytesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
        using var created = await acmeClient.PostAsync("/api/datasets", DatasetsApiTests.Form(bytes, "credit.csv"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var leak = await globexClient.GetAsync($"/api/datasets/{id}");
        Assert.Equal(HttpStatusCode.NotFound, leak.StatusCode);
        using var notAdmin = await acmeClient.PostAsJsonAsync("/api/tenants", new { name = "evil" });
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);

        var consumer = await (await admin.PostAsJsonAsync($"/api/tenants/{acme.GetProperty("id").GetString()}/keys", new { role = "consumer" })).Content.ReadFromJsonAsync<JsonElement>();
        using var consumerClient = api.Client(consumer.GetProperty("apiKey").GetString());
        using var forbidden = await consumerClient.PostAsync("/api/datasets", DatasetsApiTests.Form(bytes, "credit.csv"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var revoke = await admin.DeleteAsync($"/api/tenants/{acme.GetProperty("id").GetString()}/keys/{consumer.GetProperty("keyId").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using var revoked = await consumerClient.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
    }
}
