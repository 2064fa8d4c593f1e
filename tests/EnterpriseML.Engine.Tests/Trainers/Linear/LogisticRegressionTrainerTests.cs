using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class LogisticRegressionTrainerTests
{
    [Theory]
    [InlineData(nameof(LogisticRegressionOptions.L1Regularization), -0.1)]
    [InlineData(nameof(LogisticRegressionOptions.L1Regularization), double.NaN)]
    [InlineData(nameof(LogisticRegressionOptions.L2Regularization), -1)]
    [InlineData(nameof(LogisticRegressionOptions.L2Regularization), double.PositiveInfinity)]
    [InlineData(nameof(LogisticRegressionOptions.MaximumNumberOfIterations), 0)]
    [InlineData(nameof(LogisticRegressionOptions.MaximumNumberOfIterations), 100_001)]
    [InlineData(nameof(LogisticRegressionOptions.OptimizationTolerance), 0)]
    [InlineData(nameof(LogisticRegressionOptions.OptimizationTolerance), 0.2)]
    [InlineData(nameof(LogisticRegressionOptions.HistorySize), 0)]
    [InlineData(nameof(LogisticRegressionOptions.HistorySize), 1001)]
    [InlineData(nameof(LogisticRegressionOptions.MaxDegreeOfParallelism), 0)]
    [InlineData(nameof(LogisticRegressionOptions.MaxDegreeOfParallelism), -2)]
    [InlineData(nameof(LogisticRegressionOptions.MaxDegreeOfParallelism), 1025)]
    [InlineData(nameof(LogisticRegressionOptions.SparseRegularizationScale), 0)]
    [InlineData(nameof(LogisticRegressionOptions.SparseRegularizationScale), 1001)]
    public void Constructor_OptionOutOfRange_ThrowsNamingOption(string option, double value)
    {
        var options = new LogisticRegressionOptions();
        var property = typeof(LogisticRegressionOptions).GetProperty(option)!;
        property.SetValue(options, property.PropertyType == typeof(int) ? (object)(int)value : value);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LogisticRegressionTrainer(options));
        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void Constructor_Defaults_AreValidAndMatchTable()
    {
        var options = new LogisticRegressionOptions();
        options.Validate();
        Assert.Equal(LinearDefaults.L2Regularization, options.L2Regularization);
        Assert.Equal(0.0, options.L1Regularization);
        Assert.Equal("logistic-regression", new LogisticRegressionTrainer().Name);
    }

    [Fact]
    public void Fit_CreditGerman_GoldenAuc()
    {
        var (train, test) = LinearTestData.Tabular("credit-german-statlog.csv", "class", "bad", TaskKind.Binary);
        var model = new LogisticRegressionTrainer(new LogisticRegressionOptions { MaxDegreeOfParallelism = 2 }).Fit(train);
        var auc = LinearTestData.Auc(LinearTestData.PredictAll(model, test), test.Labels);
        Assert.InRange(auc, 0.74, 0.86);
    }

    [Fact]
    public void Fit_Sentiment_SparseTextAccuracy()
    {
        var (train, test) = LinearTestData.SentimentText();
        var model = new LogisticRegressionTrainer().Fit(train);
        var predictions = LinearTestData.PredictAll(model, test);
        Assert.InRange(LinearTestData.Accuracy(predictions, test.Labels), 0.76, 0.92);
        Assert.InRange(LinearTestData.Auc(predictions, test.Labels), 0.84, 0.97);
    }

    [Fact]
    public void Fit_Multiclass_DiamondCut_BeatsMajorityClass()
    {
        var (train, test) = LinearTestData.Tabular("tabular-diamonds.csv", "cut", null, TaskKind.Multiclass);
        var small = Subset(train, 6000);
        var model = new LogisticRegressionTrainer(new LogisticRegressionOptions { MaximumNumberOfIterations = 60 }).Fit(small);
        Assert.Equal(5, model.OutputWidth);
        var probabilities = LinearTestData.PredictAll(model, test);
        var correct = 0;
        var counts = new int[5];
        for (var i = 0; i < test.Labels.Length; i++)
        {
            var row = probabilities.AsSpan(i * 5, 5);
            Assert.InRange(row.ToArray().Sum(), 0.999, 1.001);
            var best = 0;
            for (var k = 1; k < 5; k++)
            {
                best = row[k] > row[best] ? k : best;
            }

            correct += best == (int)test.Labels[i] ? 1 : 0;
            counts[(int)test.Labels[i]]++;
        }

        var accuracy = (double)correct / test.Labels.Length;
        Assert.InRange(accuracy, (double)counts.Max() / test.Labels.Length + 0.1, 0.9);
    }

    [Fact]
    public void Fit_AnyThreadCount_IdenticalCoefficients()
    {
        // Large enough (≥ 2^18 multiply-adds per evaluation) for the blocks to run in parallel.
        var data = LinearTestData.SyntheticBinary(6000, 45, 50, seed: 2);
        LinearPredictor? reference = null;
        foreach (var threads in new[] { 1, 2, 4 })
        {
            var model = (LinearPredictor)new LogisticRegressionTrainer(new LogisticRegressionOptions { MaxDegreeOfParallelism = threads, L1Regularization = 0.5 }).Fit(data);
            if (reference is null)
            {
                reference = model;
            }
            else
            {
                Assert.Equal(reference.Coefficients().ToArray(), model.Coefficients().ToArray());
                Assert.Equal(reference.Intercept(), model.Intercept());
            }
        }
    }

    [Fact]
    public void Fit_StrongL1_ZeroesMostCoefficients()
    {
        var data = LinearTestData.SyntheticBinary(2000, 10, 30, seed: 4);
        var weak = (LinearPredictor)new LogisticRegressionTrainer().Fit(data);
        var strong = (LinearPredictor)new LogisticRegressionTrainer(new LogisticRegressionOptions { L1Regularization = 60 }).Fit(data);
        var weakZeros = weak.Coefficients().ToArray().Count(w => w == 0);
        var strongZeros = strong.Coefficients().ToArray().Count(w => w == 0);
        Assert.Equal(0, weakZeros);
        Assert.True(strongZeros >= 20, $"{strongZeros} zeros");
        Assert.True(strongZeros < 40);
    }

    [Fact]
    public void WriteRead_RoundTrip_PredictionsBitIdentical()
    {
        var data = LinearTestData.SyntheticBinary(500, 3, 20, seed: 8);
        var model = (LinearPredictor)new LogisticRegressionTrainer().Fit(data);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var loaded = LinearPredictor.Read(reader);
        Assert.Equal(LinearPredictor.Format, loaded.FormatId);
        Assert.Equal("logistic-regression", loaded.TrainerName);
        Assert.Equal(LinearTestData.PredictAll(model, data), LinearTestData.PredictAll(loaded, data));
    }

    [Fact]
    public void Read_CorruptPayload_ThrowsInvalidData()
    {
        using var stream = new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8]);
        using var reader = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => LinearPredictor.Read(reader));
    }

    [Fact]
    public void PredictAndExplain_SingleRow_MatchBatchAndSumToMargin()
    {
        var data = LinearTestData.SyntheticBinary(400, 3, 10, seed: 6);
        var model = (LinearPredictor)new LogisticRegressionTrainer().Fit(data);
        var batch = LinearTestData.PredictAll(model, data);
        var x = data.Features;
        Span<float> dense = stackalloc float[3];
        Span<float> output = stackalloc float[1];
        var contributions = new float[model.FeatureCount];
        for (var i = 0; i < 50; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                dense[j] = x.Dense[j * x.RowCount + i];
            }

            var row = new FeatureRow(dense, x.Sparse!.RowIndices(i), x.Sparse.RowValues(i));
            model.Predict(row, output);
            Assert.Equal(batch[i], output[0], 5);
            var bias = model.Explain(row, contributions);
            Assert.Equal(model.Intercept(), bias);
            var margin = bias + contributions.Sum();
            Assert.Equal(batch[i], 1 / (1 + MathF.Exp(-margin)), 5);
        }
    }

    [Fact]
    public void Fit_NaNFeature_ThrowsNamingFeature()
    {
        var column = new float[] { 1, float.NaN, 2, 3 };
        var data = new TrainingSet(FeatureMatrix.FromColumns([column], ["age"]), [0, 1, 0, 1], TaskKind.Binary);
        var error = Assert.Throws<ArgumentException>(() => new LogisticRegressionTrainer().Fit(data));
        Assert.Contains("'age'", error.Message);
    }

    [Fact]
    public void Fit_RegressionTask_Throws()
    {
        var data = new TrainingSet(FeatureMatrix.FromColumns([new float[] { 1, 2 }]), [0.5f, 1.5f], TaskKind.Regression);
        Assert.Throws<ArgumentException>(() => new LogisticRegressionTrainer().Fit(data));
    }

    [Fact]
    public void Fit_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var data = LinearTestData.SyntheticBinary(100, 2, 0, seed: 1);
        Assert.Throws<OperationCanceledException>(() => new LogisticRegressionTrainer().Fit(data, cts.Token));
    }

    internal static TrainingSet Subset(TrainingSet data, int rows)
    {
        var x = data.Features;
        var columns = new List<float[]>();
        for (var j = 0; j < x.DenseColumnCount; j++)
        {
            columns.Add(x.DenseColumn(j)[..rows].ToArray());
        }

        return new TrainingSet(FeatureMatrix.FromColumns(columns, x.Features.Select(f => f.Name).ToArray()), data.Labels[..rows], data.Task, data.ClassCount);
    }
}
