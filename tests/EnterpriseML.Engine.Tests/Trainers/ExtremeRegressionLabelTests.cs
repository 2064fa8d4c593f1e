using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers;

/// <summary>
/// Regression targets near the float limit (±3e38 is finite): float sums of them overflowed, and the forest and ridge
/// predicted NaN for every row ("Prediction 0 is NaN; predictions must be finite."). Every regression trainer of the
/// catalog must fit such a table, predict finite values that follow the targets, and give the same predictions after
/// save/load and on two threads.
/// </summary>
public sealed class ExtremeRegressionLabelTests
{
    public static IEnumerable<object[]> RegressionTrainers() =>
        TrainerCatalog.All.Where(d => d.Tasks.Contains(TaskKind.Regression)).OrderBy(d => d.Name, StringComparer.Ordinal)
            .SelectMany(d => new[] { new object[] { d.Name, 3e38f }, [d.Name, 1e36f] });

    [Theory]
    [MemberData(nameof(RegressionTrainers))]
    public void Fit_TargetsNearFloatLimit_PredictsFiniteValuesThatSurviveSaveLoad(string trainer, float magnitude)
    {
        var (table, labels) = Table(trainer, magnitude);
        var data = LabelEncoding.Encode(table, "y", TaskKind.Regression);
        var model = Fit(trainer, data, threads: 1);
        var predictions = model.Predict(data.Features);

        Assert.All(predictions, v => Assert.True(float.IsFinite(v), $"{trainer}, targets up to {magnitude}: prediction {v}."));
        if (trainer is "poisson" or "tweedie")
        {
            // The log link caps its margin at 80 (e^80 ≈ 5.5e34): finite, but it cannot reach targets of 1e36.
            Assert.All(predictions, v => Assert.True(v >= 0, $"{trainer}: prediction {v} of non-negative targets."));
        }
        else
        {
            // The predictions follow the targets: better than their mean, and large where the targets are.
            var mean = labels.Average(v => (double)v);
            var meanError = labels.Sum(v => ((double)v - mean) * ((double)v - mean));
            var modelError = labels.Select((v, i) => ((double)v - predictions[i]) * ((double)v - predictions[i])).Sum();
            Assert.True(modelError < 0.5 * meanError, $"{trainer}: squared error {modelError:G3} against {meanError:G3} of the mean.");
            Assert.InRange(predictions.Max(), 0.5 * magnitude, float.MaxValue);
            Assert.InRange(predictions.Min(), -float.MaxValue, -0.5 * magnitude);
        }

        var loaded = ModelPipeline.Load(new MemoryStream(ModelTestData.Bytes(model)));
        Assert.Equal(ModelTestData.Bits(predictions), ModelTestData.Bits(loaded.Predict(data.Features)));
        Assert.Equal(ModelTestData.Bytes(model), ModelTestData.Bytes(Fit(trainer, data, threads: 2)));
    }

    /// <summary>
    /// An AutoML ensemble of such models (gbdt ×2 + ridge, as a sweep saves a Caruana winner) averaged its members in a
    /// float sum, which overflowed to ∞ although the weighted mean is a float; summed in double, it is finite, and the
    /// saved pipeline predicts what the ensemble candidate scored.
    /// </summary>
    [Fact]
    public void Ensemble_TargetsNearFloatLimit_PredictsTheFiniteWeightedMean()
    {
        var (table, _) = Table("gbdt", 3e38f);
        var data = LabelEncoding.Encode(table, "y", TaskKind.Regression);
        var gbdt = Fit("gbdt", data, threads: 1);
        var ridge = Fit("ridge", data, threads: 1);
        var ensemble = EnsemblePredictor.Combine([gbdt, ridge], [2, 1], ["gbdt", "ridge"]);

        var predictions = ensemble.Predict(data.Features);
        var g = gbdt.Predict(data.Features);
        var r = ridge.Predict(data.Features);
        for (var i = 0; i < predictions.Length; i++)
        {
            Assert.True(float.IsFinite(predictions[i]), $"row {i}: {predictions[i]} (members {g[i]}, {r[i]}).");
            Assert.Equal((float)(((2.0 * g[i]) + r[i]) / 3), predictions[i]);
        }

        var loaded = ModelPipeline.Load(new MemoryStream(ModelTestData.Bytes(ensemble)));
        Assert.Equal(ModelTestData.Bits(predictions), ModelTestData.Bits(loaded.Predict(data.Features)));
    }

    /// <summary>
    /// 400 rows of two numeric features; the targets are mostly near +magnitude with a quarter near −magnitude, so the
    /// residuals from their mean (0.5 · magnitude) reach 1.5 · magnitude: beyond a float for 3e38. The log-link
    /// trainers get targets in [0.05, 1] · magnitude.
    /// </summary>
    private static (DataTable Table, float[] Labels) Table(string trainer, float magnitude)
    {
        var nonNegative = trainer is "poisson" or "tweedie";
        const int N = 400;
        var x1 = new float[N];
        var x2 = new float[N];
        var y = new float[N];
        for (var i = 0; i < N; i++)
        {
            x1[i] = i % 16;
            x2[i] = (i * 7) % 11;
            var wiggle = x2[i] / 10f * 0.1f;
            y[i] = nonNegative
                ? magnitude * (0.05f + (x1[i] / 15f * 0.85f) + wiggle)
                : magnitude * (x1[i] < 4 ? -0.9f - wiggle : 0.9f + wiggle);
        }

        return (new DataTable([new NumericColumn("x1", x1), new NumericColumn("x2", x2), new NumericColumn("y", y)]), y);
    }

    private static ModelPipeline Fit(string trainer, CandidateData data, int threads) =>
        TabularTraining.Fit(data, "y", TrainerCatalog.Create(trainer, ModelTestData.FastSettings(trainer), seed: 3, threads), TrainerCatalog.Get(trainer).Featurization());
}
