using System.Text.Json.Nodes;
using EnterpriseML.Api.Auth;
using EnterpriseML.Api.Serving;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EnterpriseML.Api.Models;

public sealed record ModelVersionResponse(long Version, string Stage, JsonNode? Metrics, JsonNode? Parameters, JsonNode? Lineage, JsonNode? Leaderboard, string ArtifactSha256, long CreatedAt);

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
            [.. versions.Select(v => new ModelVersionResponse(v.Version, v.Stage, Parse(v.Metrics), Parse(v.Parameters), Parse(v.Lineage), Parse(v.Leaderboard), v.ArtifactSha256, v.CreatedAt))],
            [.. history.Select(h => new StageChangeResponse(h.Version, h.FromStage, h.ToStage, h.ChangedBy, h.Reason, h.ChangedAt))]));
    }

    private static async Task<Results<Ok<ModelResponse>, ProblemHttpResult>> PromoteAsync(string name, int version, StageChangeRequest? body, HttpContext context, ModelStore models, ServedModelCache served, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await models.PromoteAsync(context.Caller().TenantId, name, version, Who(context), body?.Reason, cancellationToken))
        {
            return TypedResults.Problem(title: "Model version not found", detail: $"Model '{name}' has no version {version}.", statusCode: 404);
        }

        served.InvalidateChampion(context.Caller().TenantId, name);
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

        served.InvalidateChampion(tenant, name);
        loggers.CreateLogger("EnterpriseML.Api.Models").LogInformation("Rolled model {ModelName} back to version {Version} by {Who}: {Reason}", name, restored, Who(context), body?.Reason);

        return await GetAsync(name, context, models, cancellationToken);
    }

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static ProblemHttpResult NotFound(string name) => TypedResults.Problem(title: "Model not found", detail: $"There is no model '{name}' in your tenant.", statusCode: 404);
}
