using System.Diagnostics;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Recommendation;

/// <summary>One recommendation candidate: a trainer family with its search space.</summary>
public sealed class RecommendationCandidate
{
    private readonly Func<ParameterSet, int, int, IRecommenderTrainer> _create;

    internal RecommendationCandidate(string name, CandidateKind kind, SearchSpace searchSpace, Func<ParameterSet, int, int, IRecommenderTrainer> create)
    {
        Name = name;
        Kind = kind;
        SearchSpace = searchSpace;
        _create = create;
    }

    /// <summary>The trainer name, for example <c>implicit-als</c>.</summary>
    public string Name { get; }

    /// <summary>General-purpose (popularity, item-knn) or specialised (factorisation).</summary>
    public CandidateKind Kind { get; }

    /// <summary>The hyperparameters the tuner explores; the defaults are the first trial.</summary>
    public SearchSpace SearchSpace { get; }

    /// <summary>The trainer for <paramref name="parameters"/>, seeded and with a thread budget.</summary>
    public IRecommenderTrainer CreateTrainer(ParameterSet parameters, int seed, int threads) => _create(parameters, seed, threads);
}

/// <summary>Options of <see cref="RecommendationScenario.Run(InteractionSet, RecommendationSweepOptions, CancellationToken)"/>.</summary>
public sealed class RecommendationSweepOptions
{
    /// <summary>Trials per candidate (the first uses the candidate's defaults). Default 6; valid range [1, 1000].</summary>
    public int TrialsPerCandidate { get; set; } = 6;

    /// <summary>The tuner proposing the later trials. Default <see cref="TunerKind.Random"/>.</summary>
    public TunerKind Tuner { get; set; } = TunerKind.Random;

    /// <summary>Share of each user's interactions held out for validation. Default 0.2; valid range (0, 1).</summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>Ratings at or above this are relevant (and implicit candidates learn from them); null = every interaction. Default null.</summary>
    public float? RelevanceThreshold { get; set; }

    /// <summary>Threads per trial; results do not depend on it. Default 1; valid range [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = 1;

    /// <summary>Seed of the split, the tuners and the trainers. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (TrialsPerCandidate is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(TrialsPerCandidate), TrialsPerCandidate, "Must be in [1, 1000].");
        }

        if (!Enum.IsDefined(Tuner))
        {
            throw new ArgumentOutOfRangeException(nameof(Tuner), Tuner, "Must be a defined tuner kind.");
        }

        if (!(ValidationFraction > 0 && ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "Must be in (0, 1).");
        }

        if (MaxDegreeOfParallelism is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be in [1, 1024].");
        }
    }
}

/// <summary>One trial of a recommendation sweep; <see cref="Error"/> is set (and metrics null) when the fit failed.</summary>
public sealed record RecommendationTrial(string Candidate, CandidateKind Kind, ParameterSet Parameters, RankingMetrics? Metrics, double FitSeconds, string? Error);

/// <summary>The outcome of a recommendation sweep: every trial, the winner by NDCG@10, and the winner refitted on all training rows.</summary>
public sealed record RecommendationSweepResult(IReadOnlyList<RecommendationTrial> Trials, RecommendationTrial Best, Recommender Model, string Validation);

/// <summary>
/// The <c>recommendation</c> scenario: general-purpose candidates (popularity, item-knn) and specialised factorisation
/// candidates (matrix-factorization when ratings exist, implicit-als) are tuned on a per-user holdout of the training
/// interactions (latest when timestamps exist, else random) and compared on NDCG@10 with seen items excluded; the
/// winner is refitted on every training row. Each candidate's first trial is its defaults, the rest come from the
/// chosen tuner; a failed trial is recorded and the sweep goes on.
/// </summary>
/// <remarks>
/// This runs its own loop rather than the tabular <c>SweepRunner</c>: that runner scores labelled rows one at a time
/// with a row-wise <see cref="ScenarioMetric"/>, which cannot express a per-user ranking metric or a per-user holdout.
/// </remarks>
public static class RecommendationScenario
{
    /// <summary>The scenario's name.</summary>
    public const string Name = "recommendation";

    /// <summary>The primary metric's name in reports (NDCG at 10).</summary>
    public const string PrimaryMetric = "ndcgAt10";

    /// <summary>The candidates; matrix-factorization only when the data has ratings.</summary>
    public static IReadOnlyList<RecommendationCandidate> Candidates(bool hasRatings)
    {
        var list = new List<RecommendationCandidate>
        {
            new(PopularityTrainer.TrainerName, CandidateKind.General,
                new SearchSpace(SearchParameter.Choice("decay", ["none", "365", "90"], "none")),
                (p, _, _) => new PopularityTrainer(p.GetChoice("decay") == "none" ? 0 : double.Parse(p.GetChoice("decay"), System.Globalization.CultureInfo.InvariantCulture))),
            new(ItemKnnTrainer.TrainerName, CandidateKind.General,
                new SearchSpace(
                    SearchParameter.Int("neighbors", 10, 400, ItemKnnTrainer.Defaults.NumberOfNeighbors, SearchScale.Log),
                    SearchParameter.Choice("similarity", ["cosine", "bm25"], "cosine"),
                    SearchParameter.Float("shrinkage", 0, 100, 0)),
                (p, _, threads) => new ItemKnnTrainer(new ItemKnnOptions
                {
                    NumberOfNeighbors = p.GetInt("neighbors"),
                    Similarity = p.GetChoice("similarity") == "bm25" ? ItemSimilarity.Bm25 : ItemSimilarity.Cosine,
                    Shrinkage = p.GetDouble("shrinkage"),
                    MaxDegreeOfParallelism = threads,
                })),
            new(ImplicitAlsTrainer.TrainerName, CandidateKind.Specialised,
                new SearchSpace(
                    SearchParameter.Int("factors", 16, 192, ImplicitAlsTrainer.Defaults.NumberOfFactors, SearchScale.Log),
                    SearchParameter.Float("alpha", 0.25, 40, ImplicitAlsTrainer.Defaults.Alpha, SearchScale.Log),
                    SearchParameter.Float("l2", 0.5, 100, ImplicitAlsTrainer.Defaults.L2Regularization, SearchScale.Log)),
                (p, seed, threads) => new ImplicitAlsTrainer(new ImplicitAlsOptions
                {
                    NumberOfFactors = p.GetInt("factors"),
                    Alpha = p.GetDouble("alpha"),
                    L2Regularization = p.GetDouble("l2"),
                    MaxDegreeOfParallelism = threads,
                    Seed = seed,
                })),
        };
        if (hasRatings)
        {
            list.Add(new(MatrixFactorizationTrainer.TrainerName, CandidateKind.Specialised,
                new SearchSpace(
                    SearchParameter.Int("factors", 16, 256, 64, SearchScale.Log),
                    SearchParameter.Int("epochs", 10, 100, 30, SearchScale.Log),
                    SearchParameter.Float("l2Factors", 0.01, 0.3, MatrixFactorizationTrainer.Defaults.L2RegularizationFactors, SearchScale.Log)),
                (p, seed, _) => new MatrixFactorizationTrainer(new MatrixFactorizationOptions
                {
                    NumberOfFactors = p.GetInt("factors"),
                    NumberOfEpochs = p.GetInt("epochs"),
                    L2RegularizationFactors = p.GetDouble("l2Factors"),
                    Seed = seed,
                })));
        }

        return list;
    }

    /// <summary>Runs the sweep on <paramref name="train"/>. Cancellation is checked between trials and inside every fit.</summary>
    /// <exception cref="InvalidOperationException">Every trial failed (the message carries the first error).</exception>
    public static RecommendationSweepResult Run(InteractionSet train, RecommendationSweepOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Run(train, options, Candidates(train.HasRatings), cancellationToken);
    }

    /// <summary>The sweep over <paramref name="candidates"/> instead of the scenario's own.</summary>
    internal static RecommendationSweepResult Run(InteractionSet train, RecommendationSweepOptions options,
        IReadOnlyList<RecommendationCandidate> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(candidates);
        options.Validate();
        var order = train.HasTimestamps ? HoldoutOrder.Latest : HoldoutOrder.Random;
        var (fitPart, validation) = InteractionSplitter.PerUserSplit(train, options.ValidationFraction, order, options.Seed);
        var description = $"per-user {order.ToString().ToLowerInvariant()} {options.ValidationFraction:P0} holdout of the training interactions";
        var threshold = train.HasRatings ? options.RelevanceThreshold : null;

        var trials = new List<RecommendationTrial>();
        RecommendationTrial? best = null;
        RecommendationCandidate? bestCandidate = null;
        for (var c = 0; c < candidates.Count; c++)
        {
            var candidate = candidates[c];
            var tuner = Tuners.Create(options.Tuner, candidate.SearchSpace, options.Seed + c);
            for (var t = 0; t < options.TrialsPerCandidate; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var point = t == 0 ? candidate.SearchSpace.DefaultPoint() : tuner.Propose();
                if (point is null)
                {
                    break;
                }

                var parameters = candidate.SearchSpace.ToParameters(point);
                var stopwatch = Stopwatch.StartNew();
                RecommendationTrial trial;
                try
                {
                    var trainer = candidate.CreateTrainer(parameters, options.Seed, options.MaxDegreeOfParallelism);
                    var model = ImplicitFeedback.Fit(trainer, fitPart, threshold, cancellationToken);
                    var seconds = stopwatch.Elapsed.TotalSeconds;
                    var metrics = RecommendationEvaluator.EvaluateRanking(model, validation, 10, threshold);
                    trial = new RecommendationTrial(candidate.Name, candidate.Kind, parameters, metrics, seconds, null);
                    tuner.Update(new TunerObservation(point, -metrics.NdcgAtK, seconds, true));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
                {
                    trial = new RecommendationTrial(candidate.Name, candidate.Kind, parameters, null, stopwatch.Elapsed.TotalSeconds, ex.Message);
                    tuner.Update(new TunerObservation(point, double.PositiveInfinity, stopwatch.Elapsed.TotalSeconds, false));
                }

                trials.Add(trial);
                if (trial.Metrics is not null && (best is null || trial.Metrics.NdcgAtK > best.Metrics!.NdcgAtK))
                {
                    best = trial;
                    bestCandidate = candidate;
                }
            }
        }

        if (best is null || bestCandidate is null)
        {
            throw new InvalidOperationException($"Every recommendation trial failed; first error: {trials[0].Error}");
        }

        var winner = bestCandidate.CreateTrainer(best.Parameters, options.Seed, options.MaxDegreeOfParallelism);
        return new RecommendationSweepResult(trials, best, ImplicitFeedback.Fit(winner, train, threshold, cancellationToken), description);
    }
}
