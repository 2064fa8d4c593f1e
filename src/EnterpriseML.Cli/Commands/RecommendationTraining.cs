using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Cli.Commands;

/// <summary>What `eml train --task recommendation ...` passes to the recommendation trainer runner.</summary>
internal sealed record RecommendationTrainRequest(
    string Train,
    string? Test,
    string User,
    string Item,
    string? Label,
    string Trainer,
    IReadOnlyList<string> Settings,
    int Seed,
    int? Threads,
    string? Save,
    bool Json,
    string? Timestamp = null,
    string? Weight = null,
    string? Segment = null)
{
    /// <summary><c>--max-columns</c>: the most columns a CSV file may have.</summary>
    public int MaxColumns { get; init; } = CsvOptions.DefaultMaxColumns;

    /// <summary><c>--encoding</c>: the CSV files' text encoding (null: UTF-8, or UTF-16 by its byte-order mark).</summary>
    public string? Encoding { get; init; }

    /// <summary><c>--test-encoding</c>: the <c>--test</c> file's text encoding (null: <see cref="Encoding"/>).</summary>
    public string? TestEncoding { get; init; }
}

/// <summary>
/// Runs `eml train --task recommendation`: reads the interaction CSV file(s), splits per user when no test file is
/// given, fits the named trainer, evaluates rating and ranking metrics on the test part, optionally saves the model,
/// and prints a summary (or one JSON line with <c>--json</c>). See docs/recommendation.md.
/// </summary>
internal static class RecommendationTraining
{
    /// <summary>The trainer names `--trainer` accepts.</summary>
    public static readonly IReadOnlyList<string> TrainerNames =
        [MatrixFactorizationTrainer.TrainerName, ImplicitAlsTrainer.TrainerName, ItemKnnTrainer.TrainerName, PopularityTrainer.TrainerName];

    /// <summary>Ranking cut-off of the reported metrics.</summary>
    private const int K = 10;

    public static Task<int> RunAsync(RecommendationTrainRequest request, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            return Task.FromResult(Run(request, output, cancellationToken));
        }
        catch (Exception ex) when (ex is ArgumentException or CsvFormatException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException or InvalidDataException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"eml: error: {CliErrors.Describe(ex)}");
            return Task.FromResult(2);
        }
    }

    /// <summary>
    /// Every column the interactions are read from must be in each file's header: an error in the CLI's words, naming
    /// the option, the file and its columns, before the rows are read. Each role needs its own column: one column named
    /// twice (<c>--user</c> and <c>--item</c> both <c>respondent</c>) is an error naming both options.
    /// <paramref name="timestampOption"/> is how the command names the timestamp column (<c>--timestamp</c> in
    /// <c>eml automl</c>, a <c>--set</c> key in <c>eml train</c>).
    /// </summary>
    internal static void CheckColumns(IReadOnlyList<string> paths, InteractionColumns columns, string timestampOption = "--set timestamp", IReadOnlyList<CsvOptions>? limits = null)
    {
        (string Option, string? Name)[] roles =
        [
            ("--user", columns.User), ("--item", columns.Item), ("--label", columns.Rating), (timestampOption, columns.Timestamp),
            ("--set weight", columns.Weight), ("--set segment", columns.Segment),
        ];
        for (var i = 0; i < roles.Length; i++)
        {
            for (var j = i + 1; j < roles.Length; j++)
            {
                if (roles[i].Name is not null && string.Equals(roles[i].Name, roles[j].Name, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{roles[i].Option} and {roles[j].Option} both name the column '{roles[i].Name}'; each needs a column of its own.");
                }
            }
        }

        for (var p = 0; p < paths.Count; p++)
        {
            var path = paths[p];
            using var reader = CsvRowReader.Open(CliPaths.CsvInput(path, p == 0 ? "--train" : "--test"), limits?[p]);
            var names = reader.ColumnNames;
            foreach (var (option, name) in roles)
            {
                if (name is not null && !names.Contains(name))
                {
                    throw new ArgumentException(CliOptions.NoSuchColumn(option, name, Path.GetFileName(path), names, "Columns"));
                }
            }
        }
    }

    private static int Run(RecommendationTrainRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        if (request.Save is not null)
        {
            // Before any reading or training, as the tabular --save is.
            CliPaths.Output(request.Save, "--save");
            CliPaths.NotAnInput(request.Save, "--save", ("--train", request.Train), ("--test", request.Test));
        }

        var settings = RecommendationSettings.Parse(request.Settings);
        var columns = new InteractionColumns(request.User, request.Item, request.Label,
            request.Timestamp ?? settings.Take("timestamp"), request.Weight ?? settings.Take("weight"), request.Segment ?? settings.Take("segment"));
        var testFraction = settings.TakeDouble("testFraction") ?? 0.2;
        var holdout = settings.Take("holdout");
        var relevanceThreshold = (float?)settings.TakeDouble("relevanceThreshold") ?? (request.Label is null ? null : 4f);
        var trainer = CreateTrainer(request.Trainer, settings, request.Seed, request.Threads);
        settings.EnsureAllUsed();

        var paths = request.Test is null ? new[] { request.Train } : [request.Train, request.Test];
        var limits = FileLimits(request.MaxColumns, request.Encoding, request.TestEncoding, request.Test);
        CheckColumns(paths, columns, limits: limits);
        var sets = InteractionSet.ReadCsv(paths, columns, limits, cancellationToken);
        InteractionSet train, test;
        if (request.Test is not null)
        {
            (train, test) = (sets[0], sets[1]);
        }
        else
        {
            var order = holdout?.ToLowerInvariant() switch
            {
                null => sets[0].HasTimestamps ? HoldoutOrder.Latest : HoldoutOrder.Random,
                "latest" => HoldoutOrder.Latest,
                "random" => HoldoutOrder.Random,
                _ => throw new ArgumentException($"--set holdout={holdout}: expected 'latest' or 'random'."),
            };
            (train, test) = InteractionSplitter.PerUserSplit(sets[0], testFraction, order, request.Seed);
        }

        // Implicit-feedback trainers learn from the positives only when explicit ratings are given; every rated item
        // stays excluded from the user's recommendations.
        var fitOn = ImplicitFeedback.TrainingRows(trainer, train, relevanceThreshold);
        var stopwatch = Stopwatch.StartNew();
        var model = ImplicitFeedback.Fit(trainer, train, relevanceThreshold, cancellationToken);
        var fitSeconds = stopwatch.Elapsed.TotalSeconds;

        RatingMetrics? rating = model.SupportsRatingPrediction && test.HasRatings && test.Count > 0
            ? RecommendationEvaluator.EvaluateRatings(model, test)
            : null;
        var ranking = RecommendationEvaluator.EvaluateRanking(model, test, K, relevanceThreshold);

        if (request.Save is not null)
        {
            // The per-user split's held-out rows are the users' interactions too: the saved model, used by eml recommend
            // and the API, excludes them (after they were scored above). It had recommended them back: a MovieLens
            // implicit-als model's top 10 held 781 items the user had already rated, for 371 of 671 users. A --test
            // file is evaluation data of its own, not excluded, as eml automl --test does not.
            RecommenderFile.Save(request.Save, request.Test is null ? model.ExcludingAlso(test) : model);
        }

        if (ranking.UsersEvaluated == 0)
        {
            Console.Error.WriteLine(relevanceThreshold is { } t
                ? string.Create(CultureInfo.InvariantCulture, $"eml: warning: no test user has a relevant test item (rating ≥ {t:0.##}) that they did not have in training: the ranking metrics are undefined (n/a; null in --json).")
                : "eml: warning: no test user has a test item that they did not have in training: the ranking metrics are undefined (n/a; null in --json).");
        }

        if (request.Json)
        {
            WriteJson(output, trainer.Name, rating, ranking, fitSeconds, fitOn.Count, test.Count, request.Save);
        }
        else
        {
            WriteText(output, trainer.Name, rating, ranking, fitSeconds, fitOn.Count, test.Count, model, request.Save);
        }

        return 0;
    }

    /// <summary>
    /// The reader's limits of the training file and, when <paramref name="test"/> is given, of the test file, whose
    /// encoding is <c>--test-encoding</c>'s or else <c>--encoding</c>'s (<see cref="CliOptions.TestCsvLimits"/>).
    /// </summary>
    internal static CsvOptions[] FileLimits(int maxColumns, string? encoding, string? testEncoding, string? test)
    {
        var train = CliOptions.CsvLimits(maxColumns, encoding);
        var testLimits = CliOptions.TestCsvLimits(maxColumns, encoding, testEncoding, test);
        return test is null ? [train] : [train, testLimits];
    }

    /// <summary>Builds the trainer named <paramref name="name"/>; `--set Option=value` entries fill its options by name.</summary>
    internal static IRecommenderTrainer CreateTrainer(string name, RecommendationSettings settings, int seed, int? threads)
    {
        switch (name.ToLowerInvariant())
        {
            case MatrixFactorizationTrainer.TrainerName:
            {
                var options = new MatrixFactorizationOptions { Seed = seed };
                settings.ApplyTo(options);
                return new MatrixFactorizationTrainer(options);
            }

            case ImplicitAlsTrainer.TrainerName:
            {
                var options = new ImplicitAlsOptions { Seed = seed, MaxDegreeOfParallelism = threads };
                settings.ApplyTo(options);
                return new ImplicitAlsTrainer(options);
            }

            case ItemKnnTrainer.TrainerName:
            {
                var options = new ItemKnnOptions { MaxDegreeOfParallelism = threads };
                settings.ApplyTo(options);
                return new ItemKnnTrainer(options);
            }

            case PopularityTrainer.TrainerName:
            {
                var options = new PopularityOptions();
                settings.ApplyTo(options);
                return new PopularityTrainer(options);
            }

            default:
                throw new ArgumentException($"Unknown recommendation trainer '{name}'. Known: {string.Join(", ", TrainerNames)}.");
        }
    }

    private static void WriteJson(TextWriter output, string trainer, RatingMetrics? rating, RankingMetrics ranking, double fitSeconds, int trainRows, int testRows, string? save)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ReportJson.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("task", "recommendation");
            json.WriteString("trainer", trainer);
            json.WriteStartObject("metrics");
            if (rating is not null)
            {
                json.WriteNumber("rmse", Math.Round(rating.Rmse, 6));
                json.WriteNumber("mae", Math.Round(rating.Mae, 6));
            }

            // Averages over no user are undefined: null, not a 0 that reads as a model that never hits.
            foreach (var (key, value) in new[]
            {
                ("precisionAt10", ranking.PrecisionAtK), ("recallAt10", ranking.RecallAtK), ("ndcgAt10", ranking.NdcgAtK),
                ("mapAt10", ranking.MapAtK), ("hitRateAt10", ranking.HitRateAtK), ("coverage", ranking.Coverage),
            })
            {
                if (ranking.UsersEvaluated == 0)
                {
                    json.WriteNull(key);
                }
                else
                {
                    json.WriteNumber(key, Math.Round(value, 6));
                }
            }
            json.WriteEndObject();
            json.WriteNumber("fitSeconds", Math.Round(fitSeconds, 3));
            json.WriteNumber("trainRows", trainRows);
            json.WriteNumber("testRows", testRows);
            json.WriteNumber("evaluatedUsers", ranking.UsersEvaluated);
            json.WriteNumber("coldUsers", ranking.ColdUsersEvaluated);
            if (save is not null)
            {
                json.WriteString("model", save);
            }

            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteText(TextWriter output, string trainer, RatingMetrics? rating, RankingMetrics ranking, double fitSeconds, int trainRows, int testRows, Recommender model, string? save)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"trainer       {trainer}"));
        output.WriteLine(string.Create(c, $"data          {model.Users.Count} users, {model.Items.Count} items, {trainRows} training / {testRows} test interactions"));
        output.WriteLine(string.Create(c, $"fit           {fitSeconds:F2} s"));
        if (rating is not null)
        {
            output.WriteLine(string.Create(c, $"rmse          {rating.Rmse:F4}"));
            output.WriteLine(string.Create(c, $"mae           {rating.Mae:F4}"));
        }

        string Metric(double value) => ranking.UsersEvaluated == 0 ? "n/a" : value.ToString("F4", c);
        output.WriteLine($"precision@10  {Metric(ranking.PrecisionAtK)}");
        output.WriteLine($"recall@10     {Metric(ranking.RecallAtK)}");
        output.WriteLine($"ndcg@10       {Metric(ranking.NdcgAtK)}");
        output.WriteLine($"map@10        {Metric(ranking.MapAtK)}");
        output.WriteLine($"hit-rate@10   {Metric(ranking.HitRateAtK)}");
        output.WriteLine($"coverage      {Metric(ranking.Coverage)}");
        output.WriteLine(string.Create(c, $"users         {ranking.UsersEvaluated} evaluated ({ranking.ColdUsersEvaluated} cold, served by the popularity fallback)"));
        if (save is not null)
        {
            output.WriteLine($"saved         {save}");
        }
    }
}

/// <summary>
/// The `--set key=value` entries of a recommendation run: runner keys (timestamp, weight, segment, testFraction,
/// holdout, relevanceThreshold) are taken by name; the rest set trainer options by property name (case-insensitive).
/// </summary>
internal sealed class RecommendationSettings
{
    private readonly Dictionary<string, string> _values;

    private RecommendationSettings(Dictionary<string, string> values) => _values = values;

    public static RecommendationSettings Parse(IReadOnlyList<string> entries)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"--set '{entry}': expected key=value.");
            }

            var key = entry[..eq].Trim();
            if (values.TryGetValue(key, out var earlier))
            {
                throw new ArgumentException($"--set '{entry}': option '{key}' is already set to '{earlier}'; give each option once.");
            }

            values[key] = entry[(eq + 1)..].Trim();
        }

        return new RecommendationSettings(values);
    }

    public string? Take(string key) => _values.Remove(key, out var value) ? value : null;

    public double? TakeDouble(string key)
    {
        var text = Take(key);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"--set {key}={text}: expected a number.");
    }

    /// <summary>Sets every matching public property of <paramref name="options"/> and consumes its key.</summary>
    public void ApplyTo(object options)
    {
        foreach (var property in options.GetType().GetProperties())
        {
            if (!property.CanWrite || !_values.Remove(property.Name, out var text))
            {
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object value;
            try
            {
                value = type.IsEnum
                    ? Enum.Parse(type, text.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true)
                    : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or InvalidCastException)
            {
                throw new ArgumentException($"--set {property.Name}={text}: expected {(type.IsEnum ? string.Join(" | ", Enum.GetNames(type)) : type.Name)}.", ex);
            }

            property.SetValue(options, value);
        }
    }

    /// <summary>Throws when a key matched neither a runner setting nor a trainer option.</summary>
    public void EnsureAllUsed()
    {
        if (_values.Count > 0)
        {
            throw new ArgumentException($"Unknown --set key(s): {string.Join(", ", _values.Keys)}. See docs/recommendation.md for the options of each trainer.");
        }
    }
}

/// <summary>Saves and loads a recommender as a model file (<see cref="Engine.Models.ModelFile"/>, kind <c>recommender</c>).</summary>
internal static class RecommenderFile
{
    public static void Save(string path, Recommender model) => Atomic.WriteFile(path, model.Save);

    public static Recommender Load(string path) => Recommender.Load(path);
}
