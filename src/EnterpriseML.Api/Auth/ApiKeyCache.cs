using System.Collections.Concurrent;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Auth;

/// <summary>
/// Verified API keys, by the SHA-256 of the key (plaintext keys are never kept): a hit skips the registry round trip
/// that otherwise dominates a one-row predict. An entry is trusted for <see cref="Ttl"/>, then verified again, so a key
/// revoked on another node stops working within that time; a key revoked through this node's API is dropped at once
/// (<see cref="Revoked"/>). Unknown keys are never cached, so a key created anywhere works on its first use.
/// </summary>
internal sealed class ApiKeyCache(TenantStore tenants, TimeProvider time)
{
    /// <summary>How long a verified key is trusted before the registry is asked again.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    /// <summary>Most keys held; beyond it the cache starts over (a bound against floods of distinct valid keys).</summary>
    public const int MaxEntries = 10_000;

    private const string HashItem = "eml.api-key-hash";

    private readonly ConcurrentDictionary<string, Entry> _byHash = new(StringComparer.Ordinal);

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
        if (_byHash.TryGetValue(hash, out var entry) && time.GetElapsedTime(entry.VerifiedAt, now) < Ttl)
        {
            return entry.Principal;
        }

        var principal = await tenants.AuthenticateAsync(context.Request.Headers[ApiKeyMiddleware.Header].ToString().Trim(), cancellationToken);
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
        return principal;
    }

    /// <summary>Forgets a key at once (after it was revoked through this node).</summary>
    public void Revoked(string keyId)
    {
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
