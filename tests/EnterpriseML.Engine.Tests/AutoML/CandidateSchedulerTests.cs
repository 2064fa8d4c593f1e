using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class CandidateSchedulerTests
{
    private static int ProposalsOfB(bool failed)
    {
        var a = new CentroidCandidate("a");
        var b = new CentroidCandidate("b");
        var scheduler = new CandidateScheduler([a, b], TunerKind.CostFrugal, seed: 1);
        var first = scheduler.Next()!;
        Assert.Equal("a", first.Candidate.Name);
        scheduler.Update("a", new TunerObservation(first.Point, 0.3, 1, true), failed: false);
        for (var i = 0; i < 3; i++)
        {
            var p = scheduler.Next()!;
            while (p.Candidate.Name != "b")
            {
                scheduler.Update("a", new TunerObservation(p.Point, 0.3, 1, true), failed: false);
                p = scheduler.Next()!;
            }

            scheduler.Update("b", new TunerObservation(p.Point, double.NaN, 1, false), failed);
        }

        var count = 0;
        for (var i = 0; i < 200; i++)
        {
            var p = scheduler.Next()!;
            count += p.Candidate.Name == "b" ? 1 : 0;
            scheduler.Update(p.Candidate.Name, new TunerObservation(p.Point, 0.3, 1, p.Candidate.Name == "a"), failed);
        }

        return count;
    }

    /// <summary>
    /// The warm-up alternates the two kinds, each in the plan's order: a scenario plans its five general candidates
    /// before its specialised ones, and a short or busy sentiment sweep (45 s, general trials timing out) had run only
    /// general ones, leaving no comparison. One kind only keeps the plan's order.
    /// </summary>
    [Fact]
    public void Next_WarmUp_AlternatesGeneralAndSpecialised()
    {
        ICandidate[] plan =
        [
            new CentroidCandidate("g1"), new CentroidCandidate("g2"), new CentroidCandidate("g3"),
            new CentroidCandidate("s1", CandidateKind.Specialised), new CentroidCandidate("s2", CandidateKind.Specialised),
        ];
        var scheduler = new CandidateScheduler(plan, TunerKind.CostFrugal, seed: 1);
        var order = Enumerable.Range(0, 5).Select(_ => scheduler.Next()!.Candidate.Name).ToArray();
        Assert.Equal(["g1", "s1", "g2", "s2", "g3"], order);

        var general = new CandidateScheduler([new CentroidCandidate("a"), new CentroidCandidate("b"), new CentroidCandidate("c")], TunerKind.Random, seed: 1);
        Assert.Equal(["a", "b", "c"], Enumerable.Range(0, 3).Select(_ => general.Next()!.Candidate.Name).ToArray());
    }

    /// <summary>
    /// A candidate whose every dimension holds one value has one configuration, tried once, as a candidate without
    /// hyperparameters is. Before, every tuner kept proposing other unit points of the same configuration, and the
    /// sweep refitted it trial after trial.
    /// </summary>
    [Theory]
    [InlineData(TunerKind.CostFrugal)]
    [InlineData(TunerKind.Smac)]
    [InlineData(TunerKind.Random)]
    public void Next_SpaceOfOneConfiguration_ProposedOnce(TunerKind tuner)
    {
        var fixedSpace = new SearchSpace(
            SearchParameter.Int("Features", 3, 3, 3), SearchParameter.Float("Slope", 1, 1, 1, SearchScale.Log),
            SearchParameter.Choice("Link", ["logistic"], "logistic"));
        var single = new CentroidCandidate("single") { Space = fixedSpace };
        var searched = new CentroidCandidate("searched");
        var scheduler = new CandidateScheduler([single, searched], tuner, seed: 5);
        var proposals = new List<string>();
        for (var i = 0; i < 40 && scheduler.Next() is { } p; i++)
        {
            proposals.Add(p.Candidate.Name);
            scheduler.Update(p.Candidate.Name, new TunerObservation(p.Point, p.Candidate == single ? 0.2 : 0.3, 1, true), failed: false);
        }

        Assert.Equal(40, proposals.Count);
        Assert.Equal(1, proposals.Count(n => n == "single"));
        Assert.True(fixedSpace.HasOneConfiguration);
        Assert.False(searched.SearchSpace.HasOneConfiguration);
        Assert.True(SearchSpace.Empty.HasOneConfiguration);
    }

    [Fact]
    public void Next_ThreeFailures_RetireACandidateThatNeverSucceeded() => Assert.Equal(0, ProposalsOfB(failed: true));

    [Fact]
    public void Next_ThreeEarlyStops_DoNotRetireTheCandidate() => Assert.True(ProposalsOfB(failed: false) > 0);

    [Fact]
    public void Next_TrailerWhoseGainsDriedUp_GetsFewTrials()
    {
        // "trailer" fell from 0.5 to 0.32 in its first two trials, then needed ten more (cost 9.5) to gain 0.001;
        // "leader" is at 0.30 after one trial. Judged by its latest improvement, the trailer needs about 180 cost
        // units to catch up (judged from its first result, about 1.1, which would hand it most of the trials).
        var leader = new CentroidCandidate("leader");
        var trailer = new CentroidCandidate("trailer");
        var scheduler = new CandidateScheduler([leader, trailer], TunerKind.CostFrugal, seed: 3);
        Observe(scheduler, "leader", 0.30, 1);
        Observe(scheduler, "trailer", 0.5, 0.5);
        Observe(scheduler, "trailer", 0.32, 0.5);
        for (var i = 0; i < 9; i++)
        {
            Observe(scheduler, "trailer", 0.4, 1);
        }

        Observe(scheduler, "trailer", 0.319, 0.5);

        var toTrailer = 0;
        for (var i = 0; i < 300; i++)
        {
            toTrailer += scheduler.Next()!.Candidate.Name == "trailer" ? 1 : 0;
        }

        Assert.InRange(toTrailer, 0, 30);
    }

    private static void Observe(CandidateScheduler scheduler, string candidate, double loss, double cost) =>
        scheduler.Update(candidate, new TunerObservation([0.5, 0.5], loss, cost, true), failed: false);
}
