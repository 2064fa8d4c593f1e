using System.Data.Common;
using System.Security.Cryptography;
using Dapper;

namespace EnterpriseML.Registry;

/// <summary>One model version (without its artifact bytes).</summary>
public sealed class ModelVersionRecord
{
    public string ModelName { get; init; } = "";

    public long Version { get; init; }

    public string Stage { get; init; } = "";

    public string ArtifactSha256 { get; init; } = "";

    /// <summary>The size of the stored artifact in bytes.</summary>
    public long ArtifactBytes { get; init; }

    public string Metrics { get; init; } = "";

    public string Parameters { get; init; } = "";

    public string? Leaderboard { get; init; }

    public string Lineage { get; init; } = "";

    public long CreatedAt { get; init; }
}

/// <summary>One stage change: who, when, why.</summary>
public sealed class StageChangeRecord
{
    public long Version { get; init; }

    public string? FromStage { get; init; }

    public string ToStage { get; init; } = "";

    public string ChangedBy { get; init; } = "";

    public string? Reason { get; init; }

    public long ChangedAt { get; init; }
}

/// <summary>
/// What <see cref="ModelStore.DeleteModelUnlessInUseAsync"/> did: deleted the model, or not because it does not exist
/// (both lists empty), because those schedules refresh it (<see cref="RefreshingSchedules"/>, by name; experiments are
/// then not looked at) or because those queued or running experiments will store into it (<see cref="PendingExperiments"/>).
/// </summary>
public sealed record ModelDeleteResult(bool Deleted, IReadOnlyList<string> RefreshingSchedules, IReadOnlyList<string> PendingExperiments);

/// <summary>What <see cref="ModelStore.DeleteVersionAsync"/> did.</summary>
public enum VersionDeleteOutcome
{
    /// <summary>The version, its artifact and metrics are gone; its history remains, ending in a <c>deleted</c> entry.</summary>
    Deleted,

    /// <summary>The model has no such version (or there is no such model).</summary>
    NotFound,

    /// <summary>The version is the champion; nothing was deleted.</summary>
    IsChampion,
}

/// <summary>Named models, their versions and the champion/candidate/archived lifecycle with an audit history.</summary>
public sealed class ModelStore(RegistryDatabase database, TimeProvider time)
{
    private const string VersionColumns = "model_name AS ModelName, version AS Version, stage AS Stage, artifact_sha256 AS ArtifactSha256, CAST(LENGTH(artifact) AS BIGINT) AS ArtifactBytes, metrics AS Metrics, parameters AS Parameters, leaderboard AS Leaderboard, lineage AS Lineage, created_at AS CreatedAt";

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Adds a version as a candidate; the first version of a model becomes champion. Numbers continue after a deleted
    /// version (the history keeps it), so a number is never given to two versions of one model; after the whole model
    /// is deleted its name starts again at 1.
    /// </summary>
    public Task<ModelVersionRecord> AddVersionAsync(string tenantId, string modelName, string? task, byte[] artifact, string metrics, string parameters, string? leaderboard, string lineage, string changedBy, CancellationToken cancellationToken = default) =>
        AddVersionAsync(tenantId, modelName, task, artifact, metrics, parameters, leaderboard, lineage, changedBy, null, cancellationToken);

    /// <summary>
    /// As <see cref="AddVersionAsync(string, string, string?, byte[], string, string, string?, string, string, CancellationToken)"/>,
    /// and runs <paramref name="beforeCommit"/> in the same transaction once the version is written: when it throws,
    /// nothing is stored. A sweep marks its experiment succeeded there, so the version and the experiment's end are
    /// one step that a cancel cannot fall between.
    /// </summary>
    public async Task<ModelVersionRecord> AddVersionAsync(string tenantId, string modelName, string? task, byte[] artifact, string metrics, string parameters, string? leaderboard, string lineage, string changedBy,
        Func<DbConnection, DbTransaction, ModelVersionRecord, CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        var now = Now;
        // Serialises concurrent version numbering for one model.
        await CreateAndLockModelAsync(c, tx, tenantId, modelName, task, now, cancellationToken);

        var version = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM (SELECT version FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName "
            + "UNION ALL SELECT version FROM model_stage_history WHERE tenant_id = @tenantId AND model_name = @modelName) numbered",
            new { tenantId, modelName }, tx, cancellationToken: cancellationToken));
        // The first version, or the first since every version was deleted: the model has no champion to keep.
        var hasChampion = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName AND stage = 'champion'",
            new { tenantId, modelName }, tx, cancellationToken: cancellationToken)) > 0;
        var stage = hasChampion ? "candidate" : "champion";
        var sha = Convert.ToHexStringLower(SHA256.HashData(artifact));
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO model_versions (tenant_id, model_name, version, stage, artifact, artifact_sha256, metrics, parameters, leaderboard, lineage, created_at) VALUES (@tenantId, @modelName, @version, @stage, @artifact, @sha, @metrics, @parameters, @leaderboard, @lineage, @now)",
            new { tenantId, modelName, version, stage, artifact, sha, metrics, parameters, leaderboard, lineage, now }, tx, cancellationToken: cancellationToken));
        await HistoryAsync(c, tx, tenantId, modelName, version, null, stage, changedBy, stage == "champion" ? "first version of the model" : "new version", cancellationToken);
        var stored = new ModelVersionRecord { ModelName = modelName, Version = version, Stage = stage, ArtifactSha256 = sha, ArtifactBytes = artifact.LongLength, Metrics = metrics, Parameters = parameters, Leaderboard = leaderboard, Lineage = lineage, CreatedAt = now };
        if (beforeCommit is not null)
        {
            await beforeCommit(c, tx, stored, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return stored;
    }

    public async Task<IReadOnlyList<string>> NamesAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<string>(new CommandDefinition("SELECT name FROM models WHERE tenant_id = @tenantId ORDER BY name", new { tenantId }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<ModelVersionRecord>> VersionsAsync(string tenantId, string modelName, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<ModelVersionRecord>(new CommandDefinition(
            $"SELECT {VersionColumns} FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName ORDER BY version", new { tenantId, modelName }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<StageChangeRecord>> HistoryAsync(string tenantId, string modelName, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<StageChangeRecord>(new CommandDefinition(
            "SELECT version AS Version, from_stage AS FromStage, to_stage AS ToStage, changed_by AS ChangedBy, reason AS Reason, changed_at AS ChangedAt FROM model_stage_history WHERE tenant_id = @tenantId AND model_name = @modelName ORDER BY id",
            new { tenantId, modelName }, cancellationToken: cancellationToken))];
    }

    public async Task<byte[]?> ArtifactAsync(string tenantId, string modelName, int version, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT artifact FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName AND version = @version", new { tenantId, modelName, version }, cancellationToken: cancellationToken));
    }

    /// <summary>Makes <paramref name="version"/> the champion and archives the previous one. False when the version does not exist.</summary>
    public Task<bool> PromoteAsync(string tenantId, string modelName, int version, string changedBy, string? reason, CancellationToken cancellationToken = default) =>
        PromoteAsync(tenantId, modelName, version, changedBy, reason, null, cancellationToken);

    /// <summary>
    /// As <see cref="PromoteAsync(string, string, int, string, string?, CancellationToken)"/>, and runs
    /// <paramref name="beforeCommit"/> in the same transaction once the version is champion: a scheduled refresh records
    /// its decision there, so a process killed in between leaves neither the promotion nor the record.
    /// </summary>
    public async Task<bool> PromoteAsync(string tenantId, string modelName, int version, string changedBy, string? reason,
        Func<DbConnection, DbTransaction, CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        // Serialises stage changes of one model: under read committed two promotions at once each read the same
        // champion, archived it and crowned their own version, leaving two champions.
        await LockModelAsync(c, tx, tenantId, modelName, cancellationToken);
        if (!await PromoteAsync(c, tx, tenantId, modelName, version, changedBy, reason, cancellationToken))
        {
            return false;
        }

        if (beforeCommit is not null)
        {
            await beforeCommit(c, tx, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Restores the champion before the current one: the most recent version that was champion and was archived since.
    /// Returns the restored version, or null when there is nothing to roll back to. The history is read and the
    /// promotion made in one transaction, under the same lock as <see cref="PromoteAsync(string, string, int, string, string?, CancellationToken)"/>.
    /// </summary>
    public async Task<int?> RollbackAsync(string tenantId, string modelName, string changedBy, string? reason, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockModelAsync(c, tx, tenantId, modelName, cancellationToken);
        var history = await c.QueryAsync<long>(new CommandDefinition(
            "SELECT version FROM model_stage_history WHERE tenant_id = @tenantId AND model_name = @modelName AND to_stage = 'champion' ORDER BY id DESC",
            new { tenantId, modelName }, tx, cancellationToken: cancellationToken));
        // A deleted version's history stays, but it cannot be restored.
        var existing = (await c.QueryAsync<long>(new CommandDefinition(
            "SELECT version FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName",
            new { tenantId, modelName }, tx, cancellationToken: cancellationToken))).ToHashSet();
        var champions = history.Where(existing.Contains).Select(h => (int)h).ToList();
        var current = champions.FirstOrDefault();
        var target = champions.Skip(1).Where(v => v != current).Select(v => (int?)v).FirstOrDefault();
        if (target is not { } restored)
        {
            return null;
        }

        await PromoteAsync(c, tx, tenantId, modelName, restored, changedBy, "rollback" + (reason is null ? "" : ": " + reason), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return restored;
    }

    /// <summary>
    /// Deletes one version: its row, artifact bytes and metrics go in one transaction, under the model's lock, and a
    /// <c>deleted</c> entry is added to the history. The champion is refused (<see cref="VersionDeleteOutcome.IsChampion"/>):
    /// promote another version first, or delete the whole model.
    /// </summary>
    public async Task<VersionDeleteOutcome> DeleteVersionAsync(string tenantId, string modelName, int version, string changedBy, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockModelAsync(c, tx, tenantId, modelName, cancellationToken);
        var args = new { tenantId, modelName, version };
        var stage = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT stage FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName AND version = @version", args, tx, cancellationToken: cancellationToken));
        if (stage is null)
        {
            return VersionDeleteOutcome.NotFound;
        }

        if (stage == "champion")
        {
            return VersionDeleteOutcome.IsChampion;
        }

        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName AND version = @version", args, tx, cancellationToken: cancellationToken));
        await HistoryAsync(c, tx, tenantId, modelName, version, stage, "deleted", changedBy, "version deleted", cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return VersionDeleteOutcome.Deleted;
    }

    /// <summary>
    /// Deletes a model with every version, artifact and its stage history, in one transaction under the model's lock:
    /// either all of it is gone or none. False when there is no such model. A later version stored under the same
    /// name starts a new model at version 1.
    /// </summary>
    public async Task<bool> DeleteModelAsync(string tenantId, string modelName, CancellationToken cancellationToken = default) =>
        (await DeleteModelAsync(tenantId, modelName, refuseWhileInUse: false, cancellationToken)).Deleted;

    /// <summary>
    /// Deletes the model as <see cref="DeleteModelAsync(string, string, CancellationToken)"/> does, unless a schedule of
    /// the tenant refreshes it (paused or not) or a queued or running experiment of the tenant will store its winner
    /// into it. Both checks are made under the model's lock, in the delete's own transaction. An experiment that stored
    /// a version before the lock is still running then and refuses the delete, rather than losing its version to it; one
    /// created after the check stores after the delete and starts the name again at version 1. A schedule is ordered
    /// against the delete by the same lock (<see cref="ScheduleStore.CreateAsync"/> takes it too): created before, it
    /// refuses the delete; created after, it refreshes a model that does not exist, whose first refresh stores
    /// version 1, the champion, of a new model of that name.
    /// </summary>
    public Task<ModelDeleteResult> DeleteModelUnlessInUseAsync(string tenantId, string modelName, CancellationToken cancellationToken = default) =>
        DeleteModelAsync(tenantId, modelName, refuseWhileInUse: true, cancellationToken);

    private async Task<ModelDeleteResult> DeleteModelAsync(string tenantId, string modelName, bool refuseWhileInUse, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await LockModelAsync(c, tx, tenantId, modelName, cancellationToken);
        var args = new { tenantId, modelName };
        if (refuseWhileInUse)
        {
            // A model already gone is not found, whatever still names it.
            if (await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM models WHERE tenant_id = @tenantId AND name = @modelName", args, tx, cancellationToken: cancellationToken)) == 0)
            {
                return new ModelDeleteResult(false, [], []);
            }

            var refreshing = (await c.QueryAsync<(string Name, string Experiment)>(new CommandDefinition(
                    "SELECT name, experiment FROM schedules WHERE tenant_id = @tenantId ORDER BY name", args, tx, cancellationToken: cancellationToken)))
                .Where(s => ScheduleStore.ModelNameOf(s.Experiment) == modelName).Select(s => s.Name).ToList();
            if (refreshing.Count > 0)
            {
                return new ModelDeleteResult(false, refreshing, []);
            }

            var pending = (await c.QueryAsync<string>(new CommandDefinition(
                "SELECT id FROM experiments WHERE tenant_id = @tenantId AND model_name = @modelName AND status IN ('queued', 'running') ORDER BY created_at, id",
                args, tx, cancellationToken: cancellationToken))).ToList();
            if (pending.Count > 0)
            {
                return new ModelDeleteResult(false, [], pending);
            }
        }

        // Versions first: they reference the model row.
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName", args, tx, cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM model_stage_history WHERE tenant_id = @tenantId AND model_name = @modelName", args, tx, cancellationToken: cancellationToken));
        var deleted = await c.ExecuteAsync(new CommandDefinition("DELETE FROM models WHERE tenant_id = @tenantId AND name = @modelName", args, tx, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return new ModelDeleteResult(false, [], []);
        }

        await tx.CommitAsync(cancellationToken);
        return new ModelDeleteResult(true, [], []);
    }

    private async Task<bool> PromoteAsync(DbConnection c, DbTransaction tx, string tenantId, string modelName, int version, string changedBy, string? reason, CancellationToken cancellationToken)
    {
        var args = new { tenantId, modelName, version };
        var stage = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT stage FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName AND version = @version", args, tx, cancellationToken: cancellationToken));
        if (stage is null)
        {
            return false;
        }

        if (stage != "champion")
        {
            var previous = await c.QueryAsync<long>(new CommandDefinition(
                "SELECT version FROM model_versions WHERE tenant_id = @tenantId AND model_name = @modelName AND stage = 'champion'", args, tx, cancellationToken: cancellationToken));
            foreach (var p in previous)
            {
                await SetStageAsync(c, tx, tenantId, modelName, (int)p, "archived", cancellationToken);
                await HistoryAsync(c, tx, tenantId, modelName, (int)p, "champion", "archived", changedBy, $"replaced by version {version}" + (reason is null ? "" : ": " + reason), cancellationToken);
            }

            await SetStageAsync(c, tx, tenantId, modelName, version, "champion", cancellationToken);
            await HistoryAsync(c, tx, tenantId, modelName, version, stage, "champion", changedBy, reason, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Makes sure the model's row exists and locks it until <paramref name="tx"/> ends. On PostgreSQL a whole-model
    /// delete may hold the lock when the insert finds the row still there (so inserts nothing); once the delete commits,
    /// the lock returns no row and the version insert would fail on the foreign key. The insert is then made again,
    /// against the committed delete: the name starts a new model, as any store after a delete does. At most a few
    /// rounds: a delete cannot remove a row this transaction inserted, since it never sees it before the commit.
    /// </summary>
    private async Task CreateAndLockModelAsync(DbConnection c, DbTransaction tx, string tenantId, string modelName, string? task, long now, CancellationToken cancellationToken)
    {
        const int Rounds = 3;
        for (var round = 1; ; round++)
        {
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO models (tenant_id, name, task, created_at) VALUES (@tenantId, @modelName, @task, @now) ON CONFLICT (tenant_id, name) DO NOTHING",
                new { tenantId, modelName, task, now }, tx, cancellationToken: cancellationToken));
            if (database.Dialect != SqlDialect.Postgres)
            {
                // SQLite transactions begin immediate: no delete can run between the insert and the version's.
                return;
            }

            var locked = await c.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT 1 FROM models WHERE tenant_id = @tenantId AND name = @modelName FOR UPDATE", new { tenantId, modelName }, tx, cancellationToken: cancellationToken));
            if (locked is not null)
            {
                return;
            }

            if (round == Rounds)
            {
                throw new InvalidOperationException(
                    $"Model '{modelName}' was deleted {Rounds} times while a version was being stored into it; the version was not stored. Store it again once the deletes stop.");
            }
        }
    }

    /// <summary>
    /// Locks the model's row until <paramref name="tx"/> ends (PostgreSQL). SQLite needs nothing: its transactions
    /// begin immediate, holding the database's write lock throughout.
    /// </summary>
    private Task LockModelAsync(DbConnection c, DbTransaction tx, string tenantId, string modelName, CancellationToken cancellationToken) =>
        database.Dialect == SqlDialect.Postgres
            ? c.ExecuteAsync(new CommandDefinition("SELECT 1 FROM models WHERE tenant_id = @tenantId AND name = @modelName FOR UPDATE", new { tenantId, modelName }, tx, cancellationToken: cancellationToken))
            : Task.CompletedTask;

    private static Task<int> SetStageAsync(DbConnection c, DbTransaction tx, string tenantId, string modelName, int version, string stage, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition(
            "UPDATE model_versions SET stage = @stage WHERE tenant_id = @tenantId AND model_name = @modelName AND version = @version",
            new { tenantId, modelName, version, stage }, tx, cancellationToken: cancellationToken));

    private Task<int> HistoryAsync(DbConnection c, DbTransaction tx, string tenantId, string modelName, int version, string? from, string to, string changedBy, string? reason, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO model_stage_history (tenant_id, model_name, version, from_stage, to_stage, changed_by, reason, changed_at) VALUES (@tenantId, @modelName, @version, @from, @to, @changedBy, @reason, @now)",
            new { tenantId, modelName, version, from, to, changedBy, reason, now = Now }, tx, cancellationToken: cancellationToken));
}
