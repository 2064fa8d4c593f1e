using System.Globalization;
using System.Text;
using System.Text.Json;
using EnterpriseML.Api.Auth;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EnterpriseML.Api.Serving;

/// <summary>The <c>Serving</c> section of appsettings.json.</summary>
public sealed class ServingOptions
{
    public const string Section = "Serving";

    /// <summary>Most rows in one JSON predict request. Default 10,000.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int MaxBatchRows { get; set; } = 10_000;

    /// <summary>Requests per second allowed per API key (token bucket; 429 beyond). Default 1,000.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int RequestsPerSecondPerKey { get; set; } = 1_000;

    /// <summary>How many feature contributions <c>?explain=true</c> returns per row. Default 5.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int ExplainTop { get; set; } = 5;
}

internal static class PredictionApi
{
    public const string IgnoredColumnsHeader = "X-Ignored-Columns";

    public static IEndpointRouteBuilder MapPredictionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Serving").RequireRole(Roles.Consumer, Roles.DataScientist);
        group.MapPost("/{name}/predict", PredictAsync).DisableAntiforgery();
        group.MapGet("/{name}/recommendations/{userId}", RecommendAsync);
        group.MapGet("/{name}/similar/{itemId}", SimilarAsync);
        return app;
    }

    private static async Task<IResult> PredictAsync(
        string name, int? version, bool? explain, HttpContext context, ServedModelCache cache, ServingOptions options, ServingMetrics metrics, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var served = await cache.GetAsync(caller.TenantId, name, version, cancellationToken);
        if (served?.Pipeline is null)
        {
            return served is null
                ? Problem(404, "Model not found", version is null ? $"There is no champion of model '{name}' in your tenant." : $"Model '{name}' has no version {version} in your tenant.")
                : Problem(400, "Not a tabular model", $"Model '{name}' is a recommender: use /api/models/{name}/recommendations/{{userId}}.");
        }

        var contentType = context.Request.ContentType ?? "";
        if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return await PredictCsvAsync(served, context, metrics, cancellationToken);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            return Problem(400, "Invalid JSON", $"The body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
            {
                return Problem(400, "Invalid request", "Expected {\"rows\": [{column: value, ...}, ...]}.");
            }

            if (rows.GetArrayLength() > options.MaxBatchRows)
            {
                return Problem(413, "Too many rows", $"{rows.GetArrayLength()} rows; at most {options.MaxBatchRows} per request (Serving:MaxBatchRows). Send CSV for larger batches.");
            }

            var result = Predict(served, rows, explain == true, options.ExplainTop, out var errors, out var ignored);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, title: "Invalid rows", detail: $"{errors.Count} field(s) do not match model '{name}' v{served.Version}'s schema.");
            }

            if (ignored.Count > 0)
            {
                context.Response.Headers[IgnoredColumnsHeader] = string.Join(",", ignored.Order(StringComparer.Ordinal));
            }

            metrics.CountPredictions(name, result.Count);
            return TypedResults.Ok(new PredictResponse(name, served.Version, result));
        }
    }

    private static List<Dictionary<string, object?>> Predict(ServedModel served, JsonElement rows, bool explain, int top, out Dictionary<string, string[]> errors, out HashSet<string> ignored)
    {
        var model = served.Pipeline!;
        var engine = model.CreateEngine();
        var inputs = engine.Inputs;
        var known = new HashSet<string>(inputs.Select(i => i.Name), StringComparer.Ordinal) { model.Schema.LabelColumn };
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        ignored = new HashSet<string>(StringComparer.Ordinal);
        var predictions = new List<Dictionary<string, object?>>(rows.GetArrayLength());
        var output = new float[model.OutputWidth];
        var explainer = explain ? model.Predictor as IExplainablePredictor : null;
        var contributions = explainer is null ? null : new float[model.Predictor.FeatureCount];
        var index = 0;
        foreach (var row in rows.EnumerateArray())
        {
            var prefix = $"rows[{index}]";
            if (row.ValueKind != JsonValueKind.Object)
            {
                errors[prefix] = ["Expected an object of column: value pairs."];
                index++;
                continue;
            }

            engine.Clear();
            var rowOk = true;
            for (var i = 0; i < inputs.Count; i++)
            {
                var (column, type) = inputs[i];
                if (!row.TryGetProperty(column, out var value))
                {
                    errors[$"{prefix}.{column}"] = [$"Missing required column '{column}' ({type.ToString().ToLowerInvariant()}); send null for a missing value."];
                    rowOk = false;
                    continue;
                }

                if (!TryConvert(value, type, out var raw, out var problem))
                {
                    errors[$"{prefix}.{column}"] = [problem!];
                    rowOk = false;
                    continue;
                }

                engine.Set(i, raw);
            }

            foreach (var property in row.EnumerateObject())
            {
                if (!known.Contains(property.Name))
                {
                    ignored.Add(property.Name);
                }
            }

            if (rowOk && errors.Count == 0)
            {
                engine.Predict(output);
                var prediction = Describe(model, output);
                if (explainer is not null)
                {
                    var features = engine.Featurize();
                    var bias = explainer.Explain(features, contributions!, ArgMax(output, model.Schema.Task));
                    prediction["explanation"] = new Dictionary<string, object?>
                    {
                        ["bias"] = bias,
                        ["contributions"] = Top(model, contributions!, top),
                    };
                }

                predictions.Add(prediction);
            }

            index++;
        }

        return predictions;
    }

    private static int ArgMax(float[] output, TaskKind task)
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

    private static List<Dictionary<string, object>> Top(ModelPipeline model, float[] contributions, int top)
    {
        var order = Enumerable.Range(0, contributions.Length).Where(j => contributions[j] != 0)
            .OrderByDescending(j => Math.Abs(contributions[j])).ThenBy(j => j).Take(top);
        return [.. order.Select(j => new Dictionary<string, object> { ["feature"] = model.Features.Features[j].Name, ["contribution"] = contributions[j] })];
    }

    internal static Dictionary<string, object?> Describe(ModelPipeline model, ReadOnlySpan<float> output)
    {
        var schema = model.Schema;
        switch (schema.Task)
        {
            case TaskKind.Binary:
                return new() { ["label"] = schema.ClassNames[output[0] >= 0.5f ? 1 : 0], ["probability"] = output[0] };
            case TaskKind.Multiclass:
                var probabilities = new Dictionary<string, float>(StringComparer.Ordinal);
                var best = 0;
                for (var c = 0; c < output.Length; c++)
                {
                    probabilities[schema.ClassNames[c]] = output[c];
                    if (output[c] > output[best])
                    {
                        best = c;
                    }
                }

                return new() { ["label"] = schema.ClassNames[best], ["probabilities"] = probabilities };
            default:
                return new() { ["value"] = output[0] };
        }
    }

    private static bool TryConvert(JsonElement value, ColumnType type, out RawValue raw, out string? problem)
    {
        problem = null;
        raw = RawValue.Missing;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        switch (type)
        {
            case ColumnType.Numeric or ColumnType.Boolean:
                if (value.ValueKind == JsonValueKind.Number)
                {
                    raw = RawValue.FromNumber(value.GetSingle());
                    return true;
                }

                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    raw = RawValue.FromNumber(value.GetBoolean() ? 1f : 0f);
                    return true;
                }

                if (value.ValueKind == JsonValueKind.String)
                {
                    var text = value.GetString()!;
                    if (type == ColumnType.Boolean && SchemaInference.TryParseBoolean(text, out var b))
                    {
                        raw = RawValue.FromNumber(b ? 1f : 0f);
                        return true;
                    }

                    if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
                    {
                        raw = RawValue.FromNumber(f);
                        return true;
                    }

                    problem = $"Expected a {(type == ColumnType.Boolean ? "boolean" : "number")}, found '{text}'.";
                    return false;
                }

                problem = $"Expected a {(type == ColumnType.Boolean ? "boolean" : "number")}, found a JSON {value.ValueKind.ToString().ToLowerInvariant()}.";
                return false;
            case ColumnType.DateTime:
                if (value.ValueKind == JsonValueKind.String && DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
                {
                    raw = RawValue.FromTicks(t.Ticks);
                    return true;
                }

                problem = $"Expected an ISO 8601 date/time string, found {value.GetRawText()}.";
                return false;
            default:
                switch (value.ValueKind)
                {
                    case JsonValueKind.String:
                        raw = RawValue.FromText(value.GetString());
                        return true;
                    case JsonValueKind.Number:
                        raw = RawValue.FromText(value.GetRawText());
                        return true;
                    case JsonValueKind.True or JsonValueKind.False:
                        raw = RawValue.FromText(value.GetBoolean() ? "true" : "false");
                        return true;
                    default:
                        problem = $"Expected a string, found a JSON {value.ValueKind.ToString().ToLowerInvariant()}.";
                        return false;
                }
        }
    }

    private static async Task<IResult> PredictCsvAsync(ServedModel served, HttpContext context, ServingMetrics metrics, CancellationToken cancellationToken)
    {
        var model = served.Pipeline!;
        var temp = Path.Combine(Path.GetTempPath(), "eml-score-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            await using (var file = File.Create(temp))
            {
                await context.Request.Body.CopyToAsync(file, cancellationToken);
            }

            DataTable table;
            try
            {
                table = await Task.Run(() => CsvTable.Read(temp, new CsvOptions { SourceName = "request body", ColumnTypes = model.Schema.InputTypes, IgnoreUnknownColumnTypes = true }, cancellationToken), cancellationToken);
            }
            catch (CsvFormatException e)
            {
                return Problem(400, "Invalid CSV", e.Message);
            }

            var missing = model.Schema.Inputs.Where(i => !table.TryGetColumn(i.Name, out _)).Select(i => i.Name).ToArray();
            if (missing.Length > 0)
            {
                return TypedResults.ValidationProblem(missing.ToDictionary(m => m, m => new[] { $"Missing required column '{m}'." }), title: "Invalid CSV");
            }

            var known = new HashSet<string>(model.Schema.Inputs.Select(i => i.Name), StringComparer.Ordinal) { model.Schema.LabelColumn };
            var ignored = table.Columns.Select(c => c.Name).Where(c => !known.Contains(c)).ToArray();
            float[] outputs;
            try
            {
                outputs = await Task.Run(() => model.Predict(table, cancellationToken), cancellationToken);
            }
            catch (FormatException e)
            {
                return Problem(400, "Invalid CSV", e.Message);
            }

            metrics.CountPredictions(served.Name, table.RowCount);
            if (ignored.Length > 0)
            {
                context.Response.Headers[IgnoredColumnsHeader] = string.Join(",", ignored);
            }

            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers["X-Model-Version"] = served.Version.ToString(CultureInfo.InvariantCulture);
            await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), 1 << 16);
            await CsvPredictions.WriteAsync(model, outputs, table.RowCount, writer, cancellationToken);
            return Results.Empty;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<IResult> RecommendAsync(string name, string userId, int? top, string? segment, HttpContext context, ServedModelCache cache, ServingMetrics metrics, CancellationToken cancellationToken)
    {
        var served = await cache.GetAsync(context.Caller().TenantId, name, null, cancellationToken);
        if (served?.Recommender is null)
        {
            return served is null ? Problem(404, "Model not found", $"There is no champion of model '{name}' in your tenant.") : Problem(400, "Not a recommender", $"Model '{name}' is a tabular model: use /api/models/{name}/predict.");
        }

        var count = Math.Clamp(top ?? 10, 1, 1000);
        var list = served.Recommender.Recommend(userId, count, null, segment);
        metrics.CountPredictions(name, 1);
        return TypedResults.Ok(new { model = name, version = served.Version, user = userId, fallback = list.UsedFallback, items = list.Items.Select(i => new { item = i.ItemId, score = i.Score }) });
    }

    private static async Task<IResult> SimilarAsync(string name, string itemId, int? top, HttpContext context, ServedModelCache cache, CancellationToken cancellationToken)
    {
        var served = await cache.GetAsync(context.Caller().TenantId, name, null, cancellationToken);
        if (served?.Recommender is null)
        {
            return served is null ? Problem(404, "Model not found", $"There is no champion of model '{name}' in your tenant.") : Problem(400, "Not a recommender", $"Model '{name}' is a tabular model.");
        }

        if (!served.Recommender.Items.TryGetIndex(itemId, out _))
        {
            return Problem(404, "Item not found", $"Item '{itemId}' was not in the training data of '{name}'.");
        }

        var items = served.Recommender.SimilarItems(itemId, Math.Clamp(top ?? 10, 1, 1000));
        return TypedResults.Ok(new { model = name, version = served.Version, item = itemId, items = items.Select(i => new { item = i.ItemId, score = i.Score }) });
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(title: title, detail: detail, statusCode: status);
}

public sealed record PredictResponse(string Model, int Version, IReadOnlyList<Dictionary<string, object?>> Predictions);

/// <summary>The CSV scoring format, shared with <c>eml predict</c>: binary <c>label,probability</c>; multiclass <c>label,p_CLASS...</c>; regression <c>value</c>.</summary>
internal static class CsvPredictions
{
    public static async Task WriteAsync(ModelPipeline model, float[] outputs, int rows, TextWriter writer, CancellationToken cancellationToken)
    {
        var schema = model.Schema;
        var inv = CultureInfo.InvariantCulture;
        var k = model.OutputWidth;
        await writer.WriteLineAsync(schema.Task switch
        {
            TaskKind.Binary => "label,probability",
            TaskKind.Multiclass => "label," + string.Join(',', schema.ClassNames.Select(c => Quote("p_" + c))),
            _ => "value",
        });
        var line = new StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            line.Clear();
            var row = outputs.AsSpan(i * k, k);
            switch (schema.Task)
            {
                case TaskKind.Binary:
                    line.Append(Quote(schema.ClassNames[row[0] >= 0.5f ? 1 : 0])).Append(',').Append(row[0].ToString("R", inv));
                    break;
                case TaskKind.Multiclass:
                    var best = 0;
                    for (var c = 1; c < k; c++)
                    {
                        if (row[c] > row[best])
                        {
                            best = c;
                        }
                    }

                    line.Append(Quote(schema.ClassNames[best]));
                    foreach (var p in row)
                    {
                        line.Append(',').Append(p.ToString("R", inv));
                    }

                    break;
                default:
                    line.Append(row[0].ToString("R", inv));
                    break;
            }

            await writer.WriteLineAsync(line, cancellationToken);
        }
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
