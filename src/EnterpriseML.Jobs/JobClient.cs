using Dapper;
using EnterpriseML.Registry;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>Schedules work (the Hangfire BackgroundJobClient role): callers enqueue, whichever node runs jobs picks it up.</summary>
public sealed class JobClient(ISchedulerFactory schedulers, RegistryDatabase database)
{
    /// <summary>Enqueues a probe job; returns its id (see <see cref="ProbeRanOnAsync"/>).</summary>
    public async Task<string> EnqueueProbeAsync(CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var id = Guid.NewGuid().ToString("N");
        var trigger = TriggerBuilder.Create()
            .WithIdentity("probe-" + id, "system")
            .ForJob(ProbeJob.Key)
            .UsingJobData("probeId", id)
            .StartNow()
            .Build();
        await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
        return id;
    }

    /// <summary>The node that ran the probe, or null if it has not run yet.</summary>
    public async Task<string?> ProbeRanOnAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT node FROM job_probes WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
