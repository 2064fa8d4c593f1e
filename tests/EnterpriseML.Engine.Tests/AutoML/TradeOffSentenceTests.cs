using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Recommendation;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>The general vs specialised sentence says what its numbers say, whatever the metric's direction or the costs.</summary>
public sealed class TradeOffSentenceTests
{
    private static readonly BootstrapInterval Interval = new(-0.01, 0.03, 1000, 1000);

    /// <summary>A succeeded trial with the costs the sentences compare (also used by <see cref="CostSentencePropertyTests"/>).</summary>
    internal static TrialRecord Trial(int index, CandidateKind kind, double score, double microseconds, long bytes) => new()
    {
        Index = index,
        Candidate = kind == CandidateKind.General ? "gen" : "spec",
        Kind = kind,
        Trainer = "t",
        Point = [],
        Parameters = [],
        Status = TrialStatus.Succeeded,
        ValidationScore = score,
        PredictMicrosecondsPerRow = microseconds,
        ModelBytes = bytes,
    };

    private static string Sentence(ScenarioMetric metric, double general, double specialised, double generalMicroseconds = 2,
        double specialisedMicroseconds = 6.2, long generalBytes = 1000, long specialisedBytes = 500) =>
        SweepFinisher.TradeOffSentence(metric, null,
            Trial(0, CandidateKind.General, general, generalMicroseconds, generalBytes),
            Trial(1, CandidateKind.Specialised, specialised, specialisedMicroseconds, specialisedBytes),
            specialised - general, withinNoise: true, Interval);

    [Theory]
    [InlineData("auc", 0.80, 0.821, "+0.021 auc", "better")]
    [InlineData("auc", 0.80, 0.779, "-0.021 auc", "worse")]
    [InlineData("rmse", 1.5, 1.25, "-0.25 rmse", "better")]
    [InlineData("rmse", 1.25, 1.5, "+0.25 rmse", "worse")]
    [InlineData("logLoss", 0.40, 0.35, "-0.05 logLoss", "better")]
    [InlineData("auc", 0.8, 0.8, "is 0 auc", "equal")]
    public void Sentence_DirectionOfTheMetric_VerdictMatchesTheSignedDifference(string metricName, double general, double specialised, string difference, string verdict)
    {
        var metric = metricName switch { "rmse" => ScenarioMetric.Rmse, "logLoss" => ScenarioMetric.LogLoss, _ => ScenarioMetric.Auc };
        var sentence = Sentence(metric, general, specialised);
        Assert.Contains(difference, sentence, StringComparison.Ordinal);
        Assert.Contains($"({verdict}, within noise", sentence, StringComparison.Ordinal);
        Assert.Contains("at 3.1× the predict cost (6.20 vs 2.00 µs/row) and 0.5× the model size (500 vs 1000 bytes)", sentence, StringComparison.Ordinal);
    }

    /// <summary>A real difference below 0.00005 read "is 0 auc … (better, …)"; it now keeps two significant digits.</summary>
    [Theory]
    [InlineData(0.80003, "+3E-5 auc", "better")]
    [InlineData(0.799968, "-3.2E-5 auc", "worse")]
    public void Sentence_DifferenceBelowFourDecimals_IsNotWrittenAsZero(double specialised, string difference, string verdict)
    {
        var sentence = Sentence(ScenarioMetric.Auc, 0.8, specialised);
        Assert.Contains($"is {difference} vs general gen ({verdict},", sentence, StringComparison.Ordinal);
    }

    /// <summary>
    /// The re-evaluated scores and the interval are written as the report writes scores and differences: an RMSE in
    /// ten-millionths read "within noise (95% CI [0, 0])" and "scores 0 vs 0", and an AUPRC of 0.157 beside the
    /// leaderboard's 0.1570 read "0.157".
    /// </summary>
    [Theory]
    [InlineData("rmse", 4.2e-8, 3.9e-8, -5e-9, -1e-9, "-3E-9 rmse vs general gen (better, within noise (95% CI [-5E-9, -1E-9])) at", "; scores 3.9E-08 vs 4.2E-08 on the selection re-evaluation (5-fold CV).")]
    [InlineData("auprc", 0.157, 0.1561, -0.0071, 0.0065, "-0.0009 auprc vs general gen (worse, within noise (95% CI [-0.0071, +0.0065])) at", "; scores 0.1561 vs 0.1570 on the selection re-evaluation (5-fold CV).")]
    public void Sentence_SmallOrRoundScores_WrittenAsTheReportWritesThem(string metricName, double general, double specialised, double lower, double upper, string difference, string scores)
    {
        var metric = metricName == "rmse" ? ScenarioMetric.Rmse : ScenarioMetric.Auprc;
        var sentence = SweepFinisher.TradeOffSentence(metric, "on the selection re-evaluation (5-fold CV)",
            Trial(0, CandidateKind.General, general, 2, 1000),
            Trial(1, CandidateKind.Specialised, specialised, 6.2, 500),
            specialised - general, withinNoise: true, new BootstrapInterval(lower, upper, 1000, 1000));
        Assert.Contains(difference, sentence, StringComparison.Ordinal);
        Assert.EndsWith(scores, sentence, StringComparison.Ordinal);
    }

    /// <summary>
    /// Costs that give no ratio. Before, the predict ratio divided by max(1e-9, general): two costs of 0 read "0.0×"
    /// (not equal), a general cost of 0 "6200000000.0×" and an unmeasured (NaN) one "NaN×"; a general model of
    /// 0 bytes made the size ratio the specialised model's byte count.
    /// </summary>
    [Theory]
    [InlineData(0.0, 0.0, 1000L, 500L, "at 1.0× the predict cost (0 vs 0 µs/row) and 0.5× the model size (500 vs 1000 bytes)")]
    [InlineData(0.0, 6.2, 1000L, 500L, "at a predict cost of 6.20 vs 0 µs/row (no ratio) and 0.5× the model size (500 vs 1000 bytes)")]
    [InlineData(double.NaN, 6.2, 1000L, 500L, "at a predict cost of 6.20 vs unmeasured µs/row (no ratio) and 0.5× the model size (500 vs 1000 bytes)")]
    [InlineData(2.0, 2.0, 0L, 500L, "at 1.0× the predict cost (2.00 vs 2.00 µs/row) and a model size of 500 vs 0 bytes (no ratio)")]
    [InlineData(2.0, 2.0, 0L, 0L, "at 1.0× the predict cost (2.00 vs 2.00 µs/row) and 1.0× the model size (0 vs 0 bytes)")]
    public void Sentence_ZeroOrUnmeasuredCosts_NoFalseRatio(double generalMicroseconds, double specialisedMicroseconds, long generalBytes, long specialisedBytes, string expected)
    {
        var sentence = Sentence(ScenarioMetric.Auc, 0.8, 0.82, generalMicroseconds, specialisedMicroseconds, generalBytes, specialisedBytes);
        Assert.Contains(expected, sentence, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void RecommendationSentence_GeneralCostZero_NoFalseRatio()
    {
        var sentence = RecommendationAutoMl.TradeOffSentence(
            Trial(0, CandidateKind.General, 0.3, 0, 1000), Trial(1, CandidateKind.Specialised, 0.30001, 4, 1000), 0.00001, true, -0.02, 0.04);
        Assert.Contains("is +1E-5 ndcgAt10", sentence, StringComparison.Ordinal);
        Assert.Contains("at a predict cost of 4.00 vs 0 µs per user top-10 (no ratio)", sentence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, 0.0, 1.0)]
    [InlineData(6.2, 2.0, 3.1)]
    [InlineData(6.2, 0.0, null)]
    [InlineData(double.NaN, 2.0, null)]
    [InlineData(2.0, double.PositiveInfinity, null)]
    public void CostRatio_OnlyWhenBothCostsGiveOne(double specialised, double general, double? expected)
    {
        var ratio = SweepFinisher.CostRatio(specialised, general);
        Assert.Equal(expected is null, ratio is null);
        if (expected is { } e)
        {
            Assert.Equal(e, ratio!.Value, 12);
        }
    }
}
