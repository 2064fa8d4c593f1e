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

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
}
