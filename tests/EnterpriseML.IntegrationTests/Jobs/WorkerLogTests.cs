using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>What a real Worker process logs about a sweep, as an operator reads it in plain text.</summary>
public sealed class WorkerLogTests
{
    /// <summary>
    /// With <c>Logging:Console:FormatterName=simple</c> a sweep's lines carry its scope as
    /// <c>ExperimentId:… Node:…</c> (they printed <c>System.Collections.Generic.Dictionary`2[…]</c>), and a cancelled
    /// sweep says that it stopped and why (it logged nothing after its start).
    /// </summary>
    [Fact]
    public async Task Cancel_RunningSweepOnWorker_LogsTheStopInTheExperimentsScope()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "wlog");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var settings = scope.Settings("worker-log");
        settings["Logging:Console:FormatterName"] = "simple";
        await using var worker = new WorkerProcess("worker-log", settings);

        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 300, seed: 4, modelName: "logged");
        await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
            return doc.RootElement.GetProperty("status").GetString() == "running" && doc.RootElement.GetProperty("trials").GetArrayLength() >= 1 ? "yes" : null;
        }, TimeSpan.FromSeconds(90), "the sweep to record its first trial on the Worker");
        using (var cancel = await client.PostAsync($"/api/experiments/{id}/cancel", null))
        {
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }

        try
        {
            await Processes.PollAsync(() => Task.FromResult(worker.Logged($"Experiment {id} attempt 1 stopped: the experiment was cancelled") ? "yes" : null),
                TimeSpan.FromSeconds(30), "the Worker to log the cancelled sweep's stop");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\nWorker output:\n" + worker.Output, e);
        }

        var lines = worker.Lines;
        Assert.DoesNotContain(lines, l => l.Contains("System.Collections.Generic.Dictionary", StringComparison.Ordinal));
        var stopped = Array.FindIndex(lines, l => l.Contains($"Experiment {id} attempt 1 stopped", StringComparison.Ordinal));
        Assert.Contains("its recorded trials are kept, no model stored", lines[stopped], StringComparison.Ordinal);
        // The simple formatter writes the scopes on the line before the message.
        Assert.Contains($"ExperimentId:{id} Node:worker-log", lines[stopped - 1], StringComparison.Ordinal);
        var started = Array.FindIndex(lines, l => l.Contains($"Experiment {id} attempt 1 started", StringComparison.Ordinal));
        Assert.Contains($"ExperimentId:{id} Node:worker-log", lines[started - 1], StringComparison.Ordinal);
    }
}
