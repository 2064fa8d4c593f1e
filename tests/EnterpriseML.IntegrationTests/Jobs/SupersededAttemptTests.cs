using System.Diagnostics;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>A node that stalls (SIGSTOP: a long GC pause, a frozen VM) long enough for the cluster to recover its sweep elsewhere.</summary>
public sealed class SupersededAttemptTests
{
    /// <summary>
    /// The cluster takes a node that misses its check-ins for dead and runs its sweep again on another node. The
    /// stalled node, once it ran again, finished its own copy of the sweep too: the experiment stored two model
    /// versions. Now a run whose attempt was taken over (a later attempt exists) stops before storing anything and
    /// records its attempt as superseded; the experiment stores one version.
    /// </summary>
    [Fact]
    public async Task Sweep_NodeStalledUntilAnotherTookItOver_StopsWithoutStoringASecondVersion()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "stall");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var workers = new[] { new WorkerProcess("worker-a", scope.Settings("worker-a")), new WorkerProcess("worker-b", scope.Settings("worker-b")) };
        try
        {
            // A budget no loaded machine runs out of, ended by a trial count: the taking-over node gets what the stalled one
            // left of the budget, and with 10 s that was too little for any trial to finish under load.
            var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 6, modelName: "stall", maxTrials: 30);
            var stalledNode = await Processes.PollAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                var trials = doc.RootElement.GetProperty("trials");
                return trials.GetArrayLength() >= 1 ? trials[0].GetProperty("node").GetString() : null;
            }, TimeSpan.FromSeconds(60), "the sweep to record its first trial");
            var stalled = workers.Single(w => w.Node == stalledNode);
            await SignalAsync(stalled.Process, "STOP");
            try
            {
                // Until the other node has taken the sweep over. Quartz takes a node for dead once its 2 s check-ins have
                // been missed for 6 s; the wait allows 180 s, as the schedule recovery tests do, because one CI run under
                // other builds took over 60 s to resume the sweep on the other node.
                await Processes.PollAsync(async () =>
                {
                    using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                    return doc.RootElement.GetProperty("attempts").EnumerateArray().Any(a => a.GetProperty("node").GetString() != stalledNode) ? "yes" : null;
                }, TimeSpan.FromSeconds(180), "another node to take the sweep over");
            }
            finally
            {
                await SignalAsync(stalled.Process, "CONT");
            }

            using (var succeeded = await ExperimentFlowTests.WaitAsync(client, id, 90))
            {
                Assert.True(succeeded.RootElement.GetProperty("status").GetString() == "succeeded", succeeded.RootElement.ToString());
            }

            // The taking-over node closed the stalled attempt as crashed; wait for the stalled run itself to end it.
            using var done = await Processes.PollAsync(async () =>
            {
                var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                if (doc.RootElement.GetProperty("attempts")[0].GetProperty("outcome").GetString() != "crashed")
                {
                    return doc;
                }

                doc.Dispose();
                return null;
            }, TimeSpan.FromSeconds(60), "the stalled node's run to end");
            var root = done.RootElement;
            using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/stall"));
            var versions = model.RootElement.GetProperty("versions").EnumerateArray().ToList();
            Assert.True(versions.Count == 1, model.RootElement.ToString() + "\n" + root);
            var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(stalledNode, attempts[0].GetProperty("node").GetString());
            Assert.Equal("superseded", attempts[0].GetProperty("outcome").GetString());
            Assert.Single(attempts, a => a.GetProperty("outcome").GetString() == "succeeded");
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }
        }
    }

    private static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}

/// <summary>A cancel that lands after the sweep's last trial, before its watch (once a second) has seen it.</summary>
public sealed class CancelBeforeStoreTests
{
    /// <summary>
    /// The sweep stored its winner as a model version although the experiment had been cancelled (the final
    /// "succeeded" then found the experiment cancelled and changed nothing): a cancelled experiment with a model
    /// version, the first of a model even becoming its champion. Now the sweep checks just before it stores.
    /// </summary>
    [Fact]
    public async Task SweepAndStore_ExperimentCancelledBeforeTheModelIsStored_StoresNothingAndStopsAsCancelled()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "cancelstore");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        // A few trials, not a 4 s budget: on a loaded machine no trial had finished in 4 s and the sweep failed instead.
        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 120, seed: 1, modelName: "late-cancel", maxTrials: 3);

        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        var sweeps = api.Services.GetRequiredService<SweepJob>();
        var experiment = (await experiments.GetAsync(null, id))!;
        Assert.Equal(StartOutcome.Started, await experiments.TryStartAsync(id, experiment.TenantId, 2));
        var attempt = await experiments.StartAttemptAsync(id, "node");
        var request = JsonSerializer.Deserialize<ExperimentRequest>(experiment.Request, SweepJob.Json)!;
        var (dataset, table) = await sweeps.LoadTableAsync(experiment.TenantId, experiment.DatasetId, request, CancellationToken.None);
        var prepared = SweepJob.Prepare(table, request);
        using (var cancel = await client.PostAsync($"/api/experiments/{id}/cancel", null))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, cancel.StatusCode);
        }

        var thrown = await Assert.ThrowsAsync<ExperimentEndedException>(() =>
            sweeps.SweepAndStoreAsync(experiment, request, dataset, prepared, prepared.Train, "node", attempt, null, null, null, CancellationToken.None));
        Assert.Contains("cancelled", thrown.Message, StringComparison.Ordinal);
        using var model = await client.GetAsync("/api/models/late-cancel");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, model.StatusCode);
        Assert.Equal("cancelled", (await experiments.GetAsync(null, id))!.Status);
    }
}
