using System.Collections.Concurrent;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Auth;

/// <summary>
/// Verified API keys, by the SHA-256 of the key (plaintext keys are never kept): a hit skips the registry round trip
/// that otherwise dominates a one-row predict. An entry is trusted for <c>Auth:KeyCacheSeconds</c> (default
/// <see cref="Ttl"/>), then verified again, so a key revoked on another node stops working within that time (at once
/// with 0, which asks the registry on every request); a key revoked through this node's API is dropped at once
/// (<see cref="Revoked"/>), including one whose check was already asking the registry when it was revoked. Unknown keys
/// are never cached, so a key created anywhere works on its first use.
/// </summary>
internal sealed class ApiKeyCache(TenantStore tenants, TimeProvider time, TimeSpan ttl)
{
    /// <summary>How long a verified key is trusted before the registry is asked again, by default.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(AuthOptions.DefaultKeyCacheSeconds);

    public ApiKeyCache(TenantStore tenants, TimeProvider time)
        : this(tenants, time, Ttl)
    {
    }

    /// <summary>Most keys held; beyond it the cache starts over (a bound against floods of distinct valid keys).</summary>
    public const int MaxEntries = 10_000;

    private const string HashItem = "eml.api-key-hash";

    private readonly ConcurrentDictionary<string, Entry> _byHash = new(StringComparer.Ordinal);

    /// <summary>Counts revocations through this node: a registry answer read before one of them is not cached.</summary>
    private long _revocations;

    /// <summary>The registry lookup; tests replace it to hold an answer back while a key is revoked.</summary>
    internal Func<string, CancellationToken, Task<ApiPrincipal?>> Lookup { get; init; } =
        (key, cancellationToken) => tenants.AuthenticateAsync(key, cancellationToken);

    /// <summary>The SHA-256 (lower-case hex) of the request's trimmed <c>X-Api-Key</c>, computed once per request; null without a key.</summary>
    public static string? HashOf(HttpContext context)
    {
        if (context.Items.TryGetValue(HashItem, out var cached))
        {
            return (string?)cached;
        }

        var key = context.Request.Headers[ApiKeyMiddleware.Header].ToString().Trim();
        var hash = key.Length == 0 ? null : TenantStore.Hash(key);
        context.Items[HashItem] = hash;
        return hash;
    }

    /// <summary>The caller of the request's key, or null when the key is unknown or revoked.</summary>
    public async ValueTask<ApiPrincipal?> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var hash = HashOf(context);
        if (hash is null)
        {
            return null;
        }

        var now = time.GetTimestamp();
        if (_byHash.TryGetValue(hash, out var entry) && time.GetElapsedTime(entry.VerifiedAt, now) < ttl)
        {
            return entry.Principal;
        }

        // Read before asking: a revocation through this node while the registry answers may come after the answer was
        // read, and caching it would let the revoked key work here for another TTL.
        var revocations = Interlocked.Read(ref _revocations);
        var principal = await Lookup(context.Request.Headers[ApiKeyMiddleware.Header].ToString().Trim(), cancellationToken);
        if (principal is null)
        {
            _byHash.TryRemove(hash, out _);
            return null;
        }

        if (_byHash.Count >= MaxEntries)
        {
            _byHash.Clear();
        }

        _byHash[hash] = new Entry(principal, now);
        if (Interlocked.Read(ref _revocations) != revocations)
        {
            // A key was revoked meanwhile; this answer may predate it. It serves this request, which was already
            // under way, but the next one asks the registry again.
            _byHash.TryRemove(hash, out _);
        }

        return principal;
    }

    /// <summary>Forgets a key at once (after it was revoked through this node).</summary>
    public void Revoked(string keyId)
    {
        Interlocked.Increment(ref _revocations);
        foreach (var pair in _byHash)
        {
            if (pair.Value.Principal.KeyId == keyId)
            {
                _byHash.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(ApiPrincipal Principal, long VerifiedAt);
}

/// <summary>The API's part of the <c>Auth</c> section of appsettings.json (<c>Auth:BootstrapKey</c> is read at start by <c>RegistryInitializer</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public const double DefaultKeyCacheSeconds = 2;

    /// <summary>
    /// Seconds a verified key is trusted before the registry is asked again: how long a key revoked through another
    /// node keeps working on this one. 0 asks the registry on every request. Default 2, at most 60.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 60)]
    public double KeyCacheSeconds { get; set; } = DefaultKeyCacheSeconds;
}
