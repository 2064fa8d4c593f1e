using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>The progress an experiment shows while its sweep runs, as every write to its row records it.</summary>
public sealed class ProgressTests(ITestOutputHelper output)
{
    /// <summary>
    /// A resumed sweep (after a shutdown, a retry or a takeover) replays the trials earlier attempts recorded, one at a
    /// time from the first, and wrote its progress as it went: trialsCompleted fell back to 1 and the best score to the
    /// first trial's, then climbed again (the dashboard's bar jumped backwards). A PostgreSQL trigger logs every
    /// progress written to the experiment's row, across a sweep stopped after a few trials and its resumption, and the
    /// trials, elapsed time and best score must never go down.
    /// </summary>
    [Fact]
    public async Task Progress_SweepStoppedAndResumed_NeverGoesBackwards()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "progress");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 5, modelName: "progress", maxTrials: 200);
        await using (var c = new NpgsqlConnection(scope.Postgres))
        {
            await c.OpenAsync();
            await c.ExecuteAsync(
                """
                CREATE TABLE progress_log (seq BIGSERIAL PRIMARY KEY, progress TEXT);
                CREATE FUNCTION log_progress() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO progress_log (progress) VALUES (NEW.progress); RETURN NEW; END $$;
                CREATE TRIGGER experiments_progress AFTER UPDATE OF progress ON experiments FOR EACH ROW EXECUTE FUNCTION log_progress();
                """);
        }

        var experiments = api.Services.GetRequiredService<ExperimentStore>();
        var sweeps = api.Services.GetRequiredService<SweepJob>();
        var tenant = (await experiments.GetAsync(null, id))!.TenantId;
        Assert.Equal(StartOutcome.Started, await experiments.TryStartAsync(id, tenant, 2));

        // The first attempt stops (as at a SIGTERM) once its progress shows at least two trials.
        await RunUntilAsync(experiments, sweeps, id, "node-1", async () => await TrialsShownAsync(experiments, id) >= 2);
        var recorded = (await experiments.TrialRowsAsync(id)).Count;
        Assert.True(recorded >= 2, $"{recorded} trials recorded");

        // The second replays them, then runs new trials until its progress shows one more than were recorded.
        await RunUntilAsync(experiments, sweeps, id, "node-2", async () => await TrialsShownAsync(experiments, id) > recorded);

        await using var log = new NpgsqlConnection(scope.Postgres);
        await log.OpenAsync();
        var writes = (await log.QueryAsync<string?>("SELECT progress FROM progress_log ORDER BY seq")).OfType<string>().Select(p => JsonDocument.Parse(p).RootElement.Clone()).ToList();
        output.WriteLine(string.Join('\n', writes));
        Assert.True(writes.Count >= 3, $"{writes.Count} progress writes");
        for (var i = 1; i < writes.Count; i++)
        {
            var (before, after) = (writes[i - 1], writes[i]);
            Assert.True(after.GetProperty("trialsCompleted").GetInt32() >= before.GetProperty("trialsCompleted").GetInt32(), $"write {i}: {before} then {after}");
            Assert.True(after.GetProperty("elapsedSeconds").GetDouble() >= before.GetProperty("elapsedSeconds").GetDouble(), $"write {i}: {before} then {after}");
            if (before.GetProperty("bestScore").ValueKind == JsonValueKind.Number)
            {
                // AUC: higher is better, so the best so far never falls.
                Assert.True(after.GetProperty("bestScore").ValueKind == JsonValueKind.Number
                    && after.GetProperty("bestScore").GetDouble() >= before.GetProperty("bestScore").GetDouble(), $"write {i}: {before} then {after}");
            }
        }
    }

    /// <summary>Runs one attempt of the experiment's sweep on <paramref name="node"/> and stops it once <paramref name="stopWhen"/> holds.</summary>
    private static async Task RunUntilAsync(ExperimentStore experiments, SweepJob sweeps, string id, string node, Func<Task<bool>> stopWhen)
    {
        var experiment = (await experiments.GetAsync(null, id))!;
        var attempt = await experiments.StartAttemptAsync(id, node);
        var request = JsonSerializer.Deserialize<ExperimentRequest>(experiment.Request, SweepJob.Json)!;
        var (dataset, table) = await sweeps.LoadTableAsync(experiment.TenantId, experiment.DatasetId, request, CancellationToken.None);
        var prepared = SweepJob.Prepare(table, request);
        using var stop = new CancellationTokenSource();
        var sweep = sweeps.SweepAndStoreAsync(experiment, request, dataset, prepared, prepared.Train, node, attempt, null, null, null, stop.Token);
        await Processes.PollAsync(async () => sweep.IsCompleted || await stopWhen() ? (object)true : null, TimeSpan.FromSeconds(120), $"the sweep on {node} to get far enough");
        Assert.False(sweep.IsCompleted, $"the sweep on {node} ended before it was stopped: {sweep.Exception}");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sweep);
        await experiments.EndAttemptAsync(id, attempt, "interrupted");
    }

    private static async Task<int> TrialsShownAsync(ExperimentStore experiments, string id) =>
        (await experiments.GetAsync(null, id))?.Progress is { } p ? JsonDocument.Parse(p).RootElement.GetProperty("trialsCompleted").GetInt32() : 0;
}
