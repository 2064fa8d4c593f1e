using System.Diagnostics;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

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
    public void BreakTie_SubMicrosecondCosts_QuotedWithTheirSignificantDigits()
    {
        // fraud-sensor's forest and cost-sensitive GBDT predict in 0.0516 and 0.0578 µs/row; two decimals wrote
        // "0.05 vs 0.06", a 1.2× gap, beside the sentence's 1.12× ratio. Costs keep three significant digits.
        var general = Model(0, 0.0516, 35_480);
        var specialised = Model(1, 0.0578, 29_456) with { Kind = CandidateKind.Specialised };
        var comparison = new KindComparison(general, specialised, -0.038, -0.126, 0, 305, WithinNoise: true, "");
        var (winner, reason) = SweepFinisher.BreakTie(general, "best validation auprc (1)", comparison, "auprc", "row", uniformTrialCost: false);
        Assert.Same(general, winner);
        Assert.Contains("0.0516 vs 0.0578 µs/row, 35480 vs 29456 bytes", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BreakTie_IntervalBelowFourDecimals_NotWrittenAsZeros()
    {
        // An RMSE in ten-millionths: the interval read "95% bootstrap CI [0, 0] contains 0".
        var general = Model(0, 2.0, 50_000);
        var specialised = Model(1, 20.0, 55_000) with { Kind = CandidateKind.Specialised };
        var comparison = new KindComparison(general, specialised, -1e-9, -5e-9, 2e-9, 1000, WithinNoise: true, "");
        var (winner, reason) = SweepFinisher.BreakTie(specialised, "best validation rmse (3.9E-08)", comparison, "rmse", "row", uniformTrialCost: false);
        Assert.Same(general, winner);
        Assert.Contains("95% bootstrap CI [-5E-9, +2E-9] contains 0", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RecommendationTradeOffSentence_SmallCosts_QuotedWithTheirSignificantDigits()
    {
        // The recommendation sweep's sentence wrote its costs with two decimals as the tabular one did: "0.05 vs 0.06"
        // beside 0.89×.
        var general = Model(0, 0.0578, 4_000);
        var specialised = Model(1, 0.0516, 2_000) with { Kind = CandidateKind.Specialised };
        var sentence = EnterpriseML.Engine.Scenarios.Recommendation.RecommendationAutoMl.TradeOffSentence(general, specialised, 0.01, true, -0.02, 0.04);
        Assert.Contains("at 0.89× the predict cost (0.0516 vs 0.0578 µs per user top-10) and 0.5× the model size (2000 vs 4000 bytes)", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void RecommendationTradeOffSentence_IntervalBelowFourDecimals_NotWrittenAsZeros()
    {
        // NDCG@10 on sparse data differs in the fifth decimal: the interval read "95% CI [0, 0]", as the tabular one did.
        var general = Model(0, 0.0578, 4_000);
        var specialised = Model(1, 0.0516, 2_000) with { Kind = CandidateKind.Specialised };
        var sentence = EnterpriseML.Engine.Scenarios.Recommendation.RecommendationAutoMl.TradeOffSentence(general, specialised, 1e-6, true, -4e-6, 3e-6);
        Assert.Contains("within noise (95% CI [-4E-6, +3E-6] over validation users)", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Cheaper_Reproducible_IgnoresTimingsAndTakesTheSmallerModel()
    {
        var fastLarge = Model(0, 1.0, 90_000);
        var slowSmall = Model(1, 500.0, 80_000);

        Assert.Same(slowSmall, SweepFinisher.Cheaper(fastLarge, slowSmall, uniformTrialCost: true));
        Assert.Same(fastLarge, SweepFinisher.Cheaper(fastLarge, Model(2, 500.0, 90_000), uniformTrialCost: true)); // equal sizes: the earlier trial
    }

    [Fact]
    public void ChooseWinner_TieWithinNoise_GoesToTheClearlyCheaperModel_ElseTheBetterScoreStands()
    {
        var train = TestData.CreditGerman;
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate(), new CentroidCandidate("centroid-special", CandidateKind.Specialised)]);
        var request = new SweepRequest(train, plan, "credit");
        var settings = SweepSettings.From(new SweepOptions { Seed = 1 });
        var executor = new TrialExecutor(request, ValidationSplit.Create(train, ValidationPolicy.Auto, 1), settings);
        var finisher = new SweepFinisher(settings, request, executor, ScenarioMetric.Auc, TimeProvider.System, Stopwatch.GetTimestamp());

        // Two weak, nearly identical scorers of the validation rows: their AUCs differ by far less than the noise.
        var labels = executor.ValidationLabels;
        var random = new Random(7);
        var general = new float[labels.Length];
        var specialised = new float[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            general[i] = (0.2f * labels[i]) + (float)random.NextDouble();
            specialised[i] = general[i] + (0.02f * (float)random.NextDouble());
        }

        TrialRecord Record(int index, string name, CandidateKind kind, float[] scores, double microseconds, long bytes) => new()
        {
            Index = index, Candidate = name, Kind = kind, Trainer = name, Point = [], Parameters = [], Status = TrialStatus.Succeeded,
            ValidationScore = ScenarioMetric.Auc.Compute(labels, scores), PredictMicrosecondsPerRow = microseconds, ModelBytes = bytes,
        };

        var vectors = new Dictionary<int, float[]> { [0] = general, [1] = specialised };
        var g = Record(0, "g", CandidateKind.General, general, 10, 10_000);
        var s = Record(1, "s", CandidateKind.Specialised, specialised, 10, 10_000);
        Assert.NotEqual(g.ValidationScore, s.ValidationScore);
        var better = ScenarioMetric.Auc.IsBetter(s.ValidationScore, g.ValidationScore);

        // The worse of the two predicts 5× faster: when it is also no larger it wins the tie; when it is 5× larger, it does not.
        (double Microseconds, long Bytes) fastSmall = (2, 10_000), fastLarge = (2, 50_000);
        foreach (var (cost, worseWins) in new[] { (fastSmall, true), (fastLarge, false) })
        {
            var (gCost, sCost) = better ? (cost, (10.0, 10_000L)) : ((10.0, 10_000L), cost);
            var gRecord = g with { PredictMicrosecondsPerRow = gCost.Item1, ModelBytes = gCost.Item2 };
            var sRecord = s with { PredictMicrosecondsPerRow = sCost.Item1, ModelBytes = sCost.Item2 };
            var (best, worse) = better ? (sRecord, gRecord) : (gRecord, sRecord);

            var (winner, reason, comparison) = finisher.ChooseWinner(new Dictionary<string, TrialRecord> { ["g"] = gRecord, ["s"] = sRecord }, vectors);

            Assert.True(comparison!.WithinNoise, $"[{comparison.Lower}, {comparison.Upper}]");
            if (worseWins)
            {
                Assert.Same(worse, winner);
                Assert.StartsWith("tie within noise", reason, StringComparison.Ordinal);
            }
            else
            {
                Assert.Same(best, winner);
                Assert.Contains("neither is clearly cheaper", reason, StringComparison.Ordinal);
                Assert.EndsWith("so the better score stands", reason, StringComparison.Ordinal);
            }
        }
    }
}
