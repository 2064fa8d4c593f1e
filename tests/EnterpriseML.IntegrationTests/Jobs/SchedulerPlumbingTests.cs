using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>The trivial probe job proves scheduling, the job store and job execution, on each backend.</summary>
public sealed class SchedulerPlumbingTests
{
    [Fact]
    public async Task ProbeJob_EmbeddedSqlite_RunsInTheApiProcess()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "probe");
        using var api = new ApiHost(scope);
        _ = api.Server; // start the host (and its scheduler)
        var jobs = api.Services.GetRequiredService<JobClient>();

        var id = await jobs.EnqueueProbeAsync();
        var node = await Processes.PollAsync(() => jobs.ProbeRanOnAsync(id), TimeSpan.FromSeconds(60), "the probe job to run");

        Assert.Equal("api-test", node);
    }

    [Fact]
    public async Task ProbeJob_ClusteredPostgres_ScheduledByApiRunsOnWorkerProcess()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "probe");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        _ = api.Server;
        using var worker = Processes.Start(Processes.WorkerDll, [], scope.Settings("worker-1"));
        try
        {
            var jobs = api.Services.GetRequiredService<JobClient>();
            var id = await jobs.EnqueueProbeAsync();
            var node = await Processes.PollAsync(() => jobs.ProbeRanOnAsync(id), TimeSpan.FromSeconds(90), "the Worker process to run the probe job");
            Assert.Equal("worker-1", node);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }
}
