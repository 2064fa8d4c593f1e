using System.Buffers;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>Shared input checks and conversions of the tree trainers and models.</summary>
internal static class TreeInput
{
    /// <summary>Largest sparse block (rows × columns) <see cref="Densify"/> expands; beyond it it refuses.</summary>
    public const long MaximumDensifiedCells = 64L * 1024 * 1024;

    /// <summary>Rows densified between two looks at the cancellation token.</summary>
    internal const int DensifyRowsPerCancellationCheck = 1024;

    /// <summary>
    /// The matrix with its sparse block (if any) appended to the dense block as ordinary columns. The trainers no
    /// longer call it (<see cref="BinnedData"/> bins a sparse block as it is); it is the densified reference the
    /// sparse path is tested and benchmarked against. Checks <paramref name="cancellationToken"/> before allocating
    /// and every <see cref="DensifyRowsPerCancellationCheck"/> rows.
    /// </summary>
    public static FeatureMatrix Densify(FeatureMatrix features, string trainer, CancellationToken cancellationToken = default)
    {
        if (features.Sparse is not { } sparse)
        {
            return features;
        }

        var n = features.RowCount;
        var cells = (long)n * features.ColumnCount;
        if ((long)n * sparse.ColumnCount > MaximumDensifiedCells)
        {
            throw new NotSupportedException(
                $"{trainer} needs dense features: the sparse block has {sparse.ColumnCount} columns × {n} rows, more than "
                + $"{MaximumDensifiedCells} cells to densify. Use a linear trainer for large sparse (text) features.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var dense = new float[cells];
        features.Dense.AsSpan().CopyTo(dense);
        for (var i = 0; i < n; i++)
        {
            if (i % DensifyRowsPerCancellationCheck == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var indices = sparse.RowIndices(i);
            var values = sparse.RowValues(i);
            for (var e = 0; e < indices.Length; e++)
            {
                dense[((features.DenseColumnCount + indices[e]) * (long)n) + i] = values[e];
            }
        }

        return new FeatureMatrix(n, dense, features.ColumnCount, null, features.Features);
    }

    /// <summary>Checks labels for the task; throws naming the first bad row.</summary>
    public static void ValidateLabels(TrainingSet data)
    {
        var labels = data.Labels;
        for (var i = 0; i < labels.Length; i++)
        {
            var y = labels[i];
            var ok = data.Task switch
            {
                TaskKind.Binary => y is 0f or 1f,
                TaskKind.Multiclass => y >= 0 && y < data.ClassCount && y == MathF.Floor(y),
                _ => float.IsFinite(y),
            };
            if (!ok)
            {
                throw new ArgumentException($"Label {y} of row {i} is not valid for {data.Task} with {data.ClassCount} classes.", nameof(data));
            }
        }

        if (data.Weights is { } weights)
        {
            for (var i = 0; i < weights.Length; i++)
            {
                if (!(weights[i] >= 0) || float.IsPositiveInfinity(weights[i]))
                {
                    throw new ArgumentException($"Weight {weights[i]} of row {i} must be finite and non-negative.", nameof(data));
                }
            }
        }
    }

    /// <summary>
    /// The per-feature monotone constraints of a trainer's <c>MonotoneConstraints</c> option as the growers take them
    /// (−1/0/+1 for every feature; a shorter array leaves the rest free), or null when none are set; throws naming
    /// the option when there are more constraints than features or a categorical feature is constrained.
    /// </summary>
    public static sbyte[]? Monotone(FeatureMatrix features, int[]? constraints)
    {
        if (constraints is null)
        {
            return null;
        }

        if (constraints.Length > features.ColumnCount)
        {
            GbdtOptions.Check(false, nameof(GbdtOptions.MonotoneConstraints), constraints.Length, $"Must have at most one constraint per feature ({features.ColumnCount}).");
        }

        var result = new sbyte[features.ColumnCount];
        for (var f = 0; f < constraints.Length; f++)
        {
            if (constraints[f] != 0 && features.Features[f].IsCategorical)
            {
                GbdtOptions.Check(false, nameof(GbdtOptions.MonotoneConstraints), constraints[f], $"Feature {f} ('{features.Features[f].Name}') is categorical and cannot be monotone.");
            }

            result[f] = (sbyte)constraints[f];
        }

        return result;
    }

    /// <summary>Fills <paramref name="destination"/> with the dense values of the row, then its sparse values.</summary>
    public static void Expand(in FeatureRow row, Span<float> destination)
    {
        var dense = row.Dense;
        if (dense.Length > destination.Length)
        {
            throw new ArgumentException($"The row has {dense.Length} dense values; the model expects {destination.Length} features.", nameof(row));
        }

        dense.CopyTo(destination);
        destination[dense.Length..].Clear();
        var indices = row.SparseIndices;
        var values = row.SparseValues;
        for (var e = 0; e < indices.Length; e++)
        {
            var j = dense.Length + indices[e];
            if ((uint)j < (uint)destination.Length)
            {
                destination[j] = values[e];
            }
        }
    }

    /// <summary>Rents a buffer when the row needs expanding; returns null when the dense span can be used as is.</summary>
    public static float[]? RentIfSparse(in FeatureRow row, int featureCount, out int length)
    {
        length = featureCount;
        if (row.SparseIndices.IsEmpty && row.Dense.Length == featureCount)
        {
            return null;
        }

        if (row.Dense.Length > featureCount)
        {
            throw new ArgumentException($"The row has {row.Dense.Length} dense values; the model expects {featureCount} features.", nameof(row));
        }

        var buffer = ArrayPool<float>.Shared.Rent(featureCount);
        Expand(row, buffer.AsSpan(0, featureCount));
        return buffer;
    }
}
