using EnterpriseML.Engine.Evaluation;

namespace EnterpriseML.Engine.Tests.Evaluation;

public sealed class CurvesTests
{
    [Fact]
    public void Roc_HandExample_OnePointPerDistinctScore()
    {
        float[] labels = [1, 0, 1, 0, 1, 0];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.7f, 0.3f, 0.1f];

        var roc = Curves.Roc(labels, scores);

        Assert.Equal(
            [
                new RocPoint(0, 0, float.PositiveInfinity),
                new RocPoint(0, 1.0 / 3, 0.9f),
                new RocPoint(1.0 / 3, 1.0 / 3, 0.8f),
                new RocPoint(2.0 / 3, 2.0 / 3, 0.7f),
                new RocPoint(2.0 / 3, 1, 0.3f),
                new RocPoint(1, 1, 0.1f),
            ],
            roc);
    }

    [Fact]
    public void Roc_TrapezoidArea_EqualsAuc()
    {
        // scikit-learn 1.2.1's roc_curve(drop_intermediate=False) gives 53 points on this data (52 distinct scores).
        var (labels, scores) = MetricsReferenceData.Binary();

        var roc = Curves.Roc(labels, scores, maxPoints: 1000);
        var area = 0.0;
        for (var i = 1; i < roc.Length; i++)
        {
            area += (roc[i].FalsePositiveRate - roc[i - 1].FalsePositiveRate) * (roc[i].TruePositiveRate + roc[i - 1].TruePositiveRate) / 2;
        }

        Assert.Equal(53, roc.Length);
        Assert.Equal(BinaryMetrics.Compute(labels, scores).Auc, area, 12);
    }

    [Fact]
    public void PrecisionRecall_StepSum_EqualsAveragePrecision()
    {
        // scikit-learn 1.2.1's precision_recall_curve gives 53 points on this data.
        var (labels, scores) = MetricsReferenceData.Binary();

        var curve = Curves.PrecisionRecall(labels, scores, maxPoints: 1000);
        var ap = 0.0;
        for (var i = 1; i < curve.Length; i++)
        {
            ap += (curve[i].Recall - curve[i - 1].Recall) * curve[i].Precision;
        }

        Assert.Equal(53, curve.Length);
        Assert.Equal(new PrecisionRecallPoint(0, 1, float.PositiveInfinity), curve[0]);
        Assert.Equal(1, curve[^1].Recall);
        Assert.Equal(BinaryMetrics.Compute(labels, scores).Auprc, ap, 12);
    }

    [Fact]
    public void Roc_MaxPoints_ThinsKeepingEnds()
    {
        var (labels, scores) = MetricsReferenceData.Binary();

        var roc = Curves.Roc(labels, scores, maxPoints: 10);

        Assert.Equal(10, roc.Length);
        Assert.Equal((0.0, 0.0), (roc[0].FalsePositiveRate, roc[0].TruePositiveRate));
        Assert.Equal((1.0, 1.0), (roc[^1].FalsePositiveRate, roc[^1].TruePositiveRate));
        for (var i = 1; i < roc.Length; i++)
        {
            Assert.True(roc[i].FalsePositiveRate >= roc[i - 1].FalsePositiveRate);
            Assert.True(roc[i].TruePositiveRate >= roc[i - 1].TruePositiveRate);
        }
    }

    [Fact]
    public void Curves_InvalidArguments_Throw()
    {
        Assert.Equal("maxPoints", Assert.Throws<ArgumentOutOfRangeException>(() => Curves.Roc([0, 1], [0.1f, 0.2f], 1)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Curves.Roc([1, 1], [0.1f, 0.2f])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => Curves.PrecisionRecall([0, 0], [0.1f, 0.2f])).ParamName);
    }
}
