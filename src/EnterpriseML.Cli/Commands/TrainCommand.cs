using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Registry;
using Spectre.Console;

namespace EnterpriseML.Cli.Commands;

/// <summary><c>eml train</c>: fit one trainer on a CSV, evaluate on --test or a 20 % stratified holdout, optionally save.</summary>
internal sealed class TrainCommand : ICliCommand
{
    public Command Create()
    {
        var train = new Option<FileInfo>("--train") { Description = "Training CSV.", Required = true };
        var test = new Option<FileInfo?>("--test") { Description = "Test CSV (default: a 20 % holdout of --train, stratified on a class label; per user for recommendation)." };
        var label = new Option<string?>("--label") { Description = "Label column (rating column for recommendation)." };
        var positive = new Option<string?>("--positive") { Description = "Positive class of a binary label (default: 1 of 0/1, yes/true of yes/no and true/false labels, else the minority class)." };
        var task = new Option<string?>("--task") { Description = "binary | multiclass | regression | recommendation (default: inferred from the label)." };
        var trainer = new Option<string>("--trainer") { Description = "Trainer: " + string.Join(", ", TrainerCatalog.All.Select(d => d.Name)) + "; recommendation: matrix-factorization, implicit-als, item-knn, popularity.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Trainer option, Name=Value (repeatable).", AllowMultipleArgumentsPerToken = true };
        var ignore = new Option<string[]>("--ignore") { Description = "Column to leave out (repeatable).", AllowMultipleArgumentsPerToken = true };
        var text = new Option<string[]>("--text") { Description = "Featurise this column as free text (repeatable).", AllowMultipleArgumentsPerToken = true };
        var categorical = new Option<string[]>("--categorical") { Description = "Featurise this column as categorical (repeatable).", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int?>("--threads") { Description = "Threads for training (default: all cores)." }.AtLeastOne();
        var save = new Option<FileInfo?>("--save") { Description = "Write the fitted model here (.eml)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of a table." };
        var user = new Option<string?>("--user") { Description = "Recommendation: the user column." };
        var item = new Option<string?>("--item") { Description = "Recommendation: the item column." };
        var maxColumns = CliOptions.MaxColumns();
        var encoding = CliOptions.Encoding();
        var testEncoding = CliOptions.TestEncoding();
        var command = new Command("train", "Train one model and report its test metrics.")
        {
            train, test, label, positive, task, trainer, set, ignore, text, categorical, seed, threads, save, json, user, item, maxColumns, encoding, testEncoding,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(async token =>
        {
            var taskName = parse.GetValue(task);
            if (string.Equals(taskName, "recommendation", StringComparison.OrdinalIgnoreCase))
            {
                // Tabular options would be dropped without a word (an --ignore that ignores nothing), as --user is on a tabular task.
                foreach (var (option, given) in new[]
                {
                    ("--positive", parse.GetValue(positive) is not null), ("--ignore", parse.GetValue(ignore) is { Length: > 0 }),
                    ("--text", parse.GetValue(text) is { Length: > 0 }), ("--categorical", parse.GetValue(categorical) is { Length: > 0 }),
                })
                {
                    if (given)
                    {
                        throw new ArgumentException($"{option} applies to tabular training, not to --task recommendation: it reads only the --user, --item and --label columns (and --set timestamp=, weight=, segment=).");
                    }
                }

                var request = new RecommendationTrainRequest(
                    parse.GetValue(train)!.FullName, parse.GetValue(test)?.FullName,
                    parse.GetValue(user) ?? throw new ArgumentException("--task recommendation needs --user COL."),
                    parse.GetValue(item) ?? throw new ArgumentException("--task recommendation needs --item COL."),
                    parse.GetValue(label), parse.GetValue(trainer)!, parse.GetValue(set) ?? [], parse.GetValue(seed),
                    parse.GetValue(threads), parse.GetValue(save)?.FullName, parse.GetValue(json))
                {
                    MaxColumns = parse.GetValue(maxColumns),
                    Encoding = parse.GetValue(encoding),
                    TestEncoding = parse.GetValue(testEncoding),
                };
                return await RecommendationTraining.RunAsync(request, Console.Out, token);
            }

            CliOptions.OnlyForRecommendation("tabular training (--task recommendation trains a recommender)", ("--user", parse.GetValue(user)), ("--item", parse.GetValue(item)));
            var args = new TrainArguments(
                parse.GetValue(train)!, parse.GetValue(test),
                parse.GetValue(label) ?? throw new ArgumentException("--label is required."),
                parse.GetValue(positive), taskName, parse.GetValue(trainer)!, parse.GetValue(set) ?? [], parse.GetValue(ignore) ?? [],
                parse.GetValue(text) ?? [], parse.GetValue(categorical) ?? [], parse.GetValue(seed), parse.GetValue(threads),
                parse.GetValue(save), parse.GetValue(json), parse.GetValue(maxColumns), parse.GetValue(encoding), parse.GetValue(testEncoding));
            var result = args.Json ? Run(args, _ => { }, token)
                : AnsiConsole.Profile.Capabilities.Interactive ? RunWithProgress(args, token)
                : Run(args, step => Console.Error.WriteLine(step), token); // a file or a pipe gets the results only; the steps go to stderr
            foreach (var warning in result.Warnings)
            {
                await Console.Error.WriteLineAsync("eml: warning: " + warning);
            }

            Report(result, args);
            return 0;
        }, ct));
        return command;
    }

    internal sealed record TrainArguments(
        FileInfo Train, FileInfo? Test, string Label, string? Positive, string? Task, string Trainer, string[] Settings, string[] Ignore,
        string[] Text, string[] Categorical, int Seed, int? Threads, FileInfo? Save, bool Json, int MaxColumns = CsvOptions.DefaultMaxColumns, string? Encoding = null,
        string? TestEncoding = null);

    internal sealed record TrainResult(TaskKind Task, string Trainer, IReadOnlyDictionary<string, double> Metrics, double FitSeconds, double PredictMicrosecondsPerRow, int TrainRows, int TestRows, string? SavedTo)
    {
        /// <summary>What the user should know about the result (printed on stderr as <c>eml: warning: ...</c>).</summary>
        public IReadOnlyList<string> Warnings { get; init; } = [];
    }

    private static TrainResult RunWithProgress(TrainArguments args, CancellationToken cancellationToken)
    {
        TrainResult? result = null;
        AnsiConsole.Status().Spinner(Spinner.Known.Dots).Start("Reading data…", ctx =>
        {
            result = Run(args, step => ctx.Status(step), cancellationToken);
        });
        return result!;
    }

    /// <summary>The whole train-and-evaluate flow; <paramref name="progress"/> receives step names.</summary>
    internal static TrainResult Run(TrainArguments args, Action<string> progress, CancellationToken cancellationToken)
    {
        var descriptor = TrainerCatalog.Get(args.Trainer);
        var settings = TrainerCatalog.ParseSettings(args.Settings);
        var overrides = new Dictionary<string, ColumnType>(StringComparer.Ordinal);
        foreach (var c in args.Text)
        {
            overrides[c] = ColumnType.Text;
        }

        foreach (var c in args.Categorical)
        {
            overrides[c] = ColumnType.Categorical;
        }

        var limits = CliOptions.CsvLimits(args.MaxColumns, args.Encoding);
        var testLimits = CliOptions.TestCsvLimits(args.MaxColumns, args.Encoding, args.TestEncoding, args.Test?.FullName);
        CliPaths.CsvInput(args.Train.FullName, "--train");
        if (args.Test is not null)
        {
            CliPaths.CsvInput(args.Test.FullName, "--test");
        }

        if (args.Save is not null)
        {
            CliPaths.Output(args.Save.FullName, "--save");
            CliPaths.NotAnInput(args.Save.FullName, "--save", ("--train", args.Train.FullName), ("--test", args.Test?.FullName));
        }

        progress($"Reading {args.Train.Name}…");
        // Unknown --text/--categorical names are reported by CheckColumns, in the CLI's words.
        var table = CsvTable.Read(args.Train.FullName, new CsvOptions { SourceName = args.Train.Name, ColumnTypes = overrides, IgnoreUnknownColumnTypes = true, MaxColumns = limits.MaxColumns, MaxColumnsSetting = limits.MaxColumnsSetting, Encoding = limits.Encoding, EncodingSetting = limits.EncodingSetting }, cancellationToken);
        CheckColumns(table, args);
        var warnings = CliOptions.TypeNotes(table, args.Label, args.Ignore).Concat(CliOptions.IdentifierNotes(table, args.Label, args.Ignore))
            .Concat(CliOptions.EmptyColumnNotes(table, args.Label, args.Ignore)).ToList();
        table = table.WithoutColumns(args.Ignore);
        if (table.Columns.Count == 1)
        {
            var ignored = args.Ignore.Length == 0 ? "" : $" and the ignored {string.Join(", ", args.Ignore.Select(i => $"'{i}'"))}";
            throw new ArgumentException($"{args.Train.Name} has no column to learn from: besides the label '{args.Label}'{ignored}, there is none.");
        }

        var named = ParseTask(args.Task);
        var labelColumn = table[args.Label];
        if (named is { } n && LabelEncoding.TaskMismatch(n, args.Label, labelColumn.Type, LabelEncoding.DistinctValues(labelColumn)) is { } mismatch)
        {
            throw new ArgumentException($"--task {mismatch}");
        }

        // A label that cannot be one names the training file and the lines of its values, as eml automl's does.
        var task = named ?? CliPaths.InFile(args.Train.FullName, () => LabelEncoding.InferTask(labelColumn));
        CliOptions.PositiveNeedsBinary(args.Positive, args.Label, task);

        if (!descriptor.Tasks.Contains(task))
        {
            // A numeric label read as class codes (LabelEncoding.IsClassCodes) may be meant as a quantity: say how.
            var codes = args.Task is null && task == TaskKind.Multiclass && table[args.Label] is NumericColumn
                ? $"; '{args.Label}' holds a few whole numbers, read as class codes: --task regression treats them as a quantity"
                : "";
            throw new ArgumentException($"Trainer '{descriptor.Name}' does not support {task.ToString().ToLowerInvariant()} tasks (it supports {string.Join(", ", descriptor.Tasks).ToLowerInvariant()}){codes}.");
        }

        CandidateData trainData, testData;
        var all = LabelEncoding.Encode(table, args.Label, task, args.Positive);
        CheckLogLinkLabels(descriptor.Name, args.Label, args.Train.Name, all.Labels);
        // Rows without a label are left out, which the user should hear about (with their lines), as eml automl says it.
        warnings.AddRange(new[] { LabelEncoding.RowsWithoutLabelNote(all, "training"), LabelEncoding.CaseVariantClassesNote(all) }.OfType<string>());
        if (args.Test is not null)
        {
            progress($"Reading {args.Test.Name}…");
            var types = table.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
            var testTable = CsvTable.Read(args.Test.FullName, new CsvOptions { SourceName = args.Test.Name, ColumnTypes = types, IgnoreUnknownColumnTypes = true, MaxColumns = testLimits.MaxColumns, MaxColumnsSetting = testLimits.MaxColumnsSetting, Encoding = testLimits.Encoding, EncodingSetting = testLimits.EncodingSetting }, cancellationToken)
                .WithoutColumns(args.Ignore);
            CliOptions.TestHasTrainingColumns(table, testTable, args.Train.FullName, args.Test.FullName);
            if (CliPaths.TestIsTrainNote(args.Train.FullName, args.Test.FullName) is { } same)
            {
                warnings.Add(same);
            }
            trainData = all;
            testData = CliPaths.InFile(args.Test.FullName, () => LabelEncoding.Encode(testTable, args.Label, task, args.Positive, task == TaskKind.Regression ? null : all.ClassNames));
            CheckLogLinkLabels(descriptor.Name, args.Label, args.Test.Name, testData.Labels);
            if (LabelEncoding.RowsWithoutLabelNote(testData, "test") is { } unlabelled)
            {
                warnings.Add(unlabelled);
            }
        }
        else
        {
            // The holdout is stratified: a binary class needs a row on each side, or the metrics that rank by it (AUC,
            // AUPRC, KS) are undefined. (A rare class of many keeps its one row for training; accuracy still holds.)
            if (task == TaskKind.Binary && RarestClass(all) is { Count: < 2 } rare)
            {
                throw new ArgumentException($"Label '{args.Label}' has {rare.Count} row{(rare.Count == 1 ? "" : "s")} of class '{rare.Name}' among {all.RowCount}: " +
                    "a 20 % holdout of a binary label needs at least 2 rows of each class (one to train on, one to test); add rows of that class or give --test.");
            }

            var (trainRows, testRows) = DataSplits.TrainTest(all.RowCount, 0.2, args.Seed, task == TaskKind.Regression ? default : all.Labels);
            trainData = all.SelectRows(trainRows);
            testData = all.SelectRows(testRows);
        }

        if (task != TaskKind.Regression && RarestClass(trainData) is { Count: 0 } missing)
        {
            throw new ArgumentException($"The training rows of '{args.Label}' hold no row of class '{missing.Name}': a classifier needs rows of every class.");
        }

        var featurization = descriptor.Featurization();
        featurization.TextColumns = args.Text;
        featurization.CategoricalColumns = args.Categorical;
        var trainer = TrainerCatalog.Create(descriptor.Name, settings, args.Seed, args.Threads);
        if (settings.FirstOrDefault(kv => string.Equals(kv.Key, "EarlyStoppingRounds", StringComparison.OrdinalIgnoreCase)) is { Key: not null } early
            && int.TryParse(early.Value, System.Globalization.CultureInfo.InvariantCulture, out var rounds) && rounds > 0)
        {
            // The option is valid, but eml train gives the trainer no validation rows to stop on: say so, not nothing.
            warnings.Add($"--set {early.Key}={early.Value} has no effect: GBDT stops early only on validation rows, and eml train holds none out, so every tree is fitted.");
        }
        progress($"Training {descriptor.Name} on {trainData.RowCount:N0} rows…");
        var clock = Stopwatch.StartNew();
        var metadata = new Dictionary<string, string>
        {
            ["trainer"] = descriptor.Name,
            ["parameters"] = JsonSerializer.Serialize(settings.ToDictionary(kv => kv.Key, kv => kv.Value)),
            ["seed"] = args.Seed.ToString(CultureInfo.InvariantCulture),
        };
        var model = TabularTraining.Fit(trainData, args.Label, trainer, featurization, metadata, cancellationToken);
        var fitSeconds = clock.Elapsed.TotalSeconds;

        progress($"Evaluating on {testData.RowCount:N0} rows…");
        // Warm up (JIT, lazy tables) on a few rows so the timing is of steady-state prediction.
        var warm = Enumerable.Range(0, Math.Min(testData.RowCount, 64)).ToArray();
        _ = model.Predict(testData.Features.SelectRows(warm), cancellationToken);
        // Best of up to five timed passes (stopping once 0.5 s have been spent), so a freshly started process's tiered
        // JIT and thread-pool ramp-up do not dominate the per-row figure on small test sets.
        float[] outputs = [];
        var best = double.MaxValue;
        var spent = Stopwatch.StartNew();
        for (var pass = 0; pass < 5 && (pass == 0 || spent.Elapsed.TotalSeconds < 0.5); pass++)
        {
            clock.Restart();
            outputs = model.Predict(testData.Features, cancellationToken);
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        var predictMicros = testData.RowCount == 0 ? 0 : best * 1000 / testData.RowCount;
        var metrics = TabularTraining.Metrics(task, testData.Labels, outputs, trainData.ClassNames.Count);
        if (task == TaskKind.Binary && RarestClass(testData) is { Count: 0 } absent)
        {
            // Ranking metrics compare the two classes' scores; with one class they are undefined (NaN, null in JSON).
            warnings.Add($"the test rows hold no row of class '{absent.Name}', so auc, auprc, ks and gini are undefined (NaN; null in --json).");
        }

        if (task == TaskKind.Multiclass && UnscoredClasses(trainData, testData) is { Length: > 0 } unscored)
        {
            // A class of one row keeps it for training (or a --test file lacks a class): the macro metrics average the
            // classes the test rows hold, so a class the model may never find goes unmeasured unless this says so.
            var which = string.Join(", ", unscored.Select(c => string.Create(CultureInfo.InvariantCulture, $"'{c.Name}' ({c.TrainRows:N0} training row{(c.TrainRows == 1 ? "" : "s")})")));
            var held = trainData.ClassNames.Count - unscored.Length;
            warnings.Add($"the test rows hold no row of class{(unscored.Length == 1 ? "" : "es")} {which}, so the metrics do not measure how the model finds {(unscored.Length == 1 ? "it" : "them")}; macroAccuracy averages the {held} classes they hold.");
        }

        string? saved = null;
        if (args.Save is not null)
        {
            progress($"Saving {args.Save.Name}…");
            saved = Atomic.WriteFile(args.Save.FullName, model.Save);
        }

        return new TrainResult(task, descriptor.Name, metrics, fitSeconds, predictMicros, trainData.RowCount, testData.RowCount, saved) { Warnings = warnings };
    }

    /// <summary>
    /// Poisson and Tweedie regression model a log of the mean, so every target must be 0 or more: checked on the whole
    /// file before the split, naming the file, how many values and the first of them (the trainer itself only sees
    /// the shuffled training part).
    /// </summary>
    private static void CheckLogLinkLabels(string trainer, string label, string file, float[] labels)
    {
        if (trainer is not ("poisson" or "tweedie"))
        {
            return;
        }

        var negative = labels.Where(y => y < 0).ToArray();
        if (negative.Length > 0)
        {
            throw new ArgumentException($"{file}: label '{label}' holds {negative.Length} negative value{(negative.Length == 1 ? "" : "s")} (the first: {negative[0].ToString(CultureInfo.InvariantCulture)}); " +
                $"{trainer} regression needs targets of 0 or more (counts, amounts).");
        }
    }

    /// <summary>The classes <paramref name="test"/> has no row of, with their training row counts, in class order.</summary>
    private static (string Name, int TrainRows)[] UnscoredClasses(CandidateData train, CandidateData test)
    {
        var inTrain = new int[train.ClassNames.Count];
        var inTest = new int[train.ClassNames.Count];
        foreach (var label in train.Labels)
        {
            inTrain[(int)label]++;
        }

        foreach (var label in test.Labels)
        {
            inTest[(int)label]++;
        }

        return [.. Enumerable.Range(0, inTest.Length).Where(k => inTest[k] == 0).Select(k => (train.ClassNames[k], inTrain[k]))];
    }

    /// <summary>The class with the fewest rows in <paramref name="data"/> (zero for a class it has none of).</summary>
    private static (string Name, int Count) RarestClass(CandidateData data)
    {
        var counts = new int[data.ClassNames.Count];
        foreach (var label in data.Labels)
        {
            counts[(int)label]++;
        }

        var rarest = Array.IndexOf(counts, counts.Min());
        return (data.ClassNames[rarest], counts[rarest]);
    }

    private static void CheckColumns(DataTable table, TrainArguments args)
    {
        // The option a name came from is said first, in eml automl's words: a misspelt --ignore is not the label.
        (string Option, string[] Names)[] named = [("--label", [args.Label]), ("--ignore", args.Ignore), ("--text", args.Text), ("--categorical", args.Categorical)];
        foreach (var (option, names) in named)
        {
            foreach (var name in names)
            {
                if (!table.TryGetColumn(name, out _))
                {
                    throw new ArgumentException(CliOptions.NoSuchColumn(option, name, args.Train.Name, [.. table.Columns.Select(c => c.Name)]));
                }
            }
        }

        if (args.Ignore.Contains(args.Label, StringComparer.Ordinal))
        {
            throw new ArgumentException($"--ignore {args.Label}: the label cannot be ignored.");
        }
    }

    /// <summary>The tabular task <c>--task</c> names (recommendation took its own path before); the names are <see cref="LabelEncoding.TryParseTask"/>'s.</summary>
    internal static TaskKind? ParseTask(string? task) =>
        task is null ? null
        : LabelEncoding.TryParseTask(task, out var kind) ? kind
        : throw new ArgumentException($"--task {task}: expected binary, multiclass, regression or recommendation.");

    private static void Report(TrainResult result, TrainArguments args)
    {
        if (args.Json)
        {
            Console.Out.WriteLine(JsonLine(result));
            return;
        }

        // The heading is a line of its own: as the title of this narrow table it was wrapped to the table's width.
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.Trainer)}[/] · {result.Task.ToString().ToLowerInvariant()} · {result.TrainRows:N0} train / {result.TestRows:N0} test rows");
        var table = new Table();
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("value").RightAligned());
        foreach (var (k, v) in result.Metrics)
        {
            table.AddRow(k, v.ToString("0.0000", CultureInfo.InvariantCulture));
        }

        table.AddRow("fit seconds", result.FitSeconds.ToString("0.000", CultureInfo.InvariantCulture));
        table.AddRow("predict µs/row", result.PredictMicrosecondsPerRow.ToString("0.00", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        if (result.SavedTo is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"Model saved to [green]{result.SavedTo}[/].");
        }
    }

    /// <summary>The one-line JSON report: task, trainer, metrics, fitSeconds, predictMicrosecondsPerRow (+ model when saved).</summary>
    internal static string JsonLine(TrainResult result)
    {
        var line = new Dictionary<string, object?>
        {
            ["task"] = result.Task.ToString().ToLowerInvariant(),
            ["trainer"] = result.Trainer,
            ["metrics"] = result.Metrics.ToDictionary(kv => kv.Key, kv => Finite(kv.Value)),
            ["fitSeconds"] = Math.Round(result.FitSeconds, 4),
            ["predictMicrosecondsPerRow"] = Math.Round(result.PredictMicrosecondsPerRow, 4),
        };
        if (result.SavedTo is not null)
        {
            line["model"] = result.SavedTo;
        }

        return JsonSerializer.Serialize(line, ReportJson.SerializerOptions);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? Math.Round(v, 6) : null;
}

/// <summary>Writes files via a temporary sibling and a rename, so a failure never leaves a half-written file.</summary>
internal static class Atomic
{
    public static string WriteFile(string path, Action<Stream> write) => WriteFiles([(path, write)])[0];

    /// <summary>
    /// Writes a set of files that belong together (a model and its reports): every one to its temporary sibling first,
    /// and only once all are written are they renamed into place. A failure while writing any of them leaves every
    /// earlier file as it was, so a new model never stands beside an older run's report.
    /// </summary>
    public static string[] WriteFiles(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        var suffix = ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var full = files.Select(f => Path.GetFullPath(f.Path)).ToArray();
        var current = 0;
        try
        {
            for (; current < files.Count; current++)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full[current])!);
                RemoveStaleTemporaries(full[current]);
                WriteToDisk(full[current] + suffix, files[current].Write);
            }

            for (current = 0; current < files.Count; current++)
            {
                File.Move(full[current] + suffix, full[current], overwrite: true);
            }

            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temporary file's name means nothing to the user: name the file asked for, and only that.
            var failed = full[Math.Min(current, full.Length - 1)];
            var reason = e is UnauthorizedAccessException ? "permission denied" : CliPaths.WithoutPath(e.Message, failed + suffix);
            throw new IOException($"Cannot write '{failed}': {reason}", e);
        }
        finally
        {
            foreach (var path in full)
            {
                if (File.Exists(path + suffix))
                {
                    File.Delete(path + suffix);
                }
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> and puts it on the disk before it is renamed: a rename that reached the disk ahead
    /// of the data left, after a power cut, an empty or partial file under the final name. (A killed process needs no
    /// flush: the kernel keeps what was written.) A writer that closes the stream itself (a <see cref="StreamWriter"/>
    /// owns the stream it is given) has flushed its buffers; the file is opened again to reach the disk.
    /// </summary>
    private static void WriteToDisk(string path, Action<Stream> write)
    {
        using (var stream = File.Create(path))
        {
            write(stream);
            if (stream.CanWrite)
            {
                stream.Flush(flushToDisk: true);
                return;
            }
        }

        using var again = new FileStream(path, FileMode.Open, FileAccess.Write);
        again.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Deletes the <c>NAME.tmp-PID</c> siblings of <paramref name="path"/> whose process is not running: the partial
    /// files of an <c>eml</c> killed while it wrote the same name, which nothing else removes. Another running process's
    /// temporary file is its write under way and is kept; one that cannot be deleted is left as it is.
    /// </summary>
    private static void RemoveStaleTemporaries(string path)
    {
        var prefix = Path.GetFileName(path) + ".tmp-";
        foreach (var candidate in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, prefix + "*"))
        {
            var name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)
                || !int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
                || processId == Environment.ProcessId
                || ProcessIds.IsRunning(processId))
            {
                continue;
            }

            try
            {
                File.Delete(candidate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to remove (another user's file, a read-only directory): the write goes on without it.
            }
        }
    }
}
