using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EnterpriseML.Api.Auth;
using EnterpriseML.Api.Experiments;
using EnterpriseML.Api.Models;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;

namespace EnterpriseML.Api.Schedules;

public sealed record ScheduleRequest(string Name, string Cron, string? TimeZone, JsonObject Experiment, JsonObject? Promotion);

public sealed record PauseRequest(string? Reason);

public sealed record RefreshResponse(long Id, string Status, string? ExperimentId, string? DatasetId, JsonNode? Outcome, long StartedAt, long FinishedAt);

/// <summary>
/// The answer to <c>POST /api/schedules/{name}/trigger</c>: the run is <c>queued</c> in the job store (its refresh
/// creates its experiment when it starts). It is recorded in the schedule's <c>refreshes</c> as the first entry whose
/// <c>id</c> is above <c>afterRefreshId</c> (null: the schedule had no refresh yet), with <c>outcome.triggeredBy</c>
/// equal to <c>requestedBy</c>; meanwhile the schedule's <c>refreshUnderWay</c> shows it queued, then running with its
/// experiment id.
/// </summary>
public sealed record TriggerResponse(string Name, string Status, string RequestedBy, long RequestedAt, long? AfterRefreshId, string Schedule);

/// <summary>
/// A refresh of the schedule now <c>queued</c> or <c>running</c>, and its experiment once it has one; with an
/// experiment the status is the experiment's (<c>queued</c> while it waits for a node, e.g. to be resumed after a
/// crash).
/// </summary>
public sealed record RefreshUnderWayResponse(string Status, string? ExperimentId);

/// <summary>
/// A schedule. <c>lastOutcome</c> is the newest refresh's decision (status, both holdout scores, improvement, threshold,
/// versions, reason); <c>refreshes</c> (on GET by name) is the refresh history, newest first; <c>nextFireTime</c>
/// (Unix ms) and <c>triggerState</c> come from the Quartz job store; <c>refreshUnderWay</c> is the refresh queued or
/// running now (a cron fire or one asked for with POST /api/schedules/{name}/trigger), null when none is.
/// </summary>
public sealed record ScheduleResponse(
    string Name, string Cron, string TimeZone, JsonNode? Experiment, JsonNode? Promotion, bool Paused, string? PauseReason, string? PausedBy,
    JsonNode? LastOutcome, long CreatedAt, long? NextFireTime, string? TriggerState, IReadOnlyList<RefreshResponse>? Refreshes,
    RefreshUnderWayResponse? RefreshUnderWay)
{
    internal static ScheduleResponse From(ScheduleRecord s, RefreshTriggerState trigger, IReadOnlyList<RefreshRecord>? refreshes, RefreshUnderWayResponse? underWay) => new(
        s.Name, s.Cron, s.TimeZone, JsonNode.Parse(s.Experiment), JsonNode.Parse(s.Promotion), s.Paused != 0, s.PauseReason, s.PausedBy,
        s.LastOutcome is null ? null : JsonNode.Parse(s.LastOutcome), s.CreatedAt, trigger.NextFireTime?.ToUnixTimeMilliseconds(), trigger.State,
        refreshes?.Select(r => new RefreshResponse(r.Id, r.Status, r.ExperimentId, r.DatasetId, JsonNode.Parse(r.Outcome), r.StartedAt, r.FinishedAt)).ToList(),
        underWay);
}

/// <summary>
/// Scheduled refreshes. Creating a schedule stores it and registers a Quartz cron trigger (cron + time zone) for a
/// <see cref="RefreshJob"/>; DELETE removes both; pause/resume pause and resume the trigger as well as the stored flag
/// (with the reason and who asked). Each fire trains a challenger on the newest dataset, scores it and the champion on
/// the same fresh holdout and promotes only a better challenger (see <see cref="RefreshJob"/>).
/// </summary>
internal static partial class SchedulesApi
{
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/schedules").WithTags("Schedules");
        group.MapPost("/", CreateAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/", ListAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/{name}", GetAsync).RequireRole(Roles.DataScientist);
        group.MapDelete("/{name}", DeleteAsync).RequireRole(Roles.DataScientist);
        group.MapPost("/{name}/pause", PauseAsync).RequireRole(Roles.DataScientist);
        group.MapPost("/{name}/resume", ResumeAsync).RequireRole(Roles.DataScientist);
        group.MapPost("/{name}/trigger", TriggerAsync).RequireRole(Roles.DataScientist).WithScheduleTriggerRules();
        return app;
    }

    private static async Task<Results<Created<ScheduleResponse>, ProblemHttpResult>> CreateAsync(
        ScheduleRequest request, HttpContext context, ScheduleStore schedules, DatasetStore datasets, JobClient jobs, CancellationToken cancellationToken)
    {
        if (NameProblem(request.Name) is { } badScheduleName)
        {
            return ExperimentsApi.FieldProblem("name", badScheduleName);
        }

        CronExpression expression;
        try
        {
            expression = new CronExpression(request.Cron ?? "");
        }
        catch (FormatException e)
        {
            return ExperimentsApi.FieldProblem("cron", e.Message);
        }

        var zone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var timeZone))
        {
            return ExperimentsApi.FieldProblem("timeZone", $"Unknown time zone '{zone}': expected an IANA id such as 'Europe/Zurich' or 'UTC' (Windows ids such as 'W. Europe Standard Time' are not known: the service runs without ICU to map them).");
        }

        // Quartz refuses a trigger that will never fire (Feb 30, a year gone by) only when it is scheduled, as a
        // SchedulerException: that was a 500 after the checks below had passed.
        if (expression.WithTimeZone(timeZone).GetNextValidTimeAfter(DateTimeOffset.UtcNow) is null)
        {
            return ExperimentsApi.FieldProblem("cron", $"Cron expression '{request.Cron}' never fires after now in time zone '{zone}': no date matches it.");
        }

        if (request.Experiment is null)
        {
            return ExperimentsApi.FieldProblem("experiment", "The experiment to run is required.");
        }

        // The experiment and promotion objects are read by hand, not bound: a field they do not have is named here,
        // as the JSON binding names one elsewhere (checked at creation only, so stored schedules still fire).
        if ((UnknownField(request.Experiment, typeof(ScheduledExperiment), "experiment") ?? UnknownField(request.Promotion, typeof(PromotionPolicy), "promotion")) is { } unknown)
        {
            return ExperimentsApi.FieldProblem(unknown.Field, unknown.Message);
        }

        if ((QuotedNumber(request.Experiment, typeof(ScheduledExperiment), "experiment") ?? QuotedNumber(request.Promotion, typeof(PromotionPolicy), "promotion")) is { } quoted)
        {
            return ExperimentsApi.FieldProblem(quoted.Field, quoted.Message);
        }

        var tenant = context.Caller().TenantId;
        PromotionPolicy policy;
        try
        {
            var spec = ScheduledExperiment.Parse(request.Experiment.ToJsonString());
            policy = PromotionPolicy.Parse(request.Promotion);

            // Checked here too because a schedule on a dataset name not uploaded yet skips the dataset checks below.
            if (ExperimentsApi.ModelNameProblem(spec.ModelName) is { } badName)
            {
                return ExperimentsApi.FieldProblem("experiment.modelName", badName);
            }

            // Refused at creation only (not in ScheduledExperiment.Validate), so schedules stored before still fire.
            // experiment.metric is checked with the dataset below (ExperimentsApi.Validate): it ranks each refresh's sweep.
            if (spec.TestDatasetId is not null)
            {
                return ExperimentsApi.FieldProblem("experiment.testDatasetId", "Does not apply to schedules: each refresh scores champion and challenger on a holdout of the newest dataset (experiment.holdoutFraction, default 0.2).");
            }

            var dataset = spec.DatasetId is { Length: > 0 } id
                ? await datasets.GetAsync(tenant, id, cancellationToken)
                : await datasets.FindLatestByNameAsync(tenant, spec.DatasetName!, cancellationToken);
            if (dataset is null && spec.DatasetId is { Length: > 0 })
            {
                return ExperimentsApi.FieldProblem("experiment.datasetId", $"There is no dataset '{spec.DatasetId}' in your tenant.");
            }

            // A dataset name with no upload yet is allowed (refreshes skip until one arrives); one that exists is checked now.
            if (dataset is not null && ExperimentsApi.Validate(spec.ToRequest(dataset.Id), dataset) is { } invalid)
            {
                return ExperimentsApi.FieldProblem("experiment." + invalid.Field, invalid.Message);
            }

            // Else every refresh would create a failed experiment; ResolveMetric still checks at each fire (the newest upload may differ).
            var label = dataset?.Profile.Columns.FirstOrDefault(c => c.Name == spec.Label);
            var task = spec.Task is not null && LabelEncoding.TryParseTask(spec.Task, out var named) ? named
                : label is null ? (TaskKind?)null : LabelEncoding.InferTaskFromProfile(label, dataset!.Profile.RowCount);
            if (task is { } known && policy.MetricProblem(known) is { } metricProblem)
            {
                return ExperimentsApi.FieldProblem("promotion.metric", metricProblem);
            }
        }
        catch (ArgumentException e)
        {
            var colon = e.Message.IndexOf(": ", StringComparison.Ordinal);
            return colon > 0 ? ExperimentsApi.FieldProblem(e.Message[..colon], e.Message[(colon + 2)..]) : ExperimentsApi.FieldProblem("experiment", e.Message);
        }

        if (!await schedules.CreateAsync(tenant, request.Name, request.Cron!, zone, request.Experiment.ToJsonString(), policy.ToJson().ToJsonString(), cancellationToken))
        {
            return TypedResults.Problem(title: "Schedule exists", detail: $"A schedule named '{request.Name}' already exists.", statusCode: 409);
        }

        try
        {
            await jobs.ScheduleRefreshAsync(tenant, request.Name, request.Cron!, zone, replace: true, cancellationToken: cancellationToken);
        }
        catch
        {
            await schedules.DeleteAsync(tenant, request.Name, CancellationToken.None);
            throw;
        }

        var created = await schedules.GetAsync(tenant, request.Name, cancellationToken);
        return TypedResults.Created($"/api/schedules/{request.Name}", ScheduleResponse.From(created!, await jobs.RefreshTriggerAsync(tenant, request.Name, cancellationToken), [], null));
    }

    private static async Task<Ok<IReadOnlyList<ScheduleResponse>>> ListAsync(HttpContext context, ScheduleStore schedules, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken)
    {
        // A constant number of queries for the whole list (schedules, their unfinished experiments, the tenant's refresh
        // triggers), each entry the same as GetAsync answers but for its refreshes: GetAsync and TriggerAsync still read
        // one schedule's state key by key.
        var tenant = context.Caller().TenantId;
        var rows = await schedules.ListAsync(tenant, cancellationToken);
        var unfinished = await experiments.FindUnfinishedBySchedulesAsync(tenant, cancellationToken);
        var states = await jobs.RefreshStatesAsync(tenant, [.. rows.Select(s => s.Name)], cancellationToken);
        var list = new List<ScheduleResponse>(rows.Count);
        foreach (var s in rows)
        {
            var (trigger, underWay) = states[s.Name];
            list.Add(ScheduleResponse.From(s, trigger, null, UnderWay(unfinished.GetValueOrDefault(s.Name), underWay)));
        }

        return TypedResults.Ok<IReadOnlyList<ScheduleResponse>>(list);
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> GetAsync(
        string name, HttpContext context, ScheduleStore schedules, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        if (await schedules.GetAsync(tenant, name, cancellationToken) is not { } s)
        {
            return NotFound(name);
        }

        return TypedResults.Ok(ScheduleResponse.From(s, await jobs.RefreshTriggerAsync(tenant, name, cancellationToken),
            await schedules.RefreshesAsync(tenant, name, cancellationToken: cancellationToken), await UnderWayAsync(tenant, name, experiments, jobs, cancellationToken)));
    }

    /// <summary>
    /// Runs the schedule's refresh once, now, as a cron fire would (<see cref="JobClient.TriggerRefreshNowAsync"/>):
    /// 202 with where to follow it. 409 when the schedule is paused (a paused schedule starts no refresh) or a refresh of
    /// it is already queued or running; the cron trigger and its next fire time are not touched.
    /// </summary>
    private static async Task<Results<Accepted<TriggerResponse>, ProblemHttpResult>> TriggerAsync(
        string name, HttpContext context, ScheduleStore schedules, ExperimentStore experiments, JobClient jobs, TimeProvider time, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        if (await schedules.GetAsync(tenant, name, cancellationToken) is not { } s)
        {
            return NotFound(name);
        }

        if (s.Paused != 0)
        {
            var why = s.PauseReason is { Length: > 0 } reason ? $" ('{reason}', by {s.PausedBy ?? "unknown"})" : s.PausedBy is { } by ? $" (by {by})" : "";
            return TypedResults.Problem(title: "Schedule paused",
                detail: $"Schedule '{name}' is paused{why}: a paused schedule starts no refresh. Resume it first (POST /api/schedules/{name}/resume), then trigger it.",
                statusCode: 409);
        }

        if (await UnderWayAsync(tenant, name, experiments, jobs, cancellationToken) is { } busy)
        {
            return UnderWayProblem(name, busy);
        }

        // A schedule whose job the store lacks (a reset job store, before the next start's reconciliation) gets it back
        // first, as ScheduleReconciler would, so the run has a job to fire.
        if (!(await jobs.RefreshTriggerAsync(tenant, name, cancellationToken)).Exists)
        {
            try
            {
                await jobs.ScheduleRefreshAsync(tenant, name, s.Cron, s.TimeZone, cancellationToken: cancellationToken);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Registered meanwhile by another request or node.
            }
        }

        var newest = await schedules.RefreshesAsync(tenant, name, take: 1, cancellationToken: cancellationToken);
        var after = newest.Count > 0 ? newest[0].Id : (long?)null;
        var requestedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        var who = ModelsApi.Who(context);
        if (!await jobs.TriggerRefreshNowAsync(tenant, name, who, cancellationToken))
        {
            return UnderWayProblem(name, new RefreshUnderWayResponse("queued", null));
        }

        return TypedResults.Accepted($"/api/schedules/{name}", new TriggerResponse(name, "queued", who, requestedAt, after, $"/api/schedules/{name}"));
    }

    /// <summary>The refresh of the schedule queued or running now, from its unfinished experiment or else the job store; null when none.</summary>
    private static async Task<RefreshUnderWayResponse?> UnderWayAsync(string tenant, string name, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken) =>
        await experiments.FindUnfinishedForScheduleAsync(tenant, name, cancellationToken) is { } experiment
            ? UnderWay(experiment, null)
            : UnderWay(null, await jobs.RefreshUnderWayAsync(tenant, name, cancellationToken));

    /// <summary>
    /// The refresh under way from the schedule's unfinished experiment, with the experiment's own status (one waiting to
    /// be resumed after its node died is queued, not running), else from the job store's <paramref name="jobStore"/>.
    /// </summary>
    private static RefreshUnderWayResponse? UnderWay(ExperimentRecord? experiment, string? jobStore) =>
        experiment is not null ? new RefreshUnderWayResponse(experiment.Status, experiment.Id)
            : jobStore is not null ? new RefreshUnderWayResponse(jobStore, null)
            : null;

    private static ProblemHttpResult UnderWayProblem(string name, RefreshUnderWayResponse busy) => TypedResults.Problem(
        title: busy.Status == "queued" ? "Refresh already queued" : "Refresh already running",
        detail: busy.ExperimentId is { } id
            ? $"A refresh of schedule '{name}' is already {busy.Status} (experiment {id}): wait for it to end (GET /api/schedules/{name}), or cancel it (POST /api/experiments/{id}/cancel), then trigger again."
            : $"A refresh of schedule '{name}' is already {busy.Status}: wait for it to end (GET /api/schedules/{name} shows it under refreshUnderWay until it is recorded in refreshes), then trigger again.",
        statusCode: 409);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string name, HttpContext context, ScheduleStore schedules, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        if (!await schedules.DeleteAsync(tenant, name, cancellationToken))
        {
            return NotFound(name);
        }

        // The job store follows the row whatever the client does (see PauseAsync).
        await jobs.UnscheduleRefreshAsync(tenant, name, CancellationToken.None);

        // A refresh under way is cancelled, as POST /api/experiments/{id}/cancel does (its trials kept, no model stored;
        // the sweep sees the status within about a second). Left running, its outcome had nowhere to be recorded, and a
        // node that stopped or died under it left the experiment 'running' for ever: the deleted job never fires again
        // to resume it, so the tenant's slot and every delete of its model (a 409) stayed held.
        if (await experiments.FindUnfinishedForScheduleAsync(tenant, name, CancellationToken.None) is { } refresh)
        {
            await experiments.FinishAsync(
                refresh.Id, "cancelled", $"Schedule '{name}' was deleted by {ModelsApi.Who(context)} while this refresh ran; nothing was promoted.", null, null, null, CancellationToken.None);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> PauseAsync(
        string name, PauseRequest? body, HttpContext context, ScheduleStore schedules, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        var who = ModelsApi.Who(context);
        if (!await schedules.SetPausedAsync(tenant, name, true, body?.Reason, who, cancellationToken))
        {
            return NotFound(name);
        }

        // Not the request's token: with the row written, a client that hangs up must not leave the trigger firing.
        await jobs.PauseRefreshAsync(tenant, name, body?.Reason, who, CancellationToken.None);
        return await GetAsync(name, context, schedules, experiments, jobs, cancellationToken);
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> ResumeAsync(
        string name, HttpContext context, ScheduleStore schedules, ExperimentStore experiments, JobClient jobs, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        if (!await schedules.SetPausedAsync(tenant, name, false, null, null, cancellationToken))
        {
            return NotFound(name);
        }

        // Not the request's token: with the row written, a client that hangs up must not leave the trigger paused.
        await jobs.ResumeRefreshAsync(tenant, name, CancellationToken.None);
        return await GetAsync(name, context, schedules, experiments, jobs, cancellationToken);
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot name a schedule; null when it can. The name is a path segment of
    /// <c>/api/schedules/{name}</c> (GET, pause, resume, DELETE), so a '/', a '?' or a space would store a schedule that
    /// nobody can fetch, pause or delete: the model names' rule, up to 100 characters.
    /// </summary>
    internal static string? NameProblem(string? name) => name is not null && ScheduleName().IsMatch(name)
        ? null
        : $"'{name}': use 1 to 100 letters, digits, '.', '-' or '_', starting with a letter or digit (the name is part of the schedule's URLs, /api/schedules/{{name}}).";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]{0,99}$")]
    private static partial Regex ScheduleName();

    private static ProblemHttpResult NotFound(string name) => TypedResults.Problem(title: "Schedule not found", detail: $"There is no schedule '{name}' in your tenant.", statusCode: 404);

    /// <summary>The first property of <paramref name="json"/> that <paramref name="type"/> has no property for (case-insensitive), as (field, message).</summary>
    /// <summary>
    /// A number field of <paramref name="type"/> given as a JSON string ("budgetSeconds":"30"), as the request's own
    /// binding refuses one (checked at creation only: the stored objects are read leniently, so schedules stored
    /// before still fire).
    /// </summary>
    private static (string Field, string Message)? QuotedNumber(JsonObject? json, Type type, string prefix)
    {
        if (json is null)
        {
            return null;
        }

        foreach (var (name, value) in json)
        {
            if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String
                && type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property
                && NumberKind(property.PropertyType) is { } kind)
            {
                return ($"{prefix}.{name}", $"Expected {kind}, found the string {JsonSerializer.Serialize(text.GetValue<string>())}; send numbers without quotes.");
            }
        }

        return null;
    }

    /// <summary>"an integer" or "a number" for a numeric type (nullable or not); null for any other.</summary>
    private static string? NumberKind(Type type) => Type.GetTypeCode(Nullable.GetUnderlyingType(type) ?? type) switch
    {
        TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "an integer",
        TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
        _ => null,
    };

    private static (string Field, string Message)? UnknownField(JsonObject? json, Type type, string prefix)
    {
        if (json is null)
        {
            return null;
        }

        var fields = BadRequestProblems.JsonFieldNames(type);
        return json.Select(p => p.Key).FirstOrDefault(k => !fields.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } unknown
            ? ($"{prefix}.{unknown}", $"Not a field of {prefix}; the fields are {string.Join(", ", fields)}.")
            : null;
    }
}
