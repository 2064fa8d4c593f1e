using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class RegressionTrainerTests
{
    [Theory]
    [InlineData(nameof(RidgeOptions.L2Regularization), -1)]
    [InlineData(nameof(RidgeOptions.MaximumCholeskyWidth), -1)]
    [InlineData(nameof(RidgeOptions.MaximumCholeskyWidth), 8193)]
    [InlineData(nameof(RidgeOptions.MaximumNumberOfIterations), 0)]
    [InlineData(nameof(RidgeOptions.OptimizationTolerance), 0)]
    [InlineData(nameof(RidgeOptions.HistorySize), 0)]
    [InlineData(nameof(RidgeOptions.MaxDegreeOfParallelism), 0)]
    public void Ridge_OptionOutOfRange_ThrowsNamingOption(string option, double value)
    {
        var options = new RidgeOptions();
        var property = typeof(RidgeOptions).GetProperty(option)!;
        property.SetValue(options, property.PropertyType == typeof(int) ? (object)(int)value : value);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RidgeTrainer(options));
        Assert.Equal(option, error.ParamName);
    }

    [Theory]
    [InlineData(0.99)]
    [InlineData(2.01)]
    [InlineData(double.NaN)]
    public void Tweedie_PowerOutOfRange_ThrowsNamingOption(double power)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TweedieRegressionTrainer(new TweedieRegressionOptions { TweediePower = power }));
        Assert.Equal(nameof(TweedieRegressionOptions.TweediePower), error.ParamName);
    }

    [Fact]
    public void Poisson_NegativeL2_ThrowsNamingOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PoissonRegressionTrainer(new PoissonRegressionOptions { L2Regularization = -1 }));
        Assert.Equal(nameof(PoissonRegressionOptions.L2Regularization), error.ParamName);
    }

    [Fact]
    public void Ridge_CholeskyAndLbfgs_AgreeWithWeights()
    {
        var (x, y) = LinearProblem(2000, 5, seed: 3, link: v => v + 0.1 * LinearTestData.Gaussian(new Random((int)(v * 1000))));
        var weights = Enumerable.Range(0, y.Length).Select(i => 0.5f + i % 2).ToArray();
        var data = new TrainingSet(x, y, TaskKind.Regression, 0, weights);
        var exact = (LinearPredictor)new RidgeTrainer(new RidgeOptions { L2Regularization = 5 }).Fit(data);
        var iterative = (LinearPredictor)new RidgeTrainer(new RidgeOptions { L2Regularization = 5, MaximumCholeskyWidth = 0, OptimizationTolerance = 1e-12, MaximumNumberOfIterations = 500 }).Fit(data);
        for (var j = 0; j < 5; j++)
        {
            Assert.Equal(exact.Coefficients()[j], iterative.Coefficients()[j], 2);
        }

        Assert.Equal(exact.Intercept(), iterative.Intercept(), 2);
    }

    [Fact]
    public void Ridge_Diamonds_GoldenRmse()
    {
        var (train, test) = LinearTestData.Tabular("tabular-diamonds.csv", "price", null, TaskKind.Regression);
        var model = new RidgeTrainer().Fit(train);
        var p = LinearTestData.PredictAll(model, test);
        var rmse = Math.Sqrt(p.Select((v, i) => (double)(v - test.Labels[i]) * (v - test.Labels[i])).Average());
        Assert.InRange(rmse, 1000, 1300);
    }

    [Fact]
    public void Ridge_AnyThreadCount_Identical()
    {
        var (x, y) = LinearProblem(9000, 12, seed: 5, link: v => v);
        var data = new TrainingSet(x, y, TaskKind.Regression);
        var a = (LinearPredictor)new RidgeTrainer(new RidgeOptions { MaxDegreeOfParallelism = 1 }).Fit(data);
        var b = (LinearPredictor)new RidgeTrainer(new RidgeOptions { MaxDegreeOfParallelism = 4 }).Fit(data);
        Assert.Equal(a.Coefficients().ToArray(), b.Coefficients().ToArray());
        Assert.Equal(a.Intercept(), b.Intercept());
    }

    [Fact]
    public void Poisson_KnownLogLinearModel_RecoversCoefficients()
    {
        var random = new Random(11);
        var (x, margins) = LinearProblem(6000, 3, seed: 2, link: v => v);
        var y = margins.Select(m => (float)SamplePoisson(random, Math.Exp(0.3 * m + 0.5))).ToArray();
        var model = (LinearPredictor)new PoissonRegressionTrainer(0.01).Fit(new TrainingSet(x, y, TaskKind.Regression));
        var truth = TrueCoefficients(3);
        for (var j = 0; j < 3; j++)
        {
            Assert.InRange(model.Coefficients()[j], 0.3 * truth[j] - 0.05, 0.3 * truth[j] + 0.05);
        }

        Assert.InRange(model.Intercept(), 0.72, 0.88); // 0.3·1 (the problem's offset) + 0.5
    }

    [Fact]
    public void Tweedie_ZerosAndPositives_FitsMeanAndSaveLoadIdentical()
    {
        var random = new Random(7);
        var (x, margins) = LinearProblem(5000, 2, seed: 9, link: v => v);
        var y = margins.Select(m => random.NextDouble() < 0.4 ? 0f : (float)(Math.Exp(0.2 * m) * (0.5 + random.NextDouble()))).ToArray();
        var data = new TrainingSet(x, y, TaskKind.Regression);
        var model = (LinearPredictor)new TweedieRegressionTrainer(1.5).Fit(data);
        var p = LinearTestData.PredictAll(model, data);
        Assert.All(p, v => Assert.True(v > 0));
        Assert.InRange(p.Average() / y.Average(), 0.97, 1.03);

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        Assert.Equal(p, LinearTestData.PredictAll(LinearPredictor.Read(reader), data));
    }

    [Fact]
    public void Poisson_NegativeTarget_Throws()
    {
        var data = new TrainingSet(FeatureMatrix.FromColumns([new float[] { 1, 2 }]), [1, -1], TaskKind.Regression);
        Assert.Throws<ArgumentException>(() => new PoissonRegressionTrainer().Fit(data));
    }

    private static double[] TrueCoefficients(int d) => Enumerable.Range(0, d).Select(j => (j % 2 == 0 ? 1.0 : -0.5) * (j + 1) / d).ToArray();

    private static (FeatureMatrix X, float[] Y) LinearProblem(int n, int d, int seed, Func<double, double> link)
    {
        var random = new Random(seed);
        var truth = TrueCoefficients(d);
        var columns = new List<float[]>();
        var margin = new double[n];
        for (var j = 0; j < d; j++)
        {
            var column = new float[n];
            for (var i = 0; i < n; i++)
            {
                column[i] = (float)LinearTestData.Gaussian(random);
                margin[i] += truth[j] * column[i];
            }

            columns.Add(column);
        }

        return (FeatureMatrix.FromColumns(columns), margin.Select(m => (float)link(m + 1)).ToArray());
    }

    private static int SamplePoisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }
}
