using System.Net.Http.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>Requests whose client goes away while the job store is being written, on the clustered PostgreSQL job store.</summary>
public sealed class SubmitAbortTests
{
    /// <summary>
    /// The experiment was stored, then its job queued with the request's cancellation token: a client that hung up
    /// in between (a timeout, a closed tab) cancelled the queueing and left the experiment "queued" with no job, for
    /// ever on a cluster (nothing there queues it again), and it made every delete of its model a 409. Once stored,
    /// the experiment is now queued whatever the client does. The job store's trigger lock holds the queueing while
    /// the client gives up.
    /// </summary>
    [Fact]
    public async Task Submit_ClientGoneWhileTheJobIsQueued_TheStoredExperimentStillGetsItsJob()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "submitabort");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        // Any job stored first creates the job store's lock rows.
        await api.Services.GetRequiredService<JobClient>().EnqueueProbeAsync();

        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        var triggerLock = await gate.BeginTransactionAsync();
        var locked = await gate.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM (SELECT 1 FROM qrtz_locks WHERE lock_name = 'TRIGGER_ACCESS' FOR UPDATE) l", transaction: triggerLock);
        Assert.Equal(1, locked);

        using var hangUp = new CancellationTokenSource();
        var submit = client.PostAsJsonAsync("/api/experiments",
            new { datasetId, label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, modelName = "abort", seed = 1, maxTrials = 4 }, hangUp.Token);
        await Waits.LockWaitersAsync(scope.Postgres!, "LOCKS", 1, "the experiment's job to wait for the job store's lock");
        var id = await gate.ExecuteScalarAsync<string>("SELECT id FROM experiments", transaction: triggerLock);
        Assert.NotNull(id);

        // A cancelled queueing leaves the lock queue; one that goes on keeps waiting until the lock is released.
        await Waits.HangUpThenReleaseAsync(hangUp, scope.Postgres!, "LOCKS", triggerLock, submit);

        var scheduler = await api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var state = await Processes.PollAsync(async () =>
        {
            var status = await gate.ExecuteScalarAsync<string?>("SELECT status FROM experiments WHERE id = @id", new { id });
            return status is null ? "not stored"
                : await scheduler.Exists(SweepJob.KeyFor(id!)) ? "queued with its job"
                : null;
        }, TimeSpan.FromSeconds(60), $"experiment {id} to have its job or to be gone");
        Assert.Equal("queued with its job", state);
    }

    /// <summary>
    /// Pause and resume wrote the schedule's row, then paused or resumed its trigger with the request's cancellation
    /// token: a client that hung up in between left the two disagreeing, a resumed schedule whose trigger stayed paused
    /// (it never fired again while GET said it was not paused) or a paused one whose trigger kept firing. The trigger
    /// is now changed whatever the client does; the job store's trigger lock holds the change while the client gives up.
    /// </summary>
    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task PauseOrResume_ClientGoneWhileTheTriggerChanges_TriggerStillFollowsTheSchedule(string action)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "schedabort");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        using (var created = await client.PostAsJsonAsync("/api/schedules", new
        {
            name = "nightly", cron = "0 0 2 * * ?",
            experiment = new { datasetName = "later", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk" },
        }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }

        if (action == "resume")
        {
            using var paused = await client.PostAsJsonAsync("/api/schedules/nightly/pause", new { reason = "outage" });
            Assert.Equal(System.Net.HttpStatusCode.OK, paused.StatusCode);
        }

        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        var triggerLock = await gate.BeginTransactionAsync();
        await gate.ExecuteAsync("SELECT 1 FROM qrtz_locks WHERE lock_name = 'TRIGGER_ACCESS' FOR UPDATE", transaction: triggerLock);
        using var hangUp = new CancellationTokenSource();
        var request = action == "pause"
            ? client.PostAsJsonAsync("/api/schedules/nightly/pause", new { reason = "outage" }, hangUp.Token)
            : client.PostAsync("/api/schedules/nightly/resume", null, hangUp.Token);
        await Waits.LockWaitersAsync(scope.Postgres!, "LOCKS", 1, $"the {action} of the trigger to wait for the job store's lock");
        await Waits.HangUpThenReleaseAsync(hangUp, scope.Postgres!, "LOCKS", triggerLock, request);

        var wanted = action == "pause";
        var seen = await Processes.PollAsync(async () =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/schedules/nightly"));
            var paused = doc.RootElement.GetProperty("paused").GetBoolean();
            var trigger = doc.RootElement.GetProperty("triggerState").GetString();
            return paused == wanted && (trigger == "Paused") == wanted ? $"paused {paused}, trigger {trigger}" : null;
        }, TimeSpan.FromSeconds(60), $"the schedule and its trigger to agree after the {action}");
        Assert.Equal($"paused {wanted}, trigger {(wanted ? "Paused" : "Normal")}", seen);
    }
}
