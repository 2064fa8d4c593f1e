using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Registry;

namespace EnterpriseML.Jobs;

/// <summary>
/// The <see cref="SweepJob"/> body for scenario <c>recommendation</c>: reads the experiment's dataset as interactions
/// (<see cref="ExperimentRequest.UserColumn"/>, <see cref="ExperimentRequest.ItemColumn"/>, and
/// <see cref="ExperimentRequest.Label"/> as the optional rating column), runs <see cref="RecommendationAutoMl"/> in
/// what is left of the budget, records every trial and the progress on the experiment, and stores the winner as a
/// version of the experiment's model (kind <c>recommender</c>, served by <c>/api/models/{name}/recommendations/{user}</c>).
/// A re-run after a crash replays the trials already recorded (they are not run again) and spends only what is left
/// of the budget.
/// </summary>
internal sealed class RecommendationSweep(ExperimentStore experiments, DatasetStore datasets, ModelStore models, JobsOptions options)
{
    /// <summary>True when <paramref name="scenario"/> names the recommendation scenario (case-insensitive).</summary>
    public static bool Handles(string? scenario) => string.Equals(scenario, RecommendationScenario.Name, StringComparison.OrdinalIgnoreCase);

    public async Task RunAsync(ExperimentRecord experiment, ExperimentRequest request, string node, int attempt, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (string.IsNullOrWhiteSpace(request.UserColumn) || string.IsNullOrWhiteSpace(request.ItemColumn))
        {
            throw new ArgumentException("Scenario 'recommendation' needs userColumn and itemColumn.");
        }

        var columns = new InteractionColumns(request.UserColumn, request.ItemColumn, string.IsNullOrWhiteSpace(request.Label) ? null : request.Label,
            string.IsNullOrWhiteSpace(request.TimestampColumn) ? null : request.TimestampColumn);
        var dataset = await datasets.GetAsync(experiment.TenantId, experiment.DatasetId, cancellationToken)
            ?? throw new KeyNotFoundException($"Dataset '{experiment.DatasetId}' no longer exists.");
        var tables = new List<DataTable> { await ReadAsync(dataset, columns, cancellationToken) };
        if (request.TestDatasetId is { Length: > 0 } testId)
        {
            var testDataset = await datasets.GetAsync(experiment.TenantId, testId, cancellationToken)
                ?? throw new KeyNotFoundException($"Test dataset '{testId}' no longer exists.");
            tables.Add(await ReadAsync(testDataset, columns, cancellationToken));
        }

        var sets = InteractionSet.FromTables(tables, columns);

        // The budget counts the time earlier attempts already spent, and reading; 5 % is kept for the report and storing.
        var spent = experiment.ElapsedMs / 1000.0;
        var left = Math.Max(1.0, (0.95 * request.BudgetSeconds) - spent - clock.Elapsed.TotalSeconds);
        var sweepOptions = new RecommendationAutoMlOptions
        {
            BudgetSeconds = left,
            MaximumTrials = request.MaxTrials,
            Seed = request.Seed ?? 0,
            MaximumDegreeOfParallelism = options.TrialThreadsPerSweep(Environment.ProcessorCount),
            UserColumn = columns.User,
            ItemColumn = columns.Item,
            RecordedTrials = await experiments.LoadTrialsAsync(experiment.Id, cancellationToken),
        };
        var progress = new Recorder(experiments, experiment.Id, node, request.BudgetSeconds, request.MaxTrials, spent + clock.Elapsed.TotalSeconds);
        RecommendationAutoMlResult result;
        try
        {
            result = await Task.Factory.StartNew(() => RecommendationAutoMl.Run(sets[0], sweepOptions, progress, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            await progress.FlushAsync();
        }

        var report = RecommendationAutoMl.BuildReport(result, sets.Count > 1 ? sets[1] : null);
        var reportJson = JsonNode.Parse(ReportJson.ToJson(report, includeTrials: true))!.AsObject();
        var leaderboard = reportJson["leaderboard"]?.ToJsonString() ?? "[]";
        var winner = reportJson["winner"]?.DeepClone().AsObject() ?? [];
        winner["curves"] = new JsonObject { ["roc"] = new JsonArray(), ["pr"] = new JsonArray() };

        var sweep = result.Sweep;
        var artifact = new MemoryStream();
        result.Model.Save(artifact);
        var metrics = new JsonObject
        {
            ["metric"] = sweep.Metric.Name,
            ["validationScore"] = double.IsFinite(sweep.Winner.ValidationScore) ? sweep.Winner.ValidationScore : null,
        };
        foreach (var (name, value) in report.TestMetrics)
        {
            metrics["test_" + name] = double.IsFinite(value) ? value : null;
        }

        var parameters = JsonSerializer.Serialize(sweep.Winner.Parameters.ToDictionary(p => p.Key, p => p.Value), SweepJob.Json);
        var lineage = JsonSerializer.Serialize(new
        {
            datasetId = dataset.Id,
            datasetSha256 = dataset.Sha256,
            experimentId = experiment.Id,
            engineVersion = ModelFile.EngineVersion,
            candidate = sweep.WinnerCandidate.Name,
            winnerTrial = sweep.Winner.Index,
            scenario = RecommendationScenario.Name,
            userColumn = columns.User,
            itemColumn = columns.Item,
            ratingColumn = columns.Rating,
            timestampColumn = columns.Timestamp,
            validation = sweep.ValidationDescription,
            validationRowsHash = sweep.ValidationHash,
        }, SweepJob.Json);
        await experiments.EnsureStillOwnedAsync(experiment.Id, attempt, cancellationToken);
        // One transaction with the experiment's "succeeded", as SweepJob does: a late cancel never leaves a version behind.
        await models.AddVersionAsync(experiment.TenantId, experiment.ModelName, RecommendationScenario.Name, artifact.ToArray(),
            metrics.ToJsonString(), parameters, leaderboard, lineage, $"experiment:{experiment.Id}",
            (connection, transaction, stored, token) =>
            {
                winner["modelName"] = experiment.ModelName;
                winner["modelVersion"] = stored.Version;
                return experiments.FinishSucceededAsync(connection, transaction, experiment.Id, attempt, leaderboard, winner.ToJsonString(), reportJson.ToJsonString(), token);
            },
            cancellationToken);
    }

    /// <summary>
    /// The dataset as a table with the id columns and the timestamp read as text (so integer ids and Unix seconds stay
    /// exact; a date-time text is parsed by the interaction reader) and the rating as a number.
    /// </summary>
    private async Task<DataTable> ReadAsync(DatasetRecord dataset, InteractionColumns columns, CancellationToken cancellationToken)
    {
        var bytes = new MemoryStream();
        await datasets.CopyContentAsync(dataset.Sha256, bytes, cancellationToken);
        bytes.Position = 0;
        var types = new Dictionary<string, ColumnType>(StringComparer.Ordinal)
        {
            [columns.User] = ColumnType.Categorical,
            [columns.Item] = ColumnType.Categorical,
        };
        if (columns.Rating is not null)
        {
            types[columns.Rating] = ColumnType.Numeric;
        }

        if (columns.Timestamp is not null)
        {
            types[columns.Timestamp] = ColumnType.Categorical;
        }

        // Messages name the dataset, as the tabular sweep's do; a cell written as NA is quoted as written (read again
        // from the bytes on that error path only), not called empty.
        var options = StoredDatasetCsv.Options(dataset.Name, types);
        var table = CsvTable.Read(bytes, options, cancellationToken);
        InteractionSet.CheckMissingMarkers(table, columns, () =>
        {
            bytes.Position = 0;
            return CsvRowReader.Open(bytes, options, leaveOpen: true, cancellationToken);
        });
        return table;
    }

    /// <summary>
    /// Records each finished trial and writes the progress (at most twice a second, and on every new best), in order,
    /// off the sweep's thread.
    /// </summary>
    private sealed class Recorder(ExperimentStore experiments, string id, string node, double budgetSeconds, int? maxTrials, double spentSeconds) : IProgress<SweepEvent>
    {
        private readonly Lock _gate = new();
        private Task _pending = Task.CompletedTask;
        private long _lastWrite;

        public void Report(SweepEvent value)
        {
            if (value.Kind is not (SweepEventKind.TrialFinished or SweepEventKind.NewBest or SweepEventKind.Completed))
            {
                return;
            }

            var now = Environment.TickCount64;
            var writeProgress = value.Kind != SweepEventKind.TrialFinished || now - _lastWrite >= 500;
            var elapsed = spentSeconds + value.Elapsed.TotalSeconds;
            var json = SweepJob.ProgressJson(value, elapsed, budgetSeconds, maxTrials, ScenarioMetric.NdcgAt10);
            if (writeProgress)
            {
                _lastWrite = now;
            }

            var trial = value.Kind == SweepEventKind.TrialFinished ? value.Trial : null;
            lock (_gate)
            {
                _pending = _pending.ContinueWith(async _ =>
                {
                    if (trial is not null)
                    {
                        await experiments.RecordTrialAsync(id, trial, node);
                    }

                    if (writeProgress)
                    {
                        await experiments.UpdateProgressAsync(id, json, (long)(elapsed * 1000));
                    }
                }, TaskScheduler.Default).Unwrap();
            }
        }

        public Task FlushAsync()
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }
}
