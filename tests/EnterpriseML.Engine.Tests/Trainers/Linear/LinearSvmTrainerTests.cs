using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class LinearSvmTrainerTests
{
    [Theory]
    [InlineData(nameof(LinearSvmOptions.L2Regularization), 0)]
    [InlineData(nameof(LinearSvmOptions.L2Regularization), double.NaN)]
    [InlineData(nameof(LinearSvmOptions.HingeSmoothing), -0.1)]
    [InlineData(nameof(LinearSvmOptions.HingeSmoothing), 10.5)]
    [InlineData(nameof(LinearSvmOptions.NumberOfEpochs), 0)]
    [InlineData(nameof(LinearSvmOptions.NumberOfEpochs), 10_001)]
    [InlineData(nameof(LinearSvmOptions.OptimizationTolerance), 0)]
    [InlineData(nameof(LinearSvmOptions.OptimizationTolerance), 1.5)]
    [InlineData(nameof(LinearSvmOptions.MaxDegreeOfParallelism), 0)]
    public void Constructor_OptionOutOfRange_ThrowsNamingOption(string option, double value)
    {
        var options = new LinearSvmOptions();
        var property = typeof(LinearSvmOptions).GetProperty(option)!;
        property.SetValue(options, property.PropertyType == typeof(int) ? (object)(int)value : value);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LinearSvmTrainer(options));
        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void Fit_TinyTextLikeSparseProblem_SeparatesAndCalibrates()
    {
        // Vocabulary: 0 "great", 1 "love", 2 "awful", 3 "hate", 4 "the", 5 "movie".
        int[][] docs = [[0, 4, 5], [1, 5], [0, 1], [2, 4, 5], [3, 5], [2, 3], [0, 4], [3, 4]];
        float[] labels = [1, 1, 1, 0, 0, 0, 1, 0];
        var data = Sparse(docs, labels, 6);
        var model = new LinearSvmTrainer(new LinearSvmOptions { L2Regularization = 0.1 }).Fit(data);
        var p = LinearTestData.PredictAll(model, data);
        for (var i = 0; i < labels.Length; i++)
        {
            Assert.InRange(p[i], 0f, 1f);
            Assert.Equal(labels[i] > 0.5f, p[i] > 0.5f);
        }

        var w = ((LinearPredictor)model).Coefficients();
        Assert.True(w[0] > 0 && w[1] > 0 && w[2] < 0 && w[3] < 0);
    }

    [Fact]
    public void Fit_Sentiment_AccuracyAndAuc()
    {
        var (train, test) = LinearTestData.SentimentText();
        var model = new LinearSvmTrainer().Fit(train);
        var p = LinearTestData.PredictAll(model, test);
        Assert.InRange(LinearTestData.Accuracy(p, test.Labels), 0.76, 0.92);
        Assert.InRange(LinearTestData.Auc(p, test.Labels), 0.84, 0.97);
    }

    [Fact]
    public void Fit_CreditGerman_GoldenAuc()
    {
        var (train, test) = LinearTestData.Tabular("credit-german-statlog.csv", "class", "bad", TaskKind.Binary);
        var model = new LinearSvmTrainer().Fit(train);
        Assert.InRange(LinearTestData.Auc(LinearTestData.PredictAll(model, test), test.Labels), 0.74, 0.86);
    }

    [Fact]
    public void Fit_SameSeedAnyThreads_Identical_DifferentSeedDiffers()
    {
        var data = LinearTestData.SyntheticBinary(3000, 4, 30, seed: 12);
        var a = (LinearPredictor)new LinearSvmTrainer(new LinearSvmOptions { Seed = 3, MaxDegreeOfParallelism = 1, NumberOfEpochs = 3 }).Fit(data);
        var b = (LinearPredictor)new LinearSvmTrainer(new LinearSvmOptions { Seed = 3, MaxDegreeOfParallelism = 4, NumberOfEpochs = 3 }).Fit(data);
        var c = (LinearPredictor)new LinearSvmTrainer(new LinearSvmOptions { Seed = 4, MaxDegreeOfParallelism = 1, NumberOfEpochs = 3 }).Fit(data);
        Assert.Equal(a.Coefficients().ToArray(), b.Coefficients().ToArray());
        Assert.Equal(a.Intercept(), b.Intercept());
        Assert.NotEqual(a.Coefficients().ToArray(), c.Coefficients().ToArray());
    }

    [Fact]
    public void SmoothedHinge_Pieces_MatchDefinition()
    {
        Assert.Equal(0, LinearSvmTrainer.SmoothedHinge(1.5, 1));
        Assert.Equal(0.125, LinearSvmTrainer.SmoothedHinge(0.5, 1), 12);
        Assert.Equal(1.5, LinearSvmTrainer.SmoothedHinge(-1, 1), 12);
        Assert.Equal(2, LinearSvmTrainer.SmoothedHinge(-1, 0), 12);
    }

    internal static TrainingSet Sparse(int[][] docs, float[] labels, int vocabulary, TaskKind task = TaskKind.Binary, int classCount = 0)
    {
        var pointers = new int[docs.Length + 1];
        var indices = new List<int>();
        for (var i = 0; i < docs.Length; i++)
        {
            indices.AddRange(docs[i]);
            pointers[i + 1] = indices.Count;
        }

        var sparse = new SparseMatrix(docs.Length, vocabulary, pointers, indices.ToArray(), Enumerable.Repeat(1f, indices.Count).ToArray());
        var infos = Enumerable.Range(0, vocabulary).Select(j => new FeatureInfo($"w{j}")).ToArray();
        return new TrainingSet(new FeatureMatrix(docs.Length, [], 0, sparse, infos), labels, task, classCount);
    }
}
