using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// <c>-- trees-predict [DATASET] [--trees N] [--leaves N] [--rows N] [--threads N]</c>: fits a GBDT (default 300 trees,
/// 31 leaves) and times batch prediction over N rows (the dataset's rows repeated) and single-row prediction, with the
/// plain raw-value walk and the compact layout's scalar kernel timed beside it on the same rows and threads.
/// </summary>
internal sealed class TreesPredictBench : IBenchCommand
{
    public string Name => "trees-predict";

    public int Run(string[] args)
    {
        var dataset = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "churn";
        int trees = 300, leaves = 31, rows = 500_000, threads = 2;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--trees": trees = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--leaves": leaves = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
            }
        }

        var spec = TreesData.Specs.Single(s => s.Name == dataset);
        var (x, y) = TreesData.Featurise(spec, TreesData.ReadTable(Path.Combine(TreesData.DatasetsDirectory(), spec.File)))[0];
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = trees, NumberOfLeaves = leaves, MaxDegreeOfParallelism = threads })
            .Fit(new TrainingSet(x, y, spec.Task));
        var big = Repeat(x, rows);
        // Batch prediction uses every core (MaxDegreeOfParallelism −1); this machine kind has two.
        var predictor = model;
        var output = new float[big.RowCount];
        predictor.PredictBatch(big, output);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        const int Repeats = 3;
        for (var r = 0; r < Repeats; r++)
        {
            predictor.PredictBatch(big, output);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;

        // The plain raw-value walk (the exactness reference), same rows and threads, for the side-by-side ratio.
        var ensemble = ((GbdtModel)model).Core.Ensemble;
        var margins = new double[big.RowCount * ensemble.OutputCount];
        ensemble.PredictRawBatchReference(big, margins, threads);
        process.Refresh();
        cpu = process.TotalProcessorTime;
        watch.Restart();
        for (var r = 0; r < Repeats; r++)
        {
            ensemble.PredictRawBatchReference(big, margins, threads);
        }

        var referenceSeconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var referenceCpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;

        // The compact layout's portable scalar kernel (eight rows in lockstep), the batch path before the vector kernel.
        var compact = ensemble.Compact;
        double scalarSeconds = double.NaN, scalarCpuSeconds = double.NaN;
        if (compact is not null)
        {
            compact.PredictRawBatch(big, margins, threads, CompactTrees.BatchKernel.Scalar);
            process.Refresh();
            cpu = process.TotalProcessorTime;
            watch.Restart();
            for (var r = 0; r < Repeats; r++)
            {
                compact.PredictRawBatch(big, margins, threads, CompactTrees.BatchKernel.Scalar);
            }

            scalarSeconds = watch.Elapsed.TotalSeconds;
            process.Refresh();
            scalarCpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        }

        var row = new float[x.ColumnCount];
        for (var j = 0; j < row.Length; j++)
        {
            row[j] = x.Dense[j * x.RowCount];
        }

        var single = new float[1];
        var (singleMicros, singleCpuMicros) = TimeSingle(() => model.Predict(new FeatureRow(row), single));
        var rowMargins = new double[ensemble.OutputCount];
        var (referenceMicros, referenceCpuMicros) = TimeSingle(() => ensemble.PredictRawReference(row, rowMargins));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"dataset\":\"{dataset}\",\"trees\":{((GbdtModel)model).TreeCount},\"leaves\":{leaves},\"threads\":{threads},\"kernel\":\"{compact?.PreferredKernel.ToString() ?? "none"}\",\"batchRowsPerSecond\":{Repeats * big.RowCount / seconds:F0},\"batchRowsPerCpuSecond\":{Repeats * big.RowCount / cpuSeconds:F0},\"referenceBatchRowsPerSecond\":{Repeats * big.RowCount / referenceSeconds:F0},\"referenceBatchRowsPerCpuSecond\":{Repeats * big.RowCount / referenceCpuSeconds:F0},\"scalarKernelBatchRowsPerSecond\":{Repeats * big.RowCount / scalarSeconds:F0},\"scalarKernelBatchRowsPerCpuSecond\":{Repeats * big.RowCount / scalarCpuSeconds:F0},\"singleRowMicroseconds\":{singleMicros:F2},\"singleRowCpuMicroseconds\":{singleCpuMicros:F2},\"referenceSingleRowMicroseconds\":{referenceMicros:F2},\"referenceSingleRowCpuMicroseconds\":{referenceCpuMicros:F2}}}"));
        return 0;
    }

    /// <summary>Wall and CPU microseconds per call of <paramref name="predict"/> (10,000 warm-up calls, then 100,000).</summary>
    private static (double Wall, double Cpu) TimeSingle(Action predict)
    {
        for (var r = 0; r < 10_000; r++)
        {
            predict();
        }

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        const int Singles = 100_000;
        for (var r = 0; r < Singles; r++)
        {
            predict();
        }

        var wall = watch.Elapsed.TotalMilliseconds * 1000 / Singles;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds * 1000 / Singles);
    }

    private static FeatureMatrix Repeat(FeatureMatrix x, int rows)
    {
        var dense = new float[rows * x.DenseColumnCount];
        for (var j = 0; j < x.DenseColumnCount; j++)
        {
            var column = x.DenseColumn(j);
            for (var i = 0; i < rows; i++)
            {
                dense[(j * rows) + i] = column[i % x.RowCount];
            }
        }

        return new FeatureMatrix(rows, dense, x.DenseColumnCount, null, x.Features);
    }
}
