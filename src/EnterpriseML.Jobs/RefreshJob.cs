using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>
/// One fire of a scheduled refresh (champion/challenger). Its only job data is the schedule's tenant and name. It
/// resolves the schedule's dataset (the newest of <c>datasetName</c>, or the fixed <c>datasetId</c>), holds out a
/// seeded stratified share of it, runs the sweep on the rest as an ordinary experiment (trials, attempts and a model
/// version, the challenger, stored as usual), scores the current champion and the challenger on the same held-out
/// rows, and promotes the challenger only when it beats the champion by the policy's minimum improvement. Either way
/// the decision, both scores, their difference and the threshold go to the schedule's last outcome and its refresh
/// history; a promotion goes to the model's audit history as <c>schedule:{name}</c> with the same sentence.
/// </summary>
/// <remarks>
/// One job per schedule with <see cref="DisallowConcurrentExecutionAttribute"/>, so fires of one schedule never
/// overlap (cluster-wide on the ADO store); a fire that comes due while the previous one runs waits, and fires missed
/// by more than the misfire threshold are skipped. After a node crash, the next fire of the schedule (the recovered
/// one or a regular one) resumes that schedule's unfinished experiment (its recorded trials are not re-run) instead of
/// starting another.
/// </remarks>
[DisallowConcurrentExecution]
public sealed class RefreshJob(
    ScheduleStore schedules, ExperimentStore experiments, DatasetStore datasets, ModelStore models, SweepJob sweeps,
    IOptions<JobsOptions> options, TimeProvider time, ILogger<RefreshJob> logger) : IJob
{
    public const string TenantIdKey = "tenantId";

    public const string ScheduleNameKey = "scheduleName";

    public const string Group = "refreshes";

    public static JobKey KeyFor(string tenantId, string name) => new($"refresh-{tenantId}-{name}", Group);

    public static TriggerKey TriggerKeyFor(string tenantId, string name) => new($"refresh-{tenantId}-{name}", Group);

    /// <summary>The one-off trigger of a run asked for now (<see cref="JobClient.TriggerRefreshNowAsync"/>); one at a time per schedule.</summary>
    public static TriggerKey NowTriggerKeyFor(string tenantId, string name) => new($"refresh-now-{tenantId}-{name}", Group);

    /// <summary>Trigger data of a run asked for now: who asked, recorded in its outcome as <c>triggeredBy</c>.</summary>
    public const string TriggeredByKey = "triggeredBy";

    /// <summary>
    /// Who asked for this run with POST /api/schedules/{name}/trigger; null on a cron fire. A run whose node died or was
    /// stopped is fired again by a recovery trigger under a key of its own, which carries the original trigger's job
    /// data and names that trigger (<see cref="IJobExecutionContext.RecoveringTriggerKey"/>): it is recognised by that.
    /// </summary>
    private static string? TriggeredBy(IJobExecutionContext context, string tenantId, string name)
    {
        var trigger = context.Recovering ? context.RecoveringTriggerKey : context.Trigger.Key;
        return NowTriggerKeyFor(tenantId, name).Equals(trigger) ? context.MergedJobDataMap.GetString(TriggeredByKey) : null;
    }

    /// <summary>Who a refresh's stage changes are recorded as.</summary>
    public static string Actor(string scheduleName) => "schedule:" + scheduleName;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var tenantId = context.MergedJobDataMap.GetString(TenantIdKey) ?? throw new JobExecutionException("The refresh job has no tenant id.");
        var name = context.MergedJobDataMap.GetString(ScheduleNameKey) ?? throw new JobExecutionException("The refresh job has no schedule name.");
        var schedule = await schedules.GetAsync(tenantId, name, cancellationToken);
        if (schedule is null)
        {
            // Deleted between the fire and now (or its DELETE could not reach the job store): nothing to refresh.
            logger.LogInformation("Schedule {Tenant}/{Name} no longer exists; removing its job", tenantId, name);
            await context.Scheduler.DeleteJob(context.JobDetail.Key, cancellationToken);
            return;
        }

        var startedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        var triggeredBy = TriggeredBy(context, tenantId, name);
        var undecided = await experiments.FindUndecidedForScheduleAsync(tenantId, name, schedule.CreatedAt, cancellationToken);
        if (schedule.Paused != 0 && undecided is null && await experiments.FindUnfinishedForScheduleAsync(tenantId, name, cancellationToken) is null)
        {
            // A fire acquired just before the pause reached the trigger: no new refresh while paused. A refresh already
            // under way when its node stopped or died is still resumed below (a pause never stopped it), else its
            // experiment stayed "running", holding one of its tenant's slots, until the schedule was resumed.
            if (triggeredBy is not null)
            {
                // Someone was told (a 202) to look for this run in the schedule's refreshes: say why it did nothing.
                // A cron fire that races the pause is dropped silently, as the fires the pause stops are.
                var why = schedule.PauseReason is { Length: > 0 } reason ? $" ('{reason}', by {schedule.PausedBy ?? "unknown"})" : schedule.PausedBy is { } by ? $" (by {by})" : "";
                await RecordAsync(schedule, triggeredBy, new RefreshRecord
                {
                    Status = "skipped", StartedAt = startedAt,
                    Outcome = Outcome("skipped", $"Schedule '{name}' was paused{why} as this refresh started; nothing was trained, nothing promoted. Resume it (POST /api/schedules/{name}/resume), then trigger it again.").ToJsonString(),
                });
            }

            return;
        }

        ScheduledExperiment spec;
        PromotionPolicy policy;
        try
        {
            spec = ScheduledExperiment.Parse(schedule.Experiment);
            policy = PromotionPolicy.Parse(JsonNode.Parse(schedule.Promotion)?.AsObject());
        }
        catch (ArgumentException e)
        {
            await RecordAsync(schedule, triggeredBy, new RefreshRecord { Status = "failed", StartedAt = startedAt, Outcome = Outcome("failed", e.Message).ToJsonString() });
            return;
        }

        if (undecided is not null)
        {
            // The fire that stored this challenger died before it recorded the decision (a process killed while it scored
            // the two models or wrote the outcome): decide on that challenger now. Starting another sweep instead stored a
            // second challenger and left the first one undecided, missing from the schedule's refreshes.
            await DecideStoredAsync(schedule, policy, undecided, triggeredBy, startedAt, cancellationToken);
            return;
        }

        // Fires of one schedule never overlap (DisallowConcurrentExecution, cluster-wide), so an unfinished experiment of
        // this schedule was left by a fire that died with its node: resume it, whether this fire is the recovered one or
        // the next regular one that got there first.
        var experiment = await experiments.FindUnfinishedForScheduleAsync(tenantId, name, cancellationToken);
        ExperimentRequest request;
        if (experiment is null)
        {
            var dataset = spec.DatasetId is { Length: > 0 } id
                ? await datasets.GetAsync(tenantId, id, cancellationToken)
                : await datasets.FindLatestByNameAsync(tenantId, spec.DatasetName!, cancellationToken);
            if (dataset is null)
            {
                var missing = spec.DatasetId is { Length: > 0 } ? $"There is no dataset '{spec.DatasetId}'" : $"No dataset named '{spec.DatasetName}' has been uploaded";
                await RecordAsync(schedule, triggeredBy, new RefreshRecord
                {
                    Status = "skipped", StartedAt = startedAt, Outcome = Outcome("skipped", missing + "; nothing to train on, nothing promoted.").ToJsonString(),
                });
                return;
            }

            request = spec.ToRequest(dataset.Id);
            experiment = await experiments.CreateAsync(tenantId, dataset.Id, request.ModelName, request.Scenario, JsonSerializer.Serialize(request, SweepJob.Json), name, cancellationToken);
        }
        else
        {
            request = JsonSerializer.Deserialize<ExperimentRequest>(experiment.Request, SweepJob.Json)!;
        }

        if (!await experiments.MarkRunningAsync(experiment.Id, cancellationToken))
        {
            return;
        }

        var node = options.Value.ResolvedNodeName;
        var attempt = await experiments.StartAttemptAsync(experiment.Id, node, cancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = sweeps.WatchForCancelAsync(experiment.Id, attempt, cancel);
        try
        {
            var (outcome, recorded) = await RefreshAsync(schedule, policy, experiment, request, node, attempt, triggeredBy, startedAt, cancel.Token);
            await experiments.EndAttemptAsync(experiment.Id, attempt, "succeeded", CancellationToken.None);
            if (!recorded)
            {
                await RecordAsync(schedule, triggeredBy, Decided(experiment, outcome, startedAt));
            }
        }
        catch (AttemptSupersededException e)
        {
            // Another node resumed this refresh's experiment and decides and records it.
            await sweeps.EndSupersededAsync(experiment.Id, attempt, e);
        }
        catch (OperationCanceledException e) when (cancel.IsCancellationRequested || e is ExperimentEndedException)
        {
            if (!await experiments.IsLatestAttemptAsync(experiment.Id, attempt, CancellationToken.None))
            {
                await sweeps.EndSupersededAsync(experiment.Id, attempt, new AttemptSupersededException(experiment.Id, attempt));
                return;
            }

            var current = await experiments.GetAsync(null, experiment.Id, CancellationToken.None);
            var cancelled = current?.Status == "cancelled";
            await experiments.EndAttemptAsync(experiment.Id, attempt, cancelled ? "cancelled" : "interrupted", CancellationToken.None);
            if (!cancelled)
            {
                // Shutting down: the cancellation is let out, as SweepJob does, so Quartz hands the firing back for
                // recovery (RecoverFiringsCancelledByShutdown) and the recovered fire resumes this experiment on another
                // node. Any other exception completes the firing as failed, and nothing resumed it before the next fire.
                logger.LogInformation("Refresh of experiment {Id} released at shutdown after its recorded trials; another node resumes it", experiment.Id);
                throw;
            }

            await RecordAsync(schedule, triggeredBy, new RefreshRecord
            {
                ExperimentId = experiment.Id, DatasetId = experiment.DatasetId, Status = "failed", StartedAt = startedAt,
                Outcome = Outcome("failed", $"The refresh's experiment {experiment.Id} was cancelled; nothing was promoted.").ToJsonString(),
            });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Bad data fails the same way at every fire; a lost database may recover by the next one. Either way this
            // fire ends here (recorded as well as the database lets us) and the cron trigger fires again on schedule.
            var deterministic = e is ArgumentException or CsvFormatException or SweepFailedException or KeyNotFoundException or InvalidOperationException or FormatException or ModelFormatException;
            logger.LogWarning(e, "Refresh {Tenant}/{Name} failed ({Kind})", tenantId, name, deterministic ? "deterministic" : "transient");
            try
            {
                await experiments.EndAttemptAsync(experiment.Id, attempt, deterministic ? "failed" : "transient: " + e.Message, CancellationToken.None);
                await experiments.FinishAsync(experiment.Id, "failed", e.Message, null, null, null, CancellationToken.None);
                await RecordAsync(schedule, triggeredBy, new RefreshRecord
                {
                    ExperimentId = experiment.Id, DatasetId = experiment.DatasetId, Status = "failed", StartedAt = startedAt,
                    Outcome = Outcome("failed", $"The refresh failed, nothing was promoted: {e.Message}").ToJsonString(),
                });
            }
            catch (Exception inner) when (inner is not OperationCanceledException and not OutOfMemoryException)
            {
                logger.LogWarning(inner, "Could not record the failed refresh {Tenant}/{Name}", tenantId, name);
            }
        }
        finally
        {
            await cancel.CancelAsync();
            await watcher;
        }
    }

    /// <summary>
    /// Sweeps and stores the challenger, then decides (<see cref="DecideAsync"/>). The outcome, and whether it is recorded
    /// already (with the promotion, in its transaction).
    /// </summary>
    private async Task<(JsonObject Outcome, bool Recorded)> RefreshAsync(ScheduleRecord schedule, PromotionPolicy policy, ExperimentRecord experiment, ExperimentRequest request, string node, int attempt,
        string? triggeredBy, long startedAt, CancellationToken cancellationToken)
    {
        var (dataset, prepared, metric, train, holdout, lineage) = await HoldoutAsync(schedule, policy, experiment, request, cancellationToken);
        var (_, challenger) = await sweeps.SweepAndStoreAsync(experiment, request, dataset, prepared, train, node, attempt, lineage, Actor(schedule.Name), null, cancellationToken);
        return await DecideAsync(schedule, policy, experiment, dataset, metric, holdout, challenger, (int)challenger.Version, triggeredBy, startedAt, cancellationToken);
    }

    /// <summary>
    /// Decides on the challenger an earlier fire stored (<see cref="ExperimentStore.FindUndecidedForScheduleAsync"/>) and
    /// records the decision, on the same holdout rows (the split is seeded) and by the same rule as that fire would have.
    /// A challenger deleted since is recorded as such.
    /// </summary>
    private async Task DecideStoredAsync(ScheduleRecord schedule, PromotionPolicy policy, ExperimentRecord experiment, string? triggeredBy, long startedAt, CancellationToken cancellationToken)
    {
        logger.LogInformation("Refresh {Tenant}/{Name}: experiment {Id} stored its challenger but its decision was never recorded; deciding it now",
            schedule.TenantId, schedule.Name, experiment.Id);
        try
        {
            var request = JsonSerializer.Deserialize<ExperimentRequest>(experiment.Request, SweepJob.Json)!;
            var (dataset, _, metric, _, holdout, _) = await HoldoutAsync(schedule, policy, experiment, request, cancellationToken);
            var number = experiment.Winner is { } winner && JsonNode.Parse(winner)?["modelVersion"] is { } stored ? stored.GetValue<int>() : 0;
            var challenger = (await models.VersionsAsync(experiment.TenantId, experiment.ModelName, cancellationToken))
                .FirstOrDefault(v => v.Version == number && JsonNode.Parse(v.Lineage)?["experimentId"]?.GetValue<string>() == experiment.Id);
            var (outcome, recorded) = await DecideAsync(schedule, policy, experiment, dataset, metric, holdout, challenger, number, triggeredBy, startedAt, cancellationToken);
            if (!recorded)
            {
                await RecordAsync(schedule, triggeredBy, Decided(experiment, outcome, startedAt));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // As a fire that fails after its sweep: recorded as failed with the error, nothing promoted.
            logger.LogWarning(e, "Refresh {Tenant}/{Name} could not decide on experiment {Id}", schedule.TenantId, schedule.Name, experiment.Id);
            await RecordAsync(schedule, triggeredBy, new RefreshRecord
            {
                ExperimentId = experiment.Id, DatasetId = experiment.DatasetId, Status = "failed", StartedAt = startedAt,
                Outcome = Outcome("failed", $"The refresh failed, nothing was promoted: {e.Message}").ToJsonString(),
            });
        }
    }

    /// <summary>The refresh's record of a decided <paramref name="outcome"/>.</summary>
    private static RefreshRecord Decided(ExperimentRecord experiment, JsonObject outcome, long startedAt) => new()
    {
        ExperimentId = experiment.Id, DatasetId = experiment.DatasetId, Status = outcome["status"]!.GetValue<string>(),
        StartedAt = startedAt, Outcome = outcome.ToJsonString(),
    };

    /// <summary>The experiment's dataset, plan and metric, and the seeded split of its rows into the sweep's and the holdout.</summary>
    private async Task<(DatasetRecord Dataset, PreparedSweep Prepared, Engine.Scenarios.ScenarioMetric Metric, CandidateData Train, CandidateData Holdout, JsonObject Lineage)> HoldoutAsync(
        ScheduleRecord schedule, PromotionPolicy policy, ExperimentRecord experiment, ExperimentRequest request, CancellationToken cancellationToken)
    {
        var (dataset, table) = await sweeps.LoadTableAsync(experiment.TenantId, experiment.DatasetId, request, cancellationToken);
        var prepared = SweepJob.Prepare(table, request);
        var metric = policy.ResolveMetric(prepared.Plan);

        // The fresh holdout: a seeded (stratified for classes) share of the latest dataset that the challenger never
        // trains on, so champion and challenger are scored on exactly the same unseen-by-the-challenger rows.
        var all = prepared.Train;
        var fraction = request.HoldoutFraction ?? ScheduledExperiment.DefaultHoldoutFraction;
        var seed = request.Seed ?? 0;
        var (trainRows, holdoutRows) = DataSplits.TrainTest(all.RowCount, fraction, seed, all.Task == TaskKind.Regression ? default : all.Labels);
        var train = all.SelectRows(trainRows);
        var holdout = all.SelectRows(holdoutRows);
        var lineage = new JsonObject
        {
            ["scheduleName"] = schedule.Name,
            ["evaluateOn"] = policy.EvaluateOn,
            ["trainRows"] = train.RowCount,
            ["holdoutRows"] = holdout.RowCount,
            ["holdoutSeed"] = seed,
        };
        return (dataset, prepared, metric, train, holdout, lineage);
    }

    /// <summary>
    /// Scores the stored challenger (<paramref name="challenger"/>, null once deleted) and the champion on the holdout
    /// and promotes the challenger when it wins. A promotion and the refresh's record commit in one transaction, so a
    /// process killed between them leaves neither, and the next fire decides again; the answer then says it is recorded.
    /// </summary>
    private async Task<(JsonObject Outcome, bool Recorded)> DecideAsync(ScheduleRecord schedule, PromotionPolicy policy, ExperimentRecord experiment, DatasetRecord dataset,
        Engine.Scenarios.ScenarioMetric metric, CandidateData holdout, ModelVersionRecord? challenger, int challengerVersion, string? triggeredBy, long startedAt, CancellationToken cancellationToken)
    {
        // The challenger is an ordinary candidate version: DELETE /api/models/{name}/versions/{version} may remove it
        // at any point from here on, which ends the refresh as "kept" and says so instead of failing or claiming a promotion.
        var challengerArtifact = challenger is null ? null : await models.ArtifactAsync(experiment.TenantId, experiment.ModelName, challengerVersion, cancellationToken);
        var challengerScore = challengerArtifact is null ? double.NaN : Score(experiment.ModelName, challengerVersion, challengerArtifact, holdout, metric, cancellationToken);
        var versions = await models.VersionsAsync(experiment.TenantId, experiment.ModelName, cancellationToken);
        var champion = versions.FirstOrDefault(v => v.Stage == "champion" && v.Version != challengerVersion);
        var outcome = new JsonObject
        {
            ["experimentId"] = experiment.Id,
            ["datasetId"] = dataset.Id,
            ["datasetName"] = dataset.Name,
            ["datasetSha256"] = dataset.Sha256,
            ["modelName"] = experiment.ModelName,
            ["metric"] = metric.Name,
            ["higherIsBetter"] = metric.HigherIsBetter,
            ["evaluateOn"] = policy.EvaluateOn,
            ["holdoutRows"] = holdout.RowCount,
            ["minimumImprovement"] = policy.MinimumImprovement,
            ["challenger"] = new JsonObject { ["version"] = challengerVersion, ["score"] = Finite(challengerScore) },
        };

        if (challengerArtifact is null)
        {
            outcome["champion"] = champion is null ? null : new JsonObject { ["version"] = champion.Version, ["score"] = null };
            return (ChallengerDeleted(outcome, experiment.ModelName, challengerVersion, champion, "before it was scored", null, startedAt), false);
        }

        PromotionDecision decision;
        bool promote;
        if (champion is null)
        {
            decision = PromotionDecision.NoChampion(metric, challengerVersion, challengerScore, holdout.RowCount, dataset.Name);
            outcome["champion"] = null;
            promote = challenger!.Stage != "champion";
        }
        else
        {
            var championScore = await ScoreAsync(experiment.TenantId, experiment.ModelName, (int)champion.Version, holdout, metric, cancellationToken);
            decision = PromotionDecision.Decide(metric, (int)champion.Version, championScore, challengerVersion, challengerScore,
                policy.MinimumImprovement, holdout.RowCount, dataset.Name);
            outcome["champion"] = new JsonObject { ["version"] = champion.Version, ["score"] = Finite(championScore) };
            promote = decision.Promote;
        }

        outcome["improvement"] = decision.Improvement is { } d ? d : null;
        outcome["challengerDeleted"] = false;
        outcome["promoted"] = decision.Promote;
        outcome["status"] = decision.Promote ? "promoted" : "kept";
        outcome["reason"] = decision.Sentence;
        outcome["finishedAt"] = time.GetUtcNow().ToUnixTimeMilliseconds();
        outcome["startedAt"] = startedAt;
        if (!promote)
        {
            return (outcome, false);
        }

        var record = Finished(triggeredBy, Decided(experiment, outcome, startedAt));
        if (!await models.PromoteAsync(experiment.TenantId, experiment.ModelName, challengerVersion, Actor(schedule.Name), decision.Sentence,
            (c, tx, token) => schedules.RecordRefreshAsync(c, tx, schedule.TenantId, schedule.Name, record, token), cancellationToken))
        {
            return (ChallengerDeleted(outcome, experiment.ModelName, challengerVersion, champion, "before it could be promoted", decision, startedAt), false);
        }

        return (outcome, true);
    }

    /// <summary>
    /// The outcome when the challenger was deleted during the refresh (<paramref name="when"/>): nothing was promoted,
    /// status <c>kept</c> with <c>challengerDeleted</c>, and the reason says so, with the decision the refresh had
    /// made when there was one.
    /// </summary>
    private JsonObject ChallengerDeleted(JsonObject outcome, string modelName, int challengerVersion, ModelVersionRecord? champion, string when, PromotionDecision? decision, long startedAt)
    {
        var stays = champion is null ? "the model's champion is unchanged" : $"champion v{champion.Version} stays";
        outcome["improvement"] = decision?.Improvement is { } d ? d : null;
        outcome["challengerDeleted"] = true;
        outcome["promoted"] = false;
        outcome["status"] = "kept";
        outcome["reason"] = $"Challenger v{challengerVersion} of model '{modelName}' was deleted {when} (DELETE /api/models/{modelName}/versions/{challengerVersion}): nothing was promoted, {stays}."
            + (decision is null ? "" : $" The decision had been: {decision.Sentence}");
        outcome["finishedAt"] = time.GetUtcNow().ToUnixTimeMilliseconds();
        outcome["startedAt"] = startedAt;
        logger.LogWarning("Refresh of model {ModelName}: challenger v{Version} was deleted {When}; nothing promoted", modelName, challengerVersion, when);
        return outcome;
    }

    /// <summary>Scores a stored version (as stored: what serving would load) on the holdout rows.</summary>
    private async Task<double> ScoreAsync(string tenantId, string modelName, int version, CandidateData holdout, Engine.Scenarios.ScenarioMetric metric, CancellationToken cancellationToken)
    {
        var artifact = await models.ArtifactAsync(tenantId, modelName, version, cancellationToken)
            ?? throw new KeyNotFoundException($"Model '{modelName}' has no version {version}.");
        return Score(modelName, version, artifact, holdout, metric, cancellationToken);
    }

    private static double Score(string modelName, int version, byte[] artifact, CandidateData holdout, Engine.Scenarios.ScenarioMetric metric, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(artifact, writable: false);
        var model = ModelPipeline.Load(stream);
        if (model.Schema.Task != holdout.Task)
        {
            throw new InvalidOperationException($"Model '{modelName}' v{version} is a {model.Schema.Task} model but the latest dataset makes a {holdout.Task} task; they cannot be compared.");
        }

        if (holdout.Task != TaskKind.Regression && !model.Schema.ClassNames.SequenceEqual(holdout.ClassNames, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"Model '{modelName}' v{version} predicts classes [{string.Join(", ", model.Schema.ClassNames)}] but the latest dataset has [{string.Join(", ", holdout.ClassNames)}]; they cannot be compared on one holdout.");
        }

        var scores = model.Predict(holdout.Features, cancellationToken);
        return metric.Compute(holdout.Labels, scores, Math.Max(2, holdout.ClassNames.Count));
    }

    /// <summary>The record as stored: with who asked for the run (<paramref name="triggeredBy"/>, when someone did) and when it finished.</summary>
    private RefreshRecord Finished(string? triggeredBy, RefreshRecord refresh)
    {
        var outcome = refresh.Outcome;
        if (triggeredBy is not null && JsonNode.Parse(outcome) is JsonObject json)
        {
            json["triggeredBy"] = triggeredBy;
            outcome = json.ToJsonString();
        }

        return new RefreshRecord
        {
            ExperimentId = refresh.ExperimentId, DatasetId = refresh.DatasetId, Status = refresh.Status, Outcome = outcome,
            StartedAt = refresh.StartedAt, FinishedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
    }

    private async Task RecordAsync(ScheduleRecord schedule, string? triggeredBy, RefreshRecord refresh)
    {
        var finished = Finished(triggeredBy, refresh);

        // Recorded even when the fire is being cancelled: the decision (or the failure) has already happened.
        if (!await schedules.RecordRefreshAsync(schedule.TenantId, schedule.Name, finished, CancellationToken.None))
        {
            logger.LogInformation("Schedule {Tenant}/{Name} was deleted during its refresh; the outcome is not recorded", schedule.TenantId, schedule.Name);
        }
    }

    private JsonObject Outcome(string status, string reason) => new()
    {
        ["status"] = status,
        ["promoted"] = false,
        ["reason"] = reason,
        ["finishedAt"] = time.GetUtcNow().ToUnixTimeMilliseconds(),
    };

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
