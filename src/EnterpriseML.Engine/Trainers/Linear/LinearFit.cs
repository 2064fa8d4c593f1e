using System.Numerics.Tensors;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>Immutable copy of the options of an L-BFGS trainer, taken after validation.</summary>
internal sealed record LbfgsFitSettings(double L1, double L2, double SparseScale, int MaximumIterations, double Tolerance, int HistorySize, int MaxDegreeOfParallelism)
{
    public static LbfgsFitSettings From(LbfgsTrainerOptions options, double sparseScale) => new(
        options.L1Regularization, options.L2Regularization, sparseScale, options.MaximumNumberOfIterations,
        options.OptimizationTolerance, options.HistorySize, options.MaxDegreeOfParallelism);
}

/// <summary>Input checks and the L-BFGS fit shared by the linear trainers.</summary>
internal static class LinearFit
{
    /// <summary>Rejects NaN / infinite feature values with the offending feature's name.</summary>
    public static void EnsureFinite(FeatureMatrix x)
    {
        var n = x.RowCount;
        for (var j = 0; j < x.DenseColumnCount; j++)
        {
            var column = x.DenseColumn(j);
            for (var start = 0; start < n; start += VectorKernels.ChunkSize)
            {
                var chunk = column.Slice(start, Math.Min(VectorKernels.ChunkSize, n - start));

                // Any NaN or ±∞ makes the SIMD sum non-finite; only then look for the culprit value by value.
                if (float.IsFinite(TensorPrimitives.Sum(chunk)))
                {
                    continue;
                }

                for (var i = 0; i < chunk.Length; i++)
                {
                    if (!float.IsFinite(chunk[i]))
                    {
                        throw new ArgumentException(
                            $"Feature '{x.Features[j].Name}' has a non-finite value ({chunk[i]}) at row {start + i}; linear models need imputed, finite inputs.",
                            nameof(x));
                    }
                }
            }
        }

        if (x.Sparse is { } sparse)
        {
            var values = sparse.Values;
            for (var p = 0; p < values.Length; p++)
            {
                if (!float.IsFinite(values[p]))
                {
                    throw new ArgumentException($"The sparse block has a non-finite value ({values[p]}); linear models need finite inputs.", nameof(x));
                }
            }
        }
    }

    public static void EnsureTask(TrainingSet data, string trainer, params TaskKind[] supported)
    {
        if (Array.IndexOf(supported, data.Task) < 0)
        {
            throw new ArgumentException($"Trainer '{trainer}' does not support task {data.Task}.", nameof(data));
        }
    }

    /// <summary>Checks class labels are integers in [0, classCount).</summary>
    public static void EnsureClassLabels(TrainingSet data)
    {
        var labels = data.Labels;
        for (var i = 0; i < labels.Length; i++)
        {
            var y = labels[i];
            if (!(y >= 0 && y < data.ClassCount && y == MathF.Floor(y)))
            {
                throw new ArgumentException($"Label {y} at row {i} is not a class index in [0, {data.ClassCount}).", nameof(data));
            }
        }
    }

    public static void EnsureRegressionLabels(TrainingSet data, bool nonNegative)
    {
        var labels = data.Labels;
        for (var i = 0; i < labels.Length; i++)
        {
            var y = labels[i];
            if (!float.IsFinite(y) || (nonNegative && y < 0))
            {
                throw new ArgumentException(
                    $"Label {y} at row {i} is invalid: {(nonNegative ? "log-link regression needs finite, non-negative targets" : "targets must be finite")}.",
                    nameof(data));
            }
        }
    }

    public static void EnsureRows(TrainingSet data)
    {
        if (data.Features.RowCount == 0)
        {
            throw new ArgumentException("The training set has no rows.", nameof(data));
        }
    }

    /// <summary>Σ weights (or the row count).</summary>
    public static double WeightSum(TrainingSet data) => data.Weights is null ? data.Labels.Length : VectorKernels.ChunkedSum(data.Weights);

    /// <summary>
    /// The regularisation multiplier of feature <paramref name="j"/>: 1 for dense features and for indicators that sit
    /// in the sparse block only to save memory, <see cref="LbfgsFitSettings.SparseScale"/> for the rest (text).
    /// </summary>
    private static double RegularizationScale(FeatureMatrix x, int j, LbfgsFitSettings settings) =>
        j < x.DenseColumnCount || x.Features[j].SparseIndicator ? 1 : settings.SparseScale;

    /// <summary>
    /// Minimises the regularised loss with L-BFGS (OWL-QN when L1 &gt; 0), starting from zero coefficients and the given
    /// intercepts. Returns coefficients head by head and the intercepts.
    /// </summary>
    public static (float[] Weights, float[] Bias) Minimize(TrainingSet data, LinearLoss loss, int heads, double[] initialBias, double tweediePower, LbfgsFitSettings settings, CancellationToken cancellationToken)
    {
        var x = data.Features;
        var d = x.ColumnCount;
        var l2 = new double[d];
        for (var j = 0; j < d; j++)
        {
            l2[j] = settings.L2 * RegularizationScale(x, j, settings);
        }

        double[]? l1 = null;
        if (settings.L1 > 0)
        {
            l1 = new double[heads * (d + 1)];
            for (var k = 0; k < heads; k++)
            {
                for (var j = 0; j < d; j++)
                {
                    l1[(k * (d + 1)) + j] = settings.L1 * RegularizationScale(x, j, settings);
                }
            }
        }

        var objective = new LinearObjective(x, data.Labels, data.Weights, loss, heads, l2, tweediePower, settings.MaxDegreeOfParallelism);
        var parameters = new double[objective.Dimension];
        for (var k = 0; k < heads; k++)
        {
            parameters[(k * (d + 1)) + d] = initialBias[k];
        }

        Lbfgs.Minimize(objective, parameters, new LbfgsSettings(settings.MaximumIterations, settings.Tolerance, settings.HistorySize, l1), cancellationToken);
        var weights = new float[heads * d];
        var bias = new float[heads];
        for (var k = 0; k < heads; k++)
        {
            for (var j = 0; j < d; j++)
            {
                weights[(k * d) + j] = (float)parameters[(k * (d + 1)) + j];
            }

            bias[k] = (float)parameters[(k * (d + 1)) + d];
        }

        return (weights, bias);
    }
}
