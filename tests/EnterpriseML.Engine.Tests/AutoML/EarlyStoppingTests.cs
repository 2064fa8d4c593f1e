using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class EarlyStoppingTests
{
    private static (TrialExecutor Executor, CentroidCandidate Candidate) Executor()
    {
        var candidate = new CentroidCandidate();
        var request = new SweepRequest(TestData.CreditGerman, new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [candidate]));
        var split = ValidationSplit.Create(request.Train, ValidationPolicy.Auto, seed: 4);
        var settings = SweepSettings.From(new SweepOptions { BudgetSeconds = null, MaximumTrials = 1 });
        return (new TrialExecutor(request, split, settings), candidate);
    }

    private static TrialOutcome Run(TrialExecutor executor, CentroidCandidate candidate, HopelessReference? reference)
    {
        var point = candidate.SearchSpace.DefaultPoint();
        point[0] = 1; // all seven numeric columns
        var job = new TrialJob(0, candidate, point, candidate.SearchSpace.ToParameters(point), SampleRows: 0, reference, Seed: 1, Threads: 1);
        return executor.Run(job, CancellationToken.None);
    }

    private static double[] Shift(double[] folds, double firstFold, double otherFolds)
    {
        var shifted = (double[])folds.Clone();
        shifted[0] += firstFold;
        for (var f = 1; f < shifted.Length; f++)
        {
            shifted[f] += otherFolds;
        }

        return shifted;
    }

    [Fact]
    public void Run_ReferenceWithinMargin_RunsEveryFold()
    {
        var (executor, candidate) = Executor();
        var own = Run(executor, candidate, null);
        Assert.Equal(TrialStatus.Succeeded, own.Record.Status);
        Assert.Equal(5, own.FoldScores!.Length);

        var outcome = Run(executor, candidate, new HopelessReference(Shift(own.FoldScores, 0.04, 0.04), Margin: 0.05));
        Assert.Equal(TrialStatus.Succeeded, outcome.Record.Status);
        Assert.Equal(own.Record.ValidationScore, outcome.Record.ValidationScore);
    }

    [Fact]
    public void Run_FarBehindOnEveryFold_StopsAfterTheFirstFold()
    {
        var (executor, candidate) = Executor();
        var own = Run(executor, candidate, null);
        var outcome = Run(executor, candidate, new HopelessReference(Shift(own.FoldScores!, 0.2, 0.2), Margin: 0.05));
        Assert.Equal(TrialStatus.Pruned, outcome.Record.Status);
        Assert.Contains("after 1 of 5 folds", outcome.Record.Error);
        Assert.Equal(own.FoldScores![0], outcome.Record.ValidationScore, 9);
    }

    [Fact]
    public void Run_HardFirstFold_IsComparedPairedNotWithTheOverallMean()
    {
        // The reference is only 0.01 ahead on fold 1 but 0.3 ahead on the others: its overall mean is far above this
        // trial's fold-1 score, so an unpaired rule would stop after fold 1. Paired, fold 1 is fine and the trial
        // stops after fold 2, when the mean gap (0.01 + 0.3) / 2 passes the margin.
        var (executor, candidate) = Executor();
        var own = Run(executor, candidate, null);
        var reference = Shift(own.FoldScores!, 0.01, 0.3);
        Assert.True(reference.Average() - 0.05 > own.FoldScores![0]);

        var outcome = Run(executor, candidate, new HopelessReference(reference, Margin: 0.05));
        Assert.Equal(TrialStatus.Pruned, outcome.Record.Status);
        Assert.Contains("after 2 of 5 folds", outcome.Record.Error);
    }

    [Fact]
    public async Task RunAsync_EarlyStoppedTrials_DoNotRetireACandidate()
    {
        // "weak" ranks the classes backwards whatever its parameters: after its first (full) trial every trial of it is
        // stopped early. Those are bad points, not failures, so it keeps getting trials.
        var strong = new CentroidCandidate("strong", defaultFeatures: 7);
        var weak = new CentroidCandidate("weak", CandidateKind.Specialised) { Inverted = true };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 40, Seed = 2, EnsembleSelection = false });
        var result = await runner.RunAsync(new SweepRequest(TestData.CreditGerman, new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [strong, weak])));

        var weakTrials = result.Trials.Where(t => t.Candidate == "weak").ToArray();
        Assert.Equal(TrialStatus.Succeeded, weakTrials[0].Status);
        Assert.True(weakTrials.Length >= 2 && weakTrials.Skip(1).All(t => t.Status == TrialStatus.Pruned), "every weak trial after the first is stopped early");
        Assert.True(weakTrials.Length > 3 + 1, $"weak got {weakTrials.Length} trials; early stops must not retire it after three");
        Assert.All(weakTrials.Where(t => t.Status == TrialStatus.Pruned), t => Assert.Contains("behind the best trial", t.Error));
    }
}
