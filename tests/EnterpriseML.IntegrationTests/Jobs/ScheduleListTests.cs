using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Xunit.Abstractions;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// <c>GET /api/schedules</c> reads the job store and the registry once for all of a tenant's schedules, not once per
/// schedule: each entry is the same JSON as <c>GET /api/schedules/{name}</c> gives (which still reads one schedule's
/// state key by key) but for <c>refreshes</c>, and the number of database commands a list costs does not grow with
/// the number of schedules.
/// </summary>
public sealed class ScheduleListTests(ITestOutputHelper output)
{
    /// <summary>Fires on 1 January only, so no cron fire runs during the test.</summary>
    private static object Yearly(string name, int maxTrials = 3) => new
    {
        name,
        cron = "0 0 3 1 1 ?",
        experiment = new { datasetName = "credit-german-statlog", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, maxTrials, modelName = "risk-" + name, seed = 5 },
        promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
    };

    /// <summary>
    /// Schedules in every state a standby node can hold still: idle, paused with a reason, paused in the job store
    /// without one (as an earlier version paused), a triggered run queued, an unfinished experiment queued and one
    /// running, a recorded outcome, and a trigger the job store lost. Each list entry is byte for byte the schedule's
    /// own answer without its refresh history.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task List_SchedulesInDifferentStates_EachEntryIsTheScheduleAnswerWithoutItsRefreshes(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "schedlist");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var admin = api.Client();
        var (tenantId, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        using var client = api.Client(key);
        var dataset = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        string[] names = ["a-idle", "b-paused", "c-paused-reasonless", "d-triggered", "e-experiment-queued", "f-experiment-running", "g-outcome", "h-trigger-lost"];
        foreach (var name in names)
        {
            using var created = await client.PostAsJsonAsync("/api/schedules", Yearly(name));
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using (var paused = await client.PostAsJsonAsync("/api/schedules/b-paused/pause", new { reason = "extract is late" }))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        }

        var scheduler = await api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.PauseTrigger(RefreshJob.TriggerKeyFor(tenantId, "c-paused-reasonless"));
        using (var triggered = await client.PostAsync("/api/schedules/d-triggered/trigger", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        }

        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        var queued = await experiments.CreateAsync(tenantId, dataset, "risk-e", "auto", "{}", "e-experiment-queued");
        var running = await experiments.CreateAsync(tenantId, dataset, "risk-f", "auto", "{}", "f-experiment-running");
        Assert.True(await experiments.MarkRunningAsync(running.Id));
        Assert.True(await api.Services.GetRequiredService<ScheduleStore>().RecordRefreshAsync(tenantId, "g-outcome", new RefreshRecord
        {
            Status = "skipped", StartedAt = 1, FinishedAt = 2, Outcome = """{"status":"skipped","promoted":false,"reason":"No dataset named 'x' has been uploaded.","finishedAt":2}""",
        }));
        Assert.True(await scheduler.DeleteJob(RefreshJob.KeyFor(tenantId, "h-trigger-lost")));

        var list = JsonNode.Parse(await client.GetStringAsync("/api/schedules"))!.AsArray();
        Assert.Equal(names, list.Select(s => s!["name"]!.GetValue<string>()).ToArray());
        foreach (var entry in list)
        {
            var name = entry!["name"]!.GetValue<string>();
            var single = JsonNode.Parse(await client.GetStringAsync($"/api/schedules/{name}"))!.AsObject();
            Assert.Equal(JsonValueKind.Array, single["refreshes"]!.GetValueKind());
            Assert.Null(entry["refreshes"]);
            Assert.True(entry.AsObject().ContainsKey("refreshes"), entry.ToJsonString());
            single["refreshes"] = null;
            Assert.Equal(single.ToJsonString(), entry.ToJsonString());
        }

        // The states are the ones set up, so the comparison above covered each of them.
        JsonNode At(string name) => list.Single(s => s!["name"]!.GetValue<string>() == name)!;
        Assert.Equal("Normal", At("a-idle")["triggerState"]!.GetValue<string>());
        Assert.Null(At("a-idle")["refreshUnderWay"]);
        Assert.Equal("Paused", At("b-paused")["triggerState"]!.GetValue<string>());
        Assert.Equal("extract is late", At("b-paused")["pauseReason"]!.GetValue<string>());
        Assert.Equal("Paused", At("c-paused-reasonless")["triggerState"]!.GetValue<string>());
        Assert.Equal("queued", At("d-triggered")["refreshUnderWay"]!["status"]!.GetValue<string>());
        Assert.Null(At("d-triggered")["refreshUnderWay"]!["experimentId"]);
        Assert.Equal(queued.Id, At("e-experiment-queued")["refreshUnderWay"]!["experimentId"]!.GetValue<string>());
        Assert.Equal("queued", At("e-experiment-queued")["refreshUnderWay"]!["status"]!.GetValue<string>());
        Assert.Equal(running.Id, At("f-experiment-running")["refreshUnderWay"]!["experimentId"]!.GetValue<string>());
        Assert.Equal("running", At("f-experiment-running")["refreshUnderWay"]!["status"]!.GetValue<string>());
        Assert.Equal("skipped", At("g-outcome")["lastOutcome"]!["status"]!.GetValue<string>());
        Assert.Null(At("h-trigger-lost")["triggerState"]);
        Assert.Null(At("h-trigger-lost")["nextFireTime"]);
        Assert.True(At("a-idle")["nextFireTime"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// While a triggered refresh runs on this node (its trigger executing, the job's other trigger blocked, its
    /// experiment running), the list entry is the schedule's own answer too; compared at a moment the schedule's
    /// answer was the same just before and just after the list.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task List_WhileATriggeredRefreshRuns_EntryIsTheScheduleAnswerWithoutItsRefreshes(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "schedlistrun");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (_, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        using var client = api.Client(key);
        await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        foreach (var schedule in new[] { Yearly("idle"), Yearly("running", maxTrials: 40) })
        {
            using var created = await client.PostAsJsonAsync("/api/schedules", schedule);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using (var triggered = await client.PostAsync("/api/schedules/running/trigger", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        }

        var found = await Processes.PollAsync<(string Entry, string Single)?>(async () =>
        {
            var before = await WithoutRefreshesAsync(client, "running");
            if (before["refreshUnderWay"]?["status"]?.GetValue<string>() != "running" || before["refreshUnderWay"]!["experimentId"] is null)
            {
                return null;
            }

            var list = JsonNode.Parse(await client.GetStringAsync("/api/schedules"))!.AsArray();
            var after = await WithoutRefreshesAsync(client, "running");
            var listed = list.Single(s => s!["name"]!.GetValue<string>() == "running")!.ToJsonString();
            return before.ToJsonString() == after.ToJsonString() ? (listed, after.ToJsonString()) : null;
        }, TimeSpan.FromSeconds(120), "a moment the running refresh's schedule holds still across a list");
        output.WriteLine(found!.Value.Single);
        Assert.Equal(found.Value.Single, found.Value.Entry);
    }

    /// <summary>GET /api/schedules/{name} with <c>refreshes</c> set to null, as the list has it.</summary>
    private static async Task<JsonObject> WithoutRefreshesAsync(HttpClient client, string name)
    {
        var single = JsonNode.Parse(await client.GetStringAsync($"/api/schedules/{name}"))!.AsObject();
        single["refreshes"] = null;
        return single;
    }

    /// <summary>
    /// The database commands one <c>GET /api/schedules</c> runs (registry and job store alike, counted by Npgsql's
    /// own tracing, for this request's trace only) are as many for 8 schedules as for 2. Before, each schedule cost
    /// six: its trigger, the trigger's state and pause, the schedule's unfinished experiment and both triggers' states.
    /// </summary>
    [Fact]
    public async Task List_MoreSchedules_SameNumberOfDatabaseCommands()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "schedlistcount");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var admin = api.Client();
        var (_, key) = await ServingModels.CreateTenantAsync(admin, "acme", "data-scientist");
        using var client = api.Client(key);
        using var counter = new NpgsqlCommandCounter();
        await CreateAsync(client, 0, 2);
        var two = await CountListAsync(client, counter, expected: 2);
        await CreateAsync(client, 2, 8);
        var eight = await CountListAsync(client, counter, expected: 8);
        output.WriteLine($"GET /api/schedules: {two.Count} commands for 2 schedules, {eight.Count} for 8");
        output.WriteLine(string.Join('\n', eight.Commands));
        Assert.True(two.Count > 0, "Npgsql traced no command of the request: the count would prove nothing.");
        Assert.Equal(two.Count, eight.Count);
    }

    /// <summary>Creates schedules <paramref name="from"/> to <paramref name="to"/> (exclusive): every third paused, every third with a run triggered.</summary>
    private static async Task CreateAsync(HttpClient client, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var name = $"s{i}";
            using (var created = await client.PostAsJsonAsync("/api/schedules", Yearly(name)))
            {
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            }

            using var changed = i % 3 == 1
                ? await client.PostAsJsonAsync($"/api/schedules/{name}/pause", new { reason = "quiet" })
                : i % 3 == 2 ? await client.PostAsync($"/api/schedules/{name}/trigger", null) : null;
            Assert.True(changed is null || changed.IsSuccessStatusCode, changed?.StatusCode.ToString());
        }
    }

    /// <summary>Lists the schedules once to warm caches, then once more under a trace of its own, counting its commands.</summary>
    private static async Task<(int Count, IReadOnlyList<string> Commands)> CountListAsync(HttpClient client, NpgsqlCommandCounter counter, int expected)
    {
        Assert.Equal(expected, JsonDocument.Parse(await client.GetStringAsync("/api/schedules")).RootElement.GetArrayLength());
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/schedules");
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetArrayLength());
        var commands = counter.Commands(trace);
        return (commands.Count, commands);
    }

    /// <summary>
    /// Collects the commands Npgsql traces (its <c>Npgsql</c> activity source; physical connection opens left out), by
    /// trace, with ASP.NET Core's request activities listened to so that a request's commands carry its trace id.
    /// </summary>
    private sealed class NpgsqlCommandCounter : IDisposable
    {
        private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<string>> _commands = new();
        private readonly ActivityListener _listener;

        public NpgsqlCommandCounter()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.Source.Name == "Npgsql" && !activity.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal))
                    {
                        _commands.GetOrAdd(activity.TraceId, _ => new()).Enqueue((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement") ?? activity.DisplayName).ToString()!);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<string> Commands(ActivityTraceId trace) => _commands.TryGetValue(trace, out var commands) ? [.. commands] : [];

        public void Dispose() => _listener.Dispose();
    }
}
