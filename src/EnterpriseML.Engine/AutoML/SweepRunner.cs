using System.Globalization;
using System.Diagnostics;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// Runs a sweep: spreads trials over a scenario's candidates (cost-aware, FLAML-style), tunes each candidate's
/// hyperparameters with its own tuner, validates every trial on the same fixed rows, and refits the winner on all
/// training data. Budget, per-trial time and memory caps, latency pruning, early stopping, parallel trials,
/// cancellation, progress, failure isolation and resumption are all here; the maths is in the candidates.
/// </summary>
/// <remarks>
/// Reproducibility: trial <c>i</c> is proposed after exactly the results of trials <c>0 … i − L</c> (L =
/// <see cref="SweepOptions.ProposalLag"/>, by default the parallel trials) have been fed back, in index order, so with
/// <see cref="SweepOptions.UniformTrialCost"/> and a fixed trial count the same seed gives the same trials on any
/// machine load, and with a fixed lag on any thread count. Under a time budget the trial count, and so the result,
/// depends on speed.
/// </remarks>
public sealed class SweepRunner
{
    private readonly SweepSettings _settings;
    private readonly TimeProvider _time;

    public SweepRunner(SweepOptions options, TimeProvider? timeProvider = null)
    {
        _settings = SweepSettings.From(options);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs the sweep. Throws <see cref="OperationCanceledException"/> when cancelled, and
    /// <see cref="SweepFailedException"/> when no trial succeeded.</summary>
    public async Task<SweepResult> RunAsync(SweepRequest request, ITrialStore? store = null, IProgress<SweepEvent>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        store ??= new InMemoryTrialStore();
        EnsurePoolHeadroom(_settings.Threads + _settings.ParallelTrials);
        var sweep = new Sweep(_settings, _time, request, store, progress);
        return await sweep.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The sweep's deadlines and watchdogs (budget, per-trial cap, runaway trials) are timers whose callbacks run on
    /// the thread pool. When trainers' parallel loops and blocked callers hold every pool thread, the pool adds
    /// threads only about once a second, and a 200 ms wake-up was seen arriving a second late. So the pool's minimum
    /// is raised to cover the sweep's own threads plus a few spare (it only ever grows).
    /// </summary>
    private static void EnsurePoolHeadroom(int sweepThreads)
    {
        ThreadPool.GetMinThreads(out var workers, out var completion);
        var wanted = Environment.ProcessorCount + sweepThreads + 4;
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completion);
        }
    }
}

/// <summary>Thrown when a sweep ends with no successful trial; carries the recorded trials and their errors.</summary>
public sealed class SweepFailedException : Exception
{
    public SweepFailedException()
    {
        Trials = [];
    }

    public SweepFailedException(string message)
        : base(message)
    {
        Trials = [];
    }

    public SweepFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Trials = [];
    }

    internal SweepFailedException(string message, IReadOnlyList<TrialRecord> trials)
        : base(message)
    {
        Trials = trials;
    }

    /// <summary>The failed trials.</summary>
    public IReadOnlyList<TrialRecord> Trials { get; }
}

/// <summary>One sweep's state. Not thread-safe: only the orchestration loop touches it; trials run on their own threads.</summary>
internal sealed class Sweep
{
    private readonly SweepSettings _settings;
    private readonly TimeProvider _time;
    private readonly SweepRequest _request;
    private readonly ITrialStore _store;
    private readonly IProgress<SweepEvent>? _progress;
    private readonly ScenarioMetric _metric;
    private readonly TrialExecutor _executor;
    private readonly CandidateScheduler _scheduler;
    private readonly long _started;

    private readonly SortedDictionary<int, TrialRecord> _finished = [];
    private readonly Dictionary<int, float[]> _validationScores = [];
    private readonly Dictionary<int, IFittedCandidate> _foldModels = [];

    /// <summary>True once <see cref="RemeasurePredictCosts"/> has run (its time is then no longer reserved).</summary>
    private bool _remeasured;

    /// <summary>Trials applied to the tuners ahead of an unfinished earlier one (measured-cost sweeps only).</summary>
    private readonly HashSet<int> _appliedAhead = [];

    /// <summary>Per candidate, the sample size its trials use since one ran into the per-trial cap (absent: all training rows).</summary>
    private readonly Dictionary<string, int> _sampleRows = new(StringComparer.Ordinal);

    /// <summary>Per-fold scores of successful trials run in this process (replayed trials have none): early stopping's reference.</summary>
    private readonly Dictionary<int, double[]> _foldScores = [];
    private readonly Dictionary<int, (ICandidate Candidate, ParameterSet Parameters)> _configurations = [];
    /// <summary>How many trials of each candidate stay in the ensemble pool.</summary>
    private const int EnsemblePoolPerCandidate = 3;

    private readonly List<TrialRecord> _unrecorded = [];

    /// <summary>Abandoned trials whose threads have not yet noticed their token: they still take a core each.</summary>
    private readonly List<Task> _abandoned = [];
    private TrialRecord? _best;
    private TrialRecord? _appliedBest;

    public Sweep(SweepSettings settings, TimeProvider time, SweepRequest request, ITrialStore store, IProgress<SweepEvent>? progress)
    {
        _settings = settings;
        _time = time;
        _request = request;
        _store = store;
        _progress = progress;
        _metric = request.Plan.PrimaryMetric;
        _started = time.GetTimestamp();
        var split = ValidationSplit.Create(request.Train, request.Plan.Validation, settings.Seed);
        _executor = new TrialExecutor(request, split, settings);
        _scheduler = new CandidateScheduler(request.Plan.Candidates, settings.Tuner, settings.Seed);
    }

    private TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>How long a cancelled trial may take to notice before it is abandoned.</summary>
    private TimeSpan Grace => TimeSpan.FromSeconds(Math.Min(1.0, 0.01 * (_settings.BudgetSeconds ?? 100)));

    private TimeSpan? Remaining => _settings.BudgetSeconds is { } b ? TimeSpan.FromSeconds(b) - Elapsed : null;

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var recorded = new Dictionary<int, TrialRecord>();
        foreach (var record in await _store.LoadAsync(cancellationToken).ConfigureAwait(false))
        {
            recorded[record.Index] = record;
        }

        using var searchEnd = new CancellationTokenSource();
        using var searchToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, searchEnd.Token);
        var running = new Dictionary<int, RunningTrial>();
        var parallel = _settings.ParallelTrials;
        // With uniform costs at most the proposal lag's trials run at once: the threads are shared among those.
        var threadsPerTrial = Math.Max(1, _settings.Threads / (_settings.UniformTrialCost ? Math.Min(parallel, _settings.ProposalLag) : parallel));
        var nextIndex = 0;
        var applied = 0;
        var stopLaunching = false;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var searchDeadline = SearchDeadline();
            if (searchDeadline is { } deadline && Elapsed >= deadline)
            {
                stopLaunching = true;
                searchEnd.Cancel();
            }

            if (_settings.MaximumTrials is { } max && nextIndex >= max)
            {
                stopLaunching = true;
            }

            // Launch while a slot is free and the tuners have seen exactly trials 0 … index − L (L: the proposal lag,
            // by default the parallel trials; fixed, it makes the trials independent of the thread count). With
            // measured trial costs the sweep is not reproducible anyway, so there a slot is filled at once with
            // whatever has finished applied: one long trial does not hold the other slots idle until it ends.
            if (!stopLaunching && running.Count < Slots(parallel))
            {
                var needed = nextIndex - _settings.ProposalLag + 1;
                if (_settings.UniformTrialCost)
                {
                    while (applied < needed && _finished.ContainsKey(applied))
                    {
                        Apply(applied++);
                    }
                }
                else
                {
                    applied = ApplyFinished(applied, nextIndex);
                    needed = applied;
                }

                if (applied >= needed)
                {
                    var proposal = _scheduler.Next();
                    if (proposal is null)
                    {
                        stopLaunching = true;
                        continue;
                    }

                    var index = nextIndex++;
                    _configurations[index] = (proposal.Candidate, proposal.Parameters);
                    if (recorded.TryGetValue(index, out var replay))
                    {
                        Finish(Replayed(replay, proposal), null, null, replayed: true);
                        continue;
                    }

                    var sampleRows = _executor.NeedsSubsample && proposal.FirstOfCandidate
                        ? _settings.SubsampleRows
                        : _sampleRows.GetValueOrDefault(proposal.Candidate.Name);
                    var job = new TrialJob(index, proposal.Candidate, proposal.Point, proposal.Parameters, sampleRows,
                        proposal.FirstOfCandidate ? null : Hopeless(), TrialSeed(index), threadsPerTrial);
                    // The memory cap's reference: the live heap (after a full collection) when the trial starts, so
                    // neither the models the sweep keeps nor garbage left by earlier trials count against this one.
                    // Taken before the trial's clock starts: the collection is not the trial's time.
                    var heapAtStart = _settings.MaximumTrialMemoryBytes is null ? 0 : GC.GetTotalMemory(forceFullCollection: true);
                    // The trial's start, taken before its cap's timer starts, so a trial stopped at the cap has run
                    // at least the cap by this clock (its recorded cost, ShrinkSample's test).
                    var started = _time.GetTimestamp();
                    var trialCancel = CancellationTokenSource.CreateLinkedTokenSource(searchToken.Token);
                    if (_settings.MaximumTrialSeconds is { } cap)
                    {
                        trialCancel.CancelAfter(TimeSpan.FromSeconds(cap));
                    }

                    var trial = new RunningTrial(job, trialCancel, started, heapAtStart);
                    trial.Task = Task.Factory.StartNew(
                        () =>
                        {
                            var outcome = _executor.Run(job, trialCancel.Token);
                            trial.Ended = _time.GetTimestamp();
                            return outcome;
                        },
                        CancellationToken.None,
                        TaskCreationOptions.LongRunning,
                        TaskScheduler.Default);
                    running[index] = trial;
                    Report(SweepEventKind.TrialStarted, index, proposal.Candidate.Name, null);
                    continue;
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            await WaitForAnyAsync(running, searchDeadline, cancellationToken).ConfigureAwait(false);
            HarvestFinished(running);
            await RecordFinishedAsync(cancellationToken).ConfigureAwait(false);
        }

        while (applied < nextIndex)
        {
            if (_finished.ContainsKey(applied) && !_appliedAhead.Remove(applied))
            {
                Apply(applied);
            }

            applied++;
        }

        return await FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForAnyAsync(Dictionary<int, RunningTrial> running, TimeSpan? searchDeadline, CancellationToken cancellationToken)
    {
        // Wake up when a trial ends, at the search deadline, or every 200 ms for the memory and runaway watchdogs.
        var wake = TimeSpan.FromMilliseconds(200);
        var grace = Grace;
        if (searchDeadline is { } d)
        {
            var left = d - Elapsed;
            var until = left > TimeSpan.Zero ? left : left + grace;
            if (until < wake)
            {
                wake = until;
            }
        }

        if (_settings.MaximumTrialSeconds is { } cap)
        {
            foreach (var trial in running.Values)
            {
                var until = TimeSpan.FromSeconds(cap) + grace - _time.GetElapsedTime(trial.Started);
                if (until < wake)
                {
                    wake = until;
                }
            }
        }

        var tasks = new List<Task>(running.Count + 1);
        foreach (var trial in running.Values)
        {
            tasks.Add(trial.Task);
        }

        tasks.Add(Task.Delay(wake < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wake, _time, cancellationToken));
        await Task.WhenAny(tasks).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void HarvestFinished(Dictionary<int, RunningTrial> running)
    {
        var grace = Grace;
        var searchDeadline = SearchDeadline();
        List<int>? done = null;
        foreach (var (index, trial) in running)
        {
            if (trial.Task.IsCompleted)
            {
                (done ??= []).Add(index);
                continue;
            }

            // A runaway trial (one that does not check its token often enough) is abandoned, not waited for.
            var ranFor = _time.GetElapsedTime(trial.Started);
            var overCap = _settings.MaximumTrialSeconds is { } cap && ranFor > TimeSpan.FromSeconds(cap) + grace;
            var overDeadline = searchDeadline is { } deadline && Elapsed > deadline + grace;
            if (overCap || overDeadline)
            {
                trial.Cancel.Cancel();
                (done ??= []).Add(index);
            }
        }

        if (_settings.MaximumTrialMemoryBytes is { } memoryCap && running.Count > 0 && MemoryGrownPastCap(running, memoryCap) is { } growth)
        {
            // Stop the newest trial: it is the one that pushed memory over the cap.
            var newest = -1;
            foreach (var index in running.Keys)
            {
                newest = Math.Max(newest, index);
            }

            var stopped = running[newest];
            if (stopped.MemoryGrowth is null)
            {
                stopped.MemoryGrowth = growth;
                stopped.MemoryStoppedAfter = _time.GetElapsedTime(stopped.Started);
                stopped.RunningBeside = running.Count;
            }

            stopped.Cancel.Cancel();
        }

        if (done is null)
        {
            return;
        }

        done.Sort();
        foreach (var index in done)
        {
            var trial = running[index];
            running.Remove(index);
            TrialOutcome outcome;
            if (trial.Task.IsCompletedSuccessfully)
            {
                outcome = trial.Task.Result; // Completed: reading the result does not block.
                // The cap is judged by the trial's own clock, not by whether its timer fired in time: on a loaded
                // machine the timer's callback can run late, and a trial that finished past its cap would count.
                if (outcome.Record.Status == TrialStatus.Succeeded && _settings.MaximumTrialSeconds is { } limit
                    && _time.GetElapsedTime(trial.Started, trial.Ended) is var ran && ran > TimeSpan.FromSeconds(limit))
                {
                    outcome = TrialOutcome.Stopped(trial.Job, TrialStatus.TimedOut, string.Create(CultureInfo.InvariantCulture,
                        $"Finished after {ran.TotalSeconds:0.000} s, past the per-trial cap of {limit:0.0##} s: not counted."));
                }
            }
            else if (trial.Task is { IsFaulted: true, Exception: { } fault })
            {
                var e = fault.InnerException ?? fault;
                outcome = TrialOutcome.Stopped(trial.Job, TrialStatus.Failed, $"{e.GetType().Name}: {e.Message}");
            }
            else
            {
                outcome = TrialOutcome.Stopped(trial.Job, TrialStatus.TimedOut,
                    $"Abandoned after {_time.GetElapsedTime(trial.Started).TotalSeconds:0.0} s: the trial did not stop when cancelled.");
            }

            // Timed out at its own cap rather than at the search deadline (with a margin for the timer's granularity).
            var ranFor = _time.GetElapsedTime(trial.Started);
            var atTrialCap = outcome.Record.Status == TrialStatus.TimedOut && _settings.MaximumTrialSeconds is { } trialCap
                && ranFor >= TimeSpan.FromSeconds(0.9 * trialCap);
            if (atTrialCap)
            {
                ShrinkSample(trial.Job);
            }

            if (outcome.Record.Status == TrialStatus.TimedOut && outcome.Record.Error == TrialExecutor.CancelledError)
            {
                // The trial only saw its token fire; which limit fired it is known here, and its user should read it.
                var why = atTrialCap
                    ? string.Create(CultureInfo.InvariantCulture, $"Stopped at the per-trial cap of {_settings.MaximumTrialSeconds:0.0##} s, after {ranFor.TotalSeconds:0.000} s.")
                    : searchDeadline is { } end && Elapsed >= end
                        ? string.Create(CultureInfo.InvariantCulture, $"Stopped at the search deadline, {end.TotalSeconds:0.0} s into the sweep, after {ranFor.TotalSeconds:0.000} s.")
                        : null;
                if (why is not null)
                {
                    outcome = outcome with { Record = outcome.Record with { Error = why } };
                }
            }

            if (trial.MemoryGrowth is { } grown && outcome.Record.Status != TrialStatus.Succeeded)
            {
                // Before the sample fraction and the wall time are set, which the pruned record keeps (it had been
                // charged nothing, so the scheduler saw a free candidate). In megabytes, as the cap is given
                // (--max-trial-memory, Jobs:MaxTrialMemoryMB), with what was measured: it had read "the per-trial cap
                // of 33554432 bytes." and not how far past it the trial had gone.
                var cap = _settings.MaximumTrialMemoryBytes!.Value;
                var beside = trial.RunningBeside > 1
                    ? string.Create(CultureInfo.InvariantCulture, $" with {trial.RunningBeside} trials running ({Megabytes(cap * trial.RunningBeside)} MB for all of them)")
                    : "";
                outcome = TrialOutcome.Stopped(trial.Job, TrialStatus.Pruned, string.Create(CultureInfo.InvariantCulture,
                    $"Stopped: managed memory grew past the per-trial cap of {Megabytes(cap)} MB: the live heap had grown by {Megabytes(grown)} MB{beside}, {trial.MemoryStoppedAfter.TotalSeconds:0.00} s into the trial."));
            }

            outcome = outcome with { Record = outcome.Record with { SampleFraction = _executor.SampleFraction(trial.Job) } };
            if (outcome.Record.Status != TrialStatus.Succeeded)
            {
                // A trial that did not finish cost the budget its wall time, not only the folds it completed (none, for
                // one stopped in its first fit): that is what the scheduler's estimate of the candidate must see, or a
                // candidate whose trials run into the cap looks free and keeps being drawn.
                var ran = _time.GetElapsedTime(trial.Started).TotalSeconds;
                if (ran > outcome.Record.FitSeconds)
                {
                    outcome = outcome with { Record = outcome.Record with { FitSeconds = ran } };
                }
            }
            // The token source is disposed only once the trial's thread no longer uses it.
            if (trial.Task.IsCompleted)
            {
                trial.Cancel.Dispose();
            }
            else
            {
                _ = trial.Task.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), trial.Cancel,
                    CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                _abandoned.Add(trial.Task);
            }

            var record = outcome.Record with { FinishedAtSeconds = Elapsed.TotalSeconds };
            if (outcome.FoldScores is not null && record.Status == TrialStatus.Succeeded)
            {
                _foldScores[record.Index] = outcome.FoldScores;
            }

            Finish(record, outcome.ValidationScores, outcome.FoldModel, replayed: false);
        }
    }

    /// <summary>
    /// The trial slots free of abandoned trials: a runaway trial is not waited for, but its thread keeps a core busy
    /// until it next checks its token, so a new trial does not take its slot until then (one slot always stays, so
    /// the search goes on beside a trial that never stops). Before, a 20 s sentiment sweep abandoned its first gbdt and
    /// random-forest trials on two cores, launched the next two beside their still running threads, and those ran into
    /// the cap in turn.
    /// </summary>
    private int Slots(int parallel)
    {
        _abandoned.RemoveAll(static task => task.IsCompleted);
        return Math.Max(1, parallel - _abandoned.Count);
    }

    /// <summary>
    /// The live heap's growth in bytes when the running trials hold more than <paramref name="memoryCap"/> each (else
    /// null): the live heap has grown past the
    /// cap times their number since the oldest of them started. The quick reading counts garbage not yet collected, so
    /// only a reading after a full collection stops a trial: a trial that churns through short-lived buffers is not one
    /// that holds too much.
    /// </summary>
    private static long? MemoryGrownPastCap(Dictionary<int, RunningTrial> running, long memoryCap)
    {
        var reference = long.MaxValue;
        foreach (var trial in running.Values)
        {
            reference = Math.Min(reference, trial.HeapAtStart);
        }

        var limit = memoryCap * running.Count;
        var quick = GC.GetTotalMemory(forceFullCollection: false) - reference;
        if (quick <= limit)
        {
            return null;
        }

        var live = GC.GetTotalMemory(forceFullCollection: true) - reference;
        return live > limit ? live : null;
    }

    private static string Megabytes(long bytes) => (bytes / (double)(1 << 20)).ToString("#,0.0", CultureInfo.InvariantCulture);

    /// <summary>Writes finished trials to the store: the resumption point (a crash after this does not redo them).</summary>
    private async Task RecordFinishedAsync(CancellationToken cancellationToken)
    {
        foreach (var record in _unrecorded)
        {
            await _store.RecordAsync(record, cancellationToken).ConfigureAwait(false);
        }

        _unrecorded.Clear();
    }

    private void Finish(TrialRecord record, float[]? scores, IFittedCandidate? foldModel, bool replayed)
    {
        _finished[record.Index] = record;
        if (!replayed)
        {
            _unrecorded.Add(record);
        }

        var isBest = record.Status == TrialStatus.Succeeded && TrialOrder.IsBetter(_metric, record, _best);
        if (record.Status == TrialStatus.Succeeded)
        {
            if (scores is not null)
            {
                _validationScores[record.Index] = scores;
            }

            if (foldModel is not null)
            {
                _foldModels[record.Index] = foldModel;
            }

            PruneKeptModels();
        }

        if (isBest)
        {
            _best = record;
        }

        Report(SweepEventKind.TrialFinished, record.Index, record.Candidate, record);
        if (isBest)
        {
            Report(SweepEventKind.NewBest, record.Index, record.Candidate, record);
        }
    }

    /// <summary>
    /// Keeps fold models and validation scores only for the best few trials of each candidate (the ensemble pool),
    /// so memory stays flat however many trials run.
    /// </summary>
    private void PruneKeptModels()
    {
        var keep = new HashSet<int>();
        foreach (var r in TopPerCandidate(EnsemblePoolPerCandidate))
        {
            keep.Add(r.Index);
        }

        foreach (var index in _foldModels.Keys.ToArray())
        {
            if (!keep.Contains(index))
            {
                _foldModels.Remove(index);
            }
        }

        foreach (var index in _validationScores.Keys.ToArray())
        {
            if (!keep.Contains(index))
            {
                _validationScores.Remove(index);
            }
        }
    }

    /// <summary>The best <paramref name="count"/> full-sample successful trials of each candidate.</summary>
    private List<TrialRecord> TopPerCandidate(int count)
    {
        var groups = new Dictionary<string, List<TrialRecord>>(StringComparer.Ordinal);
        foreach (var r in _finished.Values)
        {
            if (r.Status != TrialStatus.Succeeded)
            {
                continue;
            }

            if (!groups.TryGetValue(r.Candidate, out var list))
            {
                groups[r.Candidate] = list = [];
            }

            list.Add(r);
        }

        var top = new List<TrialRecord>();
        foreach (var list in groups.Values)
        {
            list.Sort((a, b) => a.SampleFraction != b.SampleFraction ? b.SampleFraction.CompareTo(a.SampleFraction)
                : TrialOrder.Compare(_metric, a, b));
            top.AddRange(list.Take(count));
        }

        return top;
    }

    private Dictionary<string, TrialRecord> BestPerCandidate()
    {
        var best = new Dictionary<string, TrialRecord>(StringComparer.Ordinal);
        foreach (var r in _finished.Values)
        {
            if (r.Status == TrialStatus.Succeeded
                && TrialOrder.IsBetter(_metric, r, best.GetValueOrDefault(r.Candidate)))
            {
                best[r.Candidate] = r;
            }
        }

        return best;
    }

    /// <summary>
    /// Applies every finished trial below <paramref name="launched"/> not applied yet, in index order, whether or not
    /// the trials before it have finished; returns the new end of the contiguous applied prefix.
    /// </summary>
    private int ApplyFinished(int applied, int launched)
    {
        for (var index = applied; index < launched; index++)
        {
            if (_finished.ContainsKey(index) && _appliedAhead.Add(index))
            {
                Apply(index);
            }
        }

        while (applied < launched && _finished.ContainsKey(applied))
        {
            _appliedAhead.Remove(applied++);
        }

        return applied;
    }

    private void Apply(int index)
    {
        if (_finished.TryGetValue(index, out var record))
        {
            var cost = _settings.UniformTrialCost ? 1.0 : Math.Max(1e-3, record.FitSeconds);
            var loss = record.Status == TrialStatus.Succeeded ? _metric.ToLoss(record.ValidationScore) : double.NaN;
            // A trial stopped early as hopeless (it has a partial score) is a bad point for the tuner, not a broken
            // candidate; errors, time-outs and latency or memory prunes (no score) count towards retiring it.
            _scheduler.Update(record.Candidate, new TunerObservation(record.Point, loss, cost, record.Status == TrialStatus.Succeeded),
                failed: record.Status != TrialStatus.Succeeded && !double.IsFinite(record.ValidationScore));
            if (record.Status == TrialStatus.Succeeded && record.SampleFraction >= 1
                && TrialOrder.IsBetter(_metric, record, _appliedBest))
            {
                _appliedBest = record;
            }
        }
    }

    /// <summary>
    /// A trial that ran into the per-trial cap on data large enough to subsample: the candidate's later trials use half
    /// the rows this one had, a stratified random sample, down to <see cref="SweepSettings.SubsampleRows"/> (see
    /// <see cref="SweepOptions.SampleSlowCandidates"/>). Candidates that fit in time keep all rows.
    /// </summary>
    private void ShrinkSample(TrialJob job)
    {
        if (!_settings.SampleSlowCandidates || _settings.UniformTrialCost || !_executor.NeedsSubsample)
        {
            return;
        }

        var rows = job.SampleRows > 0 ? job.SampleRows : _executor.LargestFoldRows;
        var current = _sampleRows.GetValueOrDefault(job.Candidate.Name, _executor.LargestFoldRows);
        _sampleRows[job.Candidate.Name] = Math.Max(_settings.SubsampleRows, Math.Min(current, rows / 2));
    }

    /// <summary>The sample size a candidate's re-evaluation uses: its own, or for an ensemble the smallest of its members' (0 = all rows).</summary>
    private int SampleRowsOf(ICandidate candidate)
    {
        if (candidate is EnsembleCandidate ensemble)
        {
            var rows = 0;
            foreach (var m in ensemble.Members)
            {
                var r = _sampleRows.GetValueOrDefault(m.Candidate.Name);
                rows = r > 0 && (rows == 0 || r < rows) ? r : rows;
            }

            return rows;
        }

        return _sampleRows.GetValueOrDefault(candidate.Name);
    }

    private TrialRecord Replayed(TrialRecord record, Proposal proposal)
    {
        // The recorded trial stands in for this proposal, and its own candidate and point are what the tuners learn
        // from and what the refit, the ensembles and the re-evaluation fit: with measured costs the recorded trials are
        // fed back in another order than they finished, so the proposal at this index can be another point (or, from a
        // different plan, another candidate). Before, only another candidate was caught, and a replayed winner was
        // refitted with the parameters proposed now instead of those it was scored with.
        var candidate = string.Equals(record.Candidate, proposal.Candidate.Name, StringComparison.Ordinal)
            ? proposal.Candidate
            : _scheduler.Find(record.Candidate);
        if (candidate is not null && record.Point.Length == candidate.SearchSpace.Parameters.Count)
        {
            _configurations[record.Index] = (candidate, candidate.SearchSpace.ToParameters(record.Point));
        }

        return record;
    }

    /// <summary>
    /// The early-stopping reference: the best trial the tuners have seen so far, its per-fold scores and twice its
    /// fold spread as the margin. Taken from the applied (not merely finished) trials, so it is the same on every
    /// run. Null (no early stopping) on a holdout, before any success, or when the best trial was replayed from the
    /// store without its fold scores. A candidate's first trial is never stopped early (the caller passes null), so
    /// every candidate that can fit gets a full score on the leaderboard.
    /// </summary>
    private HopelessReference? Hopeless()
    {
        if (_appliedBest is null || _executor.FoldCount < 2 || !_foldScores.TryGetValue(_appliedBest.Index, out var folds))
        {
            return null;
        }

        return new HopelessReference(folds, 2 * _appliedBest.ValidationSpread);
    }

    private int TrialSeed(int index) => unchecked((_settings.Seed * 1_000_003) + index + 1);

    /// <summary>When the search must stop so the winner's refit still fits in the budget.</summary>
    private TimeSpan? SearchDeadline()
    {
        if (_settings.BudgetSeconds is not { } budget)
        {
            return null;
        }

        return TimeSpan.FromSeconds(budget) - TimeSpan.FromSeconds(RefitReserveSeconds(budget, CurrentStandings()));
    }

    /// <summary>Added to the sweep seed for the selection re-evaluation's fold assignment (any value the search never uses).</summary>
    private const int ReevaluationSeedOffset = 0x5E1EC7;

    /// <summary>
    /// True when the finalists are re-scored on a fresh split: re-evaluation is on and the split is random (k-fold CV or
    /// a random holdout). A time-ordered holdout has no second draw, so it is the only judge there.
    /// </summary>
    private bool Reevaluates => _settings.SelectionReevaluation && !_executor.Split.Description.StartsWith("time-ordered", StringComparison.Ordinal);

    /// <summary>The refit reserve plus, with re-evaluation, the finalists' runs on the fresh split.</summary>
    private double RefitReserveSeconds(double budget, Standings standings)
    {
        var refit = RefitOnlySeconds(budget, standings);
        if (!Reevaluates || _best is null)
        {
            return refit;
        }

        // Each finalist costs about what its trial cost (all folds); the best trial of each candidate stands for its
        // finalists. An ensemble is re-scored as the blend of its members' re-scored outputs: its members are mostly
        // finalists already, and one that is not (a candidate's second-best trial) is allowed for as the costliest of
        // each kind's leaders.
        var perCandidate = standings.BestOf.Sum(r => r.FitSeconds) * _settings.SelectionFinalistsPerCandidate;
        var leaders = _settings.EnsembleSelection ? standings.LeadersByKind.Sum(kind => kind.Max(r => r.FitSeconds)) : 0;
        // The finalists run side by side on one thread each, as the trials did, so a repeat takes about the serial
        // cost over the threads; 30 % is added, and the result kept between 5 % and 25 % of the budget. Too little
        // drops the last repeats at the deadline (the reason says so); the earlier "two more than the repeats" left
        // 8–11 s of a 60 s budget unused on credit-german and fraud-caravan once ensembles were blended.
        var repeats = _settings.SelectionRepeats;
        var reevaluation = repeats * 1.3 * (perCandidate + leaders) / Math.Max(1, _settings.Threads);
        return refit + Math.Clamp(reevaluation, 0.05 * budget, 0.25 * budget);
    }

    /// <summary>
    /// What the caller does with the winner once the sweep has returned, each part at most a tenth of the budget:
    /// scoring <see cref="SweepSettings.ReportRows"/> with every leaderboard entry (each candidate's best trial and
    /// each kind's ensemble, about its three leading members, at their measured predict times, half as much again for
    /// the refitted winner's larger model), and saving the winner (<see cref="SweepSettings.SavesModel"/>: the largest
    /// of those models, scaled to all rows, at <see cref="SweepOptions.SaveBytesPerSecond"/>).
    /// </summary>
    private double AfterSweepSeconds(double budget, Standings standings)
    {
        if (_best is null)
        {
            return 0;
        }

        double seconds = 0;
        if (_settings.ReportRows > 0)
        {
            var microseconds = standings.BestOf.Sum(r => r.PredictMicrosecondsPerRow);
            if (_settings.EnsembleSelection)
            {
                microseconds += standings.LeadersByKind.Sum(kind => kind.Sum(r => r.PredictMicrosecondsPerRow));
            }

            seconds += Math.Min(1.5 * microseconds * 1e-6 * _settings.ReportRows, 0.1 * budget);
        }

        if (_settings.SavesModel)
        {
            double bytes = standings.BestOf.Select(r => r.ModelBytes).DefaultIfEmpty(0).Max();
            if (_settings.EnsembleSelection)
            {
                bytes = Math.Max(bytes, standings.LeadersByKind.Select(kind => (double)kind.Sum(r => r.ModelBytes)).DefaultIfEmpty(0).Max());
            }

            seconds += Math.Min(bytes * _executor.RefitScale / SweepOptions.SaveBytesPerSecond, 0.1 * budget);
        }

        return seconds;
    }

    /// <summary>
    /// What <see cref="RemeasurePredictCosts"/> will take: for each kept fold model up to <see cref="PredictTiming.EnoughSeconds"/>,
    /// or two passes of a slower one at its measured cost.
    /// </summary>
    private double RemeasureSeconds() => _remeasured ? 0 : _foldModels.Keys.Sum(index => _finished.TryGetValue(index, out var r)
        ? Math.Max(PredictTiming.EnoughSeconds, PredictTiming.MinimumPasses * PredictTiming.BatchRows * r.PredictMicrosecondsPerRow * 1e-6)
        : 0);

    private double RefitOnlySeconds(double budget, Standings standings)
    {
        // The refit of the best trial on all rows, scaled from its per-fold fit time, plus a little for the report,
        // plus scoring the caller's report rows.
        var estimate = (0.02 * budget) + AfterSweepSeconds(budget, standings) + RemeasureSeconds();
        if (_best is not null)
        {
            // With ensemble selection the winner may be a blend: reserve for refitting the best trial of each of
            // the three leading candidates of a kind (the costlier kind), not only the best one.
            // A trial fitted on a sample refits on all rows: scale its time by the sample fraction too.
            static double AllRows(TrialRecord r) => r.FitSeconds / Math.Clamp(r.SampleFraction, 1e-6, 1);
            var fitSeconds = AllRows(_best);
            if (_settings.EnsembleSelection)
            {
                fitSeconds = standings.LeadersByKind.Select(kind => kind.Sum(AllRows)).DefaultIfEmpty(fitSeconds).Max();
            }

            var perFold = fitSeconds / Math.Max(1, _executor.FoldCount);
            estimate += 1.3 * perFold * _executor.RefitScale / Math.Max(1, Math.Min(_settings.Threads, 2));
        }

        return Math.Min(estimate, 0.3 * budget);
    }

    /// <summary>
    /// Each candidate's best trial, and per kind the three leading ones (what that kind's ensemble would blend and refit).
    /// </summary>
    private sealed record Standings(IReadOnlyCollection<TrialRecord> BestOf, IReadOnlyList<IReadOnlyList<TrialRecord>> LeadersByKind);

    private Standings CurrentStandings()
    {
        var bestOf = BestPerCandidate().Values;
        var leaders = bestOf.GroupBy(r => r.Kind)
            .Select(kind => (IReadOnlyList<TrialRecord>)[.. kind.OrderBy(r => _metric.ToLoss(r.ValidationScore)).Take(3)])
            .ToArray();
        return new Standings(bestOf, leaders);
    }

    private void Report(SweepEventKind kind, int index, string? candidate, TrialRecord? trial) =>
        _progress?.Report(new SweepEvent(kind, index, candidate, trial, _best, _finished.Count, Elapsed, Remaining));

    private async Task<SweepResult> FinishAsync(CancellationToken cancellationToken)
    {
        var trials = new List<TrialRecord>(_finished.Values);
        if (_best is null)
        {
            throw new SweepFailedException(NoSuccessMessage(trials), trials);
        }

        RemeasurePredictCosts(cancellationToken);
        trials = [.. _finished.Values];
        var finisher = new SweepFinisher(_settings, _request, _executor, _metric, _time, _started);
        var bestOf = BestPerCandidate();
        // One ensemble per kind: the general one from general candidates, the specialised one from any candidates
        // with at least one specialised member (SweepFinisher.TrySelectEnsemble).
        var ensembles = new List<EnsembleEntry>();
        if (_settings.EnsembleSelection)
        {
            var library = TopPerCandidate(EnsemblePoolPerCandidate);
            foreach (var kind in library.Select(r => r.Kind).Distinct().Order())
            {
                if (finisher.TrySelectEnsemble(library, kind, _validationScores, _configurations, trials.Count, Elapsed.TotalSeconds) is { } entry)
                {
                    ensembles.Add(entry);
                    trials.Add(entry.Record);
                    bestOf[entry.Record.Candidate] = entry.Record;
                    _validationScores[entry.Record.Index] = entry.ValidationScores;
                    _configurations[entry.Record.Index] = (entry.Candidate, ParameterSet.Empty);
                }
            }
        }

        TrialRecord winner;
        string reason;
        KindComparison? comparison;
        var selection = await ReevaluateAsync(ensembles, cancellationToken).ConfigureAwait(false);
        if (selection.BestOf is not null)
        {
            var fresh = new SweepFinisher(_settings, _request, selection.Executor!, _metric, _time, _started, selection.Basis, selection.Rows);
            var (chosen, why, compared) = fresh.ChooseWinner(selection.BestOf, selection.Scores!);
            winner = ensembles.Find(e => e.Record.Index == chosen.Index)?.Record ?? _finished[chosen.Index];
            reason = $"{selection.Note}; {why}";
            comparison = compared;
        }
        else
        {
            (winner, reason, comparison) = finisher.ChooseWinner(bestOf, _validationScores);
            if (selection.Note is not null)
            {
                reason = $"{reason} ({selection.Note})";
            }
        }

        var (candidate, parameters) = _configurations[winner.Index];
        Report(SweepEventKind.Refitting, winner.Index, winner.Candidate, winner);
        var winningEnsemble = ensembles.Find(e => e.Record == winner);
        var foldModel = winningEnsemble is not null
            ? EnsembleFromFoldModels(winningEnsemble)
            : _foldModels.GetValueOrDefault(winner.Index);

        var (model, refitted) = await finisher.RefitAsync(candidate, parameters, foldModel, winner,
            _settings.BudgetSeconds is { } budget ? AfterSweepSeconds(budget, CurrentStandings()) : 0, cancellationToken).ConfigureAwait(false);
        var described = model as IDescribedCandidate;
        var candidateModels = new Dictionary<int, IFittedCandidate>(_foldModels);
        foreach (var entry in ensembles)
        {
            if (entry != winningEnsemble && EnsembleFromFoldModels(entry) is { } blended)
            {
                // An ensemble row gets a test score like every other row: from its members' fold models.
                candidateModels[entry.Record.Index] = blended;
            }
        }

        var result = new SweepResult(
            _request.Plan.Task,
            _metric,
            _request.Train.ClassNames,
            trials,
            winner,
            reason,
            candidate,
            parameters,
            model,
            refitted,
            _executor.Split.Description,
            _executor.Split.Hash,
            _executor.Split.FoldCount,
            _executor.ValidationLabels,
            _validationScores.GetValueOrDefault(winner.Index),
            comparison,
            Elapsed,
            described?.Details ?? [],
            described?.Pipeline,
            candidateModels,
            _request.Scenario)
        {
            SelectionScores = selection.Rescored ?? new Dictionary<int, SelectionScore>(),
            MaximumTrials = _settings.MaximumTrials,
        };
        Report(SweepEventKind.Completed, -1, null, winner);
        return result;
    }

    /// <summary>
    /// Why no trial succeeded. When the latency cap pruned every trial, that is the whole story: it says so, with the
    /// fastest trial's cost against the cap, rather than listing each trial as a failure.
    /// </summary>
    private string NoSuccessMessage(List<TrialRecord> trials)
    {
        if (trials.Count == 0)
        {
            return "No trial ran within the budget.";
        }

        var cap = _settings.MaximumPredictMicrosecondsPerRow;
        var overCap = cap is { } c ? trials.Where(t => t.Status == TrialStatus.Pruned && t.PredictMicrosecondsPerRow > c).ToList() : [];
        var fastest = overCap.MinBy(t => t.PredictMicrosecondsPerRow);
        var latency = fastest is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"the fastest, {fastest.Candidate} (trial #{fastest.Index}), predicted at {fastest.PredictMicrosecondsPerRow:0.0##} µs/row, over the {cap:0.0##} µs/row cap");
        if (overCap.Count == trials.Count)
        {
            return $"No candidate predicts within the latency cap: all {trials.Count} trials were pruned for it; {latency}. Raise the cap (--max-predict-us) or leave it out.";
        }

        if (overCap.Count > 0 && trials.TrueForAll(t => overCap.Contains(t) || t.Status == TrialStatus.TimedOut))
        {
            // Every trial that got as far as predicting was too slow, and the rest ran out of time: the cap is still
            // the story (a 0.001 µs/row cap on churn had read "All 14 trials failed: ..., and #9 gbdt: Stopped at the
            // per-trial cap of 3.14 s, after 3.140 s.; ...", no advice, and the time-outs as the failures).
            var timedOut = trials.Where(t => !overCap.Contains(t)).ToList();
            var examples = string.Join("; ", timedOut.Take(3).Select(t => $"#{t.Index} {t.Candidate}: {t.Error?.TrimEnd('.')}"));
            return string.Create(CultureInfo.InvariantCulture,
                $"No candidate predicts within the latency cap: {overCap.Count} of {trials.Count} trials were pruned for it; {latency}. The other {timedOut.Count} ran out of time before their predict cost was measured ({examples}{(timedOut.Count > 3 ? "; ..." : "")}). Raise the cap (--max-predict-us) or leave it out.");
        }

        if (trials.TrueForAll(t => t.Status == TrialStatus.TimedOut))
        {
            // Not a failure of the candidates: the time given was too short for any of them (a small budget on text).
            string?[] limits =
            [
                _settings.MaximumTrialSeconds is { } seconds ? string.Create(CultureInfo.InvariantCulture, $"the per-trial cap of {seconds:0.0##} s") : null,
                _settings.BudgetSeconds is { } budget ? string.Create(CultureInfo.InvariantCulture, $"the sweep's deadline at {budget:0.0##} s") : null,
            ];
            return string.Create(CultureInfo.InvariantCulture,
                $"No trial finished in time: all {trials.Count} ran into {string.Join(" or ", limits.OfType<string>())}; the longest ran {trials.Max(t => t.FitSeconds):0.0} s. A larger budget or per-trial cap gives them the time (eml automl --budget, --max-trial-seconds; in the service, budgetSeconds and Jobs:MaxTrialSeconds).");
        }

        var errors = string.Join("; ", trials.Where(t => !overCap.Contains(t)).Take(5).Select(t => $"#{t.Index} {t.Candidate}: {t.Error?.TrimEnd('.')}"));
        return overCap.Count == 0
            ? $"All {trials.Count} trials failed. {errors}"
            : $"All {trials.Count} trials failed: {overCap.Count} predicted slower than the latency cap ({latency}), and {errors}";
    }

    /// <summary>
    /// Times the kept fold models (each candidate's best few trials: the ensemble pool, the finalists, the winner) again
    /// now that no trial runs beside them, and keeps the faster of that and the search's measurement. During the search
    /// the other trial slots fit models on the same cores, and a busy stretch can outlast all of a trial's timing
    /// passes; the tie rule and the leaderboard then read these quieter numbers (<see cref="PredictTiming"/>).
    /// </summary>
    private void RemeasurePredictCosts(CancellationToken cancellationToken)
    {
        // Done before the re-evaluation, but reserved with the refit: from here on the reserve no longer holds it,
        // so the re-evaluation's deadline is not cut by time already spent.
        _remeasured = true;
        foreach (var (index, model) in _foldModels.OrderBy(p => p.Key))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_finished.TryGetValue(index, out var record) && _executor.MeasurePredict(model, cancellationToken) is { } microseconds
                && microseconds < record.PredictMicrosecondsPerRow)
            {
                var quiet = record with { PredictMicrosecondsPerRow = microseconds };
                _finished[index] = quiet;
                if (_best?.Index == index)
                {
                    _best = quiet;
                }
            }
        }
    }

    /// <summary>The ensemble blended from its members' fold models; null when one of them was not kept.</summary>
    private IFittedCandidate? EnsembleFromFoldModels(EnsembleEntry ensemble)
    {
        var members = new List<IFittedCandidate>();
        foreach (var member in ensemble.Candidate.Members)
        {
            if (_foldModels.TryGetValue(member.TrialIndex, out var m))
            {
                members.Add(m);
            }
        }

        return members.Count == ensemble.Candidate.Members.Count ? ensemble.Candidate.FromFitted(members) : null;
    }

    /// <summary>The outcome of <see cref="ReevaluateAsync"/>: null scores when it did not run (then the note may say why).</summary>
    private sealed record Selection(
        Dictionary<string, TrialRecord>? BestOf,
        Dictionary<int, SelectionScore>? Rescored,
        Dictionary<int, float[]>? Scores,
        BootstrapRows? Rows,
        TrialExecutor? Executor,
        string? Basis,
        string? Note);

    /// <summary>
    /// Scores the best few trials of each candidate and the ensembles again on fresh assignments of the same training
    /// rows (<see cref="SweepSettings.SelectionRepeats"/> of them: repeated CV, or repeated random holdouts), drawn
    /// with seeds the search never used. The search picked these trials because they scored well on the sweep's
    /// split, so after many trials those scores are biased upwards, most for the candidates with the most trials; the
    /// fresh assignments are not biased by that selection. A finalist's fresh score is its mean over the repeats; per
    /// candidate the finalist with the best one represents it, and the winner and the tie test (a bootstrap over the
    /// repeats' rows) use the fresh scores. The sweep's fixed, hashed validation split is unchanged and is what the
    /// leaderboard shows. Returns no scores on a time-ordered split, when disabled, with fewer than two candidates, or
    /// when not even the first repeat finishes in time.
    /// </summary>
    private async Task<Selection> ReevaluateAsync(IReadOnlyList<EnsembleEntry> ensembles, CancellationToken cancellationToken)
    {
        var none = new Selection(null, null, null, null, null, null, null);
        if (!Reevaluates)
        {
            return none;
        }

        // The jobs: the best trials of each candidate (the finalists), then the ensembles' members that are not
        // finalists (helpers). An ensemble is no job: like in the search, its score is the blend of its members'
        // out-of-fold outputs, each fitted once with its own trial seed, not a second fit of every member.
        var jobs = new List<(TrialRecord Record, ICandidate Candidate, ParameterSet Parameters)>();
        foreach (var r in TopPerCandidate(_settings.SelectionFinalistsPerCandidate))
        {
            if (_configurations.TryGetValue(r.Index, out var configuration))
            {
                jobs.Add((r, configuration.Candidate, configuration.Parameters));
            }
        }

        var ranked = jobs.Count;
        var usable = new List<EnsembleEntry>();
        foreach (var ensemble in ensembles)
        {
            if (ensemble.Candidate.Members.Any(m => !_finished.ContainsKey(m.TrialIndex)))
            {
                continue;
            }

            usable.Add(ensemble);
            foreach (var member in ensemble.Candidate.Members)
            {
                if (!jobs.Exists(j => j.Record.Index == member.TrialIndex))
                {
                    jobs.Add((_finished[member.TrialIndex], member.Candidate, member.Parameters));
                }
            }
        }

        // Finalists: the ranked jobs, then the ensembles (their outcomes are composed after the jobs have run).
        var finalists = jobs.Take(ranked).Select(j => j.Record).Concat(usable.Select(e => e.Record)).ToList();
        if (finalists.Select(f => f.Candidate).Distinct(StringComparer.Ordinal).Count() < 2)
        {
            return none;
        }

        // The finalists run on up to SelectionRepeats fresh assignments of the rows (repeated CV, or repeated random
        // holdouts on larger data): one assignment's luck moves a score by about as much as the finalists differ.
        var first = ValidationSplit.Create(_request.Train, _request.Plan.Validation, unchecked(_settings.Seed + ReevaluationSeedOffset));
        var splits = new List<ValidationSplit> { first };
        for (var r = 1; r < _settings.SelectionRepeats; r++)
        {
            splits.Add(ValidationSplit.Create(_request.Train, _request.Plan.Validation, unchecked(_settings.Seed + ReevaluationSeedOffset + r)));
        }

        var reevaluationSettings = _settings with { EarlyStopping = false, MaximumPredictMicrosecondsPerRow = null };
        // Created when their repeat starts: each holds its own copy of the training rows, split into folds.
        var executors = new TrialExecutor[splits.Count];
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TimeSpan? abandonAt = null;
        if (_settings.BudgetSeconds is { } budget)
        {
            var left = TimeSpan.FromSeconds(budget - RefitOnlySeconds(budget, CurrentStandings())) - Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return none with { Note = "selection re-evaluation skipped: no budget left" };
            }

            cancel.CancelAfter(left);

            // A fit that ignores its token is abandoned after a short grace period, as in the search. A point in the
            // sweep's time, not a span: the loop below can spend all of it waiting for a slot (finalists that ignore
            // their token hold theirs), and waiting `left` again after it had run a 4 s sweep to 4.4 s.
            abandonAt = Elapsed + left + TimeSpan.FromSeconds(Math.Min(1.0, 0.01 * budget));
        }

        // Each finalist on one thread, up to the thread budget at once, every finalist of a repeat before the next
        // repeat starts, so the deadline cuts whole repeats off the end; a finalist's result does not depend on the others.
        var outcomes = new TrialOutcome?[splits.Count, jobs.Count];
        // Not disposed: an abandoned finalist may still release its slot after this method returns.
#pragma warning disable CA2000
        var slots = new SemaphoreSlim(Math.Max(1, _settings.Threads));
#pragma warning restore CA2000
        var tasks = new List<Task>();
        for (var r = 0; r < splits.Count; r++)
        {
            executors[r] = new TrialExecutor(_request, splits[r], reevaluationSettings);
            for (var i = 0; i < jobs.Count; i++)
            {
                var (repeat, at) = (r, i);
                var (record, candidate, parameters) = jobs[i];
                var job = new TrialJob(record.Index, candidate, [], parameters, SampleRowsOf(candidate), null, TrialSeed(record.Index), 1);
                try
                {
                    // Started in order: this loop waits for a free slot before it starts the next job.
                    await slots.WaitAsync(cancel.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        // Only the scores are kept: the re-evaluation's fold models are not needed after it.
                        var outcome = await Task.Factory.StartNew(() => executors[repeat].Run(job, cancel.Token), CancellationToken.None,
                            TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
                        outcomes[repeat, at] = outcome with { FoldModel = null };
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }

            if (cancel.IsCancellationRequested)
            {
                break;
            }
        }

        try
        {
            var wait = abandonAt is { } at ? (at - Elapsed is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
            await Task.WhenAll(tasks).WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var repeats = 0;
        while (repeats < splits.Count && Enumerable.Range(0, jobs.Count).All(i =>
                   outcomes[repeats, i] is { } o && o.Record.Status != TrialStatus.TimedOut))
        {
            repeats++;
        }

        if (repeats == 0)
        {
            return none with { Note = $"selection re-evaluation of {finalists.Count} finalists did not finish within the budget, so the sweep's own scores decided" };
        }

        // Per finalist and repeat: a ranked job's outcome, or an ensemble's composed from its members'.
        var jobOf = new Dictionary<int, int>();
        for (var i = 0; i < jobs.Count; i++)
        {
            jobOf[jobs[i].Record.Index] = i;
        }

        var composed = new TrialOutcome[repeats, finalists.Count];
        for (var r = 0; r < repeats; r++)
        {
            for (var i = 0; i < ranked; i++)
            {
                composed[r, i] = outcomes[r, i]!;
            }

            for (var e = 0; e < usable.Count; e++)
            {
                var repeat = r;
                composed[r, ranked + e] = Blend(usable[e], index => outcomes[repeat, jobOf[index]]!, executors[r]);
            }
        }

        var bestOf = new Dictionary<string, TrialRecord>(StringComparer.Ordinal);
        var rescoredAll = new Dictionary<int, SelectionScore>();
        var scores = new Dictionary<int, float[]>();
        var width = executors[0].Width;
        var crossValidated = CrossValidated(first);
        var blocks = splits.Select(split => split.ValidationOrder.Length).ToArray();
        for (var i = 0; i < finalists.Count; i++)
        {
            if (Enumerable.Range(0, repeats).Any(r => composed[r, i].Record.Status != TrialStatus.Succeeded || composed[r, i].ValidationScores is null))
            {
                continue;
            }

            // The score is the mean over the repeats of each repeat's score; the spread is over all their folds. The
            // validation vectors are laid end to end, one block per repeat: under CV in training-row order, so the
            // bootstrap can draw the same rows from every repeat; a holdout's block is its own rows.
            var folds = new List<double>();
            double sum = 0;
            var vector = repeats == 1 ? composed[0, i].ValidationScores! : new float[blocks.Take(repeats).Sum() * width];
            var offset = 0;
            for (var r = 0; r < repeats; r++)
            {
                var outcome = composed[r, i];
                sum += outcome.Record.ValidationScore;
                folds.AddRange(outcome.FoldScores ?? [outcome.Record.ValidationScore]);
                if (repeats > 1)
                {
                    var validation = executors[r].Split.ValidationOrder;
                    for (var k = 0; k < validation.Length; k++)
                    {
                        var at = crossValidated ? validation[k] : k;
                        Array.Copy(outcome.ValidationScores!, k * width, vector, (offset + at) * width, width);
                    }
                }

                offset += blocks[r];
            }

            var rescored = finalists[i] with
            {
                ValidationScore = sum / repeats,
                ValidationSpread = repeats == 1 ? composed[0, i].Record.ValidationSpread : TrialExecutor.StandardDeviation(folds.ToArray()),
            };
            scores[rescored.Index] = vector;
            // One fold in all (a single holdout, one repeat) has no spread: NaN (null in JSON), as the validation spread.
            rescoredAll[rescored.Index] = new SelectionScore(rescored.ValidationScore, folds.Count > 1 ? rescored.ValidationSpread : double.NaN);
            if (TrialOrder.IsBetter(_metric, rescored, bestOf.GetValueOrDefault(rescored.Candidate)))
            {
                bestOf[rescored.Candidate] = rescored;
            }
        }

        if (bestOf.Count == 0)
        {
            return none with { Note = "every finalist failed on the selection re-evaluation folds, so the sweep's own scores decided" };
        }

        var hashes = string.Join(", ", splits.Take(repeats).Select(split => split.Hash));
        var basis = repeats == 1
            ? $"on the selection re-evaluation ({first.Description}, fresh fold seed, validation hash {hashes})"
            : $"on the selection re-evaluation ({first.Description} repeated {repeats} times, fresh fold seeds, validation hashes {hashes})";
        var cut = repeats < splits.Count ? $"; {repeats} of {splits.Count} repeats finished within the budget" : "";
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{finalists.Count} finalists ({(_settings.SelectionFinalistsPerCandidate == 1 ? "the best trial of each candidate" : $"the best {_settings.SelectionFinalistsPerCandidate} trials of each candidate")}{(usable.Count > 0 ? " and the ensembles" : "")}) re-scored {basis}{cut}");
        var labels = new float[blocks.Take(repeats).Sum()];
        for (int r = 0, at = 0; r < repeats; at += blocks[r], r++)
        {
            // Under CV in training-row order, as the vectors; a holdout's labels in its own validation order.
            var block = crossValidated && repeats > 1 ? _request.Train.Labels : executors[r].ValidationLabels;
            Array.Copy(block, 0, labels, at, blocks[r]);
        }

        return new Selection(bestOf, rescoredAll, scores, new BootstrapRows(labels, width, blocks.Take(repeats).ToArray(), crossValidated), executors[0], basis, note);
    }

    /// <summary>
    /// An ensemble's outcome on one re-evaluation repeat: the weighted mean of its members' out-of-fold outputs there,
    /// scored as the search scored it (<see cref="SweepFinisher.TrySelectEnsemble"/>). Failed when a member failed.
    /// </summary>
    private static TrialOutcome Blend(EnsembleEntry ensemble, Func<int, TrialOutcome> memberOutcome, TrialExecutor executor)
    {
        double[]? sum = null;
        var total = 0;
        foreach (var member in ensemble.Candidate.Members)
        {
            var outcome = memberOutcome(member.TrialIndex);
            if (outcome.Record.Status != TrialStatus.Succeeded || outcome.ValidationScores is not { } vector)
            {
                return new TrialOutcome(ensemble.Record with
                {
                    Status = TrialStatus.Failed,
                    Error = $"member {member.Candidate.Name}#{member.TrialIndex} did not succeed on the selection re-evaluation ({outcome.Record.Status.ToString().ToLowerInvariant()}{(outcome.Record.Error is { } error ? ": " + error : "")})",
                }, null, null);
            }

            sum ??= new double[vector.Length];
            for (var i = 0; i < vector.Length; i++)
            {
                sum[i] += member.Weight * (double)vector[i];
            }

            total += member.Weight;
        }

        var blend = new float[sum!.Length];
        for (var i = 0; i < blend.Length; i++)
        {
            blend[i] = (float)(sum[i] / total);
        }

        var folds = executor.FoldScoresOf(blend);
        var (score, spread) = TrialExecutor.Summarise(folds);
        var record = ensemble.Record with { ValidationScore = score, ValidationSpread = spread };
        return new TrialOutcome(record, blend, null, folds);
    }

    /// <summary>True for k-fold CV: every training row is validated once (a holdout validates only some).</summary>
    private bool CrossValidated(ValidationSplit split) => split.FoldCount > 1 && split.ValidationOrder.Length == _request.Train.RowCount;

    private sealed class RunningTrial(TrialJob job, CancellationTokenSource cancel, long started, long heapAtStart)
    {
        /// <summary>The live managed heap in bytes when the trial started (0 without a memory cap).</summary>
        public long HeapAtStart { get; } = heapAtStart;

        public TrialJob Job { get; } = job;

        /// <summary>The trial's work; set once, right after construction, before the runner reads it.</summary>
        public Task<TrialOutcome> Task { get; set; } = null!;

        /// <summary>The timestamp at which the trial's work returned (set on the trial's thread before its task completes).</summary>
        public long Ended { get; set; }

        public CancellationTokenSource Cancel { get; } = cancel;

        public long Started { get; } = started;

        /// <summary>The live heap's growth (bytes) that stopped the trial; null while the memory cap has not.</summary>
        public long? MemoryGrowth { get; set; }

        /// <summary>How long the trial had run when the memory cap stopped it.</summary>
        public TimeSpan MemoryStoppedAfter { get; set; }

        /// <summary>The trials running (this one included) when the memory cap stopped it: the cap is per running trial.</summary>
        public int RunningBeside { get; set; } = 1;
    }
}

