using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Batch prediction throughput of a 300-tree, 255-leaf GBDT on flights-1m (goal ≥ 500,000 rows/s on 2 threads):
/// <c>predict-batch [--train-rows N] [--threads N] [--rounds N]</c>. The model is fitted on the first N training rows
/// (default 200,000; the tree count and size, not the training rows, decide prediction cost) and scores the 250,000
/// test rows. Model-only timings also give rows per CPU-second of the process, the fairer figure on a loaded machine. The trained model predicts with all cores (the run prints how many). Reports the best of the rounds for the model alone (featurised matrix in) and for the whole pipeline
/// (raw table in: featurise + predict), and beside them, same matrix and threads, the plain raw-value walk and the
/// compact layout's scalar kernel.
/// </summary>
internal sealed class PredictBatchBench : IBenchCommand
{
    public string Name => "predict-batch";

    public int Run(string[] args)
    {
        var trainRows = int.Parse(BenchArguments.Get(args, "--train-rows") ?? "200000", CultureInfo.InvariantCulture);
        var threads = int.Parse(BenchArguments.Get(args, "--threads") ?? "2", CultureInfo.InvariantCulture);
        var rounds = int.Parse(BenchArguments.Get(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        var dir = PredictionBenchmarks.DatasetsDirectory();
        var train = CsvTable.Read(Path.Combine(dir, "flights-1m.train.csv.gz"));
        train = train.SelectRows(Enumerable.Range(0, Math.Min(trainRows, train.RowCount)).ToArray());
        var test = CsvTable.Read(Path.Combine(dir, "flights-1m.test.csv.gz"));
        var data = LabelEncoding.Encode(train, "delayed", TaskKind.Binary, "yes");
        var testData = LabelEncoding.Encode(test, "delayed", TaskKind.Binary, "yes", data.ClassNames);
        var settings = TrainerCatalog.ParseSettings(["NumberOfTrees=300", "NumberOfLeaves=255", "LearningRate=0.1"]);
        var clock = Stopwatch.StartNew();
        var model = TabularTraining.Fit(data, "delayed", TrainerCatalog.Create("gbdt", settings, seed: 42, threads: threads), TrainerCatalog.Get("gbdt").Featurization());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fit on {data.RowCount:N0} rows: {clock.Elapsed.TotalSeconds:F1} s"));

        var predictor = model.Predictor;
        var dop = predictor is Engine.Trainers.Trees.GbdtModel { MaxDegreeOfParallelism: var p } && p > 0 ? p : Environment.ProcessorCount;

        var features = model.Features.Transform(testData.Features);
        var output = new float[features.RowCount];
        var bestPipeline = double.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            clock.Restart();
            var f = model.Features.Transform(testData.Features);
            predictor.PredictBatch(f, output);
            bestPipeline = Math.Min(bestPipeline, clock.Elapsed.TotalSeconds);
        }

        var bestModel = Best(rounds, () => predictor.PredictBatch(features, output));

        // The plain raw-value walk (the exactness reference) on the same matrix and threads, for the side-by-side ratio.
        var ensemble = ((Engine.Trainers.Trees.GbdtModel)predictor).Core.Ensemble;
        var margins = new double[features.RowCount * ensemble.OutputCount];
        var bestReference = Best(rounds, () => ensemble.PredictRawBatchReference(features, margins, dop));

        // The compact layout's portable scalar kernel (eight rows in lockstep), the batch path before the vector kernel.
        var compact = ensemble.Compact;
        var bestScalar = compact is null
            ? (double.NaN, double.NaN)
            : Best(rounds, () => compact.PredictRawBatch(features, margins, dop, Engine.Trainers.Trees.CompactTrees.BatchKernel.Scalar));

        var auc = Engine.Evaluation.BinaryMetrics.Compute(testData.Labels, output).Auc;
        var rows = features.RowCount;
        string Rate((double Wall, double Cpu) t) => string.Create(
            CultureInfo.InvariantCulture, $"{rows / t.Wall:N0} rows/s ({t.Wall * 1000:F0} ms; {rows / t.Cpu:N0} rows per CPU-s)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| 300-tree × 255-leaf GBDT, flights-1m test ({rows:N0} rows), {dop} threads | model only: {Rate(bestModel)} | featurise + predict: {rows / bestPipeline:N0} rows/s ({bestPipeline * 1000:F0} ms) | reference walk, model only: {Rate(bestReference)} | compact scalar kernel, model only: {Rate(bestScalar)} | test AUC {auc:F4} | kernel: {compact?.PreferredKernel.ToString() ?? "none (plain walk)"} |"));
        return 0;
    }

    /// <summary>The shortest wall time and the least CPU time (this process) over <paramref name="rounds"/> runs, in seconds.</summary>
    private static (double Wall, double Cpu) Best(int rounds, Action run)
    {
        var process = Process.GetCurrentProcess();
        double wall = double.MaxValue, cpu = double.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            run();
            wall = Math.Min(wall, clock.Elapsed.TotalSeconds);
            process.Refresh();
            cpu = Math.Min(cpu, (process.TotalProcessorTime - cpuStart).TotalSeconds);
        }

        return (wall, cpu);
    }
}
