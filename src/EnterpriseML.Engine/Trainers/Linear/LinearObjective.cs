using System.Numerics.Tensors;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>The per-row loss of a linear model, as a function of its margin(s).</summary>
internal enum LinearLoss
{
    /// <summary>Binary log-loss, labels 0/1, one head.</summary>
    Logistic,

    /// <summary>Multinomial log-loss over K heads (softmax), labels 0..K-1.</summary>
    Softmax,

    /// <summary>½(m − y)², one head.</summary>
    Squared,

    /// <summary>Poisson deviance with log link: exp(m) − y·m.</summary>
    Poisson,

    /// <summary>Tweedie deviance with log link and power p in (1, 2]; p = 1 is <see cref="Poisson"/>.</summary>
    Tweedie,
}

/// <summary>
/// Σ_i weight_i·loss(x_i·W + b, y_i) + ½Σ_j l2_j·w_j² over a <see cref="FeatureMatrix"/> and its gradient. Parameters
/// are laid out head by head: [w_k0 … w_k(d−1), b_k]. Margins are computed over a FIXED partition of the rows into
/// blocks (one MultiplyAdd per dense column, one sparse dot per CSR row); the gradient is computed per column (one
/// chunked Dot per dense column, one pass over a CSC copy per sparse column). Every output entry is therefore produced
/// by exactly one task in a fixed order, and the result is bit-identical for any thread count.
/// </summary>
internal sealed class LinearObjective : IDifferentiableFunction
{
    private const int RowBlockSize = VectorKernels.ChunkSize;
    private const int SparseColumnsPerTask = 512;

    /// <summary>
    /// Below this many multiply-adds per evaluation the blocks run on the calling thread: a parallel barrier costs more
    /// than the work. The partition is the same either way, so the result is too.
    /// </summary>
    internal const long DefaultParallelWorkThreshold = 1L << 18;

    private readonly FeatureMatrix _x;
    private readonly float[] _labels;
    private readonly float[]? _rowWeights;
    private readonly LinearLoss _loss;
    private readonly int _heads;
    private readonly int _n;
    private readonly int _dense;
    private readonly int _features;
    private readonly double[] _l2;
    private readonly double _power;
    private readonly ParallelOptions _parallel;
    private readonly int _maxDop;

    private readonly float[] _w;
    private readonly float[] _bias;
    private readonly float[] _residual;
    private readonly float[] _scratch;
    private readonly double[] _blockLoss;
    private readonly int _blockCount;
    private readonly int[]? _cscPointers;
    private readonly int[]? _cscRows;
    private readonly float[]? _cscValues;
    private readonly Action<int> _forwardBlock;
    private readonly Action<int> _denseGradient;
    private readonly Action<int> _sparseGradient;
    private double[] _gradient = [];

    public LinearObjective(FeatureMatrix x, float[] labels, float[]? rowWeights, LinearLoss loss, int heads, double[] l2, double tweediePower, int maxDegreeOfParallelism, long parallelWorkThreshold = DefaultParallelWorkThreshold)
    {
        _x = x;
        _labels = labels;
        _rowWeights = rowWeights;
        _loss = loss;
        _heads = heads;
        _n = x.RowCount;
        _dense = x.DenseColumnCount;
        _features = x.ColumnCount;
        _l2 = l2;
        _power = tweediePower;
        var work = (long)heads * (((long)x.RowCount * x.DenseColumnCount) + (x.Sparse?.Values.Length ?? 0));
        _maxDop = work < parallelWorkThreshold ? 1 : maxDegreeOfParallelism;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _maxDop };
        _w = new float[heads * _features];
        _bias = new float[heads];
        _residual = new float[heads * _n];
        _scratch = loss == LinearLoss.Softmax ? [] : new float[_n];
        _blockCount = (_n + RowBlockSize - 1) / RowBlockSize;
        _blockLoss = new double[_blockCount];
        if (x.Sparse is { } sparse)
        {
            (_cscPointers, _cscRows, _cscValues) = VectorKernels.Transpose(sparse.RowCount, sparse.ColumnCount, sparse.RowPointers, sparse.ColumnIndices, sparse.Values);
        }

        _forwardBlock = ForwardBlock;
        _denseGradient = DenseGradient;
        _sparseGradient = SparseGradient;
    }

    public int Dimension => _heads * (_features + 1);

    /// <summary>The residuals (∂loss/∂margin, weighted) of the last evaluation, head-major.</summary>
    public ReadOnlySpan<float> Residual => _residual;

    public double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient)
    {
        for (var k = 0; k < _heads; k++)
        {
            var offset = k * (_features + 1);
            for (var j = 0; j < _features; j++)
            {
                _w[k * _features + j] = (float)parameters[offset + j];
            }

            _bias[k] = (float)parameters[offset + _features];
        }

        Run(_blockCount, _forwardBlock);
        double loss = 0;
        for (var b = 0; b < _blockCount; b++)
        {
            loss += _blockLoss[b];
        }

        if (_gradient.Length != gradient.Length)
        {
            _gradient = new double[gradient.Length];
        }

        Run(_heads * (_dense + 1), _denseGradient);
        if (_cscPointers is not null)
        {
            Run((_features - _dense + SparseColumnsPerTask - 1) / SparseColumnsPerTask, _sparseGradient);
        }

        _gradient.CopyTo(gradient);
        for (var k = 0; k < _heads; k++)
        {
            var offset = k * (_features + 1);
            for (var j = 0; j < _features; j++)
            {
                var w = parameters[offset + j];
                loss += 0.5 * _l2[j] * w * w;
                gradient[offset + j] += _l2[j] * w;
            }
        }

        return loss;
    }

    private void Run(int count, Action<int> body)
    {
        if (_maxDop == 1 || count == 1)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else
        {
            Parallel.For(0, count, _parallel, body);
        }
    }

    private void ForwardBlock(int block)
    {
        var start = block * RowBlockSize;
        var length = Math.Min(RowBlockSize, _n - start);
        var sparse = _x.Sparse;
        for (var k = 0; k < _heads; k++)
        {
            var margins = _residual.AsSpan(k * _n + start, length);
            var w = _w.AsSpan(k * _features, _features);
            VectorKernels.DenseMargins(_x.Dense, _n, start, w[.._dense], _bias[k], margins);
            if (sparse is not null)
            {
                VectorKernels.AddSparseMargins(sparse.RowPointers, sparse.ColumnIndices, sparse.Values, start, w[_dense..], margins);
            }
        }

        _blockLoss[block] = _loss == LinearLoss.Softmax ? SoftmaxLoss(start, length) : ScalarLoss(start, length);
    }

    /// <summary>
    /// Per-row loss of a one-head model; turns the block's margins into weighted residuals in place. The transcendental
    /// parts (exp, log, sigmoid) run through TensorPrimitives over the block; only the additions are scalar.
    /// </summary>
    private double ScalarLoss(int start, int length)
    {
        var r = _residual.AsSpan(start, length);
        var y = _labels.AsSpan(start, length);
        var s = _scratch.AsSpan(start, length);
        var weights = _rowWeights is null ? default : _rowWeights.AsSpan(start, length);
        double sum = 0;
        switch (_loss)
        {
            case LinearLoss.Logistic:
                // loss = max(z, 0) + log(1 + exp(−|z|)) − y·z; residual = sigmoid(z) − y.
                TensorPrimitives.Abs(r, s);
                TensorPrimitives.Negate(s, s);
                TensorPrimitives.Exp(s, s);
                TensorPrimitives.Add(s, 1f, s);
                TensorPrimitives.Log(s, s);
                for (var i = 0; i < length; i++)
                {
                    var z = r[i];
                    double loss = s[i] + Math.Max(z, 0f) - (y[i] * z);
                    sum += weights.IsEmpty ? loss : weights[i] * loss;
                }

                TensorPrimitives.Sigmoid(r, r);
                TensorPrimitives.Subtract(r, y, r);
                break;
            case LinearLoss.Poisson:
                // loss = exp(z) − y·z; residual = exp(z) − y.
                TensorPrimitives.Min(r, 80f, s);
                TensorPrimitives.Exp(s, s);
                for (var i = 0; i < length; i++)
                {
                    double loss = s[i] - ((double)y[i] * r[i]);
                    sum += weights.IsEmpty ? loss : weights[i] * loss;
                }

                TensorPrimitives.Subtract(s, y, r);
                break;
            case LinearLoss.Squared:
                TensorPrimitives.Subtract(r, y, r);
                for (var i = 0; i < length; i++)
                {
                    double loss = 0.5 * r[i] * r[i];
                    sum += weights.IsEmpty ? loss : weights[i] * loss;
                }

                break;
            default:
                for (var i = 0; i < length; i++)
                {
                    var (loss, derivative) = TweedieLoss(r[i], y[i], _power);
                    sum += weights.IsEmpty ? loss : weights[i] * loss;
                    r[i] = (float)derivative;
                }

                break;
        }

        if (!weights.IsEmpty)
        {
            TensorPrimitives.Multiply(r, weights, r);
        }

        return sum;
    }

    internal static (double Loss, double Derivative) TweedieLoss(double z, double y, double p)
    {
        z = Math.Clamp(z, -80, 80);
        if (p == 1)
        {
            var mu = Math.Exp(z);
            return (mu - (y * z), mu - y);
        }

        if (p == 2)
        {
            var inv = Math.Exp(-z);
            return ((y * inv) + z, 1 - (y * inv));
        }

        var a = Math.Exp((1 - p) * z);
        var b = Math.Exp((2 - p) * z);
        return ((-y * a / (1 - p)) + (b / (2 - p)), (-y * a) + b);
    }

    private double SoftmaxLoss(int start, int length)
    {
        double sum = 0;
        for (var i = start; i < start + length; i++)
        {
            var max = float.NegativeInfinity;
            for (var k = 0; k < _heads; k++)
            {
                max = Math.Max(max, _residual[k * _n + i]);
            }

            var label = (int)_labels[i];
            var labelMargin = _residual[(label * _n) + i];
            double total = 0;
            for (var k = 0; k < _heads; k++)
            {
                // Keep exp(m − max) in place; normalised below.
                var e = Math.Exp(_residual[(k * _n) + i] - max);
                _residual[(k * _n) + i] = (float)e;
                total += e;
            }

            var weight = _rowWeights?[i] ?? 1f;
            sum += weight * (Math.Log(total) + max - labelMargin);
            var scale = weight / total;
            for (var k = 0; k < _heads; k++)
            {
                var p = _residual[(k * _n) + i] * scale;
                _residual[(k * _n) + i] = (float)(k == label ? p - weight : p);
            }
        }

        return sum;
    }

    private void DenseGradient(int task)
    {
        var k = task / (_dense + 1);
        var j = task % (_dense + 1);
        var r = _residual.AsSpan(k * _n, _n);
        var offset = k * (_features + 1);
        if (j == _dense)
        {
            _gradient[offset + _features] = VectorKernels.ChunkedSum(r);
        }
        else
        {
            _gradient[offset + j] = VectorKernels.ChunkedDot(_x.DenseColumn(j), r);
        }
    }

    private void SparseGradient(int task)
    {
        var sparseCount = _features - _dense;
        var first = task * SparseColumnsPerTask;
        var last = Math.Min(first + SparseColumnsPerTask, sparseCount);
        for (var c = first; c < last; c++)
        {
            var start = _cscPointers![c];
            var length = _cscPointers[c + 1] - start;
            var rows = _cscRows.AsSpan(start, length);
            var values = _cscValues.AsSpan(start, length);
            for (var k = 0; k < _heads; k++)
            {
                _gradient[(k * (_features + 1)) + _dense + c] = VectorKernels.SparseColumnDot(rows, values, _residual.AsSpan(k * _n, _n));
            }
        }
    }
}
