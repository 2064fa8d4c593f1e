using EnterpriseML.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>
/// At start, registers the refresh trigger of every stored schedule whose trigger the job store lacks (a schedule
/// created before refreshes fired, or a job store that was reset), paused when the schedule is. Existing triggers are
/// left alone, so their fire times and pauses survive restarts, except that one stored in an older execution group is
/// moved to the sweeps' group; nodes starting together race harmlessly.
/// </summary>
public sealed class ScheduleReconciler(ScheduleStore schedules, ISchedulerFactory schedulerFactory, JobClient jobs, ILogger<ScheduleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        foreach (var s in await schedules.ListAllAsync(cancellationToken))
        {
            var key = RefreshJob.TriggerKeyFor(s.TenantId, s.Name);
            if (await scheduler.GetTrigger(key, cancellationToken) is { } existing)
            {
                if (existing.ExecutionGroup != SweepJob.ExecutionGroup)
                {
                    await MoveToSweepsGroupAsync(scheduler, existing, s, cancellationToken);
                }

                continue;
            }

            try
            {
                await jobs.ScheduleRefreshAsync(s.TenantId, s.Name, s.Cron, s.TimeZone, s.Paused != 0, s.PauseReason, s.PausedBy, cancellationToken: cancellationToken);
                logger.LogInformation("Registered the missing refresh trigger of schedule {Tenant}/{Name}", s.TenantId, s.Name);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another node registered it meanwhile.
            }
            catch (Exception e) when (e is FormatException or TimeZoneNotFoundException or SchedulerException)
            {
                logger.LogWarning(e, "Schedule {Tenant}/{Name} could not be registered with the job store", s.TenantId, s.Name);
            }
        }
    }

    /// <summary>
    /// A refresh trigger stored by a version before the per-node sweep cap (execution group <c>tenant:{id}</c>) is moved
    /// to <see cref="SweepJob.ExecutionGroup"/>, so its fires count against <c>Jobs:MaxConcurrentSweeps</c>. The
    /// schedule, start time and next fire time are kept; a trigger that was paused is paused again with the schedule's reason.
    /// </summary>
    private async Task MoveToSweepsGroupAsync(IScheduler scheduler, ITrigger existing, ScheduleRecord schedule, CancellationToken cancellationToken)
    {
        var paused = await scheduler.GetTriggerState(existing.Key, cancellationToken) == TriggerState.Paused;
        var moved = existing.GetTriggerBuilder().WithExecutionGroup(SweepJob.ExecutionGroup).Build();
        await scheduler.RescheduleJob(existing.Key, moved, cancellationToken);
        if (paused)
        {
            await scheduler.PauseTriggerWith(existing.Key, new PauseDetails { Reason = schedule.PauseReason, RequestedBy = schedule.PausedBy }, cancellationToken);
        }

        logger.LogInformation("Moved the refresh trigger of schedule {Tenant}/{Name} to the execution group {Group}", schedule.TenantId, schedule.Name, SweepJob.ExecutionGroup);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
