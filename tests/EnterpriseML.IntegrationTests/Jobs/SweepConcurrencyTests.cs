using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// <c>Jobs:MaxConcurrentSweeps</c> on a real scheduler: a node runs at most that many sweeps at once, the others wait
/// queued in the job store, and light jobs (the probe) still get a thread while the sweeps run; and
/// <c>Jobs:MaxSweepsPerTenant</c>, checked cluster-wide when a sweep starts.
/// </summary>
public sealed class SweepConcurrencyTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Sweeps_MaxConcurrentSweepsOne_SecondWaitsQueuedProbeStillRunsBothSucceed(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "one-sweep");
        using var api = new ApiHost(scope, new() { ["Jobs:MaxConcurrentSweeps"] = "1" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        string[] ids = [await ExperimentFlowTests.SubmitAsync(client, datasetId, 6, seed: 1), await ExperimentFlowTests.SubmitAsync(client, datasetId, 6, seed: 2)];

        // While one runs, the other is still queued (its trigger waits in the store, it has not started and failed).
        var pair = await Processes.PollAsync<string[]>(async () =>
        {
            var statuses = await Task.WhenAll(ids.Select(id => StatusAsync(client, id)));
            Assert.False(statuses.All(s => s == "running"), "both sweeps run at once on a node with Jobs:MaxConcurrentSweeps = 1");
            var i = Array.IndexOf(statuses, "running");
            return i < 0 ? null : [ids[i], ids[1 - i]];
        }, TimeSpan.FromSeconds(60), "a sweep to start");
        var (running, waiting) = (pair[0], pair[1]);
        Assert.Equal("queued", await StatusAsync(client, waiting));

        // The probe is not starved by the running sweep.
        var jobs = api.Services.GetRequiredService<JobClient>();
        var probe = await jobs.EnqueueProbeAsync();
        await Processes.PollAsync(() => jobs.ProbeRanOnAsync(probe), TimeSpan.FromSeconds(30), "the probe to run beside the sweep");
        long probeRanAt;
        await using (var connection = await api.Services.GetRequiredService<RegistryDatabase>().OpenAsync())
        {
            probeRanAt = await connection.QuerySingleAsync<long>("SELECT ran_at FROM job_probes WHERE id = @probe", new { probe });
        }

        var attempts = new Dictionary<string, (long Start, long End)>();
        foreach (var id in ids)
        {
            using var done = await ExperimentFlowTests.WaitAsync(client, id);
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
            var attempt = Assert.Single(done.RootElement.GetProperty("attempts").EnumerateArray());
            Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());
            attempts[id] = (attempt.GetProperty("startedAt").GetInt64(), attempt.GetProperty("endedAt").GetInt64());
        }

        Assert.True(attempts[running].End <= attempts[waiting].Start,
            $"the attempts overlap: {attempts[running]} and {attempts[waiting]} (Unix ms)");
        Assert.InRange(probeRanAt, attempts[running].Start, attempts[running].End);
    }

    /// <summary>Two sweeps run together where the node's cores allow two; on a one-core node the cap keeps them apart.</summary>
    [Fact]
    public async Task Sweeps_MaxConcurrentSweepsTwo_RunTogetherWhenTheNodeHasTheCores()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "two-sweeps");
        using var api = new ApiHost(scope, new() { ["Jobs:MaxConcurrentSweeps"] = "2" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        string[] ids = [await ExperimentFlowTests.SubmitAsync(client, datasetId, 6, seed: 1), await ExperimentFlowTests.SubmitAsync(client, datasetId, 6, seed: 2)];

        var attempts = new List<(long Start, long End)>();
        foreach (var id in ids)
        {
            using var done = await ExperimentFlowTests.WaitAsync(client, id);
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
            var attempt = Assert.Single(done.RootElement.GetProperty("attempts").EnumerateArray());
            Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());
            attempts.Add((attempt.GetProperty("startedAt").GetInt64(), attempt.GetProperty("endedAt").GetInt64()));
        }

        var overlap = attempts[0].Start < attempts[1].End && attempts[1].Start < attempts[0].End;
        var sweeps = new JobsOptions { MaxConcurrentSweeps = 2 }.EffectiveConcurrentSweeps(Environment.ProcessorCount);
        Assert.True(overlap == sweeps >= 2, $"{sweeps} sweep(s) at once on {Environment.ProcessorCount} core(s), attempts {attempts[0]} and {attempts[1]} (Unix ms)");
    }

    /// <summary>
    /// <c>Jobs:MaxSweepsPerTenant</c>: with room for two sweeps on the node but one per tenant, a tenant's second
    /// experiment stays queued while its first runs, then runs; both succeed with one attempt each.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Sweeps_MaxSweepsPerTenantOne_TenantsSecondWaitsQueuedThenRuns(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "tenant-cap");
        using var api = new ApiHost(scope, new() { ["Jobs:MaxConcurrentSweeps"] = "2", ["Jobs:MaxSweepsPerTenant"] = "1" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        string[] ids = [await ExperimentFlowTests.SubmitAsync(client, datasetId, 6, seed: 1), await ExperimentFlowTests.SubmitAsync(client, datasetId, 6, seed: 2)];

        var pair = await Processes.PollAsync<string[]>(async () =>
        {
            var statuses = await Task.WhenAll(ids.Select(id => StatusAsync(client, id)));
            Assert.False(statuses.All(s => s == "running"), "both of a tenant's sweeps run at once with Jobs:MaxSweepsPerTenant = 1");
            var i = Array.IndexOf(statuses, "running");
            return i < 0 ? null : [ids[i], ids[1 - i]];
        }, TimeSpan.FromSeconds(60), "a sweep to start");
        Assert.Equal("queued", await StatusAsync(client, pair[1]));

        var attempts = new Dictionary<string, (long Start, long End)>();
        foreach (var id in ids)
        {
            using var done = await ExperimentFlowTests.WaitAsync(client, id);
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
            var attempt = Assert.Single(done.RootElement.GetProperty("attempts").EnumerateArray());
            attempts[id] = (attempt.GetProperty("startedAt").GetInt64(), attempt.GetProperty("endedAt").GetInt64());
        }

        Assert.True(attempts[pair[0]].End <= attempts[pair[1]].Start,
            $"the tenant's attempts overlap: {attempts[pair[0]]} and {attempts[pair[1]]} (Unix ms)");
    }

    private static async Task<string?> StatusAsync(HttpClient client, string id)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
        return doc.RootElement.GetProperty("status").GetString();
    }
}
