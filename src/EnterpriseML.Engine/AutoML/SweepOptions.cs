using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// Options of a sweep. Validated once by <see cref="SweepRunner"/> and copied; the runner never writes to them.
/// </summary>
public sealed class SweepOptions
{
    /// <summary>The longest budget (and per-trial cap) a sweep accepts: a week, in seconds.</summary>
    public const double MaximumBudgetSeconds = 604_800;

    /// <summary>Wall-clock budget in seconds for the whole sweep including the final refit; null = no time limit
    /// (then <see cref="MaximumTrials"/> must be set). Default 60; valid (0, 604800].</summary>
    public double? BudgetSeconds { get; set; } = 60;

    /// <summary>The maximum number of trials (replayed ones included); null = until the budget ends. Valid ≥ 1.</summary>
    public int? MaximumTrials { get; set; }

    /// <summary>A trial running longer than this is cancelled and recorded as timed out; null = a third of the
    /// budget (no cap without a budget). Valid (0, 604800].</summary>
    public double? MaximumTrialSeconds { get; set; }

    /// <summary>A trial is stopped when the process's managed heap grows by more than this many bytes per running
    /// trial; null = no cap. Valid ≥ 1 MiB.</summary>
    public long? MaximumTrialMemoryBytes { get; set; }

    /// <summary>Candidates whose batch prediction costs more than this many microseconds per row are pruned during
    /// the search (<c>--max-predict-us</c>); null = no constraint. Valid &gt; 0.</summary>
    public double? MaximumPredictMicrosecondsPerRow { get; set; }

    /// <summary>The seed of every random choice: splits, subsamples, tuners, candidate fits. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>The thread budget shared by parallel trials (and given whole to the final refit). Default 1; valid [1, 256].</summary>
    public int MaximumDegreeOfParallelism { get; set; } = 1;

    /// <summary>Trials run at once; null = <see cref="MaximumDegreeOfParallelism"/> (one thread each). Valid [1, MaximumDegreeOfParallelism].</summary>
    public int? ParallelTrials { get; set; }

    /// <summary>
    /// With <see cref="UniformTrialCost"/>: trial <c>i</c> is proposed once exactly the results of trials
    /// <c>0 … i − ProposalLag</c> have been fed back to the tuners, so at most this many trials run at once. The trials
    /// depend on the lag, not on <see cref="ParallelTrials"/>: a fixed lag gives the same trials on one thread or many
    /// (<c>eml automl --max-trials</c> uses 2). Ignored with measured trial costs. Null = <see cref="ParallelTrials"/>;
    /// valid [1, 256].
    /// </summary>
    public int? ProposalLag { get; set; }

    /// <summary>The tuner of each candidate's hyperparameters. Default <see cref="TunerKind.CostFrugal"/>.</summary>
    public TunerKind Tuner { get; set; } = TunerKind.CostFrugal;

    /// <summary>
    /// When true, the scheduler that spreads trials over candidates counts every trial as costing 1 instead of its
    /// measured fit time, so a sweep with a fixed <see cref="MaximumTrials"/> and no time budget is reproducible
    /// under <see cref="Seed"/> whatever the machine load. Default: true exactly when <see cref="BudgetSeconds"/> is null.
    /// </summary>
    public bool? UniformTrialCost { get; set; }

    /// <summary>Stops a cross-validated trial after a fold once it cannot be competitive: its mean over the folds run
    /// so far is behind the best trial's mean over the same folds by more than twice the best trial's fold spread.
    /// A candidate's first trial always runs every fold. Default true.</summary>
    public bool EarlyStopping { get; set; } = true;

    /// <summary>Training folds larger than this use a stratified random subsample of <see cref="SubsampleRows"/>
    /// rows for each candidate's first trial. Default 20,000; valid ≥ 100.</summary>
    public int SubsampleThresholdRows { get; set; } = 20_000;

    /// <summary>The subsample size of early trials. Default 10,000; valid [50, SubsampleThresholdRows].</summary>
    public int SubsampleRows { get; set; } = 10_000;

    /// <summary>
    /// On data large enough for <see cref="SubsampleRows"/>, in a sweep with a time budget: when a candidate's trial
    /// runs into the per-trial cap, its later trials fit on a stratified random sample of half the rows that trial had
    /// (halving again on every further time-out, down to <see cref="SubsampleRows"/>), so a slow learner keeps getting
    /// scored instead of timing out on every trial. The winner is still refitted on all rows when the budget allows.
    /// Default true.
    /// </summary>
    public bool SampleSlowCandidates { get; set; } = true;

    /// <summary>
    /// Adds Caruana ensembles of the best candidates as their own leaderboard entries, one per kind: <c>ensemble</c> from
    /// general candidates, <c>specialised-ensemble</c> from any with a specialised member. Default true.
    /// </summary>
    public bool EnsembleSelection { get; set; } = true;

    /// <summary>Bootstrap resamples for the best-general vs best-specialised confidence interval. Default 1000; valid [100, 100000].</summary>
    public int BootstrapResamples { get; set; } = 1000;

    /// <summary>
    /// On a random split (k-fold CV or a random holdout), the best <see cref="SelectionFinalistsPerCandidate"/> trials of
    /// each candidate and the ensembles are scored again on <see cref="SelectionRepeats"/> fresh, independently seeded
    /// assignments of the rows before the winner and the tie test are decided, so the choice does not trust scores the
    /// tuners selected on. Default true.
    /// </summary>
    public bool SelectionReevaluation { get; set; } = true;

    /// <summary>Finalists per candidate for <see cref="SelectionReevaluation"/>. Default 1; valid [1, 3] (the trials whose fold models the sweep keeps).</summary>
    public int SelectionFinalistsPerCandidate { get; set; } = 1;

    /// <summary>
    /// Fresh assignments of <see cref="SelectionReevaluation"/> (repeated CV, or repeated random holdouts on larger
    /// data): a finalist's score is the mean of its scores over them, and the tie test's bootstrap averages over them
    /// too. Under a time budget the repeats that do not finish are dropped (at least one must). Default 3; valid [1, 10].
    /// </summary>
    public int SelectionRepeats { get; set; } = 3;

    /// <summary>
    /// Rows the caller will score with every leaderboard entry once the sweep returns (a test set for the report).
    /// The search and the refit stop early enough for that too, estimated from each entry's measured predict time,
    /// so a budget that covers the whole command is kept. Default 0; valid ≥ 0.
    /// </summary>
    public int ReportRows { get; set; }

    /// <summary>
    /// True when the caller saves the winner once the sweep returns (<c>eml automl --out</c>, a job storing it in the
    /// registry). The search and the refit then stop early enough to write a model the size of the leaders' (refitted
    /// on all rows) at <see cref="SaveBytesPerSecond"/>, at most a tenth of the budget. Default false.
    /// </summary>
    public bool SavesModel { get; set; }

    /// <summary>
    /// The write rate assumed for <see cref="SavesModel"/>: a 286 MB diamonds ensemble (a 300-tree forest in it) took
    /// 5.5 s to write at the end of an <c>eml automl</c> run (52 MB/s) when saving buffered the payload, and 0.8–1.3 s
    /// streamed (the benchmarks' <c>model-save</c> command, docs/benchmarks.md); the rate keeps the slow disk's margin.
    /// </summary>
    internal const double SaveBytesPerSecond = 50e6;
}

/// <summary>The validated, immutable copy of <see cref="SweepOptions"/>.</summary>
internal sealed record SweepSettings(
    double? BudgetSeconds,
    int? MaximumTrials,
    double? MaximumTrialSeconds,
    long? MaximumTrialMemoryBytes,
    double? MaximumPredictMicrosecondsPerRow,
    int Seed,
    int Threads,
    int ParallelTrials,
    TunerKind Tuner,
    bool UniformTrialCost,
    bool EarlyStopping,
    int SubsampleThresholdRows,
    int SubsampleRows,
    bool EnsembleSelection,
    int BootstrapResamples,
    bool SelectionReevaluation = true,
    int SelectionFinalistsPerCandidate = 1,
    bool SampleSlowCandidates = true,
    int ReportRows = 0,
    int SelectionRepeats = 3,
    bool SavesModel = false,
    int ProposalLag = 1)
{
#pragma warning disable CA2208 // The exceptions name the option, as the options contract asks.
    public static SweepSettings From(SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const double Week = SweepOptions.MaximumBudgetSeconds;
        if (options.BudgetSeconds is { } budget && (!(budget > 0) || budget > Week))
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.BudgetSeconds), budget, "Must be in (0, 604800].");
        }

        if (options.MaximumTrials is { } trials && trials < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaximumTrials), trials, "Must be ≥ 1.");
        }

        if (options.BudgetSeconds is null && options.MaximumTrials is null)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaximumTrials), null, "Must be set when BudgetSeconds is null.");
        }

        if (options.MaximumTrialSeconds is { } trialSeconds && (!(trialSeconds > 0) || trialSeconds > Week))
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaximumTrialSeconds), trialSeconds, "Must be in (0, 604800].");
        }

        if (options.MaximumTrialMemoryBytes is { } memory && memory < (1 << 20))
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaximumTrialMemoryBytes), memory, "Must be ≥ 1 MiB.");
        }

        if (options.MaximumPredictMicrosecondsPerRow is { } latency && !(latency > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaximumPredictMicrosecondsPerRow), latency, "Must be > 0.");
        }

        if (options.MaximumDegreeOfParallelism is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaximumDegreeOfParallelism), options.MaximumDegreeOfParallelism, "Must be in [1, 256].");
        }

        var parallel = options.ParallelTrials ?? options.MaximumDegreeOfParallelism;
        if (parallel < 1 || parallel > options.MaximumDegreeOfParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.ParallelTrials), parallel, $"Must be in [1, {options.MaximumDegreeOfParallelism}].");
        }

        if (options.ProposalLag is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.ProposalLag), options.ProposalLag, "Must be in [1, 256].");
        }

        if (!Enum.IsDefined(options.Tuner))
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.Tuner), options.Tuner, "Unknown tuner.");
        }

        if (options.SubsampleThresholdRows < 100)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.SubsampleThresholdRows), options.SubsampleThresholdRows, "Must be ≥ 100.");
        }

        if (options.SubsampleRows < 50 || options.SubsampleRows > options.SubsampleThresholdRows)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.SubsampleRows), options.SubsampleRows, $"Must be in [50, {options.SubsampleThresholdRows}].");
        }

        if (options.BootstrapResamples is < 100 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.BootstrapResamples), options.BootstrapResamples, "Must be in [100, 100000].");
        }

        if (options.SelectionFinalistsPerCandidate is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.SelectionFinalistsPerCandidate), options.SelectionFinalistsPerCandidate, "Must be in [1, 3].");
        }

        if (options.SelectionRepeats is < 1 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.SelectionRepeats), options.SelectionRepeats, "Must be in [1, 10].");
        }

        if (options.ReportRows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.ReportRows), options.ReportRows, "Must be ≥ 0.");
        }

        return new SweepSettings(
            options.BudgetSeconds,
            options.MaximumTrials,
            options.MaximumTrialSeconds ?? (options.BudgetSeconds / 3),
            options.MaximumTrialMemoryBytes,
            options.MaximumPredictMicrosecondsPerRow,
            options.Seed,
            options.MaximumDegreeOfParallelism,
            parallel,
            options.Tuner,
            options.UniformTrialCost ?? options.BudgetSeconds is null,
            options.EarlyStopping,
            options.SubsampleThresholdRows,
            options.SubsampleRows,
            options.EnsembleSelection,
            options.BootstrapResamples,
            options.SelectionReevaluation,
            options.SelectionFinalistsPerCandidate,
            options.SampleSlowCandidates,
            options.ReportRows,
            options.SelectionRepeats,
            options.SavesModel,
            options.ProposalLag ?? parallel);
    }
#pragma warning restore CA2208
}
