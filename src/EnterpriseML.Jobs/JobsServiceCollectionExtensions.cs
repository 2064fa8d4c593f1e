using EnterpriseML.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EnterpriseML.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>The Quartz instance id of the embedded (SQLite, not clustered) scheduler, the same at every start.</summary>
    public const string EmbeddedInstanceId = "embedded";

    /// <summary>
    /// Wires Quartz: with <c>ConnectionStrings:Postgres</c> a clustered ADO job store (every node shares it and a dead
    /// node's recoverable jobs re-run elsewhere); otherwise a SQLite job store beside the embedded registry.
    /// With <c>Jobs:RunWorker=false</c> the scheduler stays in standby: it only adds jobs to the store.
    /// </summary>
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var postgres = configuration.GetConnectionString("Postgres");

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = jobs.SchedulerName;
                // Quartz recovers at start only the firings recorded under its own instance id (then deletes them all).
                // The embedded store has one scheduler, whose node name (host + pid by default) changes at every start,
                // so it uses a fixed id: a sweep its process was running when killed resumes at the next start. A
                // cluster's nodes need distinct ids; there a live node recovers the firings of a dead one.
                o.InstanceId = string.IsNullOrWhiteSpace(postgres) ? EmbeddedInstanceId : jobs.ResolvedNodeName;
                o.IdleWaitTime = TimeSpan.FromMilliseconds(jobs.IdleWaitMilliseconds);

                // Graceful shutdown (SIGTERM): running sweeps are asked to stop and waited for; a sweep that stops by
                // throwing OperationCanceledException is handed back to the store for recovery (see below).
                o.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            // One thread per sweep plus one for light jobs (the probe). The thread pool alone does not keep sweeps off
            // that extra thread: the node-scoped limit on their execution group does. A sweep trigger beyond the limit is
            // not acquired, so it waits in the store (its experiment still queued) for this node or another to have room.
            var sweeps = jobs.EffectiveConcurrentSweeps(Environment.ProcessorCount);
            q.UseDefaultThreadPool(tp => tp.MaxConcurrency = jobs.SchedulerThreads(Environment.ProcessorCount));
            q.AddJob<ProbeJob>(j => j.WithIdentity(ProbeJob.Key).StoreDurably());
            q.UseExecutionLimits(limits => limits
                .ForGroup(SweepJob.ExecutionGroup, sweeps, ExecutionLimitScope.Node)
                .ForGroupsWithPrefix("tenant:", jobs.MaxSweepsPerTenant));
            q.UsePersistentStore(store =>
            {
                store.UseSystemTextJsonSerializer();
                if (string.IsNullOrWhiteSpace(postgres))
                {
                    Directory.CreateDirectory(Path.GetFullPath(storage.DataDirectory));
                    store.UseSqlite(RegistryDatabase.QuartzSqliteConnectionString(storage.DataDirectory));
                }
                else
                {
                    store.UsePostgres(postgres);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = TimeSpan.FromSeconds(2);
                        c.CheckinMisfireThreshold = TimeSpan.FromSeconds(6);
                    });
                }

                store.ConfigureStore(ado =>
                {
                    // A sweep cut short by a shutdown resumes on another node (or this one, restarted) from its
                    // recorded trials, as after a crash, instead of being completed as cancelled.
                    ado.RecoverFiringsCancelledByShutdown = true;

                    // While the database is down, completions and check-ins are retried this often (default 15 s).
                    ado.DbRetryInterval = TimeSpan.FromSeconds(2);
                });
                store.ProvisionSchema();
            });
        });

        if (jobs.RunWorker)
        {
            services.AddQuartzHostedService(o =>
            {
                o.WaitForJobsToComplete = true;
                o.AwaitApplicationStarted = true;
            });
        }

        services.AddSingleton<JobClient>();
        services.AddTransient<SweepJob>();
        services.AddHostedService<ScheduleReconciler>();
        if (string.IsNullOrWhiteSpace(postgres) && jobs.RunWorker)
        {
            services.AddHostedService<SweepReconciler>();
        }
        return services;
    }
}
