using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace EnterpriseML.Jobs;

/// <summary>
/// The body of <c>POST /api/experiments</c>, as stored with the experiment. For scenario <c>recommendation</c>,
/// <see cref="UserColumn"/> and <see cref="ItemColumn"/> are required and <see cref="Label"/> is the optional rating column.
/// </summary>
public sealed record ExperimentRequest(
    string DatasetId, string Label, string? PositiveClass, string Scenario, double BudgetSeconds, string ModelName,
    IReadOnlyList<string>? IgnoreColumns = null, int? Seed = null, string? Metric = null, double? HoldoutFraction = null, string? TestDatasetId = null,
    string? UserColumn = null, string? ItemColumn = null, string? TimestampColumn = null, string? Task = null, int? MaxTrials = null,
    double? TargetRecall = null, double? AlertBudget = null)
{
    /// <summary>The largest <see cref="MaxTrials"/> a request may ask for.</summary>
    public const int MaximumMaxTrials = 100_000;

    /// <summary>The problem with <paramref name="maxTrials"/>, or null when it is absent or in [1, <see cref="MaximumMaxTrials"/>].</summary>
    public static string? MaxTrialsProblem(int? maxTrials) => maxTrials is { } n && n is < 1 or > MaximumMaxTrials
        ? string.Create(CultureInfo.InvariantCulture, $"Must be in [1, {MaximumMaxTrials}] trials (the sweep also ends at its budget); found {n}.")
        : null;

    /// <summary>
    /// The metric the sweep ranks by for a <paramref name="task"/>: <see cref="Metric"/> (case-insensitive) among
    /// <see cref="ScenarioMetric.ForTask"/>, or null when the request names none (the scenario's metric then).
    /// </summary>
    public ScenarioMetric? RankingMetric(TaskKind task) => Metric is null
        ? null
        : ScenarioMetric.ForTask(task).FirstOrDefault(m => string.Equals(m.Name, Metric, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"metric: {MetricProblem(task)}");

    /// <summary>
    /// Why <see cref="Metric"/> cannot rank models of <paramref name="task"/>, listing those that can; null when it can
    /// or none is named. With no task (a label whose profile cannot tell), only an unknown name is a problem.
    /// </summary>
    public string? MetricProblem(TaskKind? task)
    {
        var valid = task is { } known ? ScenarioMetric.ForTask(known).Select(m => m.Name).ToList() : [.. PromotionPolicy.MetricNames];
        if (Metric is null || valid.Contains(Metric, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var names = string.Join(", ", valid);
        var kind = task?.ToString().ToLowerInvariant();
        return (PromotionPolicy.MetricNames.Contains(Metric, StringComparer.OrdinalIgnoreCase), kind) switch
        {
            (true, _) => $"'{Metric}' does not apply to a {kind} task (the label '{Label}'). Use one of {names}.",
            (false, null) => $"Unknown metric '{Metric}'. Use one of {names}.",
            (false, _) => $"Unknown metric '{Metric}'. For a {kind} task (the label '{Label}') use one of {names}.",
        };
    }
}

/// <summary>A scenario's plan for a table and its encoded labelled rows.</summary>
/// <param name="ColumnNotes">
/// Feature columns of the table whose type the reader doubts (<see cref="SweepDataNotes.ColumnTypes"/>), that look
/// like row identifiers (<see cref="SweepDataNotes.Identifiers"/>) or, for fraud, like a time the plan does not use
/// (<see cref="SweepDataNotes.TimeColumns"/>), for the report's notes.
/// </param>
internal sealed record PreparedSweep(IScenario Scenario, ScenarioPlan Plan, CandidateData Train, IReadOnlyList<string> ColumnNotes);

/// <summary>
/// Runs one experiment's sweep. Its only job data is the experiment id; it is recoverable, so a crashed node's sweep
/// re-runs on another node, replaying the trials already recorded and counting the time already spent.
/// </summary>
public sealed class SweepJob(ExperimentStore experiments, DatasetStore datasets, ModelStore models, IOptions<JobsOptions> options, ILogger<SweepJob> logger) : IJob
{
    public const string ExperimentIdKey = "experimentId";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Attempt outcomes this process could not write because the database was down, keyed by (experiment, attempt);
    /// the next attempt on this node writes them first, so the attempt history says what really happened.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Experiment, int Attempt), string> UnrecordedOutcomes = new();

    /// <summary>
    /// The Quartz execution group of every trigger that runs a sweep (an experiment's, a schedule's refresh). Its
    /// node-scoped limit is <see cref="JobsOptions.EffectiveConcurrentSweeps"/>: a node acquires no more of these
    /// triggers than that, and the rest wait in the job store for this or another node.
    /// </summary>
    public const string ExecutionGroup = "sweeps";

    public static JobKey KeyFor(string experimentId) => new("sweep-" + experimentId, "sweeps");

    /// <summary>How long a sweep whose tenant is at <see cref="JobsOptions.MaxSweepsPerTenant"/> waits before it tries again.</summary>
    public static readonly TimeSpan TenantWaitInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The tenant already runs <see cref="JobsOptions.MaxSweepsPerTenant"/> sweeps somewhere in the cluster: the
    /// experiment stays queued and its job gets a new trigger a little later (same execution group and retry policy),
    /// which any node may take. The job is not durable, so the new trigger is stored before this firing completes.
    /// </summary>
    private async Task WaitForTenantSlotAsync(IJobExecutionContext context, string id, CancellationToken cancellationToken)
    {
        var retry = JobClient.SweepFiring(new TriggerKey($"sweep-{id}-wait-{Guid.NewGuid():N}", "sweeps"), context.JobDetail.Key,
            DateTimeOffset.UtcNow + TenantWaitInterval, options.Value);
        await context.Scheduler.ScheduleJob(retry, cancellationToken: cancellationToken);
        logger.LogInformation("Experiment {Id} waits: its tenant runs {Limit} sweep(s) already (Jobs:MaxSweepsPerTenant)", id, options.Value.MaxSweepsPerTenant);
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var id = context.MergedJobDataMap.GetString(ExperimentIdKey) ?? throw new JobExecutionException("The sweep job has no experiment id.");
        var node = options.Value.ResolvedNodeName;
        using var logScope = logger.BeginScope(new SweepScope(id, node));
        var experiment = await experiments.GetAsync(null, id, cancellationToken);
        if (experiment is null)
        {
            return;
        }

        switch (await experiments.TryStartAsync(id, experiment.TenantId, options.Value.MaxSweepsPerTenant, cancellationToken))
        {
            case StartOutcome.Ended:
                return;
            case StartOutcome.TenantBusy:
                await WaitForTenantSlotAsync(context, id, cancellationToken);
                return;
        }

        foreach (var ((experimentId, number), outcome) in UnrecordedOutcomes.Where(o => o.Key.Experiment == id))
        {
            await experiments.EndAttemptAsync(experimentId, number, outcome, cancellationToken);
            UnrecordedOutcomes.TryRemove((experimentId, number), out _);
        }

        var attempt = await experiments.StartAttemptAsync(id, node, cancellationToken);
        logger.LogInformation("Experiment {Id} attempt {Attempt} started on {Node} (retry {RetryAttempt}, recovering {Recovering})",
            id, attempt, node, context.RetryAttempt, context.Recovering);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = WatchForCancelAsync(id, attempt, cancel);
        try
        {
            await RunAsync(experiment, node, attempt, cancel.Token);
            await experiments.EndAttemptAsync(id, attempt, "succeeded", CancellationToken.None);
            logger.LogInformation("Sweep attempt {Attempt} succeeded", attempt);
        }
        catch (AttemptSupersededException e)
        {
            await EndSupersededAsync(id, attempt, e);
        }
        catch (OperationCanceledException e) when (cancel.IsCancellationRequested || e is ExperimentEndedException)
        {
            if (!await experiments.IsLatestAttemptAsync(id, attempt, CancellationToken.None))
            {
                await EndSupersededAsync(id, attempt, new AttemptSupersededException(id, attempt));
                return;
            }

            // An Interrupt (cancel) or a shutdown: a cancel already marked the experiment; on shutdown (SIGTERM) the
            // trials finished so far are already recorded (the checkpoint), and rethrowing the cancellation makes
            // Quartz hand the firing back for recovery (RecoverFiringsCancelledByShutdown), so another node resumes it.
            var current = await experiments.GetAsync(null, id, CancellationToken.None);
            var cancelled = current?.Status == "cancelled";
            await experiments.EndAttemptAsync(id, attempt, cancelled ? "cancelled" : "interrupted", CancellationToken.None);
            if (cancelled)
            {
                logger.LogInformation("Experiment {Id} attempt {Attempt} stopped: the experiment was cancelled ({Reason}); its recorded trials are kept, no model stored",
                    id, attempt, current?.Error);
            }
            else
            {
                logger.LogInformation("Experiment {Id} released at shutdown after its recorded trials; another node resumes it", id);
                throw;
            }
        }
        catch (Exception e) when (IsTransient(e))
        {
            // Transient (database, network, I/O): throwing lets the trigger's RetryPolicy fire the sweep again later;
            // recorded trials are kept, so the retry resumes instead of starting over.
            logger.LogWarning(e, "Experiment {Id} attempt {Attempt} hit a transient failure; Quartz retries it with backoff", id, attempt);
            var outcome = "transient: " + e.Message;
            try
            {
                await experiments.EndAttemptAsync(id, attempt, outcome, CancellationToken.None);
            }
            catch (Exception inner) when (inner is not OutOfMemoryException)
            {
                UnrecordedOutcomes[(id, attempt)] = outcome;
                logger.LogDebug(inner, "Could not record the failed attempt; the next attempt on this node will");
            }

            if (await GiveUpIfLastTryAsync(context, id, "a transient failure", e))
            {
                return;
            }

            throw new JobExecutionException(e) { RefireImmediately = false };
        }
        catch (Exception e) when (e is ArgumentException or CsvFormatException or SweepFailedException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Deterministic: the same data fails the same way, so record it and do not retry.
            logger.LogWarning(e, "Experiment {Id} failed", id);
            await experiments.EndAttemptAsync(id, attempt, "failed", CancellationToken.None);
            await experiments.FinishAsync(id, "failed", e.Message, null, null, null, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unknown: record it and let the retry policy decide; a bug that fails every time stops after the retries.
            logger.LogError(e, "Experiment {Id} attempt {Attempt} failed unexpectedly", id, attempt);
            await experiments.EndAttemptAsync(id, attempt, "error: " + e.Message, CancellationToken.None);
            if (await GiveUpIfLastTryAsync(context, id, "an unexpected error", e))
            {
                return;
            }

            throw new JobExecutionException(e) { RefireImmediately = false };
        }
        finally
        {
            await cancel.CancelAsync();
            await watcher;
        }
    }

    /// <summary>
    /// When this firing is the last its retry policy allows (or it has none), marks the experiment failed with the
    /// error and how many retries were spent, and answers true: else nothing would ever end the experiment, which
    /// stayed "running" for ever (holding one of its tenant's slots). False when Quartz retries it again, or when the
    /// database cannot take the failure either (then Quartz reports the exhausted retries).
    /// </summary>
    private async Task<bool> GiveUpIfLastTryAsync(IJobExecutionContext context, string id, string what, Exception e)
    {
        var retries = context.RetryPolicy?.MaxAttempts ?? 0;
        if (context.RetryAttempt < retries)
        {
            return false;
        }

        var error = $"The sweep gave up after {retries} retr{(retries == 1 ? "y" : "ies")} (Jobs:TransientRetries) of {what}: {e.Message}";
        try
        {
            await experiments.FinishAsync(id, "failed", error, null, null, null, CancellationToken.None);
            logger.LogError(e, "Experiment {Id} failed: {Error}", id, error);
            return true;
        }
        catch (Exception inner) when (inner is not OutOfMemoryException)
        {
            logger.LogError(inner, "Experiment {Id} ran out of retries and its failure could not be recorded", id);
            return false;
        }
    }

    /// <summary>
    /// This run's attempt was taken over by another node (the cluster took this node for dead while it stalled): it
    /// stops without storing a model and completes its firing, which the other node now owns.
    /// </summary>
    internal async Task EndSupersededAsync(string id, int attempt, AttemptSupersededException e)
    {
        logger.LogWarning(e, "Experiment {Id} attempt {Attempt} stops: another node took the sweep over", id, attempt);
        await experiments.EndAttemptAsync(id, attempt, "superseded", CancellationToken.None);
    }

    /// <summary>A failure that may not happen again: the database or the network was unavailable, or an I/O error.</summary>
    internal static bool IsTransient(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is DbException or SocketException or IOException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Cancels the sweep when its experiment is marked cancelled (by an API node anywhere in the cluster), or when a
    /// later attempt than <paramref name="attempt"/> exists (another node took the sweep over).
    /// </summary>
    internal async Task WatchForCancelAsync(string id, int attempt, CancellationTokenSource cancel)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancel.Token))
            {
                try
                {
                    // One light query a second: the status and any later attempt, not the whole experiment row.
                    var (status, superseded) = await experiments.OwnershipAsync(id, attempt, cancel.Token);
                    if (status == "cancelled" || superseded)
                    {
                        await cancel.CancelAsync();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException && IsTransient(e))
                {
                    // The database is briefly away: keep watching; the sweep itself fails and retries if it lasts.
                    logger.LogDebug(e, "Cancel watcher for {Id} could not read the experiment", id);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The sweep ended.
        }
    }

    private async Task RunAsync(ExperimentRecord experiment, string node, int attempt, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize<ExperimentRequest>(experiment.Request, Json)!;
        if (RecommendationSweep.Handles(request.Scenario))
        {
            await new RecommendationSweep(experiments, datasets, models, options.Value).RunAsync(experiment, request, node, attempt, cancellationToken);
            return;
        }

        var (dataset, table) = await LoadTableAsync(experiment.TenantId, experiment.DatasetId, request, cancellationToken);
        var prepared = Prepare(table, request);
        var (train, test, lineage) = (prepared.Train, (CandidateData?)null, (JsonObject?)null);
        if (request.TestDatasetId is { Length: > 0 } testId)
        {
            var (testDataset, testTable) = await LoadTableAsync(experiment.TenantId, testId, request, table, cancellationToken);
            test = LabelEncoding.Encode(testTable, request.Label, prepared.Plan.Task, request.PositiveClass, prepared.Plan.Task == TaskKind.Regression ? null : train.ClassNames);
            lineage = new JsonObject { ["testDatasetId"] = testDataset.Id, ["testDatasetSha256"] = testDataset.Sha256, ["testRows"] = test.RowCount };
        }
        else if (request.HoldoutFraction is { } fraction)
        {
            // Seeded (time-ordered for fraud with a timestamp), so an attempt that resumes the sweep holds out the same rows.
            var seed = request.Seed ?? 0;
            var (trainRows, testRows) = TestHoldout.Split(prepared.Train, prepared.Plan.Validation, fraction, seed);
            (train, test) = (prepared.Train.SelectRows(trainRows), prepared.Train.SelectRows(testRows));
            lineage = new JsonObject { ["trainRows"] = train.RowCount, ["holdoutRows"] = test.RowCount, ["holdoutFraction"] = fraction, ["holdoutSeed"] = seed };
        }

        await SweepAndStoreAsync(experiment, request, dataset, prepared, train, node, attempt, lineage, null, test, cancellationToken);
    }

    /// <summary>
    /// A dataset of the experiment's tenant, parsed, with the request's ignored columns removed. A test dataset is read
    /// with <paramref name="typedLike"/>'s column types (the training table's), as <c>eml automl --test</c> reads its file.
    /// </summary>
    internal Task<(DatasetRecord Dataset, DataTable Table)> LoadTableAsync(string tenantId, string datasetId, ExperimentRequest request, CancellationToken cancellationToken) =>
        LoadTableAsync(tenantId, datasetId, request, null, cancellationToken);

    private async Task<(DatasetRecord Dataset, DataTable Table)> LoadTableAsync(string tenantId, string datasetId, ExperimentRequest request, DataTable? typedLike, CancellationToken cancellationToken)
    {
        var dataset = await datasets.GetAsync(tenantId, datasetId, cancellationToken)
            ?? throw new KeyNotFoundException($"Dataset '{datasetId}' no longer exists.");
        var bytes = new MemoryStream();
        await datasets.CopyContentAsync(dataset.Sha256, bytes, cancellationToken);
        bytes.Position = 0;
        var csv = StoredDatasetCsv.Options(dataset.Name, typedLike?.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal), ignoreUnknownTypes: typedLike is not null);
        return (dataset, CsvTable.Read(bytes, csv, cancellationToken).WithoutColumns([.. request.IgnoreColumns ?? []]));
    }

    /// <summary>The scenario's plan for the table (ranking by the request's metric, if it names one) and the encoded labelled rows.</summary>
    internal static PreparedSweep Prepare(DataTable table, ExperimentRequest request)
    {
        var scenario = ScenarioCatalog.Get(request.Scenario);
        var task = LabelEncoding.ParseTask(request.Task, "task") ?? LabelEncoding.InferTask(table[request.Label]);
        var context = new ScenarioContext(table, request.Label, task, request.PositiveClass)
        {
            TimestampColumn = request.TimestampColumn,
            AlertThreshold = AlertThresholdOptions.ForRequest(request.TargetRecall, request.AlertBudget),
        };
        var plan = scenario.Plan(context);
        if (request.RankingMetric(plan.Task) is { } metric)
        {
            plan = plan.WithPrimaryMetric(metric);
        }

        // The table has the request's ignoreColumns removed already, so a column named there is not reported. The type
        // notes are the reader's on this parse of the dataset, the ones its upload profile shows as each column's note.
        IReadOnlyList<string> notes = [
            .. SweepDataNotes.ColumnTypes(table, request.Label, "add it to ignoreColumns"),
            .. SweepDataNotes.Identifiers(table, request.Label, "add it to ignoreColumns"),
            .. SweepDataNotes.EmptyColumns(table, request.Label),
            .. SweepDataNotes.TimeColumns(table, request.Label, scenario.Name, plan, c => $"set \"timestampColumn\": \"{c}\" in the experiment"),
        ];
        return new PreparedSweep(scenario, plan, LabelEncoding.Encode(table, request.Label, plan.Task, request.PositiveClass), notes);
    }

    /// <summary>
    /// Sweeps <paramref name="train"/> (replaying the experiment's recorded trials), stores the winner as a new model
    /// version (with <paramref name="extraLineage"/> merged into its lineage; its audit entry names
    /// <paramref name="changedBy"/>, default <c>experiment:{id}</c>) and marks the experiment succeeded. Nothing is
    /// stored when a later attempt than <paramref name="attempt"/> exists (<see cref="AttemptSupersededException"/>) or
    /// the experiment was cancelled meanwhile (<see cref="ExperimentEndedException"/>). With <paramref name="test"/>
    /// (rows the sweep never sees), the winner's metrics on them are the report's <c>test</c> and the version's metrics'.
    /// </summary>
    internal async Task<(SweepResult Result, ModelVersionRecord Version)> SweepAndStoreAsync(
        ExperimentRecord experiment, ExperimentRequest request, DatasetRecord dataset, PreparedSweep prepared, CandidateData train, string node, int attempt,
        JsonObject? extraLineage, string? changedBy, CandidateData? test, CancellationToken cancellationToken)
    {
        var (scenario, plan) = (prepared.Scenario, prepared.Plan);
        // The budget counts the time earlier attempts already spent.
        var spent = experiment.ElapsedMs / 1000.0;
        var left = Math.Max(1.0, request.BudgetSeconds - spent);
        var sweepOptions = options.Value.WithTrialCaps(new SweepOptions
        {
            BudgetSeconds = left,
            MaximumTrials = request.MaxTrials,
            Seed = request.Seed ?? 0,
            MaximumDegreeOfParallelism = options.Value.TrialThreadsPerSweep(Environment.ProcessorCount),
            SavesModel = true,
            ReportRows = test?.RowCount ?? 0,
        });
        var store = new RegistryTrialStore(experiments, experiment.Id, node);
        var progress = new ProgressWriter(experiments, experiment.Id, request.BudgetSeconds, spent, store, request.MaxTrials, plan.PrimaryMetric);
        SweepResult result;
        try
        {
            result = await new SweepRunner(sweepOptions).RunAsync(new SweepRequest(train, plan, scenario.Name), store, progress, cancellationToken);
        }
        catch
        {
            // A stopped sweep (cancel, shutdown, failure) lets its queued progress writes land before it hands the
            // experiment on, so none overwrites the progress of the attempt that resumes it.
            await progress.DrainAsync();
            throw;
        }

        await progress.FlushAsync();

        // The data's warnings eml automl prints (doubted column types, identifier columns, a fraud sweep's time-like
        // columns, case-variant classes, classes some validation folds lack) are the report's notes here, which
        // GET /api/experiments/{id} shows.
        var dataNotes = prepared.ColumnNotes.Concat(SweepDataNotes.Training(train, plan.Validation, sweepOptions.Seed));
        var report = SweepReport.Build(result, plan, test, train, dataNotes);
        var reportJson = JsonNode.Parse(ReportJson.ToJson(report, includeTrials: true))!.AsObject();
        var leaderboard = reportJson["leaderboard"]?.ToJsonString() ?? "[]";
        var winner = reportJson["winner"]?.DeepClone().AsObject() ?? [];
        winner["curves"] = new JsonObject
        {
            ["roc"] = JsonSerializer.SerializeToNode(report.Roc.Select(p => new[] { p.X, p.Y }), Json),
            ["pr"] = JsonSerializer.SerializeToNode(report.PrecisionRecall.Select(p => new[] { p.X, p.Y }), Json),
        };

        var artifact = new MemoryStream();
        result.Model.Save(artifact);
        var metrics = new JsonObject { ["metric"] = result.Metric.Name, ["validationScore"] = double.IsFinite(result.Winner.ValidationScore) ? result.Winner.ValidationScore : null };
        if (test is not null)
        {
            metrics["test"] = reportJson["test"]?.DeepClone();
        }

        var parameters = JsonSerializer.Serialize(result.Winner.Parameters.ToDictionary(p => p.Key, p => p.Value), Json);
        var lineage = JsonSerializer.SerializeToNode(new
        {
            datasetId = dataset.Id,
            datasetSha256 = dataset.Sha256,
            experimentId = experiment.Id,
            engineVersion = ModelFile.EngineVersion,
            candidate = result.WinnerCandidate.Name,
            scenario = scenario.Name,
            label = request.Label,
            positiveClass = request.PositiveClass,
            validation = result.ValidationDescription,
            validationRowsHash = result.ValidationHash,
        }, Json)!.AsObject();
        // Which trial of the experiment's trial log won: its index, or for an ensemble its members' candidate#index.
        if (result.WinnerMembers.Count > 0)
        {
            lineage["winnerMembers"] = new JsonArray([.. result.WinnerMembers.Select(m => (JsonNode?)m)]);
        }
        else
        {
            lineage["winnerTrial"] = result.Winner.Index;
        }

        foreach (var (key, value) in extraLineage ?? [])
        {
            lineage[key] = value?.DeepClone();
        }

        await experiments.EnsureStillOwnedAsync(experiment.Id, attempt, cancellationToken);
        // The version and the experiment's "succeeded" are one transaction: a cancel that lands after the check above
        // either comes first (nothing is stored and the sweep ends cancelled) or finds the experiment succeeded (409).
        var version = await models.AddVersionAsync(experiment.TenantId, experiment.ModelName, plan.Task.ToString(), artifact.ToArray(),
            metrics.ToJsonString(), parameters, leaderboard, lineage.ToJsonString(), changedBy ?? $"experiment:{experiment.Id}",
            (connection, transaction, stored, token) =>
            {
                winner["modelName"] = experiment.ModelName;
                winner["modelVersion"] = stored.Version;
                return experiments.FinishSucceededAsync(connection, transaction, experiment.Id, attempt, leaderboard, winner.ToJsonString(), reportJson.ToJsonString(), token);
            },
            cancellationToken);
        logger.LogInformation(
            "{Trials} trials; winner {Candidate} ({Kind}) with {Metric} {Score}, stored as {ModelName} version {Version}",
            result.SearchTrialCount, result.WinnerCandidate.Name, result.WinnerCandidate.Kind, result.Metric.Name, result.Winner.ValidationScore, experiment.ModelName, version.Version);
        return (result, version);
    }

    private sealed class RegistryTrialStore(ExperimentStore experiments, string id, string node) : ITrialStore
    {
        /// <summary>How many trials earlier attempts recorded (known once the sweep has loaded them).</summary>
        public int Loaded { get; private set; }

        public async Task<IReadOnlyList<TrialRecord>> LoadAsync(CancellationToken cancellationToken = default)
        {
            var trials = await experiments.LoadTrialsAsync(id, cancellationToken);
            Loaded = trials.Count;
            return trials;
        }

        public Task RecordAsync(TrialRecord trial, CancellationToken cancellationToken = default) => experiments.RecordTrialAsync(id, trial, node, cancellationToken);
    }

    /// <summary>
    /// The experiment row's progress after <paramref name="value"/>: trials (and the request's cap on them, null without
    /// one), time, the best score so far, and the metric it is in with its direction (so a live chart can draw "best so
    /// far" before the winner's model names the metric).
    /// </summary>
    internal static string ProgressJson(SweepEvent value, double elapsedSeconds, double budgetSeconds, int? maxTrials, ScenarioMetric metric)
    {
        var best = value.Best?.ValidationScore;
        return JsonSerializer.Serialize(new
        {
            trialsCompleted = value.TrialsFinished,
            elapsedSeconds = Math.Round(elapsedSeconds, 2),
            budgetSeconds,
            maxTrials,
            bestScore = best is { } b && double.IsFinite(b) ? b : (double?)null,
            bestCandidate = value.Best?.Candidate,
            metric = metric.Name,
            higherIsBetter = metric.HigherIsBetter,
        }, Json);
    }

    /// <summary>
    /// Writes progress to the experiment row, at most twice a second (and on every new best). A resumed sweep first
    /// replays the trials earlier attempts recorded, one by one from the first: those events are not written (the row
    /// already shows them), else its trials and best score would fall back to the first replayed trial's and climb
    /// again, going backwards on the dashboard. Writing resumes once every recorded trial is replayed.
    /// </summary>
    private sealed class ProgressWriter(ExperimentStore experiments, string id, double budgetSeconds, double spentSeconds, RegistryTrialStore store, int? maxTrials, ScenarioMetric metric) : IProgress<SweepEvent>
    {
        private readonly Lock _gate = new();
        private Task _pending = Task.CompletedTask;
        private long _lastWrite;

        public void Report(SweepEvent value)
        {
            var now = Environment.TickCount64;
            if (value.Kind is not (SweepEventKind.NewBest or SweepEventKind.Completed or SweepEventKind.TrialFinished)
                || (value.Kind == SweepEventKind.TrialFinished && now - _lastWrite < 500)
                || (value.Kind != SweepEventKind.Completed && value.TrialsFinished < store.Loaded))
            {
                return;
            }

            _lastWrite = now;
            var elapsed = spentSeconds + value.Elapsed.TotalSeconds;
            var json = ProgressJson(value, elapsed, budgetSeconds, maxTrials, metric);
            lock (_gate)
            {
                _pending = _pending.ContinueWith(_ => experiments.UpdateProgressAsync(id, json, (long)(elapsed * 1000)), TaskScheduler.Default).Unwrap();
            }
        }

        public Task FlushAsync()
        {
            lock (_gate)
            {
                return _pending;
            }
        }

        /// <summary>Waits for the queued writes, whatever their outcome (the sweep is already failing or stopping).</summary>
        public async Task DrainAsync()
        {
            try
            {
                await FlushAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The sweep's own exception is the one to report.
            }
        }
    }
}

/// <summary>
/// The log scope of a sweep: its experiment and node, as properties for the JSON console formatter and as
/// "ExperimentId:… Node:…" for the simple one (a dictionary printed its type name there).
/// </summary>
internal sealed class SweepScope(string experimentId, string node) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("ExperimentId", experimentId),
        1 => new("Node", node),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"ExperimentId:{experimentId} Node:{node}";
}
