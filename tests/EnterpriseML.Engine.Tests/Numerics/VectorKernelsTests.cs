using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Tests.Numerics;

/// <summary>Every vectorised kernel against a plain scalar reference.</summary>
public sealed class VectorKernelsTests
{
    private static float[] RandomVector(Random random, int length)
    {
        var v = new float[length];
        for (var i = 0; i < length; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return v;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(10001)]
    public void ChunkedDotAndSum_MatchScalarReference(int length)
    {
        var random = new Random(length);
        var x = RandomVector(random, length);
        var y = RandomVector(random, length);
        double dot = 0, sum = 0;
        for (var i = 0; i < length; i++)
        {
            dot += (double)x[i] * y[i];
            sum += x[i];
        }

        Assert.Equal(dot, VectorKernels.ChunkedDot(x, y), 3);
        Assert.Equal(sum, VectorKernels.ChunkedSum(x), 3);
    }

    [Fact]
    public void DenseMargins_MatchesScalarReference()
    {
        var random = new Random(1);
        const int rows = 37, cols = 5, start = 3, count = 20;
        var dense = RandomVector(random, rows * cols);
        var w = RandomVector(random, cols);
        w[2] = 0;
        var margins = new float[count];
        VectorKernels.DenseMargins(dense, rows, start, w, 0.25f, margins);
        for (var i = 0; i < count; i++)
        {
            double expected = 0.25;
            for (var j = 0; j < cols; j++)
            {
                expected += dense[j * rows + start + i] * w[j];
            }

            Assert.Equal(expected, margins[i], 4);
        }
    }

    [Fact]
    public void SparseKernels_MatchDenseReference()
    {
        // 3 × 4 CSR: row0 {0:1, 3:2}, row1 {}, row2 {1:-1, 2:0.5, 3:4}
        int[] pointers = [0, 2, 2, 5];
        int[] indices = [0, 3, 1, 2, 3];
        float[] values = [1, 2, -1, 0.5f, 4];
        float[] w = [0.5f, -2, 3, 0.25f];
        var margins = new float[] { 1, 1, 1 };
        VectorKernels.AddSparseMargins(pointers, indices, values, 0, w, margins);
        Assert.Equal([1 + 0.5f + 0.5f, 1, 1 + 2 + 1.5f + 1], margins);
        Assert.Equal(0.5f + 0.5f, VectorKernels.SparseDot(indices.AsSpan(0, 2), values.AsSpan(0, 2), w));

        var (colPtr, rows, vals) = VectorKernels.Transpose(3, 4, pointers, indices, values);
        Assert.Equal([0, 1, 2, 3, 5], colPtr);
        Assert.Equal([0, 2, 2, 0, 2], rows);
        Assert.Equal([1, -1, 0.5f, 2, 4], vals);

        float[] residual = [2, 100, -1];
        for (var c = 0; c < 4; c++)
        {
            double expected = 0;
            for (var r = 0; r < 3; r++)
            {
                for (var p = pointers[r]; p < pointers[r + 1]; p++)
                {
                    if (indices[p] == c)
                    {
                        expected += values[p] * residual[r];
                    }
                }
            }

            Assert.Equal(expected, VectorKernels.SparseColumnDot(rows.AsSpan(colPtr[c], colPtr[c + 1] - colPtr[c]), vals.AsSpan(colPtr[c], colPtr[c + 1] - colPtr[c]), residual), 6);
        }
    }

    [Fact]
    public void SoftmaxInPlace_MatchesScalarReferenceAndIsStable()
    {
        float[] v = [1000, 1001, 999];
        VectorKernels.SoftmaxInPlace(v);
        var e = new[] { Math.Exp(-1), 1.0, Math.Exp(-2) };
        var s = e.Sum();
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(e[k] / s, v[k], 5);
        }
    }
}
