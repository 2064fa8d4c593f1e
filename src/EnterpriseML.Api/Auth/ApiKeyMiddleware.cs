using EnterpriseML.Registry;

namespace EnterpriseML.Api.Auth;

/// <summary>
/// Every <c>/api</c> request needs an <c>X-Api-Key</c> header holding an active key: 401 ProblemDetails without one or
/// with an unknown or revoked one. The caller is then available as <see cref="CallerExtensions.Caller"/>. Verified keys
/// are remembered briefly by <see cref="ApiKeyCache"/>. The rest of the request logs inside a scope naming the caller's
/// <c>TenantId</c>, <c>KeyId</c> and <c>Role</c> (never the key).
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ILogger<ApiKeyMiddleware> logger)
{
    public const string Header = "X-Api-Key";

    public async Task InvokeAsync(HttpContext context, ApiKeyCache keys)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        if (ApiKeyCache.HashOf(context) is null)
        {
            await Problem(context, "Missing API key", $"Send your API key in the {Header} header.");
            return;
        }

        var principal = await keys.AuthenticateAsync(context, context.RequestAborted);
        if (principal is null)
        {
            await Problem(context, "Invalid API key", "The API key is unknown or has been revoked.");
            return;
        }

        context.Items[typeof(ApiPrincipal)] = principal;
        using (logger.BeginScope(new CallerScope(principal)))
        {
            await next(context);
        }
    }

    /// <summary>The log scope of an authenticated request: its properties are the caller's tenant, key id and role.</summary>
    private sealed class CallerScope(ApiPrincipal caller) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 3;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("TenantId", caller.TenantId),
            1 => new("KeyId", caller.KeyId),
            2 => new("Role", caller.Role),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"TenantId:{caller.TenantId} KeyId:{caller.KeyId} Role:{caller.Role}";
    }

    private static Task Problem(HttpContext context, string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
}

internal static class CallerExtensions
{
    /// <summary>The authenticated caller (set by <see cref="ApiKeyMiddleware"/>).</summary>
    public static ApiPrincipal Caller(this HttpContext context) =>
        context.Items[typeof(ApiPrincipal)] as ApiPrincipal ?? throw new InvalidOperationException("No authenticated caller on this request.");

    /// <summary>403 unless the caller has one of <paramref name="roles"/> (admin passes everywhere).</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = context.HttpContext.Caller();
            if (caller.Role != Roles.Admin && !roles.Contains(caller.Role))
            {
                return TypedResults.Problem(
                    title: "Forbidden",
                    detail: $"This operation needs the {string.Join(" or ", roles)} role; your key has the {caller.Role} role.",
                    statusCode: StatusCodes.Status403Forbidden);
            }

            return await next(context);
        });
}
