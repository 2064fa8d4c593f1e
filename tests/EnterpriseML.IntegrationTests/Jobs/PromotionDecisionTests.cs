using System.Text.Json.Nodes;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Jobs;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>The champion/challenger rule and the promotion policy's validation (no I/O).</summary>
public sealed class PromotionDecisionTests
{
    [Theory]
    [InlineData(0.80, 0.75, 0.01, true)]
    [InlineData(0.76, 0.75, 0.01, true)]
    [InlineData(0.755, 0.75, 0.01, false)]
    [InlineData(0.70, 0.75, 0.0, false)]
    [InlineData(0.75, 0.75, 0.0, false)]
    [InlineData(0.7501, 0.75, 0.0, true)]
    public void Decide_HigherIsBetter_PromotesOnlyByTheMinimum(double challenger, double champion, double minimum, bool promote)
    {
        var d = PromotionDecision.Decide(ScenarioMetric.Auc, 1, champion, 2, challenger, minimum, 200, "transactions");
        Assert.Equal(promote, d.Promote);
        Assert.Equal(challenger - champion, d.Improvement!.Value, 12);
        Assert.Contains(promote ? "v2 promoted to champion" : "champion v1 kept, v2 stays a candidate", d.Sentence, StringComparison.Ordinal);
        Assert.Contains("higher is better", d.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Rmse_LowerIsBetter()
    {
        var better = PromotionDecision.Decide(ScenarioMetric.Rmse, 3, 120.0, 4, 100.0, 5.0, 50, "prices");
        Assert.True(better.Promote);
        Assert.Equal(20.0, better.Improvement!.Value, 12);
        Assert.Contains("lower is better", better.Sentence, StringComparison.Ordinal);
        Assert.Contains("rmse 100.0000 vs champion v3 120.0000", better.Sentence, StringComparison.Ordinal);

        var worse = PromotionDecision.Decide(ScenarioMetric.Rmse, 3, 100.0, 4, 120.0, 5.0, 50, "prices");
        Assert.False(worse.Promote);
        Assert.Equal(-20.0, worse.Improvement!.Value, 12);
        Assert.Contains("improvement -20.0000 < minimum 5.0000", worse.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_NaNScore_NeverPromotes()
    {
        var d = PromotionDecision.Decide(ScenarioMetric.Auc, 1, 0.7, 2, double.NaN, 0, 200, "t");
        Assert.False(d.Promote);
        Assert.Null(d.Improvement);
        Assert.Contains("not a number", d.Sentence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"metric":"nope"}""", "promotion.metric")]
    [InlineData("""{"minimumImprovement":-0.1}""", "promotion.minimumImprovement")]
    [InlineData("""{"evaluateOn":"test-set"}""", "promotion.evaluateOn")]
    [InlineData("""{"minimumImprovement":"lots"}""", "promotion")]
    public void PromotionPolicyParse_Invalid_NamesTheField(string json, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => PromotionPolicy.Parse(JsonNode.Parse(json)!.AsObject()));
        Assert.StartsWith(field + ": ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PromotionPolicyParse_Defaults_ScenarioMetricNoMinimum()
    {
        var p = PromotionPolicy.Parse(null);
        Assert.Null(p.Metric);
        Assert.Equal(0, p.MinimumImprovement);
        Assert.Equal("latest-dataset-holdout", p.EvaluateOn);
    }
}
