using Dapper;
using EnterpriseML.Registry;
using Microsoft.Extensions.Options;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>Schedules work (the Hangfire BackgroundJobClient role): callers enqueue, whichever node runs jobs picks it up.</summary>
public sealed class JobClient(ISchedulerFactory schedulers, RegistryDatabase database, IOptions<JobsOptions> options)
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

    /// <summary>
    /// Enqueues the sweep of an experiment: a recoverable one-off job whose only data is the experiment id, in the
    /// execution group <c>tenant:{id}</c> so the cluster-wide per-tenant limit applies. Its trigger carries the
    /// transient-failure retry policy (<see cref="JobsOptions.SweepRetryPolicy"/>): a sweep that throws (database
    /// down) is fired again later, durably, from the store; a deterministic failure is recorded and does not throw.
    /// </summary>
    public async Task EnqueueSweepAsync(string tenantId, string experimentId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var job = JobBuilder.Create<SweepJob>()
            .WithIdentity(SweepJob.KeyFor(experimentId))
            .UsingJobData(SweepJob.ExperimentIdKey, experimentId)
            .RequestRecovery(true)
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity("sweep-" + experimentId, "sweeps")
            .WithExecutionGroup("tenant:" + tenantId)
            .WithRetryPolicy(options.Value.SweepRetryPolicy())
            .StartNow()
            .Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Cancels a sweep: a queued one is unscheduled; a running one is interrupted here and, on any other node, by the
    /// job itself, which watches the experiment's status (so the cancel is cluster-wide).
    /// </summary>
    public async Task CancelSweepAsync(string experimentId, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        try
        {
            await scheduler.Interrupt(SweepJob.KeyFor(experimentId), cancellationToken);
            await scheduler.DeleteJob(SweepJob.KeyFor(experimentId), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The experiment row is already marked cancelled, and a running sweep checks that row every second, so a
            // job store that is momentarily busy (SQLite under a running sweep) must not fail the cancel request.
        }
    }

    /// <summary>The node that ran the probe, or null if it has not run yet.</summary>
    public async Task<string?> ProbeRanOnAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT node FROM job_probes WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
