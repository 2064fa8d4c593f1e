namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// Where a sweep's finished trials are kept, so a sweep can resume without redoing them. The registry implements it
/// per experiment; <see cref="InMemoryTrialStore"/> is the default. Calls come from the runner's orchestration
/// loop, one at a time.
/// </summary>
public interface ITrialStore
{
    /// <summary>Every trial recorded so far for this experiment, in any order.</summary>
    Task<IReadOnlyList<TrialRecord>> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Records one finished trial (succeeded, failed, pruned or timed out).</summary>
    Task RecordAsync(TrialRecord trial, CancellationToken cancellationToken = default);
}

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    Succeeded,

    /// <summary>The candidate threw; <see cref="TrialRecord.Error"/> holds the message.</summary>
    Failed,

    /// <summary>Stopped by a constraint: the latency cap, the memory cap, or early stopping of a hopeless trial.</summary>
    Pruned,

    /// <summary>Stopped by the per-trial time cap or the sweep deadline.</summary>
    TimedOut,
}

/// <summary>
/// One finished trial, as recorded. <see cref="Index"/> is the trial's position in the sweep's proposal order;
/// resuming replays the recorded indices instead of running them.
/// </summary>
public sealed record TrialRecord
{
    /// <summary>0-based position in proposal order.</summary>
    public required int Index { get; init; }

    /// <summary>The candidate's name.</summary>
    public required string Candidate { get; init; }

    public required CandidateKind Kind { get; init; }

    public required string Trainer { get; init; }

    /// <summary>The unit point the tuner proposed (empty for a parameterless candidate).</summary>
    public required double[] Point { get; init; }

    /// <summary>The parameters as <c>Name → value</c> strings (invariant culture).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; }

    public required TrialStatus Status { get; init; }

    /// <summary>The error or the reason for pruning; null on success.</summary>
    public string? Error { get; init; }

    /// <summary>The scenario metric on the validation rows (mean over folds); NaN when the trial did not succeed.</summary>
    public double ValidationScore { get; init; } = double.NaN;

    /// <summary>The standard deviation of the metric over CV folds (0 for a holdout).</summary>
    public double ValidationSpread { get; init; }

    /// <summary>The fraction of training rows used (1 unless the trial ran on a stratified subsample).</summary>
    public double SampleFraction { get; init; } = 1;

    /// <summary>Wall-clock seconds spent fitting (all folds): what the trial took from the sweep's budget.</summary>
    public double FitSeconds { get; init; }

    /// <summary>
    /// CPU seconds spent fitting (all folds; <see cref="CpuClock"/>); NaN where they cannot be told apart from other
    /// trials' (a trial on several threads while other trials run) or the platform does not say.
    /// </summary>
    public double FitCpuSeconds { get; init; } = double.NaN;

    /// <summary>The fit time reports show (the leaderboard's fit CPU-seconds): <see cref="FitCpuSeconds"/> where measured, else <see cref="FitSeconds"/>.</summary>
    public double ReportedFitSeconds() => double.IsFinite(FitCpuSeconds) ? FitCpuSeconds : FitSeconds;

    /// <summary>Mean batch prediction time per row, in microseconds.</summary>
    public double PredictMicrosecondsPerRow { get; init; }

    /// <summary>The saved model's size in bytes.</summary>
    public long ModelBytes { get; init; }

    /// <summary>Seconds since the sweep started when the trial finished (for the score-vs-time plot).</summary>
    public double FinishedAtSeconds { get; init; }
}
