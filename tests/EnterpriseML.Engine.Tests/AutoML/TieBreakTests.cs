using EnterpriseML.Engine.AutoML;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>Which of two tied models is the cheaper one (the winner of a tie within noise).</summary>
public sealed class TieBreakTests
{
    private static TrialRecord Model(int index, double microseconds, long bytes) => new()
    {
        Index = index,
        Candidate = $"m{index}",
        Kind = CandidateKind.General,
        Trainer = "t",
        Point = [],
        Parameters = [],
        Status = TrialStatus.Succeeded,
        PredictMicrosecondsPerRow = microseconds,
        ModelBytes = bytes,
    };

    [Theory]
    [InlineData(2.0, 1_000, 10.0, 50_000, 0)] // faster and smaller
    [InlineData(10.0, 1_000, 2.0, 50_000, -1)] // faster but 50× larger: neither
    [InlineData(1.16, 4_000_000, 1.47, 463_000, -1)] // 21 % faster, 8.6× larger (a fraud-caravan tie): neither
    [InlineData(5.0, 1_000, 5.5, 50_000, 0)] // same speed within 25 %, smaller
    [InlineData(5.0, 50_000, 20.0, 55_000, 0)] // 4× faster, size within 25 %
    [InlineData(5.0, 50_000, 5.5, 55_000, -1)] // about the same cost on both
    [InlineData(50.0, 9_000, 5.0, 9_000, 1)] // slower, same size
    public void Cheaper_NeedsToBeNoCostlierInEitherMeasure(double aMicroseconds, long aBytes, double bMicroseconds, long bBytes, int expected)
    {
        var a = Model(0, aMicroseconds, aBytes);
        var b = Model(1, bMicroseconds, bBytes);

        var cheaper = SweepFinisher.Cheaper(a, b, uniformTrialCost: false);

        Assert.Equal(expected, cheaper is null ? -1 : cheaper.Index);
        Assert.Same(cheaper, SweepFinisher.Cheaper(b, a, uniformTrialCost: false)); // symmetric
    }

    [Fact]
    public void Cheaper_Reproducible_IgnoresTimingsAndTakesTheSmallerModel()
    {
        var fastLarge = Model(0, 1.0, 90_000);
        var slowSmall = Model(1, 500.0, 80_000);

        Assert.Same(slowSmall, SweepFinisher.Cheaper(fastLarge, slowSmall, uniformTrialCost: true));
        Assert.Same(fastLarge, SweepFinisher.Cheaper(fastLarge, Model(2, 500.0, 90_000), uniformTrialCost: true)); // equal sizes: the earlier trial
    }
}
