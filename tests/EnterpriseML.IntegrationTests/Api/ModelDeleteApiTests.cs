using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// <c>DELETE /api/models/{name}</c> and <c>DELETE /api/models/{name}/versions/{version}</c> on the real API and
/// registry: the champion rule, predictions answering 404, version numbers, and a model stored again under a deleted
/// name never served from a stale cache.
/// </summary>
public sealed class ModelDeleteApiTests
{
    private const int Rows = 20;

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteVersion_ChampionRefused_CandidateGoneAt404_NumbersNotReused(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delver");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        await AddAsync(store, tenant, "credit", await ServingModels.CreditGbdtAsync());
        await AddAsync(store, tenant, "credit", await ServingModels.CreditLogisticAsync());
        using var client = api.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await PredictAsync(client, "credit", 2)).Status);

        using var champion = await client.DeleteAsync("/api/models/credit/versions/1");
        Assert.Equal(HttpStatusCode.Conflict, champion.StatusCode);
        var problem = await champion.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Version 1 is the champion of model 'credit' and serves its predictions: promote another version first (POST /api/models/credit/versions/{version}/promote), or delete the whole model (DELETE /api/models/credit).",
            problem.GetProperty("detail").GetString());

        using var candidate = await client.DeleteAsync("/api/models/credit/versions/2");
        Assert.Equal(HttpStatusCode.NoContent, candidate.StatusCode);
        // At once on the node that deleted it, although version 2 was loaded and cached.
        var gone = await PredictAsync(client, "credit", 2);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal(HttpStatusCode.OK, (await PredictAsync(client, "credit", null)).Status);

        var model = await client.GetFromJsonAsync<JsonElement>("/api/models/credit");
        Assert.Equal([1L], model.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()));
        var last = model.GetProperty("history").EnumerateArray().Last();
        Assert.Equal(2, last.GetProperty("version").GetInt64());
        Assert.Equal("deleted", last.GetProperty("to").GetString());
        Assert.Equal("candidate", last.GetProperty("from").GetString());

        using var again = await client.DeleteAsync("/api/models/credit/versions/2");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("Model 'credit' has no version 2.", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using var noModel = await client.DeleteAsync("/api/models/nope/versions/1");
        Assert.Equal(HttpStatusCode.NotFound, noModel.StatusCode);
        Assert.Equal("There is no model 'nope' in your tenant.", (await noModel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        // The next version gets a new number: 2 stays the deleted one in the history.
        var next = await AddAsync(store, tenant, "credit", await ServingModels.CreditLogisticAsync());
        Assert.Equal(3, next.Version);
        Assert.Equal("candidate", next.Stage);

        // A rollback never restores a deleted version: 3 becomes champion, 1 is archived, then 3 is deleted once 1 is back.
        using (var promote = await client.PostAsync("/api/models/credit/versions/3/promote", null))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        }

        using (var rollback = await client.PostAsync("/api/models/credit/rollback", null))
        {
            Assert.Equal(1, (await rollback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("champion").GetInt64());
        }

        using (var delete3 = await client.DeleteAsync("/api/models/credit/versions/3"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete3.StatusCode);
        }

        using var nothing = await client.PostAsync("/api/models/credit/rollback", null);
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteModel_PredictionsGive404_NameStoredAgainServesTheNewModel(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delmodel");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var (otherTenant, otherKey) = await ServingModels.CreateTenantAsync(admin, "globex");
        var store = api.Services.GetRequiredService<ModelStore>();
        var gbdt = await ServingModels.CreditGbdtAsync();
        var logistic = await ServingModels.CreditLogisticAsync();
        await AddAsync(store, tenant, "credit", gbdt);
        await AddAsync(store, tenant, "credit", logistic);
        await AddAsync(store, otherTenant, "credit", gbdt);
        using var client = api.Client(key);
        using var other = api.Client(otherKey);
        var before = await PredictAsync(client, "credit", null);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.OK, (await PredictAsync(client, "credit", 2)).Status);

        using var deleted = await client.DeleteAsync("/api/models/credit");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PredictAsync(client, "credit", null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PredictAsync(client, "credit", 1)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PredictAsync(client, "credit", 2)).Status);
        using (var get = await client.GetAsync("/api/models/credit"))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        Assert.Empty(await store.VersionsAsync(tenant, "credit"));
        Assert.Empty(await store.HistoryAsync(tenant, "credit"));
        Assert.DoesNotContain("credit", await store.NamesAsync(tenant));
        using (var twice = await client.DeleteAsync("/api/models/credit"))
        {
            Assert.Equal(HttpStatusCode.NotFound, twice.StatusCode);
        }

        // Tenant-scoped: the other tenant's model of that name is untouched.
        Assert.Equal(before.Body, (await PredictAsync(other, "credit", null)).Body);

        // Stored again, the name starts at version 1, and that is the new model, not the cached gbdt.
        var reborn = await AddAsync(store, tenant, "credit", logistic);
        Assert.Equal(1, reborn.Version);
        Assert.Equal("champion", reborn.Stage);
        await AddAsync(store, tenant, "credit-lr", logistic);
        var expected = (await PredictAsync(client, "credit-lr", null)).Body;
        Assert.NotEqual(before.Body, expected);
        Assert.Equal(expected, (await PredictAsync(client, "credit", null)).Body);
        Assert.Equal(expected, (await PredictAsync(client, "credit", 1)).Body);
    }

    /// <summary>
    /// Another node deletes the model and stores a new one under the same name and number: this node's cache, which
    /// was never told, answers 404 and then serves the new artifact within the champion TTL, never the old one.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteModel_OnAnotherNode_CachedVersionNotServedAfterTheTtl(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delnode");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        var otherNode = new ModelStore(api.Services.GetRequiredService<RegistryDatabase>(), TimeProvider.System);
        var gbdt = await ServingModels.CreditGbdtAsync();
        var logistic = await ServingModels.CreditLogisticAsync();
        await AddAsync(store, tenant, "credit", gbdt);
        using var client = api.Client(key);
        var old = await PredictAsync(client, "credit", 1);
        Assert.Equal(HttpStatusCode.OK, old.Status);
        Assert.Equal(HttpStatusCode.OK, (await PredictAsync(client, "credit", null)).Status);

        Assert.True(await otherNode.DeleteModelAsync(tenant, "credit"));
        foreach (var version in new int?[] { 1, null })
        {
            await Processes.PollAsync(async () => (await PredictAsync(client, "credit", version)).Status == HttpStatusCode.NotFound ? (object)true : null,
                TimeSpan.FromSeconds(20), $"404 for version {version?.ToString() ?? "champion"} after the delete");
        }

        await otherNode.AddVersionAsync(tenant, "credit", "Binary", await File.ReadAllBytesAsync(logistic), "{}", "{}", null, "{}", "other-node");
        await AddAsync(store, tenant, "credit-lr", logistic);
        var expected = (await PredictAsync(client, "credit-lr", null)).Body;
        Assert.NotEqual(old.Body, expected);
        foreach (var version in new int?[] { 1, null })
        {
            var served = await Processes.PollAsync(async () => await PredictAsync(client, "credit", version) is { Status: HttpStatusCode.OK } r ? r.Body : null,
                TimeSpan.FromSeconds(20), $"version {version?.ToString() ?? "champion"} served again");
            Assert.Equal(expected, served);
        }
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteModel_RefusedWhileAScheduleRefreshesItOrAnExperimentWillStoreIntoIt(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delbusy");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var (_, consumerKey) = await ServingModels.CreateTenantAsync(admin, "acme-apps", Roles.Consumer);
        var store = api.Services.GetRequiredService<ModelStore>();
        await AddAsync(store, tenant, "credit", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        // A consumer key may predict but not delete.
        using (var consumer = api.Client(consumerKey))
        using (var forbidden = await consumer.DeleteAsync("/api/models/credit"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var schedules = api.Services.GetRequiredService<ScheduleStore>();
        const string Experiment = """{"datasetName":"credit-latest","label":"class","scenario":"credit","budgetSeconds":30,"modelName":"credit"}""";
        Assert.True(await schedules.CreateAsync(tenant, "nightly", "0 0 3 1 1 ?", "UTC", Experiment, "{}"));
        Assert.True(await schedules.CreateAsync(tenant, "other-model", "0 0 3 1 1 ?", "UTC", Experiment.Replace("\"credit\"}", "\"churn\"}", StringComparison.Ordinal), "{}"));
        using (var refused = await client.DeleteAsync("/api/models/credit"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("Model 'credit' is refreshed by schedule 'nightly', whose next run would store it again (a paused schedule too, once resumed): delete the schedule first (DELETE /api/schedules/{name}).",
                (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        using (var unschedule = await client.DeleteAsync("/api/schedules/nightly"))
        {
            Assert.Equal(HttpStatusCode.NoContent, unschedule.StatusCode);
        }

        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        var queued = await experiments.CreateAsync(tenant, "no-dataset", "credit", "credit", "{}", null);
        using (var refused = await client.DeleteAsync("/api/models/credit"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal($"Model 'credit' will receive the winner of queued or running experiment {queued.Id}: cancel it (POST /api/experiments/{{id}}/cancel) or let it finish, then delete the model.",
                (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        Assert.Single(await store.VersionsAsync(tenant, "credit"));
        Assert.True(await experiments.FinishAsync(queued.Id, "cancelled", "cancelled by the test", null, null, null));
        using var deleted = await client.DeleteAsync("/api/models/credit");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await store.VersionsAsync(tenant, "credit"));
    }

    /// <summary>
    /// The refusal for an unfinished experiment is made inside the delete, under the model's lock: an experiment that
    /// exists when the delete takes the lock (here one that already stored a version and is still running) refuses it,
    /// so its version is not lost to a delete that checked before it was created. Once it has finished, the delete runs.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteModelUnlessInUse_RunningExperimentThatStored_RefusedInsideTheDeleteThenAllowedOnceItEnds(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delpend");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, _) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        var experiment = await experiments.CreateAsync(tenant, "no-dataset", "credit", "auto", "{}", null);
        Assert.True(await experiments.MarkRunningAsync(experiment.Id));
        await AddAsync(store, tenant, "credit", await ServingModels.CreditGbdtAsync());

        var refused = await store.DeleteModelUnlessInUseAsync(tenant, "credit");
        Assert.False(refused.Deleted);
        Assert.Equal([experiment.Id], refused.PendingExperiments);
        Assert.Single(await store.VersionsAsync(tenant, "credit"));

        Assert.True(await experiments.FinishAsync(experiment.Id, "succeeded", null, null, null, null));
        var deleted = await store.DeleteModelUnlessInUseAsync(tenant, "credit");
        Assert.True(deleted.Deleted);
        Assert.Empty(deleted.PendingExperiments);
        Assert.Empty(await store.VersionsAsync(tenant, "credit"));
        var missing = await store.DeleteModelUnlessInUseAsync(tenant, "credit");
        Assert.Equal((false, 0), (missing.Deleted, missing.PendingExperiments.Count));
    }

    /// <summary>
    /// The refusal for a schedule is made inside the delete, under the model's lock, like the one for experiments (it
    /// was made before the delete's transaction, so a schedule stored in between survived the delete). A schedule that
    /// refreshes the model refuses it, named, before the experiments are looked at; one of another model does not;
    /// once the schedule is deleted the experiment refuses it, and once that has finished the delete runs.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteModelUnlessInUse_ScheduleRefreshingIt_RefusedInsideTheDeleteThenAllowedOnceItIsDeleted(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delsched");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, _) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        var schedules = api.Services.GetRequiredService<ScheduleStore>();
        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        await AddAsync(store, tenant, "credit", await ServingModels.CreditGbdtAsync());
        const string Experiment = """{"datasetName":"credit-latest","label":"class","scenario":"credit","budgetSeconds":30,"modelName":"credit"}""";
        Assert.True(await schedules.CreateAsync(tenant, "nightly", "0 0 3 1 1 ?", "UTC", Experiment, "{}"));
        Assert.True(await schedules.CreateAsync(tenant, "churn-weekly", "0 0 3 1 1 ?", "UTC", Experiment.Replace("\"credit\"}", "\"churn\"}", StringComparison.Ordinal), "{}"));
        var queued = await experiments.CreateAsync(tenant, "no-dataset", "credit", "credit", "{}", null);

        var bySchedule = await store.DeleteModelUnlessInUseAsync(tenant, "credit");
        Assert.False(bySchedule.Deleted);
        Assert.Equal(["nightly"], bySchedule.RefreshingSchedules);
        Assert.Empty(bySchedule.PendingExperiments);
        Assert.Single(await store.VersionsAsync(tenant, "credit"));

        Assert.True(await schedules.DeleteAsync(tenant, "nightly"));
        var byExperiment = await store.DeleteModelUnlessInUseAsync(tenant, "credit");
        Assert.False(byExperiment.Deleted);
        Assert.Empty(byExperiment.RefreshingSchedules);
        Assert.Equal([queued.Id], byExperiment.PendingExperiments);

        Assert.True(await experiments.FinishAsync(queued.Id, "cancelled", "cancelled by the test", null, null, null));
        var deleted = await store.DeleteModelUnlessInUseAsync(tenant, "credit");
        Assert.True(deleted.Deleted);
        Assert.Empty(await store.VersionsAsync(tenant, "credit"));
        Assert.Equal(["churn-weekly"], (await schedules.ListAsync(tenant)).Select(s => s.Name));
    }

    /// <summary>
    /// A schedule accepted with <c>"ModelName": " credit "</c> refreshes model <c>credit</c> (the experiment object binds
    /// without regard to case and the name is trimmed), so it refuses that model's delete. The check read only an exact
    /// <c>modelName</c> key and compared it untrimmed: the delete went through and the next refresh brought the model back.
    /// </summary>
    [Fact]
    public async Task DeleteModel_ScheduleNamingTheModelInAnotherCaseOrWithSpaces_Refused()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "delspell");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        await AddAsync(store, tenant, "credit", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);
        using (var created = await client.PostAsJsonAsync("/api/schedules", new
        {
            name = "nightly",
            cron = "0 0 3 1 1 ?",
            experiment = new { datasetName = "credit-latest", label = "class", scenario = "credit", budgetSeconds = 30, ModelName = " credit " },
        }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var refused = await client.DeleteAsync("/api/models/credit");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("Model 'credit' is refreshed by schedule 'nightly', whose next run would store it again (a paused schedule too, once resumed): delete the schedule first (DELETE /api/schedules/{name}).",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Single(await store.VersionsAsync(tenant, "credit"));
    }

    /// <summary>
    /// An experiment created after a whole-model delete's check (so the delete was not refused), the delete, then the
    /// experiment's store: the sweep succeeds and its winner is version 1, the champion, of a new model of that name,
    /// with a fresh history; nothing of the deleted model comes back. Driven through the stores in that order.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task DeleteModel_ExperimentCreatedAfterTheCheck_StoresVersion1OfANewModel(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "delrace");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var store = api.Services.GetRequiredService<ModelStore>();
        await AddAsync(store, tenant, "credit", await ServingModels.CreditGbdtAsync());
        await AddAsync(store, tenant, "credit", await ServingModels.CreditLogisticAsync());
        using var client = api.Client(key);
        var datasetId = await Jobs.ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");

        var request = new EnterpriseML.Jobs.ExperimentRequest(datasetId, "class", "bad", "auto", 60, "credit", Seed: 1, MaxTrials: 4);
        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        var experiment = await experiments.CreateAsync(tenant, datasetId, "credit", "auto", JsonSerializer.Serialize(request, EnterpriseML.Jobs.SweepJob.Json), null);
        Assert.True(await store.DeleteModelAsync(tenant, "credit"));
        await api.Services.GetRequiredService<EnterpriseML.Jobs.JobClient>().EnqueueSweepAsync(experiment.Id);

        using var done = await Jobs.ExperimentFlowTests.WaitAsync(client, experiment.Id);
        Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        Assert.Equal(1, done.RootElement.GetProperty("winner").GetProperty("modelVersion").GetInt64());
        var model = await client.GetFromJsonAsync<JsonElement>("/api/models/credit");
        Assert.Equal(1, model.GetProperty("champion").GetInt64());
        var version = Assert.Single(model.GetProperty("versions").EnumerateArray());
        Assert.Equal(experiment.Id, version.GetProperty("lineage").GetProperty("experimentId").GetString());
        var entry = Assert.Single(model.GetProperty("history").EnumerateArray());
        Assert.Equal(($"experiment:{experiment.Id}", "champion", "first version of the model"),
            (entry.GetProperty("who").GetString(), entry.GetProperty("to").GetString(), entry.GetProperty("why").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await PredictAsync(client, "credit", null)).Status);
    }

    [Fact]
    public async Task OpenApi_DescribesBothDeleteRoutesAndTheirConflicts()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "delopenapi");
        using var api = new ApiHost(scope);
        using var anonymous = api.Client(apiKey: null);
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");

        var model = paths.GetProperty("/api/models/{name}").GetProperty("delete");
        Assert.Equal("Delete a model with all its versions", model.GetProperty("summary").GetString());
        Assert.Contains("409 while a schedule", model.GetProperty("description").GetString(), StringComparison.Ordinal);
        var version = paths.GetProperty("/api/models/{name}/versions/{version}").GetProperty("delete");
        Assert.Equal("Delete one version of a model", version.GetProperty("summary").GetString());
        Assert.Contains("409 for the champion", version.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static async Task<ModelVersionRecord> AddAsync(ModelStore store, string tenant, string name, string modelPath) =>
        await store.AddVersionAsync(tenant, name, "Binary", await File.ReadAllBytesAsync(modelPath), "{}", "{}", null, "{}", "test");

    /// <summary>The response to JSON rows of credit-german: status, and the predictions array as text (for comparison).</summary>
    private static async Task<(HttpStatusCode Status, string? Body)> PredictAsync(HttpClient client, string name, int? version)
    {
        var path = version is null ? $"/api/models/{name}/predict" : $"/api/models/{name}/predict?version={version}";
        using var response = await client.PostAsJsonAsync(path, new { rows = ServingModels.CreditRows(Rows) });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body.GetProperty("predictions").GetRawText());
    }
}
