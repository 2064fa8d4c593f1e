using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Jobs;
using EnterpriseML.IntegrationTests.Serving;
using Microsoft.Extensions.DependencyInjection;
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

        // An empty or blank header is no key; the admin key with anything more, or sent twice, is not the key. The
        // answer never repeats what was sent.
        foreach (var (sent, title) in new[]
        {
            (new[] { "" }, "Missing API key"), (new[] { "   " }, "Missing API key"), (new[] { TestKeys.Admin + "x" }, "Invalid API key"),
            (new[] { TestKeys.Admin[..^1] }, "Invalid API key"), (new[] { TestKeys.Admin, TestKeys.Admin }, "Invalid API key"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            Assert.True(request.Headers.TryAddWithoutValidation("X-Api-Key", sent));
            using var refused = await anonymous.SendAsync(request);
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"[{string.Join("|", sent)}]: {(int)refused.StatusCode} {text}");
            Assert.Equal(title, JsonDocument.Parse(text).RootElement.GetProperty("title").GetString());
            Assert.DoesNotContain(TestKeys.Admin[..^1], text, StringComparison.Ordinal);
        }

        using var trimmed = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        Assert.True(trimmed.Headers.TryAddWithoutValidation("X-Api-Key", "  " + TestKeys.Admin + " "));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(trimmed)).StatusCode);

        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var openApi = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }

    /// <summary>
    /// Keys are stored as their SHA-256 only. The first 8 characters of every key were stored beside it, also of a key
    /// the operator chose with Auth:BootstrapKey: one of 8 characters or fewer was in the database whole, in plain text.
    /// Now nothing of a chosen key is kept, and of a generated one only "eml_" and 4 of its random characters.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task StoredKeys_HoldOnlyTheHash_NothingOfAChosenBootstrapKey(Backend backend)
    {
        const string Chosen = "s3cr3t-k";
        await using var scope = await BackendScope.CreateAsync(backend, "keystore");
        using var api = new ApiHost(scope, new() { ["Auth:BootstrapKey"] = Chosen });
        using var admin = api.Client(Chosen);
        var (_, generated) = await ServingModels.CreateTenantAsync(admin, "acme");

        var database = api.Services.GetRequiredService<EnterpriseML.Registry.RegistryDatabase>();
        await using var connection = await database.OpenAsync();
        var rows = (await connection.QueryAsync<(string Id, string TenantId, string KeyHash, string KeyPrefix, string Role)>(
            "SELECT id, tenant_id, key_hash, key_prefix, role FROM api_keys")).ToList();
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            foreach (var value in new[] { row.Id, row.TenantId, row.KeyHash, row.KeyPrefix, row.Role })
            {
                Assert.DoesNotContain(Chosen, value, StringComparison.Ordinal);
                Assert.DoesNotContain(generated, value, StringComparison.Ordinal);
            }
        }

        var chosen = Assert.Single(rows, r => r.KeyHash == EnterpriseML.Registry.TenantStore.Hash(Chosen));
        Assert.Equal("", chosen.KeyPrefix);
        var other = Assert.Single(rows, r => r.KeyHash == EnterpriseML.Registry.TenantStore.Hash(generated));
        Assert.Equal(generated[..8], other.KeyPrefix);
        Assert.Equal(64, other.KeyHash.Length);
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
    /// <summary>
    /// Tenant isolation, route by route: with a key of acme, every route that names one of globex's datasets,
    /// experiments, models, versions or schedules (in the path or inside a body: datasetId, testDatasetId, a schedule's
    /// experiment.datasetId) answers exactly as it does for a name or id that exists nowhere (same status, same
    /// ProblemDetails but for the name itself), lists never show globex's, and nothing of globex's changes.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task CrossTenant_EveryRouteNamingAnotherTenantsThing_AnswersAsForOneThatDoesNotExist(Backend backend)
    {
        var model = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(backend, "isolation");
        // No worker: globex's experiment stays queued, so its cancel and events are live targets.
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var admin = api.Client();
        var (acmeId, acmeKey) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        var (globexId, globexKey) = await ServingModels.CreateTenantAsync(admin, "globex", "data-scientist");
        using var acme = api.Client(acmeKey);
        using var globex = api.Client(globexKey);

        var dataset = await ExperimentFlowTests.UploadAsync(globex, "credit-german-statlog.csv");
        var experiment = await ExperimentFlowTests.SubmitAsync(globex, dataset, 60, seed: 1, modelName: "globex-risk");
        await ServingModels.InsertVersionAsync(api, globexId, "globex-risk", 1, "champion", model);
        await ServingModels.InsertVersionAsync(api, globexId, "globex-risk", 2, "candidate", model);
        var schedule = new { name = "globex-nightly", cron = "0 0 3 * * ?", experiment = new { datasetName = "credit-german-statlog", label = "class", scenario = "auto", budgetSeconds = 60, modelName = "globex-risk" } };
        using (var created = await globex.PostAsJsonAsync("/api/schedules", schedule))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        var nowhere = Guid.NewGuid().ToString("N");
        await AssertSameAnswerAsync(id => acme.GetAsync($"/api/datasets/{id}"), dataset, nowhere);
        await AssertSameAnswerAsync(id => acme.DeleteAsync($"/api/datasets/{id}"), dataset, nowhere);
        await AssertSameAnswerAsync(id => acme.PostAsJsonAsync("/api/experiments", new { datasetId = id, label = "class", scenario = "auto", budgetSeconds = 60, modelName = "mine" }), dataset, nowhere);
        var acmeInteractions = await ExperimentFlowTests.UploadAsync(acme, "interactions.csv", "user,item\nu1,a\nu1,b\nu2,a\nu2,c\nu3,b\nu3,c\n"u8.ToArray());
        await AssertSameAnswerAsync(id => acme.PostAsJsonAsync("/api/experiments", new { datasetId = acmeInteractions, testDatasetId = id, scenario = "recommendation", userColumn = "user", itemColumn = "item", budgetSeconds = 60, modelName = "mine" }), dataset, nowhere);
        await AssertSameAnswerAsync(id => acme.PostAsJsonAsync("/api/schedules", new { name = "mine", cron = "0 0 3 * * ?", experiment = new { datasetId = id, label = "class", scenario = "auto", budgetSeconds = 60, modelName = "mine" } }), dataset, nowhere);

        await AssertSameAnswerAsync(id => acme.GetAsync($"/api/experiments/{id}"), experiment, nowhere);
        await AssertSameAnswerAsync(id => acme.GetAsync($"/api/experiments/{id}/events"), experiment, nowhere);
        await AssertSameAnswerAsync(id => acme.PostAsync($"/api/experiments/{id}/cancel", null), experiment, nowhere);

        const string NoModel = "no-such-model";
        await AssertSameAnswerAsync(name => acme.GetAsync($"/api/models/{name}"), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.PostAsJsonAsync($"/api/models/{name}/versions/2/promote", new { reason = "mine now" }), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.PostAsJsonAsync($"/api/models/{name}/rollback", new { reason = "mine now" }), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.DeleteAsync($"/api/models/{name}/versions/2"), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.DeleteAsync($"/api/models/{name}"), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.PostAsJsonAsync($"/api/models/{name}/predict", new { rows = ServingModels.CreditRows(1) }), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.PostAsJsonAsync($"/api/models/{name}/predict?version=1", new { rows = ServingModels.CreditRows(1) }), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.PostAsync($"/api/models/{name}/predict", new StringContent(ServingModels.CreditSample(2), System.Text.Encoding.UTF8, "text/csv")), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.GetAsync($"/api/models/{name}/schema"), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.GetAsync($"/api/models/{name}/recommendations/u1"), "globex-risk", NoModel);
        await AssertSameAnswerAsync(name => acme.GetAsync($"/api/models/{name}/similar/a"), "globex-risk", NoModel);

        await AssertSameAnswerAsync(name => acme.GetAsync($"/api/schedules/{name}"), "globex-nightly", "no-such-schedule");
        await AssertSameAnswerAsync(name => acme.PostAsJsonAsync($"/api/schedules/{name}/pause", new { reason = "mine now" }), "globex-nightly", "no-such-schedule");
        await AssertSameAnswerAsync(name => acme.PostAsync($"/api/schedules/{name}/resume", null), "globex-nightly", "no-such-schedule");
        await AssertSameAnswerAsync(name => acme.PostAsync($"/api/schedules/{name}/trigger", null), "globex-nightly", "no-such-schedule");
        await AssertSameAnswerAsync(name => acme.DeleteAsync($"/api/schedules/{name}"), "globex-nightly", "no-such-schedule");

        // Keys: a tenant key manages no tenant, its own included; the answer says nothing of the tenant named.
        await AssertSameAnswerAsync(id => acme.PostAsJsonAsync($"/api/tenants/{id}/keys", new { role = "admin" }), globexId, nowhere);
        await AssertSameAnswerAsync(id => acme.PostAsJsonAsync($"/api/tenants/{id}/keys", new { role = "admin" }), acmeId, nowhere);
        await AssertSameAnswerAsync(id => acme.DeleteAsync($"/api/tenants/{id}/keys/{id}"), globexId, nowhere);
        await AssertSameAnswerAsync(id => acme.GetAsync($"/api/tenants/{id}/keys"), globexId, nowhere);
        await AssertSameAnswerAsync(id => acme.GetAsync($"/api/tenants/{id}/keys"), acmeId, nowhere);
        using (var tenants = await acme.GetAsync("/api/tenants"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, tenants.StatusCode);
        }

        // Lists hold only acme's own.
        var datasets = await acme.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal([acmeInteractions], datasets.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        Assert.Equal(0, (await acme.GetFromJsonAsync<JsonElement>("/api/experiments")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await acme.GetFromJsonAsync<JsonElement>("/api/models")).GetArrayLength());
        Assert.Equal(0, (await acme.GetFromJsonAsync<JsonElement>("/api/schedules")).GetArrayLength());

        // Nothing of globex's moved.
        Assert.Equal(HttpStatusCode.OK, (await globex.GetAsync($"/api/datasets/{dataset}")).StatusCode);
        Assert.Equal("queued", (await globex.GetFromJsonAsync<JsonElement>($"/api/experiments/{experiment}")).GetProperty("status").GetString());
        var stored = await globex.GetFromJsonAsync<JsonElement>("/api/models/globex-risk");
        Assert.Equal(1, stored.GetProperty("champion").GetInt64());
        Assert.Equal(2, stored.GetProperty("versions").GetArrayLength());
        Assert.Empty(stored.GetProperty("history").EnumerateArray());
        Assert.False((await globex.GetFromJsonAsync<JsonElement>("/api/schedules/globex-nightly")).GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await globex.GetFromJsonAsync<JsonElement>("/api/schedules/globex-nightly")).GetProperty("refreshUnderWay").ValueKind);
        using var keyOfGlobex = api.Client(globexKey);
        Assert.Equal("globex", (await keyOfGlobex.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("tenant").GetString());
    }

    /// <summary>
    /// An experiment's event stream was authenticated once, when it opened, and then ran for as long as the sweep did (up
    /// to a day): a key revoked meanwhile went on receiving the experiment's progress. The stream now ends once its key
    /// is revoked, and the reconnection the dashboard makes is a 401.
    /// </summary>
    [Fact]
    public async Task ExperimentEvents_KeyRevokedWhileStreaming_StreamEnds()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "sserevoke");
        // No worker: the experiment stays queued, so its stream would never end by itself.
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var admin = api.Client();
        var (tenantId, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        using var client = api.Client(key);
        var dataset = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var experiment = await ExperimentFlowTests.SubmitAsync(client, dataset, 60, seed: 1);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync($"/api/experiments/{experiment}/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        Assert.Equal("event: progress", await reader.ReadLineAsync(deadline.Token));

        var keyId = (await api.Services.GetRequiredService<EnterpriseML.Registry.TenantStore>().AuthenticateAsync(key))!.KeyId;
        using (var revoke = await admin.DeleteAsync($"/api/tenants/{tenantId}/keys/{keyId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        // Ends (the deadline cancels the read of a stream that goes on instead).
        var rest = await reader.ReadToEndAsync(deadline.Token);
        Assert.DoesNotContain("event: end", rest, StringComparison.Ordinal);
        using var again = await client.GetAsync($"/api/experiments/{experiment}/events");
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    /// <summary>
    /// Which role may call what: a consumer only /api/me and the serving routes, a data scientist everything but
    /// /api/tenants. A refusal is a 403 naming the role needed and the key's, given before anything is looked up (the
    /// paths here name nothing that exists).
    /// </summary>
    [Fact]
    public async Task Roles_EachRouteRefusedOrAllowedByRole()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "roles");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var admin = api.Client();
        var (_, consumerKey) = await ServingModels.CreateTenantAsync(admin, "acme", "consumer");
        var (_, scientistKey) = await ServingModels.CreateTenantAsync(admin, "globex", "data-scientist");
        using var consumer = api.Client(consumerKey);
        using var scientist = api.Client(scientistKey);

        (HttpMethod Method, string Path)[] scientistRoutes =
        [
            (HttpMethod.Get, "/api/datasets"), (HttpMethod.Post, "/api/datasets"), (HttpMethod.Get, "/api/datasets/x"), (HttpMethod.Delete, "/api/datasets/x"),
            (HttpMethod.Get, "/api/experiments"), (HttpMethod.Post, "/api/experiments"), (HttpMethod.Get, "/api/experiments/x"),
            (HttpMethod.Post, "/api/experiments/x/cancel"), (HttpMethod.Get, "/api/experiments/x/events"),
            (HttpMethod.Get, "/api/models"), (HttpMethod.Get, "/api/models/x"), (HttpMethod.Post, "/api/models/x/versions/1/promote"),
            (HttpMethod.Post, "/api/models/x/rollback"), (HttpMethod.Delete, "/api/models/x"), (HttpMethod.Delete, "/api/models/x/versions/1"),
            (HttpMethod.Get, "/api/schedules"), (HttpMethod.Post, "/api/schedules"), (HttpMethod.Get, "/api/schedules/x"),
            (HttpMethod.Delete, "/api/schedules/x"), (HttpMethod.Post, "/api/schedules/x/pause"), (HttpMethod.Post, "/api/schedules/x/resume"),
            (HttpMethod.Post, "/api/schedules/x/trigger"),
        ];
        (HttpMethod Method, string Path)[] adminRoutes =
        [
            (HttpMethod.Get, "/api/tenants"), (HttpMethod.Post, "/api/tenants"), (HttpMethod.Post, "/api/tenants/x/keys"), (HttpMethod.Get, "/api/tenants/x/keys"),
            (HttpMethod.Delete, "/api/tenants/x/keys/y"),
        ];
        (HttpMethod Method, string Path)[] servingRoutes =
        [
            (HttpMethod.Get, "/api/me"), (HttpMethod.Post, "/api/models/x/predict"), (HttpMethod.Get, "/api/models/x/schema"),
            (HttpMethod.Get, "/api/models/x/recommendations/u"), (HttpMethod.Get, "/api/models/x/similar/i"),
        ];

        async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        foreach (var (method, path) in scientistRoutes.Concat(adminRoutes))
        {
            var (status, body) = await SendAsync(consumer, method, path);
            Assert.True(status == HttpStatusCode.Forbidden, $"consumer {method} {path}: {(int)status} {body}");
            Assert.EndsWith("your key has the consumer role.", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        foreach (var (method, path) in adminRoutes)
        {
            var (status, body) = await SendAsync(scientist, method, path);
            Assert.True(status == HttpStatusCode.Forbidden, $"data-scientist {method} {path}: {(int)status} {body}");
            Assert.Equal("This operation needs the admin role; your key has the data-scientist role.", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
        }

        // Allowed: answered by the route itself (a 404 for what does not exist, a 400 for the empty body, ...).
        var allowed = scientistRoutes.Select(r => (scientist, r.Method, r.Path))
            .Concat(servingRoutes.Select(r => (scientist, r.Method, r.Path)))
            .Concat(servingRoutes.Select(r => (consumer, r.Method, r.Path)))
            .Concat(adminRoutes.Select(r => (admin, r.Method, r.Path)));
        foreach (var (client, method, path) in allowed)
        {
            var (status, body) = await SendAsync(client, method, path);
            Assert.True(status is not (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized), $"{method} {path}: {(int)status} {body}");
        }
    }

    /// <summary>
    /// Sends the request naming <paramref name="theirs"/> and the one naming <paramref name="missing"/>: the same status
    /// and the same body once each name is replaced by a placeholder (and the per-request traceId dropped).
    /// </summary>
    private static async Task AssertSameAnswerAsync(Func<string, Task<HttpResponseMessage>> send, string theirs, string missing)
    {
        using var first = await send(theirs);
        using var second = await send(missing);
        var a = Normalise(await first.Content.ReadAsStringAsync(), theirs);
        var b = Normalise(await second.Content.ReadAsStringAsync(), missing);
        Assert.True(first.StatusCode == second.StatusCode, $"{first.RequestMessage?.Method} {first.RequestMessage?.RequestUri}: {(int)first.StatusCode} {a}\nbut for a missing one {(int)second.StatusCode} {b}");
        Assert.True((int)first.StatusCode is >= 400 and < 500, $"{first.RequestMessage?.RequestUri}: {(int)first.StatusCode} {a}");
        Assert.Equal(b, a);

        static string Normalise(string body, string name)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(body.Replace(name, "{name}", StringComparison.Ordinal))!.AsObject();
            json.Remove("traceId");
            return json.ToJsonString();
        }
    }
}
