using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class LinearPredictorTests
{
    public static TheoryData<string> BaseOptions => new()
    {
        nameof(LbfgsTrainerOptions.L1Regularization),
        nameof(LbfgsTrainerOptions.L2Regularization),
        nameof(LbfgsTrainerOptions.MaximumNumberOfIterations),
        nameof(LbfgsTrainerOptions.OptimizationTolerance),
        nameof(LbfgsTrainerOptions.HistorySize),
        nameof(LbfgsTrainerOptions.MaxDegreeOfParallelism),
    };

    [Theory]
    [MemberData(nameof(BaseOptions))]
    public void GlmTrainers_BaseOptionOutOfRange_ThrowNamingOption(string option)
    {
        foreach (var options in new LbfgsTrainerOptions[] { new PoissonRegressionOptions(), new TweedieRegressionOptions() })
        {
            var property = typeof(LbfgsTrainerOptions).GetProperty(option)!;
            property.SetValue(options, property.PropertyType == typeof(int) ? 0 : (object)-1.0);
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => options switch
            {
                PoissonRegressionOptions p => (ITrainer)new PoissonRegressionTrainer(p),
                TweedieRegressionOptions t => new TweedieRegressionTrainer(t),
                _ => throw new InvalidOperationException(),
            });
            Assert.Equal(option, error.ParamName);
        }
    }

    [Fact]
    public void PredictorCodec_MulticlassModel_RoundTripsAndExplainsEachClass()
    {
        var data = LinearSvmTrainerTests.Sparse([[0], [0, 3], [1], [1, 3], [2], [2, 3]], [0, 0, 1, 1, 2, 2], 4, TaskKind.Multiclass, 3);
        var model = (LinearPredictor)new LogisticRegressionTrainer(0.1).Fit(data);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            PredictorCodec.Write(writer, model);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var loaded = Assert.IsType<LinearPredictor>(PredictorCodec.Read(reader));
        Assert.Contains(LinearPredictor.Format, PredictorCodec.Formats);
        Assert.Equal(LinearTestData.PredictAll(model, data), LinearTestData.PredictAll(loaded, data));

        Span<float> contributions = stackalloc float[4];
        Span<float> probabilities = stackalloc float[3];
        var row = new FeatureRow([], [0, 3], [1f, 1f]);
        loaded.Predict(row, probabilities);
        Span<float> margins = stackalloc float[3];
        for (var k = 0; k < 3; k++)
        {
            var bias = loaded.Explain(row, contributions, k);
            Assert.Equal(loaded.Intercept(k), bias);
            Assert.Equal(0f, contributions[1]);
            Assert.Equal(loaded.Coefficients(k)[3], contributions[3]);
            var sum = bias;
            foreach (var c in contributions)
            {
                sum += c;
            }

            margins[k] = sum;
        }

        var max = MathF.Max(margins[0], MathF.Max(margins[1], margins[2]));
        var total = MathF.Exp(margins[0] - max) + MathF.Exp(margins[1] - max) + MathF.Exp(margins[2] - max);
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(MathF.Exp(margins[k] - max) / total, probabilities[k], 5);
        }
    }

    [Fact]
    public void Predict_WrongDenseWidth_Throws()
    {
        var data = LinearTestData.SyntheticBinary(100, 2, 0, seed: 1);
        var model = new LogisticRegressionTrainer().Fit(data);
        var output = new float[1];
        Assert.Throws<ArgumentException>(() => model.Predict(new FeatureRow(new float[3]), output));
    }
}
