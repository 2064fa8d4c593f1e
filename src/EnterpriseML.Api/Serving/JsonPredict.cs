using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Api.Serving;

/// <summary>
/// The JSON predict body <c>{"rows":[{column: value, ...}, ...]}</c> read with <see cref="Utf8JsonReader"/> straight
/// into a pooled <see cref="PredictionEngine"/>'s row buffer (no document, no dictionaries), row by row, with the
/// same per-field validation messages as before: a missing column, a wrong JSON type or an unparsable value names
/// <c>rows[i].column</c>. Predictions are kept only while no row has failed.
/// </summary>
internal sealed class JsonPredictBatch
{
    private const int NameBufferChars = 256;

    /// <summary>What a CSV reader trims from a field (CsvValues.Trim): spaces and tabs.</summary>
    private static readonly char[] CategoricalBlanks = [' ', '\t'];

    private float[] _outputs = [];

    private JsonPredictBatch(int width) => Width = width;

    /// <summary>Set when the body is JSON but not <c>{"rows": [...]}</c>.</summary>
    public bool NotARowsObject { get; private set; }

    /// <summary>A top-level field other than one <c>rows</c> array, described for a 400; null when there is none.</summary>
    public string? BodyProblem { get; private set; }

    /// <summary>Rows in the <c>rows</c> array (also counted past the limit).</summary>
    public int RowCount { get; private set; }

    public int Width { get; }

    public Dictionary<string, string[]> Errors { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Ignored { get; } = new(StringComparer.Ordinal);

    /// <summary>Row-major outputs of the predicted rows (valid while <see cref="Errors"/> is empty).</summary>
    public ReadOnlySpan<float> Outputs => _outputs.AsSpan(0, Predicted * Width);

    public int Predicted { get; private set; }

    /// <summary>
    /// Per predicted row with <c>?explain=true</c>: the bias and the top contributions (feature-name group, value), or
    /// why that row has none (<see cref="Overflow"/>).
    /// </summary>
    public List<(float Bias, (int Group, float Value)[] Top, string? Unavailable)>? Explanations { get; private set; }

    /// <summary>Feature index → contribution group: per feature name, or per input column with <c>?explainBy=column</c>.</summary>
    public int[] Group { get; private init; } = [];

    /// <summary>The name of each contribution group (a feature name or an input column).</summary>
    public string[] GroupNames { get; private init; } = [];

    /// <summary>Per predicted row of a credit scorecard: its score in points (higher = safer); null for other models.</summary>
    public List<double>? Scores { get; private set; }

    /// <summary>Per predicted row of a credit scorecard with <c>?explain=true</c>: its reason codes, largest point loss first.</summary>
    public List<IReadOnlyList<Engine.Scenarios.Credit.ReasonCode>>? ReasonCodes { get; private set; }

    /// <summary>With <c>?explain=true</c> on a model that cannot explain: why (the predictions are still returned).</summary>
    public string? ExplanationUnavailable { get; private set; }

    /// <summary>Parses and predicts <paramref name="body"/>; throws <see cref="JsonException"/> when it is not valid JSON.</summary>
    public static JsonPredictBatch Run(ReadOnlySequence<byte> body, ServedTabular model, int maxRows, bool explain, int top, bool byColumn = false)
    {
        var batch = new JsonPredictBatch(model.Model.OutputWidth)
        {
            Group = byColumn ? model.ColumnGroup : model.FeatureGroup,
            GroupNames = byColumn ? model.ColumnNames : model.GroupNames,
        };
        var engine = model.RentEngine();
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read())
            {
                // Worded as System.Text.Json words it, so BadRequestProblems describes it as every empty body.
                throw new JsonException("The input does not contain any JSON tokens.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                batch.NotARowsObject = true;
                reader.Skip();
            }
            else
            {
                var sawRows = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isRows = !sawRows && reader.ValueTextEquals("rows"u8);
                    if (!isRows)
                    {
                        // Any other field is named, never dropped, as on every other route: {"rows": [...],
                        // "explain": true} was answered without explanations and without a word.
                        var field = reader.GetString()!;
                        batch.BodyProblem ??= field == "rows"
                            ? "rows: given more than once; send one array of rows."
                            : $"{field}: not a field of this request; the fields are rows (options such as explain and version go in the query string).";
                    }

                    reader.Read();
                    if (isRows)
                    {
                        sawRows = true;
                        if (reader.TokenType == JsonTokenType.StartArray)
                        {
                            batch.ReadRows(ref reader, body, model, engine, maxRows, explain, top);
                            continue;
                        }

                        batch.NotARowsObject = true;
                    }

                    reader.Skip();
                }

                batch.NotARowsObject |= !sawRows;
            }

            while (reader.Read())
            {
                // Reading to the end rejects trailing content, as a document parse would.
            }

            return batch;
        }
        finally
        {
            model.ReturnEngine(engine);
        }
    }

    private void ReadRows(ref Utf8JsonReader reader, ReadOnlySequence<byte> body, ServedTabular model, PredictionEngine engine, int maxRows, bool explain, int top)
    {
        Span<char> name = stackalloc char[NameBufferChars];
        var inputs = model.Inputs;
        var seen = new bool[inputs.Count];
        var repeated = new bool[inputs.Count];
        var problems = new string?[inputs.Count];
        var explainer = explain ? model.Explainer : null;
        var contributions = explainer is null ? null : new float[model.Model.Predictor.FeatureCount];
        var grouped = explainer is null ? null : new float[GroupNames.Length];
        var scorecard = model.Model.Predictor as Engine.Scenarios.Credit.ScorecardPredictor;
        if (scorecard is not null)
        {
            Scores = [];
            ReasonCodes = explain ? [] : null;
        }

        if (explainer is not null)
        {
            Explanations = [];
        }
        else if (explain)
        {
            ExplanationUnavailable = model.WhyNoExplanation;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (index >= maxRows)
            {
                reader.Skip();
                index++;
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Errors[RowKey(index)] = ["Expected an object of column: value pairs."];
                reader.Skip();
                index++;
                continue;
            }

            engine.Clear();
            Array.Clear(seen);
            Array.Clear(repeated);
            Array.Clear(problems);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                string? unknown = null;
                int i;
                if (length <= NameBufferChars)
                {
                    var chars = reader.CopyString(name);
                    i = model.IndexOf(name[..chars]);
                    if (i < 0)
                    {
                        unknown = new string(name[..chars]);
                    }
                }
                else
                {
                    unknown = reader.GetString()!;
                    i = model.IndexOf(unknown);
                }

                reader.Read();
                if (i < 0)
                {
                    if (unknown != model.Label)
                    {
                        Ignored.Add(unknown!);
                    }

                    reader.Skip();
                    continue;
                }

                if (seen[i])
                {
                    // {"age": 30, "age": "x"}: which one was meant cannot be told, so neither is taken (a JSON
                    // object parse would silently keep the last).
                    repeated[i] = true;
                    reader.Skip();
                    continue;
                }

                seen[i] = true;
                if (TryConvert(ref reader, body, inputs[i].Type, out var raw, out var problem))
                {
                    engine.Set(i, raw);
                }
                else
                {
                    problems[i] = problem;
                }
            }

            var rowOk = true;
            for (var i = 0; i < inputs.Count; i++)
            {
                if (!seen[i])
                {
                    var (column, type) = inputs[i];
                    Errors[$"{RowKey(index)}.{column}"] = [$"Missing required column '{column}' ({type.ToString().ToLowerInvariant()}); send null for a missing value."];
                    rowOk = false;
                }
                else if (repeated[i])
                {
                    Errors[$"{RowKey(index)}.{inputs[i].Name}"] = [$"Column '{inputs[i].Name}' is given more than once in this row; give it once."];
                    rowOk = false;
                }
                else if (problems[i] is { } problem)
                {
                    Errors[$"{RowKey(index)}.{inputs[i].Name}"] = [problem];
                    rowOk = false;
                }
            }

            if (rowOk && Errors.Count == 0)
            {
                Predict(model, engine, explainer, contributions, grouped, top, scorecard);
            }

            index++;
        }

        RowCount = index;
    }

    private void Predict(ServedTabular model, PredictionEngine engine, IExplainablePredictor? explainer, float[]? contributions, float[]? grouped, int top,
        Engine.Scenarios.Credit.ScorecardPredictor? scorecard)
    {
        if (_outputs.Length < (Predicted + 1) * Width)
        {
            Array.Resize(ref _outputs, Math.Max(Width * 4, _outputs.Length * 2));
        }

        var output = _outputs.AsSpan(Predicted * Width, Width);
        engine.Predict(output);
        if (explainer is not null)
        {
            var features = engine.Featurize();
            var bias = explainer.Explain(features, contributions!, ArgMax(output, model.Model.Schema.Task));
            Array.Clear(grouped!);
            for (var j = 0; j < contributions!.Length; j++)
            {
                grouped![Group[j]] += contributions[j];
            }

            Explanations!.Add(Overflow(GroupNames, bias, grouped!) is { } why ? (0f, [], why) : (bias, Top(grouped!, top), null));
        }

        if (scorecard is not null)
        {
            var features = engine.Featurize();
            Scores!.Add(scorecard.Points(features));
            ReasonCodes?.Add(scorecard.ReasonCodes(features, Engine.Scenarios.Credit.ScorecardPredictor.DefaultReasonCount));
        }

        Predicted++;
    }

    /// <summary>
    /// Why a row's explanation cannot be given when a contribution (or the bias) is not a finite 32-bit float, null
    /// otherwise. An input far outside the training data (carat 3e38 for a ridge coefficient in the thousands)
    /// overflows coefficient × value to infinity while the prediction saturates to a finite value; JSON has no infinity,
    /// so writing it failed the whole request, and no finite list of contributions adds up to such a row's score.
    /// </summary>
    internal static string? Overflow(string[] groupNames, float bias, ReadOnlySpan<float> grouped)
    {
        List<string>? names = null;
        for (var g = 0; g < grouped.Length; g++)
        {
            if (!float.IsFinite(grouped[g]))
            {
                (names ??= []).Add($"'{groupNames[g]}'");
            }
        }

        const string Why = "beyond the range of a 32-bit float (an input far outside the training data), so no bias and contributions add up to this row's score";
        return names switch
        {
            null when float.IsFinite(bias) => null,
            null => $"the bias is {Why}",
            [var one] => $"the contribution of {one} is {Why}",
            _ => $"the contributions of {string.Join(", ", names)} are {Why}",
        };
    }

    private static (int Group, float Value)[] Top(float[] contributions, int top)
    {
        var order = new List<(int Group, float Value)>();
        for (var j = 0; j < contributions.Length; j++)
        {
            if (contributions[j] != 0)
            {
                order.Add((j, contributions[j]));
            }
        }

        order.Sort(static (a, b) =>
        {
            var byMagnitude = Math.Abs(b.Value).CompareTo(Math.Abs(a.Value));
            return byMagnitude != 0 ? byMagnitude : a.Group.CompareTo(b.Group);
        });
        return [.. order.Take(top)];
    }

    internal static int ArgMax(ReadOnlySpan<float> output, TaskKind task)
    {
        if (task != TaskKind.Multiclass)
        {
            return 0;
        }

        var best = 0;
        for (var c = 1; c < output.Length; c++)
        {
            if (output[c] > output[best])
            {
                best = c;
            }
        }

        return best;
    }

    private static string RowKey(int index) => string.Create(CultureInfo.InvariantCulture, $"rows[{index}]");

    private static string KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.Number => "number",
        JsonTokenType.String => "string",
        JsonTokenType.True => "boolean (true)",
        JsonTokenType.False => "boolean (false)",
        _ => "null",
    };

    /// <summary>The value's JSON text; for a container, reads past it.</summary>
    private static string RawText(ref Utf8JsonReader reader, ReadOnlySequence<byte> body)
    {
        var start = reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(body.Slice(start, reader.BytesConsumed - start));
    }

    private static bool TryConvert(ref Utf8JsonReader reader, ReadOnlySequence<byte> body, ColumnType type, out RawValue raw, out string? problem)
    {
        problem = null;
        raw = RawValue.Missing;
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            return true;
        }

        switch (type)
        {
            case ColumnType.Numeric or ColumnType.Boolean:
                var expected = type == ColumnType.Boolean ? "boolean" : "number";
                switch (token)
                {
                    case JsonTokenType.Number:
                        if (reader.TryGetSingle(out var number) && float.IsFinite(number))
                        {
                            raw = RawValue.FromNumber(number);
                            return true;
                        }

                        problem = $"Expected a {expected} within the range of a 32-bit float, found {RawText(ref reader, body)}.";
                        return false;
                    case JsonTokenType.True or JsonTokenType.False when type == ColumnType.Boolean:
                        raw = RawValue.FromNumber(token == JsonTokenType.True ? 1f : 0f);
                        return true;
                    case JsonTokenType.String:
                        // A string is read as the same field in a CSV body would be (CsvValues): a missing marker
                        // (empty, NA, N/A, null, ?, NaN, nan) is a missing value, and a number must be finite, so
                        // "Infinity" or "1e39" is the same 400 as the bare JSON number 1e39 instead of an infinite input.
                        var text = reader.GetString()!;
                        if (SchemaInference.IsMissing(text))
                        {
                            return true;
                        }

                        if (type == ColumnType.Boolean && SchemaInference.TryParseBoolean(text, out var b))
                        {
                            raw = RawValue.FromNumber(b ? 1f : 0f);
                            return true;
                        }

                        if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
                        {
                            if (float.IsFinite(f))
                            {
                                raw = RawValue.FromNumber(f);
                                return true;
                            }

                            problem = $"Expected a {expected} within the range of a 32-bit float, found '{text}'.";
                            return false;
                        }

                        problem = $"Expected a {expected}, found '{text}'.";
                        return false;
                    default:
                        reader.Skip();
                        problem = $"Expected a {expected}, found a JSON {KindOf(token)}.";
                        return false;
                }

            case ColumnType.DateTime:
                if (token == JsonTokenType.String && SchemaInference.IsMissing(reader.GetString()))
                {
                    // A missing marker, as a CSV body and training read it (it was a 400 "expected a date/time").
                    return true;
                }

                // The forms a CSV body and training read, no others: DateTime.TryParse also took "Jan 5 2019", a bare
                // "10:30" (today's date) or "5.1.2019", which the same field of a CSV body refuses.
                if (token == JsonTokenType.String)
                {
                    var date = reader.GetString()!;
                    if (SchemaInference.TryParseDateTime(date, out var ticks))
                    {
                        raw = RawValue.FromTicks(ticks);
                        return true;
                    }

                    problem = $"Expected a date/time ({SchemaInference.DateForms}), found '{date}'.";
                    return false;
                }

                problem = $"Expected a date/time string ({SchemaInference.DateForms}), found {RawText(ref reader, body)}.";
                return false;
            default:
                switch (token)
                {
                    case JsonTokenType.String:
                        // Read as training and a CSV body read the same field: without leading or trailing spaces and
                        // tabs, and a missing marker (empty, NA, N/A, null, ?, NaN, ...) is a missing value. Untrimmed,
                        // " <0" was an unseen level and scored differently from the same row sent as CSV.
                        var level = reader.GetString()!.Trim(CategoricalBlanks);
                        raw = SchemaInference.IsMissing(level) ? RawValue.Missing : RawValue.FromText(level);
                        return true;
                    case JsonTokenType.Number:
                        raw = RawValue.FromText(RawText(ref reader, body));
                        return true;
                    case JsonTokenType.True or JsonTokenType.False:
                        raw = RawValue.FromText(token == JsonTokenType.True ? "true" : "false");
                        return true;
                    default:
                        reader.Skip();
                        problem = $"Expected a string, found a JSON {KindOf(token)}.";
                        return false;
                }
        }
    }
}

/// <summary>Writes <c>{"model":..,"version":..,"predictions":[...]}</c> with <see cref="Utf8JsonWriter"/>.</summary>
internal sealed class PredictionsResult(ServedModel served, JsonPredictBatch batch) : IResult
{
    private static readonly JsonEncodedText ModelName = JsonEncodedText.Encode("model");
    private static readonly JsonEncodedText VersionName = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText PredictionsName = JsonEncodedText.Encode("predictions");
    private static readonly JsonEncodedText LabelName = JsonEncodedText.Encode("label");
    private static readonly JsonEncodedText ProbabilityName = JsonEncodedText.Encode("probability");
    private static readonly JsonEncodedText ProbabilitiesName = JsonEncodedText.Encode("probabilities");
    private static readonly JsonEncodedText AlertName = JsonEncodedText.Encode("alert");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText ExplanationName = JsonEncodedText.Encode("explanation");
    private static readonly JsonEncodedText BiasName = JsonEncodedText.Encode("bias");
    private static readonly JsonEncodedText ContributionsName = JsonEncodedText.Encode("contributions");
    private static readonly JsonEncodedText FeatureName = JsonEncodedText.Encode("feature");
    private static readonly JsonEncodedText ContributionName = JsonEncodedText.Encode("contribution");
    private static readonly JsonEncodedText UnavailableName = JsonEncodedText.Encode("explanationUnavailable");
    private static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText ReasonCodesName = JsonEncodedText.Encode("reasonCodes");
    private static readonly JsonEncodedText BinName = JsonEncodedText.Encode("bin");
    private static readonly JsonEncodedText PointsName = JsonEncodedText.Encode("points");
    private static readonly JsonEncodedText MaximumPointsName = JsonEncodedText.Encode("maximumPoints");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (batch.Predicted * 64));
        Write(buffer);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        httpContext.Response.ContentLength = buffer.WrittenCount;
        await httpContext.Response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
    }

    private void Write(IBufferWriter<byte> buffer)
    {
        var tabular = served.Tabular!;
        var schema = tabular.Model.Schema;
        var names = batch.GroupNames;
        var k = batch.Width;
        var outputs = batch.Outputs;
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString(ModelName, served.Name);
        writer.WriteNumber(VersionName, served.Version);
        if (batch.ExplanationUnavailable is { } why)
        {
            writer.WriteString(UnavailableName, why);
        }

        writer.WriteStartArray(PredictionsName);
        for (var r = 0; r < batch.Predicted; r++)
        {
            var row = outputs.Slice(r * k, k);
            writer.WriteStartObject();
            switch (schema.Task)
            {
                case TaskKind.Binary:
                    writer.WriteString(LabelName, tabular.ClassNames[row[0] >= 0.5f ? 1 : 0]);
                    writer.WriteNumber(ProbabilityName, row[0]);
                    if (tabular.AlertThreshold is { } threshold)
                    {
                        writer.WriteBoolean(AlertName, row[0] >= threshold);
                    }

                    break;
                case TaskKind.Multiclass:
                    writer.WriteString(LabelName, tabular.ClassNames[JsonPredictBatch.ArgMax(row, TaskKind.Multiclass)]);
                    writer.WriteStartObject(ProbabilitiesName);
                    for (var c = 0; c < k; c++)
                    {
                        writer.WriteNumber(tabular.ClassNames[c], row[c]);
                    }

                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteNumber(ValueName, row[0]);
                    break;
            }

            if (batch.Scores is { } scores)
            {
                writer.WriteNumber(ScoreName, Math.Round(scores[r], 2));
            }

            if (batch.Explanations?[r].Unavailable is { } rowWhy)
            {
                writer.WriteString(UnavailableName, rowWhy);
            }
            else if (batch.Explanations is { } explanations)
            {
                var (bias, top, _) = explanations[r];
                writer.WriteStartObject(ExplanationName);
                writer.WriteNumber(BiasName, bias);
                writer.WriteStartArray(ContributionsName);
                foreach (var (group, value) in top)
                {
                    writer.WriteStartObject();
                    writer.WriteString(FeatureName, names[group]);
                    writer.WriteNumber(ContributionName, value);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                if (batch.ReasonCodes is { } reasons)
                {
                    writer.WriteStartArray(ReasonCodesName);
                    foreach (var code in reasons[r])
                    {
                        writer.WriteStartObject();
                        writer.WriteString(FeatureName, code.Feature);
                        writer.WriteString(BinName, code.Bin);
                        writer.WriteNumber(PointsName, Math.Round(code.Points, 2));
                        writer.WriteNumber(MaximumPointsName, Math.Round(code.MaximumPoints, 2));
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
