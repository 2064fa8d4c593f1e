using EnterpriseML.Engine.Evaluation;

namespace EnterpriseML.Engine.Tests.Evaluation;

public sealed class BinaryMetricsTests
{
    [Fact]
    public void Compute_HandExample_MatchesHandComputation()
    {
        // Scores (label): 0.9(1) 0.8(0) 0.7(1) 0.7(0) 0.3(1) 0.1(0). Pairs (pos, neg) ranked correctly:
        // 0.9 beats 3 negatives; 0.7 beats 0.1 and ties 0.7 (½); 0.3 beats 0.1 → U = 3 + 1.5 + 1 = 5.5; AUC = 5.5/9.
        // AP: thresholds 0.9 (R=1/3, P=1), 0.8 (R=1/3), 0.7 (R=2/3, P=2/4), 0.3 (R=1, P=3/5), 0.1 (R=1)
        //   = 1/3·1 + 1/3·1/2 + 1/3·3/5 = 0.7. At 0.5: TP=2, FP=2, TN=1, FN=1.
        // KS: TPR−FPR after each threshold: 1/3−0, 1/3−1/3, 2/3−2/3, 1−2/3, 1−1 → 1/3.
        float[] labels = [1, 0, 1, 0, 1, 0];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.7f, 0.3f, 0.1f];

        var metrics = BinaryMetrics.Compute(labels, scores);

        Assert.Equal(5.5 / 9, metrics.Auc, 12);
        Assert.Equal(0.7, metrics.Auprc, 12);
        Assert.Equal(3.0 / 6, metrics.Accuracy, 12);
        Assert.Equal(0.5, metrics.Precision, 12);
        Assert.Equal(2.0 / 3, metrics.Recall, 12);
        Assert.Equal(2 * 0.5 * (2.0 / 3) / (0.5 + (2.0 / 3)), metrics.F1, 12);
        Assert.Equal(1.0 / 3, metrics.Ks, 12);
        Assert.Equal((2 * 5.5 / 9) - 1, metrics.Gini, 12);
        var logLoss = -(Math.Log(0.9f) + Math.Log(1 - (double)0.8f) + Math.Log(0.7f) + Math.Log(1 - (double)0.7f) + Math.Log(0.3f) + Math.Log(1 - (double)0.1f)) / 6;
        Assert.Equal(logLoss, metrics.LogLoss, 12);
        Assert.Equal(0.5, metrics.Threshold);
    }

    [Fact]
    public void Compute_TiedScoresBuilder_MatchesScikitLearn()
    {
        // scikit-learn 1.2.1 on the same data (MetricsReferenceData.Binary rebuilt with numpy float32):
        //   y = [1 if (i*7919 % 13) < 4 else 0 for i in range(1000)]
        //   p = [np.float32((((i*104729) % 37) + 15*y[i]) / 51.0) for i in range(1000)]
        //   roc_auc_score, average_precision_score, log_loss, accuracy/f1/precision/recall of p >= 0.5,
        //   max(abs(tpr - fpr)) of roc_curve(drop_intermediate=False).
        var (labels, scores) = MetricsReferenceData.Binary();

        var metrics = BinaryMetrics.Compute(labels, scores);

        Assert.Equal(0.823270118609714, metrics.Auc, 12);
        Assert.Equal(0.7324854024314285, metrics.Auprc, 12);
        Assert.Equal(0.49320780243350665, metrics.LogLoss, 12);
        Assert.Equal(0.702, metrics.Accuracy, 12);
        Assert.Equal(0.5917808219178082, metrics.F1, 12);
        Assert.Equal(0.5118483412322274, metrics.Precision, 12);
        Assert.Equal(0.7012987012987013, metrics.Recall, 12);
        Assert.Equal(0.4078147286239772, metrics.Ks, 12);
        Assert.Equal((2 * 0.823270118609714) - 1, metrics.Gini, 12);
    }

    [Fact]
    public void Compute_PerfectAndReversedRanking_GivesExtremes()
    {
        float[] labels = [0, 0, 1, 1];

        var perfect = BinaryMetrics.Compute(labels, [0.1f, 0.2f, 0.8f, 0.9f]);
        var reversed = BinaryMetrics.Compute(labels, [0.9f, 0.8f, 0.2f, 0.1f]);
        var constant = BinaryMetrics.Compute(labels, [0.5f, 0.5f, 0.5f, 0.5f]);

        Assert.Equal((1.0, 1.0, 1.0, 1.0), (perfect.Auc, perfect.Auprc, perfect.Ks, perfect.Gini));
        Assert.Equal((0.0, -1.0), (reversed.Auc, reversed.Gini));
        Assert.Equal((0.5, 0.5, 0.0), (constant.Auc, constant.Auprc, constant.Ks));
    }

    [Fact]
    public void Compute_ExtremeProbabilities_LogLossIsClippedAndFinite()
    {
        var metrics = BinaryMetrics.Compute([1, 0], [0f, 1f]);

        // Both rows are confidently wrong; each costs −ln(1e-15) (up to the double rounding of 1 − 1e-15).
        Assert.Equal((-Math.Log(1e-15) - Math.Log(1 - (1 - 1e-15))) / 2, metrics.LogLoss, 12);
    }

    [Fact]
    public void Compute_OneClass_RankMetricsAreNaN()
    {
        var metrics = BinaryMetrics.Compute([0, 0, 0], [0.1f, 0.7f, 0.2f]);

        Assert.True(double.IsNaN(metrics.Auc));
        Assert.True(double.IsNaN(metrics.Auprc));
        Assert.True(double.IsNaN(metrics.Ks));
        Assert.Equal(2.0 / 3, metrics.Accuracy, 12);
        Assert.Equal(0, metrics.Precision);
    }

    [Fact]
    public void Compute_Threshold_MovesCountingMetricsOnly()
    {
        var (labels, scores) = MetricsReferenceData.Binary();

        var low = BinaryMetrics.Compute(labels, scores, 0.1f);
        var high = BinaryMetrics.Compute(labels, scores, 0.9f);

        Assert.Equal(low.Auc, high.Auc);
        Assert.True(low.Recall > high.Recall);
        Assert.Equal(0.9f, (float)high.Threshold);
    }

    [Fact]
    public void Compute_InvalidInputs_NameTheArgument()
    {
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([], [])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([0, 1], [0.5f])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([0, 2], [0.5f, 0.5f])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([0, 1], [0.5f, float.NaN])).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => BinaryMetrics.Compute([0, 1], [0.5f, 0.5f], 1.5f)).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => BinaryMetrics.Compute([0, 1], [0.5f, 0.5f], float.NaN)).ParamName);
    }

    [Fact]
    public void Compute_ShuffledInput_SameResult()
    {
        var (labels, scores) = MetricsReferenceData.Binary();
        var order = Enumerable.Range(0, labels.Length).Reverse().ToArray();

        var forward = BinaryMetrics.Compute(labels, scores);
        var backward = BinaryMetrics.Compute(order.Select(i => labels[i]).ToArray(), order.Select(i => scores[i]).ToArray());

        Assert.Equal(forward, backward);
    }
}
