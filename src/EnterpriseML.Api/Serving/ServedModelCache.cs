using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Diagnostics;

namespace EnterpriseML.Api.Serving;

/// <summary>A loaded model version: a tabular pipeline or a recommender.</summary>
internal sealed record ServedModel(string Name, int Version, ModelPipeline? Pipeline, Recommender? Recommender)
{
    /// <summary>Serving helpers of <see cref="Pipeline"/>, built once with the cached version; null for a recommender.</summary>
    public ServedTabular? Tabular { get; } = Pipeline is null ? null : new ServedTabular(Pipeline);
}

/// <summary>
/// Loads model versions once and keeps them, keyed by their artifact's SHA-256 as well as (tenant, name, version): a
/// version deleted and a model stored again under the same name and number is a new key, never the old model. Which
/// version and artifact a request means (the champion, or the version asked for) is looked up at most once per
/// <see cref="ChampionTtl"/>, so a promotion, rollback or delete on any node reaches this one within that time (at once
/// on the node that made it, including for a lookup that was already reading the registry when it was made); requests already holding the previous <see cref="ServedModel"/> finish on it (nothing is
/// disposed under them). A former champion is dropped once the champion has moved on, unless asked for by version.
/// </summary>
internal sealed class ServedModelCache(RegistryDatabase database, TimeProvider time)
{
    public static readonly TimeSpan ChampionTtl = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Tenant, string Name, int Version, string Sha), Lazy<Task<ServedModel>>> _versions = new();

    // Version null: the champion. CheckedAt null: to be checked again on the next request.
    private readonly ConcurrentDictionary<(string Tenant, string Name, int? Version), (int Version, string Sha, long? CheckedAt)> _pointers = new();

    /// <summary>
    /// Counts promotions, rollbacks and deletes of each model through this node: a registry answer read before one of
    /// them is not trusted for <see cref="ChampionTtl"/>.
    /// </summary>
    private readonly ConcurrentDictionary<(string Tenant, string Name), long> _changes = new();

    /// <summary>Which version and artifact a request means, from the registry; tests replace it to hold an answer back while a model is promoted.</summary>
    internal Func<string, string, int?, CancellationToken, Task<(int Version, string Sha)?>> Lookup { get; init; } =
        (tenant, name, version, cancellationToken) => ReadPointerAsync(database, tenant, name, version, cancellationToken);

    /// <summary>The requested version, or the champion when <paramref name="version"/> is null; null when there is none.</summary>
    public async Task<ServedModel?> GetAsync(string tenant, string name, int? version, CancellationToken cancellationToken)
    {
        if (await PointerAsync(tenant, name, version, cancellationToken) is not { } target)
        {
            return null;
        }

        var key = (tenant, name, target.Version, target.Sha);
        var lazy = _versions.GetOrAdd(key, k => new Lazy<Task<ServedModel>>(() => LoadAsync(k.Tenant, k.Name, k.Version, k.Sha)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            // Deleted (or replaced) between the lookup and the load.
            _versions.TryRemove(key, out _);
            _pointers.TryRemove((tenant, name, version), out _);
            return null;
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            // A load that failed (the database dropped the connection, an artifact that did not read) is not kept:
            // the faulted task stayed cached and every later request for the version failed with it until a restart.
            // Only this attempt is removed, not one another request has started since.
            _versions.TryRemove(new KeyValuePair<(string, string, int, string), Lazy<Task<ServedModel>>>(key, lazy));
            throw;
        }
    }

    /// <summary>
    /// Forgets the champion pointer of a model after a local promotion or rollback made <paramref name="champion"/> its
    /// champion, and the former champion it pointed to (kept when it is that version: a promotion of the champion).
    /// </summary>
    public void InvalidateChampion(string tenant, string name, int champion)
    {
        Changed(tenant, name);
        if (_pointers.TryRemove((tenant, name, null), out var old) && old.Version != champion)
        {
            Retire(tenant, name, old.Version, old.Sha);
        }
    }

    /// <summary>The versions of a model loaded on this node, in order (for diagnostics and tests).</summary>
    internal IReadOnlyList<int> LoadedVersions(string tenant, string name) =>
        [.. _versions.Keys.Where(k => k.Tenant == tenant && k.Name == name).Select(k => k.Version).Order()];

    /// <summary>
    /// Drops a loaded former champion once the champion has moved on, unless a request names it by version: every
    /// champion a node had served stayed loaded until the process ended, so a model promoted by a nightly refresh grew
    /// the node's memory by one model a night. Requests already holding it finish on it.
    /// </summary>
    private void Retire(string tenant, string name, int version, string sha)
    {
        if (!_pointers.ContainsKey((tenant, name, version)))
        {
            _versions.TryRemove((tenant, name, version, sha), out _);
        }
    }

    /// <summary>
    /// Forgets a deleted model (<paramref name="version"/> null) or version: its loaded models and every pointer to
    /// it, so this node answers 404 at once rather than after <see cref="ChampionTtl"/>.
    /// </summary>
    public void Forget(string tenant, string name, int? version)
    {
        Changed(tenant, name);
        Drop(tenant, name, version);
    }

    private void Drop(string tenant, string name, int? version)
    {
        foreach (var key in _pointers.Keys)
        {
            if (key.Tenant == tenant && key.Name == name && (version is null || key.Version is null || key.Version == version))
            {
                _pointers.TryRemove(key, out _);
            }
        }

        foreach (var key in _versions.Keys)
        {
            if (key.Tenant == tenant && key.Name == name && (version is null || key.Version == version))
            {
                _versions.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Counted before the pointers are dropped, so a lookup that cached its answer after the drop sees the change.</summary>
    private void Changed(string tenant, string name) => _changes.AddOrUpdate((tenant, name), 1, (_, count) => count + 1);

    private async Task<(int Version, string Sha)?> PointerAsync(string tenant, string name, int? version, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_pointers.TryGetValue((tenant, name, version), out var cached) && cached.CheckedAt is { } checkedAt && time.GetElapsedTime(checkedAt, now) < ChampionTtl)
        {
            return (cached.Version, cached.Sha);
        }

        // Read before asking: a promotion through this node while the registry answers may drop the pointers before this
        // answer is cached, and caching it would serve the in-between champion here for another ChampionTtl.
        var changes = _changes.GetValueOrDefault((tenant, name));
        if (await Lookup(tenant, name, version, cancellationToken) is not { } row)
        {
            _pointers.TryRemove((tenant, name, version), out _);
            if (version is { } gone)
            {
                // Deleted on another node: drop what was loaded for it.
                Drop(tenant, name, gone);
            }

            return null;
        }

        if (cached.Sha is not null && cached.Version == row.Version && cached.Sha != row.Sha)
        {
            // The same number now holds another artifact (the model was deleted and stored again): the old one is dead.
            _versions.TryRemove((tenant, name, cached.Version, cached.Sha), out _);
        }
        else if (version is null && cached.Sha is not null && cached.Version != row.Version)
        {
            // Another node promoted or rolled back: the former champion is not served by this name any more.
            Retire(tenant, name, cached.Version, cached.Sha);
        }

        _pointers[(tenant, name, version)] = (row.Version, row.Sha, now);
        if (_changes.GetValueOrDefault((tenant, name)) != changes)
        {
            // The model changed meanwhile; this answer may predate it. It serves this request, which was already under
            // way, but the next one asks the registry again (the pointer stays, so a former champion is still retired).
            _pointers.TryUpdate((tenant, name, version), (row.Version, row.Sha, null), (row.Version, row.Sha, now));
        }

        return row;
    }

    private static async Task<(int Version, string Sha)?> ReadPointerAsync(RegistryDatabase database, string tenant, string name, int? version, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            version is null
                ? "SELECT version AS Version, artifact_sha256 AS Sha FROM model_versions WHERE tenant_id = @tenant AND model_name = @name AND stage = 'champion'"
                : "SELECT version AS Version, artifact_sha256 AS Sha FROM model_versions WHERE tenant_id = @tenant AND model_name = @name AND version = @version",
            new { tenant, name, version }, cancellationToken: cancellationToken));
        return row is null ? null : ((int)row.Version, row.Sha);
    }

    private async Task<ServedModel> LoadAsync(string tenant, string name, int version, string sha)
    {
        await using var connection = await database.OpenAsync();
        var artifact = await connection.QuerySingleOrDefaultAsync<byte[]>(
            "SELECT artifact FROM model_versions WHERE tenant_id = @tenant AND model_name = @name AND version = @version AND artifact_sha256 = @sha",
            new { tenant, name, version, sha })
            ?? throw new KeyNotFoundException($"Model {name} has no version {version} with artifact {sha}.");
        // The bytes must be the ones stored (their SHA-256 was recorded with the version) and must load: a damaged
        // artifact is refused with what is wrong with it, never served, and not cached, so a repaired one is served next.
        var actual = Convert.ToHexStringLower(SHA256.HashData(artifact));
        if (!string.Equals(actual, sha, StringComparison.Ordinal))
        {
            throw new DamagedModelException(name, version, string.Create(CultureInfo.InvariantCulture,
                $"its stored artifact ({artifact.Length:N0} bytes) is not the one stored: its SHA-256 is {actual}, the registry recorded {sha}."));
        }

        try
        {
            var kind = ModelFile.PeekKind(artifact);
            using var stream = new MemoryStream(artifact, writable: false);
            return kind == Recommender.ModelFileKind
                ? new ServedModel(name, version, null, Recommender.Load(stream))
                : new ServedModel(name, version, ModelPipeline.Load(stream), null);
        }
        catch (ModelFormatException e)
        {
            throw new DamagedModelException(name, version, string.Create(CultureInfo.InvariantCulture,
                $"its stored artifact ({artifact.Length:N0} bytes, SHA-256 {sha}) does not load: {e.Message}"), e);
        }
    }

    private sealed class VersionRow
    {
        public long Version { get; init; }

        public string Sha { get; init; } = "";
    }
}

/// <summary>
/// A stored model version that cannot be served: its artifact's bytes are not the ones stored (their SHA-256 differs
/// from the one recorded) or do not load as a model file (truncated, corrupt). <see cref="DamagedModelProblems"/> answers
/// it as a 409 that names the version, the damage and what to do.
/// </summary>
internal sealed class DamagedModelException(string name, int version, string damage, Exception? inner = null)
    : Exception($"Model '{name}' v{version} cannot be served: {damage} It is not served: promote another version (POST /api/models/{name}/versions/{{version}}/promote) or roll back (POST /api/models/{name}/rollback), then delete this one (DELETE /api/models/{name}/versions/{version}).", inner);

/// <summary>Answers a <see cref="DamagedModelException"/> with a ProblemDetails (409, its message as the detail) and logs it as an error for the operators.</summary>
internal sealed class DamagedModelProblems(ILogger<DamagedModelProblems> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not DamagedModelException damaged || httpContext.Response.HasStarted)
        {
            return false;
        }

        logger.LogError(damaged, "A stored model version is damaged: {Detail}", damaged.Message);
        await TypedResults.Problem(title: "Model version damaged", detail: damaged.Message, statusCode: StatusCodes.Status409Conflict).ExecuteAsync(httpContext);
        return true;
    }
}
