using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Recommendation;

/// <summary>Options of <see cref="RecommendationAutoMl.Run(InteractionSet, RecommendationAutoMlOptions, IProgress{SweepEvent}, CancellationToken)"/>. Validated once; the run copies what it needs.</summary>
public sealed class RecommendationAutoMlOptions
{
    /// <summary>Wall-clock budget of the sweep and the refit, in seconds; null = no time limit (then set <see cref="MaximumTrials"/>). Default 60; valid range (0, 604800].</summary>
    public double? BudgetSeconds { get; set; } = 60;

    /// <summary>Stop after this many trials; null = until the budget ends or every tuner is exhausted. Valid range [1, 100000].</summary>
    public int? MaximumTrials { get; set; }

    /// <summary>The longest one trial may run, as a fraction of the budget; a trial past it is stopped and recorded as timed out. Default 0.5; valid range (0, 1].</summary>
    public double TrialTimeFraction { get; set; } = 0.5;

    /// <summary>The tuner proposing each candidate's trials after its defaults. Default <see cref="TunerKind.CostFrugal"/>.</summary>
    public TunerKind Tuner { get; set; } = TunerKind.CostFrugal;

    /// <summary>Share of each user's interactions held out for validation. Default 0.2; valid range (0, 1).</summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>
    /// With ratings: ratings at or above this are relevant, and implicit candidates learn from those rows only
    /// (matrix-factorization learns from every rating). Ignored without ratings (every interaction is relevant);
    /// null = every interaction even with ratings. Default 4.
    /// </summary>
    public float? RelevanceThreshold { get; set; } = 4;

    /// <summary>Latency constraint: a trial whose top-10 requests take longer than this (µs per user, on the validation users) is pruned and cannot win; null = none. Valid range (0, 1e9].</summary>
    public double? MaximumPredictMicrosecondsPerUser { get; set; }

    /// <summary>Paired bootstrap resamples of the validation users for the best-general vs best-specialised interval. Default 1000; valid range [100, 100000].</summary>
    public int BootstrapResamples { get; set; } = 1000;

    /// <summary>Threads per trial; results do not depend on it. Default 1; valid range [1, 1024].</summary>
    public int MaximumDegreeOfParallelism { get; set; } = 1;

    /// <summary>Seed of the validation split, the tuners, the trainers and the bootstrap. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>The user id column's name, for the report's pipeline and <see cref="FittedRecommender.Score"/>. Default <c>user</c>.</summary>
    public string UserColumn { get; set; } = "user";

    /// <summary>The item id column's name, for the report's pipeline and <see cref="FittedRecommender.Score"/>. Default <c>item</c>.</summary>
    public string ItemColumn { get; set; } = "item";

    /// <summary>
    /// Trials an earlier attempt of the same sweep recorded (a re-run after a crash). When the sweep reaches a recorded
    /// index it takes the record instead of running the trial, and its tuner learns from it exactly as before, so the
    /// later proposals are the same. The best replayed trial of each candidate is fitted once more at the end (same
    /// seed, same model) to take part in the winner's choice. Empty by default.
    /// </summary>
    public IReadOnlyList<TrialRecord> RecordedTrials { get; set; } = [];

    /// <summary>The clock of the budget and the trial caps. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (BudgetSeconds is { } b && !(b > 0 && b <= SweepOptions.MaximumBudgetSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(BudgetSeconds), b, "Must be in (0, 604800] seconds or null.");
        }

        if (MaximumTrials is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumTrials), MaximumTrials, "Must be in [1, 100000] or null.");
        }

        if (BudgetSeconds is null && MaximumTrials is null)
        {
            throw new ArgumentOutOfRangeException(nameof(BudgetSeconds), null, "Set a budget or a maximum trial count.");
        }

        if (!(TrialTimeFraction > 0 && TrialTimeFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TrialTimeFraction), TrialTimeFraction, "Must be in (0, 1].");
        }

        if (!Enum.IsDefined(Tuner))
        {
            throw new ArgumentOutOfRangeException(nameof(Tuner), Tuner, "Must be a defined tuner kind.");
        }

        if (!(ValidationFraction > 0 && ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "Must be in (0, 1).");
        }

        if (RelevanceThreshold is { } t && !float.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(RelevanceThreshold), t, "Must be a finite rating or null.");
        }

        if (MaximumPredictMicrosecondsPerUser is { } m && !(m > 0 && m <= 1e9))
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumPredictMicrosecondsPerUser), m, "Must be in (0, 1e9] µs or null.");
        }

        if (BootstrapResamples is < 100 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BootstrapResamples), BootstrapResamples, "Must be in [100, 100000].");
        }

        if (MaximumDegreeOfParallelism is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumDegreeOfParallelism), MaximumDegreeOfParallelism, "Must be in [1, 1024].");
        }

        ArgumentNullException.ThrowIfNull(Time, nameof(Time));
        ArgumentException.ThrowIfNullOrEmpty(UserColumn, nameof(UserColumn));
        ArgumentException.ThrowIfNullOrEmpty(ItemColumn, nameof(ItemColumn));
    }
}

/// <summary>
/// The outcome of <see cref="RecommendationAutoMl.Run(InteractionSet, RecommendationAutoMlOptions, IProgress{SweepEvent}, CancellationToken)"/>: the runner's <see cref="SweepResult"/> (trials, winner,
/// comparison; what <see cref="ReportJson"/> and <see cref="ReportHtml"/> write), the winner's recommender, and the
/// validation-fold recommender of each candidate's best trial (by trial index) for the test column of the leaderboard.
/// </summary>
public sealed record RecommendationAutoMlResult(
    SweepResult Sweep,
    Recommender Model,
    IReadOnlyDictionary<int, Recommender> CandidateModels,
    float? RelevanceThreshold);

/// <summary>
/// The AutoML scenario <c>recommendation</c> under a wall-clock budget, with the same report as the tabular scenarios.
/// General-purpose candidates (popularity, item-knn) and specialised factorisation candidates (implicit-als, and
/// matrix-factorization when the data has ratings) take turns, each starting from its defaults and then following its
/// own tuner (fed −NDCG@10 and the fit time). Every trial fits on the same per-user holdout of the training
/// interactions (latest when there are timestamps, else random) and is scored by NDCG@10 with seen items excluded; the
/// validation interactions are hashed for the report. A trial is stopped at its time cap, and the search stops early
/// enough to refit the best model on all training rows within the budget (or keeps the validation-fold model when
/// even that does not fit). The best general and best specialised candidates are compared by a paired bootstrap
/// over the validation users' NDCG@10; when the 95 % interval contains 0 the cheaper model (by predict time, then
/// size) wins, and the report says so.
/// </summary>
/// <remarks>
/// Ranking quality is a per-user quantity, so this loop computes the metric itself instead of the tabular
/// <see cref="SweepRunner"/>'s row-wise scoring, and hands the runner's report types a <see cref="SweepResult"/>
/// whose metric is <see cref="ScenarioMetric.NdcgAt10"/> over per-user values.
/// </remarks>
public static class RecommendationAutoMl
{
    /// <summary>The ranking cut-off.</summary>
    public const int K = 10;

    /// <summary>
    /// Runs the sweep. Synchronous (it is the number crunching); cancellation is checked between trials and inside
    /// every fit.
    /// </summary>
    /// <exception cref="SweepFailedException">No trial succeeded (the message carries the first error).</exception>
    public static RecommendationAutoMlResult Run(InteractionSet train, RecommendationAutoMlOptions options, IProgress<SweepEvent>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Run(train, options, RecommendationScenario.Candidates(train.HasRatings), progress, cancellationToken);
    }

    /// <summary>The sweep over <paramref name="candidates"/> instead of the scenario's own.</summary>
    internal static RecommendationAutoMlResult Run(InteractionSet train, RecommendationAutoMlOptions options,
        IReadOnlyList<RecommendationCandidate> candidates, IProgress<SweepEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(candidates);
        options.Validate();
        var time = options.Time;
        var started = time.GetTimestamp();
        var budget = options.BudgetSeconds;
        var seed = options.Seed;
        var threads = options.MaximumDegreeOfParallelism;

        var order = train.HasTimestamps ? HoldoutOrder.Latest : HoldoutOrder.Random;
        var (fitPart, validation) = InteractionSplitter.PerUserSplit(train, options.ValidationFraction, order, seed);
        var threshold = train.HasRatings ? options.RelevanceThreshold : null;
        var description = string.Create(CultureInfo.InvariantCulture,
            $"per-user {order.ToString().ToLowerInvariant()} {options.ValidationFraction:P0} holdout of the training interactions ({validation.Count} interactions held out; NDCG@{K} over the users with a relevant held-out item{(threshold is { } t ? $", rating ≥ {t:0.##}" : string.Empty)})");
        var hash = Hash(validation);

        var adapters = new RecommenderCandidate[candidates.Count];
        var tuners = new ITuner[candidates.Count];
        for (var c = 0; c < candidates.Count; c++)
        {
            adapters[c] = new RecommenderCandidate(candidates[c], threshold);
            tuners[c] = Tuners.Create(options.Tuner, candidates[c].SearchSpace, unchecked(seed + (31 * (c + 1))));
        }

        var trials = new List<TrialRecord>();
        var recorded = new Dictionary<int, TrialRecord>();
        foreach (var r in options.RecordedTrials)
        {
            recorded.TryAdd(r.Index, r);
        }

        var replayedCount = 0;
        // Each candidate's best trial; Model and PerUser are null for a replayed trial until it is fitted again below.
        var bestOf = new Dictionary<int, (TrialRecord Trial, Recommender? Model, double[]? PerUser, ParameterSet Parameters)>();
        TrialRecord? best = null;
        var exhausted = new bool[candidates.Count];
        var round = 0;
        var stop = false;
        while (!stop)
        {
            var proposedAny = false;
            for (var c = 0; c < candidates.Count && !stop; c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (exhausted[c])
                {
                    continue;
                }

                if (options.MaximumTrials is { } max && trials.Count >= max)
                {
                    stop = true;
                    break;
                }

                var elapsed = time.GetElapsedTime(started).TotalSeconds;
                double cap = double.PositiveInfinity;
                if (budget is { } total)
                {
                    // Keep room to refit the best model so far on all rows: its fold fit time, scaled to the full data.
                    var reserve = best is null ? 0 : RefitEstimate(best.FitSeconds, fitPart.Count, train.Count);
                    cap = Math.Min(total * options.TrialTimeFraction, total - elapsed - reserve);
                    if (cap <= Math.Min(0.05 * total, 0.5))
                    {
                        stop = true;
                        break;
                    }
                }

                var candidate = candidates[c];
                var point = round == 0 ? candidate.SearchSpace.DefaultPoint() : tuners[c].Propose();
                if (point is null)
                {
                    exhausted[c] = true;
                    continue;
                }

                proposedAny = true;
                var index = trials.Count;
                if (recorded.TryGetValue(index, out var replay) && string.Equals(replay.Candidate, candidate.Name, StringComparison.Ordinal))
                {
                    // Same seed, same observations so far: the tuner proposed this trial before; learn from its record.
                    trials.Add(replay);
                    replayedCount++;
                    var replayedParameters = candidate.SearchSpace.ToParameters(replay.Point);
                    tuners[c].Update(new TunerObservation(replay.Point, replay.Status == TrialStatus.Succeeded ? -replay.ValidationScore : double.PositiveInfinity,
                        Math.Max(1e-6, replay.FitSeconds), replay.Status == TrialStatus.Succeeded));
                    if (replay.Status == TrialStatus.Succeeded)
                    {
                        if (!bestOf.TryGetValue(c, out var earlier) || replay.ValidationScore > earlier.Trial.ValidationScore)
                        {
                            bestOf[c] = (replay, null, null, replayedParameters);
                        }

                        if (best is null || replay.ValidationScore > best.ValidationScore)
                        {
                            best = replay;
                        }
                    }

                    continue;
                }

                var parameters = candidate.SearchSpace.ToParameters(point);
                progress?.Report(new SweepEvent(SweepEventKind.TrialStarted, index, candidate.Name, null, best, trials.Count, time.GetElapsedTime(started), Remaining(budget, time, started)));
                var (record, model, perUser) = RunTrial(candidate, index, point, parameters, fitPart, validation, threshold, seed, threads, cap, time, started, cancellationToken);
                if (model is not null && options.MaximumPredictMicrosecondsPerUser is { } slowest && record.PredictMicrosecondsPerRow > slowest)
                {
                    record = record with
                    {
                        Status = TrialStatus.Pruned,
                        Error = string.Create(CultureInfo.InvariantCulture, $"predicts in {record.PredictMicrosecondsPerRow:0.##} µs per user, over the {slowest:0.##} µs limit"),
                    };
                    (model, perUser) = (null, null);
                }

                trials.Add(record);
                tuners[c].Update(new TunerObservation(point, record.Status == TrialStatus.Succeeded ? -record.ValidationScore : double.PositiveInfinity,
                    Math.Max(1e-6, record.FitSeconds), record.Status == TrialStatus.Succeeded));
                var isBest = false;
                if (model is not null && perUser is not null)
                {
                    if (!bestOf.TryGetValue(c, out var previous) || record.ValidationScore > previous.Trial.ValidationScore)
                    {
                        bestOf[c] = (record, model, perUser, parameters);
                    }

                    if (best is null || record.ValidationScore > best.ValidationScore)
                    {
                        best = record;
                        isBest = true;
                    }
                }

                progress?.Report(new SweepEvent(SweepEventKind.TrialFinished, index, candidate.Name, record, best, trials.Count, time.GetElapsedTime(started), Remaining(budget, time, started)));
                if (isBest)
                {
                    progress?.Report(new SweepEvent(SweepEventKind.NewBest, index, candidate.Name, record, best, trials.Count, time.GetElapsedTime(started), Remaining(budget, time, started)));
                }
            }

            round++;
            stop |= !proposedAny && exhausted.All(e => e);
        }

        if (best is null)
        {
            var first = trials.FirstOrDefault(t => t.Error is not null)?.Error ?? "the budget ended before the first trial";
            throw new SweepFailedException($"Every recommendation trial failed or was stopped; first error: {first}");
        }

        // Replayed bests have no model in this process: fit them again on the same rows (deterministic under the seed).
        foreach (var c in bestOf.Keys.Order().ToList())
        {
            var slot = bestOf[c];
            if (slot.Model is null)
            {
                var trainer = candidates[c].CreateTrainer(slot.Parameters, seed, threads);
                var model = ImplicitFeedback.Fit(trainer, fitPart, threshold, cancellationToken);
                RecommendationEvaluator.EvaluateRankingPerUser(model, validation, out var perUser, K, threshold);
                bestOf[c] = (slot.Trial, model, perUser, slot.Parameters);
            }
        }

        var fitted = bestOf.ToDictionary(p => p.Key, p => (p.Value.Trial, Model: p.Value.Model!, PerUser: p.Value.PerUser!, p.Value.Parameters));
        // The bootstrap stops drawing once the budget has passed (checked once per resample).
        Func<bool>? pastBudget = budget is { } limit ? () => time.GetElapsedTime(started).TotalSeconds >= limit : null;
        var (winner, reason, comparison) = ChooseWinner(fitted, options, pastBudget);
        var winnerSlot = fitted.First(p => p.Value.Trial.Index == winner.Index);
        var winnerCandidate = candidates[winnerSlot.Key];
        progress?.Report(new SweepEvent(SweepEventKind.Refitting, winner.Index, winner.Candidate, winner, best, trials.Count, time.GetElapsedTime(started), Remaining(budget, time, started)));
        var (final, refitted) = Refit(winnerCandidate, winnerSlot.Value, train, threshold, seed, threads, budget, time, started, cancellationToken);

        var perUserWinner = winnerSlot.Value.PerUser;
        var labels = new List<float>();
        var winnerScores = new List<float>();
        var heldOut = new int[validation.Users.Count];
        foreach (var u in validation.UserIndices)
        {
            heldOut[u]++;
        }

        for (var u = 0; u < perUserWinner.Length; u++)
        {
            if (!double.IsNaN(perUserWinner[u]))
            {
                labels.Add(heldOut[u]);
                winnerScores.Add((float)perUserWinner[u]);
            }
        }

        var candidateModels = new Dictionary<int, IFittedCandidate>();
        var recommenders = new Dictionary<int, Recommender>();
        foreach (var (_, slot) in fitted)
        {
            candidateModels[slot.Trial.Index] = new FittedRecommender(slot.Model, options.UserColumn, options.ItemColumn);
            recommenders[slot.Trial.Index] = slot.Model;
        }

        var details = new List<KeyValuePair<string, string>>
        {
            new("trainedOn", string.Create(CultureInfo.InvariantCulture, $"{TrainingRows(winnerCandidate.CreateTrainer(winnerSlot.Value.Parameters, seed, 1), train, threshold).Count} interactions")),
            new("users", final.Users.Count.ToString(CultureInfo.InvariantCulture)),
            new("items", final.Items.Count.ToString(CultureInfo.InvariantCulture)),
            new("ratingPrediction", final.SupportsRatingPrediction ? "yes" : "no"),
        };
        if (replayedCount > 0)
        {
            details.Add(new("replayedTrials", replayedCount.ToString(CultureInfo.InvariantCulture)));
        }

        var result = new SweepResult(
            TaskKind.Regression,
            ScenarioMetric.NdcgAt10,
            [],
            trials,
            winner,
            reason,
            adapters[winnerSlot.Key],
            winnerSlot.Value.Parameters,
            new FittedRecommender(final, options.UserColumn, options.ItemColumn),
            refitted,
            description,
            hash,
            1,
            [.. labels],
            [.. winnerScores],
            comparison,
            time.GetElapsedTime(started),
            details,
            $"interactions({options.UserColumn} × {options.ItemColumn}) + {final.Kind}",
            candidateModels,
            RecommendationScenario.Name)
        {
            TaskName = RecommendationScenario.Name,
        };
        progress?.Report(new SweepEvent(SweepEventKind.Completed, -1, null, null, best, trials.Count, time.GetElapsedTime(started), Remaining(budget, time, started)));
        return new RecommendationAutoMlResult(result, final, recommenders, threshold);
    }

    /// <summary>
    /// The comparison report: the leaderboard (best trial per candidate, both kinds; with <paramref name="test"/>,
    /// each row's NDCG@10 on it from its validation-fold model, the winner's from the refitted model) and, with a
    /// test set, every ranking metric of the winner on it (+ RMSE and MAE when it predicts ratings and the test set
    /// has them). <paramref name="test"/> must share the training set's id indices (read both with one
    /// <see cref="InteractionSet.ReadCsv(IReadOnlyList{string}, InteractionColumns, CancellationToken)"/> call). Predict cost on the test set is µs per user top-10 request.
    /// </summary>
    public static SweepReport BuildReport(RecommendationAutoMlResult result, InteractionSet? test = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var sweep = result.Sweep;
        var best = new Dictionary<string, TrialRecord>(StringComparer.Ordinal);
        foreach (var t in sweep.Trials)
        {
            if (t.Status == TrialStatus.Succeeded && (!best.TryGetValue(t.Candidate, out var b) || t.ValidationScore > b.ValidationScore))
            {
                best[t.Candidate] = t;
            }
        }

        best[sweep.Winner.Candidate] = sweep.Winner;
        var ordered = best.Values.OrderByDescending(t => t.ValidationScore).ThenBy(t => t.Index).ToArray();
        var testMetrics = new List<KeyValuePair<string, double>>();
        var microseconds = double.NaN;
        if (test is not null)
        {
            var watch = Stopwatch.StartNew();
            var ranking = RecommendationEvaluator.EvaluateRanking(result.Model, test, K, result.RelevanceThreshold);
            microseconds = watch.Elapsed.TotalMicroseconds / Math.Max(1, ranking.UsersEvaluated);
            testMetrics.Add(new("precisionAt10", ranking.PrecisionAtK));
            testMetrics.Add(new("recallAt10", ranking.RecallAtK));
            testMetrics.Add(new("ndcgAt10", ranking.NdcgAtK));
            testMetrics.Add(new("mapAt10", ranking.MapAtK));
            testMetrics.Add(new("hitRateAt10", ranking.HitRateAtK));
            testMetrics.Add(new("coverage", ranking.Coverage));
            testMetrics.Add(new("evaluatedUsers", ranking.UsersEvaluated));
            testMetrics.Add(new("coldUsers", ranking.ColdUsersEvaluated));
            if (test.HasRatings && result.Model.SupportsRatingPrediction)
            {
                var ratings = RecommendationEvaluator.EvaluateRatings(result.Model, test);
                testMetrics.Add(new("rmse", ratings.Rmse));
                testMetrics.Add(new("mae", ratings.Mae));
            }
        }

        var rows = new LeaderboardRow[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            var trial = ordered[i];
            var isWinner = trial.Index == sweep.Winner.Index;
            var testScore = double.NaN;
            if (test is not null)
            {
                var model = isWinner ? result.Model : result.CandidateModels.GetValueOrDefault(trial.Index);
                testScore = model is null ? double.NaN
                    : isWinner ? testMetrics[2].Value
                    : RecommendationEvaluator.EvaluateRanking(model, test, K, result.RelevanceThreshold).NdcgAtK;
            }

            rows[i] = new LeaderboardRow(i + 1, trial, testScore, isWinner);
        }

        return SweepReport.FromParts(sweep, rows, testMetrics, microseconds);
    }

    /// <summary>The rows a trainer learns from: every rating for matrix-factorization, the relevant rows for the implicit trainers.</summary>
    internal static InteractionSet TrainingRows(IRecommenderTrainer trainer, InteractionSet data, float? threshold) =>
        ImplicitFeedback.TrainingRows(trainer, data, threshold);

    private static (TrialRecord Record, Recommender? Model, double[]? PerUser) RunTrial(RecommendationCandidate candidate, int index, double[] point,
        ParameterSet parameters, InteractionSet fitPart, InteractionSet validation, float? threshold, int seed, int threads, double capSeconds,
        TimeProvider time, long started, CancellationToken cancellationToken)
    {
        var record = new TrialRecord
        {
            Index = index,
            Candidate = candidate.Name,
            Kind = candidate.Kind,
            Trainer = candidate.Name,
            Point = point,
            Parameters = [.. parameters.AsStrings()],
            Status = TrialStatus.Succeeded,
        };
        using var cap = double.IsFinite(capSeconds)
            ? new CancellationTokenSource(TimeSpan.FromSeconds(capSeconds), time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cap.Token);
        var watch = Stopwatch.StartNew();
        // Trials run one at a time here, so the process clock is the trial's own when it uses several threads.
        var cpu = new FitCpuClock(threads, parallelTrials: 1);
        try
        {
            var trainer = candidate.CreateTrainer(parameters, seed, threads);
            cpu.Start();
            var model = ImplicitFeedback.Fit(trainer, fitPart, threshold, linked.Token);
            cpu.Stop();
            var fitSeconds = watch.Elapsed.TotalSeconds;
            var scoring = Stopwatch.StartNew();
            var metrics = RecommendationEvaluator.EvaluateRankingPerUser(model, validation, out var perUser, K, threshold);
            var microseconds = scoring.Elapsed.TotalMicroseconds / Math.Max(1, metrics.UsersEvaluated);
            if (metrics.UsersEvaluated == 0)
            {
                throw new InvalidOperationException("No validation user has a relevant held-out item: there is nothing to rank against.");
            }

            var bytes = new CountingStream();
            model.Save(bytes);
            return (record with
            {
                ValidationScore = metrics.NdcgAtK,
                FitSeconds = fitSeconds,
                FitCpuSeconds = cpu.Seconds,
                PredictMicrosecondsPerRow = microseconds,
                ModelBytes = bytes.Length,
                FinishedAtSeconds = time.GetElapsedTime(started).TotalSeconds,
            }, model, perUser);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (record with
            {
                Status = TrialStatus.TimedOut,
                Error = string.Create(CultureInfo.InvariantCulture, $"stopped at its time cap of {capSeconds:0.##} s"),
                FitSeconds = watch.Elapsed.TotalSeconds,
                FinishedAtSeconds = time.GetElapsedTime(started).TotalSeconds,
            }, null, null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or ArithmeticException or OutOfMemoryException)
        {
            return (record with
            {
                Status = TrialStatus.Failed,
                Error = e.Message,
                FitSeconds = watch.Elapsed.TotalSeconds,
                FinishedAtSeconds = time.GetElapsedTime(started).TotalSeconds,
            }, null, null);
        }
    }

    private static (Recommender Model, bool Refitted) Refit(RecommendationCandidate candidate,
        (TrialRecord Trial, Recommender Model, double[] PerUser, ParameterSet Parameters) winner, InteractionSet train, float? threshold,
        int seed, int threads, double? budget, TimeProvider time, long started, CancellationToken cancellationToken)
    {
        var left = budget is { } total ? total - time.GetElapsedTime(started).TotalSeconds : double.PositiveInfinity;
        if (left <= 0)
        {
            return (Unrefitted(winner.Model, train), false);
        }

        using var cap = double.IsFinite(left) ? new CancellationTokenSource(TimeSpan.FromSeconds(left), time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cap.Token);
        try
        {
            var trainer = candidate.CreateTrainer(winner.Parameters, seed, threads);
            return (ImplicitFeedback.Fit(trainer, train, threshold, linked.Token), true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (Unrefitted(winner.Model, train), false);
        }
    }

    /// <summary>
    /// The validation-fold model, kept when the refit does not fit the budget. It never saw the held-out rows, but
    /// they are the users' interactions all the same: without excluding them it would recommend back items a user
    /// already has (the served model's top-N did, up to 9 of 10 for a heavy MovieLens user).
    /// </summary>
    private static Recommender Unrefitted(Recommender model, InteractionSet train)
    {
        model.ExcludeAlso(train);
        return model;
    }

    private static (TrialRecord Winner, string Reason, KindComparison? Comparison) ChooseWinner(
        Dictionary<int, (TrialRecord Trial, Recommender Model, double[] PerUser, ParameterSet Parameters)> bestOf, RecommendationAutoMlOptions options,
        Func<bool>? pastBudget)
    {
        (TrialRecord Trial, double[] PerUser)? best = null, general = null, specialised = null;
        foreach (var (_, slot) in bestOf.OrderBy(p => p.Value.Trial.Index))
        {
            var t = slot.Trial;
            if (best is null || t.ValidationScore > best.Value.Trial.ValidationScore)
            {
                best = (t, slot.PerUser);
            }

            if (t.Kind == CandidateKind.General && (general is null || t.ValidationScore > general.Value.Trial.ValidationScore))
            {
                general = (t, slot.PerUser);
            }

            if (t.Kind == CandidateKind.Specialised && (specialised is null || t.ValidationScore > specialised.Value.Trial.ValidationScore))
            {
                specialised = (t, slot.PerUser);
            }
        }

        var winner = best!.Value.Trial;
        var reason = string.Create(CultureInfo.InvariantCulture, $"best validation ndcgAt10 ({ReportHtml.Score(winner.ValidationScore)})");
        if (general is null || specialised is null)
        {
            return (winner, reason, null);
        }

        var g = general.Value.Trial;
        var s = specialised.Value.Trial;
        var (lower, upper, drawn) = Bootstrap(general.Value.PerUser, specialised.Value.PerUser, options.BootstrapResamples, options.Seed, pastBudget);
        var withinNoise = !double.IsNaN(lower) && lower <= 0 && upper >= 0;
        var difference = s.ValidationScore - g.ValidationScore;
        var cut = drawn < options.BootstrapResamples
            ? string.Create(CultureInfo.InvariantCulture, $"{drawn} of {options.BootstrapResamples} bootstrap resamples before the sweep's deadline")
            : null;
        var comparison = new KindComparison(g, s, difference, lower, upper, drawn, withinNoise,
            TradeOffSentence(g, s, difference, withinNoise, lower, upper, cut))
        {
            PlannedResamples = options.BootstrapResamples,
        };
        var (chosen, why) = SweepFinisher.BreakTie(winner, reason, comparison, "ndcgAt10", "user", uniformTrialCost: false);
        return (chosen, why, comparison);
    }

    /// <summary>
    /// The 2.5 % and 97.5 % quantiles of mean(specialised − general) NDCG@10 over users resampled with replacement
    /// (paired: both models' values of the same user move together); users evaluated by only one model are left out.
    /// </summary>
    internal static (double Lower, double Upper) Bootstrap(double[] general, double[] specialised, int resamples, int seed)
    {
        var (lower, upper, _) = Bootstrap(general, specialised, resamples, seed, null);
        return (lower, upper);
    }

    /// <summary>
    /// As <see cref="Bootstrap(double[], double[], int, int)"/>, stopping before a resample once <paramref name="pastDeadline"/>
    /// says so: the resamples drawn are a prefix of the planned ones, so an interval computed in time is the same
    /// whatever the clock; fewer than <see cref="SweepFinisher.MinimumBootstrapResamples"/> give none (NaN bounds).
    /// </summary>
    internal static (double Lower, double Upper, int Drawn) Bootstrap(double[] general, double[] specialised, int resamples, int seed, Func<bool>? pastDeadline)
    {
        var paired = new List<double>(general.Length);
        for (var u = 0; u < Math.Min(general.Length, specialised.Length); u++)
        {
            if (!double.IsNaN(general[u]) && !double.IsNaN(specialised[u]))
            {
                paired.Add(specialised[u] - general[u]);
            }
        }

        var n = paired.Count;
        if (n < 2)
        {
            return (double.NaN, double.NaN, resamples);
        }

        var random = new Random(seed ^ 0x5EC7);
        var means = new double[resamples];
        var drawn = 0;
        for (var r = 0; r < resamples; r++, drawn++)
        {
            if (pastDeadline?.Invoke() == true)
            {
                break;
            }

            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += paired[random.Next(n)];
            }

            means[r] = sum / n;
        }

        if (drawn < SweepFinisher.MinimumBootstrapResamples)
        {
            return (double.NaN, double.NaN, drawn);
        }

        Array.Sort(means, 0, drawn);
        return (means[(int)(0.025 * (drawn - 1))], means[(int)Math.Ceiling(0.975 * (drawn - 1))], drawn);
    }

    /// <summary>The trade-off in one sentence, in the tabular report's wording, predict cost per user request.</summary>
    internal static string TradeOffSentence(TrialRecord general, TrialRecord specialised, double difference, bool withinNoise, double lower, double upper, string? cut = null)
    {
        var verdict = specialised.ValidationScore == general.ValidationScore ? "equal" : specialised.ValidationScore > general.ValidationScore ? "better" : "worse";
        var noise = double.IsNaN(lower)
            ? cut is not null ? $"no bootstrap interval (only {cut}, fewer than {SweepFinisher.MinimumBootstrapResamples})"
                : "no bootstrap interval (fewer than 2 users evaluated by both)"
            : string.Create(CultureInfo.InvariantCulture,
                $"{(withinNoise ? "within" : "outside")} noise (95% CI [{SweepFinisher.FormatDifference(lower)}, {SweepFinisher.FormatDifference(upper)}] over validation users{(cut is null ? "" : $", from {cut}")})");
        return string.Create(CultureInfo.InvariantCulture,
            $"Specialised {specialised.Candidate} is {SweepFinisher.FormatDifference(difference)} ndcgAt10 vs general {general.Candidate} ({verdict}, {noise}) {SweepFinisher.CostClause(specialised, general, "µs per user top-10")}.");
    }

    /// <summary>The refit's expected time: the fold fit scaled by the row ratio, with 25 % slack.</summary>
    private static double RefitEstimate(double foldSeconds, int foldRows, int allRows) =>
        1.25 * foldSeconds * allRows / Math.Max(1, foldRows);

    private static TimeSpan? Remaining(double? budget, TimeProvider time, long started) =>
        budget is { } b ? TimeSpan.FromSeconds(Math.Max(0, b - time.GetElapsedTime(started).TotalSeconds)) : null;

    /// <summary>SHA-256 (first 16 bytes, hex) of the validation interactions as (user id, item id) in row order.</summary>
    private static string Hash(InteractionSet validation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var users = validation.UserIndices;
        var items = validation.ItemIndices;
        for (var i = 0; i < users.Length; i++)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(validation.Users[users[i]]));
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(validation.Items[items[i]]));
            hash.AppendData([(byte)'\n']);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16));
    }
}
