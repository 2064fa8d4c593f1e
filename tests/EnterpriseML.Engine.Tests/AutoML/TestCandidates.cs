using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>
/// A real but tiny binary model for runner tests: standardised numeric columns weighted by their class-mean
/// difference, the strongest <c>Features</c> of them, through a logistic link with slope <c>Slope</c>.
/// </summary>
internal sealed class CentroidCandidate(string name = "centroid", CandidateKind kind = CandidateKind.General, int defaultFeatures = 1) : ICandidate
{
    private int _fits;

    public string Name => name;

    public CandidateKind Kind => kind;

    public string Trainer => "centroid";

    private SearchSpace? _space;

    public SearchSpace SearchSpace => _space ??= Space ?? (SizeParameter
        ? new(SearchParameter.Int("Features", 1, 7, defaultFeatures), SearchParameter.Float("Slope", 0.05, 5, 1, SearchScale.Log),
            SearchParameter.Int("PaddingKb", 0, 64, 0))
        : new(SearchParameter.Int("Features", 1, 7, defaultFeatures), SearchParameter.Float("Slope", 0.05, 5, 1, SearchScale.Log)));

    /// <summary>A search space in place of the usual one (it must declare <c>Features</c> and <c>Slope</c>).</summary>
    public SearchSpace? Space { get; init; }

    /// <summary>
    /// Adds a <c>PaddingKb</c> parameter: kilobytes the saved model carries on top of <see cref="PaddingBytes"/>, so
    /// trials with the same scores differ in size.
    /// </summary>
    public bool SizeParameter { get; init; }

    public int Fits => Volatile.Read(ref _fits);

    public Action<CancellationToken>? DuringFit { get; init; }

    public int PredictDelayMicroseconds { get; init; }

    /// <summary>A fixed cost per scoring call, whatever its row count (a model's per-batch overhead).</summary>
    public int PredictCallMilliseconds { get; init; }

    /// <summary>When set, <see cref="PredictCallMilliseconds"/> applies only while this returns true (a busy stretch).</summary>
    public Func<bool>? Busy { get; init; }

    /// <summary>Scores 1 − p instead of p: a candidate that is bad whatever its parameters (AUC below 0.5).</summary>
    public bool Inverted { get; init; }

    /// <summary>Zero bytes a saved model carries after its weights (a large model: a deep forest).</summary>
    public int PaddingBytes { get; init; }

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _fits);
        DuringFit?.Invoke(cancellationToken);
        var data = context.Train;
        var columns = new List<(string Name, float Mean, float Scale, float Weight)>();
        foreach (var column in data.Features.Columns)
        {
            if (column is not NumericColumn numeric)
            {
                continue;
            }

            double sum = 0, sumSq = 0, pos = 0, neg = 0, nPos = 0, nNeg = 0;
            for (var i = 0; i < data.RowCount; i++)
            {
                var v = numeric.Values[i];
                sum += v;
                sumSq += v * v;
                if (data.Labels[i] > 0.5f)
                {
                    pos += v;
                    nPos++;
                }
                else
                {
                    neg += v;
                    nNeg++;
                }
            }

            var mean = sum / data.RowCount;
            var sd = Math.Sqrt(Math.Max(1e-12, (sumSq / data.RowCount) - (mean * mean)));
            columns.Add((column.Name, (float)mean, (float)sd, (float)(((pos / nPos) - (neg / nNeg)) / sd)));
        }

        columns.Sort((a, b) => Math.Abs(b.Weight).CompareTo(Math.Abs(a.Weight)));
        var kept = columns.Take(parameters.GetInt("Features")).ToArray();
        var padding = PaddingBytes + (SizeParameter ? parameters.GetInt("PaddingKb") * 1024 : 0);
        return new Fitted(kept, (float)parameters.GetDouble("Slope"), PredictDelayMicroseconds, PredictCallMilliseconds, Busy, Inverted, padding);
    }

    private sealed class Fitted((string Name, float Mean, float Scale, float Weight)[] columns, float slope, int delay, int perCall, Func<bool>? busy, bool inverted, int padding) : IFittedCandidate
    {
        public float[] Score(DataTable rows)
        {
            var call = busy is null || busy() ? perCall : 0;
            if (delay > 0 || call > 0)
            {
                Thread.Sleep(TimeSpan.FromMicroseconds((delay * (double)rows.RowCount) + (call * 1000.0)));
            }

            var scores = new float[rows.RowCount];
            foreach (var (name, mean, scale, weight) in columns)
            {
                var values = ((NumericColumn)rows[name]).Values;
                for (var i = 0; i < scores.Length; i++)
                {
                    scores[i] += weight * (values[i] - mean) / scale;
                }
            }

            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = 1f / (1f + MathF.Exp((inverted ? slope : -slope) * scores[i]));
            }

            return scores;
        }

        public void Save(Stream stream)
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(columns.Length);
            foreach (var (name, mean, scale, weight) in columns)
            {
                writer.Write(name);
                writer.Write(mean);
                writer.Write(scale);
                writer.Write(weight);
            }

            writer.Write(slope);
            for (var left = padding; left > 0; left -= Zeros.Length)
            {
                writer.Write(Zeros, 0, Math.Min(left, Zeros.Length));
            }
        }

        private static readonly byte[] Zeros = new byte[1 << 20];
    }
}

/// <summary>A candidate whose fit always throws.</summary>
internal sealed class FailingCandidate : ICandidate
{
    public string Name => "failing";

    public CandidateKind Kind => CandidateKind.Specialised;

    public string Trainer => "failing";

    public SearchSpace SearchSpace { get; } = new(SearchParameter.Float("X", 0, 1, 0.5));

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("This candidate always fails.");
}

internal static class TestData
{
    private static readonly Lazy<CandidateData> Credit = new(() =>
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        return LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad");
    });

    public static CandidateData CreditGerman => Credit.Value;

    /// <summary>A binary AUC sweep of <paramref name="candidates"/> on German credit.</summary>
    public static SweepRequest Request(params ICandidate[] candidates) =>
        new(CreditGerman, new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, candidates));
}

/// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
internal sealed class SynchronousProgress(Action<SweepEvent> report) : IProgress<SweepEvent>
{
    public void Report(SweepEvent value) => report(value);
}

internal static class TestWork
{
    /// <summary>Busy for <paramref name="milliseconds"/>, checking the token every 10 ms (a fit that honours cancellation).</summary>
    public static void Spin(int milliseconds, CancellationToken token)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < milliseconds)
        {
            token.ThrowIfCancellationRequested();
            Thread.Sleep(Math.Min(10, milliseconds));
        }
    }
}

/// <summary>
/// <see cref="CentroidCandidate"/> whose fitted model holds <paramref name="heldBytes"/> of managed memory (a large
/// model in memory: a deep forest), for the memory cap's tests.
/// </summary>
internal sealed class HoldingCandidate(CentroidCandidate inner, int heldBytes) : ICandidate
{
    public string Name => inner.Name;

    public CandidateKind Kind => inner.Kind;

    public string Trainer => inner.Trainer;

    public SearchSpace SearchSpace => inner.SearchSpace;

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        var held = new byte[heldBytes];
        Array.Fill(held, (byte)1);
        return new Held(inner.Fit(context, parameters, cancellationToken), held);
    }

    private sealed class Held(IFittedCandidate model, byte[] held) : IFittedCandidate
    {
        public byte[] Memory { get; } = held;

        public float[] Score(DataTable rows) => model.Score(rows);

        public void Save(Stream stream) => model.Save(stream);
    }
}
