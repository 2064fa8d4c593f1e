using System.Numerics.Tensors;

namespace EnterpriseML.Engine.Numerics;

/// <summary>
/// The vector kernels of the linear trainers, over column-major dense blocks and CSR / CSC sparse blocks. Every
/// reduction is chunked with a fixed chunk size and accumulated in double in chunk order, so results do not depend on
/// how callers split the work across threads.
/// </summary>
internal static class VectorKernels
{
    /// <summary>Rows per chunk for chunked reductions; fixed so results never depend on the thread count.</summary>
    public const int ChunkSize = 4096;

    /// <summary>Σ x·y accumulated per <see cref="ChunkSize"/> chunk (float SIMD inside a chunk, double across chunks).</summary>
    public static double ChunkedDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (var start = 0; start < x.Length; start += ChunkSize)
        {
            var length = Math.Min(ChunkSize, x.Length - start);
            sum += TensorPrimitives.Dot(x.Slice(start, length), y.Slice(start, length));
        }

        return sum;
    }

    /// <summary>Σ x accumulated per <see cref="ChunkSize"/> chunk.</summary>
    public static double ChunkedSum(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (var start = 0; start < x.Length; start += ChunkSize)
        {
            var length = Math.Min(ChunkSize, x.Length - start);
            sum += TensorPrimitives.Sum(x.Slice(start, length));
        }

        return sum;
    }

    /// <summary>
    /// margins[i] = bias + Σ_j dense[j·rowCount + rowStart + i]·weights[j] for the rows of one block: one
    /// <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/> per
    /// column; zero weights (common under L1) are skipped.
    /// </summary>
    public static void DenseMargins(ReadOnlySpan<float> dense, int rowCount, int rowStart, ReadOnlySpan<float> weights, float bias, Span<float> margins)
    {
        margins.Fill(bias);
        for (var j = 0; j < weights.Length; j++)
        {
            var w = weights[j];
            if (w != 0f)
            {
                TensorPrimitives.MultiplyAdd(dense.Slice(j * rowCount + rowStart, margins.Length), w, margins, margins);
            }
        }
    }

    /// <summary>margins[i] += ⟨sparse row (rowStart + i), weights⟩ for the rows of one block.</summary>
    public static void AddSparseMargins(int[] rowPointers, int[] columnIndices, float[] values, int rowStart, ReadOnlySpan<float> weights, Span<float> margins)
    {
        for (var i = 0; i < margins.Length; i++)
        {
            var row = rowStart + i;
            var start = rowPointers[row];
            var end = rowPointers[row + 1];
            var sum = 0f;
            for (var p = start; p < end; p++)
            {
                sum += values[p] * weights[columnIndices[p]];
            }

            margins[i] += sum;
        }
    }

    /// <summary>⟨sparse vector, weights⟩ for one row given by indices and values.</summary>
    public static float SparseDot(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, ReadOnlySpan<float> weights)
    {
        var sum = 0f;
        for (var p = 0; p < indices.Length; p++)
        {
            sum += values[p] * weights[indices[p]];
        }

        return sum;
    }

    /// <summary>Σ_p values[p]·residual[rows[p]] over one CSC column, in double.</summary>
    public static double SparseColumnDot(ReadOnlySpan<int> rows, ReadOnlySpan<float> values, ReadOnlySpan<float> residual)
    {
        double sum = 0;
        for (var p = 0; p < rows.Length; p++)
        {
            sum += (double)values[p] * residual[rows[p]];
        }

        return sum;
    }

    /// <summary>Numerically stable in-place softmax.</summary>
    public static void SoftmaxInPlace(Span<float> values)
    {
        var max = TensorPrimitives.Max(values);
        var sum = 0f;
        for (var k = 0; k < values.Length; k++)
        {
            var e = MathF.Exp(values[k] - max);
            values[k] = e;
            sum += e;
        }

        TensorPrimitives.Divide(values, sum, values);
    }

    /// <summary>The transpose of a CSR block: (column pointers, row indices, values), rows increasing within a column.</summary>
    public static (int[] ColumnPointers, int[] RowIndices, float[] Values) Transpose(int rowCount, int columnCount, int[] rowPointers, int[] columnIndices, float[] values)
    {
        var nnz = rowPointers[rowCount];
        var pointers = new int[columnCount + 1];
        for (var p = 0; p < nnz; p++)
        {
            pointers[columnIndices[p] + 1]++;
        }

        for (var c = 0; c < columnCount; c++)
        {
            pointers[c + 1] += pointers[c];
        }

        var next = pointers.AsSpan(0, columnCount).ToArray();
        var rows = new int[nnz];
        var vals = new float[nnz];
        for (var r = 0; r < rowCount; r++)
        {
            for (var p = rowPointers[r]; p < rowPointers[r + 1]; p++)
            {
                var dst = next[columnIndices[p]]++;
                rows[dst] = r;
                vals[dst] = values[p];
            }
        }

        return (pointers, rows, vals);
    }
}
