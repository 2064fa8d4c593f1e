namespace EnterpriseML.Engine.AutoML;

/// <summary>What happened in a sweep.</summary>
public enum SweepEventKind
{
    TrialStarted,
    TrialFinished,

    /// <summary>A trial finished and became the best so far.</summary>
    NewBest,

    /// <summary>The winner is being refitted on all training data.</summary>
    Refitting,

    Completed,
}

/// <summary>A progress report of a running sweep, delivered through <see cref="IProgress{T}"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="TrialIndex">The trial concerned (-1 for sweep-level events).</param>
/// <param name="Candidate">The candidate of that trial, or null.</param>
/// <param name="Trial">The finished trial (for <see cref="SweepEventKind.TrialFinished"/> and <see cref="SweepEventKind.NewBest"/>).</param>
/// <param name="Best">The best successful trial so far, or null.</param>
/// <param name="TrialsFinished">Trials finished so far (including replayed ones).</param>
/// <param name="Elapsed">Time since the sweep started.</param>
/// <param name="Remaining">Time left in the budget, or null when there is no time budget.</param>
public sealed record SweepEvent(
    SweepEventKind Kind,
    int TrialIndex,
    string? Candidate,
    TrialRecord? Trial,
    TrialRecord? Best,
    int TrialsFinished,
    TimeSpan Elapsed,
    TimeSpan? Remaining);
