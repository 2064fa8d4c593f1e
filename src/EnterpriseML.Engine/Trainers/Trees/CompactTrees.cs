using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// The prediction layout of a <see cref="TreeEnsemble"/>: rows are first binned to one byte per feature against the
/// sorted distinct thresholds the trees use, then walked through 8-byte nodes laid out breadth-first per tree with
/// the two children of a node side by side, so a step is one byte compare and an add (no branch on the direction).
/// Leaves are nodes that point to themselves, which lets several walks advance in lockstep without per-lane checks.
/// Batch prediction uses the fastest kernel the model and CPU support (<see cref="PreferredKernel"/>): the AVX-512
/// bitvector kernel for trees of at most 256 leaves (CompactTrees.Bitvector.cs), else the scalar lockstep walk.
/// <para>
/// Exactness: for a feature with sorted distinct thresholds T₀ &lt; … &lt; T_m, a value v gets the bin
/// #{i : Tᵢ &lt; v}, so <c>v ≤ Tᵢ ⇔ bin ≤ i</c>; NaN gets bin 255 and default-left nodes add one modulo 256 before
/// comparing, which sends NaN left and leaves the other bins' order intact. Categorical codes 0..254 are their own
/// bin; NaN, negative, fractional and larger codes get 255, which no category set contains. Each tree's leaf value
/// is added in tree order into a double, exactly as the reference walk does, so margins are bit-identical.
/// </para>
/// Built only when the ensemble fits the layout (≤ 65,536 features, ≤ 254 distinct thresholds per feature, category
/// sets over codes ≤ 254, no NaN threshold); otherwise <see cref="TryBuild"/> returns null and the reference walk is used.
/// </summary>
internal sealed partial class CompactTrees
{
    private const byte MissingBin = 255;
    private const byte KindNumeric = 0;
    private const byte KindDefaultLeft = 1;
    private const byte KindCategorical = 2;
    private const int MaximumValueBins = 254;
    private const int CategoryWordsPerNode = 8;
    private const int BlockShift = 8;
    private const int BlockRows = 1 << BlockShift;
    private const int StackLimit = 1024;

    private readonly PackedNode[] _nodes;
    private readonly float[] _values;
    private readonly int[] _categoryOffset;
    private readonly uint[] _categoryBits;
    private readonly int[] _roots;
    private readonly int[] _outputs;
    private readonly int[] _usedFeatures;
    private readonly byte[] _featureKind;
    private readonly int[] _edgeOffset;
    private readonly float[] _edges;
    private readonly byte[] _zeroBin;
    private readonly int _featureCount;
    private readonly int _outputCount;
    private readonly BitvectorLayout? _bitvector;

    private CompactTrees(
        PackedNode[] nodes, float[] values, int[] categoryOffset, uint[] categoryBits, int[] roots, int[] outputs, int[] usedFeatures,
        byte[] featureKind, int[] edgeOffset, float[] edges, int featureCount, int outputCount)
    {
        _nodes = nodes;
        _values = values;
        _categoryOffset = categoryOffset;
        _categoryBits = categoryBits;
        _roots = roots;
        _outputs = outputs;
        _usedFeatures = usedFeatures;
        _featureKind = featureKind;
        _edgeOffset = edgeOffset;
        _edges = edges;
        _featureCount = featureCount;
        _outputCount = outputCount;
        _zeroBin = new byte[featureCount];
        foreach (var j in usedFeatures)
        {
            _zeroBin[j] = Bin(j, 0f);
        }

        _bitvector = BitvectorLayout.TryBuild(nodes, values, categoryOffset, roots, RowBytes);
    }

    /// <summary>Bytes of one binned row (at least one, so that leaves can read feature 0).</summary>
    private int RowBytes => Math.Max(1, _featureCount);

    /// <summary>The compact layout of <paramref name="ensemble"/>, or null when the ensemble does not fit it.</summary>
    public static CompactTrees? TryBuild(TreeEnsemble ensemble)
    {
        var f = ensemble.FeatureCount;
        if (f > ushort.MaxValue + 1)
        {
            return null;
        }

        // Per feature: its kind and sorted distinct thresholds.
        var kind = new byte[f];
        var thresholds = new List<float>?[f];
        var ensembleNodes = ensemble.Nodes;
        for (var i = 0; i < ensembleNodes.Length; i++)
        {
            var node = ensembleNodes[i];
            var j = node.Feature & TreeEnsemble.FeatureMask;
            var categorical = (node.Feature & TreeEnsemble.CategoricalFlag) != 0;
            var k = categorical ? (byte)2 : (byte)1;
            if (kind[j] != 0 && kind[j] != k)
            {
                return null;
            }

            kind[j] = k;
            if (categorical)
            {
                var offset = ensemble.CategoryOffsets[i];
                for (var w = 0; w < ensemble.CategoryWords[i]; w++)
                {
                    var bits = ensemble.CategoryBits[offset + w];
                    // Codes ≥ 255 cannot be a byte bin other than the missing one.
                    if (w >= CategoryWordsPerNode ? bits != 0 : w == CategoryWordsPerNode - 1 && (bits & 0x8000_0000u) != 0)
                    {
                        return null;
                    }
                }
            }
            else
            {
                if (float.IsNaN(node.Threshold))
                {
                    return null;
                }

                (thresholds[j] ??= []).Add(node.Threshold);
            }
        }

        var edgeOffset = new int[f + 1];
        var edges = new List<float>();
        var used = new List<int>();
        for (var j = 0; j < f; j++)
        {
            edgeOffset[j] = edges.Count;
            if (kind[j] == 0)
            {
                continue;
            }

            used.Add(j);
            if (thresholds[j] is { } list)
            {
                list.Sort();
                var distinct = 0;
                for (var i = 0; i < list.Count; i++)
                {
                    if (i == 0 || list[i] != list[i - 1])
                    {
                        edges.Add(list[i]);
                        distinct++;
                    }
                }

                if (distinct > MaximumValueBins)
                {
                    return null;
                }
            }
        }

        edgeOffset[f] = edges.Count;
        var edgeArray = edges.ToArray();

        // Breadth-first per tree; a slot refers to an ensemble node (≥ 0) or leaf (< 0).
        var slots = new List<int>();
        var firstChild = new List<int>();
        var roots = new int[ensemble.TreeCount];
        for (var t = 0; t < ensemble.TreeCount; t++)
        {
            var start = slots.Count;
            roots[t] = start;
            slots.Add(ensemble.TreeRoots[t]);
            for (var s = start; s < slots.Count; s++)
            {
                var r = slots[s];
                if (r >= 0)
                {
                    firstChild.Add(slots.Count);
                    slots.Add(ensembleNodes[r].Left);
                    slots.Add(ensembleNodes[r].Right);
                }
                else
                {
                    firstChild.Add(s);
                }
            }

            if (slots.Count > int.MaxValue / 4)
            {
                return null;
            }
        }

        var count = slots.Count;
        var nodes = new PackedNode[count];
        var values = new float[count];
        var categoryOffset = new int[count];
        var categoryBits = new List<uint>();
        for (var s = 0; s < count; s++)
        {
            var r = slots[s];
            categoryOffset[s] = -1;
            if (r < 0)
            {
                // A leaf never moves: bin ≤ 255 always holds, so it "goes left" to itself.
                nodes[s] = new PackedNode(0, 255, KindNumeric, s);
                values[s] = ensemble.LeafValues[~r];
                continue;
            }

            var node = ensembleNodes[r];
            var j = node.Feature & TreeEnsemble.FeatureMask;
            if ((node.Feature & TreeEnsemble.CategoricalFlag) != 0)
            {
                categoryOffset[s] = categoryBits.Count;
                var offset = ensemble.CategoryOffsets[r];
                for (var w = 0; w < CategoryWordsPerNode; w++)
                {
                    categoryBits.Add(w < ensemble.CategoryWords[r] ? ensemble.CategoryBits[offset + w] : 0u);
                }

                nodes[s] = new PackedNode((ushort)j, 0, KindCategorical, firstChild[s]);
                continue;
            }

            var index = Array.BinarySearch(edgeArray, edgeOffset[j], edgeOffset[j + 1] - edgeOffset[j], node.Threshold) - edgeOffset[j];
            var defaultLeft = (node.Feature & TreeEnsemble.DefaultLeftFlag) != 0;
            nodes[s] = defaultLeft
                ? new PackedNode((ushort)j, (byte)(index + 1), KindDefaultLeft, firstChild[s])
                : new PackedNode((ushort)j, (byte)index, KindNumeric, firstChild[s]);
        }

        return new CompactTrees(
            nodes, values, categoryOffset, [.. categoryBits], roots, [.. ensemble.TreeOutput], [.. used], kind, edgeOffset, edgeArray, f,
            ensemble.OutputCount);
    }

    /// <summary>The byte bin of value <paramref name="v"/> of feature <paramref name="feature"/> (see the class summary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte Bin(int feature, float v)
    {
        if (_featureKind[feature] == 2)
        {
            return v >= 0 && v <= MaximumValueBins && v == MathF.Floor(v) ? (byte)v : MissingBin;
        }

        if (float.IsNaN(v))
        {
            return MissingBin;
        }

        // Branch-free lower bound: the number of thresholds strictly below v.
        ref var e = ref MemoryMarshal.GetArrayDataReference(_edges);
        var lo = _edgeOffset[feature];
        var length = _edgeOffset[feature + 1] - lo;
        var first = lo;
        while (length > 0)
        {
            var half = length >> 1;
            var below = Unsafe.Add(ref e, lo + half) < v;
            lo = below ? lo + half + 1 : lo;
            length = below ? length - half - 1 : half;
        }

        return (byte)(lo - first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Step(ref PackedNode nodes, ref byte row, int slot)
    {
        ref var n = ref Unsafe.Add(ref nodes, slot);
        int bin = Unsafe.Add(ref row, n.Feature);
        if (n.Kind != KindCategorical)
        {
            return n.FirstChild + (((bin + n.Kind) & 0xFF) > n.Threshold ? 1 : 0);
        }

        var word = _categoryBits[_categoryOffset[slot] + (bin >> 5)];
        return n.FirstChild + (int)(((word >> (bin & 31)) & 1) ^ 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Walk(ref PackedNode nodes, ref byte row, int slot)
    {
        while (true)
        {
            var next = Step(ref nodes, ref row, slot);
            if (next == slot)
            {
                return slot;
            }

            slot = next;
        }
    }

    /// <summary>Raw margins (before base scores and averaging) of one row; allocation-free.</summary>
    public void PredictRaw(in FeatureRow row, Span<double> margins)
    {
        var rowBytes = RowBytes;
        byte[]? rented = null;
        var bins = rowBytes <= StackLimit ? stackalloc byte[rowBytes] : (rented = ArrayPool<byte>.Shared.Rent(rowBytes)).AsSpan(0, rowBytes);
        try
        {
            BinRow(row, bins);
            margins[.._outputCount].Clear();
            ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
            ref var r = ref MemoryMarshal.GetReference(bins);
            var roots = _roots;
            var outputs = _outputs;
            var values = _values;
            var t = 0;
            // Four trees at a time: independent walks overlap their load latencies; sums stay in tree order.
            for (; t + 4 <= roots.Length; t += 4)
            {
                int a = roots[t], b = roots[t + 1], c = roots[t + 2], d = roots[t + 3];
                while (true)
                {
                    int na = Step(ref nodes, ref r, a), nb = Step(ref nodes, ref r, b), nc = Step(ref nodes, ref r, c), nd = Step(ref nodes, ref r, d);
                    if (((na ^ a) | (nb ^ b) | (nc ^ c) | (nd ^ d)) == 0)
                    {
                        break;
                    }

                    (a, b, c, d) = (na, nb, nc, nd);
                }

                margins[outputs[t]] += values[a];
                margins[outputs[t + 1]] += values[b];
                margins[outputs[t + 2]] += values[c];
                margins[outputs[t + 3]] += values[d];
            }

            for (; t < roots.Length; t++)
            {
                margins[outputs[t]] += values[Walk(ref nodes, ref r, roots[t])];
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void BinRow(in FeatureRow row, Span<byte> bins)
    {
        var dense = row.Dense;
        if (dense.Length > _featureCount)
        {
            throw new ArgumentException($"The row has {dense.Length} dense values; the model expects {_featureCount} features.", nameof(row));
        }

        foreach (var j in _usedFeatures)
        {
            bins[j] = j < dense.Length ? Bin(j, dense[j]) : _zeroBin[j];
        }

        var indices = row.SparseIndices;
        var values = row.SparseValues;
        for (var e = 0; e < indices.Length; e++)
        {
            var j = dense.Length + indices[e];
            if ((uint)j < (uint)_featureCount && _featureKind[j] != 0)
            {
                bins[j] = Bin(j, values[e]);
            }
        }
    }

    /// <summary>
    /// Raw margins of every row (row-major, RowCount × outputs; before base scores and averaging). Rows are binned
    /// in blocks of 256, transposed (feature-major, so lane g of a step reads byte <c>feature × 256 + g</c> from one
    /// base), then each tree scores the whole block with the <see cref="PreferredKernel"/>. Parallel over blocks; a
    /// row's sum runs in tree order whatever the thread count.
    /// </summary>
    public void PredictRawBatch(FeatureMatrix features, Span<double> margins, int maxDegreeOfParallelism) =>
        PredictRawBatch(features, margins, maxDegreeOfParallelism, PreferredKernel);

    /// <summary><see cref="PredictRawBatch(FeatureMatrix, Span{double}, int)"/> with a given kernel (tests compare them all).</summary>
    internal unsafe void PredictRawBatch(FeatureMatrix features, Span<double> margins, int maxDegreeOfParallelism, BatchKernel kernel)
    {
        if (!Supports(kernel))
        {
            throw new ArgumentException($"The {kernel} kernel cannot run this model on this CPU.", nameof(kernel));
        }

        var n = features.RowCount;
        var blocks = (n + BlockRows - 1) / BlockRows;
        fixed (double* p = margins)
        {
            var state = new BatchState(this, features, (nint)p, kernel);
            if (maxDegreeOfParallelism == 1 || blocks < 2)
            {
                for (var b = 0; b < blocks; b++)
                {
                    state.Run(b);
                }
            }
            else
            {
                Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, state.Run);
            }
        }
    }

    private void BinBlock(FeatureMatrix features, int start, int count, Span<byte> bins)
    {
        var n = features.RowCount;
        var dense = features.Dense;
        var denseCount = features.DenseColumnCount;
        foreach (var j in _usedFeatures)
        {
            var target = bins.Slice(j << BlockShift, count);
            if (j < denseCount)
            {
                var column = dense.AsSpan((j * n) + start, count);
                for (var r = 0; r < column.Length; r++)
                {
                    target[r] = Bin(j, column[r]);
                }
            }
            else
            {
                target.Fill(_zeroBin[j]);
            }
        }

        if (features.Sparse is { } sparse)
        {
            for (var r = 0; r < count; r++)
            {
                var indices = sparse.RowIndices(start + r);
                var values = sparse.RowValues(start + r);
                for (var e = 0; e < indices.Length; e++)
                {
                    var j = denseCount + indices[e];
                    if ((uint)j < (uint)_featureCount && _featureKind[j] != 0)
                    {
                        bins[(j << BlockShift) + r] = Bin(j, values[e]);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int StepBlock(ref PackedNode nodes, ref byte lane, int slot)
    {
        ref var n = ref Unsafe.Add(ref nodes, slot);
        int bin = Unsafe.Add(ref lane, n.Feature << BlockShift);
        if (n.Kind != KindCategorical)
        {
            return n.FirstChild + (((bin + n.Kind) & 0xFF) > n.Threshold ? 1 : 0);
        }

        var word = _categoryBits[_categoryOffset[slot] + (bin >> 5)];
        return n.FirstChild + (int)(((word >> (bin & 31)) & 1) ^ 1);
    }

    private void WalkBlock(ReadOnlySpan<byte> bins, int count, Span<double> result)
    {
        var k = _outputCount;
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var b0 = ref MemoryMarshal.GetReference(bins);
        var roots = _roots;
        var outputs = _outputs;
        var values = _values;
        for (var t = 0; t < roots.Length; t++)
        {
            var root = roots[t];
            var o = outputs[t];
            var r = 0;
            for (; r + 8 <= count; r += 8)
            {
                ref var x = ref Unsafe.Add(ref b0, r);
                int c0 = root, c1 = root, c2 = root, c3 = root, c4 = root, c5 = root, c6 = root, c7 = root;
                while (true)
                {
                    var n0 = StepBlock(ref nodes, ref x, c0);
                    var n1 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 1), c1);
                    var n2 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 2), c2);
                    var n3 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 3), c3);
                    var n4 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 4), c4);
                    var n5 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 5), c5);
                    var n6 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 6), c6);
                    var n7 = StepBlock(ref nodes, ref Unsafe.Add(ref x, 7), c7);
                    if (((n0 ^ c0) | (n1 ^ c1) | (n2 ^ c2) | (n3 ^ c3) | (n4 ^ c4) | (n5 ^ c5) | (n6 ^ c6) | (n7 ^ c7)) == 0)
                    {
                        break;
                    }

                    (c0, c1, c2, c3, c4, c5, c6, c7) = (n0, n1, n2, n3, n4, n5, n6, n7);
                }

                result[(r * k) + o] += values[c0];
                result[((r + 1) * k) + o] += values[c1];
                result[((r + 2) * k) + o] += values[c2];
                result[((r + 3) * k) + o] += values[c3];
                result[((r + 4) * k) + o] += values[c4];
                result[((r + 5) * k) + o] += values[c5];
                result[((r + 6) * k) + o] += values[c6];
                result[((r + 7) * k) + o] += values[c7];
            }

            for (; r < count; r++)
            {
                ref var x = ref Unsafe.Add(ref b0, r);
                var c = root;
                while (true)
                {
                    var next = StepBlock(ref nodes, ref x, c);
                    if (next == c)
                    {
                        break;
                    }

                    c = next;
                }

                result[(r * k) + o] += values[c];
            }
        }
    }

    private sealed class BatchState(CompactTrees model, FeatureMatrix features, nint output, BatchKernel kernel)
    {
        public unsafe void Run(int block)
        {
            var start = block * BlockRows;
            var count = Math.Min(BlockRows, features.RowCount - start);
            var k = model._outputCount;
            var bytes = model.RowBytes << BlockShift;
            var bins = ArrayPool<byte>.Shared.Rent(bytes);
            try
            {
                model.BinBlock(features, start, count, bins.AsSpan(0, bytes));
                var result = new Span<double>((double*)output + ((long)start * k), count * k);
                if (kernel == BatchKernel.Scalar)
                {
                    result.Clear();
                    model.WalkBlock(bins.AsSpan(0, bytes), count, result);
                }
                else
                {
                    RunBitvector(bins, count, result);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bins);
            }
        }

        /// <summary>
        /// Widens the used features' bins to 16 bits (and adds the shifted rows the default-left splits read), runs
        /// the bitvector kernel into an output-major block (output × 256 + row) and copies that to row-major.
        /// </summary>
        private unsafe void RunBitvector(byte[] bins, int count, Span<double> result)
        {
            var k = model._outputCount;
            var shifted = model._bitvector!.ShiftedFeatures;
            var words = (model.RowBytes + shifted.Length) << BlockShift;
            var wide = ArrayPool<ushort>.Shared.Rent(words);
            var sums = ArrayPool<double>.Shared.Rent(k << BlockShift);
            try
            {
                Array.Clear(sums, 0, k << BlockShift);
                fixed (byte* b = bins)
                fixed (ushort* w = wide)
                fixed (double* m = sums)
                {
                    foreach (var j in model._usedFeatures)
                    {
                        WidenRow(b + (j << BlockShift), w + (j << BlockShift), Vector256<byte>.Zero);
                    }

                    for (var i = 0; i < shifted.Length; i++)
                    {
                        WidenRow(b + (shifted[i] << BlockShift), w + ((model.RowBytes + i) << BlockShift), Vector256<byte>.One);
                    }

                    model.WalkBlockBitvector(w, count, m);
                }

                for (var r = 0; r < count; r++)
                {
                    for (var o = 0; o < k; o++)
                    {
                        result[(r * k) + o] = sums[(o << BlockShift) + r];
                    }
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(sums);
                ArrayPool<ushort>.Shared.Return(wide);
            }
        }

        /// <summary>256 bins plus <paramref name="add"/> (modulo 256) zero-extended to 16 bits.</summary>
        private static unsafe void WidenRow(byte* from, ushort* to, Vector256<byte> add)
        {
            for (var r = 0; r < BlockRows; r += Vector256<byte>.Count)
            {
                Avx512BW.ConvertToVector512UInt16(Vector256.Load(from + r) + add).Store(to + r);
            }
        }
    }

    /// <summary>8 bytes: feature, byte threshold, kind (numeric / default-left numeric / categorical), left child (right = left + 1).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private readonly struct PackedNode(ushort feature, byte threshold, byte kind, int firstChild)
    {
        public readonly ushort Feature = feature;
        public readonly byte Threshold = threshold;
        public readonly byte Kind = kind;
        public readonly int FirstChild = firstChild;
    }
}
