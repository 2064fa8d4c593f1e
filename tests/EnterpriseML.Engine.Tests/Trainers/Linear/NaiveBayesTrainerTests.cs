using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class NaiveBayesTrainerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    [InlineData(double.NaN)]
    public void Constructor_SmoothingOutOfRange_ThrowsNamingOption(double value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new NaiveBayesTrainer(new NaiveBayesOptions { Smoothing = value }));
        Assert.Equal(nameof(NaiveBayesOptions.Smoothing), error.ParamName);
    }

    [Fact]
    public void Fit_TinyTextProblem_MatchesHandComputedPosterior()
    {
        // Class 1 docs: [0,1], [0]; class 0 docs: [2], [2,1]. α = 1, vocabulary 3.
        var data = LinearSvmTrainerTests.Sparse([[0, 1], [0], [2], [2, 1]], [1, 1, 0, 0], 3);
        var model = new NaiveBayesTrainer().Fit(data);
        // θ1 = (3,2,1)/6, θ0 = (1,2,3)/6; priors equal. Document [0]: P1 ∝ 3/6, P0 ∝ 1/6 → 0.75.
        Span<float> output = stackalloc float[1];
        model.Predict(new FeatureRow([], [0], [1f]), output);
        Assert.Equal(0.75f, output[0], 5);
        model.Predict(new FeatureRow([], [1], [1f]), output);
        Assert.Equal(0.5f, output[0], 5);
    }

    [Fact]
    public void Fit_Multiclass_ProbabilitiesSumToOneAndPickRightClass()
    {
        var data = LinearSvmTrainerTests.Sparse([[0], [0, 3], [1], [1, 3], [2], [2, 3]], [0, 0, 1, 1, 2, 2], 4, TaskKind.Multiclass, 3);
        var model = new NaiveBayesTrainer(0.5).Fit(data);
        var p = LinearTestData.PredictAll(model, data);
        for (var i = 0; i < 6; i++)
        {
            var row = p.AsSpan(i * 3, 3);
            Assert.Equal(1f, row[0] + row[1] + row[2], 5);
            Assert.True(row[(int)data.Labels[i]] > 0.5f);
        }
    }

    [Fact]
    public void Fit_Sentiment_AccuracyAndAuc()
    {
        var (train, test) = LinearTestData.SentimentText();
        var model = new NaiveBayesTrainer().Fit(train);
        var p = LinearTestData.PredictAll(model, test);
        Assert.InRange(LinearTestData.Accuracy(p, test.Labels), 0.74, 0.92);
        Assert.InRange(LinearTestData.Auc(p, test.Labels), 0.82, 0.97);
    }

    [Fact]
    public void Fit_NegativeFeature_ThrowsNamingFeature()
    {
        var data = new TrainingSet(FeatureMatrix.FromColumns([new float[] { 1, -2 }], ["balance"]), [0, 1], TaskKind.Binary);
        var error = Assert.Throws<ArgumentException>(() => new NaiveBayesTrainer().Fit(data));
        Assert.Contains("'balance'", error.Message);
    }
}
