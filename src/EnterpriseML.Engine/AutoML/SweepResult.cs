using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>What a sweep asks: labelled training rows and a scenario's plan for them.</summary>
public sealed class SweepRequest
{
    public SweepRequest(CandidateData train, ScenarioPlan plan, string scenario = "")
    {
        ArgumentNullException.ThrowIfNull(scenario);
        Scenario = scenario;
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(plan);
        if (train.Task != plan.Task)
        {
            throw new ArgumentException($"The data is encoded for {train.Task} but the plan is for {plan.Task}.", nameof(plan));
        }

        Train = train;
        Plan = plan;
    }

    public CandidateData Train { get; }

    public ScenarioPlan Plan { get; }

    /// <summary>The scenario's name, for the report.</summary>
    public string Scenario { get; }
}

/// <summary>The best general vs best specialised comparison on the sweep's validation rows.</summary>
/// <param name="BestGeneral">The best general-purpose trial.</param>
/// <param name="BestSpecialised">The best task-specialised trial.</param>
/// <param name="Difference">Specialised minus general, in metric units (positive = larger metric).</param>
/// <param name="Lower">The 2.5 % bootstrap quantile of the difference (NaN when not computed).</param>
/// <param name="Upper">The 97.5 % bootstrap quantile of the difference (NaN when not computed).</param>
/// <param name="Resamples">Bootstrap resamples of the validation rows drawn (fewer than <see cref="PlannedResamples"/> when the sweep's deadline stopped the bootstrap).</param>
/// <param name="WithinNoise">True when the interval contains 0: the two are tied.</param>
/// <param name="Sentence">The trade-off in one sentence, computed from these numbers.</param>
public sealed record KindComparison(
    TrialRecord BestGeneral,
    TrialRecord BestSpecialised,
    double Difference,
    double Lower,
    double Upper,
    int Resamples,
    bool WithinNoise,
    string Sentence)
{
    /// <summary>Bootstrap resamples planned; equal to <see cref="Resamples"/> unless the sweep's deadline stopped the bootstrap.</summary>
    public int PlannedResamples { get; init; } = Resamples;
}

/// <summary>
/// A finalist's score on the selection re-evaluation: the mean over its repeats, and the spread over all their folds.
/// </summary>
public sealed record SelectionScore(double Score, double Spread);

/// <summary>The outcome of a sweep.</summary>
public sealed class SweepResult
{
    internal SweepResult(
        TaskKind task,
        ScenarioMetric metric,
        IReadOnlyList<string> classNames,
        IReadOnlyList<TrialRecord> trials,
        TrialRecord winner,
        string winnerReason,
        ICandidate winnerCandidate,
        ParameterSet winnerParameters,
        IFittedCandidate model,
        bool refittedOnAllData,
        string validationDescription,
        string validationHash,
        int validationFolds,
        float[] validationLabels,
        float[]? winnerValidationScores,
        KindComparison? comparison,
        TimeSpan elapsed,
        IReadOnlyList<KeyValuePair<string, string>> winnerDetails,
        string? winnerPipeline,
        IReadOnlyDictionary<int, IFittedCandidate> candidateModels,
        string scenario)
    {
        CandidateModels = candidateModels;
        Scenario = scenario;
        Task = task;
        Metric = metric;
        ClassNames = classNames;
        Trials = trials;
        Winner = winner;
        WinnerReason = winnerReason;
        WinnerCandidate = winnerCandidate;
        WinnerParameters = winnerParameters;
        Model = model;
        RefittedOnAllData = refittedOnAllData;
        ValidationDescription = validationDescription;
        ValidationHash = validationHash;
        ValidationFolds = validationFolds;
        ValidationLabels = validationLabels;
        WinnerValidationScores = winnerValidationScores;
        Comparison = comparison;
        Elapsed = elapsed;
        WinnerDetails = winnerDetails;
        WinnerPipeline = winnerPipeline;
    }

    /// <summary>The most search trials the sweep was allowed (<see cref="SweepOptions.MaximumTrials"/>); null for no limit.</summary>
    public int? MaximumTrials { get; internal init; }

    /// <summary>The scenario name (as given in the request's plan, or empty).</summary>
    public string Scenario { get; }

    public TaskKind Task { get; }

    /// <summary>
    /// The task as the report names it: <c>binary</c>, <c>multiclass</c> or <c>regression</c> from <see cref="Task"/>,
    /// or <c>recommendation</c> for a recommendation sweep (whose <see cref="Task"/> does not apply: the tabular task
    /// kinds do not cover ranking).
    /// </summary>
    public string TaskName
    {
        get => _taskName ?? ReportJson.TaskName(Task);
        internal init => _taskName = value;
    }

    private readonly string? _taskName;

    public ScenarioMetric Metric { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// The validation-fold model of the best trial of each candidate, by trial index (fitted on that fold's training
    /// rows, not refitted): what the report scores a test set with for the non-winning leaderboard rows.
    /// </summary>
    public IReadOnlyDictionary<int, IFittedCandidate> CandidateModels { get; }

    /// <summary>Every trial in index order (replayed ones included), then the ensemble entries built (one per kind at most).</summary>
    public IReadOnlyList<TrialRecord> Trials { get; }

    /// <summary>The search's trials: <see cref="Trials"/> without the ensemble entries.</summary>
    public int SearchTrialCount => Trials.Count(t => !EnsembleCandidate.IsEnsemble(t));

    /// <summary>The chosen trial.</summary>
    public TrialRecord Winner { get; }

    /// <summary>
    /// The members of an ensemble winner as <c>candidate#trial</c> (the trial's index in <see cref="Trials"/>), in member
    /// order; empty when the winner is a single trial, which is <see cref="Winner"/>'s index.
    /// </summary>
    public IReadOnlyList<string> WinnerMembers => WinnerCandidate is EnsembleCandidate ensemble
        ? [.. ensemble.Members.Select(m => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m.Candidate.Name}#{m.TrialIndex}"))]
        : [];

    /// <summary>
    /// The finalists' scores on the selection re-evaluation, by trial index: what chose the winner when it ran (empty
    /// when it did not: a time-ordered split, disabled, or no time left).
    /// </summary>
    public IReadOnlyDictionary<int, SelectionScore> SelectionScores { get; internal init; } = new Dictionary<int, SelectionScore>();

    /// <summary>Why it won (best score, or the cheaper of a tie within noise).</summary>
    public string WinnerReason { get; }

    public ICandidate WinnerCandidate { get; }

    public ParameterSet WinnerParameters { get; }

    /// <summary>The winner refitted on all training rows (or its validation-fold model when the refit did not fit the budget).</summary>
    public IFittedCandidate Model { get; }

    /// <summary>False when the refit ran out of budget and <see cref="Model"/> is the fold model.</summary>
    public bool RefittedOnAllData { get; }

    public string ValidationDescription { get; }

    /// <summary>The hash of the validation rows (fold, row) every candidate was scored on.</summary>
    public string ValidationHash { get; }

    /// <summary>
    /// Folds of the fixed validation split: k under k-fold CV, 1 for a holdout (random, time-ordered, or a
    /// recommender's per-user holdout), where a trial's score has no spread to report.
    /// </summary>
    public int ValidationFolds { get; }

    /// <summary>A trial's spread over the validation folds, or NaN (reported as none) when there was a single fold.</summary>
    public double SpreadOf(TrialRecord trial) => ValidationFolds > 1 ? trial.ValidationSpread : double.NaN;

    /// <summary>The validation labels in out-of-fold order.</summary>
    public float[] ValidationLabels { get; }

    /// <summary>The winner's out-of-fold validation scores (null for a replayed winner).</summary>
    public float[]? WinnerValidationScores { get; }

    /// <summary>Best general vs best specialised, when both kinds succeeded.</summary>
    public KindComparison? Comparison { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>The refitted winner's <see cref="IDescribedCandidate.Details"/> (empty if it has none).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> WinnerDetails { get; }

    /// <summary>The refitted winner's <see cref="IDescribedCandidate.Pipeline"/>, or null.</summary>
    public string? WinnerPipeline { get; }
}
