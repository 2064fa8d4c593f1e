using System.Text.Json;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using Xunit;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>The service's per-trial caps (Jobs:MaxTrialMemoryMB, Jobs:MaxTrialSeconds) reach the sweeps it runs.</summary>
public sealed class TrialCapsTests
{
    [Fact]
    public void WithTrialCaps_ConfiguredCaps_ReachTheSweepOptions()
    {
        var caps = new JobsOptions { MaxTrialSeconds = 30, MaxTrialMemoryMB = 512 }.WithTrialCaps(new SweepOptions { BudgetSeconds = 60 });
        Assert.Equal(30, caps.MaximumTrialSeconds);
        Assert.Equal(512L * 1024 * 1024, caps.MaximumTrialMemoryBytes);
        var none = new JobsOptions().WithTrialCaps(new SweepOptions { BudgetSeconds = 60 });
        Assert.Null(none.MaximumTrialSeconds);
        Assert.Null(none.MaximumTrialMemoryBytes);
    }

    /// <summary>The whole path, configuration to sweep, with a cap no trial can meet.</summary>
    [Fact]
    public async Task Sweep_TimeCapBelowAnyTrial_EveryTrialTimesOut()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "timecap");
        using var api = new ApiHost(scope, new() { ["Jobs:MaxTrialSeconds"] = "0.001" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        using var done = await ExperimentFlowTests.WaitAsync(client, await ExperimentFlowTests.SubmitAsync(client, datasetId, 4, seed: 1));

        var root = done.RootElement;
        Assert.Equal("failed", root.GetProperty("status").GetString());
        Assert.NotEmpty(root.GetProperty("trials").EnumerateArray());
        Assert.Contains("the per-trial cap of 0.001 s", root.GetProperty("error").GetString(), StringComparison.Ordinal);
        // Each trial says which candidate it was, how it ended and why, as report.json's trial log does.
        Assert.All(root.GetProperty("trials").EnumerateArray(), t =>
        {
            Assert.False(string.IsNullOrEmpty(t.GetProperty("candidate").GetString()), t.ToString());
            Assert.Equal("general", t.GetProperty("kind").GetString());
            Assert.Equal("timedout", t.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, t.GetProperty("score").ValueKind);
            Assert.False(string.IsNullOrEmpty(t.GetProperty("error").GetString()), t.ToString());
        });
        // Each says which limit stopped it (a rare one was abandoned, not stopped: "Abandoned after 0.0 s: …").
        Assert.Contains(root.GetProperty("trials").EnumerateArray(),
            t => t.GetProperty("error").GetString()!.Contains("per-trial cap of 0.001 s", StringComparison.Ordinal));
    }
}
