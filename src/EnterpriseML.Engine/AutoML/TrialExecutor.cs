using System.Globalization;
using System.Diagnostics;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>One trial to run; <paramref name="SampleRows"/> &gt; 0 fits each fold on a stratified random sample of that many training rows.</summary>
internal sealed record TrialJob(
    int Index,
    ICandidate Candidate,
    double[] Point,
    ParameterSet Parameters,
    int SampleRows,
    HopelessReference? Hopeless,
    int Seed,
    int Threads);

/// <summary>
/// What a trial is compared with for early stopping: the best trial the tuners have seen, its score on each fold,
/// and the margin (twice its fold spread). The comparison is paired: after k folds, the trial's mean over those k
/// folds against the best trial's mean over the same k folds, so a hard first fold does not look hopeless.
/// </summary>
internal sealed record HopelessReference(double[] FoldScores, double Margin);

/// <summary>A trial's record plus what the finisher needs from it (out-of-fold scores, the first fold's model).</summary>
internal sealed record TrialOutcome(TrialRecord Record, float[]? ValidationScores, IFittedCandidate? FoldModel, double[]? FoldScores = null)
{
    public static TrialOutcome Stopped(TrialJob job, TrialStatus status, string reason) =>
        new(TrialExecutor.NewRecord(job, status, reason), null, null);
}

/// <summary>
/// Runs one trial on the sweep's fixed folds: fit, score the validation rows, time prediction, measure the model,
/// prune on the latency cap, stop early when hopeless. Thread-safe: trials run concurrently on their own threads.
/// </summary>
internal sealed class TrialExecutor
{
    private readonly SweepRequest _request;
    private readonly SweepSettings _settings;
    private readonly CandidateData[] _foldTrain;
    private readonly Dictionary<int, CandidateData[]> _samples = [];
    private readonly CandidateData[] _foldValid;
    private readonly int[] _offsets;
    private readonly int _width;
    private readonly DataTable? _timingBatch;

    public TrialExecutor(SweepRequest request, ValidationSplit split, SweepSettings settings)
    {
        _request = request;
        _settings = settings;
        Split = split;
        var data = request.Train;
        var folds = split.FoldCount;
        _foldTrain = new CandidateData[folds];
        _foldValid = new CandidateData[folds];
        _offsets = new int[folds + 1];
        var largest = 0;
        for (var f = 0; f < folds; f++)
        {
            _foldTrain[f] = data.SelectRows(split.TrainRows[f]);
            _foldValid[f] = data.SelectRows(split.ValidationRows[f]);
            _offsets[f + 1] = _offsets[f] + split.ValidationRows[f].Length;
            largest = Math.Max(largest, split.TrainRows[f].Length);
        }

        NeedsSubsample = largest > settings.SubsampleThresholdRows;
        LargestFoldRows = largest;
        if (NeedsSubsample)
        {
            Sample(settings.SubsampleRows);
        }

        _width = data.Task == Trainers.TaskKind.Multiclass ? data.ClassNames.Count : 1;
        ValidationLabels = new float[split.ValidationOrder.Length];
        for (var i = 0; i < ValidationLabels.Length; i++)
        {
            ValidationLabels[i] = data.Labels[split.ValidationOrder[i]];
        }

        RefitScale = (double)data.RowCount / Math.Max(1, split.TrainRows[0].Length);
        _timingBatch = PredictTiming.Batch(_foldValid[0].Features);
    }

    public ValidationSplit Split { get; }

    public int FoldCount => Split.FoldCount;

    /// <summary>True when early trials run on a stratified subsample.</summary>
    public bool NeedsSubsample { get; }

    /// <summary>Training rows of the largest fold.</summary>
    public int LargestFoldRows { get; }

    /// <summary>All training rows over one fold's training rows: how much longer a refit takes.</summary>
    public double RefitScale { get; }

    /// <summary>Validation labels in out-of-fold order.</summary>
    public float[] ValidationLabels { get; }

    /// <summary>Scores per row of the out-of-fold vector (1, or K for multiclass).</summary>
    public int Width => _width;

    /// <summary>µs/row of <paramref name="model"/> on this split's timing batch (<see cref="PredictTiming"/>); null without validation rows.</summary>
    public double? MeasurePredict(IFittedCandidate model, CancellationToken cancellationToken) =>
        _timingBatch is null ? null : PredictTiming.MicrosecondsPerRow(model, _timingBatch, cancellationToken);

    /// <summary>A trial stopped by its token; the runner replaces it with the limit that fired, when it knows it.</summary>
    internal const string CancelledError = "Cancelled: the trial time cap or the sweep deadline was reached.";

    public TrialOutcome Run(TrialJob job, CancellationToken cancellationToken)
    {
        var metric = _request.Plan.PrimaryMetric;
        var folds = FoldCount;
        var oof = new float[ValidationLabels.Length * _width];
        var foldScores = new double[folds];
        double fitSeconds = 0;
        var cpu = new FitCpuClock(job.Threads, _settings.ParallelTrials);
        double predictMicroseconds = 0;
        long modelBytes = 0;
        IFittedCandidate? firstModel = null;
        var watch = new Stopwatch();
        try
        {
            for (var f = 0; f < folds; f++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var train = job.SampleRows > 0 ? Sample(job.SampleRows)[f] : _foldTrain[f];
                var context = new CandidateFitContext(train, job.Seed, job.Threads, _request.Plan.Columns);
                watch.Restart();
                cpu.Start();
                var fitted = job.Candidate.Fit(context, job.Parameters, cancellationToken);
                cpu.Stop();
                fitSeconds += watch.Elapsed.TotalSeconds;
                cancellationToken.ThrowIfCancellationRequested();

                var valid = _foldValid[f];
                var scores = fitted.Score(valid.Features);
                if (scores.Length != valid.RowCount * _width)
                {
                    throw new InvalidOperationException(
                        $"Candidate '{job.Candidate.Name}' returned {scores.Length} scores for {valid.RowCount} rows; expected {valid.RowCount * _width}.");
                }

                if (f == 0)
                {
                    firstModel = fitted;
                    // Timed after the scoring pass above, which warmed the model's code up (PredictTiming).
                    predictMicroseconds = MeasurePredict(fitted, cancellationToken) ?? 0;
                    modelBytes = MeasureBytes(fitted);
                    if (_settings.MaximumPredictMicrosecondsPerRow is { } cap && predictMicroseconds > cap)
                    {
                        return Pruned(job, string.Create(CultureInfo.InvariantCulture, $"Predicts at {predictMicroseconds:0.0##} µs/row, over the {cap:0.0##} µs/row cap."),
                            fitSeconds, cpu.Seconds, predictMicroseconds, modelBytes);
                    }
                }

                scores.CopyTo(oof, _offsets[f] * _width);
                foldScores[f] = metric.Compute(valid.Labels, scores, _request.Train.ClassNames.Count);
                if (double.IsNaN(foldScores[f]))
                {
                    throw new InvalidOperationException($"The {metric.Name} of fold {f} is undefined (NaN scores or one class only).");
                }

                if (_settings.EarlyStopping && f < folds - 1 && job.Hopeless is { } reference && reference.FoldScores.Length == folds)
                {
                    var mean = Mean(foldScores.AsSpan(0, f + 1));
                    var bestMean = Mean(reference.FoldScores.AsSpan(0, f + 1));
                    var behind = metric.HigherIsBetter ? bestMean - mean : mean - bestMean;
                    if (behind > reference.Margin)
                    {
                        return Pruned(job, $"Stopped early after {f + 1} of {folds} folds: mean {metric.Name} {mean:0.####} on them is {behind:0.####} behind the best trial's {bestMean:0.####} on the same folds (margin: two fold deviations, {reference.Margin:0.####}).",
                            fitSeconds, cpu.Seconds, predictMicroseconds, modelBytes, mean);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            return new TrialOutcome(NewRecord(job, TrialStatus.TimedOut, CancelledError) with
            {
                FitSeconds = fitSeconds,
            }, null, null);
        }
        catch (OutOfMemoryException)
        {
            // A trial's allocations die with it, so one configuration that does not fit in memory (a dense one-hot of
            // a wide column, say) fails like any other error and the sweep goes on.
            return new TrialOutcome(NewRecord(job, TrialStatus.Failed,
                $"OutOfMemoryException: the trial needed more memory than the process could get ({_request.Train.RowCount:N0} training rows); a smaller configuration or a per-trial memory cap avoids it.") with { FitSeconds = fitSeconds }, null, null);
        }
        catch (Exception e)
        {
            return new TrialOutcome(NewRecord(job, TrialStatus.Failed, $"{e.GetType().Name}: {e.Message}") with { FitSeconds = fitSeconds }, null, null);
        }

        var score = metric.Compute(ValidationLabels, oof, _request.Train.ClassNames.Count);
        if (folds > 1)
        {
            // The report's CV score is the mean over folds; the pooled out-of-fold score drives the comparison.
            score = Mean(foldScores);
        }

        var record = NewRecord(job, TrialStatus.Succeeded, null) with
        {
            ValidationScore = score,
            ValidationSpread = StandardDeviation(foldScores),
            FitSeconds = fitSeconds,
            FitCpuSeconds = cpu.Seconds,
            PredictMicrosecondsPerRow = predictMicroseconds,
            ModelBytes = modelBytes,
            SampleFraction = SampleFraction(job),
        };
        return new TrialOutcome(record, oof, firstModel, foldScores);
    }

    /// <summary>
    /// The sweep's validation score of an out-of-fold score vector, computed as for trials: the mean of the per-fold
    /// metric under CV, the metric itself on a holdout.
    /// </summary>
    public double ScoreOutOfFold(float[] scores) => ScoreOutOfFoldWithSpread(scores).Score;

    /// <summary>As <see cref="ScoreOutOfFold"/>, with the standard deviation over folds (0 on a holdout).</summary>
    public (double Score, double Spread) ScoreOutOfFoldWithSpread(float[] scores) => Summarise(FoldScoresOf(scores));

    /// <summary>Per-fold scores as the sweep reports them: the mean and spread under CV, the one score of a holdout.</summary>
    public static (double Score, double Spread) Summarise(double[] folds) =>
        folds.Length == 1 ? (folds[0], 0) : (Mean(folds), StandardDeviation(folds));

    /// <summary>The metric on each fold's validation rows of an out-of-fold score vector (one value on a holdout).</summary>
    public double[] FoldScoresOf(float[] scores)
    {
        var metric = _request.Plan.PrimaryMetric;
        var classes = _request.Train.ClassNames.Count;
        var folds = new double[FoldCount];
        for (var f = 0; f < FoldCount; f++)
        {
            var from = _offsets[f];
            var to = _offsets[f + 1];
            folds[f] = metric.Compute(ValidationLabels.AsSpan(from, to - from), scores.AsSpan(from * _width, (to - from) * _width), classes);
        }

        return folds;
    }

    internal static TrialRecord NewRecord(TrialJob job, TrialStatus status, string? error) => new()
    {
        Index = job.Index,
        Candidate = job.Candidate.Name,
        Kind = job.Candidate.Kind,
        Trainer = job.Candidate.Trainer,
        Point = job.Point,
        Parameters = [.. job.Parameters.AsStrings()],
        Status = status,
        Error = error,
        SampleFraction = 1,
    };

    private TrialOutcome Pruned(TrialJob job, string reason, double fitSeconds, double fitCpuSeconds, double predictMicroseconds, long bytes, double partial = double.NaN) =>
        new(NewRecord(job, TrialStatus.Pruned, reason) with
        {
            FitSeconds = fitSeconds,
            FitCpuSeconds = fitCpuSeconds,
            PredictMicrosecondsPerRow = predictMicroseconds,
            ModelBytes = bytes,
            ValidationScore = partial,
            SampleFraction = SampleFraction(job),
        }, null, null);

    /// <summary>The share of the fold's training rows <paramref name="job"/> fits on.</summary>
    public double SampleFraction(TrialJob job) =>
        job.SampleRows > 0 ? (double)Sample(job.SampleRows)[0].RowCount / _foldTrain[0].RowCount : 1;

    /// <summary>
    /// Each fold's stratified random sample of <paramref name="rows"/> training rows (all of them when the fold is
    /// smaller), built once per size. The same seed per fold for every size, so a larger sample mostly contains the
    /// smaller ones.
    /// </summary>
    private CandidateData[] Sample(int rows)
    {
        lock (_samples)
        {
            if (!_samples.TryGetValue(rows, out var sample))
            {
                var data = _request.Train;
                sample = new CandidateData[FoldCount];
                for (var f = 0; f < sample.Length; f++)
                {
                    sample[f] = rows >= Split.TrainRows[f].Length
                        ? _foldTrain[f]
                        : data.SelectRows(ValidationSplit.StratifiedSubsample(data, Split.TrainRows[f], rows, _settings.Seed + f));
                }

                _samples[rows] = sample;
            }

            return sample;
        }
    }

    internal static long MeasureBytes(IFittedCandidate model)
    {
        using var counter = new CountingStream();
        model.Save(counter);
        return counter.Length;
    }

    private static double Mean(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    internal static double StandardDeviation(ReadOnlySpan<double> values)
    {
        if (values.Length < 2)
        {
            return 0;
        }

        var mean = Mean(values);
        double sum = 0;
        foreach (var v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return Math.Sqrt(sum / (values.Length - 1));
    }
}
