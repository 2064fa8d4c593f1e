using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Models;

public sealed class ModelPipelineTests
{
    private static readonly Lazy<(CandidateData Train, CandidateData Test)> Credit = new(() =>
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var all = LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad");
        var (train, test) = DataSplits.TrainTest(all.RowCount, 0.2, 7, all.Labels);
        return (all.SelectRows(train), all.SelectRows(test));
    });

    public static TheoryData<string, string[]> Trainers => new()
    {
        { "gbdt", ["NumberOfTrees=40"] },
        { "random-forest", ["NumberOfTrees=30"] },
        { "logistic-regression", [] },
        { "linear-svm", [] },
        { "naive-bayes", [] },
    };

    private static ModelPipeline Fit(string trainer, string[] settings)
    {
        var descriptor = TrainerCatalog.Get(trainer);
        var options = descriptor.Featurization();
        if (trainer == "naive-bayes")
        {
            options.NumericScaling = NumericScaling.MinMax; // multinomial NB needs non-negative features
        }

        return TabularTraining.Fit(Credit.Value.Train, "class", TrainerCatalog.Create(trainer, TrainerCatalog.ParseSettings(settings), seed: 3, threads: 2), options);
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void SaveLoad_EveryTrainer_PredictionsAreBitIdentical(string trainer, string[] settings)
    {
        var model = Fit(trainer, settings);
        var before = model.Predict(Credit.Value.Test.Features);

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = ModelPipeline.Load(stream);
        var after = loaded.Predict(Credit.Value.Test.Features);

        Assert.Equal(before, after);
        Assert.Equal(model.Schema.ClassNames, loaded.Schema.ClassNames);
        var auc = BinaryMetrics.Compute(Credit.Value.Test.Labels, after).Auc;
        Assert.InRange(auc, 0.68, 0.9);
    }

    [Fact]
    public void Engine_SingleRow_MatchesBatchPrediction()
    {
        var model = Fit("gbdt", ["NumberOfTrees=40"]);
        var test = Credit.Value.Test.Features;
        var batch = model.Predict(test);
        var engine = model.CreateEngine();
        Span<float> output = stackalloc float[1];
        for (var row = 0; row < 25; row++)
        {
            for (var i = 0; i < engine.Inputs.Count; i++)
            {
                var column = test[engine.Inputs[i].Name];
                engine.Set(i, column switch
                {
                    NumericColumn n => RawValue.FromNumber(n.Values[row]),
                    StringColumn s => RawValue.FromText(s.Values[row]),
                    _ => RawValue.Missing,
                });
            }

            engine.Predict(output);
            Assert.Equal(batch[row], output[0]);
        }
    }

    [Fact]
    public void Engine_UnseenCategoriesAndMissingValues_PredictAProbability()
    {
        var output = new float[1];
        foreach (var trainer in new[] { "gbdt", "logistic-regression" })
        {
            var engine = Fit(trainer, trainer == "gbdt" ? ["NumberOfTrees=20"] : []).CreateEngine();
            engine.Clear(); // everything missing
            engine.Predict(output);
            Assert.InRange(output[0], 0f, 1f);

            engine.SetText(engine.IndexOf("purpose"), "a purpose never seen in training");
            engine.SetFromString(engine.IndexOf("duration"), "24");
            engine.Predict(output);
            Assert.InRange(output[0], 0f, 1f);
        }
    }

    [Fact]
    public void Load_CorruptTruncatedOrForeignFiles_FailWithClearMessages()
    {
        var model = Fit("logistic-regression", []);
        using var stream = new MemoryStream();
        model.Save(stream);
        var bytes = stream.ToArray();

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x5A;
        Assert.Contains("checksum", Assert.Throws<ModelFormatException>(() => ModelPipeline.Load(new MemoryStream(flipped))).Message, StringComparison.Ordinal);
        Assert.Contains("Truncated", Assert.Throws<ModelFormatException>(() => ModelPipeline.Load(new MemoryStream(bytes[..(bytes.Length - 40)]))).Message, StringComparison.Ordinal);
        Assert.Contains("magic", Assert.Throws<ModelFormatException>(() => ModelPipeline.Load(new MemoryStream("a,b\n1,2\n"u8.ToArray()))).Message, StringComparison.Ordinal);

        var future = (byte[])bytes.Clone();
        future[4] = 99;
        Assert.Contains("version 99", Assert.Throws<ModelFormatException>(() => ModelPipeline.Load(new MemoryStream(future))).Message, StringComparison.Ordinal);

        using var other = new MemoryStream();
        ModelFile.Write(other, "recommender", w => w.Write(1));
        other.Position = 0;
        Assert.Contains("'recommender'", Assert.Throws<ModelFormatException>(() => ModelPipeline.Load(other)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_EveryNamedTrainerResolves()
    {
        Assert.Equal(
            ["gbdt", "linear-svm", "logistic-regression", "naive-bayes", "poisson", "random-forest", "ridge", "tweedie"],
            TrainerCatalog.All.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.NotEmpty(PredictorCodec.Formats);
    }

    [Fact]
    public void Catalog_Set_ParsesByNameCaseInsensitively_AndRejectsPrecisely()
    {
        var trainer = TrainerCatalog.Create("gbdt", TrainerCatalog.ParseSettings(["numberoftrees=7", "MonotoneConstraints=1,0,-1"]));
        Assert.Equal("gbdt", trainer.Name);

        var unknown = Assert.Throws<ArgumentException>(() => TrainerCatalog.Create("gbdt", TrainerCatalog.ParseSettings(["Trees=7"])));
        Assert.Contains("has no option 'Trees'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("NumberOfTrees", unknown.Message, StringComparison.Ordinal);

        var badValue = Assert.Throws<ArgumentException>(() => TrainerCatalog.Create("gbdt", TrainerCatalog.ParseSettings(["NumberOfTrees=many"])));
        Assert.Contains("expected an integer", badValue.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => TrainerCatalog.ParseSettings(["NumberOfTrees"]));
        Assert.Contains("Valid trainers", Assert.Throws<ArgumentException>(() => TrainerCatalog.Get("xgboost")).Message, StringComparison.Ordinal);
    }
}
