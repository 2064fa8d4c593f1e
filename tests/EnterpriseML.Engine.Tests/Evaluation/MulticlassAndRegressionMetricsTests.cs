using EnterpriseML.Engine.Evaluation;

namespace EnterpriseML.Engine.Tests.Evaluation;

public sealed class MulticlassMetricsTests
{
    [Fact]
    public void Compute_HandExample_MatchesHandComputation()
    {
        // Rows (label → argmax): 0→0, 0→1, 1→1, 2→2, 2→0. Recall: class 0 1/2, class 1 1, class 2 1/2 → macro 2/3.
        // Precision: class 0 1/2, class 1 1/2, class 2 1 → F1: 1/2, 2/3, 2/3 → macro 11/18.
        float[] labels = [0, 0, 1, 2, 2];
        float[] probabilities =
        [
            0.7f, 0.2f, 0.1f,
            0.3f, 0.6f, 0.1f,
            0.1f, 0.8f, 0.1f,
            0.2f, 0.2f, 0.6f,
            0.5f, 0.1f, 0.4f,
        ];

        var metrics = MulticlassMetrics.Compute(labels, probabilities, 3);

        Assert.Equal(0.6, metrics.Accuracy, 12);
        Assert.Equal(2.0 / 3, metrics.MacroAccuracy, 12);
        Assert.Equal(11.0 / 18, metrics.MacroF1, 12);
        var logLoss = -(Math.Log(0.7f) + Math.Log(0.3f) + Math.Log(0.8f) + Math.Log(0.6f) + Math.Log(0.4f)) / 5;
        Assert.Equal(logLoss, metrics.LogLoss, 12);
        Assert.Equal([[1, 1, 0], [0, 1, 0], [1, 0, 1]], metrics.ConfusionMatrix);
    }

    [Fact]
    public void Compute_Builder_MatchesScikitLearn()
    {
        // scikit-learn 1.2.1 on MetricsReferenceData.Multiclass rebuilt in numpy float32:
        //   lab = [((i*31) % 7) % 3 for i in range(300)]; a_k = 1 + ((i*(k+3)*17) % 11) + (6 if lab[i]==k else 0);
        //   P[i,k] = np.float32(a_k / sum(a)); accuracy_score, balanced_accuracy_score, log_loss(labels=[0,1,2]),
        //   f1_score(average="macro"), confusion_matrix of argmax(P).
        var (labels, probabilities) = MetricsReferenceData.Multiclass();

        var metrics = MulticlassMetrics.Compute(labels, probabilities, 3);

        Assert.Equal(0.8433333333333334, metrics.Accuracy, 12);
        Assert.Equal(0.8471804225566196, metrics.MacroAccuracy, 12);
        Assert.Equal(0.6834887237773153, metrics.LogLoss, 6); // scikit-learn renormalises float32 rows
        Assert.Equal(0.8429278588531082, metrics.MacroF1, 12);
        Assert.Equal([[106, 11, 12], [8, 77, 0], [8, 8, 70]], metrics.ConfusionMatrix);
    }

    [Fact]
    public void Compute_AbsentClass_ExcludedFromMacroAverages()
    {
        // Class 2 never occurs nor is predicted: the macro averages are over classes 0 and 1 only.
        var metrics = MulticlassMetrics.Compute([0, 1], [0.9f, 0.05f, 0.05f, 0.1f, 0.8f, 0.1f], 3);

        Assert.Equal((1.0, 1.0, 1.0), (metrics.Accuracy, metrics.MacroAccuracy, metrics.MacroF1));
    }

    [Fact]
    public void Compute_InvalidInputs_NameTheArgument()
    {
        Assert.Equal("classCount", Assert.Throws<ArgumentOutOfRangeException>(() => MulticlassMetrics.Compute([0], [1f], 1)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => MulticlassMetrics.Compute([], [], 2)).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => MulticlassMetrics.Compute([0], [1f], 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => MulticlassMetrics.Compute([2], [0.5f, 0.5f], 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => MulticlassMetrics.Compute([0.5f], [0.5f, 0.5f], 2)).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => MulticlassMetrics.Compute([0], [float.NaN, 0.5f], 2)).ParamName);
    }
}

public sealed class RegressionMetricsTests
{
    [Fact]
    public void Compute_HandExample_MatchesHandComputation()
    {
        // Errors 0, −1, 2 → RMSE √(5/3), MAE 1; labels 1, 2, 3 have SS_tot = 2 → R² = 1 − 5/2.
        var metrics = RegressionMetrics.Compute([1, 2, 3], [1, 3, 1]);

        Assert.Equal(Math.Sqrt(5.0 / 3), metrics.Rmse, 12);
        Assert.Equal(1, metrics.Mae, 12);
        Assert.Equal(-1.5, metrics.R2, 12);
    }

    [Fact]
    public void Compute_Builder_MatchesScikitLearn()
    {
        // scikit-learn 1.2.1 on MetricsReferenceData.Regression rebuilt in numpy float32:
        //   y = np.float32(((i*13) % 97)/7.0); p = np.float32(y + (((i*29) % 11) - 5)/3.0), i < 500;
        //   sqrt(mean_squared_error), mean_absolute_error, r2_score on float64 copies.
        var (labels, predictions) = MetricsReferenceData.Regression();

        var metrics = RegressionMetrics.Compute(labels, predictions);

        Assert.Equal(1.0550408215766247, metrics.Rmse, 12);
        Assert.Equal(0.9100000001490116, metrics.Mae, 12);
        Assert.Equal(0.9304564003070239, metrics.R2, 12);
    }

    [Fact]
    public void Compute_ConstantLabels_R2FollowsScikitLearnConvention()
    {
        Assert.Equal(1, RegressionMetrics.Compute([2, 2], [2, 2]).R2);
        Assert.Equal(0, RegressionMetrics.Compute([2, 2], [2, 3]).R2);
    }

    [Fact]
    public void Compute_InvalidInputs_NameTheArgument()
    {
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([], [])).ParamName);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([1], [1, 2])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([float.NaN], [1])).ParamName);
        Assert.Equal("predictions", Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([1], [float.PositiveInfinity])).ParamName);
    }
}
