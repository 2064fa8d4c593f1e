using System.Globalization;
using System.Text.RegularExpressions;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Recommendation;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>
/// The trade-off sentences and tie reasons are true to their printed numbers over many random cost pairs: each ratio
/// recomputed from the printed costs rounds to the printed ratio, and each "cheaper" verdict follows from the printed
/// costs. A fraud run had read "0.094× the predict cost (0.19 vs 2.06 µs/row)", where 0.19 / 2.06 = 0.092.
/// </summary>
public sealed partial class CostSentencePropertyTests
{
    private const int Pairs = 4000;

    [GeneratedRegex(@"at (?<r>[0-9.E+-]+)× the predict cost \((?<s>[0-9.E+-]+) vs (?<g>[0-9.E+-]+) (µs/row|µs per user top-10)\)")]
    private static partial Regex PredictClause();

    [GeneratedRegex(@"and (?<r>[0-9.E+-]+)× the model size \((?<s>[0-9]+) vs (?<g>[0-9]+) bytes\)")]
    private static partial Regex SizeClause();

    [GeneratedRegex(@"cheaper model wins: \S+ \((?<a>[0-9.E+-]+) µs/row, (?<ab>[0-9]+) bytes\) over \S+ \((?<b>[0-9.E+-]+) µs/row, (?<bb>[0-9]+) bytes\)")]
    private static partial Regex CheaperWins();

    [GeneratedRegex(@"(?<verdict>it is also the cheaper|neither is clearly cheaper).*[:;] (?<a>[0-9.E+-]+) vs (?<b>[0-9.E+-]+) µs/row, (?<ab>[0-9]+) vs (?<bb>[0-9]+) bytes\)")]
    private static partial Regex BestStands();

    [Fact]
    public void CostClause_RandomCostPairs_RatiosRecomputableFromThePrintedCosts()
    {
        var random = new Random(20261207);
        for (var i = 0; i < Pairs; i++)
        {
            var (generalCost, specialisedCost) = CostPair(random);
            var (generalBytes, specialisedBytes) = BytePair(random);
            var general = Trial(0, CandidateKind.General, 0.8, generalCost, generalBytes);
            var specialised = Trial(1, CandidateKind.Specialised, 0.81, specialisedCost, specialisedBytes);
            var sentence = i % 2 == 0
                ? SweepFinisher.TradeOffSentence(ScenarioMetric.Auc, null, general, specialised, 0.01, true, new BootstrapInterval(-0.01, 0.03, 1000, 1000))
                : RecommendationAutoMl.TradeOffSentence(general, specialised, 0.01, true, -0.01, 0.03);
            var context = FormattableString.Invariant($"costs {specialisedCost:R} vs {generalCost:R}, bytes {specialisedBytes} vs {generalBytes}: {sentence}");

            var predict = PredictClause().Match(sentence);
            Assert.True(predict.Success, context);
            var (s, g) = (Number(predict.Groups["s"].Value), Number(predict.Groups["g"].Value));
            AssertFaithful(specialisedCost, predict.Groups["s"].Value, context);
            AssertFaithful(generalCost, predict.Groups["g"].Value, context);
            AssertRatio(predict.Groups["r"].Value, s, g, context);

            var size = SizeClause().Match(sentence);
            Assert.True(size.Success, context);
            Assert.Equal(specialisedBytes, long.Parse(size.Groups["s"].Value, CultureInfo.InvariantCulture));
            Assert.Equal(generalBytes, long.Parse(size.Groups["g"].Value, CultureInfo.InvariantCulture));
            AssertRatio(size.Groups["r"].Value, specialisedBytes, generalBytes, context);
        }
    }

    [Fact]
    public void BreakTie_RandomCostPairs_VerdictFollowsFromThePrintedCosts()
    {
        var random = new Random(7041);
        for (var i = 0; i < Pairs; i++)
        {
            var (generalCost, specialisedCost) = CostPair(random);
            var (generalBytes, specialisedBytes) = BytePair(random);
            var general = Trial(0, CandidateKind.General, 0.8, generalCost, generalBytes);
            var specialised = Trial(1, CandidateKind.Specialised, 0.81, specialisedCost, specialisedBytes);
            var best = i % 2 == 0 ? specialised : general;
            var comparison = new KindComparison(general, specialised, 0.01, -0.01, 0.03, 1000, WithinNoise: true, "");
            var (winner, reason) = SweepFinisher.BreakTie(best, "best validation auc (0.81)", comparison, "auc", "row", uniformTrialCost: false);
            var context = FormattableString.Invariant($"costs {specialisedCost:R} vs {generalCost:R}, bytes {specialisedBytes} vs {generalBytes}: {reason}");

            if (winner != best)
            {
                var m = CheaperWins().Match(reason);
                Assert.True(m.Success, context);
                Assert.True(IsCheaper(m, "a", "ab", "b", "bb"), context);
            }
            else
            {
                var m = BestStands().Match(reason);
                Assert.True(m.Success, context);
                Assert.True(m.Groups["verdict"].Value == "it is also the cheaper" == IsCheaper(m, "a", "ab", "b", "bb"), context);
                Assert.False(IsCheaper(m, "b", "bb", "a", "ab"), context);
            }
        }
    }

    [Theory]
    [InlineData(0.0578, "0.0578")]
    [InlineData(0.1936, "0.194")]
    [InlineData(2.0649, "2.06")]
    [InlineData(6.2, "6.20")]
    [InlineData(139.2, "139")]
    [InlineData(1234.56, "1235")]
    [InlineData(9.996, "10.00")]
    [InlineData(0, "0")]
    [InlineData(1.234e-17, "1.23E-17")]
    public void FormatCost_AtLeastThreeSignificantDigits(double cost, string expected) =>
        Assert.Equal(expected, SweepFinisher.FormatCost(cost));

    /// <summary>The printed cost is the exact one to at least three significant digits.</summary>
    private static void AssertFaithful(double exact, string printed, string context)
    {
        var value = Number(printed);
        if (exact == 0)
        {
            Assert.Equal(0, value);
            return;
        }

        Assert.True(Math.Abs(value - exact) <= 0.005 * exact, context);
    }

    /// <summary>
    /// The printed ratio is the ratio of the printed numbers to the printed ratio's precision: two decimals from 0.1
    /// up (a dropped trailing zero still means two), the decimals it shows below; relative 1e-14 for the 15 digits a
    /// huge ratio is formatted with.
    /// </summary>
    private static void AssertRatio(string printed, double specialised, double general, string context)
    {
        var ratio = Number(printed);
        var expected = general == 0 ? (specialised == 0 ? 1 : double.NaN) : specialised / general;
        Assert.False(double.IsNaN(expected), context);
        var dot = printed.IndexOf('.', StringComparison.Ordinal);
        var decimals = dot < 0 ? 0 : printed.Length - dot - 1;
        var tolerance = (0.5 * Math.Pow(10, -Math.Max(2, decimals)) * (1 + 1e-9)) + (1e-14 * expected);
        Assert.True(Math.Abs(ratio - expected) <= tolerance, $"{printed}× vs {expected:R} recomputed; {context}");
    }

    /// <summary>The tie rule on printed numbers: over 25 % cheaper in one measure, not over 25 % costlier in the other.</summary>
    private static bool IsCheaper(Match m, string time, string bytes, string otherTime, string otherBytes)
    {
        var (t, b) = (Number(m.Groups[time].Value), Number(m.Groups[bytes].Value));
        var (ot, ob) = (Number(m.Groups[otherTime].Value), Number(m.Groups[otherBytes].Value));
        var faster = t < 0.8 * ot;
        var smaller = b < 0.8 * ob;
        var slower = ot < 0.8 * t;
        var larger = ob < 0.8 * b;
        return (faster || smaller) && !slower && !larger;
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// Predict costs (µs) from tiny to huge, equal, on either side of a printing round-off, and near the tie rule's
    /// 0.8 boundary; never a general cost of 0, which gives no ratio (TradeOffSentenceTests covers that).
    /// </summary>
    private static (double General, double Specialised) CostPair(Random random)
    {
        var general = Math.Pow(10, -9 + (21 * random.NextDouble()));
        var specialised = (random.Next(6)) switch
        {
            0 => general,
            1 => general * 0.8 * (1 + ((random.NextDouble() - 0.5) * 0.02)),
            2 => general / 0.8 * (1 + ((random.NextDouble() - 0.5) * 0.02)),
            3 => 0,
            4 => Math.Round(general, 2) + 0.005,
            _ => Math.Pow(10, -9 + (21 * random.NextDouble())),
        };
        if (random.Next(4) == 0)
        {
            // Everyday costs: a few hundredths to a few µs/row, where two decimals used to swallow the ratio.
            general = 0.01 + (3 * random.NextDouble());
            specialised = 0.01 + (3 * random.NextDouble());
        }

        return (general, specialised);
    }

    private static (long General, long Specialised) BytePair(Random random)
    {
        var general = (long)Math.Pow(10, 1 + (11 * random.NextDouble()));
        var specialised = random.Next(4) switch
        {
            0 => general,
            1 => (long)(general * 0.8) + random.Next(-2, 3),
            _ => (long)Math.Pow(10, 1 + (11 * random.NextDouble())),
        };
        return (general, Math.Max(0, specialised));
    }

    private static TrialRecord Trial(int index, CandidateKind kind, double score, double microseconds, long bytes) =>
        TradeOffSentenceTests.Trial(index, kind, score, microseconds, bytes);
}
