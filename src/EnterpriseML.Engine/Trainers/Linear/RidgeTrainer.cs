using System.Numerics.Tensors;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>
/// Ridge regression (Hoerl &amp; Kennard, Technometrics 1970): minimises ½Σ_i weight_i·(y_i − x_i·w − b)² + ½α‖w‖² with
/// an unpenalised intercept. Dense data of modest width is solved exactly by Cholesky on the centred normal
/// equations (Gram matrix from chunked column Dots, one column per task, so independent of the thread count); sparse
/// or wide data is fitted with L-BFGS.
/// </summary>
public sealed class RidgeTrainer : ITrainer
{
    private readonly double _l2;
    private readonly int _maxCholeskyWidth;
    private readonly LbfgsFitSettings _lbfgs;

    public RidgeTrainer(RidgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _l2 = options.L2Regularization;
        _maxCholeskyWidth = options.MaximumCholeskyWidth;
        _lbfgs = new LbfgsFitSettings(0, options.L2Regularization, 1.0, options.MaximumNumberOfIterations, options.OptimizationTolerance, options.HistorySize, options.MaxDegreeOfParallelism);
    }

    public RidgeTrainer(double l2Regularization = LinearDefaults.L2Regularization)
        : this(new RidgeOptions { L2Regularization = l2Regularization })
    {
    }

    public string Name => "ridge";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearFit.EnsureTask(data, Name, TaskKind.Regression);
        LinearFit.EnsureRows(data);
        LinearFit.EnsureFinite(data.Features);
        LinearFit.EnsureRegressionLabels(data, nonNegative: false);
        var x = data.Features;

        // Targets near the float limit overflow the float label sums: the fit runs on them times 2^−k (exact; the
        // ridge solution is linear in the targets) and the coefficients are scaled back (LabelScaling).
        var exponent = LabelScaling.Exponent(data.Labels, data.Weights);
        var fitData = exponent == 0 ? data : new TrainingSet(x, LabelScaling.Scale(data.Labels, exponent), TaskKind.Regression, 0, data.Weights);
        float[] weights;
        float[] bias;
        if (x.Sparse is null && x.DenseColumnCount <= _maxCholeskyWidth)
        {
            (weights, bias) = SolveNormalEquations(fitData, cancellationToken);
        }
        else
        {
            var mean = WeightedMean(fitData.Labels, fitData.Weights);
            (weights, bias) = LinearFit.Minimize(fitData, LinearLoss.Squared, 1, [mean], 0, _lbfgs, cancellationToken);
        }

        if (exponent != 0)
        {
            bias[0] = float.ScaleB(bias[0], exponent);
            for (var j = 0; j < weights.Length; j++)
            {
                weights[j] = float.ScaleB(weights[j], exponent);
                if (!float.IsFinite(weights[j]))
                {
                    throw new ArgumentException(
                        $"The coefficient of feature '{x.Features[j].Name}' is beyond a 32-bit float (targets up to {LargestLabel(data.Labels)}); rescale the label column.",
                        nameof(data));
                }
            }

            if (!float.IsFinite(bias[0]))
            {
                throw new ArgumentException($"The intercept is beyond a 32-bit float (targets up to {LargestLabel(data.Labels)}); rescale the label column.", nameof(data));
            }
        }

        return new LinearPredictor(Name, TaskKind.Regression, LinearLink.Identity, x.ColumnCount, x.DenseColumnCount, weights, bias, _lbfgs.MaxDegreeOfParallelism);
    }

    private (float[] Weights, float[] Bias) SolveNormalEquations(TrainingSet data, CancellationToken cancellationToken)
    {
        var x = data.Features;
        var n = x.RowCount;
        var d = x.DenseColumnCount;
        var sw = data.Weights;
        var total = LinearFit.WeightSum(data);

        // Weighted copies (X·diag(sw), y·sw) only when there are row weights.
        float[] weighted = x.Dense;
        var yw = data.Labels;
        if (sw is not null)
        {
            weighted = new float[x.Dense.Length];
            for (var j = 0; j < d; j++)
            {
                TensorPrimitives.Multiply(x.DenseColumn(j), sw, weighted.AsSpan(j * n, n));
            }

            yw = new float[n];
            TensorPrimitives.Multiply(data.Labels, sw, yw);
        }

        var means = new double[d];
        for (var j = 0; j < d; j++)
        {
            means[j] = VectorKernels.ChunkedSum(weighted.AsSpan(j * n, n)) / total;
        }

        var yMean = VectorKernels.ChunkedSum(yw) / total;
        var gram = new double[d * d];
        var rhs = new double[d];
        var task = new GramTask(x, weighted, yw, gram, rhs);
        cancellationToken.ThrowIfCancellationRequested();
        if (_lbfgs.MaxDegreeOfParallelism == 1)
        {
            for (var a = 0; a < d; a++)
            {
                task.Row(a);
            }
        }
        else
        {
            Parallel.For(0, d, new ParallelOptions { MaxDegreeOfParallelism = _lbfgs.MaxDegreeOfParallelism, CancellationToken = cancellationToken }, task.Row);
        }

        // Centre analytically: G − W·x̄x̄ᵀ, c − W·x̄ȳ; then add α on the diagonal (intercept not penalised).
        double trace = 0;
        for (var a = 0; a < d; a++)
        {
            for (var b = 0; b <= a; b++)
            {
                gram[(a * d) + b] -= total * means[a] * means[b];
            }

            rhs[a] -= total * means[a] * yMean;
            trace += gram[(a * d) + a];
            gram[(a * d) + a] += _l2;
        }

        var factor = gram.AsSpan().ToArray();
        var jitter = 1e-10 * ((trace / Math.Max(d, 1)) + 1);
        while (!Cholesky.TryFactor(factor, d))
        {
            // Singular (α = 0 with collinear columns): add the smallest ridge that makes it positive definite.
            gram.CopyTo(factor, 0);
            for (var a = 0; a < d; a++)
            {
                factor[(a * d) + a] += jitter;
            }

            jitter *= 10;
        }

        Cholesky.Solve(factor, d, rhs);
        var weights = new float[d];
        var intercept = yMean;
        for (var j = 0; j < d; j++)
        {
            weights[j] = (float)rhs[j];
            intercept -= means[j] * rhs[j];
        }

        return (weights, [(float)intercept]);
    }

    private static float LargestLabel(float[] labels)
    {
        var largest = 0f;
        foreach (var y in labels)
        {
            largest = Math.Max(largest, Math.Abs(y));
        }

        return largest;
    }

    private static double WeightedMean(float[] values, float[]? weights)
    {
        double sum = 0;
        double total = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var w = weights?[i] ?? 1f;
            sum += w * values[i];
            total += w;
        }

        return sum / total;
    }

    private sealed class GramTask(Data.FeatureMatrix x, float[] weighted, float[] yw, double[] gram, double[] rhs)
    {
        public void Row(int a)
        {
            var d = x.DenseColumnCount;
            var n = x.RowCount;
            var column = x.DenseColumn(a);
            for (var b = 0; b <= a; b++)
            {
                gram[(a * d) + b] = VectorKernels.ChunkedDot(column, weighted.AsSpan(b * n, n));
            }

            rhs[a] = VectorKernels.ChunkedDot(column, yw);
        }
    }
}
