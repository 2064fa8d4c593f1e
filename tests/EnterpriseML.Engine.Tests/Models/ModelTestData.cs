using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>Small, cached slices of the shared datasets and a helper to train catalog pipelines on them quickly.</summary>
internal static class ModelTestData
{
    private static readonly Lazy<DataTable> Credit = new(() => CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv")));
    private static readonly Lazy<DataTable> Diamonds = new(() => Head(CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv")), 3000));
    private static readonly Lazy<DataTable> Sentiment = new(() =>
        Head(CsvTable.Read(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv")), 800).WithoutColumns(["source"]));

    public static DataTable CreditGerman => Credit.Value;

    public static DataTable DiamondsHead => Diamonds.Value;

    public static DataTable SentimentHead => Sentiment.Value;

    public static DataTable Head(DataTable table, int rows) =>
        table.SelectRows(Enumerable.Range(0, Math.Min(rows, table.RowCount)).ToArray());

    /// <summary>Small settings so every trainer fits in well under a second.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> FastSettings(string trainer) => trainer switch
    {
        "gbdt" => [new("NumberOfTrees", "20"), new("NumberOfLeaves", "8")],
        "random-forest" => [new("NumberOfTrees", "20")],
        _ => [],
    };

    /// <summary>A (dataset, label, task) the trainer supports, preferring a binary task.</summary>
    public static (DataTable Table, string Label, TaskKind Task, string? Positive) DataFor(string trainer, TaskKind task) => (trainer, task) switch
    {
        (_, TaskKind.Regression) => (DiamondsHead, "price", TaskKind.Regression, null),
        (_, TaskKind.Multiclass) => (CreditGerman, "housing", TaskKind.Multiclass, null),
        ("naive-bayes" or "linear-svm", _) => (SentimentHead, "label", TaskKind.Binary, "1"),
        _ => (CreditGerman, "class", TaskKind.Binary, "bad"),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, TaskKind), Lazy<(ModelPipeline, CandidateData)>> Trained = new();

    /// <summary>A trained pipeline (cached: models are immutable, so tests may share them) and the rows it was fitted on.</summary>
    public static ModelPipeline Train(string trainer, TaskKind task, out CandidateData data)
    {
        (var model, data) = Trained.GetOrAdd((trainer, task), key => new(() =>
        {
            var m = TrainUncached(key.Item1, key.Item2, out var d);
            return (m, d);
        })).Value;
        return model;
    }

    private static ModelPipeline TrainUncached(string trainer, TaskKind task, out CandidateData data)
    {
        var (table, label, t, positive) = DataFor(trainer, task);
        data = LabelEncoding.Encode(table, label, t, positive);
        var descriptor = TrainerCatalog.Get(trainer);
        var featurization = descriptor.Featurization();
        var instance = TrainerCatalog.Create(trainer, FastSettings(trainer), seed: 7, threads: 1);
        return TabularTraining.Fit(data, label, instance, featurization, new Dictionary<string, string> { ["trainer"] = trainer });
    }

    /// <summary>The bytes <see cref="ModelPipeline.Save"/> writes.</summary>
    public static byte[] Bytes(ModelPipeline model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    /// <summary>Every (trainer, task) pair the catalog offers.</summary>
    public static IEnumerable<object[]> TrainerTasks()
    {
        foreach (var d in TrainerCatalog.All.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            foreach (var task in d.Tasks)
            {
                yield return [d.Name, task];
            }
        }
    }

    /// <summary>Loads row <paramref name="row"/> of <paramref name="table"/> into the engine's inputs.</summary>
    public static void SetRow(PredictionEngine engine, DataTable table, int row)
    {
        engine.Clear();
        for (var i = 0; i < engine.Inputs.Count; i++)
        {
            var column = table[engine.Inputs[i].Name];
            switch (column)
            {
                case NumericColumn n:
                    engine.SetNumber(i, n.Values[row]);
                    break;
                case StringColumn s:
                    engine.SetText(i, s.Values[row]);
                    break;
                case DateTimeColumn d:
                    engine.Set(i, RawValue.FromTicks(d.Ticks[row]));
                    break;
            }
        }
    }

    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
