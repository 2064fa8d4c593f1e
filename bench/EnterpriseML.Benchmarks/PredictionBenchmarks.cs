using BenchmarkDotNet.Attributes;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Single-row, in-process prediction through the whole pipeline (raw values in, featurise, predict; goals ≤ 5 µs for
/// numeric inputs and ≤ 20 µs with text). Models are trained in the setup on the shared datasets with default options;
/// each call loads the next held-out row's raw values into a reused <see cref="PredictionEngine"/> and predicts.
/// Run: dotnet run -c Release --project bench/EnterpriseML.Benchmarks -- --filter '*PredictionBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class PredictionBenchmarks
{
    private readonly float[] _output = new float[1];
    private Row _sensorGbdt = null!;
    private Row _creditGbdt = null!;
    private Row _creditLogistic = null!;
    private Row _sentimentLogistic = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sensorGbdt = Row.Train("fraud-sensor-anomaly-singlehop.csv", "label", "1", "gbdt", []);
        _creditGbdt = Row.Train("credit-german-statlog.csv", "class", "bad", "gbdt", []);
        _creditLogistic = Row.Train("credit-german-statlog.csv", "class", "bad", "logistic-regression", []);
        _sentimentLogistic = Row.Train("sentiment-uci-labelled-sentences.csv", "label", "1", "logistic-regression", ["source"]);
    }

    [Benchmark(Description = "gbdt (100 trees), fraud-sensor: 5 numeric inputs")]
    public float GbdtNumeric() => _sensorGbdt.PredictNext(_output);

    [Benchmark(Description = "gbdt (100 trees), credit-german: 7 numeric + 13 categorical inputs")]
    public float GbdtMixed() => _creditGbdt.PredictNext(_output);

    [Benchmark(Description = "logistic-regression, credit-german: 7 numeric + 13 categorical inputs")]
    public float LogisticMixed() => _creditLogistic.PredictNext(_output);

    [Benchmark(Description = "logistic-regression, sentiment: one text input (TF-IDF words + char n-grams)")]
    public float LogisticText() => _sentimentLogistic.PredictNext(_output);

    /// <summary>A trained pipeline, its engine and the held-out rows' raw values, cycled through.</summary>
    internal sealed class Row
    {
        private readonly PredictionEngine _engine;
        private readonly RawRows _rows;
        private int _next;

        private Row(PredictionEngine engine, RawRows rows)
        {
            _engine = engine;
            _rows = rows;
        }

        public static Row Train(string file, string label, string positive, string trainer, string[] ignore)
        {
            var (model, test) = Fit(file, label, positive, trainer, ignore);
            var engine = model.CreateEngine();
            return new Row(engine, new RawRows(engine, test));
        }

        public static (ModelPipeline Model, DataTable Test) Fit(string file, string label, string positive, string trainer, string[] ignore)
        {
            var table = CsvTable.Read(Path.Combine(DatasetsDirectory(), file)).WithoutColumns(ignore);
            var data = LabelEncoding.Encode(table, label, TaskKind.Binary, positive);
            var (train, test) = Engine.Evaluation.DataSplits.TrainTest(data.RowCount, 0.2, 42, data.Labels);
            var descriptor = TrainerCatalog.Get(trainer);
            var model = TabularTraining.Fit(data.SelectRows(train), label, TrainerCatalog.Create(trainer, seed: 42, threads: 1), descriptor.Featurization());
            return (model, data.Features.SelectRows(test));
        }

        public float PredictNext(float[] output)
        {
            _rows.Load(_next);
            _next = _next + 1 == _rows.Count ? 0 : _next + 1;
            _engine.Predict(output);
            return output[0];
        }
    }

    /// <summary>Raw per-row values kept as the engine's typed inputs, so loading a row is a few array reads.</summary>
    internal sealed class RawRows
    {
        private readonly PredictionEngine _engine;
        private readonly Engine.Featurizers.RawValue[][] _values;

        public RawRows(PredictionEngine engine, DataTable table)
        {
            _engine = engine;
            Count = table.RowCount;
            _values = new Engine.Featurizers.RawValue[Count][];
            for (var r = 0; r < Count; r++)
            {
                var row = new Engine.Featurizers.RawValue[engine.Inputs.Count];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = table[engine.Inputs[i].Name] switch
                    {
                        NumericColumn n => Engine.Featurizers.RawValue.FromNumber(n.Values[r]),
                        StringColumn s => Engine.Featurizers.RawValue.FromText(s.Values[r]),
                        DateTimeColumn d => Engine.Featurizers.RawValue.FromTicks(d.Ticks[r]),
                        _ => Engine.Featurizers.RawValue.Missing,
                    };
                }

                _values[r] = row;
            }
        }

        public int Count { get; }

        public void Load(int row)
        {
            var values = _values[row];
            for (var i = 0; i < values.Length; i++)
            {
                _engine.Set(i, values[i]);
            }
        }
    }

    internal static string DatasetsDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EnterpriseML.sln")))
        {
            dir = dir.Parent;
        }

        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "datasets"));
    }
}
