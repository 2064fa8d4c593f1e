using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// <c>POST /api/schedules/{name}/trigger</c> runs a schedule's refresh once, now, through the schedule's own Quartz job
/// (the real scheduler of a real API host, on each backend): it is recorded in the schedule's refreshes like a cron
/// fire's, with who asked; the cron trigger's next fire time does not move; a second request while one is queued or
/// running, and one on a paused schedule, are 409s that say so; another tenant's schedule is a 404 like a missing one.
/// </summary>
public sealed class ScheduleTriggerTests(ITestOutputHelper output)
{
    private const string Schedule = "weekly-risk";
    private const string Model = "risk";

    /// <summary>Fires on 1 January only, so no cron fire runs during the test: every refresh seen is a triggered one.</summary>
    private static readonly object YearlySchedule = new
    {
        name = Schedule,
        cron = "0 0 3 1 1 ?",
        experiment = new { datasetName = "credit-german-statlog", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, maxTrials = 3, modelName = Model, seed = 5 },
        promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
    };

    /// <summary>
    /// A schedule's experiment.metric ranks each refresh's sweep, and without a promotion.metric champion and challenger
    /// are compared on it too (the plan's metric is the promotion's default).
    /// </summary>
    [Fact]
    public async Task Trigger_ExperimentMetric_RanksTheRefreshAndIsTheDefaultPromotionMetric()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "trigmetric");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (_, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        using var client = api.Client(key);
        await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        using (var created = await client.PostAsJsonAsync("/api/schedules", new
        {
            name = Schedule,
            cron = "0 0 3 1 1 ?",
            experiment = new { datasetName = "credit-german-statlog", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, maxTrials = 3, modelName = Model, seed = 5, metric = "logLoss" },
            promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
        }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        var (answer, _) = await TriggerAsync(client, expectedAfter: null);
        var refresh = await RefreshAfterAsync(client, answer);
        output.WriteLine(refresh.ToString());
        Assert.Equal("promoted", refresh.GetProperty("status").GetString());
        Assert.Equal("logLoss", refresh.GetProperty("outcome").GetProperty("metric").GetString());
        Assert.False(refresh.GetProperty("outcome").GetProperty("higherIsBetter").GetBoolean());
        using var experiment = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{refresh.GetProperty("experimentId").GetString()}"));
        Assert.Equal("logLoss", experiment.RootElement.GetProperty("progress").GetProperty("metric").GetString());
        // A schedule's holdoutFraction is its promotion holdout, not an experiment test set: no test on the experiment.
        Assert.Equal(JsonValueKind.Null, experiment.RootElement.GetProperty("test").ValueKind);
    }

    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task Trigger_RunsTheRefreshNowAsACronFireWould_AndRefusesASecondWhileItIsUnderWay(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "trigger");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (_, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        using var client = api.Client(key);
        var dataset = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        long nextFire;
        using (var created = await client.PostAsJsonAsync("/api/schedules", YearlySchedule))
        {
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, body);
            nextFire = JsonDocument.Parse(body).RootElement.GetProperty("nextFireTime").GetInt64();
        }

        // 1. No champion yet: the triggered refresh trains v1 and promotes it, as the first cron fire would.
        var (first, requestedBy) = await TriggerAsync(client, expectedAfter: null);
        await AssertSecondTriggerRefusedAsync(client);
        var refresh = await RefreshAfterAsync(client, first);
        output.WriteLine(refresh.ToString());
        Assert.Equal("promoted", refresh.GetProperty("status").GetString());
        Assert.Equal(dataset, refresh.GetProperty("datasetId").GetString());
        var outcome = refresh.GetProperty("outcome");
        Assert.Equal(requestedBy, outcome.GetProperty("triggeredBy").GetString());
        Assert.StartsWith("No champion yet", outcome.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, outcome.GetProperty("challenger").GetProperty("version").GetInt32());
        var experimentId = refresh.GetProperty("experimentId").GetString()!;
        using (var experiment = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{experimentId}")))
        {
            Assert.Equal("succeeded", experiment.RootElement.GetProperty("status").GetString());
            Assert.Equal(Schedule, experiment.RootElement.GetProperty("scheduleName").GetString());
        }

        using (var model = JsonDocument.Parse(await client.GetStringAsync($"/api/models/{Model}")))
        {
            Assert.Equal(1, model.RootElement.GetProperty("champion").GetInt32());
            var promotion = Assert.Single(model.RootElement.GetProperty("history").EnumerateArray());
            Assert.Equal("schedule:" + Schedule, promotion.GetProperty("who").GetString());
        }

        var idle = await IdleScheduleAsync(client);
        Assert.Equal(nextFire, idle.GetProperty("nextFireTime").GetInt64());
        Assert.Equal("promoted", idle.GetProperty("lastOutcome").GetProperty("status").GetString());

        // 2. Again on the same data: a second challenger (v2) is trained and scored; whatever the decision, it is recorded.
        var (second, _) = await TriggerAsync(client, expectedAfter: refresh.GetProperty("id").GetInt64());
        var again = await RefreshAfterAsync(client, second);
        output.WriteLine(again.ToString());
        Assert.Contains(again.GetProperty("status").GetString(), new[] { "promoted", "kept" });
        Assert.Equal(2, again.GetProperty("outcome").GetProperty("challenger").GetProperty("version").GetInt32());
        Assert.Equal(1, again.GetProperty("outcome").GetProperty("champion").GetProperty("version").GetInt32());
        Assert.Equal(requestedBy, again.GetProperty("outcome").GetProperty("triggeredBy").GetString());
        idle = await IdleScheduleAsync(client);
        Assert.Equal(2, idle.GetProperty("refreshes").GetArrayLength());
        Assert.Equal(nextFire, idle.GetProperty("nextFireTime").GetInt64());

        // 3. Paused: refused, saying why and how to resume; nothing is queued.
        using (var pause = await client.PostAsJsonAsync($"/api/schedules/{Schedule}/pause", new { reason = "extract is late" }))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        }

        var paused = await ProblemAsync(await client.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        Assert.Equal(HttpStatusCode.Conflict, paused.Status);
        Assert.Equal("Schedule paused", paused.Title);
        Assert.StartsWith($"Schedule '{Schedule}' is paused ('extract is late', by ", paused.Detail, StringComparison.Ordinal);
        Assert.EndsWith($"Resume it first (POST /api/schedules/{Schedule}/resume), then trigger it.", paused.Detail, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await client.GetFromJsonAsync<JsonElement>($"/api/schedules/{Schedule}")).GetProperty("refreshUnderWay").ValueKind);

        // 4. A schedule that does not exist.
        var missing = await ProblemAsync(await client.PostAsync("/api/schedules/no-such-schedule/trigger", null));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("There is no schedule 'no-such-schedule' in your tenant.", missing.Detail);
    }

    /// <summary>
    /// With no worker the triggered run stays queued: the schedule shows it under <c>refreshUnderWay</c>, a second
    /// trigger is a 409 saying it is queued, another tenant's key gets the 404 of a missing schedule (and queues
    /// nothing), a consumer key the role's 403, a pause drops the queued run, and an unfinished experiment of the
    /// schedule is shown with its own status (queued, then running) and id, and is a 409 naming it.
    /// </summary>
    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task Trigger_WhileQueued_409AndOtherTenants404AndPauseDropsIt(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "triggerq");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var admin = api.Client();
        var (acmeId, acmeKey) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        var (_, globexKey) = await ServingModels.CreateTenantAsync(admin, "globex", "data-scientist");
        var (_, consumerKey) = await ServingModels.CreateTenantAsync(admin, "initech", "consumer");
        using var acme = api.Client(acmeKey);
        using var globex = api.Client(globexKey);
        using var consumer = api.Client(consumerKey);
        using (var created = await acme.PostAsJsonAsync("/api/schedules", YearlySchedule))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        // Another tenant: the same answer as for a schedule that exists nowhere, and nothing queued for acme's.
        var theirs = await ProblemAsync(await globex.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        var nowhere = await ProblemAsync(await globex.PostAsync("/api/schedules/nowhere-at-all/trigger", null));
        Assert.Equal(HttpStatusCode.NotFound, theirs.Status);
        Assert.Equal((nowhere.Status, nowhere.Title, nowhere.Detail.Replace("nowhere-at-all", Schedule, StringComparison.Ordinal)), (theirs.Status, theirs.Title, theirs.Detail));
        var forbidden = await ProblemAsync(await consumer.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.EndsWith("role; your key has the consumer role.", forbidden.Detail, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await acme.GetFromJsonAsync<JsonElement>($"/api/schedules/{Schedule}")).GetProperty("refreshUnderWay").ValueKind);

        await TriggerAsync(acme, expectedAfter: null);
        using (var schedule = JsonDocument.Parse(await acme.GetStringAsync($"/api/schedules/{Schedule}")))
        {
            var underWay = schedule.RootElement.GetProperty("refreshUnderWay");
            Assert.Equal("queued", underWay.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, underWay.GetProperty("experimentId").ValueKind);
        }

        using (var list = JsonDocument.Parse(await acme.GetStringAsync("/api/schedules")))
        {
            Assert.Equal("queued", list.RootElement[0].GetProperty("refreshUnderWay").GetProperty("status").GetString());
        }

        var queued = await ProblemAsync(await acme.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        Assert.Equal(HttpStatusCode.Conflict, queued.Status);
        Assert.Equal("Refresh already queued", queued.Title);
        Assert.StartsWith($"A refresh of schedule '{Schedule}' is already queued: wait for it to end", queued.Detail, StringComparison.Ordinal);

        using (var pause = await acme.PostAsJsonAsync($"/api/schedules/{Schedule}/pause", new { reason = "not now" }))
        {
            var body = await pause.Content.ReadAsStringAsync();
            Assert.True(pause.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(body).RootElement.GetProperty("refreshUnderWay").ValueKind);
        }

        using (var resume = await acme.PostAsync($"/api/schedules/{Schedule}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        // The dropped run no longer holds the schedule: it can be triggered again.
        await TriggerAsync(acme, expectedAfter: null);

        // A refresh with an experiment still queued (as one waiting to be resumed after its node died): shown with the
        // experiment's own status, queued, and its id (it was reported as running); the 409 says queued and names it.
        var dataset = await ExperimentFlowTests.UploadAsync(acme, "credit-german-statlog.csv");
        var store = api.Services.GetRequiredService<ExperimentStore>();
        var experiment = await store.CreateAsync(acmeId, dataset, Model, "auto", "{}", Schedule);
        await AssertUnderWayAsync(acme, "queued", experiment.Id);
        var waiting = await ProblemAsync(await acme.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        Assert.Equal(HttpStatusCode.Conflict, waiting.Status);
        Assert.Equal("Refresh already queued", waiting.Title);
        Assert.Equal(
            $"A refresh of schedule '{Schedule}' is already queued (experiment {experiment.Id}): wait for it to end (GET /api/schedules/{Schedule}), or cancel it (POST /api/experiments/{experiment.Id}/cancel), then trigger again.",
            waiting.Detail);

        // Once a node runs it: running, the 409 names it and how to stop it.
        Assert.True(await store.MarkRunningAsync(experiment.Id));
        await AssertUnderWayAsync(acme, "running", experiment.Id);
        var running = await ProblemAsync(await acme.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        Assert.Equal(HttpStatusCode.Conflict, running.Status);
        Assert.Equal("Refresh already running", running.Title);
        Assert.Equal(
            $"A refresh of schedule '{Schedule}' is already running (experiment {experiment.Id}): wait for it to end (GET /api/schedules/{Schedule}), or cancel it (POST /api/experiments/{experiment.Id}/cancel), then trigger again.",
            running.Detail);
    }

    /// <summary>
    /// A pause that lands as a triggered run starts: the API writes the schedule's row paused first, then drops the
    /// queued run from the job store, so a node can fire the run in between. Reproduced here by writing the row only
    /// (what the pause request has done at that instant) and then starting a node. The run used to end without a
    /// record, so the refresh the 202 pointed at never appeared; it is now recorded as <c>skipped</c>, saying why,
    /// with who asked, and nothing is trained.
    /// </summary>
    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task Trigger_PausedAsTheRunStarts_RecordedAsSkippedWithWhoAskedAndWhy(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "triggerpause");
        JsonElement answer;
        string requestedBy;
        string key;
        using (var standby = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" }))
        {
            using var admin = standby.Client();
            (var tenantId, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
            using var acme = standby.Client(key);
            using (var created = await acme.PostAsJsonAsync("/api/schedules", YearlySchedule))
            {
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            }

            (answer, requestedBy) = await TriggerAsync(acme, expectedAfter: null);
            Assert.True(await standby.Services.GetRequiredService<ScheduleStore>().SetPausedAsync(tenantId, Schedule, true, "extract is late", "acme/data-scientist/ops"));
        }

        using var node = new ApiHost(scope);
        using var client = node.Client(key);
        var refresh = await RefreshAfterAsync(client, answer);
        output.WriteLine(refresh.ToString());
        Assert.Equal("skipped", refresh.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, refresh.GetProperty("experimentId").ValueKind);
        var outcome = refresh.GetProperty("outcome");
        Assert.Equal("skipped", outcome.GetProperty("status").GetString());
        Assert.False(outcome.GetProperty("promoted").GetBoolean());
        Assert.Equal(requestedBy, outcome.GetProperty("triggeredBy").GetString());
        Assert.Equal(
            $"Schedule '{Schedule}' was paused ('extract is late', by acme/data-scientist/ops) as this refresh started; nothing was trained, nothing promoted. Resume it (POST /api/schedules/{Schedule}/resume), then trigger it again.",
            outcome.GetProperty("reason").GetString());
        using var schedule = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}"));
        Assert.Equal("skipped", schedule.RootElement.GetProperty("lastOutcome").GetProperty("status").GetString());
        using var experiments = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Equal(0, experiments.RootElement.GetProperty("items").GetArrayLength());
    }

    /// <summary>The schedule's <c>refreshUnderWay</c>, by name and in the list, is <paramref name="status"/> with <paramref name="experimentId"/>.</summary>
    private static async Task AssertUnderWayAsync(HttpClient client, string status, string experimentId)
    {
        using var schedule = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}"));
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/schedules"));
        foreach (var underWay in new[] { schedule.RootElement.GetProperty("refreshUnderWay"), list.RootElement[0].GetProperty("refreshUnderWay") })
        {
            Assert.Equal(status, underWay.GetProperty("status").GetString());
            Assert.Equal(experimentId, underWay.GetProperty("experimentId").GetString());
        }
    }

    [Fact]
    public async Task OpenApi_DescribesTheTriggerRouteItsAnswerAndItsRefusals()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "triggeropenapi");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var anonymous = api.Client(apiKey: null);
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var trigger = document.RootElement.GetProperty("paths").GetProperty("/api/schedules/{name}/trigger").GetProperty("post");
        Assert.Equal("Run a schedule's refresh now", trigger.GetProperty("summary").GetString());
        var description = trigger.GetProperty("description").GetString()!;
        Assert.Contains("afterRefreshId", description, StringComparison.Ordinal);
        Assert.Contains("409 when the schedule is paused (resume it first) or a refresh of it is already queued or running", description, StringComparison.Ordinal);
        Assert.True(trigger.GetProperty("responses").TryGetProperty("202", out _), trigger.GetProperty("responses").ToString());
    }

    /// <summary>Triggers the schedule: a 202 pointing at the schedule, the run queued; returns the answer and who asked.</summary>
    private static async Task<(JsonElement Answer, string RequestedBy)> TriggerAsync(HttpClient client, long? expectedAfter)
    {
        using var response = await client.PostAsync($"/api/schedules/{Schedule}/trigger", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        Assert.Equal($"/api/schedules/{Schedule}", response.Headers.Location?.OriginalString);
        var root = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(Schedule, root.GetProperty("name").GetString());
        Assert.Equal("queued", root.GetProperty("status").GetString());
        Assert.Equal($"/api/schedules/{Schedule}", root.GetProperty("schedule").GetString());
        Assert.True(root.GetProperty("requestedAt").GetInt64() > 0, body);
        if (expectedAfter is { } after)
        {
            Assert.Equal(after, root.GetProperty("afterRefreshId").GetInt64());
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("afterRefreshId").ValueKind);
        }

        var requestedBy = root.GetProperty("requestedBy").GetString()!;
        Assert.StartsWith("acme/data-scientist/", requestedBy, StringComparison.Ordinal);
        return (root, requestedBy);
    }

    /// <summary>A second trigger right after the first: a 409 saying the first is queued or already running.</summary>
    private static async Task AssertSecondTriggerRefusedAsync(HttpClient client)
    {
        var problem = await ProblemAsync(await client.PostAsync($"/api/schedules/{Schedule}/trigger", null));
        Assert.True(problem.Status == HttpStatusCode.Conflict, $"{(int)problem.Status} {problem.Detail}");
        Assert.Contains(problem.Title, new[] { "Refresh already queued", "Refresh already running" });
        Assert.StartsWith($"A refresh of schedule '{Schedule}' is already ", problem.Detail, StringComparison.Ordinal);
    }

    /// <summary>The refresh the trigger answered with <paramref name="answer"/> started: the first recorded after its <c>afterRefreshId</c>.</summary>
    private static async Task<JsonElement> RefreshAfterAsync(HttpClient client, JsonElement answer)
    {
        var after = answer.GetProperty("afterRefreshId").ValueKind == JsonValueKind.Null ? 0 : answer.GetProperty("afterRefreshId").GetInt64();
        var requestedAt = answer.GetProperty("requestedAt").GetInt64();
        var refresh = await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}"));
            var match = doc.RootElement.GetProperty("refreshes").EnumerateArray().LastOrDefault(r => r.GetProperty("id").GetInt64() > after);
            return match.ValueKind == JsonValueKind.Object ? (JsonElement?)match.Clone() : null;
        }, TimeSpan.FromSeconds(180), $"the refresh triggered at {requestedAt}");
        Assert.True(refresh!.Value.GetProperty("startedAt").GetInt64() >= requestedAt, refresh.Value.ToString());
        return refresh.Value;
    }

    /// <summary>The schedule once nothing of it is queued or running.</summary>
    private static async Task<JsonElement> IdleScheduleAsync(HttpClient client) => (await Processes.PollAsync(async () =>
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}"));
        return doc.RootElement.GetProperty("refreshUnderWay").ValueKind == JsonValueKind.Null ? (JsonElement?)doc.RootElement.Clone() : null;
    }, TimeSpan.FromSeconds(60), "the triggered refresh's job to end"))!.Value;

    private static async Task<(HttpStatusCode Status, string Title, string Detail)> ProblemAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(body.Length > 0, $"{(int)response.StatusCode} with no body");
            using var json = JsonDocument.Parse(body);
            return (response.StatusCode, json.RootElement.GetProperty("title").GetString()!, json.RootElement.GetProperty("detail").GetString()!);
        }
    }
}
