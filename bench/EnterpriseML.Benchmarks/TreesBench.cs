using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// <c>-- trees DATASET [--trainer gbdt|random-forest] [--split TEST_INDEX_FILE] [--threads N] [--warmup] [--set Name=Value ...]</c>:
/// reads a shared dataset, splits it (the Python peer script's test rows when given), fits, and prints one JSON line
/// with the metric, fit seconds, batch predict rows/s and peak working set. The timed fit is the process's first, so
/// it includes compiling the trainer's code; <c>--warmup</c> fits once untimed before it, to show that share.
/// </summary>
internal sealed class TreesBench : IBenchCommand
{
    public string Name => "trees";

    public int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: trees DATASET [--trainer gbdt|random-forest] [--split FILE] [--threads N] [--warmup] [--set Name=Value ...]");
            return 2;
        }

        var spec = TreesData.Specs.Single(s => s.Name == args[0]);
        var trainerName = "gbdt";
        string? splitFile = null;
        var threads = 2;
        var warmup = false;
        var settings = new List<(string, string)>();
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--trainer": trainerName = args[++i]; break;
                case "--split": splitFile = args[++i]; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = true; break;
                case "--set":
                    var kv = args[++i].Split('=', 2);
                    settings.Add((kv[0], kv[1]));
                    break;
                default: throw new ArgumentException($"Unknown argument {args[i]}");
            }
        }

        var dir = TreesData.DatasetsDirectory();
        var readWatch = Stopwatch.StartNew();
        FeatureMatrix trainX, testX;
        float[] trainY, testY;
        if (spec.TestFile is not null)
        {
            var data = TreesData.Featurise(spec, TreesData.ReadTable(Path.Combine(dir, spec.File)), TreesData.ReadTable(Path.Combine(dir, spec.TestFile)));
            (trainX, trainY) = data[0];
            (testX, testY) = data[1];
        }
        else
        {
            var table = TreesData.ReadTable(Path.Combine(dir, spec.File));
            var all = TreesData.Featurise(spec, table)[0];
            var test = splitFile is not null
                ? File.ReadAllLines(splitFile).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray()
                : TreesData.StratifiedTestRows(all.Labels, spec.Task != TaskKind.Regression, 42);
            var isTest = new bool[table.RowCount];
            foreach (var r in test)
            {
                isTest[r] = true;
            }

            var trainRows = Enumerable.Range(0, table.RowCount).Where(r => !isTest[r]).ToArray();
            var testRows = Enumerable.Range(0, table.RowCount).Where(r => isTest[r]).ToArray();
            // Category codes come from the training rows only.
            var split = TreesData.Featurise(spec, table.SelectRows(trainRows), table.SelectRows(testRows));
            (trainX, trainY) = split[0];
            (testX, testY) = split[1];
        }

        readWatch.Stop();
        var trainer = CreateTrainer(trainerName, threads, settings);
        if (warmup)
        {
            trainer.Fit(new TrainingSet(trainX, trainY, spec.Task));
        }

        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var model = trainer.Fit(new TrainingSet(trainX, trainY, spec.Task));
        var fitSeconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var fitCpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var predictions = new float[testX.RowCount];
        model.PredictBatch(testX, predictions);
        process.Refresh();
        cpuBefore = process.TotalProcessorTime;
        watch.Restart();
        var repeats = Math.Max(1, 200_000 / Math.Max(1, testX.RowCount));
        for (var r = 0; r < repeats; r++)
        {
            model.PredictBatch(testX, predictions);
        }

        var rowsPerSecond = repeats * (double)testX.RowCount / watch.Elapsed.TotalSeconds;
        process.Refresh();
        // Rows per CPU-second: less sensitive to other load on a shared machine than wall-clock rows/s.
        var rowsPerCpuSecond = repeats * (double)testX.RowCount / (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var metric = spec.Task == TaskKind.Regression
            ? $"\"rmse\":{TreesData.Rmse(predictions, testY):F2}"
            : $"\"auc\":{TreesData.Auc(predictions, testY):F4}";
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"dataset\":\"{spec.Name}\",\"trainer\":\"eml-{trainerName}{(warmup ? "-warm" : "")}\",{metric},\"fitSeconds\":{fitSeconds:F3},\"fitCpuSeconds\":{fitCpuSeconds:F3},\"predictRowsPerSecond\":{rowsPerSecond:F0},\"predictRowsPerCpuSecond\":{rowsPerCpuSecond:F0},\"peakMB\":{peakMb:F0},\"trainRows\":{trainX.RowCount},\"readSeconds\":{readWatch.Elapsed.TotalSeconds:F1}}}"));
        return 0;
    }

    private static ITrainer CreateTrainer(string name, int threads, List<(string Name, string Value)> settings)
    {
        object options = name switch
        {
            "gbdt" => new GbdtOptions { MaxDegreeOfParallelism = threads },
            "random-forest" => new RandomForestOptions { MaxDegreeOfParallelism = threads },
            _ => throw new ArgumentException($"Unknown trainer {name}"),
        };
        foreach (var (key, value) in settings)
        {
            var property = options.GetType().GetProperty(key) ?? throw new ArgumentException($"Unknown option {key}");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object parsed = type.IsArray
                ? ParseArray(type.GetElementType()!, value)
                : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            property.SetValue(options, parsed);
        }

        return options switch
        {
            GbdtOptions g => new GbdtTrainer(g),
            RandomForestOptions r => new RandomForestTrainer(r),
            _ => throw new InvalidOperationException(),
        };
    }

    private static Array ParseArray(Type element, string value)
    {
        var parts = value.Split(',');
        var array = Array.CreateInstance(element, parts.Length);
        for (var i = 0; i < parts.Length; i++)
        {
            array.SetValue(Convert.ChangeType(parts[i], element, CultureInfo.InvariantCulture), i);
        }

        return array;
    }
}
