using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// Schedules live in the registry; their cron triggers live in the Quartz job store. When the store loses a trigger
/// (a reset job store, a trigger removed by hand), the next start of a node registers it again from the registry,
/// paused if the schedule is paused, and leaves triggers that exist alone.
/// </summary>
public sealed class ScheduleRecoveryTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Restart_TriggerMissingFromJobStore_IsRegisteredAgainWithItsPause(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "schedrec");
        string tenant;
        long keptNextFire;
        using (var first = new ApiHost(scope))
        {
            using var client = first.Client();
            await CreateAsync(client, "nightly", "0 0 2 * * ?");
            await CreateAsync(client, "weekly", "0 0 3 ? * MON");
            using (var paused = await client.PostAsJsonAsync("/api/schedules/nightly/pause", new { reason = "extract is late" }))
            {
                Assert.True(paused.IsSuccessStatusCode, await paused.Content.ReadAsStringAsync());
            }

            tenant = (await first.Services.GetRequiredService<ScheduleStore>().ListAllAsync()).Single(s => s.Name == "nightly").TenantId;
            var scheduler = await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            Assert.True(await scheduler.DeleteJob(RefreshJob.KeyFor(tenant, "nightly")));
            using var lost = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/nightly"));
            Assert.Equal(JsonValueKind.Null, lost.RootElement.GetProperty("nextFireTime").ValueKind);
            using var weekly = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/weekly"));
            keptNextFire = weekly.RootElement.GetProperty("nextFireTime").GetInt64();
        }

        using var second = new ApiHost(scope);
        using var again = second.Client();
        using var nightly = JsonDocument.Parse(await again.GetStringAsync("/api/schedules/nightly"));
        var root = nightly.RootElement;
        Assert.True(root.GetProperty("nextFireTime").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), root.ToString());
        Assert.Equal("Paused", root.GetProperty("triggerState").GetString());
        Assert.True(root.GetProperty("paused").GetBoolean());
        Assert.Equal("extract is late", root.GetProperty("pauseReason").GetString());
        var trigger = await second.Services.GetRequiredService<JobClient>().RefreshTriggerAsync(tenant, "nightly");
        Assert.True(trigger.Exists);

        // The trigger that survived keeps its own next fire time (it was not rewritten).
        using var weeklyAgain = JsonDocument.Parse(await again.GetStringAsync("/api/schedules/weekly"));
        Assert.Equal(keptNextFire, weeklyAgain.RootElement.GetProperty("nextFireTime").GetInt64());
        Assert.Equal("Normal", weeklyAgain.RootElement.GetProperty("triggerState").GetString());
    }

    /// <summary>
    /// A refresh trigger stored by an earlier version in the tenant's execution group is moved to the sweeps' group at
    /// the next start (so its fires count against Jobs:MaxConcurrentSweeps), keeping its next fire time and its pause.
    /// </summary>
    [Fact]
    public async Task Restart_TriggerInAnOlderExecutionGroup_IsMovedToTheSweepsGroupKeepingFireTimeAndPause()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "schedgroup");
        TriggerKey key;
        string tenant;
        DateTimeOffset? nextFire;
        using (var first = new ApiHost(scope))
        {
            using var client = first.Client();
            await CreateAsync(client, "nightly", "0 0 2 * * ?");
            using (var paused = await client.PostAsJsonAsync("/api/schedules/nightly/pause", new { reason = "extract is late" }))
            {
                Assert.True(paused.IsSuccessStatusCode, await paused.Content.ReadAsStringAsync());
            }

            tenant = (await first.Services.GetRequiredService<ScheduleStore>().ListAllAsync()).Single().TenantId;
            key = RefreshJob.TriggerKeyFor(tenant, "nightly");
            var scheduler = await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            var current = (await scheduler.GetTrigger(key))!;
            nextFire = current.NextFireTimeUtc;
            // What an earlier version stored: the same trigger in the tenant's execution group, paused.
            await scheduler.RescheduleJob(key, current.GetTriggerBuilder().WithExecutionGroup("tenant:" + tenant).Build());
            await scheduler.PauseTrigger(key);
            Assert.Equal("tenant:" + tenant, (await scheduler.GetTrigger(key))!.ExecutionGroup);
        }

        using var second = new ApiHost(scope);
        var restarted = await second.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var moved = (await restarted.GetTrigger(key))!;
        Assert.Equal(SweepJob.ExecutionGroup, moved.ExecutionGroup);
        Assert.Equal(nextFire, moved.NextFireTimeUtc);
        Assert.Equal(TriggerState.Paused, await restarted.GetTriggerState(key));
        // Paused again with the schedule's reason, in the job store's own pause record.
        var state = await second.Services.GetRequiredService<JobClient>().RefreshTriggerAsync(tenant, "nightly");
        Assert.Equal("extract is late", state.PauseReason);
    }

    [Fact]
    public async Task Refresh_WorkerKilledMidRefresh_NextFireResumesTheSameExperimentOnTheOtherNode()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "refcrash");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        await UploadTransactionsAsync(client);

        var workers = new Dictionary<string, System.Diagnostics.Process>
        {
            ["worker-1"] = Processes.Start(Processes.WorkerDll, [], scope.Settings("worker-1")),
            ["worker-2"] = Processes.Start(Processes.WorkerDll, [], scope.Settings("worker-2")),
        };
        try
        {
            await CreateAsync(client, "nightly", "0/3 * * * * ?", budgetSeconds: 60, maxTrials: 30);

            // The first fire's experiment records a trial: kill the node running it (SIGKILL, no checkpoint).
            var (experimentId, victimNode) = await Waits.RunningExperimentWithATrialAsync(client, "the refresh's sweep to record a trial");
            workers[victimNode].Kill(entireProcessTree: true);
            await workers[victimNode].WaitForExitAsync();

            // The next fire on the surviving node resumes that experiment and decides; no second experiment is started.
            var refresh = await Processes.PollAsync<JsonElement?>(async () =>
            {
                using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/nightly"));
                var refreshes = doc.RootElement.GetProperty("refreshes").EnumerateArray().ToList();
                return refreshes.Count > 0 ? refreshes[^1].Clone() : null;
            }, TimeSpan.FromSeconds(120), "the resumed refresh to finish");
            Assert.Equal(experimentId, refresh!.Value.GetProperty("experimentId").GetString());
            Assert.Equal("promoted", refresh.Value.GetProperty("status").GetString());

            using var crashed = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{experimentId}"));
            var root = crashed.RootElement;
            Assert.Equal("succeeded", root.GetProperty("status").GetString());
            var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(victimNode, attempts[0].GetProperty("node").GetString());
            Assert.Equal("crashed", attempts[0].GetProperty("outcome").GetString());
            Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());
            Assert.NotEqual(victimNode, attempts[^1].GetProperty("node").GetString());
            var trials = root.GetProperty("trials").EnumerateArray().ToList();
            Assert.Contains(trials, t => t.GetProperty("node").GetString() == victimNode);
            Assert.Equal(trials.Count, trials.Select(t => t.GetProperty("trial").GetInt64()).Distinct().Count());
        }
        finally
        {
            await Processes.KillAllAsync(workers.Values);
        }
    }

    /// <summary>
    /// A Worker stopped with SIGTERM mid-refresh ended the fire with a JobExecutionException instead of letting the
    /// cancellation out, so Quartz completed the firing as failed rather than handing it back for recovery: the
    /// experiment stayed "running" until the schedule's next fire (a day later for a nightly one), while a SIGTERM'd
    /// experiment is resumed at once. The schedule here fires once only (a cron with the year), so only the handed-back
    /// firing can resume it, on the other Worker. With <paramref name="pausedMeanwhile"/>, the schedule is paused while
    /// the refresh runs: the handed-back fire found it paused and returned, leaving the experiment "running" (holding
    /// one of its tenant's slots) until a resume; a refresh under way is now finished whatever the pause.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refresh_WorkerSigtermMidRefresh_FiringHandedBackAndResumedOnTheOtherNode(bool pausedMeanwhile)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "refsigterm");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        await UploadTransactionsAsync(client);

        await using var first = new WorkerProcess("worker-1", scope.Settings("worker-1"));
        await using var second = new WorkerProcess("worker-2", scope.Settings("worker-2"));
        var workers = new[] { first, second };
        await WaitForAWorkerAsync(api);

        var at = DateTimeOffset.UtcNow.AddSeconds(10);
        await CreateAsync(client, "once", string.Create(CultureInfo.InvariantCulture, $"{at.Second} {at.Minute} {at.Hour} {at.Day} {at.Month} ? {at.Year}"), budgetSeconds: 60, maxTrials: 30);
        var (experimentId, victimNode) = await Waits.RunningExperimentWithATrialAsync(client, "the refresh's sweep to record a trial");
        var victim = workers.Single(w => w.Node == victimNode);
        var survivor = workers.Single(w => w.Node != victimNode);
        if (pausedMeanwhile)
        {
            using var paused = await client.PostAsJsonAsync("/api/schedules/once/pause", new { reason = "extract is late" });
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        }

        await victim.TerminateAsync();
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(40)))
        {
            await victim.Process.WaitForExitAsync(exit.Token);
        }

        Assert.True(victim.Process.ExitCode == 0, $"exit code {victim.Process.ExitCode}\n{victim.Output}");
        var refresh = await Processes.PollAsync<JsonElement?>(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/once"));
            var refreshes = doc.RootElement.GetProperty("refreshes").EnumerateArray().ToList();
            return refreshes.Count > 0 ? refreshes[^1].Clone() : null;
        }, TimeSpan.FromSeconds(180), $"the handed-back refresh of experiment {experimentId} to finish on {survivor.Node}");
        Assert.Equal(experimentId, refresh!.Value.GetProperty("experimentId").GetString());
        Assert.Equal("promoted", refresh.Value.GetProperty("status").GetString());

        using var resumed = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{experimentId}"));
        var root = resumed.RootElement;
        Assert.Equal("succeeded", root.GetProperty("status").GetString());
        var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(victimNode, attempts[0].GetProperty("node").GetString());
        Assert.Equal("interrupted", attempts[0].GetProperty("outcome").GetString());
        Assert.Equal(survivor.Node, attempts[^1].GetProperty("node").GetString());
        Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());
        var trials = root.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(trials.Count, trials.Select(t => t.GetProperty("trial").GetInt64()).Distinct().Count());
    }

    /// <summary>
    /// A refresh asked for with <c>POST /api/schedules/{name}/trigger</c> whose node dies mid-run (SIGKILL) or is
    /// stopped (SIGTERM) is fired again on the other node by a recovery trigger, whose key is not the one-off trigger's:
    /// the refresh recorded by the recovered run lost <c>triggeredBy</c> (RefreshJob recognised a triggered run by its
    /// trigger key only). The schedule fires on 1 January only, so only the recovery trigger can resume the refresh.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Trigger_NodeLostMidRefresh_RecoveredRunKeepsTriggeredBy(bool kill)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "trigrecover");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        await UploadTransactionsAsync(client);

        await using var first = new WorkerProcess("worker-1", scope.Settings("worker-1"));
        await using var second = new WorkerProcess("worker-2", scope.Settings("worker-2"));
        var workers = new[] { first, second };
        await WaitForAWorkerAsync(api);

        await CreateAsync(client, "yearly", "0 0 3 1 1 ?", budgetSeconds: 60, maxTrials: 30);
        string requestedBy;
        using (var triggered = await client.PostAsync("/api/schedules/yearly/trigger", null))
        {
            var body = await triggered.Content.ReadAsStringAsync();
            Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, body);
            requestedBy = JsonDocument.Parse(body).RootElement.GetProperty("requestedBy").GetString()!;
        }

        var (experimentId, victimNode) = await Waits.RunningExperimentWithATrialAsync(client, "the triggered refresh's sweep to record a trial");
        var victim = workers.Single(w => w.Node == victimNode);
        var survivor = workers.Single(w => w.Node != victimNode);
        if (kill)
        {
            victim.Process.Kill(entireProcessTree: true);
        }
        else
        {
            await victim.TerminateAsync();
        }

        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(40)))
        {
            await victim.Process.WaitForExitAsync(exit.Token);
        }

        var refresh = await Processes.PollAsync<JsonElement?>(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/yearly"));
            var refreshes = doc.RootElement.GetProperty("refreshes").EnumerateArray().ToList();
            return refreshes.Count > 0 ? refreshes[^1].Clone() : null;
        }, TimeSpan.FromSeconds(180), $"the recovered refresh of experiment {experimentId} to finish on {survivor.Node}");
        Assert.Equal(experimentId, refresh!.Value.GetProperty("experimentId").GetString());
        Assert.Equal("promoted", refresh.Value.GetProperty("status").GetString());
        Assert.True(refresh.Value.GetProperty("outcome").TryGetProperty("triggeredBy", out var triggeredBy), refresh.Value.ToString());
        Assert.Equal(requestedBy, triggeredBy.GetString());

        // The run that recorded it is the recovered one, on the other node.
        using var resumed = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{experimentId}"));
        var attempts = resumed.RootElement.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(victimNode, attempts[0].GetProperty("node").GetString());
        Assert.Equal(kill ? "crashed" : "interrupted", attempts[0].GetProperty("outcome").GetString());
        Assert.Equal(survivor.Node, attempts[^1].GetProperty("node").GetString());
        Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());
    }

    /// <summary>
    /// A refresh's challenger is stored (and its experiment marked succeeded) in one transaction, and the decision is
    /// recorded later. A node killed (SIGKILL) between the two left a stored challenger that nothing ever decided on:
    /// the recovered fire found no unfinished experiment, started a second one and stored a second challenger, and the
    /// first refresh never appeared in the schedule's history. The kill here lands exactly there: the test holds the
    /// schedule's row, so the Worker waits on it writing the decision, its challenger already committed.
    /// </summary>
    [Fact]
    public async Task Trigger_NodeKilledAfterTheChallengerIsStored_RecoveredRunDecidesOnItWithoutASecondVersion()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "refdecide");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        await UploadTransactionsAsync(client);
        await CreateAsync(client, "yearly", "0 0 3 1 1 ?", budgetSeconds: 3, maxTrials: 3);

        await using var held = new NpgsqlConnection(scope.Postgres);
        await held.OpenAsync();
        await using var lockTx = await held.BeginTransactionAsync();
        await held.ExecuteAsync("SELECT 1 FROM schedules WHERE name = 'yearly' FOR UPDATE", transaction: lockTx);

        await using var first = new WorkerProcess("worker-1", scope.Settings("worker-1"));
        await WaitForAWorkerAsync(api);
        string requestedBy;
        using (var triggered = await client.PostAsync("/api/schedules/yearly/trigger", null))
        {
            var body = await triggered.Content.ReadAsStringAsync();
            Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, body);
            requestedBy = JsonDocument.Parse(body).RootElement.GetProperty("requestedBy").GetString()!;
        }

        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE schedules SET last_outcome", 1, "the refresh to wait on the schedule's row to record its decision");
        using (var stored = JsonDocument.Parse(await client.GetStringAsync("/api/models/risk")))
        {
            Assert.Equal(1, stored.RootElement.GetProperty("versions").GetArrayLength());
        }

        using var experiments = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        var experimentId = Assert.Single(experiments.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString();
        first.Process.Kill(entireProcessTree: true);
        await first.Process.WaitForExitAsync();
        await lockTx.RollbackAsync();

        await using var second = new WorkerProcess("worker-2", scope.Settings("worker-2"));
        var refresh = await Processes.PollAsync<JsonElement?>(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/yearly"));
            var refreshes = doc.RootElement.GetProperty("refreshes").EnumerateArray().ToList();
            return refreshes.Count > 0 ? refreshes[^1].Clone() : null;
        }, TimeSpan.FromSeconds(120), "the recovered refresh to record its decision");
        Assert.True(experimentId == refresh!.Value.GetProperty("experimentId").GetString(), refresh.Value.ToString() + "\n" + second.Output);
        Assert.Equal("promoted", refresh.Value.GetProperty("status").GetString());
        Assert.Equal(1, refresh.Value.GetProperty("outcome").GetProperty("challenger").GetProperty("version").GetInt64());
        Assert.Equal(requestedBy, refresh.Value.GetProperty("outcome").GetProperty("triggeredBy").GetString());

        // Nothing ran twice: one experiment, one version, one refresh.
        using var after = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Single(after.RootElement.GetProperty("items").EnumerateArray());
        using var experiment = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{experimentId}"));
        Assert.Equal("succeeded", experiment.RootElement.GetProperty("status").GetString());
        var attempt = Assert.Single(experiment.RootElement.GetProperty("attempts").EnumerateArray());
        Assert.Equal("worker-1", attempt.GetProperty("node").GetString());
        Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());
        using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/risk"));
        var version = Assert.Single(model.RootElement.GetProperty("versions").EnumerateArray());
        Assert.Equal("champion", version.GetProperty("stage").GetString());
        using var schedule = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/yearly"));
        Assert.Single(schedule.RootElement.GetProperty("refreshes").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, schedule.RootElement.GetProperty("refreshUnderWay").ValueKind);
    }

    /// <summary>
    /// The promotion and the refresh's record were two transactions: a node killed between them left the challenger
    /// champion with no refresh saying why, and the recovered fire swept again and stored a third version. They now
    /// commit together: the kill (while the record waits on the schedule's row the test holds) rolls the promotion back,
    /// and the recovered fire decides on the stored challenger again, promoting it once.
    /// </summary>
    [Fact]
    public async Task Trigger_NodeKilledAsItPromotesTheChallenger_RecoveredRunPromotesItOnceAndRecordsIt()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "refpromote");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var clean = await Api.DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv");
        await UploadAsync(client, ScheduledRefreshTests.FlipLabels(clean, 0.4, seed: 11));
        await CreateAsync(client, "yearly", "0 0 3 1 1 ?", budgetSeconds: 3, maxTrials: 3);

        await using var first = new WorkerProcess("worker-1", scope.Settings("worker-1"));
        await WaitForAWorkerAsync(api);
        await TriggerAsync(client);
        await RefreshesAsync(client, 1, "the first refresh (the champion, on noisy labels)");

        await UploadAsync(client, clean);
        await using var held = new NpgsqlConnection(scope.Postgres);
        await held.OpenAsync();
        await using var lockTx = await held.BeginTransactionAsync();
        await held.ExecuteAsync("SELECT 1 FROM schedules WHERE name = 'yearly' FOR UPDATE", transaction: lockTx);
        await TriggerAsync(client);
        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE schedules SET last_outcome", 1, "the second refresh to wait on the schedule's row to record its decision");
        first.Process.Kill(entireProcessTree: true);
        await first.Process.WaitForExitAsync();
        await held.ExecuteAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
            transaction: lockTx);
        await lockTx.RollbackAsync();

        await using var second = new WorkerProcess("worker-2", scope.Settings("worker-2"));
        var refreshes = await RefreshesAsync(client, 2, "the recovered refresh to record its decision");
        var refresh = refreshes[0];
        using var experiments = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.True(experiments.RootElement.GetProperty("items").GetArrayLength() == 2, experiments.RootElement.ToString() + "\n" + second.Output);
        Assert.Equal("promoted", refresh.GetProperty("status").GetString());
        Assert.Equal(2, refresh.GetProperty("outcome").GetProperty("challenger").GetProperty("version").GetInt64());
        Assert.Equal(1, refresh.GetProperty("outcome").GetProperty("champion").GetProperty("version").GetInt64());

        using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/risk"));
        var versions = model.RootElement.GetProperty("versions").EnumerateArray().Select(v => (v.GetProperty("version").GetInt64(), v.GetProperty("stage").GetString())).ToList();
        Assert.Equal([(1L, "archived"), (2L, "champion")], versions);
        var promotions = model.RootElement.GetProperty("history").EnumerateArray()
            .Where(h => h.GetProperty("version").GetInt64() == 2 && h.GetProperty("to").GetString() == "champion").ToList();
        Assert.Equal(refresh.GetProperty("outcome").GetProperty("reason").GetString(), Assert.Single(promotions).GetProperty("why").GetString());
    }

    private static async Task UploadAsync(HttpClient client, byte[] bytes)
    {
        using var upload = await client.PostAsync("/api/datasets", Api.DatasetsApiTests.Form(bytes, "transactions.csv", "transactions"));
        Assert.True(upload.StatusCode == HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
    }

    /// <summary>Triggers the schedule once its previous run has ended in the job store too (a 409 until then).</summary>
    private static Task<string> TriggerAsync(HttpClient client) => Processes.PollAsync(async () =>
    {
        using var triggered = await client.PostAsync("/api/schedules/yearly/trigger", null);
        var body = await triggered.Content.ReadAsStringAsync();
        Assert.True(triggered.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, body);
        return triggered.StatusCode == HttpStatusCode.Accepted ? body : null;
    }, TimeSpan.FromSeconds(30), "the schedule to take a trigger");

    /// <summary>The schedule's refreshes, newest first, once there are <paramref name="count"/>.</summary>
    private static async Task<List<JsonElement>> RefreshesAsync(HttpClient client, int count, string what) => await Processes.PollAsync(async () =>
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/yearly"));
        var refreshes = doc.RootElement.GetProperty("refreshes").EnumerateArray().Select(r => r.Clone()).ToList();
        return refreshes.Count >= count ? refreshes : null;
    }, TimeSpan.FromSeconds(120), what);

    /// <summary>Uploads German credit as the dataset <c>transactions</c> the schedules of these tests train on.</summary>
    private static async Task UploadTransactionsAsync(HttpClient client)
    {
        var bytes = await Api.DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv");
        using var upload = await client.PostAsync("/api/datasets", Api.DatasetsApiTests.Form(bytes, "transactions.csv", "transactions"));
        Assert.True(upload.StatusCode == HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until a Worker of the cluster runs jobs (a probe job has run on one).</summary>
    private static async Task WaitForAWorkerAsync(ApiHost api)
    {
        var jobs = api.Services.GetRequiredService<JobClient>();
        var probe = await jobs.EnqueueProbeAsync();
        await Processes.PollAsync(() => jobs.ProbeRanOnAsync(probe), TimeSpan.FromSeconds(120), "a Worker to run jobs");
    }

    private static async Task CreateAsync(HttpClient client, string name, string cron, int budgetSeconds = 3, int? maxTrials = null)
    {
        using var created = await client.PostAsJsonAsync("/api/schedules", new
        {
            name,
            cron,
            experiment = new { datasetName = "transactions", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds, maxTrials, modelName = "risk", seed = 2 },
            promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }
}
