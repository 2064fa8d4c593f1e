using System.ComponentModel.DataAnnotations;

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

    /// <summary>Sweeps this node runs at once. Default 1; range [1, 64].</summary>
    [Range(1, 64)]
    public int MaxConcurrentSweeps { get; set; } = 1;

    /// <summary>Cluster-wide running sweeps per tenant (Quartz execution group <c>tenant:{id}</c>). Default 2; range [1, 1000].</summary>
    [Range(1, 1000)]
    public int MaxSweepsPerTenant { get; set; } = 2;

    /// <summary>How long an idle scheduler waits before polling the store again, in milliseconds (Quartz requires at least 1000). Default 1000.</summary>
    [Range(1000, 60_000)]
    public int IdleWaitMilliseconds { get; set; } = 1000;

    public string ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? $"{Environment.MachineName}-{Environment.ProcessId}" : NodeName;
}
