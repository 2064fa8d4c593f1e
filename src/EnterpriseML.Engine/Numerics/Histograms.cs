using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EnterpriseML.Engine.Numerics;

/// <summary>
/// Gradient histograms for histogram-based tree learning (Ke et al. 2017, "LightGBM"). One bin holds three doubles:
/// the sum of gradients, the sum of hessians and the row count, at <c>3 × bin</c>. Sums run sequentially in row order,
/// so a histogram is bit-identical however many threads build other features at the same time.
/// </summary>
internal static class Histograms
{
    /// <summary>Doubles per bin: gradient sum, hessian sum, count.</summary>
    public const int Stride = 3;

    /// <summary>
    /// Accumulates rows <paramref name="rows"/> of one binned feature column. <paramref name="gradients"/> and
    /// <paramref name="hessians"/> are ordered like <paramref name="rows"/> (gathered for the node), not by row id.
    /// </summary>
    public static void BuildGathered(
        ReadOnlySpan<byte> bins, ReadOnlySpan<int> rows, ReadOnlySpan<float> gradients, ReadOnlySpan<float> hessians, Span<double> histogram)
    {
        if (gradients.Length < rows.Length || hessians.Length < rows.Length)
        {
            throw new ArgumentException("Gradients and hessians must cover every row.", nameof(gradients));
        }

        ref var hist = ref MemoryMarshal.GetReference(histogram);
        ref var binRef = ref MemoryMarshal.GetReference(bins);
        ref var rowRef = ref MemoryMarshal.GetReference(rows);
        ref var gRef = ref MemoryMarshal.GetReference(gradients);
        ref var hRef = ref MemoryMarshal.GetReference(hessians);
        var n = rows.Length;
        for (var i = 0; i < n; i++)
        {
            var b = Unsafe.Add(ref binRef, Unsafe.Add(ref rowRef, i)) * Stride;
            ref var cell = ref Unsafe.Add(ref hist, b);
            cell += Unsafe.Add(ref gRef, i);
            Unsafe.Add(ref cell, 1) += Unsafe.Add(ref hRef, i);
            Unsafe.Add(ref cell, 2) += 1.0;
        }
    }

    /// <summary>Accumulates every row of one binned feature column (the root node: rows 0..n-1 in order).</summary>
    public static void BuildAll(ReadOnlySpan<byte> bins, ReadOnlySpan<float> gradients, ReadOnlySpan<float> hessians, Span<double> histogram)
    {
        if (gradients.Length < bins.Length || hessians.Length < bins.Length)
        {
            throw new ArgumentException("Gradients and hessians must cover every row.", nameof(gradients));
        }

        ref var hist = ref MemoryMarshal.GetReference(histogram);
        ref var binRef = ref MemoryMarshal.GetReference(bins);
        ref var gRef = ref MemoryMarshal.GetReference(gradients);
        ref var hRef = ref MemoryMarshal.GetReference(hessians);
        var n = bins.Length;
        for (var i = 0; i < n; i++)
        {
            var b = Unsafe.Add(ref binRef, i) * Stride;
            ref var cell = ref Unsafe.Add(ref hist, b);
            cell += Unsafe.Add(ref gRef, i);
            Unsafe.Add(ref cell, 1) += Unsafe.Add(ref hRef, i);
            Unsafe.Add(ref cell, 2) += 1.0;
        }
    }

    /// <summary>The sibling's histogram by subtraction: <paramref name="parent"/> -= <paramref name="child"/>.</summary>
    public static void SubtractInPlace(Span<double> parent, ReadOnlySpan<double> child) =>
        TensorPrimitives.Subtract(parent, child, parent);

    /// <summary>Gathers <paramref name="source"/>[<paramref name="rows"/>[i]] into <paramref name="destination"/>[i].</summary>
    public static void Gather(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, Span<float> destination)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var rowRef = ref MemoryMarshal.GetReference(rows);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        if (destination.Length < rows.Length)
        {
            throw new ArgumentException("Destination too short.", nameof(destination));
        }

        for (var i = 0; i < rows.Length; i++)
        {
            var r = Unsafe.Add(ref rowRef, i);
            if ((uint)r >= (uint)source.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(rows));
            }

            Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, r);
        }
    }
}

/// <summary>Per-row first and second derivatives of the boosting losses, weighted.</summary>
internal static class TreeGradients
{
    /// <summary>
    /// Logistic loss on margins: p = σ(score), g = (p − y)·w, h = max(p(1 − p), 1e-16)·w.
    /// <paramref name="probabilityScratch"/> receives σ(score) (vectorised through TensorPrimitives).
    /// </summary>
    public static void Logistic(
        ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, Span<double> probabilityScratch,
        Span<float> gradients, Span<float> hessians)
    {
        TensorPrimitives.Sigmoid(scores, probabilityScratch);
        var weighted = !weights.IsEmpty;
        for (var i = 0; i < scores.Length; i++)
        {
            var p = probabilityScratch[i];
            var w = weighted ? weights[i] : 1f;
            gradients[i] = (float)((p - labels[i]) * w);
            hessians[i] = (float)(Math.Max(p * (1.0 - p), 1e-16) * w);
        }
    }

    /// <summary>Squared error: g = (score − y)·w, h = w.</summary>
    public static void SquaredError(
        ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, Span<float> gradients, Span<float> hessians)
    {
        var weighted = !weights.IsEmpty;
        for (var i = 0; i < scores.Length; i++)
        {
            var w = weighted ? weights[i] : 1f;
            gradients[i] = (float)((scores[i] - labels[i]) * w);
            hessians[i] = w;
        }
    }

    /// <summary>
    /// Softmax cross-entropy over K classes. Scores and outputs are class-major (class k of row i at k·n + i).
    /// g_k = (p_k − [y = k])·w, h_k = K/(K−1)·p_k(1 − p_k)·w (the LightGBM scaling of the diagonal hessian).
    /// </summary>
    public static void Softmax(
        ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, ReadOnlySpan<float> weights, int classCount,
        Span<double> rowScratch, Span<float> gradients, Span<float> hessians)
    {
        var n = labels.Length;
        var factor = classCount / (classCount - 1.0);
        var weighted = !weights.IsEmpty;
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < classCount; k++)
            {
                rowScratch[k] = scores[k * n + i];
            }

            TensorPrimitives.SoftMax(rowScratch[..classCount], rowScratch[..classCount]);
            var w = weighted ? weights[i] : 1f;
            var y = (int)labels[i];
            for (var k = 0; k < classCount; k++)
            {
                var p = rowScratch[k];
                gradients[k * n + i] = (float)((p - (k == y ? 1.0 : 0.0)) * w);
                hessians[k * n + i] = (float)(Math.Max(factor * p * (1.0 - p), 1e-16) * w);
            }
        }
    }
}
