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

    [Fact]
    public void Next_ThreeFailures_RetireACandidateThatNeverSucceeded() => Assert.Equal(0, ProposalsOfB(failed: true));

    [Fact]
    public void Next_ThreeEarlyStops_DoNotRetireTheCandidate() => Assert.True(ProposalsOfB(failed: false) > 0);
}
