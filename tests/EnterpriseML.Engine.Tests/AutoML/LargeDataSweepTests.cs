using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;
using static EnterpriseML.Engine.Tests.AutoML.TestData;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>
/// Sweeps with a time budget on data above the subsample threshold (credit-german's 800-row folds against a threshold
/// of 100 rows stand in for a large table): slow candidates move to samples, and a long trial does not idle the
/// other slots.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class LargeDataSweepTests
{
    /// <summary>
    /// Fitting costs 0.25 ms per training row: five folds of all 800 rows (1 s) break the 0.75 s cap of
    /// <see cref="SlowCandidateOptions"/>, five of 400 rows (0.5 s) fit.
    /// </summary>
    private static RowCostCandidate SlowCandidate() =>
        new(new CentroidCandidate("slow", CandidateKind.Specialised), millisecondsPerRow: 0.25);

    private static SweepOptions SlowCandidateOptions(int trials, bool sample) => new()
    {
        BudgetSeconds = 8,
        MaximumTrialSeconds = 0.75,
        MaximumTrials = trials,
        Seed = 4,
        SubsampleThresholdRows = 100,
        SubsampleRows = 50,
        ParallelTrials = 1,
        EnsembleSelection = false,
        EarlyStopping = false,
        SelectionReevaluation = false,
        SampleSlowCandidates = sample,
    };

    [Fact]
    public async Task RunAsync_TrialHitsTheCap_LaterTrialsOfThatCandidateUseHalfTheRows()
    {
        var result = await new SweepRunner(SlowCandidateOptions(trials: 5, sample: true)).RunAsync(Request(SlowCandidate()));

        var trials = result.Trials.OrderBy(t => t.Index).ToArray();
        Assert.Equal(50.0 / 800, trials[0].SampleFraction, 3);
        Assert.Equal(TrialStatus.Succeeded, trials[0].Status);
        Assert.Equal(TrialStatus.TimedOut, trials[1].Status);
        Assert.Equal(1.0, trials[1].SampleFraction);
        Assert.All(trials.Skip(2), t =>
        {
            Assert.Equal(0.5, t.SampleFraction, 3);
            Assert.Equal(TrialStatus.Succeeded, t.Status);
        });
    }

    [Fact]
    public async Task RunAsync_WithoutSampling_TheSlowCandidateKeepsTimingOut()
    {
        var result = await new SweepRunner(SlowCandidateOptions(trials: 4, sample: false)).RunAsync(Request(SlowCandidate()));
        Assert.All(result.Trials.Where(t => t.Index > 0), t => Assert.Equal(TrialStatus.TimedOut, t.Status));
    }

    [Fact]
    public async Task RunAsync_TimeBudget_ALongTrialDoesNotHoldTheOtherSlot()
    {
        // "slow" takes 2.5 s per trial; "fast" 20 ms. With two slots, fast trials keep running beside a slow one.
        var slow = new CentroidCandidate("slow", CandidateKind.Specialised) { DuringFit = t => TestWork.Spin(500, t) };
        var fast = new CentroidCandidate("fast");
        var options = new SweepOptions
        {
            BudgetSeconds = 6,
            MaximumTrialSeconds = 5,
            Seed = 1,
            ParallelTrials = 2,
            MaximumDegreeOfParallelism = 2,
            EnsembleSelection = false,
            SelectionReevaluation = false,
        };
        var result = await new SweepRunner(options).RunAsync(Request(slow, fast));

        var firstSlow = result.Trials.Where(t => t.Candidate == "slow").MinBy(t => t.Index)!;
        var finishedMeanwhile = result.Trials.Count(t => t.Candidate == "fast" && t.Index > firstSlow.Index && t.FinishedAtSeconds < firstSlow.FinishedAtSeconds);
        Assert.True(finishedMeanwhile >= 5, $"{finishedMeanwhile} fast trials launched after the first slow trial finished before it");
    }

    /// <summary>A candidate whose fit time grows with its training rows (checking its token every 10 ms).</summary>
    private sealed class RowCostCandidate(ICandidate inner, double millisecondsPerRow) : ICandidate
    {
        public string Name => inner.Name;

        public CandidateKind Kind => inner.Kind;

        public string Trainer => inner.Trainer;

        public SearchSpace SearchSpace => inner.SearchSpace;

        public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
        {
            TestWork.Spin((int)(context.Train.RowCount * millisecondsPerRow), cancellationToken);
            return inner.Fit(context, parameters, cancellationToken);
        }
    }
}
