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
    /// execution group <see cref="SweepJob.ExecutionGroup"/> so a node runs at most
    /// <see cref="JobsOptions.EffectiveConcurrentSweeps"/> sweeps at once. Its trigger carries the
    /// transient-failure retry policy (<see cref="JobsOptions.SweepRetryPolicy"/>): a sweep that throws (database
    /// down) is fired again later, durably, from the store; a deterministic failure is recorded and does not throw.
    /// </summary>
    public Task EnqueueSweepAsync(string experimentId, CancellationToken cancellationToken = default) =>
        EnqueueAsync<SweepJob>(SweepJob.KeyFor(experimentId), new TriggerKey("sweep-" + experimentId, "sweeps"),
            SweepJob.ExperimentIdKey, experimentId, cancellationToken);

    /// <summary>
    /// Enqueues a one-off job the way every sweep is dispatched: recoverable (re-run elsewhere after a node crash),
    /// its only data one string, its trigger in the sweeps' execution group with the transient-failure retry policy.
    /// <see cref="EnqueueSweepAsync"/> uses it; the dispatch benchmark sends trivial jobs through it.
    /// </summary>
    public async Task EnqueueAsync<TJob>(JobKey job, TriggerKey trigger, string dataKey, string dataValue, CancellationToken cancellationToken = default)
        where TJob : IJob
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var detail = JobBuilder.Create<TJob>()
            .WithIdentity(job)
            .UsingJobData(dataKey, dataValue)
            .RequestRecovery(true)
            .Build();
        await scheduler.ScheduleJob(detail, SweepFiring(trigger, job, DateTimeOffset.UtcNow, options.Value), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// A firing of a sweep (or of a job dispatched like one) at <paramref name="startAt"/>: in the sweeps' execution
    /// group (the per-node cap) with the transient-failure retry policy. The first firing and a later one of a sweep
    /// whose tenant had no slot (<see cref="SweepJob"/>) are built alike.
    /// </summary>
    internal static ITrigger SweepFiring(TriggerKey key, JobKey job, DateTimeOffset startAt, JobsOptions options) => TriggerBuilder.Create()
        .WithIdentity(key)
        .ForJob(job)
        .WithExecutionGroup(SweepJob.ExecutionGroup)
        .WithRetryPolicy(options.SweepRetryPolicy())
        .StartAt(startAt)
        .Build();

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

    /// <summary>
    /// Registers (or, with <paramref name="replace"/>, rewrites) a schedule's refresh: a durable, recoverable job whose
    /// only data is the tenant and schedule name, and a cron trigger in <paramref name="timeZone"/> in the sweeps'
    /// execution group (a refresh runs a sweep, so it counts against <see cref="JobsOptions.EffectiveConcurrentSweeps"/>). Fires missed by more than the misfire threshold are skipped, not caught up. A
    /// <paramref name="pauseReason"/> or <paramref name="pausedBy"/> stores the trigger paused in the same operation.
    /// </summary>
    public async Task ScheduleRefreshAsync(string tenantId, string name, string cron, string timeZone, bool paused = false, string? pauseReason = null,
        string? pausedBy = null, bool replace = false, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var job = JobBuilder.Create<RefreshJob>()
            .WithIdentity(RefreshJob.KeyFor(tenantId, name))
            .UsingJobData(RefreshJob.TenantIdKey, tenantId)
            .UsingJobData(RefreshJob.ScheduleNameKey, name)
            .RequestRecovery(true)
            .StoreDurably()
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(RefreshJob.TriggerKeyFor(tenantId, name))
            .WithExecutionGroup(SweepJob.ExecutionGroup)
            .WithCronSchedule(cron, c => c.InTimeZone(TimeZoneInfo.FindSystemTimeZoneById(timeZone)).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
            .Build();
        var options = new ScheduleJobOptions { Replace = replace };
        if (paused)
        {
            options = new ScheduleJobOptions { Replace = replace, Paused = true, PauseReason = pauseReason, PauseRequestedBy = pausedBy };
        }

        await scheduler.ScheduleJob(job, trigger, options, cancellationToken);
    }

    /// <summary>Removes a schedule's refresh job and trigger (a running fire finishes; it records nothing once the schedule row is gone).</summary>
    public async Task UnscheduleRefreshAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.DeleteJob(RefreshJob.KeyFor(tenantId, name), cancellationToken);
    }

    /// <summary>
    /// Fires a schedule's refresh job once, now (POST /api/schedules/{name}/trigger): a one-off trigger on the
    /// schedule's own job, so the run is exactly a scheduled fire's (one job per schedule, never overlapping, recovered
    /// after a node crash), in the sweeps' execution group like the cron trigger (so the per-node and per-tenant limits
    /// apply), carrying who asked (<see cref="RefreshJob.TriggeredByKey"/>). The cron trigger and its next fire time
    /// are left alone. False when a run requested this way is still queued or running (its trigger key is taken).
    /// </summary>
    public async Task<bool> TriggerRefreshNowAsync(string tenantId, string name, string requestedBy, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(RefreshJob.NowTriggerKeyFor(tenantId, name))
            .ForJob(RefreshJob.KeyFor(tenantId, name))
            .WithExecutionGroup(SweepJob.ExecutionGroup)
            .UsingJobData(RefreshJob.TriggeredByKey, requestedBy)
            .StartNow()
            .Build();
        try
        {
            await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
            return true;
        }
        catch (ObjectAlreadyExistsException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether a refresh of the schedule is queued or running in the job store, cluster-wide: <c>queued</c> while a run
    /// asked for by <see cref="TriggerRefreshNowAsync"/> waits for its turn, <c>running</c> while the schedule's job runs
    /// (fired by either trigger: the job store reports an executing trigger as such on every node); null when neither.
    /// </summary>
    public async Task<string?> RefreshUnderWayAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var cron = await scheduler.GetTriggerState(RefreshJob.TriggerKeyFor(tenantId, name), cancellationToken);
        var now = await scheduler.GetTriggerState(RefreshJob.NowTriggerKeyFor(tenantId, name), cancellationToken);
        return UnderWay(cron, now);
    }

    /// <summary>
    /// Pauses a schedule's trigger, recording why and who asked in the job store too; a run asked for by
    /// <see cref="TriggerRefreshNowAsync"/> that has not started yet is dropped (a paused schedule starts no refresh).
    /// </summary>
    public async Task PauseRefreshAsync(string tenantId, string name, string? reason, string? by, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.PauseTriggerWith(RefreshJob.TriggerKeyFor(tenantId, name), new PauseDetails { Reason = reason, RequestedBy = by }, cancellationToken);
        var now = RefreshJob.NowTriggerKeyFor(tenantId, name);
        if (await scheduler.GetTriggerState(now, cancellationToken) is TriggerState.Normal or TriggerState.Error)
        {
            await scheduler.UnscheduleJob(now, cancellationToken);
        }
    }

    public async Task ResumeRefreshAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.ResumeTrigger(RefreshJob.TriggerKeyFor(tenantId, name), cancellationToken);
    }

    /// <summary>A schedule's trigger as the job store has it: whether it exists, its next fire time and its recorded pause.</summary>
    public async Task<RefreshTriggerState> RefreshTriggerAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = RefreshJob.TriggerKeyFor(tenantId, name);
        var trigger = await scheduler.GetTrigger(key, cancellationToken);
        if (trigger is null)
        {
            return new RefreshTriggerState(false, null, null, null);
        }

        var state = await scheduler.GetTriggerState(key, cancellationToken);
        var pause = await scheduler.GetTriggerPause(key, cancellationToken);
        return new RefreshTriggerState(true, trigger.NextFireTimeUtc, state.ToString(), pause?.Reason);
    }

    /// <summary>
    /// <see cref="RefreshTriggerAsync"/> and <see cref="RefreshUnderWayAsync"/> for many schedules of a tenant at once:
    /// the tenant's cron and one-off refresh triggers are listed with their state, next fire time and pause in two
    /// job-store queries whatever the number of schedules (GET /api/schedules). The answers are the per-schedule
    /// methods' for the same store; only a trigger paused without a recorded reason (a reasonless pause, as an earlier
    /// version paused) costs one more query, for its group's record, as <see cref="RefreshTriggerAsync"/> reads it.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (RefreshTriggerState Trigger, string? UnderWay)>> RefreshStatesAsync(
        string tenantId, IReadOnlyCollection<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var headers = new Dictionary<TriggerKey, TriggerHeader>();
        if (names.Count > 0)
        {
            // The name prefixes only narrow the listing (a LIKE); each schedule's triggers are then looked up by exact key.
            foreach (var prefix in (string[])[RefreshJob.TriggerKeyFor(tenantId, "").Name, RefreshJob.NowTriggerKeyFor(tenantId, "").Name])
            {
                var page = await scheduler.QueryTriggers(new TriggerQuery
                {
                    Group = GroupMatcher<TriggerKey>.GroupEquals(RefreshJob.Group),
                    Name = NameMatcher<TriggerKey>.NameStartsWith(prefix),
                    Take = PagedQuery.All,
                }, cancellationToken);
                foreach (var header in page.Items)
                {
                    headers[header.Key] = header;
                }
            }
        }

        var states = new Dictionary<string, (RefreshTriggerState, string?)>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var cron = headers.GetValueOrDefault(RefreshJob.TriggerKeyFor(tenantId, name));
            var now = headers.GetValueOrDefault(RefreshJob.NowTriggerKeyFor(tenantId, name));
            RefreshTriggerState trigger;
            if (cron is null)
            {
                trigger = new RefreshTriggerState(false, null, null, null);
            }
            else
            {
                var pause = cron.Pause;
                if (pause is null && cron.State == TriggerState.Paused)
                {
                    pause = await scheduler.GetTriggerPause(cron.Key, cancellationToken);
                }

                trigger = new RefreshTriggerState(true, cron.NextFireTimeUtc, cron.State.ToString(), pause?.Reason);
            }

            states[name] = (trigger, UnderWay(cron?.State ?? TriggerState.None, now?.State ?? TriggerState.None));
        }

        return states;
    }

    private static string? UnderWay(TriggerState cron, TriggerState now) =>
        cron is TriggerState.Executing || now is TriggerState.Executing ? "running"
            : now is TriggerState.None or TriggerState.Complete ? null
            : "queued";

    /// <summary>The node that ran the probe, or null if it has not run yet.</summary>
    public async Task<string?> ProbeRanOnAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT node FROM job_probes WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}

/// <summary>A refresh trigger in the job store: whether it exists, when it fires next, its Quartz state and its recorded pause reason.</summary>
public sealed record RefreshTriggerState(bool Exists, DateTimeOffset? NextFireTime, string? State, string? PauseReason);
