using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Tuning;
using Spectre.Console;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// <c>eml automl --train T.csv [--test V.csv] --label COL [--positive V] --scenario sentiment|fraud|credit|auto
/// [--budget SECONDS] [--seed N] [--ignore COL ...] [--out DIR] [--json]</c>: a scenario sweep with the comparison
/// report. The budget covers the whole command from reading the CSV to writing the report. <c>--scenario
/// recommendation</c> takes <c>--user COL --item COL [--label RATING]</c> instead and runs
/// <see cref="RecommendationAutoMlCommand"/>.
/// </summary>
internal sealed class AutoMlCommand : ICliCommand
{
    /// <summary>
    /// With <c>--max-trials</c>, trial <c>i</c> is proposed once trials <c>0 … i − 2</c> have been fed back, on any
    /// thread count (<see cref="SweepOptions.ProposalLag"/>): the trials are the same with <c>--threads 1</c> and
    /// <c>--threads 8</c>, and at most two run at once.
    /// </summary>
    internal const int ReproducibleProposalLag = 2;

    /// <summary>The fewest labelled training rows a sweep takes (the engine's validation split refuses fewer).</summary>
    private const int MinimumTrainingRows = 10;

    /// <summary>The largest <c>--max-trial-memory</c>: a petabyte in MB, far above any machine, well inside a long in bytes.</summary>
    private const double MaximumTrialMemoryMegabytes = 1e9;

    public Command Create()
    {
        var train = new Option<FileInfo>("--train") { Description = "Training CSV.", Required = true };
        var test = new Option<FileInfo?>("--test") { Description = "Optional test CSV: the winner's metrics on it are reported." };
        var label = new Option<string?>("--label") { Description = "Label column (required, except for recommendation where it is the optional rating column)." };
        var user = new Option<string?>("--user") { Description = "Recommendation: the user id column." };
        var item = new Option<string?>("--item") { Description = "Recommendation: the item id column." };
        var timestamp = new Option<string?>("--timestamp") { Description = "Fraud: the time column of the time-ordered validation (default: the first date-time column). Recommendation: a timestamp column (validation then holds out each user's latest interactions)." };
        var relevance = new Option<double?>("--relevance-threshold") { Description = "Recommendation with ratings: ratings at or above this are relevant (default 4)." };
        var positive = new Option<string?>("--positive") { Description = "Positive class of a binary label (default: 1 of 0/1, yes/true of yes/no and true/false labels, else the minority class)." };
        var task = new Option<string?>("--task") { Description = "binary, multiclass or regression (default: inferred from the label; whole numbers with few values read as classes)." };
        var scenario = new Option<string>("--scenario")
        {
            Description = "Scenario: " + string.Join(", ", ScenarioCatalog.Names) + ", recommendation.",
            DefaultValueFactory = _ => "auto",
        };
        var budget = new Option<double>("--budget") { Description = "Wall-clock budget in seconds, for the whole command (above 0, at most 604800: a week).", DefaultValueFactory = _ => 60 };
        var seed = new Option<int>("--seed") { Description = "Seed of the validation split, the tuners and the trainers.", DefaultValueFactory = _ => 0 };
        var ignore = new Option<string[]>("--ignore") { Description = "Columns to leave out.", AllowMultipleArgumentsPerToken = true };
        var text = new Option<string[]>("--text") { Description = "Read this column as free text (repeatable; default: inferred).", AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Directory for model.eml, report.json and report.html." };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of the live table." };
        var threads = new Option<int?>("--threads") { Description = "Thread budget (default: all cores)." }.AtLeastOne();
        var maxTrials = new Option<int?>("--max-trials") { Description = "Stop after this many trials." }.AtLeastOne();
        var maxPredict = new Option<double?>("--max-predict-us") { Description = "Prune candidates predicting slower than this (µs per row)." };
        var maxTrialSeconds = new Option<double?>("--max-trial-seconds") { Description = "Stop a trial running longer than this (default: a third of the budget)." };
        var maxTrialMemory = new Option<double?>("--max-trial-memory") { Description = "Stop a trial whose managed memory grows past this many MB (default: no cap)." };
        var maxColumns = CliOptions.MaxColumns();
        var encoding = CliOptions.Encoding();
        var testEncoding = CliOptions.TestEncoding();
        var targetRecall = new Option<double?>("--target-recall") { Description = "Fraud: choose the alert threshold to catch this share of the positives, in (0, 1] (default 0.8)." };
        var alertBudget = new Option<double?>("--alert-budget") { Description = "Fraud: choose the alert threshold to raise at most this many alerts per 1,000 rows, in (0, 1000] (instead of --target-recall)." };
        var tuner = new Option<string>("--tuner")
        {
            Description = "Hyperparameter tuner: cost-frugal, smac, random, grid.",
            DefaultValueFactory = _ => "cost-frugal",
        };

        var command = new Command("automl", "Sweep general-purpose and task-specialised candidates for a scenario and compare them.");
        foreach (var option in new Option[] { train, test, label, positive, scenario, budget, seed, ignore, output, json, threads, maxTrials, maxPredict, tuner, user, item, timestamp, relevance, task, text, maxTrialSeconds, maxTrialMemory, maxColumns, targetRecall, alertBudget, encoding, testEncoding })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(token =>
        {
            var request = new AutoMlRequest(
                parse.GetValue(train)!.FullName,
                parse.GetValue(test)?.FullName,
                parse.GetValue(label),
                parse.GetValue(positive),
                parse.GetValue(scenario)!,
                parse.GetValue(budget),
                parse.GetValue(seed),
                parse.GetValue(ignore) ?? [],
                parse.GetValue(output)?.FullName,
                parse.GetValue(json),
                parse.GetValue(threads),
                parse.GetValue(maxTrials),
                parse.GetValue(maxPredict),
                parse.GetValue(tuner)!,
                parse.GetValue(user),
                parse.GetValue(item),
                parse.GetValue(timestamp),
                parse.GetValue(relevance),
                parse.GetValue(task),
                parse.GetValue(text) ?? [],
                parse.GetValue(maxTrialSeconds),
                parse.GetValue(maxTrialMemory),
                parse.GetValue(maxColumns),
                parse.GetValue(targetRecall),
                parse.GetValue(alertBudget),
                parse.GetValue(encoding),
                parse.GetValue(testEncoding));
            return RunAsync(request, Console.Out, token);
        }, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(AutoMlRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!(request.Budget is > 0 and <= SweepOptions.MaximumBudgetSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Budget, $"--budget must be in (0, {SweepOptions.MaximumBudgetSeconds:0}] seconds (at most a week).");
        }

        if (request.Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Threads, "--threads must be at least 1.");
        }

        if (request.MaxTrials is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxTrials, "--max-trials must be at least 1.");
        }

        if (request.MaxPredictMicroseconds is { } maxPredict && !(maxPredict > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(request), maxPredict, "--max-predict-us must be > 0 microseconds per row.");
        }

        if (request.MaxTrialSeconds is { } trialSeconds && !(trialSeconds > 0 && trialSeconds <= SweepOptions.MaximumBudgetSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(request), trialSeconds, $"--max-trial-seconds must be in (0, {SweepOptions.MaximumBudgetSeconds:0}] seconds.");
        }

        if (request.MaxTrialMemoryMegabytes is { } trialMemory && !(trialMemory >= 1 && trialMemory <= MaximumTrialMemoryMegabytes))
        {
            throw new ArgumentOutOfRangeException(nameof(request), trialMemory, $"--max-trial-memory must be in [1, {MaximumTrialMemoryMegabytes:0}] MB.");
        }

        if ((request.MaxTrialSeconds is not null || request.MaxTrialMemoryMegabytes is not null) && RecommendationAutoMlCommand.Handles(request.Scenario))
        {
            throw new ArgumentException("--max-trial-seconds and --max-trial-memory apply to tabular scenarios, not to --scenario recommendation.");
        }

        if (request.Task is not null && RecommendationAutoMlCommand.Handles(request.Scenario))
        {
            throw new ArgumentException("--task does not apply to --scenario recommendation (it ranks items for users).");
        }

        var alertRule = AlertRule(request);
        var task = LabelEncoding.ParseTask(request.Task, "--task");
        var limits = CliOptions.CsvLimits(request.MaxColumns, request.Encoding);
        var testLimits = CliOptions.TestCsvLimits(request.MaxColumns, request.Encoding, request.TestEncoding, request.Test);

        if (request.Out is not null)
        {
            // Before the sweep, not after the budget is spent: --out must be a directory this process can write.
            PrepareOutputDirectory(request.Out);
        }

        var tuner = request.Tuner switch
        {
            "cost-frugal" or "cfo" => TunerKind.CostFrugal,
            "smac" => TunerKind.Smac,
            "random" => TunerKind.Random,
            "grid" => TunerKind.Grid,
            _ => throw new ArgumentException($"--tuner must be cost-frugal, smac, random or grid; got '{request.Tuner}'."),
        };

        if (RecommendationAutoMlCommand.Handles(request.Scenario))
        {
            return await RecommendationAutoMlCommand.RunAsync(request, tuner, clock, output, cancellationToken);
        }

        if (request.Label is null)
        {
            throw new ArgumentException($"--label is required for scenario '{request.Scenario}'.");
        }

        CliOptions.OnlyForRecommendation($"--scenario {request.Scenario}",
            ("--user", request.User), ("--item", request.Item), ("--relevance-threshold", request.RelevanceThreshold));

        var scenario = ScenarioCatalog.Get(request.Scenario);
        // --text columns are read as text whatever the inference says (unknown names are reported by CheckColumns).
        var textTypes = (request.Text ?? []).ToDictionary(c => c, _ => ColumnType.Text, StringComparer.Ordinal);
        var read = CheckColumns(CsvTable.Read(CliPaths.CsvInput(request.Train, "--train"), new CsvOptions { ColumnTypes = textTypes, IgnoreUnknownColumnTypes = true, MaxColumns = limits.MaxColumns, MaxColumnsSetting = limits.MaxColumnsSetting, Encoding = limits.Encoding, EncodingSetting = limits.EncodingSetting }, cancellationToken), request);
        // The data's warnings go to stderr at once and into the report's notes, so report.json and report.html keep them.
        var columnNotes = CliOptions.TypeNotes(read, request.Label, request.Ignore).Concat(CliOptions.IdentifierNotes(read, request.Label, request.Ignore))
            .Concat(CliOptions.EmptyColumnNotes(read, request.Label, request.Ignore)).ToList();
        foreach (var note in columnNotes)
        {
            await Console.Error.WriteLineAsync("eml: warning: " + note).ConfigureAwait(false);
        }

        var trainTable = read.WithoutColumns(request.Ignore);
        var labelColumn = trainTable[request.Label];
        if (task is { } named && LabelEncoding.TaskMismatch(named, request.Label, labelColumn.Type, LabelEncoding.DistinctValues(labelColumn)) is { } mismatch)
        {
            throw new ArgumentException($"--task {mismatch}");
        }

        var inferred = task ?? CliPaths.InFile(request.Train, () => LabelEncoding.InferTask(labelColumn));
        if (request.Timestamp is not null && scenario.Name != "fraud")
        {
            throw new ArgumentException($"--timestamp applies to --scenario fraud (its time-ordered validation) and recommendation, not {scenario.Name}.");
        }

        var plan = scenario.Plan(new ScenarioContext(trainTable, request.Label, inferred, request.Positive) { TimestampColumn = request.Timestamp, AlertThreshold = alertRule });
        CliOptions.PositiveNeedsBinary(request.Positive, request.Label, plan.Task);
        // A fraud sweep with no time column validates on random rows; a column that looks like a time is named, never used on a guess.
        foreach (var note in SweepDataNotes.TimeColumns(trainTable, request.Label, scenario.Name, plan, c => $"pass --timestamp {c}"))
        {
            columnNotes.Add(note);
            await Console.Error.WriteLineAsync("eml: warning: " + note).ConfigureAwait(false);
        }

        var train = LabelEncoding.Encode(trainTable, request.Label, plan.Task, request.Positive);
        if (train.RowCount < MinimumTrainingRows)
        {
            // The sweep validates on rows it holds out (k-fold CV at least), which a handful of rows cannot give.
            throw new ArgumentException($"{Path.GetFileName(request.Train)}: {train.RowCount} training row{(train.RowCount == 1 ? "" : "s")} with a '{request.Label}' value; a sweep needs at least {MinimumTrainingRows}.");
        }
        CandidateData? test = null;
        if (request.Test is not null)
        {
            // Checked before the sweep, not when its winner meets the test rows at the end of the budget: the test rows
            // are parsed as the training columns were typed (a value that does not fit is an error naming its line).
            var types = trainTable.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
            var testTable = CsvTable.Read(CliPaths.CsvInput(request.Test, "--test"), new CsvOptions { ColumnTypes = types, IgnoreUnknownColumnTypes = true, MaxColumns = testLimits.MaxColumns, MaxColumnsSetting = testLimits.MaxColumnsSetting, Encoding = testLimits.Encoding, EncodingSetting = testLimits.EncodingSetting }, cancellationToken)
                .WithoutColumns(request.Ignore);
            CliOptions.TestHasTrainingColumns(trainTable, testTable, request.Train, request.Test);
            if (CliPaths.TestIsTrainNote(request.Train, request.Test) is { } same)
            {
                // Said at once and kept in the report's notes, whose test metrics it qualifies.
                columnNotes.Add(same);
                await Console.Error.WriteLineAsync("eml: warning: " + same).ConfigureAwait(false);
            }

            test = CliPaths.InFile(request.Test, () => LabelEncoding.Encode(testTable, request.Label, plan.Task, request.Positive, plan.Task == Engine.Trainers.TaskKind.Regression ? null : train.ClassNames));
        }

        // Rows without a label cannot be learned from or scored: say at once which were left out (stderr, so --json
        // stays one line); the report's notes say it again.
        foreach (var note in new[] { LabelEncoding.RowsWithoutLabelNote(train, "training"), test is null ? null : LabelEncoding.RowsWithoutLabelNote(test, "test") })
        {
            if (note is not null)
            {
                await Console.Error.WriteLineAsync($"eml automl: {note}").ConfigureAwait(false);
            }
        }

        // Letter-case variants of a class, and multiclass classes some validation folds hold no row of (the split the
        // sweep will build from the same rows, policy and seed).
        var trainingNotes = SweepDataNotes.Training(train, plan.Validation, request.Seed);
        foreach (var note in trainingNotes)
        {
            await Console.Error.WriteLineAsync("eml: warning: " + note).ConfigureAwait(false);
        }

        // A one-class test file leaves the ranking metrics undefined: a warning before the budget is spent, not a
        // report of nulls at its end (the report's notes say it again).
        if (test is not null && LabelEncoding.MissingClassNote(test, "test") is { } oneClass)
        {
            await Console.Error.WriteLineAsync($"eml: warning: {Path.GetFileName(request.Test)}: {oneClass}").ConfigureAwait(false);
        }

        // The sweep gets what is left of the budget after reading, minus a reserve for scoring the test rows and
        // writing the report: 3 % of the budget plus as long again as reading took (both grow with the data).
        var left = SweepSeconds(request.Budget, clock.Elapsed.TotalSeconds, 0.03);
        var threads = request.Threads ?? Environment.ProcessorCount;
        var options = new SweepOptions
        {
            BudgetSeconds = left,
            MaximumTrials = request.MaxTrials,
            // A trial count asks for a reproducible sweep: the tuners then see uniform trial costs and the results in
            // index order, each proposal the results up to two trials back whatever --threads is, so the same --seed
            // gives the same trials and winner on one thread or many; the budget only caps it.
            UniformTrialCost = request.MaxTrials is not null,
            ProposalLag = request.MaxTrials is not null ? ReproducibleProposalLag : null,
            Seed = request.Seed,
            MaximumDegreeOfParallelism = threads,
            MaximumPredictMicrosecondsPerRow = request.MaxPredictMicroseconds,
            MaximumTrialSeconds = request.MaxTrialSeconds,
            MaximumTrialMemoryBytes = request.MaxTrialMemoryMegabytes is { } megabytes ? (long)(megabytes * (1 << 20)) : null,
            Tuner = tuner,
            ReportRows = test?.RowCount ?? 0,
            SavesModel = request.Out is not null,
        };
        var runner = new SweepRunner(options);
        var sweepRequest = new SweepRequest(train, plan, scenario.Name);
        // The sweep's first step splits the training rows (a binary class too rare to validate on, a time window
        // without one): such an error is about the training file and names it. Failed trials never throw.
        var result = await CliPaths.InFileAsync(request.Train, () => request.Json
            ? runner.RunAsync(sweepRequest, cancellationToken: cancellationToken)
            : AnsiConsole.Profile.Capabilities.Interactive
                ? RunLiveAsync(runner, sweepRequest, plan, left, cancellationToken)
                : runner.RunAsync(sweepRequest, progress: new TrialLines(plan.PrimaryMetric.Name), cancellationToken: cancellationToken));

        var report = SweepReport.Build(result, plan, test, train, [.. columnNotes, .. trainingNotes]);
        if (request.Out is not null)
        {
            await WriteOutputsAsync(request.Out, report, result.Model.Save);
        }

        if (request.Json)
        {
            await output.WriteLineAsync(ReportJson.ToJson(report));
        }
        else
        {
            PrintSummary(report, request.Out, clock.Elapsed);
        }

        return 0;
    }

    /// <summary>
    /// The fraud alert threshold's rule from <c>--target-recall</c> or <c>--alert-budget</c> (null: the scenario's
    /// default, 80 % recall). Either is an error out of its range, together, or with another scenario.
    /// </summary>
    private static AlertThresholdOptions? AlertRule(AutoMlRequest request) =>
        AlertThresholdOptions.RequestProblem(request.Scenario, request.TargetRecall, request.AlertBudget, "--target-recall", "--alert-budget", "--scenario fraud") is { } problem
            ? throw new ArgumentException(problem.Problem)
            : AlertThresholdOptions.ForRequest(request.TargetRecall, request.AlertBudget);

    /// <summary>The shortest sweep worth starting; with less left of the budget after reading, the command stops at once.</summary>
    internal const double MinimumSweepSeconds = 0.1;

    /// <summary>
    /// The sweep's share of <paramref name="budget"/> once reading took <paramref name="elapsed"/> seconds: what is left
    /// less a reserve for scoring the test rows and writing the report (<paramref name="reserveFraction"/> of the budget
    /// plus as long again as reading took, at most a quarter of the budget); at least 0.5 s, so a short budget still
    /// gets a sweep, but never past the budget less <paramref name="reserveFraction"/> of it. The 0.5 s floor alone let
    /// the sweep run past the budget whenever reading took more than about half of it (a 1 s budget on the 54k-row
    /// diamonds file: 0.49 s reading, then a 0.5 s sweep; a 0.05 s budget swept for 0.5 s).
    /// </summary>
    /// <exception cref="ArgumentException">Reading left less than <see cref="MinimumSweepSeconds"/> for the sweep.</exception>
    internal static double SweepSeconds(double budget, double elapsed, double reserveFraction)
    {
        var reserve = Math.Min(0.25 * budget, (reserveFraction * budget) + elapsed);
        var latest = ((1 - reserveFraction) * budget) - elapsed;
        var left = Math.Min(Math.Max(0.5, budget - elapsed - reserve), latest);
        if (!(left >= MinimumSweepSeconds))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--budget {budget:0.###} s: reading the data took {elapsed:0.00} s, which leaves {Math.Max(0, left):0.00} s for the sweep, less than the {MinimumSweepSeconds} s it needs to start; a larger --budget gives it time."));
        }

        return left;
    }

    /// <summary>
    /// The label and every <c>--ignore</c> must name a column of the training file: a mistyped <c>--ignore</c> would
    /// otherwise leave the column in as a feature without a word.
    /// </summary>
    private static DataTable CheckColumns(DataTable table, AutoMlRequest request)
    {
        var file = Path.GetFileName(request.Train);
        var names = table.Columns.Select(c => c.Name).ToArray();
        if (!table.TryGetColumn(request.Label!, out _))
        {
            throw new ArgumentException(CliOptions.NoSuchColumn("--label", request.Label!, file, names));
        }

        if (request.Timestamp is { } time && !table.TryGetColumn(time, out _))
        {
            throw new ArgumentException(CliOptions.NoSuchColumn("--timestamp", time, file, names));
        }

        if (request.Timestamp is { } ignoredTime && request.Ignore.Contains(ignoredTime))
        {
            throw new ArgumentException($"--ignore names '{ignoredTime}', the --timestamp column that orders the validation.");
        }

        foreach (var column in request.Text ?? [])
        {
            if (!table.TryGetColumn(column, out _))
            {
                throw new ArgumentException(CliOptions.NoSuchColumn("--text", column, file, names));
            }

            if (column == request.Label || request.Ignore.Contains(column))
            {
                throw new ArgumentException($"--text '{column}' is the label or an ignored column; --text names a feature to read as free text.");
            }
        }

        foreach (var ignored in request.Ignore)
        {
            if (string.Equals(ignored, request.Label, StringComparison.Ordinal))
            {
                throw new ArgumentException($"--ignore '{ignored}' is the label column; a sweep cannot leave out what it learns.");
            }

            if (!table.TryGetColumn(ignored, out _))
            {
                throw new ArgumentException(CliOptions.NoSuchColumn("--ignore", ignored, file, names));
            }
        }

        if (table.Columns.All(c => c.Name == request.Label || request.Ignore.Contains(c.Name)))
        {
            var ignored = request.Ignore.Count == 0 ? "" : $" and the ignored {string.Join(", ", request.Ignore.Select(i => $"'{i}'"))}";
            throw new ArgumentException($"{file} has no column to learn from: besides the label '{request.Label}'{ignored}, there is none.");
        }

        return table;
    }

    private static async Task<SweepResult> RunLiveAsync(SweepRunner runner, SweepRequest request, ScenarioPlan plan, double budget, CancellationToken cancellationToken)
    {
        var events = new ConcurrentQueue<SweepEvent>();
        var table = new Table().Border(TableBorder.Rounded).Expand();
        foreach (var column in new[] { "#", "candidate", "kind", "parameters", "status", plan.PrimaryMetric.Name, "fit CPU s", "µs/row" })
        {
            table.AddColumn(column);
        }

        SweepResult? result = null;
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            var sweep = runner.RunAsync(request, progress: new QueueProgress(events), cancellationToken: cancellationToken);
            TrialRecord? best = null;
            var elapsed = TimeSpan.Zero;
            while (true)
            {
                while (events.TryDequeue(out var e))
                {
                    elapsed = e.Elapsed;
                    best = e.Best ?? best;
                    if (e.Kind == SweepEventKind.TrialFinished && e.Trial is { } t)
                    {
                        table.AddRow(
                            t.Index.ToString(CultureInfo.InvariantCulture),
                            Markup.Escape(t.Candidate),
                            TrialLines.KindMarkup(t),
                            Markup.Escape(Shorten(string.Join(" ", t.Parameters.Select(p => p.Key + "=" + Short(p.Value))), 60)),
                            TrialLines.StatusMarkup(t),
                            ReportHtml.Score(t.ValidationScore),
                            Format(t.ReportedFitSeconds(), "0.00"),
                            Format(t.PredictMicrosecondsPerRow, "0.0"));
                        while (table.Rows.Count > 15)
                        {
                            table.RemoveRow(0);
                        }
                    }
                }

                var fraction = Math.Clamp(elapsed.TotalSeconds / budget, 0, 1);
                var filled = (int)Math.Round(fraction * 30);
                table.Caption($"[grey][[{new string('█', filled)}{new string('░', 30 - filled)}]] {elapsed.TotalSeconds:0}/{budget:0} s · best {Markup.Escape(best?.Candidate ?? "–")} {ReportHtml.Score(best?.ValidationScore ?? double.NaN)}[/]");
                context.Refresh();
                if (sweep.IsCompleted)
                {
                    result = await sweep;
                    return;
                }

                await Task.WhenAny(sweep, Task.Delay(250, CancellationToken.None));
            }
        });
        return result!;
    }

    /// <summary>
    /// Checks, before the sweep, that <paramref name="directory"/> can be created and written: its nearest existing
    /// ancestor must be a directory that takes a file. Nothing is created here: the directory appears with the outputs
    /// (<see cref="WriteOutputsAsync"/>), so a run that fails or is cancelled leaves no empty <c>--out</c> behind. An
    /// error names <c>--out</c> and the reason (a file of that name or on its path, no permission, a read-only file system).
    /// </summary>
    internal static void PrepareOutputDirectory(string directory)
    {
        if (File.Exists(directory))
        {
            throw new ArgumentException($"--out '{directory}' is a file; --out names a directory (created when missing).");
        }

        var existing = Path.GetFullPath(directory);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new ArgumentException($"--out '{directory}': '{existing}' is a file, so no directory can be created below it.");
            }

            existing = Path.GetDirectoryName(existing) ?? throw new ArgumentException($"--out '{directory}': no part of the path exists.");
        }

        if (CliPaths.WriteProblem(existing) is { } problem)
        {
            // The probe's name means nothing to the user: the directory and the reason do.
            throw new ArgumentException($"--out '{directory}': cannot write in '{existing}' ({problem}).");
        }
    }

    /// <summary>
    /// Writes <c>model.eml</c>, <c>report.json</c> and <c>report.html</c> into <paramref name="directory"/> (created
    /// when missing) as one set (<see cref="Atomic.WriteFiles"/>): all three go to temporary files first and are renamed
    /// once all are written, so a failure (a full disk) leaves no half-written file and an earlier run's three files as
    /// they were, never a new model beside an older report.
    /// </summary>
    internal static Task WriteOutputsAsync(string directory, SweepReport report, Action<Stream> saveModel)
    {
        Directory.CreateDirectory(directory);
        Atomic.WriteFiles(
        [
            (Path.Combine(directory, "model.eml"), saveModel),
            (Path.Combine(directory, "report.json"), stream => ReportJson.Write(report, stream, includeTrials: true)),
            (Path.Combine(directory, "report.html"), stream =>
            {
                using var html = new StreamWriter(stream, leaveOpen: true);
                ReportHtml.Write(report, html);
            }),
        ]);
        return Task.CompletedTask;
    }

    internal static void PrintSummary(SweepReport report, string? outDirectory, TimeSpan elapsed)
    {
        var r = report.Result;
        var board = new Table().Border(TableBorder.Simple).Title($"Leaderboard ({r.Metric.Name}, validation: {Markup.Escape(r.ValidationDescription)})");
        foreach (var column in new[] { "rank", "candidate", "kind", "validation", "± CV", "re-eval", "test", "fit CPU s", "µs/row", "bytes" })
        {
            board.AddColumn(column);
        }

        foreach (var row in report.Leaderboard)
        {
            var t = row.Trial;
            board.AddRow(
                (row.IsWinner ? "★ " : string.Empty) + row.Rank.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(t.Candidate),
                t.Kind == CandidateKind.General ? "general" : "specialised",
                ReportHtml.Score(t.ValidationScore),
                ReportHtml.Score(report.Result.SpreadOf(t)),
                ReportHtml.Score(row.Selection?.Score ?? double.NaN),
                ReportHtml.Score(row.TestScore),
                Format(t.ReportedFitSeconds(), "0.00"),
                ReportHtml.Cost(t.PredictMicrosecondsPerRow),
                t.ModelBytes.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(board);
        AnsiConsole.MarkupLine($"Winner: [bold]{Markup.Escape(r.Winner.Candidate)}[/] — {Markup.Escape(r.WinnerReason)}.");
        if (r.Comparison is { } c)
        {
            AnsiConsole.MarkupLine(Markup.Escape(c.Sentence));
        }

        if (report.TestMetrics.Count > 0)
        {
            AnsiConsole.MarkupLine("Test: " + Markup.Escape(string.Join(", ", report.TestMetrics.Select(m => $"{m.Key} {ReportHtml.Score(m.Value)}"))));
        }

        foreach (var note in report.Notes)
        {
            AnsiConsole.MarkupLine("Note: " + Markup.Escape(note));
        }

        AnsiConsole.MarkupLine($"{r.SearchTrialCount} trials, {elapsed.TotalSeconds:0.0} s. Validation rows hash {r.ValidationHash}.");
        if (outDirectory is not null)
        {
            AnsiConsole.MarkupLine($"Wrote model, report.json and report.html to {Markup.Escape(outDirectory)}.");
        }
    }

    private static string Format(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Short(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("G4", CultureInfo.InvariantCulture) : value;

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private sealed class QueueProgress(ConcurrentQueue<SweepEvent> queue) : IProgress<SweepEvent>
    {
        public void Report(SweepEvent value) => queue.Enqueue(value);
    }
}

/// <summary>The parsed arguments of <c>eml automl</c>.</summary>
internal sealed record AutoMlRequest(
    string Train,
    string? Test,
    string? Label,
    string? Positive,
    string Scenario,
    double Budget,
    int Seed,
    IReadOnlyList<string> Ignore,
    string? Out,
    bool Json,
    int? Threads,
    int? MaxTrials,
    double? MaxPredictMicroseconds,
    string Tuner,
    string? User = null,
    string? Item = null,
    string? Timestamp = null,
    double? RelevanceThreshold = null,
    string? Task = null,
    IReadOnlyList<string>? Text = null,
    double? MaxTrialSeconds = null,
    double? MaxTrialMemoryMegabytes = null,
    int MaxColumns = CsvOptions.DefaultMaxColumns,
    double? TargetRecall = null,
    double? AlertBudget = null,
    string? Encoding = null,
    string? TestEncoding = null);
