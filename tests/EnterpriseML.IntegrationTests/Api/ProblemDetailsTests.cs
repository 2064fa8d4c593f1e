using System.Net;
using System.Net.Http.Json;
using System.Text;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>Every error names what was wrong: requests that do not bind, and 404s on every route of a name that does not exist.</summary>
public sealed class ProblemDetailsTests
{
    [Fact]
    public async Task Experiments_BodyThatDoesNotBind_Returns400NamingTheFieldOrWhereTheJsonBreaks()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "problems");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (_, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        using var client = api.Client(key);

        const string wrongType = """{"datasetId":"d","label":"class","scenario":"auto","budgetSeconds":"ten","modelName":"m"}""";
        using var budget = await PostJsonAsync(client, "/api/experiments", wrongType);
        await ServingInputTests.AssertProblemAsync(budget, "Invalid request body", "budgetSeconds: expected a number.");

        using var list = await PostJsonAsync(client, "/api/experiments", """{"datasetId":"d","ignoreColumns":"id"}""");
        await ServingInputTests.AssertProblemAsync(list, "Invalid request body", "ignoreColumns: expected an array.");
        using var element = await PostJsonAsync(client, "/api/experiments", """{"datasetId":"d","ignoreColumns":["id",7]}""");
        await ServingInputTests.AssertProblemAsync(element, "Invalid request body", "ignoreColumns[1]: expected a string.");
        using var seed = await PostJsonAsync(client, "/api/experiments", """{"datasetId":"d","seed":1.5}""");
        await ServingInputTests.AssertProblemAsync(seed, "Invalid request body", "seed: expected an integer.");

        using var truncated = await PostJsonAsync(client, "/api/experiments", """{"datasetId":"d","label":""");
        await ServingInputTests.AssertProblemAsync(
            truncated, "Invalid request body", "Request body: invalid JSON at line 1, position 26: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.");

        using var invalid = await PostJsonAsync(client, "/api/experiments", "{\n  \"datasetId\": tru }");
        await ServingInputTests.AssertProblemAsync(invalid, "Invalid request body", "Request body: invalid JSON at line 2, position 19: 'tru }' is an invalid JSON literal. Expected the literal 'true'.");

        using var empty = await PostJsonAsync(client, "/api/experiments", "");
        await ServingInputTests.AssertProblemAsync(empty, "Invalid request body", "Request body: empty; expected a JSON object.");

        // A field no request has (a typo) is named, with the fields there are, not silently dropped.
        using var typo = await PostJsonAsync(client, "/api/experiments", """{"datasetId":"d","ignoreColumn":["id"]}""");
        await ServingInputTests.AssertProblemAsync(typo, "Invalid request body",
            "ignoreColumn: not a field of this request; the fields are alertBudget, budgetSeconds, datasetId, holdoutFraction, ignoreColumns, itemColumn, label, maxTrials, metric, modelName, positiveClass, scenario, seed, targetRecall, task, testDatasetId, timestampColumn, userColumn.");
        using var nested = await PostJsonAsync(client, "/api/schedules", """{"name":"n","cron":"0 0 2 * * ?","experiment":{"datasetName":"d","budgetSecond":5}}""");
        var problem = await nested.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, nested.StatusCode);
        Assert.Equal("experiment.budgetSecond", problem.GetProperty("field").GetString());
        Assert.StartsWith("Not a field of experiment; the fields are alertBudget, budgetSeconds, datasetId, datasetName, ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var array = await PostJsonAsync(client, "/api/experiments", "[1]");
        await ServingInputTests.AssertProblemAsync(array, "Invalid request body", "Request body: expected an object.");

        using var page = await client.GetAsync("/api/experiments?page=abc");
        await ServingInputTests.AssertProblemAsync(page, "Invalid query parameter", "Query parameter 'page': 'abc' is not an integer.");
        using var pageSize = await client.GetAsync("/api/datasets?pageSize=9999999999");
        await ServingInputTests.AssertProblemAsync(pageSize, "Invalid query parameter", "Query parameter 'pageSize': '9999999999' is not an integer.");
    }

    [Fact]
    public async Task Models_PromoteBodyThatDoesNotBind_Returns400NamingTheField()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "problems");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        using var number = await PostJsonAsync(client, "/api/models/credit/versions/1/promote", """{"reason":5}""");
        await ServingInputTests.AssertProblemAsync(number, "Invalid request body", "reason: expected a string.");
        using var truncated = await PostJsonAsync(client, "/api/models/credit/rollback", """{"reason":""");
        await ServingInputTests.AssertProblemAsync(
            truncated, "Invalid request body", "Request body: invalid JSON at line 1, position 11: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.");

        // A version that is not a number was a bare 404 (the route did not match); it is a 400 naming the segment.
        using var word = await PostJsonAsync(client, "/api/models/credit/versions/latest/promote", "{}");
        await ServingInputTests.AssertProblemAsync(word, "Invalid route parameter", "Route parameter 'version': 'latest' is not an integer.");

        // The body is optional: none at all still promotes.
        using var promoted = await client.PostAsync("/api/models/credit/versions/1/promote", null);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
    }

    [Fact]
    public async Task NamesThatDoNotExist_RollbackAndExperimentEvents_Return404ProblemDetails()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "problems");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        using var rollback = await PostJsonAsync(client, "/api/models/nomodel/rollback", """{"reason":"test"}""");
        await ServingInputTests.AssertProblemAsync(rollback, "Model not found", "There is no model 'nomodel' in your tenant.", HttpStatusCode.NotFound);
        using var get = await client.GetAsync("/api/models/nomodel");
        await ServingInputTests.AssertProblemAsync(get, "Model not found", "There is no model 'nomodel' in your tenant.", HttpStatusCode.NotFound);

        // A model that exists but has had one champion only still has nothing to roll back to.
        using var nothing = await client.PostAsync("/api/models/credit/rollback", null);
        await ServingInputTests.AssertProblemAsync(nothing, "Nothing to roll back to", "Model 'credit' has had no earlier champion.", HttpStatusCode.Conflict);

        using var events = await client.GetAsync("/api/experiments/nope/events");
        await ServingInputTests.AssertProblemAsync(events, "Experiment not found", "There is no experiment 'nope' in your tenant.", HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Promoting a version of a model that does not exist (or is another tenant's) said "Model 'x' has no version 1.",
    /// as if the model were there; GET, rollback and both deletes say there is no such model. Now promote does too, and
    /// keeps "has no version" for a model that exists.
    /// </summary>
    [Fact]
    public async Task Promote_ModelThatDoesNotExist_Returns404SayingSoLikeItsSiblingRoutes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "problems");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var (_, otherKey) = await ServingModels.CreateTenantAsync(admin, "globex");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);
        using var other = api.Client(otherKey);

        using var missing = await client.PostAsync("/api/models/nomodel/versions/1/promote", null);
        await ServingInputTests.AssertProblemAsync(missing, "Model not found", "There is no model 'nomodel' in your tenant.", HttpStatusCode.NotFound);
        using var delete = await client.DeleteAsync("/api/models/nomodel/versions/1");
        await ServingInputTests.AssertProblemAsync(delete, "Model not found", "There is no model 'nomodel' in your tenant.", HttpStatusCode.NotFound);
        using var foreign = await other.PostAsync("/api/models/credit/versions/1/promote", null);
        await ServingInputTests.AssertProblemAsync(foreign, "Model not found", "There is no model 'credit' in your tenant.", HttpStatusCode.NotFound);
        using var version = await client.PostAsync("/api/models/credit/versions/7/promote", null);
        await ServingInputTests.AssertProblemAsync(version, "Model version not found", "Model 'credit' has no version 7.", HttpStatusCode.NotFound);
    }

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
}
