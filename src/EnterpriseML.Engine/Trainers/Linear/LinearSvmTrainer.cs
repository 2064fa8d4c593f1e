using System.Numerics.Tensors;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>
/// Binary linear support-vector machine trained by stochastic dual coordinate ascent (Shalev-Shwartz &amp; Zhang,
/// "Stochastic dual coordinate ascent methods for regularized loss minimization", JMLR 2013) on the hinge or the
/// smoothed hinge, with closed-form coordinate steps, deterministic per-epoch shuffles from <see cref="LinearSvmOptions.Seed"/>
/// and a duality-gap stopping rule. The intercept is a constant feature of value 1 (penalised like the others, as in
/// LIBLINEAR). The margins are then calibrated into probabilities by Platt scaling (Platt 1999, with the regularised
/// targets and Newton solver of Lin, Lin &amp; Weng 2007) fitted on the training margins and folded into the
/// coefficients, so the model outputs P(positive) = sigmoid(x·w + b) like logistic regression.
/// </summary>
public sealed class LinearSvmTrainer : ITrainer
{
    private const int BlockSize = VectorKernels.ChunkSize;
    private readonly double _l2;
    private readonly double _smoothing;
    private readonly int _epochs;
    private readonly double _tolerance;
    private readonly int _seed;
    private readonly int _maxDop;

    public LinearSvmTrainer(LinearSvmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _l2 = options.L2Regularization;
        _smoothing = options.HingeSmoothing;
        _epochs = options.NumberOfEpochs;
        _tolerance = options.OptimizationTolerance;
        _seed = options.Seed;
        _maxDop = options.MaxDegreeOfParallelism;
    }

    public LinearSvmTrainer(double l2Regularization = LinearDefaults.L2Regularization, int numberOfEpochs = LinearDefaults.NumberOfEpochs, int seed = LinearDefaults.Seed)
        : this(new LinearSvmOptions { L2Regularization = l2Regularization, NumberOfEpochs = numberOfEpochs, Seed = seed })
    {
    }

    public string Name => "linear-svm";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearFit.EnsureTask(data, Name, TaskKind.Binary);
        LinearFit.EnsureRows(data);
        LinearFit.EnsureFinite(data.Features);
        LinearFit.EnsureClassLabels(data);

        var x = data.Features;
        var n = x.RowCount;
        var dense = x.DenseColumnCount;
        var d = x.ColumnCount;
        var sparse = x.Sparse;

        // SDCA visits rows: one row-major copy of the dense block per fit.
        var rows = new float[n * dense];
        for (var j = 0; j < dense; j++)
        {
            var column = x.DenseColumn(j);
            for (var i = 0; i < n; i++)
            {
                rows[(i * dense) + j] = column[i];
            }
        }

        var norms = new float[n];
        var signs = new float[n];
        var cost = new float[n];
        for (var i = 0; i < n; i++)
        {
            var sq = TensorPrimitives.SumOfSquares(rows.AsSpan(i * dense, dense)) + 1f;
            if (sparse is not null)
            {
                sq += TensorPrimitives.SumOfSquares(sparse.RowValues(i));
            }

            norms[i] = sq;
            signs[i] = data.Labels[i] > 0.5f ? 1f : -1f;
            cost[i] = data.Weights?[i] ?? 1f;
        }

        var w = new float[d + 1]; // last entry: the bias feature
        var alpha = new double[n];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var random = new Random(_seed);
        var gamma = _smoothing;
        var invL2 = 1.0 / _l2;
        var margins = new float[n];
        var gap = new GapPass(this, x, rows, w, alpha, signs, cost, margins);
        for (var epoch = 0; epoch < _epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            for (var t = 0; t < n; t++)
            {
                var i = order[t];
                var c = cost[i];
                if (c <= 0)
                {
                    continue;
                }

                var row = rows.AsSpan(i * dense, dense);
                var margin = TensorPrimitives.Dot(row, w.AsSpan(0, dense)) + w[d];
                if (sparse is not null)
                {
                    margin += VectorKernels.SparseDot(sparse.RowIndices(i), sparse.RowValues(i), w.AsSpan(dense, d - dense));
                }

                var a = alpha[i];
                var step = (1 - (signs[i] * margin) - (gamma * a / c)) / ((norms[i] * invL2) + (gamma / c));
                var next = Math.Clamp(a + step, 0, c);
                var delta = next - a;
                if (delta == 0)
                {
                    continue;
                }

                alpha[i] = next;
                var scale = (float)(delta * signs[i] * invL2);
                TensorPrimitives.MultiplyAdd(row, scale, w.AsSpan(0, dense), w.AsSpan(0, dense));
                w[d] += scale;
                if (sparse is not null)
                {
                    var indices = sparse.RowIndices(i);
                    var values = sparse.RowValues(i);
                    for (var p = 0; p < indices.Length; p++)
                    {
                        w[dense + indices[p]] += scale * values[p];
                    }
                }
            }

            var (primal, dual) = gap.Run();
            if (primal - dual <= _tolerance * Math.Max(Math.Abs(primal), 1e-12))
            {
                break;
            }
        }

        // The last gap pass left the training margins of the final w in `margins`.
        var (slope, offset) = PlattScaling.Fit(margins, data.Labels, data.Weights);
        var weights = new float[d];
        TensorPrimitives.Multiply(w.AsSpan(0, d), (float)slope, weights);
        var bias = (float)((slope * w[d]) + offset);
        return new LinearPredictor(Name, TaskKind.Binary, LinearLink.Logistic, d, dense, weights, [bias], _maxDop);
    }

    /// <summary>Primal and dual objectives (and the training margins) over fixed row blocks reduced in order.</summary>
    private sealed class GapPass
    {
        private readonly LinearSvmTrainer _owner;
        private readonly FeatureMatrix _x;
        private readonly float[] _rows;
        private readonly float[] _w;
        private readonly double[] _alpha;
        private readonly float[] _signs;
        private readonly float[] _cost;
        private readonly float[] _margins;
        private readonly double[] _primal;
        private readonly double[] _dual;
        private readonly int _blocks;
        private readonly Action<int> _block;

        public GapPass(LinearSvmTrainer owner, FeatureMatrix x, float[] rows, float[] w, double[] alpha, float[] signs, float[] cost, float[] margins)
        {
            _owner = owner;
            _x = x;
            _rows = rows;
            _w = w;
            _alpha = alpha;
            _signs = signs;
            _cost = cost;
            _margins = margins;
            _blocks = (x.RowCount + BlockSize - 1) / BlockSize;
            _primal = new double[_blocks];
            _dual = new double[_blocks];
            _block = Block;
        }

        public (double Primal, double Dual) Run()
        {
            if (_owner._maxDop == 1 || _blocks == 1)
            {
                for (var b = 0; b < _blocks; b++)
                {
                    Block(b);
                }
            }
            else
            {
                Parallel.For(0, _blocks, new ParallelOptions { MaxDegreeOfParallelism = _owner._maxDop }, _block);
            }

            double primal = 0;
            double dual = 0;
            for (var b = 0; b < _blocks; b++)
            {
                primal += _primal[b];
                dual += _dual[b];
            }

            double sq = TensorPrimitives.SumOfSquares(_w);
            var penalty = 0.5 * _owner._l2 * sq;
            return (primal + penalty, dual - penalty);
        }

        private void Block(int block)
        {
            var dense = _x.DenseColumnCount;
            var d = _x.ColumnCount;
            var sparse = _x.Sparse;
            var start = block * BlockSize;
            var end = Math.Min(start + BlockSize, _x.RowCount);
            var gamma = _owner._smoothing;
            double primal = 0;
            double dual = 0;
            for (var i = start; i < end; i++)
            {
                var margin = TensorPrimitives.Dot(_rows.AsSpan(i * dense, dense), _w.AsSpan(0, dense)) + _w[d];
                if (sparse is not null)
                {
                    margin += VectorKernels.SparseDot(sparse.RowIndices(i), sparse.RowValues(i), _w.AsSpan(dense, d - dense));
                }

                _margins[i] = margin;
                double c = _cost[i];
                if (c <= 0)
                {
                    continue;
                }

                var z = _signs[i] * margin;
                primal += c * SmoothedHinge(z, gamma);
                var a = _alpha[i];
                dual += a - (gamma * a * a / (2 * c));
            }

            _primal[block] = primal;
            _dual[block] = dual;
        }
    }

    internal static double SmoothedHinge(double z, double gamma)
    {
        if (z >= 1)
        {
            return 0;
        }

        if (gamma == 0 || z <= 1 - gamma)
        {
            return 1 - z - (gamma / 2);
        }

        return (1 - z) * (1 - z) / (2 * gamma);
    }
}

/// <summary>
/// Platt scaling: fits P(y = 1 | f) = sigmoid(a·f + b) to scores f by Newton's method with backtracking on the
/// log-loss against the regularised targets (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2) (Lin, Lin &amp; Weng 2007).
/// </summary>
internal static class PlattScaling
{
    public static (double Slope, double Offset) Fit(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights)
    {
        double positives = 0;
        double negatives = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var c = weights.IsEmpty ? 1.0 : weights[i];
            if (labels[i] > 0.5f)
            {
                positives += c;
            }
            else
            {
                negatives += c;
            }
        }

        var high = (positives + 1) / (positives + 2);
        var low = 1 / (negatives + 2);
        double a = 0;
        var b = Math.Log((positives + 1) / (negatives + 1));
        var f = Objective(scores, labels, weights, a, b, high, low);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double ga = 0, gb = 0, haa = 1e-12, hab = 0, hbb = 1e-12;
            for (var i = 0; i < scores.Length; i++)
            {
                var c = weights.IsEmpty ? 1.0 : weights[i];
                var t = labels[i] > 0.5f ? high : low;
                var s = scores[i];
                var p = 1 / (1 + Math.Exp(-((a * s) + b)));
                var r = c * (p - t);
                ga += r * s;
                gb += r;
                var h = c * p * (1 - p);
                haa += h * s * s;
                hab += h * s;
                hbb += h;
            }

            if (Math.Abs(ga) < 1e-7 && Math.Abs(gb) < 1e-7)
            {
                break;
            }

            var det = (haa * hbb) - (hab * hab);
            var da = -((hbb * ga) - (hab * gb)) / det;
            var db = -((haa * gb) - (hab * ga)) / det;
            var step = 1.0;
            var improved = false;
            while (step >= 1e-10)
            {
                var fNew = Objective(scores, labels, weights, a + (step * da), b + (step * db), high, low);
                if (fNew < f + (1e-4 * step * ((ga * da) + (gb * db))))
                {
                    a += step * da;
                    b += step * db;
                    f = fNew;
                    improved = true;
                    break;
                }

                step /= 2;
            }

            if (!improved)
            {
                break;
            }
        }

        return (a, b);
    }

    private static double Objective(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, double a, double b, double high, double low)
    {
        double sum = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var c = weights.IsEmpty ? 1.0 : weights[i];
            var t = labels[i] > 0.5f ? high : low;
            var z = (a * scores[i]) + b;
            sum += c * (Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - (t * z));
        }

        return sum;
    }
}
