using System.Diagnostics;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>The API schedules, two real Worker processes run sweeps on a clustered PostgreSQL store; one is killed.</summary>
public sealed class ClusteredSweepTests
{
    [Fact]
    public async Task Sweeps_WorkerKilledMidSweep_AllSucceedAndCrashedOneResumesOnOtherNode()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "cluster");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var workers = new Dictionary<string, Process>
        {
            ["worker-1"] = Processes.Start(Processes.WorkerDll, [], scope.Settings("worker-1")),
            ["worker-2"] = Processes.Start(Processes.WorkerDll, [], scope.Settings("worker-2")),
        };
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                ids.Add(await ExperimentFlowTests.SubmitAsync(client, datasetId, 10, seed: i, modelName: "cluster"));
            }

            // Wait until some sweep has recorded a trial, then kill the node running it.
            var found = await Processes.PollAsync<string[]>(async () =>
            {
                foreach (var id in ids)
                {
                    using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                    var trials = doc.RootElement.GetProperty("trials");
                    if (trials.GetArrayLength() >= 1 && doc.RootElement.GetProperty("status").GetString() == "running")
                    {
                        return [id, trials[0].GetProperty("node").GetString()!];
                    }
                }

                return null;
            }, TimeSpan.FromSeconds(90), "a sweep to record its first trial");
            var (victimId, victimNode) = (found[0], found[1]);
            var victim = workers[victimNode];
            victim.Kill(entireProcessTree: true); // SIGKILL: no checkpoint, no goodbye
            await victim.WaitForExitAsync();

            foreach (var id in ids)
            {
                using var done = await ExperimentFlowTests.WaitAsync(client, id, 150);
                var root = done.RootElement;
                Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString());
                Assert.Single(root.GetProperty("attempts").EnumerateArray(), a => a.GetProperty("outcome").GetString() == "succeeded");
            }

            using var crashed = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{victimId}"));
            var attempts = crashed.RootElement.GetProperty("attempts").EnumerateArray().ToList();
            Assert.True(attempts.Count >= 2, crashed.RootElement.ToString());
            Assert.Equal(victimNode, attempts[0].GetProperty("node").GetString());
            Assert.Equal("crashed", attempts[0].GetProperty("outcome").GetString());
            var survivor = attempts[^1].GetProperty("node").GetString();
            Assert.NotEqual(victimNode, survivor);
            Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());

            // The trials the dead node finished were kept and not re-run: each index is recorded once, by its first runner.
            var trials = crashed.RootElement.GetProperty("trials").EnumerateArray().ToList();
            Assert.Contains(trials, t => t.GetProperty("node").GetString() == victimNode);
            Assert.Contains(trials, t => t.GetProperty("node").GetString() == survivor);
            Assert.Equal(trials.Count, trials.Select(t => t.GetProperty("trial").GetInt64()).Distinct().Count());
        }
        finally
        {
            await Processes.KillAllAsync(workers.Values);
        }
    }
}
