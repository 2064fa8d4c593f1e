using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Single-row prediction through the whole pipeline (raw values → featurizers → model), as an API or an in-process
/// caller does it. Issue 3 goals: ≤ 5 µs for numeric inputs, ≤ 20 µs with text.
/// Run: <c>dotnet run -c Release --project bench/EnterpriseML.Benchmarks -- --filter *PredictionBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 8)]
public class PredictionBenchmarks
{
    private PredictionEngine _numeric = null!;
    private PredictionEngine _credit = null!;
    private PredictionEngine _text = null!;
    private readonly float[] _output = new float[1];

    [GlobalSetup]
    public void Setup()
    {
        // fraud-sensor: all-numeric inputs, 300-tree GBDT.
        _numeric = PredictionData.Fit("fraud-sensor-anomaly-singlehop.csv", "label", "gbdt", ["NumberOfTrees=300"]).Engine;
        PredictionData.SetRow(_numeric, "fraud-sensor-anomaly-singlehop.csv", 5);

        // credit-german: numeric + categorical inputs, 300-tree GBDT.
        _credit = PredictionData.Fit("credit-german-statlog.csv", "class", "gbdt", ["NumberOfTrees=300"]).Engine;
        PredictionData.SetRow(_credit, "credit-german-statlog.csv", 5);

        // sentiment: one text column, TF-IDF word + char n-grams, logistic regression.
        _text = PredictionData.Fit("sentiment-uci-labelled-sentences.csv", "label", "logistic-regression", [], ignore: "source").Engine;
        _text.SetText(_text.IndexOf("text"), "The food was great but the service was painfully slow and nobody apologised.");
    }

    [Benchmark]
    public float NumericGbdt300()
    {
        _numeric.Predict(_output);
        return _output[0];
    }

    [Benchmark]
    public float CreditGbdt300()
    {
        _credit.Predict(_output);
        return _output[0];
    }

    [Benchmark]
    public float TextLogisticRegression()
    {
        _text.Predict(_output);
        return _output[0];
    }
}

internal static class PredictionData
{
    public static string Dataset(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EnterpriseML.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? ".", "..", "shared", "datasets", name);
    }

    public static (ModelPipeline Model, PredictionEngine Engine, CandidateData Data) Fit(string file, string label, string trainer, string[] settings, string? ignore = null, int threads = 2)
    {
        var table = CsvTable.Read(Dataset(file));
        if (ignore is not null)
        {
            table = table.WithoutColumns([ignore]);
        }

        var data = LabelEncoding.Encode(table, label, LabelEncoding.InferTask(table[label]));
        var descriptor = TrainerCatalog.Get(trainer);
        var model = TabularTraining.Fit(data, label, TrainerCatalog.Create(trainer, TrainerCatalog.ParseSettings(settings), 1, threads), descriptor.Featurization());
        return (model, model.CreateEngine(), data);
    }

    public static void SetRow(PredictionEngine engine, string file, int row)
    {
        var table = CsvTable.Read(Dataset(file));
        for (var i = 0; i < engine.Inputs.Count; i++)
        {
            engine.Set(i, table[engine.Inputs[i].Name] switch
            {
                NumericColumn n => RawValue.FromNumber(n.Values[row]),
                StringColumn s => RawValue.FromText(s.Values[row]),
                _ => RawValue.Missing,
            });
        }
    }
}

/// <summary>
/// Batch throughput of a 300-tree GBDT (issue 3 goal: ≥ 500,000 rows/s on 2 threads), featurised matrix in, best of 5.
/// Run: <c>dotnet run -c Release --project bench/EnterpriseML.Benchmarks -- predict-batch</c>.
/// </summary>
internal sealed class PredictBatchCommand : IBenchCommand
{
    public string Name => "predict-batch";

    public int Run(string[] args)
    {
        foreach (var (file, label) in new[] { ("credit-german-statlog.csv", "class"), ("tabular-diamonds.csv", "price") })
        {
            var (model, _, data) = PredictionData.Fit(file, label, "gbdt", ["NumberOfTrees=300"]);
            // Replicate the rows to about 500,000 so the measurement is long enough.
            var copies = Math.Max(1, 500_000 / data.RowCount);
            var rows = new int[data.RowCount * copies];
            for (var i = 0; i < rows.Length; i++)
            {
                rows[i] = i % data.RowCount;
            }

            var features = model.Features.Transform(data.Features.SelectRows(rows));
            var output = new float[features.RowCount];
            model.Predictor.PredictBatch(features, output);
            var best = double.MaxValue;
            for (var round = 0; round < 5; round++)
            {
                var clock = Stopwatch.StartNew();
                model.Predictor.PredictBatch(features, output);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }

            Console.WriteLine($"{file}: 300-tree GBDT, {features.RowCount:N0} featurised rows, best of 5: {features.RowCount / best:N0} rows/s ({best:F3} s), threads: default (all {Environment.ProcessorCount} cores)");
        }

        return 0;
    }
}
