using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>Trials with equal validation scores are ordered by their validation log-loss (<see cref="TrialOrder"/>).</summary>
[Collection(TimingCollection.Name)]
public sealed class TrialOrderTests
{
    private static TrialRecord Trial(int index, double score, double tieBreak) => new()
    {
        Index = index,
        Candidate = "c",
        Kind = CandidateKind.General,
        Trainer = "t",
        Point = [],
        Parameters = [],
        Status = TrialStatus.Succeeded,
        ValidationScore = score,
        TieBreakScore = tieBreak,
    };

    [Fact]
    public void IsBetter_PrimaryScoreFirst_ThenTheLowerTieBreakLoss()
    {
        var auc = ScenarioMetric.Auc;
        Assert.True(TrialOrder.IsBetter(auc, Trial(0, 0.9, 0.6), Trial(1, 0.8, 0.1))); // the score decides, whatever the loss
        Assert.True(TrialOrder.IsBetter(auc, Trial(1, 1.0, 0.05), Trial(0, 1.0, 0.2))); // equal scores: the lower loss, though later
        Assert.False(TrialOrder.IsBetter(auc, Trial(1, 1.0, 0.2), Trial(0, 1.0, 0.2))); // equal on both: neither
        Assert.True(TrialOrder.IsBetter(auc, Trial(1, 1.0, 0.2), Trial(0, 1.0, double.NaN))); // a loss beats none
        Assert.False(TrialOrder.IsBetter(auc, Trial(1, 1.0, double.NaN), Trial(0, 1.0, 0.2)));
        Assert.False(TrialOrder.IsBetter(auc, Trial(0, double.NaN, 0.01), null)); // unscored never ranks
        Assert.True(TrialOrder.IsBetter(auc, Trial(0, 0.5, double.NaN), null));
        Assert.True(TrialOrder.IsBetter(ScenarioMetric.Rmse, Trial(0, 3, 9), Trial(1, 4, 1))); // lower-is-better metric
        Assert.Equal(-1, TrialOrder.Compare(auc, Trial(5, 1.0, 0.1), Trial(2, 1.0, 0.3)));
        Assert.Equal(-1, TrialOrder.Compare(auc, Trial(2, 1.0, 0.3), Trial(5, 1.0, 0.3))); // full tie: index order
    }

    [Fact]
    public void TieBreakFor_LogLossForClassification_NoneForRegressionOrALogLossSweep()
    {
        Assert.Same(ScenarioMetric.LogLoss, ScenarioMetric.TieBreakFor(TaskKind.Binary, ScenarioMetric.Auprc));
        Assert.Same(ScenarioMetric.LogLoss, ScenarioMetric.TieBreakFor(TaskKind.Multiclass, ScenarioMetric.Accuracy));
        Assert.Null(ScenarioMetric.TieBreakFor(TaskKind.Binary, ScenarioMetric.LogLoss));
        Assert.Null(ScenarioMetric.TieBreakFor(TaskKind.Regression, ScenarioMetric.Rmse));
    }

    /// <summary>
    /// The centroid candidate's slope moves its probabilities, not their order, so every trial with the same feature
    /// count has exactly the same AUC, in both copies of the candidate: each one's best trial, and the winner, must be
    /// the best calibrated of the tied trials, not the earliest, and the reason must say so.
    /// </summary>
    [Fact]
    public async Task Sweep_EqualScores_WinnerHasTheLowestValidationLogLoss()
    {
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 60, Seed = 3, Tuner = TunerKind.Random, SelectionReevaluation = false });
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate("a"), new CentroidCandidate("b")]);
        var result = await runner.RunAsync(new SweepRequest(TestData.CreditGerman, plan));

        var succeeded = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).ToArray();
        var expectedLogLoss = succeeded.Select(t => t.TieBreakScore).ToArray();
        Assert.All(expectedLogLoss, loss => Assert.InRange(loss, 0.05, 5)); // recorded for every trial
        var best = succeeded.Max(t => t.ValidationScore);
        var tied = succeeded.Where(t => t.ValidationScore == best).OrderBy(t => t.Index).ToArray();
        Assert.True(tied.Length >= 3, $"only {tied.Length} trials share the best AUC; the test needs a tie");
        Assert.True(tied[0].TieBreakScore > tied.Min(t => t.TieBreakScore), "the earliest tied trial is already the best calibrated; the test would not tell the rules apart");

        Assert.Equal(tied.MinBy(t => t.TieBreakScore)!.Index, result.Winner.Index);
        var report = SweepReport.Build(result, plan);
        foreach (var row in report.Leaderboard)
        {
            var own = tied.Where(t => t.Candidate == row.Trial.Candidate).ToArray();
            Assert.NotEmpty(own); // both copies reached the best AUC
            Assert.Equal(own.MinBy(t => t.TieBreakScore)!.Index, row.Trial.Index);
        }

        var other = result.Winner.Candidate == "a" ? "b" : "a";
        Assert.Contains($"equal to {other} and ahead on validation log-loss", result.WinnerReason, StringComparison.Ordinal);
        Assert.Contains("\"validationLogLoss\":", ReportJson.ToJson(report), StringComparison.Ordinal);
    }
}
