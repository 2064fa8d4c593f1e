using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;

namespace EnterpriseML.Registry;

/// <summary>One scheduled refresh.</summary>
public sealed class ScheduleRecord
{
    public string TenantId { get; init; } = "";

    public string Name { get; init; } = "";

    public string Cron { get; init; } = "";

    public string TimeZone { get; init; } = "";

    public string Experiment { get; init; } = "";

    public string Promotion { get; init; } = "";

    public long Paused { get; init; }

    public string? PauseReason { get; init; }

    public string? PausedBy { get; init; }

    public string? LastOutcome { get; init; }

    public long CreatedAt { get; init; }
}

/// <summary>One fire of a scheduled refresh and what it decided.</summary>
public sealed class RefreshRecord
{
    public long Id { get; init; }

    public string? ExperimentId { get; init; }

    public string? DatasetId { get; init; }

    /// <summary><c>promoted</c>, <c>kept</c> (challenger stored as a candidate), <c>failed</c> or <c>skipped</c>.</summary>
    public string Status { get; init; } = "";

    /// <summary>The decision as JSON: scores, difference, threshold, versions and the sentence.</summary>
    public string Outcome { get; init; } = "";

    public long StartedAt { get; init; }

    public long FinishedAt { get; init; }
}

/// <summary>Scheduled refreshes (their Quartz cron triggers live in the job store).</summary>
public sealed class ScheduleStore(RegistryDatabase database, TimeProvider time)
{
    private const string Columns = "tenant_id AS TenantId, name AS Name, cron AS Cron, time_zone AS TimeZone, experiment AS Experiment, promotion AS Promotion, paused AS Paused, pause_reason AS PauseReason, paused_by AS PausedBy, last_outcome AS LastOutcome, created_at AS CreatedAt";

    /// <summary>
    /// Adds a schedule; false when the name is taken. On PostgreSQL the insert is made under a share lock on the row of
    /// the model the schedule refreshes (when it exists), which <see cref="ModelStore.DeleteModelUnlessInUseAsync"/>
    /// locks for update: a schedule and a delete of its model are ordered, so either the delete sees the schedule and
    /// is refused or the schedule is stored after the delete, for a model that no longer exists. On SQLite both are
    /// write transactions and run one after the other anyway.
    /// </summary>
    public async Task<bool> CreateAsync(string tenantId, string name, string cron, string timeZone, string experiment, string promotion, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        if (database.Dialect == SqlDialect.Postgres && ModelNameOf(experiment) is { } modelName)
        {
            await c.ExecuteAsync(new CommandDefinition(
                "SELECT 1 FROM models WHERE tenant_id = @tenantId AND name = @modelName FOR KEY SHARE", new { tenantId, modelName }, tx, cancellationToken: cancellationToken));
        }

        var created = await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO schedules (tenant_id, name, cron, time_zone, experiment, promotion, paused, created_at) VALUES (@tenantId, @name, @cron, @timeZone, @experiment, @promotion, 0, @now) ON CONFLICT (tenant_id, name) DO NOTHING",
            new { tenantId, name, cron, timeZone, experiment, promotion, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx, cancellationToken: cancellationToken)) == 1;
        await tx.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>
    /// The name of the model a stored schedule's <c>experiment</c> JSON refreshes, read as a refresh reads it (web JSON
    /// binding, then trimmed): the <c>modelName</c> field in any letter case, the last one if repeated. Null when none.
    /// </summary>
    public static string? ModelNameOf(string experiment)
    {
        string? modelName = null;
        if (JsonNode.Parse(experiment) is JsonObject o)
        {
            foreach (var (key, value) in o)
            {
                if (string.Equals(key, "modelName", StringComparison.OrdinalIgnoreCase))
                {
                    modelName = value is JsonValue v && v.TryGetValue<string>(out var text) ? text.Trim() : null;
                }
            }
        }

        return modelName;
    }

    public async Task<ScheduleRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QuerySingleOrDefaultAsync<ScheduleRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM schedules WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ScheduleRecord>> ListAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<ScheduleRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM schedules WHERE tenant_id = @tenantId ORDER BY name", new { tenantId }, cancellationToken: cancellationToken))];
    }

    /// <summary>Every schedule of every tenant (to re-register missing triggers at start).</summary>
    public async Task<IReadOnlyList<ScheduleRecord>> ListAllAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<ScheduleRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM schedules ORDER BY tenant_id, name", cancellationToken: cancellationToken))];
    }

    /// <summary>Deletes the schedule and its refresh history; false when it does not exist.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        var args = new { tenantId, name };
        var deleted = await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM schedules WHERE tenant_id = @tenantId AND name = @name", args, tx, cancellationToken: cancellationToken)) == 1;
        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM schedule_refreshes WHERE tenant_id = @tenantId AND schedule_name = @name", args, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Records one refresh and makes its outcome the schedule's <c>last_outcome</c>, in one transaction. False (and
    /// nothing written) when the schedule was deleted meanwhile.
    /// </summary>
    public async Task<bool> RecordRefreshAsync(string tenantId, string name, RefreshRecord refresh, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        var recorded = await RecordRefreshAsync(c, tx, tenantId, name, refresh, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return recorded;
    }

    /// <summary>
    /// <see cref="RecordRefreshAsync(string, string, RefreshRecord, CancellationToken)"/> inside a transaction of the
    /// caller's, so a refresh's promotion and its record commit together (<see cref="ModelStore.PromoteAsync(string, string, int, string, string?, Func{DbConnection, DbTransaction, CancellationToken, Task}?, CancellationToken)"/>).
    /// </summary>
    public async Task<bool> RecordRefreshAsync(DbConnection c, DbTransaction tx, string tenantId, string name, RefreshRecord refresh, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        var updated = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE schedules SET last_outcome = @Outcome WHERE tenant_id = @tenantId AND name = @name",
            new { tenantId, name, refresh.Outcome }, tx, cancellationToken: cancellationToken));
        if (updated == 1)
        {
            await c.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO schedule_refreshes (tenant_id, schedule_name, experiment_id, dataset_id, status, outcome, started_at, finished_at)
                VALUES (@tenantId, @name, @ExperimentId, @DatasetId, @Status, @Outcome, @StartedAt, @FinishedAt)
                """,
                new { tenantId, name, refresh.ExperimentId, refresh.DatasetId, refresh.Status, refresh.Outcome, refresh.StartedAt, refresh.FinishedAt },
                tx, cancellationToken: cancellationToken));
        }

        return updated == 1;
    }

    /// <summary>The schedule's refreshes, newest first.</summary>
    public async Task<IReadOnlyList<RefreshRecord>> RefreshesAsync(string tenantId, string name, int take = 50, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<RefreshRecord>(new CommandDefinition(
            "SELECT id AS Id, experiment_id AS ExperimentId, dataset_id AS DatasetId, status AS Status, outcome AS Outcome, started_at AS StartedAt, finished_at AS FinishedAt FROM schedule_refreshes WHERE tenant_id = @tenantId AND schedule_name = @name ORDER BY id DESC LIMIT @take",
            new { tenantId, name, take }, cancellationToken: cancellationToken))];
    }

    public async Task<bool> SetPausedAsync(string tenantId, string name, bool paused, string? reason, string? by, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE schedules SET paused = @flag, pause_reason = @reason, paused_by = @by WHERE tenant_id = @tenantId AND name = @name",
            new { tenantId, name, flag = paused ? 1 : 0, reason = paused ? reason : null, by = paused ? by : null }, cancellationToken: cancellationToken)) == 1;
    }
}
