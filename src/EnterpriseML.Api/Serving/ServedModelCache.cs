using System.Collections.Concurrent;
using Dapper;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Serving;

/// <summary>A loaded model version: a tabular pipeline or a recommender.</summary>
internal sealed record ServedModel(string Name, int Version, ModelPipeline? Pipeline, Recommender? Recommender)
{
    /// <summary>Serving helpers of <see cref="Pipeline"/>, built once with the cached version; null for a recommender.</summary>
    public ServedTabular? Tabular { get; } = Pipeline is null ? null : new ServedTabular(Pipeline);
}

/// <summary>
/// Loads model versions once and keeps them. Which version is the champion is looked up at most once per
/// <see cref="ChampionTtl"/>, so a promotion or rollback on any node swaps the served model within that time; requests
/// already holding the previous <see cref="ServedModel"/> finish on it (nothing is disposed under them).
/// </summary>
internal sealed class ServedModelCache(RegistryDatabase database, TimeProvider time)
{
    public static readonly TimeSpan ChampionTtl = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Tenant, string Name, int Version), Lazy<Task<ServedModel>>> _versions = new();
    private readonly ConcurrentDictionary<(string Tenant, string Name), (int Version, long CheckedAt)> _champions = new();

    /// <summary>The requested version, or the champion when <paramref name="version"/> is null; null when there is none.</summary>
    public async Task<ServedModel?> GetAsync(string tenant, string name, int? version, CancellationToken cancellationToken)
    {
        var v = version ?? await ChampionAsync(tenant, name, cancellationToken);
        if (v is null)
        {
            return null;
        }

        var key = (tenant, name, v.Value);
        var lazy = _versions.GetOrAdd(key, k => new Lazy<Task<ServedModel>>(() => LoadAsync(k.Tenant, k.Name, k.Version)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            _versions.TryRemove(key, out _);
            return null;
        }
    }

    /// <summary>Forgets the champion pointer of a model (after a local promotion or rollback).</summary>
    public void InvalidateChampion(string tenant, string name) => _champions.TryRemove((tenant, name), out _);

    private async Task<int?> ChampionAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_champions.TryGetValue((tenant, name), out var cached) && time.GetElapsedTime(cached.CheckedAt, now) < ChampionTtl)
        {
            return cached.Version;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var version = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT version FROM model_versions WHERE tenant_id = @tenant AND model_name = @name AND stage = 'champion'",
            new { tenant, name }, cancellationToken: cancellationToken));
        if (version is null)
        {
            _champions.TryRemove((tenant, name), out _);
            return null;
        }

        _champions[(tenant, name)] = ((int)version.Value, now);
        return (int)version.Value;
    }

    private async Task<ServedModel> LoadAsync(string tenant, string name, int version)
    {
        await using var connection = await database.OpenAsync();
        var artifact = await connection.QuerySingleOrDefaultAsync<byte[]>(
            "SELECT artifact FROM model_versions WHERE tenant_id = @tenant AND model_name = @name AND version = @version",
            new { tenant, name, version })
            ?? throw new KeyNotFoundException($"Model {name} has no version {version}.");
        var kind = ModelFile.PeekKind(artifact);
        using var stream = new MemoryStream(artifact, writable: false);
        return kind == Recommender.ModelFileKind
            ? new ServedModel(name, version, null, Recommender.Load(stream))
            : new ServedModel(name, version, ModelPipeline.Load(stream), null);
    }
}
