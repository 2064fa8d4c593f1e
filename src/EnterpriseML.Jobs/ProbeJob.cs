using Dapper;
using EnterpriseML.Registry;
using Microsoft.Extensions.Options;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>A trivial job that records which node ran it: proof that scheduling, the job store and workers are wired.</summary>
[DisallowConcurrentExecution]
public sealed class ProbeJob(RegistryDatabase database, TimeProvider time, IOptions<JobsOptions> options) : IJob
{
    public static readonly JobKey Key = new("probe", "system");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var id = context.MergedJobDataMap.GetString("probeId") ?? context.FireInstanceId;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO job_probes (id, node, ran_at) VALUES (@id, @node, @at)",
            new { id, node = options.Value.ResolvedNodeName, at = time.GetUtcNow().ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
    }
}
