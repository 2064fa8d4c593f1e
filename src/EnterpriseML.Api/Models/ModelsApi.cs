using System.Text.Json.Nodes;
using EnterpriseML.Api.Auth;
using EnterpriseML.Api.Serving;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EnterpriseML.Api.Models;

public sealed record ModelVersionResponse(long Version, string Stage, JsonNode? Metrics, JsonNode? Parameters, JsonNode? Lineage, JsonNode? Leaderboard, string ArtifactSha256, long CreatedAt)
{
    /// <summary>The size of the version's stored artifact (the model file) in bytes; <see cref="ArtifactSha256"/> is its SHA-256.</summary>
    public long ArtifactBytes { get; init; }
}

public sealed record StageChangeResponse(long Version, string? From, string To, string Who, string? Why, long When);

public sealed record ModelResponse(string Name, long? Champion, IReadOnlyList<ModelVersionResponse> Versions, IReadOnlyList<StageChangeResponse> History);

public sealed record ModelSummary(string Name, long? Champion, int Versions);

/// <summary>The optional body of promote and rollback.</summary>
public sealed record StageChangeRequest(string? Reason);

internal static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Models");
        group.MapGet("/", ListAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/{name}", GetAsync).RequireRole(Roles.DataScientist);
        group.MapPost("/{name}/versions/{version}/promote", PromoteAsync).RequireRole(Roles.DataScientist);
        group.MapPost("/{name}/rollback", RollbackAsync).RequireRole(Roles.DataScientist);
        group.MapDelete("/{name}", DeleteModelAsync).RequireRole(Roles.DataScientist).WithModelDeleteRules(wholeModel: true);
        group.MapDelete("/{name}/versions/{version}", DeleteVersionAsync).RequireRole(Roles.DataScientist).WithModelDeleteRules(wholeModel: false);
        return app;
    }

    /// <summary>Who made a change, for the audit history: tenant, role and key id of the caller.</summary>
    internal static string Who(HttpContext context)
    {
        var c = context.Caller();
        return $"{c.TenantName}/{c.Role}/{c.KeyId}";
    }

    private static async Task<Ok<IReadOnlyList<ModelSummary>>> ListAsync(HttpContext context, ModelStore models, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        var list = new List<ModelSummary>();
        foreach (var name in await models.NamesAsync(tenant, cancellationToken))
        {
            var versions = await models.VersionsAsync(tenant, name, cancellationToken);
            list.Add(new ModelSummary(name, versions.FirstOrDefault(v => v.Stage == "champion")?.Version, versions.Count));
        }

        return TypedResults.Ok<IReadOnlyList<ModelSummary>>(list);
    }

    private static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> GetAsync(string name, HttpContext context, ModelStore models, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        var versions = await models.VersionsAsync(tenant, name, cancellationToken);
        if (versions.Count == 0)
        {
            return NotFound(name);
        }

        var history = await models.HistoryAsync(tenant, name, cancellationToken);
        return TypedResults.Ok(new ModelResponse(
            name, versions.FirstOrDefault(v => v.Stage == "champion")?.Version,
            [.. versions.Select(v => new ModelVersionResponse(v.Version, v.Stage, Parse(v.Metrics), Parse(v.Parameters), Parse(v.Lineage), Parse(v.Leaderboard), v.ArtifactSha256, v.CreatedAt) { ArtifactBytes = v.ArtifactBytes })],
            [.. history.Select(h => new StageChangeResponse(h.Version, h.FromStage, h.ToStage, h.ChangedBy, h.Reason, h.ChangedAt))]));
    }

    private static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> PromoteAsync(string name, int version, StageChangeRequest? body, HttpContext context, ModelStore models, ServedModelCache served, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await models.PromoteAsync(context.Caller().TenantId, name, version, Who(context), body?.Reason, cancellationToken))
        {
            // A model that does not exist is said so, as GET, rollback and both deletes say it, not "has no version N".
            return (await models.VersionsAsync(context.Caller().TenantId, name, cancellationToken)).Count == 0
                ? NotFound(name)
                : TypedResults.Problem(title: "Model version not found", detail: $"Model '{name}' has no version {version}.", statusCode: 404);
        }

        served.InvalidateChampion(context.Caller().TenantId, name, version);
        loggers.CreateLogger("EnterpriseML.Api.Models").LogInformation("Promoted model {ModelName} version {Version} by {Who}: {Reason}", name, version, Who(context), body?.Reason);

        return await GetAsync(name, context, models, cancellationToken);
    }

    private static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> RollbackAsync(string name, StageChangeRequest? body, HttpContext context, ModelStore models, ServedModelCache served, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        var restored = await models.RollbackAsync(tenant, name, Who(context), body?.Reason, cancellationToken);
        if (restored is null)
        {
            // The store answers "no earlier champion" for a model that does not exist as well: that is a 404, as for
            // GET and promote on the same name, not a 409 about its history.
            if ((await models.VersionsAsync(tenant, name, cancellationToken)).Count == 0)
            {
                return NotFound(name);
            }

            return TypedResults.Problem(title: "Nothing to roll back to", detail: $"Model '{name}' has had no earlier champion.", statusCode: 409);
        }

        served.InvalidateChampion(tenant, name, restored.Value);
        loggers.CreateLogger("EnterpriseML.Api.Models").LogInformation("Rolled model {ModelName} back to version {Version} by {Who}: {Reason}", name, restored, Who(context), body?.Reason);

        return await GetAsync(name, context, models, cancellationToken);
    }

    /// <summary>
    /// Deletes the model with all its versions, artifacts and history. Refused (409, naming them) while a schedule of
    /// the tenant refreshes it, paused or not, or a queued or running experiment will store its winner into it: those
    /// would bring the model back. Predictions then answer 404, on this node at once and on others within
    /// <see cref="ServedModelCache.ChampionTtl"/>.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteModelAsync(string name, HttpContext context, ModelStore models,
        ServedModelCache served, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        if (!(await models.NamesAsync(tenant, cancellationToken)).Contains(name, StringComparer.Ordinal))
        {
            return NotFound(name);
        }

        // Schedules and experiments are checked inside the delete, under the model's lock (see DeleteModelUnlessInUseAsync).
        var result = await models.DeleteModelUnlessInUseAsync(tenant, name, cancellationToken);
        if (result.RefreshingSchedules.Count > 0)
        {
            return TypedResults.Problem(title: "Model in use by a schedule", statusCode: 409,
                detail: $"Model '{name}' is refreshed by schedule {string.Join(", ", result.RefreshingSchedules.Select(n => $"'{n}'"))}, whose next run would store it again (a paused schedule too, once resumed): delete the schedule first (DELETE /api/schedules/{{name}}).");
        }

        if (result.PendingExperiments.Count > 0)
        {
            return TypedResults.Problem(title: "Model in use by an experiment", statusCode: 409,
                detail: $"Model '{name}' will receive the winner of queued or running experiment {string.Join(", ", result.PendingExperiments)}: cancel it (POST /api/experiments/{{id}}/cancel) or let it finish, then delete the model.");
        }

        if (!result.Deleted)
        {
            return NotFound(name);
        }

        served.Forget(tenant, name, null);
        loggers.CreateLogger("EnterpriseML.Api.Models").LogInformation("Deleted model {ModelName} by {Who}", name, Who(context));
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Deletes one version and its artifact. The champion is refused (409): promote another version first, or delete
    /// the whole model. Version numbers are not reused: the next version stored gets a new number.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteVersionAsync(string name, int version, HttpContext context, ModelStore models,
        ServedModelCache served, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var tenant = context.Caller().TenantId;
        switch (await models.DeleteVersionAsync(tenant, name, version, Who(context), cancellationToken))
        {
            case VersionDeleteOutcome.NotFound:
                return (await models.VersionsAsync(tenant, name, cancellationToken)).Count == 0
                    ? NotFound(name)
                    : TypedResults.Problem(title: "Model version not found", detail: $"Model '{name}' has no version {version}.", statusCode: 404);
            case VersionDeleteOutcome.IsChampion:
                return TypedResults.Problem(title: "Cannot delete the champion", statusCode: 409,
                    detail: $"Version {version} is the champion of model '{name}' and serves its predictions: promote another version first (POST /api/models/{name}/versions/{{version}}/promote), or delete the whole model (DELETE /api/models/{name}).");
        }

        served.Forget(tenant, name, version);
        loggers.CreateLogger("EnterpriseML.Api.Models").LogInformation("Deleted model {ModelName} version {Version} by {Who}", name, version, Who(context));
        return TypedResults.NoContent();
    }

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static ProblemHttpResult NotFound(string name) => TypedResults.Problem(title: "Model not found", detail: $"There is no model '{name}' in your tenant.", statusCode: 404);
}
