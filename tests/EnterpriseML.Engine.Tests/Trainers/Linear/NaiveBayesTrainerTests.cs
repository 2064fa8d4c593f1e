using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tests.Models;
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

    /// <summary>
    /// Naive Bayes reads its min-max features as counts. A value below the training minimum mapped to a negative
    /// feature (and one above the maximum to more than 1), so the model scored a count it can never have been trained
    /// on. Prediction now clamps numeric values and timestamp parts to the training range: out-of-range values give the
    /// clamped value's probability, in batch and one row at a time, and before and after save/load.
    /// </summary>
    [Fact]
    public void Pipeline_ValueOutsideTrainingRange_PredictsAsTheClampedValue()
    {
        const int N = 60;
        var amount = new float[N];
        var opened = new long[N];
        var label = new string?[N];
        for (var i = 0; i < N; i++)
        {
            amount[i] = 10 + (i % 11);
            opened[i] = new DateTime(2019 + (i % 4), 1 + (i % 12), 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
            label[i] = (i % 11) + (i % 4) > 8 ? "yes" : "no";
        }

        var train = new DataTable([new NumericColumn("amount", amount), new DateTimeColumn("opened", opened), new StringColumn("label", label)]);
        var data = LabelEncoding.Encode(train, "label", TaskKind.Binary, "yes");
        var model = TabularTraining.Fit(data, "label", TrainerCatalog.Create("naive-bayes", [], seed: 1, threads: 1), TrainerCatalog.Get("naive-bayes").Featurization());

        // Rows: below the minimum and its clamp, above the maximum and its clamp; then a year before the training years (June 1st, a Saturday in 2002 and 2019) and its clamp.
        var year2019 = new DateTime(2019, 6, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var year2002 = new DateTime(2002, 6, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var rows = new DataTable([
            new NumericColumn("amount", [-1000f, 10f, 1e6f, 20f, 15f, 15f]),
            new DateTimeColumn("opened", [year2019, year2019, year2019, year2019, year2002, year2019]),
        ]);
        var p = model.Predict(rows);
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(BitConverter.SingleToInt32Bits(p[1]), BitConverter.SingleToInt32Bits(p[0]));
        Assert.Equal(BitConverter.SingleToInt32Bits(p[3]), BitConverter.SingleToInt32Bits(p[2]));
        Assert.Equal(BitConverter.SingleToInt32Bits(p[5]), BitConverter.SingleToInt32Bits(p[4]));
        Assert.NotEqual(p[1], p[3]);

        var features = model.Features.Transform(rows);
        for (var j = 0; j < features.DenseColumnCount; j++)
        {
            Assert.All(features.DenseColumn(j).ToArray(), v => Assert.InRange(v, 0f, 1f));
        }

        var loaded = ModelPipeline.Load(new MemoryStream(ModelTestData.Bytes(model)));
        Assert.Equal(ModelTestData.Bits(p), ModelTestData.Bits(loaded.Predict(rows)));

        // One row at a time (the API's path; its sums run in another order than the batch's, so equal to 5 digits).
        var engine = loaded.CreateEngine();
        var single = new float[rows.RowCount];
        for (var r = 0; r < rows.RowCount; r++)
        {
            ModelTestData.SetRow(engine, rows, r);
            engine.Predict(single.AsSpan(r, 1));
            Assert.Equal(p[r], single[r], 5);
        }

        Assert.Equal(single[1], single[0]);
        Assert.Equal(single[3], single[2]);
        Assert.Equal(single[5], single[4]);
    }

    /// <summary>A min-max featurizer saved before the clamp (tag 1, no maximum) still loads, and maps as it did.</summary>
    [Fact]
    public void FeaturePipelineRead_MinMaxSavedWithoutClamp_LoadsAndMapsAsBefore()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(1);          // one featurizer
            writer.Write((byte)1);    // tag 1: numeric
            writer.Write("amount");
            writer.Write(false);      // boolean
            writer.Write(true);       // impute
            writer.Write(false);      // indicator
            writer.Write(15f);        // median
            writer.Write(10f);        // offset (the training minimum)
            writer.Write(0.1f);       // scale (1 / range)
            writer.Write(0);          // no legacy text featurizers
        }

        stream.Position = 0;
        var pipeline = FittedFeaturePipeline.Read(new BinaryReader(stream));
        var m = pipeline.Transform(new DataTable([new NumericColumn("amount", [5f, 20f])]));
        Assert.Equal([-0.5f, 1f], m.DenseColumn(0).ToArray());
    }
}
