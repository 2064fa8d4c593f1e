using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Api;
using EnterpriseML.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// Scheduled refreshes fire on a real Quartz cron trigger and decide champion/challenger on a fresh holdout of the
/// newest dataset. Three uploads of one dataset name: labels 40 % flipped (seeded), clean, 25 % flipped (seeded). The
/// first fire has no champion; the clean challenger beats the noisy champion; the noisy challenger does not beat the
/// clean one. The third upload flips 25 %, not 40 %: a 40 % flip squeezes every model's AUC on that holdout to about
/// 0.5 + 0.2 × (AUC − 0.5), so both scores sat within sampling noise of 0.5 and the comparison was a coin toss.
/// </summary>
public sealed class ScheduledRefreshTests(ITestOutputHelper output)
{
    private const string Schedule = "nightly";
    private const string Model = "risk";

    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task Refresh_CronFires_PromotesBetterChallengerAndKeepsChampionOverWorseOne(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "refresh");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var clean = await DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv");

        var noisyId = await UploadAsync(client, FlipLabels(clean, 0.4, seed: 11));
        using (var created = await client.PostAsJsonAsync("/api/schedules", RefreshSchedule))
        {
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, body);
            using var json = JsonDocument.Parse(body);
            Assert.True(json.RootElement.GetProperty("nextFireTime").GetInt64() > 0, body);
            var promotion = json.RootElement.GetProperty("promotion");
            Assert.Equal(JsonValueKind.Null, promotion.GetProperty("metric").ValueKind);
            Assert.Equal(0.01, promotion.GetProperty("minimumImprovement").GetDouble());
        }

        // 1. No champion yet: the first challenger becomes champion.
        var first = await RefreshOnAsync(client, noisyId);
        output.WriteLine(first.ToString());
        Assert.Equal("promoted", first.GetProperty("status").GetString());
        var firstOutcome = first.GetProperty("outcome");
        Assert.Equal(JsonValueKind.Null, firstOutcome.GetProperty("champion").ValueKind);
        Assert.StartsWith("No champion yet", firstOutcome.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var noisyChampion = firstOutcome.GetProperty("challenger").GetProperty("version").GetInt32();

        // 2. Clean data: the challenger beats the noisy champion on the same holdout and is promoted.
        var cleanId = await UploadAsync(client, clean);
        var second = await RefreshOnAsync(client, cleanId);
        output.WriteLine(second.ToString());
        var better = second.GetProperty("outcome");
        Assert.True(second.GetProperty("status").GetString() == "promoted", better.ToString());
        Assert.True(better.GetProperty("promoted").GetBoolean());
        Assert.Equal("auc", better.GetProperty("metric").GetString());
        Assert.True(better.GetProperty("higherIsBetter").GetBoolean());
        Assert.Equal(0.01, better.GetProperty("minimumImprovement").GetDouble());
        Assert.Equal(200, better.GetProperty("holdoutRows").GetInt32());
        var championScore = better.GetProperty("champion").GetProperty("score").GetDouble();
        var challengerScore = better.GetProperty("challenger").GetProperty("score").GetDouble();
        Assert.True(challengerScore - championScore >= 0.01, better.ToString());
        Assert.Equal(challengerScore - championScore, better.GetProperty("improvement").GetDouble(), 9);
        var betterVersion = better.GetProperty("challenger").GetProperty("version").GetInt32();
        Assert.True(betterVersion > noisyChampion);
        var betterReason = better.GetProperty("reason").GetString()!;
        Assert.Contains("promoted to champion", betterReason, StringComparison.Ordinal);
        Assert.Contains(challengerScore.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), betterReason, StringComparison.Ordinal);

        // 3. Noisy data again: the challenger trained on flipped labels does not beat the clean champion.
        var noisyAgainId = await UploadAsync(client, FlipLabels(clean, 0.25, seed: 12));
        var third = await RefreshOnAsync(client, noisyAgainId);
        output.WriteLine(third.ToString());
        var worse = third.GetProperty("outcome");
        Assert.True(third.GetProperty("status").GetString() == "kept", worse.ToString());
        Assert.False(worse.GetProperty("promoted").GetBoolean());
        Assert.True(worse.GetProperty("improvement").GetDouble() < 0.01, worse.ToString());
        var keptChampion = worse.GetProperty("champion").GetProperty("version").GetInt32();
        var worseVersion = worse.GetProperty("challenger").GetProperty("version").GetInt32();
        Assert.Contains($"champion v{keptChampion} kept, v{worseVersion} stays a candidate", worse.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // No fire is left running once paused; then the registry shows the stages and the audit history the refreshes wrote.
        await Processes.PollAsync(async () =>
        {
            using var running = JsonDocument.Parse(await client.GetStringAsync("/api/experiments?status=running"));
            return running.RootElement.GetProperty("total").GetInt64() == 0 ? "idle" : null;
        }, TimeSpan.FromSeconds(60), "running refreshes to finish");
        using (var model = JsonDocument.Parse(await client.GetStringAsync($"/api/models/{Model}")))
        {
            var root = model.RootElement;
            Assert.Equal(keptChampion, root.GetProperty("champion").GetInt32());
            var stages = root.GetProperty("versions").EnumerateArray().ToDictionary(v => v.GetProperty("version").GetInt32(), v => v.GetProperty("stage").GetString());
            Assert.Equal("candidate", stages[worseVersion]);
            Assert.Equal("archived", stages[noisyChampion]);
            var promotion = root.GetProperty("history").EnumerateArray()
                .Single(h => h.GetProperty("version").GetInt32() == betterVersion && h.GetProperty("to").GetString() == "champion");
            Assert.Equal("schedule:" + Schedule, promotion.GetProperty("who").GetString());
            Assert.Equal(betterReason, promotion.GetProperty("why").GetString());
            var lineage = root.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt32() == betterVersion).GetProperty("lineage");
            Assert.Equal(cleanId, lineage.GetProperty("datasetId").GetString());
            Assert.Equal(800, lineage.GetProperty("trainRows").GetInt32());
        }

        // The refresh ran as an ordinary experiment, listed with its trials.
        using (var experiment = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{better.GetProperty("experimentId").GetString()}")))
        {
            var root = experiment.RootElement;
            Assert.Equal("succeeded", root.GetProperty("status").GetString());
            Assert.Equal(Schedule, root.GetProperty("scheduleName").GetString());
            Assert.True(root.GetProperty("trials").GetArrayLength() >= 1);
            Assert.Equal(betterVersion, root.GetProperty("winner").GetProperty("modelVersion").GetInt32());
        }

        using (var schedule = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}")))
        {
            var root = schedule.RootElement;
            Assert.Equal("Paused", root.GetProperty("triggerState").GetString());
            Assert.Equal("kept", root.GetProperty("lastOutcome").GetProperty("status").GetString());
            Assert.True(root.GetProperty("refreshes").GetArrayLength() >= 3);
        }

        using var delete = await client.DeleteAsync($"/api/schedules/{Schedule}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = JsonDocument.Parse(await client.GetStringAsync("/api/schedules"));
        Assert.Equal(0, gone.RootElement.GetArrayLength());
    }

    /// <summary>
    /// DELETE of a schedule whose refresh is sweeping cancels that refresh's experiment: it ends <c>cancelled</c> with a
    /// reason naming the schedule, keeps its trials and stores no model. It used to run on with nowhere to record its
    /// outcome, and a node that stopped under it left it <c>running</c> for ever (the deleted job never fires again).
    /// </summary>
    [Theory]
    [InlineData(Backend.Postgres)]
    [InlineData(Backend.Sqlite)]
    public async Task Delete_WhileARefreshSweeps_CancelsItsExperimentAndStoresNoModel(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "refdelsched");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        await UploadAsync(client, await DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv"));
        using (var created = await client.PostAsJsonAsync("/api/schedules", new
        {
            name = Schedule,
            cron = "0/5 * * * * ?",
            experiment = new { datasetName = "transactions", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 600, modelName = Model, seed = 5 },
            promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var (experimentId, _) = await Waits.RunningExperimentWithATrialAsync(client, "the refresh's sweep to record a trial");

        using (var deleted = await client.DeleteAsync($"/api/schedules/{Schedule}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var ended = await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{experimentId}"));
            var attempts = doc.RootElement.GetProperty("attempts");
            return attempts.GetArrayLength() > 0 && attempts[attempts.GetArrayLength() - 1].GetProperty("outcome").ValueKind == JsonValueKind.String
                ? (JsonElement?)doc.RootElement.Clone()
                : null;
        }, TimeSpan.FromSeconds(60), $"experiment {experimentId}'s refresh to stop");
        var root = ended!.Value;
        Assert.Equal("cancelled", root.GetProperty("status").GetString());
        Assert.StartsWith($"Schedule '{Schedule}' was deleted by ", root.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("cancelled", root.GetProperty("attempts")[root.GetProperty("attempts").GetArrayLength() - 1].GetProperty("outcome").GetString());
        Assert.True(root.GetProperty("trials").GetArrayLength() >= 1);
        using (var model = await client.GetAsync($"/api/models/{Model}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, model.StatusCode);
        }

        using var running = JsonDocument.Parse(await client.GetStringAsync("/api/experiments?status=running"));
        Assert.Equal(0, running.RootElement.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// The challenger deleted while the refresh decides: it was scored, beat the champion, and its promotion found no
    /// such version. The refresh used to ignore that and record "promoted"; it now records <c>kept</c> with
    /// <c>challengerDeleted</c> and a reason that says so. Driven by PostgreSQL locks, not timing: a lock on the
    /// model row holds the challenger's store, a lock on the experiment row then holds it just before it commits (the
    /// version and the experiment's "succeeded" are one transaction), a table lock on model_versions queued behind it
    /// holds the refresh right after the commit, before it reads the challenger back, a second model-row lock queues
    /// the delete ahead of the refresh's promotion, and each is released only once the next step is seen waiting.
    /// </summary>
    [Fact]
    public async Task Refresh_ChallengerDeletedBeforeItsPromotion_RecordedAsKeptWithChallengerDeleted()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "refdel");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var clean = await DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv");
        var noisyId = await UploadAsync(client, FlipLabels(clean, 0.4, seed: 11));
        using (var created = await client.PostAsJsonAsync("/api/schedules", RefreshSchedule))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var first = await RefreshOnAsync(client, noisyId);
        Assert.Equal("promoted", first.GetProperty("status").GetString());
        var noisyChampion = first.GetProperty("outcome").GetProperty("challenger").GetProperty("version").GetInt64();
        var cleanId = await UploadAsync(client, clean);

        await using var modelGate = new NpgsqlConnection(scope.Postgres);
        await modelGate.OpenAsync();
        var modelLock = await modelGate.BeginTransactionAsync();
        await modelGate.ExecuteAsync("SELECT 1 FROM models WHERE name = @Model FOR UPDATE", new { Model }, modelLock);
        using (var resume = await client.PostAsync($"/api/schedules/{Schedule}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        await Waits.LockWaitersAsync(scope.Postgres!, "FROM models WHERE", 1, "the challenger's store to wait for the model lock");
        var experimentId = await modelGate.ExecuteScalarAsync<string>("SELECT id FROM experiments WHERE status = 'running' AND dataset_id = @cleanId", new { cleanId });
        Assert.NotNull(experimentId);
        await using var experimentGate = new NpgsqlConnection(scope.Postgres);
        await experimentGate.OpenAsync();
        await using var experimentLock = await experimentGate.BeginTransactionAsync();
        await experimentGate.ExecuteAsync("SELECT 1 FROM experiments WHERE id = @experimentId FOR UPDATE", new { experimentId }, experimentLock);
        await modelLock.CommitAsync();
        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE experiments SET status", 1, "the refresh's store to wait, its challenger written, to mark the experiment succeeded");

        // Queued behind the store's transaction, the table lock is granted when it commits and holds the refresh there.
        await using var versionsGate = new NpgsqlConnection(scope.Postgres);
        await versionsGate.OpenAsync();
        var versionsLock = await versionsGate.BeginTransactionAsync();
        var tableLocked = versionsGate.ExecuteAsync("LOCK TABLE model_versions IN ACCESS EXCLUSIVE MODE", transaction: versionsLock);
        await Waits.LockWaitersAsync(scope.Postgres!, "LOCK TABLE model_versions", 1, "the table lock to queue behind the challenger's store");
        await experimentLock.CommitAsync();
        await tableLocked;
        var challenger = await versionsGate.ExecuteScalarAsync<long>("SELECT version FROM model_versions WHERE model_name = @Model AND strpos(lineage, @experimentId) > 0", new { Model, experimentId }, versionsLock);
        Assert.True(challenger > noisyChampion);

        // The delete takes the model lock first; the refresh's promotion queues behind it.
        modelLock = await modelGate.BeginTransactionAsync();
        await modelGate.ExecuteAsync("SELECT 1 FROM models WHERE name = @Model FOR UPDATE", new { Model }, modelLock);
        var delete = client.DeleteAsync($"/api/models/{Model}/versions/{challenger}");
        await Waits.LockWaitersAsync(scope.Postgres!, "FROM models WHERE", 1, "the version delete to wait for the model lock");
        await versionsLock.CommitAsync();
        await versionsLock.DisposeAsync();
        await Waits.LockWaitersAsync(scope.Postgres!, "FROM models WHERE", 2, "the refresh's promotion to queue behind the delete");
        await modelLock.CommitAsync();
        await modelLock.DisposeAsync();
        using (var deleted = await delete)
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var refresh = await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}"));
            var match = doc.RootElement.GetProperty("refreshes").EnumerateArray().FirstOrDefault(r => r.GetProperty("experimentId").GetString() == experimentId);
            return match.ValueKind == JsonValueKind.Object ? (JsonElement?)match.Clone() : null;
        }, TimeSpan.FromSeconds(60), $"the refresh of experiment {experimentId}");
        using (var pause = await client.PostAsJsonAsync($"/api/schedules/{Schedule}/pause", new { reason = "test over" }))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        }

        var outcome = refresh!.Value.GetProperty("outcome");
        output.WriteLine(outcome.ToString());
        Assert.Equal("kept", refresh.Value.GetProperty("status").GetString());
        Assert.Equal(experimentId, refresh.Value.GetProperty("experimentId").GetString());
        Assert.True(outcome.GetProperty("challengerDeleted").GetBoolean());
        Assert.False(outcome.GetProperty("promoted").GetBoolean());
        Assert.Equal(challenger, outcome.GetProperty("challenger").GetProperty("version").GetInt64());
        Assert.Equal(noisyChampion, outcome.GetProperty("champion").GetProperty("version").GetInt64());
        var reason = outcome.GetProperty("reason").GetString()!;
        Assert.StartsWith($"Challenger v{challenger} of model '{Model}' was deleted before it could be promoted (DELETE /api/models/{Model}/versions/{challenger}): nothing was promoted, champion v{noisyChampion} stays. The decision had been: Challenger v{challenger} auc ", reason, StringComparison.Ordinal);
        Assert.EndsWith($"v{challenger} promoted to champion.", reason, StringComparison.Ordinal);

        using var model = JsonDocument.Parse(await client.GetStringAsync($"/api/models/{Model}"));
        Assert.Equal(noisyChampion, model.RootElement.GetProperty("champion").GetInt64());
        Assert.DoesNotContain(model.RootElement.GetProperty("versions").EnumerateArray(), v => v.GetProperty("version").GetInt64() == challenger);
        Assert.DoesNotContain(model.RootElement.GetProperty("history").EnumerateArray(), h => h.GetProperty("version").GetInt64() == challenger && h.GetProperty("to").GetString() == "champion");
    }

    /// <summary>The schedule both refresh tests create: every 5 s, a 6-trial sweep of the latest "transactions" upload.</summary>
    private static readonly object RefreshSchedule = new
    {
        name = Schedule,
        cron = "0/5 * * * * ?",
        experiment = new { datasetName = "transactions", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, maxTrials = 6, modelName = Model, seed = 5 },
        promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
    };

    /// <summary>
    /// Resumes the schedule, waits for its first refresh on <paramref name="datasetId"/>, then pauses it (so the next
    /// upload is what the following fire sees) and returns that refresh.
    /// </summary>
    private static async Task<JsonElement> RefreshOnAsync(HttpClient client, string datasetId)
    {
        using (var resume = await client.PostAsync($"/api/schedules/{Schedule}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        var refresh = await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/schedules/{Schedule}"));
            // Newest first: the last match is the first refresh on the dataset.
            var match = doc.RootElement.GetProperty("refreshes").EnumerateArray().LastOrDefault(r => r.GetProperty("datasetId").GetString() == datasetId);
            return match.ValueKind == JsonValueKind.Object ? (JsonElement?)match.Clone() : null;
        }, TimeSpan.FromSeconds(120), $"a refresh on dataset {datasetId}");

        using var pause = await client.PostAsJsonAsync($"/api/schedules/{Schedule}/pause", new { reason = "next upload" });
        var body = await pause.Content.ReadAsStringAsync();
        Assert.True(pause.StatusCode == HttpStatusCode.OK, body);
        using var paused = JsonDocument.Parse(body);
        Assert.True(paused.RootElement.GetProperty("paused").GetBoolean());
        Assert.Equal("next upload", paused.RootElement.GetProperty("pauseReason").GetString());

        // A fire that began before the pause still runs to its end (pausing stops new fires only). Its sweep must not
        // overlap the next step: a lingering fire on this dataset once took the next step's model lock and was mistaken
        // for the next dataset's refresh.
        await WaitForNoSweepAsync(client);
        return refresh!.Value;
    }

    /// <summary>Waits until no experiment is queued or running, seen on two polls a second apart (a fire caught between its trigger and its experiment's insert shows on the second).</summary>
    private static async Task WaitForNoSweepAsync(HttpClient client)
    {
        async Task<bool> IdleAsync()
        {
            foreach (var status in new[] { "queued", "running" })
            {
                using var listed = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments?status={status}"));
                if (listed.RootElement.GetProperty("total").GetInt64() != 0)
                {
                    return false;
                }
            }

            return true;
        }

        await Processes.PollAsync(async () =>
        {
            if (!await IdleAsync())
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            return await IdleAsync() ? "idle" : null;
        }, TimeSpan.FromSeconds(120), "fires begun before the pause to finish");
    }

    private static async Task<string> UploadAsync(HttpClient client, byte[] bytes)
    {
        using var response = await client.PostAsync("/api/datasets", DatasetsApiTests.Form(bytes, "transactions.csv", "transactions"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The CSV with a seeded <paramref name="share"/> of its last column (good/bad) flipped.</summary>
    internal static byte[] FlipLabels(byte[] csv, double share, int seed)
    {
        var lines = Encoding.UTF8.GetString(csv).Split("\r\n");
        var random = new Random(seed);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || random.NextDouble() >= share)
            {
                continue;
            }

            var cut = lines[i].LastIndexOf(',');
            var label = lines[i][(cut + 1)..];
            lines[i] = lines[i][..(cut + 1)] + (label == "good" ? "bad" : label == "bad" ? "good" : throw new InvalidDataException($"Line {i + 1}: label '{label}' is neither good nor bad."));
        }

        return Encoding.UTF8.GetBytes(string.Join("\r\n", lines));
    }
}
