using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.Api.Auth;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.Features;
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

    /// <summary>
    /// Largest JSON predict body in bytes (413 beyond it), checked as it arrives: the body is parsed once whole, so
    /// without a bound one request could hold up to the upload limit (1 GiB) in memory. Default 256 MiB; send CSV, which
    /// is streamed, for larger batches.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(long), "1024", "9223372036854775807")]
    public long MaxJsonBodyBytes { get; set; } = 256L << 20;

    /// <summary>How many feature contributions <c>?explain=true</c> returns per row. Default 5.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int ExplainTop { get; set; } = 5;
}

/// <summary>An input column of a tabular model: its name and the type its values are read as.</summary>
public sealed record ServedInput(string Name, string Type);

/// <summary>
/// <c>GET /api/models/{name}/schema</c>: what a served version takes. <see cref="Kind"/> is <c>tabular</c> (task, label,
/// classes, inputs, explains, scorecard) or <c>recommender</c> (recommender, users, items, sampleUsers, sampleItems).
/// </summary>
public sealed record ServedSchemaResponse(string Model, int Version, string Kind)
{
    public string? Task { get; init; }

    public string? Label { get; init; }

    public IReadOnlyList<string>? Classes { get; init; }

    public IReadOnlyList<ServedInput>? Inputs { get; init; }

    public bool? Explains { get; init; }

    public string? ExplanationUnavailable { get; init; }

    public bool? Scorecard { get; init; }

    /// <summary>A fraud model's alert threshold: predictions at or above it carry <c>"alert": true</c>. Null otherwise.</summary>
    public float? AlertThreshold { get; init; }

    public string? Recommender { get; init; }

    public int? Users { get; init; }

    public int? Items { get; init; }

    public IReadOnlyList<string>? SampleUsers { get; init; }

    public IReadOnlyList<string>? SampleItems { get; init; }
}

internal static partial class PredictionApi
{
    public const string IgnoredColumnsHeader = "X-Ignored-Columns";

    /// <summary>Items a recommendation or similar-items request returns without <c>?top</c>.</summary>
    private const int DefaultTop = 10;

    /// <summary>Most items one recommendation or similar-items request may ask for.</summary>
    private const int MaxTop = 1000;

    /// <summary>User and item ids a recommender's schema lists as examples.</summary>
    private const int SampleIds = 10;

    public static IEndpointRouteBuilder MapPredictionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Serving").RequireRole(Roles.Consumer, Roles.DataScientist);
        group.MapPost("/{name}/predict", PredictAsync).DisableAntiforgery().WithPredictionBody();
        group.MapGet("/{name}/recommendations/{userId}", RecommendAsync);
        group.MapGet("/{name}/similar/{itemId}", SimilarAsync);
        group.MapGet("/{name}/schema", SchemaAsync);
        return app;
    }

    private static async Task<IResult> PredictAsync(
        string name, int? version, bool? explain, string? explainBy, HttpContext context, ServedModelCache cache, ServingOptions options, StorageOptions storage, ServingMetrics metrics, CancellationToken cancellationToken)
    {
        if (explainBy is not (null or "feature" or "column"))
        {
            return Problem(400, "Invalid query parameter", $"Query parameter 'explainBy': '{explainBy}' is not one of feature (the default: contributions per feature the model sees) or column (per input column).");
        }

        if (explainBy is not null && explain != true)
        {
            // It names how explanations are grouped: without explain=true there are none, and the answer would be given
            // as if it had not been sent.
            return Problem(400, "Invalid query parameter",
                $"Query parameter 'explainBy': it groups explanations and needs explain=true; found explainBy={explainBy} with {(explain is null ? "no explain" : "explain=false")}.");
        }

        var caller = context.Caller();
        var served = await cache.GetAsync(caller.TenantId, name, version, cancellationToken);
        if (served?.Pipeline is null)
        {
            return served is null
                ? NotFound(name, version)
                : Problem(400, "Not a tabular model", $"Model '{name}' is a recommender: use /api/models/{name}/recommendations/{{userId}}.");
        }

        var contentType = context.Request.ContentType ?? "";
        if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            if (explain == true)
            {
                // A CSV answer has one line per row and no place for contributions: it was answered without them, as if
                // explain had not been asked for.
                return Problem(400, "Invalid query parameter", "Query parameter 'explain': explanations are given for JSON rows only (Content-Type: application/json); a CSV body is scored without them.");
            }

            // The body's text encoding: the Content-Type's charset (utf-8, utf-16, windows-1252, ...); without one UTF-8,
            // or UTF-16 when the body starts with a UTF-16 byte-order mark.
            CsvEncoding? charset = null;
            if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) && media.Charset.HasValue)
            {
                var charsetName = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(media.Charset).ToString();
                // US-ASCII is UTF-8's first 128 characters: a body declared so was read as UTF-8 before charsets were
                // read (.NET's Encoding.ASCII and Java's US-ASCII name it), and still is.
                if (charsetName.Trim() is { } trimmed && (trimmed.Equals("us-ascii", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("ascii", StringComparison.OrdinalIgnoreCase)))
                {
                    charsetName = "utf-8";
                }

                if (!CsvEncodings.TryParse(charsetName, out var parsed))
                {
                    return Problem(415, "Unsupported charset",
                        $"Content-Type: charset '{charsetName}' is not an encoding a CSV body can be read in; the charsets are {CsvEncodings.NameList}.");
                }

                charset = parsed;
            }

            return await PredictCsvAsync(served, context, metrics, charset, storage.MaxColumns, cancellationToken);
        }

        var body = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await body.ReadAsync(cancellationToken);
            if (read.Buffer.Length > options.MaxJsonBodyBytes)
            {
                body.AdvanceTo(read.Buffer.End);
                return Problem(413, "Request body too large", string.Create(CultureInfo.InvariantCulture,
                    $"Request body: more than {options.MaxJsonBodyBytes:N0} bytes of JSON (Serving:MaxJsonBodyBytes). Send CSV (Content-Type: text/csv), which is streamed, for larger batches."));
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        JsonPredictBatch batch;
        try
        {
            batch = JsonPredictBatch.Run(read.Buffer, served.Tabular!, options.MaxBatchRows, explain == true, options.ExplainTop, explainBy == "column");
        }
        catch (JsonException e)
        {
            // The same title and detail as every other route's unreadable body (line and position from 1).
            return Problem(400, "Invalid request body", BadRequestProblems.Describe(e));
        }
        finally
        {
            body.AdvanceTo(read.Buffer.End);
        }

        if (batch.NotARowsObject)
        {
            return Problem(400, "Invalid request", "Expected {\"rows\": [{column: value, ...}, ...]}.");
        }

        if (batch.BodyProblem is { } bodyProblem)
        {
            return Problem(400, "Invalid request body", bodyProblem);
        }

        if (batch.RowCount > options.MaxBatchRows)
        {
            return Problem(413, "Too many rows", $"{batch.RowCount} rows; at most {options.MaxBatchRows} per request (Serving:MaxBatchRows). Send CSV for larger batches.");
        }

        if (batch.Errors.Count > 0)
        {
            return TypedResults.ValidationProblem(batch.Errors, title: "Invalid rows", detail: $"{batch.Errors.Count} field(s) do not match model '{name}' v{served.Version}'s schema.");
        }

        if (batch.Ignored.Count > 0)
        {
            context.Response.Headers[IgnoredColumnsHeader] = IgnoredColumnsValue(batch.Ignored.Order(StringComparer.Ordinal));
        }

        metrics.CountPredictions(caller.TenantName, name, batch.Predicted);
        return new PredictionsResult(served, batch);
    }

    private static async Task<IResult> PredictCsvAsync(ServedModel served, HttpContext context, ServingMetrics metrics, CsvEncoding? charset, int maxColumns,
        CancellationToken cancellationToken)
    {
        using var session = new CsvScoringSession(served.Tabular!) { CharsetGiven = charset is not null, MaxColumns = maxColumns };
        try
        {
            // Decoded to UTF-8 as it is read (UTF-8 passes through), so the session's blocks are UTF-8 text.
            var options = new CsvOptions { SourceName = CsvScoringSession.SourceName, Encoding = charset, EncodingSetting = CsvScoringSession.CharsetSetting };
            var (text, _) = await CsvDecoding.ToUtf8Async(context.Request.Body, options, cancellationToken);
            await using (text)
            {
                await session.ReadAsync(PipeReader.Create(text, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true)), cancellationToken);
            }
        }
        catch (FormatException e)
        {
            // CsvFormatException (malformed CSV, a value that is not of its column's type) names the line and column.
            return Problem(400, "Invalid CSV", e.Message);
        }

        if (session.MissingColumns.Length > 0)
        {
            return TypedResults.ValidationProblem(
                session.MissingColumns.ToDictionary(m => m, m => new[] { $"Missing required column '{m}'." }),
                title: "Invalid CSV",
                detail: $"The CSV header lacks {session.MissingColumns.Length} column(s) that model '{served.Name}' v{served.Version} needs: {string.Join(", ", session.MissingColumns)}.");
        }

        metrics.CountPredictions(context.Caller().TenantName, served.Name, session.RowCount);
        if (session.IgnoredColumns.Length > 0)
        {
            context.Response.Headers[IgnoredColumnsHeader] = IgnoredColumnsValue(session.IgnoredColumns);
        }

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers["X-Model-Version"] = served.Version.ToString(CultureInfo.InvariantCulture);
        await CsvPredictions.WriteAsync(served.Tabular!, session.Outputs, session.RowCount, context.Response.BodyWriter, cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> RecommendAsync(
        string name, string userId, int? top, int? version, string? segment, HttpContext context, ServedModelCache cache, ServingMetrics metrics, CancellationToken cancellationToken)
    {
        if (TopProblem(top) is { } badTop)
        {
            return badTop;
        }

        userId = RouteId(context, userId);
        if (userId.Length == 0)
        {
            return EmptyId("userId", "a user id");
        }

        var served = await cache.GetAsync(context.Caller().TenantId, name, version, cancellationToken);
        if (served?.Recommender is null)
        {
            return served is null ? NotFound(name, version) : Problem(400, "Not a recommender", $"Model '{name}' is a tabular model: use /api/models/{name}/predict.");
        }

        segment = segment is null ? null : CsvTable.TrimField(segment);
        segment = segment is "" ? null : segment;
        var recommender = served.Recommender;
        var list = recommender.Recommend(userId, top ?? DefaultTop, null, segment);
        metrics.CountPredictions(context.Caller().TenantName, name, 1);
        var answer = new JsonObject
        {
            ["model"] = name,
            ["version"] = served.Version,
            ["user"] = userId,
            ["fallback"] = list.UsedFallback,
            ["items"] = new JsonArray([.. list.Items.Select(i => (JsonNode)new JsonObject { ["item"] = i.ItemId, ["score"] = i.Score })]),
        };
        if (list.UsedFallback)
        {
            answer["fallbackReason"] = LearntNothingFrom(recommender, userId) ? "nothing-learnt" : "unknown-user";
        }

        if (SegmentWarning(recommender, segment, list.UsedFallback) is { } warning)
        {
            answer["warnings"] = new JsonArray(warning);
        }

        return TypedResults.Ok(answer);
    }

    /// <summary>
    /// True when the user is in the model's training data but the model learnt nothing from their rows: every one was
    /// rated below an implicit-feedback model's relevance threshold, or held out for validation by a sweep that kept its
    /// validation-fold model. Those rows are still excluded from what they are served.
    /// </summary>
    private static bool LearntNothingFrom(Recommender recommender, string userId) =>
        recommender.Users.TryGetIndex(userId, out var user) && (uint)user < (uint)recommender.Excluded.RowCount && recommender.Excluded.RowLength(user) > 0;

    /// <summary>
    /// The sentence saying that <c>?segment=</c> names no ranking of the model (as <c>eml recommend --segment</c> warns),
    /// or null when it does or none was given.
    /// </summary>
    private static string? SegmentWarning(Recommender recommender, string? segment, bool usedFallback)
    {
        var segments = recommender.Fallback.SegmentNames;
        if (segment is null || segments.Contains(segment))
        {
            return null;
        }

        var has = segments.Count == 0
            ? "it has none: it was trained without a segment column"
            : $"it has: {string.Join(", ", segments.Order(StringComparer.Ordinal).Take(10))}{(segments.Count > 10 ? $", ... ({segments.Count} in all)" : string.Empty)}";
        return usedFallback
            ? $"Segment '{segment}' is not one the model has a ranking for ({has}); the global ranking was used."
            : $"Segment '{segment}' is not one the model has a ranking for ({has}); it was not needed: the user has history in the model, and a segment only picks a cold user's ranking.";
    }

    private static async Task<IResult> SimilarAsync(
        string name, string itemId, int? top, int? version, HttpContext context, ServedModelCache cache, ServingMetrics metrics, CancellationToken cancellationToken)
    {
        if (TopProblem(top) is { } badTop)
        {
            return badTop;
        }

        itemId = RouteId(context, itemId);
        if (itemId.Length == 0)
        {
            return EmptyId("itemId", "an item id");
        }

        var served = await cache.GetAsync(context.Caller().TenantId, name, version, cancellationToken);
        if (served?.Recommender is null)
        {
            return served is null ? NotFound(name, version) : Problem(400, "Not a recommender", $"Model '{name}' is a tabular model: use /api/models/{name}/predict.");
        }

        if (!served.Recommender.Items.TryGetIndex(itemId, out var item) || !served.Recommender.IsKnownItem(item))
        {
            // An id in the model's item map without training interactions (an item every user rated below the
            // relevance threshold of an implicit-feedback model) has nothing learnt about it either: it was a 200 with
            // no items, as if it had no neighbours.
            return Problem(404, "Item not found", $"Item '{itemId}' was not in the training data of '{name}'.");
        }

        var items = served.Recommender.SimilarItems(itemId, top ?? DefaultTop);
        metrics.CountPredictions(context.Caller().TenantName, name, 1);
        return TypedResults.Ok(new { model = name, version = served.Version, item = itemId, items = items.Select(i => new { item = i.ItemId, score = i.Score }) });
    }

    /// <summary>
    /// What a served version takes: a tabular model's input columns (what a predict row must hold) with their types, its
    /// task, label and classes, and whether <c>?explain=true</c> gives contributions; a recommender's kind, how many users
    /// and items it knows and the first few of each (ids to try).
    /// </summary>
    private static async Task<Results<Ok<ServedSchemaResponse>, ProblemHttpResult>> SchemaAsync(
        string name, int? version, HttpContext context, ServedModelCache cache, CancellationToken cancellationToken)
    {
        var served = await cache.GetAsync(context.Caller().TenantId, name, version, cancellationToken);
        if (served is null)
        {
            return NotFound(name, version);
        }

        if (served.Recommender is { } recommender)
        {
            return TypedResults.Ok(new ServedSchemaResponse(name, served.Version, "recommender")
            {
                Recommender = recommender.Kind,
                Users = recommender.Users.Count,
                Items = recommender.Items.Count,
                SampleUsers = [.. recommender.Users.Ids.Take(SampleIds)],
                SampleItems = [.. recommender.Items.Ids.Take(SampleIds)],
            });
        }

        var tabular = served.Tabular!;
        var schema = tabular.Model.Schema;
        var types = schema.InputTypes;
        return TypedResults.Ok(new ServedSchemaResponse(name, served.Version, "tabular")
        {
            Task = schema.Task.ToString().ToLowerInvariant(),
            Label = schema.LabelColumn,
            Classes = schema.ClassNames,
            Inputs = [.. tabular.Inputs.Select(i => new ServedInput(i.Name, (types.TryGetValue(i.Name, out var t) ? t : i.Type).ToString().ToLowerInvariant()))],
            Explains = tabular.Explainer is not null,
            ExplanationUnavailable = tabular.WhyNoExplanation,
            Scorecard = tabular.Model.Predictor is Engine.Scenarios.Credit.ScorecardPredictor,
            AlertThreshold = tabular.AlertThreshold,
        });
    }

    /// <summary>
    /// The <see cref="IgnoredColumnsHeader"/> value: the names joined by commas, a name with a character outside printable
    /// ASCII percent-encoded as UTF-8 (<c>größe</c> → <c>gr%C3%B6%C3%9Fe</c>). Kestrel refuses any other character in a
    /// response header, so a request with an unused column named <c>größe</c> failed with a 500 instead of being scored.
    /// </summary>
    internal static string IgnoredColumnsValue(IEnumerable<string> names) =>
        string.Join(",", names.Select(n => n.AsSpan().ContainsAnyExceptInRange(' ', '~') ? Uri.EscapeDataString(n) : n));

    /// <summary>
    /// A user or item id from the path (the route's last segment), every escape decoded once. Kestrel decodes each
    /// escape of the path except <c>%2F</c>, so the route value alone is ambiguous: <c>AB%2F12</c> there is the id
    /// <c>AB/12</c> sent as <c>AB%2F12</c>, but also the id <c>AB%2F12</c> sent as <c>AB%252F12</c>. Turning every
    /// <c>%2F</c> of the route value into '/' made the second unreachable (it was looked up as <c>AB/12</c>); the id is
    /// therefore decoded from the request line as sent. Without a request line ending in that segment (an in-process
    /// test server builds requests without one) every %2F is read as '/', as before. The id is then trimmed of leading
    /// and trailing spaces and tabs, as the CSV reader trims every id it stores and <c>eml recommend</c> and the
    /// dashboard trim theirs: <c>%2042%20</c> is the user <c>42</c>, not a cold user served the fallback.
    /// </summary>
    private static string RouteId(HttpContext context, string routeValue) => CsvTable.TrimField(DecodedRouteId(context, routeValue));

    private static string DecodedRouteId(HttpContext context, string routeValue)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var fallback = routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        var path = raw.AsSpan();
        if (path.IndexOfAny('?', '#') is var end and >= 0)
        {
            path = path[..end];
        }

        if (path.EndsWith("/"))
        {
            path = path[..^1];
        }

        // The segment is the route's when decoding all but %2F gives the route value, as Kestrel decoded it.
        var segment = path[(path.LastIndexOf('/') + 1)..].ToString();
        return Uri.UnescapeDataString(EscapedSlash().Replace(segment, "%252F")) == routeValue ? Uri.UnescapeDataString(segment) : fallback;
    }

    [System.Text.RegularExpressions.GeneratedRegex("%2F", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex EscapedSlash();

    /// <summary>
    /// A <c>top</c> outside [1, <see cref="MaxTop"/>] is a 400 rather than clamped: a caller asking for 0 or 5,000 items
    /// would otherwise get a list of another length without being told.
    /// </summary>
    private static ProblemHttpResult? TopProblem(int? top) => top is null or (>= 1 and <= MaxTop)
        ? null
        : Problem(400, "Invalid query parameter", string.Create(CultureInfo.InvariantCulture, $"Query parameter 'top': {top} is out of range; it must be between 1 and {MaxTop} (default {DefaultTop})."));

    /// <summary>
    /// An id of only spaces and tabs (<c>%20</c>) is empty once trimmed: no interaction has it, so it was answered as a
    /// cold user (or an unknown item) without a word, where <c>eml recommend --user " "</c> is an error.
    /// </summary>
    private static ProblemHttpResult EmptyId(string parameter, string expected) => Problem(400, "Invalid route parameter",
        $"Route parameter '{parameter}': the id is empty or only spaces and tabs; give {expected}.");

    private static ProblemHttpResult NotFound(string name, int? version) => Problem(404, "Model not found", version is null
        ? $"There is no champion of model '{name}' in your tenant."
        : $"Model '{name}' has no version {version} in your tenant.");

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(title: title, detail: detail, statusCode: status);
}
