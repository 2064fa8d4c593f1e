using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// <c>-- trees-sparse [--datasets DIR] [--threads 1] [--gbdt-trees 100] [--forest-trees 100] [--trainer gbdt|random-forest]</c>:
/// the tree trainers (both unless <c>--trainer</c> names one) on
/// sentiment's TF-IDF features (featurised as the general tree candidates do: 5,000 terms per n-gram kind, seen in
/// at least 2 documents; every fifth row to the test side), fitted on the sparse block and on the same block
/// densified, in one process after an untimed warm-up fit of each. Prints a markdown table: fit seconds of each
/// path with the CPU seconds the process used during the fit (fairer than wall seconds on a loaded machine), their
/// ratio, the largest difference between the two models' test predictions, whether the saved models are
/// byte-identical, and the test AUC.
/// </summary>
internal sealed class SparseTreesBench : IBenchCommand
{
    public string Name => "trees-sparse";

    public int Run(string[] args)
    {
        var datasets = BenchArguments.Get(args, "--datasets") ?? TreesData.DatasetsDirectory();
        var threads = int.Parse(BenchArguments.Get(args, "--threads") ?? "1", CultureInfo.InvariantCulture);
        var gbdtTrees = int.Parse(BenchArguments.Get(args, "--gbdt-trees") ?? "100", CultureInfo.InvariantCulture);
        var forestTrees = int.Parse(BenchArguments.Get(args, "--forest-trees") ?? "100", CultureInfo.InvariantCulture);
        var only = BenchArguments.Get(args, "--trainer");

        var table = CsvTable.Read(
            Path.Combine(datasets, "sentiment-uci-labelled-sentences.csv"),
            new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["text"] = ColumnType.Text } });
        var trainRows = Enumerable.Range(0, table.RowCount).Where(i => i % 5 != 0).ToArray();
        var testRows = Enumerable.Range(0, table.RowCount).Where(i => i % 5 == 0).ToArray();
        var features = table.WithoutColumns(["label"]);
        var options = FeaturizerOptions.Trees;
        options.TextColumns = ["text"];
        options.Text.MaximumVocabularySize = 5_000;
        options.Text.MinimumDocumentFrequency = 2;
        var pipeline = FeaturePipeline.Fit(features.SelectRows(trainRows), options);
        var labels = ((NumericColumn)table["label"]).Values.ToArray();
        var trainX = pipeline.Transform(features.SelectRows(trainRows));
        var testX = pipeline.Transform(features.SelectRows(testRows));
        var trainY = trainRows.Select(i => labels[i]).ToArray();
        var testY = testRows.Select(i => labels[i]).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sentiment: {trainX.RowCount} train × {trainX.ColumnCount} features ({trainX.DenseColumnCount} dense, {trainX.Sparse?.Values.Length ?? 0} stored sparse entries), {testX.RowCount} test rows, {threads} thread(s)"));
        Console.WriteLine();
        Console.WriteLine("| trainer | trees | densified fit s (CPU s) | sparse fit s (CPU s) | densified / sparse | max abs Δ test prediction | same model bytes | test AUC (sparse) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");

        var cases = new (string Name, int Trees, Func<int, ITrainer> Trainer)[]
        {
            ("gbdt", gbdtTrees, trees => new GbdtTrainer(new GbdtOptions { NumberOfTrees = trees, MaxDegreeOfParallelism = threads })),
            ("random-forest", forestTrees, trees => new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = trees, MaxDegreeOfParallelism = threads })),
        };
        foreach (var (name, trees, trainer) in cases)
        {
            if (only is not null && only != name)
            {
                continue;
            }

            var sparseSet = new TrainingSet(trainX, trainY, TaskKind.Binary);
            // The densified path is what the trainers did before; the copy is part of what it cost.
            Func<TrainingSet> densified = () => new TrainingSet(TreeInput.Densify(trainX, name), trainY, TaskKind.Binary);
            trainer(2).Fit(densified());
            trainer(2).Fit(sparseSet);

            var process = Process.GetCurrentProcess();
            var watch = Stopwatch.StartNew();
            var cpu = process.TotalProcessorTime;
            var denseModel = (TreeModel)trainer(trees).Fit(densified());
            var denseSeconds = watch.Elapsed.TotalSeconds;
            process.Refresh();
            var denseCpu = (process.TotalProcessorTime - cpu).TotalSeconds;
            watch.Restart();
            cpu = process.TotalProcessorTime;
            var sparseModel = (TreeModel)trainer(trees).Fit(sparseSet);
            var sparseSeconds = watch.Elapsed.TotalSeconds;
            process.Refresh();
            var sparseCpu = (process.TotalProcessorTime - cpu).TotalSeconds;

            var expected = Predict(denseModel, TreeInput.Densify(testX, name));
            var actual = Predict(sparseModel, testX);
            var largest = 0.0;
            for (var i = 0; i < expected.Length; i++)
            {
                largest = Math.Max(largest, Math.Abs(expected[i] - actual[i]));
            }

            var same = Bytes(denseModel).AsSpan().SequenceEqual(Bytes(sparseModel));
            var auc = BinaryMetrics.Compute(testY, actual).Auc;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {trees} | {denseSeconds:0.00} ({denseCpu:0.00}) | {sparseSeconds:0.00} ({sparseCpu:0.00}) | {denseSeconds / sparseSeconds:0.0}× | {largest:0.0e+0} | {(same ? "yes" : "no")} | {auc:0.0000} |"));
        }

        return 0;
    }

    private static float[] Predict(TreeModel model, FeatureMatrix x)
    {
        var output = new float[x.RowCount * model.OutputWidth];
        model.PredictBatch(x, output);
        return output;
    }

    private static byte[] Bytes(TreeModel model)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            model.Write(writer);
        }

        return stream.ToArray();
    }
}
