using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using Xunit;

namespace EnterpriseML.Engine.Tests.Scenarios.Credit;

public sealed class CreditSweepTests
{
    [Fact]
    public async Task RunAsync_CreditScenario_BothKindsSucceedOnTheLeaderboard()
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var plan = ScenarioCatalog.Get("credit").Plan(new ScenarioContext(table, "class", TaskKind.Binary, "bad"));
        var data = LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad");
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 12, Seed = 5, EnsembleSelection = false });
        var result = await runner.RunAsync(new SweepRequest(data, plan, "credit"));

        Assert.Contains(result.Trials, t => t.Candidate == "scorecard" && t.Status == TrialStatus.Succeeded);
        Assert.Contains(result.Trials, t => t.Candidate == "monotone-gbdt" && t.Status == TrialStatus.Succeeded);
        Assert.Contains(result.Trials, t => t.Kind == CandidateKind.General && t.Status == TrialStatus.Succeeded);
        Assert.NotNull(result.Comparison);
        Assert.InRange(result.Winner.ValidationScore, 0.72, 0.85);
    }
}
