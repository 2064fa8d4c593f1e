using EnterpriseML.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>
/// At the start of the embedded node (SQLite job store, one scheduler), queues again the sweep of every unfinished
/// experiment whose job the job store lacks: one left running by a version that could not recover a killed process's
/// sweep, or one whose job was never stored (the process died between storing the experiment and queueing it). The
/// sweep resumes from its recorded trials. A job that exists, a recovered firing included, is left alone. Schedules'
/// experiments are resumed by their schedule's next fire instead. Not registered for a cluster, whose nodes queue and
/// recover jobs concurrently.
/// </summary>
public sealed class SweepReconciler(ExperimentStore experiments, ISchedulerFactory schedulerFactory, JobClient jobs, ILogger<SweepReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        foreach (var id in await experiments.UnfinishedIdsAsync(cancellationToken))
        {
            if (await scheduler.Exists(SweepJob.KeyFor(id), cancellationToken))
            {
                continue;
            }

            try
            {
                await jobs.EnqueueSweepAsync(id, cancellationToken);
                logger.LogWarning("Experiment {Id} was unfinished without a job in the job store; its sweep is queued again and resumes from its recorded trials", id);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Queued meanwhile by the request that created it.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
