using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.Api.Auth;
using EnterpriseML.Api.Experiments;
using EnterpriseML.Api.Models;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;

namespace EnterpriseML.Api.Schedules;

public sealed record ScheduleRequest(string Name, string Cron, string? TimeZone, JsonObject Experiment, JsonObject? Promotion);

public sealed record PauseRequest(string? Reason);

public sealed record ScheduleResponse(string Name, string Cron, string TimeZone, JsonNode? Experiment, JsonNode? Promotion, bool Paused, string? PauseReason, string? PausedBy, string? LastOutcome, long CreatedAt)
{
    public static ScheduleResponse From(ScheduleRecord s) => new(s.Name, s.Cron, s.TimeZone, JsonNode.Parse(s.Experiment), JsonNode.Parse(s.Promotion), s.Paused != 0, s.PauseReason, s.PausedBy, s.LastOutcome, s.CreatedAt);
}

/// <summary>
/// Schedules: stored and validated (cron and time zone). The refresh job that fires them (train a challenger on the
/// newest dataset, compare on a fresh holdout, promote when better) is not implemented yet.
/// </summary>
internal static class SchedulesApi
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
        return app;
    }

    private static async Task<Results<Created<ScheduleResponse>, ProblemHttpResult>> CreateAsync(ScheduleRequest request, HttpContext context, ScheduleStore schedules, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return ExperimentsApi.FieldProblem("name", "A name of 1 to 100 characters is required.");
        }

        try
        {
            var expression = new CronExpression(request.Cron ?? "");
            _ = expression.GetNextValidTimeAfter(DateTimeOffset.UtcNow);
        }
        catch (FormatException e)
        {
            return ExperimentsApi.FieldProblem("cron", e.Message);
        }

        var zone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            return ExperimentsApi.FieldProblem("timeZone", $"Unknown time zone '{zone}'.");
        }

        if (request.Experiment is null)
        {
            return ExperimentsApi.FieldProblem("experiment", "The experiment to run is required.");
        }

        var promotion = request.Promotion ?? new JsonObject { ["minimumImprovement"] = 0.0, ["evaluateOn"] = "latest-dataset-holdout" };
        var tenant = context.Caller().TenantId;
        if (!await schedules.CreateAsync(tenant, request.Name, request.Cron!, zone, request.Experiment.ToJsonString(), promotion.ToJsonString(), cancellationToken))
        {
            return TypedResults.Problem(title: "Schedule exists", detail: $"A schedule named '{request.Name}' already exists.", statusCode: 409);
        }

        var created = await schedules.GetAsync(tenant, request.Name, cancellationToken);
        return TypedResults.Created($"/api/schedules/{request.Name}", ScheduleResponse.From(created!));
    }

    private static async Task<Ok<IReadOnlyList<ScheduleResponse>>> ListAsync(HttpContext context, ScheduleStore schedules, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ScheduleResponse>>([.. (await schedules.ListAsync(context.Caller().TenantId, cancellationToken)).Select(ScheduleResponse.From)]);

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> GetAsync(string name, HttpContext context, ScheduleStore schedules, CancellationToken cancellationToken) =>
        await schedules.GetAsync(context.Caller().TenantId, name, cancellationToken) is { } s ? TypedResults.Ok(ScheduleResponse.From(s)) : NotFound(name);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, HttpContext context, ScheduleStore schedules, CancellationToken cancellationToken) =>
        await schedules.DeleteAsync(context.Caller().TenantId, name, cancellationToken) ? TypedResults.NoContent() : NotFound(name);

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> PauseAsync(string name, PauseRequest? body, HttpContext context, ScheduleStore schedules, CancellationToken cancellationToken)
    {
        if (!await schedules.SetPausedAsync(context.Caller().TenantId, name, true, body?.Reason, ModelsApi.Who(context), cancellationToken))
        {
            return NotFound(name);
        }

        return await GetAsync(name, context, schedules, cancellationToken);
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> ResumeAsync(string name, HttpContext context, ScheduleStore schedules, CancellationToken cancellationToken)
    {
        if (!await schedules.SetPausedAsync(context.Caller().TenantId, name, false, null, null, cancellationToken))
        {
            return NotFound(name);
        }

        return await GetAsync(name, context, schedules, cancellationToken);
    }

    private static ProblemHttpResult NotFound(string name) => TypedResults.Problem(title: "Schedule not found", detail: $"There is no schedule '{name}' in your tenant.", statusCode: 404);
}
