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

/// <summary>Scheduled refreshes (their Quartz cron triggers live in the job store).</summary>
public sealed class ScheduleStore(RegistryDatabase database, TimeProvider time)
{
    private const string Columns = "tenant_id AS TenantId, name AS Name, cron AS Cron, time_zone AS TimeZone, experiment AS Experiment, promotion AS Promotion, paused AS Paused, pause_reason AS PauseReason, paused_by AS PausedBy, last_outcome AS LastOutcome, created_at AS CreatedAt";

    /// <summary>Adds a schedule; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(string tenantId, string name, string cron, string timeZone, string experiment, string promotion, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO schedules (tenant_id, name, cron, time_zone, experiment, promotion, paused, created_at) VALUES (@tenantId, @name, @cron, @timeZone, @experiment, @promotion, 0, @now) ON CONFLICT (tenant_id, name) DO NOTHING",
            new { tenantId, name, cron, timeZone, experiment, promotion, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) == 1;
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

    public async Task<bool> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM schedules WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> SetPausedAsync(string tenantId, string name, bool paused, string? reason, string? by, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE schedules SET paused = @flag, pause_reason = @reason, paused_by = @by WHERE tenant_id = @tenantId AND name = @name",
            new { tenantId, name, flag = paused ? 1 : 0, reason = paused ? reason : null, by = paused ? by : null }, cancellationToken: cancellationToken)) == 1;
    }
}
