using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// What a sweep survives: a database outage (retried by Quartz's RetryPolicy), a SIGTERM of its node (checkpointed
/// and handed to another node), and what it must not retry: bad data.
/// </summary>
public sealed class SweepResilienceTests
{
    [Fact]
    public async Task Sweep_DatabaseStoppedAndRestartedMidSweep_RetriedWithBackoffAndSucceeds()
    {
        // A private cluster: stopping the shared server on 5432 would break every other test running against it.
        await using var postgres = await ThrowawayPostgres.StartAsync();
        await using var scope = BackendScope.OnPostgres(postgres.ConnectionString);
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var settings = scope.Settings("worker-db");
        settings["Jobs:TransientRetryDelaySeconds"] = "1";
        await using var worker = new WorkerProcess("worker-db", settings);

        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 5, modelName: "outage", maxTrials: 30);
        var before = await WithOutputAsync(worker, () => Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
            var trials = doc.RootElement.GetProperty("trials");
            return trials.GetArrayLength() >= 1 && doc.RootElement.GetProperty("status").GetString() == "running"
                ? trials.EnumerateArray().Select(t => t.GetProperty("trial").GetInt64()).ToArray()
                : null;
        }, TimeSpan.FromSeconds(90), "the sweep to record its first trial"));

        await postgres.StopServerAsync();
        try
        {
            // Down until the sweep has noticed (its next trial cannot be recorded), then back.
            await WithOutputAsync(worker, () => Processes.PollAsync(
                () => Task.FromResult(worker.Logged("hit a transient failure") ? "yes" : null), TimeSpan.FromSeconds(45), "the sweep to hit the outage"));
        }
        finally
        {
            await postgres.StartServerAsync();
        }

        using var done = await WithOutputAsync(worker, () => Processes.PollAsync(async () =>
        {
            try
            {
                var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                if (doc.RootElement.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled"
            && doc.RootElement.GetProperty("attempts").EnumerateArray().All(a => a.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String))
                {
                    return doc;
                }

                doc.Dispose();
            }
            catch (HttpRequestException)
            {
                // The API's pooled connections died with the server; the next request opens fresh ones.
            }

            return null;
        }, TimeSpan.FromSeconds(90), "the sweep to finish after the outage"));

        var root = done.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "succeeded", root + "\n" + worker.Output);
        var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
        Assert.True(attempts.Count >= 2, root.ToString());
        Assert.All(attempts, a => Assert.Equal("worker-db", a.GetProperty("node").GetString()));
        Assert.StartsWith("transient: ", attempts[0].GetProperty("outcome").GetString());
        Assert.True(worker.Logged("attempt 2 started on worker-db (retry 1, recovering False)"), worker.Output); // fired by the RetryPolicy
        Assert.DoesNotContain(attempts, a => a.GetProperty("outcome").GetString() == "crashed");
        Assert.Single(attempts, a => a.GetProperty("outcome").GetString() == "succeeded");
        Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());

        // The trials recorded before the outage were kept and not re-run.
        var trials = root.GetProperty("trials").EnumerateArray().Select(t => t.GetProperty("trial").GetInt64()).ToList();
        Assert.Equal(trials.Count, trials.Distinct().Count());
        Assert.All(before, t => Assert.Contains(t, trials));
        Assert.True(trials.Count > before.Length, root.ToString());
    }

    [Fact]
    public async Task Sweep_WorkerSigtermMidSweep_CheckpointsAndOtherNodeFinishesWithoutRerunningTrials()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "sigterm");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        await using var first = new WorkerProcess("worker-1", scope.Settings("worker-1"));
        await using var second = new WorkerProcess("worker-2", scope.Settings("worker-2"));
        var workers = new[] { first, second };

        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 7, modelName: "sigterm", maxTrials: 30);
        var (recorded, node) = await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
            var trials = doc.RootElement.GetProperty("trials");
            return trials.GetArrayLength() >= 1 && doc.RootElement.GetProperty("status").GetString() == "running"
                ? Tuple.Create(trials.GetArrayLength(), trials[0].GetProperty("node").GetString()!)
                : null;
        }, TimeSpan.FromSeconds(90), "the sweep to record its first trial");
        var victim = workers.Single(w => w.Node == node);
        var survivor = workers.Single(w => w.Node != node);

        await victim.TerminateAsync();
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(40)))
        {
            await victim.Process.WaitForExitAsync(exit.Token);
        }

        Assert.True(victim.Process.ExitCode == 0, $"exit code {victim.Process.ExitCode}\n{victim.Output}");
        Assert.True(victim.Logged("released at shutdown"), victim.Output);

        using var done = await ExperimentFlowTests.WaitAsync(client, id, 120);
        var root = done.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "succeeded", root + "\n" + survivor.Output);
        var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(victim.Node, attempts[0].GetProperty("node").GetString());
        Assert.Equal("interrupted", attempts[0].GetProperty("outcome").GetString()); // checkpointed, not crashed
        Assert.Equal(survivor.Node, attempts[^1].GetProperty("node").GetString());
        Assert.Equal("succeeded", attempts[^1].GetProperty("outcome").GetString());
        Assert.Single(attempts, a => a.GetProperty("outcome").GetString() == "succeeded");

        // Trials the stopped node recorded are kept; the survivor only ran new ones (one row per trial index).
        var trials = root.GetProperty("trials").EnumerateArray().ToList();
        Assert.True(trials.Count(t => t.GetProperty("node").GetString() == victim.Node) >= recorded, root.ToString());
        Assert.Contains(trials, t => t.GetProperty("node").GetString() == survivor.Node);
        Assert.Equal(trials.Count, trials.Select(t => t.GetProperty("trial").GetInt64()).Distinct().Count());
    }

    [Fact]
    public async Task Sweep_BadData_FailsOnceWithErrorRecordedAndIsNotRetried()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "baddata");
        using var api = new ApiHost(scope, new() { ["Jobs:TransientRetryDelaySeconds"] = "0" });
        using var client = api.Client();

        // Three classes: valid against the profile, but the credit scenario needs a binary good/bad label.
        var csv = new StringBuilder("amount,age,grade\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(100 + (i * 7)).Append(',').Append(20 + (i % 40)).Append(',').Append("ABC"[i % 3]).Append('\n');
        }

        var datasetId = await ExperimentFlowTests.UploadAsync(client, "three-classes.csv", Encoding.UTF8.GetBytes(csv.ToString()));
        var scheduler = await api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var firings = new FiringRecorder();
        scheduler.ListenerManager.AddJobListener(firings, [GroupMatcher<JobKey>.GroupEquals(SweepJob.KeyFor("x").Group)]);
        using var response = await client.PostAsJsonAsync("/api/experiments", new { datasetId, label = "grade", scenario = "credit", budgetSeconds = 5, modelName = "bad" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        using var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = accepted.RootElement.GetProperty("id").GetString()!;

        using var done = await ExperimentFlowTests.WaitAsync(client, id, 60);
        var root = done.RootElement;
        Assert.Equal("failed", root.GetProperty("status").GetString());
        Assert.Contains("binary", root.GetProperty("error").GetString()!, StringComparison.Ordinal);
        var attempt = Assert.Single(root.GetProperty("attempts").EnumerateArray());
        Assert.Equal("failed", attempt.GetProperty("outcome").GetString());

        // The firing ended without throwing, so no retry policy applies: the one-off job is deleted after one run.
        await Processes.PollAsync(async () => await scheduler.GetJobDetail(SweepJob.KeyFor(id)) is null ? "gone" : null, TimeSpan.FromSeconds(30), "the sweep job to be removed");
        var firing = Assert.Single(firings.Executed, f => f.Job.Equals(SweepJob.KeyFor(id)));
        Assert.Null(firing.Thrown);
    }

    /// <summary>
    /// The experiment row was written before its job was queued; when the job store refused the job, the request was a
    /// bare 500 and the experiment stayed queued for ever with nothing to run it. Now it is a 503 ProblemDetails that
    /// says so, and no experiment is stored; once the store is back the same request is accepted and runs.
    /// </summary>
    [Fact]
    public async Task Submit_JobStoreRefusesTheJob_Is503AndNoExperimentIsLeftQueued()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "enqueue");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var request = new { datasetId, label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, maxTrials = 5, modelName = "queued", seed = 1 };

        await RenameAsync(scope.Postgres!, "qrtz_triggers", "qrtz_triggers_away");
        try
        {
            using var refused = await client.PostAsJsonAsync("/api/experiments", request);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, body);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal("Job store unavailable", problem.RootElement.GetProperty("title").GetString());
            Assert.StartsWith("The experiment could not be queued, so it was not stored", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await RenameAsync(scope.Postgres!, "qrtz_triggers_away", "qrtz_triggers");
        }

        using (var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments")))
        {
            Assert.Equal(0, list.RootElement.GetProperty("total").GetInt64());
        }

        using var done = await ExperimentFlowTests.WaitAsync(client, await ExperimentFlowTests.SubmitAsync(client, request), 60);
        Assert.Equal("succeeded", done.RootElement.GetProperty("status").GetString());
    }

    /// <summary>
    /// A sweep that fails transiently at every try: once Quartz's retries (Jobs:TransientRetries) were spent nothing
    /// ended the experiment, which stayed "running" for ever and held one of its tenant's slots. Now the last try marks
    /// it failed, saying it gave up and why.
    /// </summary>
    [Fact]
    public async Task Sweep_TransientFailureOnEveryTry_FailsWithTheReasonOnceRetriesAreSpent()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "giveup");
        using var api = new ApiHost(scope, new() { ["Jobs:TransientRetries"] = "1", ["Jobs:TransientRetryDelaySeconds"] = "0" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");

        // Every try reads the experiment's recorded trials first: with their table away, every try fails transiently.
        await RenameAsync(scope.Postgres!, "trials", "trials_away");
        string id;
        try
        {
            id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 5, seed: 1, modelName: "giveup");
            await Processes.PollAsync(async () =>
            {
                await using var connection = new Npgsql.NpgsqlConnection(scope.Postgres);
                await connection.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand("SELECT status FROM experiments WHERE id = @id", connection);
                command.Parameters.AddWithValue("id", id);
                return await command.ExecuteScalarAsync() as string is "failed" or "succeeded" or "cancelled" ? "ended" : null;
            }, TimeSpan.FromSeconds(30), "the experiment to end");
        }
        finally
        {
            await RenameAsync(scope.Postgres!, "trials_away", "trials");
        }

        using var done = await ExperimentFlowTests.WaitAsync(client, id, 30);
        var root = done.RootElement;
        Assert.Equal("failed", root.GetProperty("status").GetString());
        Assert.StartsWith("The sweep gave up after 1 retry (Jobs:TransientRetries) of a transient failure: ", root.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("trials", root.GetProperty("error").GetString(), StringComparison.Ordinal);
        var attempts = root.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.StartsWith("transient: ", a.GetProperty("outcome").GetString(), StringComparison.Ordinal));
    }

    private static async Task RenameAsync(string connectionString, string from, string to)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"ALTER TABLE {from} RENAME TO {to}", connection);
        await command.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(64, 2)]
    [InlineData(3, 16)]
    [InlineData(64, 16)]
    public void TrialThreads_AnySweepCount_NodeNeverRunsMoreTrialsThanCores(int maxConcurrentSweeps, int cores)
    {
        var options = new JobsOptions { MaxConcurrentSweeps = maxConcurrentSweeps };
        var sweeps = options.EffectiveConcurrentSweeps(cores);
        var threads = options.TrialThreadsPerSweep(cores);
        Assert.InRange(sweeps, 1, Math.Min(maxConcurrentSweeps, cores));
        Assert.InRange(threads, 1, cores);
        Assert.InRange(sweeps * threads, 1, cores);
    }

    private static async Task<T> WithOutputAsync<T>(WorkerProcess worker, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\nWorker output:\n" + worker.Output, e);
        }
    }

    /// <summary>Records every firing of the watched job: null when it returned, else what it threw.</summary>
    private sealed class FiringRecorder : IJobListener
    {
        public ConcurrentQueue<(JobKey Job, JobExecutionException? Thrown)> Executed { get; } = new();

        public string Name { get; } = "firings-" + Guid.NewGuid().ToString("N");

        public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
        {
            Executed.Enqueue((context.JobDetail.Key, jobException));
            return ValueTask.CompletedTask;
        }
    }
}
