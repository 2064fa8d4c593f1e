using System.ComponentModel.DataAnnotations;
using EnterpriseML.Engine.AutoML;

namespace EnterpriseML.Jobs;

/// <summary>The <c>Jobs</c> section of appsettings.json.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Whether this process runs jobs (true) or only schedules them (false). Default true.</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>This node's name in attempts and the cluster. Default: host name + "-" + process id.</summary>
    public string? NodeName { get; set; }

    /// <summary>The Quartz scheduler (cluster) name: every node of one deployment must use the same. Default <c>EnterpriseML</c>.</summary>
    [Required]
    public string SchedulerName { get; set; } = "EnterpriseML";

    /// <summary>
    /// Sweeps this node runs at once (experiments' and schedules' refreshes together). Default 1; range [1, 64]. A node
    /// never runs more than its cores: the effective value is at most <see cref="Environment.ProcessorCount"/> (see
    /// <see cref="EffectiveConcurrentSweeps"/>). A sweep beyond it stays queued in the job store until a node has room.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentSweeps { get; set; } = 1;

    /// <summary>
    /// Experiments of one tenant running at once, cluster-wide. Default 2; range [1, 1000]. Checked when a sweep starts
    /// (<see cref="Registry.ExperimentStore.TryStartAsync"/>): one over the limit stays queued and tries again every
    /// <see cref="SweepJob.TenantWaitInterval"/>. Scheduled refreshes count towards it but are not held back by it (a
    /// refresh is due at its time). A refresh trigger stored by a version before the per-node cap, in the Quartz execution
    /// group <c>tenant:{id}</c>, is moved to the sweeps' group at the next start (ScheduleReconciler); an experiment's
    /// trigger queued by such a version keeps that group, limited to this per node, until it runs.
    /// </summary>
    [Range(1, 1000)]
    public int MaxSweepsPerTenant { get; set; } = 2;

    /// <summary>How long an idle scheduler waits before polling the store again, in milliseconds (Quartz requires at least 1000). Default 1000.</summary>
    [Range(1000, 60_000)]
    public int IdleWaitMilliseconds { get; set; } = 1000;

    /// <summary>
    /// How many times a sweep that hit a transient failure (database or I/O unavailable) is retried by Quartz's
    /// <c>RetryPolicy</c> before it is given up (the experiment is then marked failed with the error). Default 5;
    /// range [0, 100]; 0 never retries.
    /// </summary>
    [Range(0, 100)]
    public int TransientRetries { get; set; } = 5;

    /// <summary>
    /// The wait before the first retry of a transient failure, in seconds; each later wait doubles, up to 60 s.
    /// Default 2; range [0, 600].
    /// </summary>
    [Range(0.0, 600.0)]
    public double TransientRetryDelaySeconds { get; set; } = 2;

    /// <summary>
    /// A trial running longer than this many seconds is stopped and recorded as timed out, and the sweep goes on;
    /// null = a third of the experiment's budget. Range (0, 86400].
    /// </summary>
    [Range(0.001, 86_400.0)]
    public double? MaxTrialSeconds { get; set; }

    /// <summary>
    /// A trial whose models and buffers grow the node's managed heap by more than this many MiB is stopped and
    /// recorded with the reason, and the sweep goes on; null = no cap (the sweep's budget still ends it). Range
    /// [1, 1048576].
    /// </summary>
    [Range(1, 1_048_576)]
    public int? MaxTrialMemoryMB { get; set; }

    /// <summary>Sets <see cref="MaxTrialSeconds"/> and <see cref="MaxTrialMemoryMB"/> on the options of a sweep this node runs.</summary>
    internal SweepOptions WithTrialCaps(SweepOptions sweep)
    {
        sweep.MaximumTrialSeconds = MaxTrialSeconds;
        sweep.MaximumTrialMemoryBytes = MaxTrialMemoryMB is { } megabytes ? megabytes * (1L << 20) : null;
        return sweep;
    }

    /// <summary>Sweeps this node really runs at once: <see cref="MaxConcurrentSweeps"/>, but never more than the node's cores.</summary>
    public int EffectiveConcurrentSweeps(int processorCount) => Math.Clamp(MaxConcurrentSweeps, 1, Math.Max(1, processorCount));

    /// <summary>
    /// Quartz worker threads on this node: one per sweep (<see cref="EffectiveConcurrentSweeps"/>, enforced by the
    /// execution group <see cref="SweepJob.ExecutionGroup"/>) and one more that sweeps cannot take, so light jobs (the
    /// probe) never wait behind them.
    /// </summary>
    public int SchedulerThreads(int processorCount) => EffectiveConcurrentSweeps(processorCount) + 1;

    /// <summary>
    /// Trials one sweep runs in parallel, so that all the sweeps of a node together never run more trials at once
    /// than it has cores: <c>processorCount / EffectiveConcurrentSweeps</c>, at least 1.
    /// </summary>
    public int TrialThreadsPerSweep(int processorCount) => Math.Max(1, Math.Max(1, processorCount) / EffectiveConcurrentSweeps(processorCount));

    /// <summary>The Quartz retry policy a sweep's trigger carries for transient failures (exponential, factor 2, at most 60 s apart).</summary>
    public Quartz.RetryPolicy SweepRetryPolicy()
    {
        if (TransientRetries == 0)
        {
            return Quartz.RetryPolicy.None;
        }

        var first = TimeSpan.FromSeconds(TransientRetryDelaySeconds);
        return Quartz.RetryPolicy.Exponential(TransientRetries, first, 2.0, first > TimeSpan.FromSeconds(60) ? first : TimeSpan.FromSeconds(60));
    }

    public string ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? $"{Environment.MachineName}-{Environment.ProcessId}" : NodeName;
}
