using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EnterpriseML.Api.Auth;
using EnterpriseML.Api.Datasets;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;

namespace EnterpriseML.Api.Experiments;

public sealed record ExperimentAccepted(string Id, string Status);

public sealed record AttemptResponse(string Node, long StartedAt, long? EndedAt, string? Outcome);

/// <summary>
/// One recorded trial: its candidate and kind (<c>general</c> or <c>specialised</c>), how it ended (<c>succeeded</c>,
/// <c>failed</c>, <c>pruned</c> or <c>timedout</c>, as in report.json's trial log) and, when it did not succeed, why.
/// </summary>
public sealed record TrialResponse(long Trial, string? Node, double? Score, double? ElapsedSeconds, string Candidate, string Kind, string Status, string? Error);

public sealed record ExperimentResponse(
    string Id, string Status, string DatasetId, string ModelName, string Scenario, JsonNode? Progress,
    IReadOnlyList<AttemptResponse> Attempts, JsonNode? Leaderboard, JsonNode? Winner, IReadOnlyList<TrialResponse> Trials,
    string? Error, string? ScheduleName, long CreatedAt, long? StartedAt, long? FinishedAt, JsonNode? Test, IReadOnlyList<string> Notes);

public sealed record ExperimentSummary(string Id, string Status, string DatasetId, string ModelName, string Scenario, JsonNode? Progress, string? Error, long CreatedAt, long? FinishedAt);

internal static partial class ExperimentsApi
{
    private static readonly string[] Statuses = ["queued", "running", "succeeded", "failed", "cancelled"];

    public static IEndpointRouteBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/experiments").WithTags("Experiments");
        group.MapPost("/", CreateAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/", ListAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/{id}", GetAsync).RequireRole(Roles.DataScientist);
        group.MapPost("/{id}/cancel", CancelAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/{id}/events", EventsAsync).RequireRole(Roles.DataScientist);
        return app;
    }

    /// <summary>
    /// Why <paramref name="name"/> (trimmed, as it is stored) cannot name a model; null when it can. The name is a path
    /// segment of <c>/api/models/{name}</c> and <c>/predict</c>, so a '/' or a space would store a model nobody can fetch,
    /// promote or serve. The rule is the dashboard's (its model field's pattern), not the tenant names' one, which allows
    /// only lower case and at least two characters and so would refuse names the dashboard has always accepted.
    /// </summary>
    internal static string? ModelNameProblem(string name) => ModelName().IsMatch(name.Trim())
        ? null
        : $"'{name}': use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit (the name is part of the model's URLs, /api/models/{{name}}).";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")]
    private static partial Regex ModelName();

    /// <summary>
    /// Checks a request against the dataset's profile (and <paramref name="testDataset"/>'s, the dataset
    /// <c>testDatasetId</c> names, null when it names none in the tenant); null when valid, else (field, message).
    /// A field the request's scenario does not use is an error naming it, never silently dropped.
    /// </summary>
    internal static (string Field, string Message)? Validate(ExperimentRequest request, DatasetRecord? dataset, DatasetRecord? testDataset = null)
    {
        if (dataset is null)
        {
            return ("datasetId", string.IsNullOrWhiteSpace(request.DatasetId)
                ? "Required: the id of a dataset in your tenant (POST /api/datasets answers it); missing or empty."
                : $"There is no dataset '{request.DatasetId}' in your tenant.");
        }

        if (request.IgnoreColumns?.ToList().IndexOf(null!) is >= 0 and var nullAt)
        {
            // ["id", null] binds: it would be stored with the request and silently ignored by the sweep.
            return ("ignoreColumns", string.Create(CultureInfo.InvariantCulture, $"ignoreColumns[{nullAt}]: expected a column name, found null."));
        }

        if (string.IsNullOrWhiteSpace(request.ModelName))
        {
            return ("modelName", "A model name is required.");
        }

        if (ModelNameProblem(request.ModelName) is { } badName)
        {
            return ("modelName", badName);
        }

        if (!(request.BudgetSeconds is > 0 and <= 86_400))
        {
            // A missing field binds as 0: say it is required rather than quoting a range the caller never tried.
            return ("budgetSeconds", request.BudgetSeconds == 0
                ? "Required: the sweep's wall-clock budget in seconds, in (0, 86400]; missing or 0."
                : $"Must be in (0, 86400] seconds; found {request.BudgetSeconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (ExperimentRequest.MaxTrialsProblem(request.MaxTrials) is { } badTrials)
        {
            return ("maxTrials", badTrials);
        }

        if (AlertThresholdOptions.RequestProblem(request.Scenario, request.TargetRecall, request.AlertBudget, "targetRecall", "alertBudget", "the fraud scenario") is { } alertRule)
        {
            return (alertRule.Name, alertRule.Problem);
        }

        if (RecommendationExperimentValidation.Handles(request.Scenario))
        {
            if (request.Task is not null)
            {
                return ("task", "Does not apply to the recommendation scenario (it ranks items for users).");
            }

            if (request.Metric is not null)
            {
                // The recommendation sweep has no metric choice: it always ranks by NDCG@10.
                return ("metric", $"'{request.Metric}': the recommendation sweep always ranks by ndcgAt10; metric applies to the scenarios auto, credit, fraud and sentiment.");
            }

            return RecommendationExperimentValidation.Validate(request, dataset, testDataset);
        }

        if (!ScenarioCatalog.Names.Contains(request.Scenario?.ToLowerInvariant() ?? ""))
        {
            return ("scenario", ScenarioCatalog.UnknownScenario(request.Scenario));
        }

        if ((request.UserColumn is not null ? "userColumn" : request.ItemColumn is not null ? "itemColumn" : null) is { } interactionField)
        {
            return (interactionField, $"Applies to the recommendation scenario (its interactions' user and item ids), not '{request.Scenario}'.");
        }

        if (string.IsNullOrEmpty(request.Label))
        {
            // Else "the dataset has no column ''", as if the caller had named an empty column.
            return ("label", $"Required: the column to predict; missing or empty. Columns: {string.Join(", ", dataset.Profile.Columns.Select(c => c.Name))}.");
        }

        var label = dataset.Profile.Columns.FirstOrDefault(c => c.Name == request.Label);
        if (label is null)
        {
            return ("label", $"The dataset has no column '{request.Label}'. Columns: {string.Join(", ", dataset.Profile.Columns.Select(c => c.Name))}.");
        }

        if (label.DistinctCount < 2)
        {
            return ("label", $"The label '{request.Label}' has a single class; a model needs at least two.");
        }

        if (LabelEncoding.ProfileProblem(label, dataset.Profile.RowCount) is { } problem)
        {
            return ("label", problem);
        }

        if (request.PositiveClass is { } positive && label.TopValues is { } top && label.DistinctCount <= top.Count && top.All(v => v.Value != positive))
        {
            return ("positiveClass", $"'{positive}' is not a value of '{request.Label}'.");
        }

        if (request.IgnoreColumns?.FirstOrDefault(i => dataset.Profile.Columns.All(c => c.Name != i)) is { } unknown)
        {
            return ("ignoreColumns", $"The dataset has no column '{unknown}'.");
        }

        if (request.IgnoreColumns?.Contains(request.Label) == true)
        {
            return ("ignoreColumns", "The label cannot be ignored.");
        }

        if (dataset.Profile.Columns.All(c => c.Name == request.Label || request.IgnoreColumns?.Contains(c.Name) == true))
        {
            return ("ignoreColumns", $"No column is left to learn from: the dataset's columns besides the label '{request.Label}' are all ignored.");
        }

        if (request.Task is { } task)
        {
            if (!LabelEncoding.TryParseTask(task, out var kind))
            {
                return ("task", $"'{task}': {LabelEncoding.UnknownTask(task)}");
            }

            if (LabelEncoding.TaskMismatch(kind, request.Label, label.Type, label.DistinctCount) is { } mismatch)
            {
                return ("task", mismatch);
            }
        }

        // The task the label implies, as the sweep will infer it (or the request names it), for the metrics that suit it.
        var implied = request.Task is not null && LabelEncoding.TryParseTask(request.Task, out var named) ? named : LabelEncoding.InferTaskFromProfile(label, dataset.Profile.RowCount);
        if (request.MetricProblem(implied) is { } badMetric)
        {
            return ("metric", badMetric);
        }

        if (request.TestDatasetId is not null)
        {
            if (testDataset is null)
            {
                return ("testDatasetId", $"There is no dataset '{request.TestDatasetId}' in your tenant.");
            }

            // The winner is scored on the test rows after the sweep: they need the label and every feature column.
            var missing = dataset.Profile.Columns.Select(c => c.Name)
                .Where(c => request.IgnoreColumns?.Contains(c) != true && testDataset.Profile.Columns.All(t => t.Name != c)).ToList();
            if (missing.Count > 0)
            {
                return ("testDatasetId", $"The test dataset '{testDataset.Name}' has no column{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.Select(m => $"'{m}'"))}, which dataset '{dataset.Name}' has: the winner is scored on its label and feature columns (ignoreColumns leaves a column out of both). Columns: {string.Join(", ", testDataset.Profile.Columns.Select(c => c.Name))}.");
            }
        }

        if (request.TimestampColumn is { } time)
        {
            if (!string.Equals(request.Scenario, "fraud", StringComparison.OrdinalIgnoreCase))
            {
                return ("timestampColumn", $"Applies to the fraud scenario (its time-ordered validation), not '{request.Scenario}'.");
            }

            var column = dataset.Profile.Columns.FirstOrDefault(c => c.Name == time);
            if (column is null || time == request.Label || request.IgnoreColumns?.Contains(time) == true)
            {
                return ("timestampColumn", $"'{time}' is not a feature column of the dataset (not the label, not ignored).");
            }

            if (column.Type is not (ColumnType.DateTime or ColumnType.Numeric))
            {
                return ("timestampColumn", $"'{time}' must hold dates and times or numbers (such as Unix seconds); it was read as {column.Type.ToString().ToLowerInvariant()}. Dates are read in the forms {SchemaInference.DateForms}.");
            }
        }

        return request.PositiveClass is { } p && label.DistinctCount > 2
            ? ("positiveClass", $"'{p}' names the positive class of a binary label; '{request.Label}' has {label.DistinctCount} distinct values.")
            : null;
    }

    private static async Task<Results<Accepted<ExperimentAccepted>, ProblemHttpResult>> CreateAsync(
        ExperimentRequest request, HttpContext context, DatasetStore datasets, ExperimentStore experiments, JobClient jobs, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        var dataset = string.IsNullOrWhiteSpace(request.DatasetId) ? null : await datasets.GetAsync(tenant, request.DatasetId, cancellationToken);
        if (request.HoldoutFraction is not null && request.TestDatasetId is not null)
        {
            return FieldProblem("holdoutFraction", "Send one of holdoutFraction and testDatasetId, not both: each chooses the rows the winner is tested on (a share of the dataset held out of the sweep, or a second dataset).");
        }

        var testDataset = string.IsNullOrWhiteSpace(request.TestDatasetId) ? null : await datasets.GetAsync(tenant, request.TestDatasetId, cancellationToken);
        if (Validate(request, dataset, testDataset) is { } invalid)
        {
            return FieldProblem(invalid.Field, invalid.Message);
        }

        // Not in Validate: a schedule's experiment shares it, where holdoutFraction is the share a refresh compares
        // champion and challenger on (ScheduledExperiment.ToRequest always sets it).
        if (request.HoldoutFraction is { } holdout)
        {
            if (RecommendationExperimentValidation.Handles(request.Scenario))
            {
                return FieldProblem("holdoutFraction", "Applies to the scenarios auto, credit, fraud and sentiment; the recommendation sweep holds out interactions per user, and testDatasetId names its test interactions.");
            }

            if (!(holdout is > 0 and <= 0.5))
            {
                return FieldProblem("holdoutFraction", string.Create(CultureInfo.InvariantCulture,
                    $"Must be in (0, 0.5]: the share of the dataset's rows held out of the sweep and used to test its winner; found {holdout}."));
            }
        }

        // Not in Validate: it may read the stored rows (a label of more than 10 classes, or numeric class codes).
        if (testDataset is not null && !RecommendationExperimentValidation.Handles(request.Scenario)
            && await TestLabelClasses.ProblemAsync(request, dataset!, testDataset, datasets, cancellationToken) is { } unseen)
        {
            return FieldProblem("testDatasetId", unseen);
        }

        var record = await experiments.CreateAsync(tenant, dataset!.Id, request.ModelName.Trim(), request.Scenario.ToLowerInvariant(), JsonSerializer.Serialize(request, SweepJob.Json), null, cancellationToken);
        try
        {
            // Not the request's token: once the experiment is stored, a client that hangs up must not leave it queued
            // with no job (a cluster never queues it again). Queueing is one short job store write.
            await jobs.EnqueueSweepAsync(record.Id, CancellationToken.None);
        }
        catch (Exception e) when (e is SchedulerException or DbException)
        {
            // Else the experiment would stay queued for ever, with no job to run it.
            await experiments.DeleteQueuedAsync(record.Id, CancellationToken.None);
            loggers.CreateLogger("EnterpriseML.Api.Experiments").LogWarning(e, "Could not queue experiment {ExperimentId}; it was not stored", record.Id);
            return TypedResults.Problem(title: "Job store unavailable",
                detail: $"The experiment could not be queued, so it was not stored; submit it again: {e.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        loggers.CreateLogger("EnterpriseML.Api.Experiments").LogInformation(
            "Queued experiment {ExperimentId}: scenario {Scenario}, dataset {DatasetId}, budget {BudgetSeconds} s", record.Id, record.Scenario, dataset.Id, request.BudgetSeconds);
        return TypedResults.Accepted($"/api/experiments/{record.Id}", new ExperimentAccepted(record.Id, record.Status));
    }

    private static async Task<Results<Ok<Page<ExperimentSummary>>, ProblemHttpResult>> ListAsync(HttpContext context, ExperimentStore experiments, string? status, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            return FieldProblem("status", $"Query parameter 'status': '{status}' is not a status; use one of {string.Join(", ", Statuses)}.");
        }

        var size = Math.Clamp(pageSize ?? 50, 1, 500);
        var number = Math.Max(page ?? 1, 1);
        var (items, total) = await experiments.ListAsync(context.Caller().TenantId, status, (number - 1) * size, size, cancellationToken);
        return TypedResults.Ok(new Page<ExperimentSummary>(
            [.. items.Select(e => new ExperimentSummary(e.Id, e.Status, e.DatasetId, e.ModelName, e.Scenario, Parse(e.Progress), e.Error, e.CreatedAt, e.FinishedAt))],
            total, number, size));
    }

    private static async Task<Results<Ok<ExperimentResponse>, ProblemHttpResult>> GetAsync(string id, HttpContext context, ExperimentStore experiments, CancellationToken cancellationToken)
    {
        var e = await experiments.GetAsync(context.Caller().TenantId, id, cancellationToken);
        if (e is null)
        {
            return NotFound(id);
        }

        var attempts = await experiments.AttemptsAsync(id, cancellationToken);
        var trials = await experiments.TrialRowsAsync(id, cancellationToken);
        var report = Parse(e.Report);
        return TypedResults.Ok(new ExperimentResponse(
            e.Id, e.Status, e.DatasetId, e.ModelName, e.Scenario, Parse(e.Progress) ?? new JsonObject { ["trialsCompleted"] = 0, ["elapsedSeconds"] = 0, ["budgetSeconds"] = Budget(e), ["bestScore"] = null },
            [.. attempts.Select(a => new AttemptResponse(a.Node, a.StartedAt, a.EndedAt, a.Outcome))],
            Parse(e.Leaderboard), Parse(e.Winner),
            [.. trials.Select(t => new TrialResponse(t.Trial, t.Node, t.Score, t.ElapsedSeconds, t.Candidate, t.Kind.ToLowerInvariant(), t.Status.ToLowerInvariant(), t.Error))],
            e.Error, e.ScheduleName, e.CreatedAt, e.StartedAt, e.FinishedAt, TestMetrics(report), Notes(report)));
    }

    private static async Task<Results<Ok<ExperimentAccepted>, ProblemHttpResult>> CancelAsync(string id, HttpContext context, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken)
    {
        var e = await experiments.GetAsync(context.Caller().TenantId, id, cancellationToken);
        if (e is null)
        {
            return NotFound(id);
        }

        if (await experiments.FinishAsync(id, "cancelled", "Cancelled by " + context.Caller().KeyId, null, null, null, cancellationToken))
        {
            await jobs.CancelSweepAsync(id, cancellationToken);
            return TypedResults.Ok(new ExperimentAccepted(id, "cancelled"));
        }

        // The status read above may predate the one that refused the cancel (the sweep finished in between): name the current one.
        var status = (await experiments.GetAsync(context.Caller().TenantId, id, cancellationToken))?.Status ?? "deleted";
        return TypedResults.Problem(title: "Experiment already finished", detail: $"Experiment '{id}' is {status}.", statusCode: 409);
    }

    /// <summary>
    /// Server-sent events: a <c>progress</c> event whenever the experiment changes, then <c>end</c>. The stream closes
    /// as soon as its key is revoked (checked every poll, through <see cref="ApiKeyCache"/>): authenticated once at its
    /// start, a stream went on for as long as the sweep ran, up to a day, after its key had been revoked.
    /// </summary>
    private static async Task EventsAsync(string id, HttpContext context, ExperimentStore experiments, ApiKeyCache keys, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        var e = await experiments.GetAsync(tenant, id, cancellationToken);
        if (e is null)
        {
            // The stream has not started, so the 404 can still be the ProblemDetails the other experiment routes return.
            await NotFound(id).ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        string? last = null;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await keys.AuthenticateAsync(context, cancellationToken) is null)
            {
                return;
            }

            e = await experiments.GetAsync(tenant, id, cancellationToken);
            if (e is null)
            {
                return;
            }

            var payload = JsonSerializer.Serialize(new { id, status = e.Status, progress = Parse(e.Progress), error = e.Error }, SweepJob.Json);
            if (payload != last)
            {
                last = payload;
                await context.Response.WriteAsync($"event: progress\ndata: {payload}\n\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
            }

            if (e.Status is "succeeded" or "failed" or "cancelled")
            {
                await context.Response.WriteAsync($"event: end\ndata: {payload}\n\n", cancellationToken);
                return;
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The report's <c>notes</c> (what the sweep found in the data: rows left out, identifier-like columns, classes too
    /// rare for every validation fold, ...), empty when it has none or the sweep has not finished.
    /// </summary>
    private static string[] Notes(JsonNode? report) =>
        report?["notes"] is JsonArray notes ? [.. notes.Select(n => n?.GetValue<string>()).OfType<string>()] : [];

    /// <summary>The report's <c>test</c> (every metric of the winner on the test rows), or null when the experiment had none.</summary>
    private static JsonNode? TestMetrics(JsonNode? report) =>
        report?["test"] is JsonObject { Count: > 0 } test ? test.DeepClone() : null;

    private static double Budget(ExperimentRecord e) => JsonNode.Parse(e.Request)?["budgetSeconds"]?.GetValue<double>() ?? 0;

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem(title: "Experiment not found", detail: $"There is no experiment '{id}' in your tenant.", statusCode: 404);

    internal static ProblemHttpResult FieldProblem(string field, string message) => TypedResults.Problem(
        title: $"Invalid field '{field}'", detail: message, statusCode: 400,
        extensions: new Dictionary<string, object?> { ["field"] = field, ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });
}
