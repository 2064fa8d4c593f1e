using System.Text.RegularExpressions;
using EnterpriseML.Api.Auth;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EnterpriseML.Api.Tenants;

public sealed record CreateTenantRequest(string? Name, string? Role);

public sealed record CreatedTenantResponse(string Id, string Name, string ApiKey, string KeyId, string Role);

public sealed record CreateKeyRequest(string? Role);

public sealed record CreatedKeyResponse(string KeyId, string ApiKey, string Role);

public sealed record MeResponse(string Tenant, string TenantId, string Role, string KeyId);

internal static partial class TenantsApi
{
    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", (HttpContext context) =>
        {
            var caller = context.Caller();
            return TypedResults.Ok(new MeResponse(caller.TenantName, caller.TenantId, caller.Role, caller.KeyId));
        }).WithTags("Tenants");

        var group = app.MapGroup("/api/tenants").WithTags("Tenants").RequireRole(Roles.Admin);
        group.MapPost("/", CreateAsync);
        group.MapGet("/", async (TenantStore store, CancellationToken ct) => TypedResults.Ok(await store.ListTenantsAsync(ct)));
        group.MapPost("/{id}/keys", CreateKeyAsync);
        group.MapGet("/{id}/keys", async Task<Results<Ok<IReadOnlyList<ApiKeyRecord>>, ProblemHttpResult>> (string id, TenantStore store, CancellationToken ct) =>
            await store.ListKeysAsync(id, ct) is { } keys
                ? TypedResults.Ok(keys)
                : TypedResults.Problem(title: "Tenant not found", detail: $"There is no tenant '{id}'.", statusCode: 404))
            .WithKeyListRules();
        group.MapDelete("/{id}/keys/{keyId}", async Task<Results<NoContent, ProblemHttpResult>> (string id, string keyId, TenantStore store, ApiKeyCache keys, CancellationToken ct) =>
        {
            if (!await store.RevokeKeyAsync(id, keyId, ct))
            {
                return TypedResults.Problem(title: "Key not found", detail: $"Tenant '{id}' has no active key '{keyId}'.", statusCode: 404);
            }

            keys.Revoked(keyId);
            return TypedResults.NoContent();
        });
        return app;
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9\-]{1,62}$")]
    private static partial Regex TenantName();

    private static async Task<Results<Created<CreatedTenantResponse>, ProblemHttpResult>> CreateAsync(CreateTenantRequest request, TenantStore store, CancellationToken cancellationToken)
    {
        if (request.Name is null || !TenantName().IsMatch(request.Name))
        {
            return TypedResults.Problem(title: "Invalid tenant name", detail: "name: 2–63 lower-case letters, digits or '-', starting with a letter or digit.", statusCode: 400);
        }

        var role = request.Role ?? Roles.DataScientist;
        if (!Roles.IsValid(role))
        {
            return TypedResults.Problem(title: "Invalid role", detail: $"role: expected admin, data-scientist or consumer; found '{role}'.", statusCode: 400);
        }

        // The insert decides, not a look-up before it: two creates of one name at once both found none, and the
        // second insert failed on the unique name with a 500 instead of this 409. Tenant and key are one transaction.
        if (await store.TryCreateTenantWithKeyAsync(request.Name, role, cancellationToken) is not { } created)
        {
            return TypedResults.Problem(title: "Tenant exists", detail: $"A tenant named '{request.Name}' already exists.", statusCode: 409);
        }

        var (tenant, keyId, key) = created;
        return TypedResults.Created($"/api/tenants/{tenant.Id}", new CreatedTenantResponse(tenant.Id, tenant.Name, key, keyId, role));
    }

    private static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> CreateKeyAsync(string id, CreateKeyRequest request, TenantStore store, CancellationToken cancellationToken)
    {
        var role = request.Role ?? Roles.DataScientist;
        if (!Roles.IsValid(role))
        {
            return TypedResults.Problem(title: "Invalid role", detail: $"role: expected admin, data-scientist or consumer; found '{role}'.", statusCode: 400);
        }

        var tenants = await store.ListTenantsAsync(cancellationToken);
        if (tenants.All(t => t.Id != id))
        {
            return TypedResults.Problem(title: "Tenant not found", detail: $"There is no tenant '{id}'.", statusCode: 404);
        }

        var (keyId, key) = await store.CreateKeyAsync(id, role, null, cancellationToken);
        return TypedResults.Created($"/api/tenants/{id}/keys/{keyId}", new CreatedKeyResponse(keyId, key, role));
    }
}
