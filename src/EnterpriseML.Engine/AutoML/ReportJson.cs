using System.Text.Encodings.Web;
using System.Text.Json;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// Writes a <see cref="SweepReport"/> as one line of JSON: <c>scenario, task, metric, trials, elapsedSeconds,
/// leaderboard, winner, test</c> (the CLI's <c>--json</c> shape), then <c>validation</c>, <c>comparison</c>, <c>notes</c> (when there are any) and,
/// when asked, every trial. Non-finite numbers are written as null.
/// </summary>
public static class ReportJson
{
    /// <summary>
    /// The encoder every JSON line of a report, and of the CLI's <c>--json</c>, is written with: text outside ASCII and
    /// characters HTML would escape (<c>grün</c>, <c>a&amp;b</c>) are written as they are, not as <c>\u</c> escapes,
    /// so a name or a path reads as the user typed it; quotes, backslashes and control characters are still escaped.
    /// The output is for files and terminals, not for embedding in HTML.
    /// </summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writer options with <see cref="Encoder"/>, for a <see cref="Utf8JsonWriter"/>.</summary>
    public static JsonWriterOptions WriterOptions => new() { Encoder = Encoder };

    /// <summary>Read-only serializer options with <see cref="Encoder"/> and otherwise the defaults, for <see cref="JsonSerializer"/>.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateSerializerOptions();

    public static void Write(SweepReport report, Stream stream, bool includeTrials = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(stream);
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        var r = report.Result;
        json.WriteStartObject();
        json.WriteString("scenario", r.Scenario);
        json.WriteString("task", r.TaskName);
        json.WriteString("metric", r.Metric.Name);
        json.WriteNumber("trials", r.SearchTrialCount);
        Number(json, "elapsedSeconds", r.Elapsed.TotalSeconds);
        json.WriteStartArray("leaderboard");
        foreach (var row in report.Leaderboard)
        {
            json.WriteStartObject();
            Row(json, row, r);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartObject("winner");
        var winnerRow = report.Leaderboard.First(row => row.IsWinner);
        Row(json, winnerRow, r);
        json.WriteString("reason", r.WinnerReason);
        json.WriteBoolean("refittedOnAllData", r.RefittedOnAllData);
        if (r.WinnerPipeline is not null)
        {
            json.WriteString("pipeline", r.WinnerPipeline);
        }

        json.WriteStartObject("details");
        foreach (var (key, value) in r.WinnerDetails)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("test");
        foreach (var (name, value) in report.TestMetrics)
        {
            Number(json, name, value);
        }

        if (report.TestMetrics.Count > 0)
        {
            Number(json, "predictMicrosecondsPerRow", report.TestPredictMicrosecondsPerRow);
        }

        json.WriteEndObject();

        json.WriteStartObject("validation");
        json.WriteString("split", r.ValidationDescription);
        json.WriteString("rowsHash", r.ValidationHash);
        json.WriteNumber("rows", r.ValidationLabels.Length);
        json.WriteNumber("folds", r.ValidationFolds);
        json.WriteEndObject();

        if (r.Comparison is { } c)
        {
            json.WriteStartObject("comparison");
            json.WriteString("bestGeneral", c.BestGeneral.Candidate);
            json.WriteString("bestSpecialised", c.BestSpecialised.Candidate);
            Number(json, "difference", c.Difference);
            Number(json, "ciLower", c.Lower);
            Number(json, "ciUpper", c.Upper);
            json.WriteNumber("bootstrapResamples", c.Resamples);
            json.WriteNumber("bootstrapResamplesPlanned", c.PlannedResamples);
            json.WriteBoolean("withinNoise", c.WithinNoise);
            Number(json, "predictCostRatio", SweepFinisher.CostRatio(c.BestSpecialised.PredictMicrosecondsPerRow, c.BestGeneral.PredictMicrosecondsPerRow) ?? double.NaN);
            json.WriteString("sentence", c.Sentence);
            json.WriteEndObject();
        }

        if (report.Notes.Count > 0)
        {
            json.WriteStartArray("notes");
            foreach (var note in report.Notes)
            {
                json.WriteStringValue(note);
            }

            json.WriteEndArray();
        }

        if (includeTrials)
        {
            json.WriteStartArray("trialLog");
            foreach (var t in r.Trials)
            {
                json.WriteStartObject();
                json.WriteNumber("index", t.Index);
                json.WriteString("candidate", t.Candidate);
                json.WriteString("kind", Kind(t.Kind));
                json.WriteString("trainer", t.Trainer);
                Parameters(json, t);
                json.WriteString("status", t.Status.ToString().ToLowerInvariant());
                if (t.Error is not null)
                {
                    json.WriteString("error", t.Error);
                }

                Number(json, "validationScore", t.ValidationScore);
                Number(json, "validationSpread", r.SpreadOf(t));
                Number(json, "sampleFraction", t.SampleFraction);
                FitTimes(json, t);
                Number(json, "predictMicrosecondsPerRow", t.PredictMicrosecondsPerRow);
                json.WriteNumber("modelBytes", t.ModelBytes);
                Number(json, "finishedAtSeconds", t.FinishedAtSeconds);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>The report as a one-line JSON string.</summary>
    public static string ToJson(SweepReport report, bool includeTrials = false)
    {
        using var buffer = new MemoryStream();
        Write(report, buffer, includeTrials);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static JsonSerializerOptions CreateSerializerOptions()
    {
        var options = new JsonSerializerOptions { Encoder = Encoder };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Six decimals, or six significant digits below 0.1, where six decimals would drop them: an RMSE of 4e-8 on a
    /// target in millionths was written as 0, every candidate alike.
    /// </summary>
    internal static double Round(double value)
    {
        var magnitude = Math.Abs(value);
        if (magnitude >= 0.1 || magnitude == 0)
        {
            return Math.Round(value, 6);
        }

        var decimals = 5 - (int)Math.Floor(Math.Log10(magnitude));
        return decimals <= 15 ? Math.Round(value, decimals) : double.Parse(value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static string Kind(CandidateKind kind) => kind == CandidateKind.General ? "general" : "specialised";

    internal static string TaskName(TaskKind task) => task switch
    {
        TaskKind.Binary => "binary",
        TaskKind.Multiclass => "multiclass",
        _ => "regression",
    };

    private static void Row(Utf8JsonWriter json, LeaderboardRow row, SweepResult result)
    {
        var t = row.Trial;
        json.WriteNumber("rank", row.Rank);
        // The trial's index, as the trial log and the experiment's trials number it: what ties a stored model version's
        // leaderboard (and winner) to the trials that produced it. An ensemble's members are named candidate#index.
        json.WriteNumber("trial", t.Index);
        json.WriteString("candidate", t.Candidate);
        json.WriteString("kind", Kind(t.Kind));
        json.WriteString("trainer", t.Trainer);
        Parameters(json, t);
        Number(json, "validationScore", t.ValidationScore);
        Number(json, "validationSpread", result.SpreadOf(t));
        if (row.Selection is { } selection)
        {
            Number(json, "selectionScore", selection.Score);
            Number(json, "selectionSpread", selection.Spread);
        }

        if (!double.IsNaN(row.TestScore))
        {
            Number(json, "testScore", row.TestScore);
        }

        FitTimes(json, t);
        Number(json, "predictMicrosecondsPerRow", t.PredictMicrosecondsPerRow);
        json.WriteNumber("modelBytes", t.ModelBytes);
        Number(json, "sampleFraction", t.SampleFraction);
    }

    /// <summary><c>fitSeconds</c> holds the fit CPU-seconds where measured (the leaderboard field); <c>fitWallSeconds</c> the wall time.</summary>
    private static void FitTimes(Utf8JsonWriter json, TrialRecord t)
    {
        Number(json, "fitSeconds", t.ReportedFitSeconds());
        Number(json, "fitWallSeconds", t.FitSeconds);
    }

    private static void Parameters(Utf8JsonWriter json, TrialRecord t)
    {
        json.WriteStartObject("parameters");
        foreach (var (key, value) in t.Parameters)
        {
            if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                && double.IsFinite(number))
            {
                json.WriteNumber(key, number);
            }
            else
            {
                json.WriteString(key, value);
            }
        }

        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, Round(value));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
