using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>A Worker killed (SIGKILL) at the end of a sweep, as it stores the winner: nothing half-written, nothing twice.</summary>
public sealed class SweepCommitCrashTests
{
    /// <summary>
    /// The sweep stored its version and marked the experiment succeeded in one transaction, and ended its attempt in
    /// another, after it. A node killed in between left a succeeded experiment whose attempt never ended (outcome null,
    /// no end time, for ever: the recovered firing finds the experiment ended and starts no attempt to close it). The
    /// test holds the attempt's row, so the Worker waits on it ending the attempt, and kills the Worker there. Now the
    /// attempt ends in the version's transaction: the kill rolls both back, and the other node runs the sweep again from
    /// its recorded trials and stores exactly one version.
    /// </summary>
    [Fact]
    public async Task Sweep_WorkerKilledAsItStoresTheWinner_OneVersionAndEveryAttemptEnded()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "sweepcommit");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");

        await using var first = new WorkerProcess("worker-1", scope.Settings("worker-1"));
        var jobs = api.Services.GetRequiredService<JobClient>();
        var probe = await jobs.EnqueueProbeAsync();
        await Processes.PollAsync(() => jobs.ProbeRanOnAsync(probe), TimeSpan.FromSeconds(120), "the Worker to run jobs");

        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 20, seed: 3, modelName: "commit", maxTrials: 3);
        await using var held = new NpgsqlConnection(scope.Postgres);
        await held.OpenAsync();
        await using var lockTx = await held.BeginTransactionAsync();
        await Processes.PollAsync(async () => await held.ExecuteScalarAsync<int?>(
            "SELECT 1 FROM experiment_attempts WHERE experiment_id = @id AND attempt = 1 FOR UPDATE", new { id }, lockTx) is not null ? (object)true : null,
            TimeSpan.FromSeconds(60), "the sweep's first attempt to start");
        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE experiment_attempts SET ended_at", 1, "the sweep to end its attempt as it stores the winner");
        first.Process.Kill(entireProcessTree: true);
        await first.Process.WaitForExitAsync();
        // The server goes on with a statement whose client died once the lock is free; a process killed a moment
        // earlier never sent it. End the dead Worker's sessions first, as the server does when it notices them gone.
        await held.ExecuteAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND strpos(query, 'UPDATE experiment_attempts') > 0");
        await lockTx.RollbackAsync();

        await using var second = new WorkerProcess("worker-2", scope.Settings("worker-2"));
        using var done = await Processes.PollAsync(async () =>
        {
            var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
            if (doc.RootElement.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return doc;
            }

            doc.Dispose();
            return null;
        }, TimeSpan.FromSeconds(120), $"experiment {id} to end");
        var root = done.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString() + "\n" + second.Output);
        var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
        Assert.All(attempts, a => Assert.True(a.GetProperty("outcome").ValueKind == JsonValueKind.String, $"attempt {a} never ended; attempts: {root.GetProperty("attempts")}"));
        Assert.Equal(["worker-1", "worker-2"], attempts.Select(a => a.GetProperty("node").GetString()));
        Assert.Equal(["crashed", "succeeded"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal(JsonValueKind.Number, attempts[^1].GetProperty("endedAt").ValueKind);

        using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/commit"));
        var version = Assert.Single(model.RootElement.GetProperty("versions").EnumerateArray());
        Assert.Equal(1, version.GetProperty("version").GetInt64());
        Assert.Equal(1, root.GetProperty("winner").GetProperty("modelVersion").GetInt64());
    }
}
