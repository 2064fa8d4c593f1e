using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>Trials with equal validation scores go to the smaller model (<see cref="TrialOrder"/>).</summary>
[Collection(TimingCollection.Name)]
public sealed class TrialOrderTests
{
    private static TrialRecord Trial(int index, double score, long bytes) => new()
    {
        Index = index,
        Candidate = "c",
        Kind = CandidateKind.General,
        Trainer = "t",
        Point = [],
        Parameters = [],
        Status = TrialStatus.Succeeded,
        ValidationScore = score,
        ModelBytes = bytes,
    };

    [Fact]
    public void IsBetter_PrimaryScoreFirst_ThenTheSmallerModel()
    {
        var auc = ScenarioMetric.Auc;
        Assert.True(TrialOrder.IsBetter(auc, Trial(0, 0.9, 9_000), Trial(1, 0.8, 100))); // the score decides, whatever the size
        Assert.True(TrialOrder.IsBetter(auc, Trial(1, 1.0, 100), Trial(0, 1.0, 9_000))); // equal scores: the smaller, though later
        Assert.False(TrialOrder.IsBetter(auc, Trial(1, 1.0, 100), Trial(0, 1.0, 100))); // equal on both: neither
        Assert.False(TrialOrder.IsBetter(auc, Trial(1, 1.0, 0), Trial(0, 1.0, 100))); // an unmeasured size does not win
        Assert.False(TrialOrder.IsBetter(auc, Trial(0, double.NaN, 1), null)); // unscored never ranks
        Assert.True(TrialOrder.IsBetter(auc, Trial(0, 0.5, 1), null));
        Assert.True(TrialOrder.IsBetter(auc, Trial(0, 0.5, 1), Trial(1, double.NaN, 1)));
        Assert.True(TrialOrder.IsBetter(ScenarioMetric.Rmse, Trial(0, 3, 9_000), Trial(1, 4, 1))); // lower-is-better metric
        Assert.Equal(-1, TrialOrder.Compare(auc, Trial(5, 1.0, 10), Trial(2, 1.0, 30)));
        Assert.Equal(-1, TrialOrder.Compare(auc, Trial(2, 1.0, 30), Trial(5, 1.0, 30))); // full tie: index order
    }

    /// <summary>
    /// The centroid candidate's slope moves its probabilities, not their order, and its padding only its size, so
    /// every trial with the same feature count has exactly the same AUC, in both copies of the candidate: each one's
    /// best trial, and the winner, must be the smallest of the tied trials, not the earliest, and the reason says so.
    /// </summary>
    [Fact]
    public async Task Sweep_EqualScores_GoToTheSmallestModel()
    {
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 60, Seed = 3, Tuner = TunerKind.Random, SelectionReevaluation = false });
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate("a") { SizeParameter = true }, new CentroidCandidate("b") { SizeParameter = true }]);
        var result = await runner.RunAsync(new SweepRequest(TestData.CreditGerman, plan));

        var succeeded = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).ToArray();
        var best = succeeded.Max(t => t.ValidationScore);
        var tied = succeeded.Where(t => t.ValidationScore == best).OrderBy(t => t.Index).ToArray();
        Assert.True(tied.Length >= 3, $"only {tied.Length} trials share the best AUC; the test needs a tie");
        Assert.True(tied[0].ModelBytes > tied.Min(t => t.ModelBytes), "the earliest tied trial is already the smallest; the test would not tell the rules apart");

        Assert.Equal(tied.MinBy(t => t.ModelBytes)!.Index, result.Winner.Index);
        var report = SweepReport.Build(result, plan);
        foreach (var row in report.Leaderboard)
        {
            var own = tied.Where(t => t.Candidate == row.Trial.Candidate).ToArray();
            Assert.NotEmpty(own); // both copies reached the best AUC
            Assert.Equal(own.MinBy(t => t.ModelBytes)!.Index, row.Trial.Index);
        }

        var other = report.Leaderboard.Single(r => r.Trial.Candidate != result.Winner.Candidate).Trial;
        Assert.Contains($"equal to {other.Candidate} ({other.ModelBytes} bytes); the smallest model ranks first ({result.Winner.ModelBytes} bytes)",
            result.WinnerReason, StringComparison.Ordinal);
    }
}
