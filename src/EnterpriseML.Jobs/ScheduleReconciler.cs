using EnterpriseML.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>
/// At start, registers the refresh trigger of every stored schedule whose trigger the job store lacks (a schedule
/// created before refreshes fired, or a job store that was reset), paused when the schedule is. Existing triggers are
/// left alone, so their fire times and pauses survive restarts; nodes starting together race harmlessly.
/// </summary>
public sealed class ScheduleReconciler(ScheduleStore schedules, ISchedulerFactory schedulerFactory, JobClient jobs, ILogger<ScheduleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        foreach (var s in await schedules.ListAllAsync(cancellationToken))
        {
            if (await scheduler.Exists(RefreshJob.TriggerKeyFor(s.TenantId, s.Name), cancellationToken))
            {
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
