using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>The embedded default (SQLite job store, not clustered): a process killed mid-sweep and started again.</summary>
public sealed class EmbeddedRecoveryTests
{
    /// <summary>
    /// Quartz recovers, at start, only the firings its store recorded under this scheduler's instance id, and then
    /// deletes every recorded firing. The instance id was the node name, by default host name + process id, so a
    /// restarted process never recovered the sweep its predecessor was running: the experiment stayed "running" for
    /// ever (and held one of its tenant's Jobs:MaxSweepsPerTenant slots). Here the node runs with the default name.
    /// </summary>
    [Fact]
    public async Task Sweep_EmbeddedNodeKilledMidSweepAndRestarted_ResumesTheSweepFromItsRecordedTrials()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "embedded-kill");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var settings = scope.Settings("unused");
        settings["Jobs:NodeName"] = ""; // the default: host name + process id, different at every start

        var first = new WorkerProcess("first", settings);
        WorkerProcess? second = null;
        try
        {
            var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 4, modelName: "embedded", maxTrials: 30);
            var victimNode = await Processes.PollAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                var trials = doc.RootElement.GetProperty("trials");
                return trials.GetArrayLength() >= 1 ? trials[0].GetProperty("node").GetString() : null;
            }, TimeSpan.FromSeconds(60), "the sweep to record its first trial");
            first.Process.Kill(entireProcessTree: true); // SIGKILL: no checkpoint, no hand-back
            await first.Process.WaitForExitAsync();

            second = new WorkerProcess("second", settings);
            using var done = await ExperimentFlowTests.WaitAsync(client, id, 90);
            var root = done.RootElement;
            Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString() + "\n" + second.Output);
            var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(2, attempts.Count);
            Assert.Equal(victimNode, attempts[0].GetProperty("node").GetString());
            Assert.Equal("crashed", attempts[0].GetProperty("outcome").GetString());
            Assert.NotEqual(victimNode, attempts[1].GetProperty("node").GetString());
            Assert.Equal("succeeded", attempts[1].GetProperty("outcome").GetString());
            var trials = root.GetProperty("trials").EnumerateArray().ToList();
            Assert.Contains(trials, t => t.GetProperty("node").GetString() == victimNode);
            Assert.Equal(trials.Count, trials.Select(t => t.GetProperty("trial").GetInt64()).Distinct().Count());
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// An unfinished experiment whose job the job store does not have (left "running" by a version that could not
    /// recover a killed process's sweep, or never queued because the process died between storing and queueing it)
    /// was never run. The embedded node queues it again at start, and it runs to the end.
    /// </summary>
    [Fact]
    public async Task Start_UnfinishedExperimentWithoutAJob_IsQueuedAgainAndSucceeds()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "embedded-lost");
        string id;
        using (var first = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" }))
        {
            using var client = first.Client();
            var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
            id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 1, modelName: "lost", maxTrials: 5);
            var scheduler = await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            Assert.True(await scheduler.DeleteJob(SweepJob.KeyFor(id)));
            await scheduler.Shutdown();
        }

        using var second = new ApiHost(scope);
        using var again = second.Client();
        using var done = await ExperimentFlowTests.WaitAsync(again, id, 60);
        Assert.Equal("succeeded", done.RootElement.GetProperty("status").GetString());
        Assert.Equal("succeeded", Assert.Single(done.RootElement.GetProperty("attempts").EnumerateArray()).GetProperty("outcome").GetString());
    }
}
