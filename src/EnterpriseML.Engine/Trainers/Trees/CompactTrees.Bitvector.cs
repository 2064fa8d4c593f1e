using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// The bitvector batch kernel (QuickScorer-style) for ensembles whose trees all have at most 256 leaves: instead of
/// walking a path, every split of a tree is tested for 32 rows at once (one 16-bit AVX-512 lane per row), and each
/// split that sends a row right clears the row's bits of the leaves in its left subtree. Leaves are numbered left to
/// right in 16-leaf words from bit 15 down, so the leaf a row reaches is the leftmost one never cleared: the count of
/// leading zeros of the first non-zero word. No branch depends on the data and no lane waits for a deeper one; a tree
/// costs one vector test per split and word its left subtree touches (a 31-leaf tree: about 32 tests per 32 rows).
/// <para>
/// Exactness: each test is the scalar walk's own comparison on the same bins (see <see cref="CompactTrees"/>), and the
/// leaf a row reaches is the one the walk reaches (the QuickScorer argument: the leaves left of the exit leaf are
/// exactly the left subtrees of the path's right turns, and no split clears the exit leaf, whose left-subtree
/// ancestors all send the row left). The leaf values are added per row in tree order into doubles, so margins stay
/// bit-identical to the reference walk.
/// </para>
/// </summary>
internal sealed partial class CompactTrees
{
    /// <summary>Rows per pass of the bitvector kernel: four AVX-512 groups of 32.</summary>
    private const int VectorPassRows = 128;

    /// <summary>The batch kernels; <see cref="PreferredKernel"/> picks the fastest one the model and CPU support.</summary>
    internal enum BatchKernel
    {
        /// <summary>The portable scalar walk (eight rows in lockstep); always available.</summary>
        Scalar,

        /// <summary>The AVX-512 bitvector kernel: trees of at most 256 leaves, AVX-512 F, BW and CD.</summary>
        Bitvector512,
    }

    /// <summary>The fastest batch kernel this model and CPU support.</summary>
    internal BatchKernel PreferredKernel => Supports(BatchKernel.Bitvector512) ? BatchKernel.Bitvector512 : BatchKernel.Scalar;

    /// <summary>Whether <paramref name="kernel"/> can run this model on this CPU.</summary>
    internal bool Supports(BatchKernel kernel) => kernel switch
    {
        BatchKernel.Scalar => true,
        BatchKernel.Bitvector512 => _bitvector is not null && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Block kernel of <see cref="BatchKernel.Bitvector512"/>: adds every tree's leaf value into
    /// <paramref name="block"/> (output-major, <c>output × 256 + row</c>) for the first <paramref name="count"/> rows of
    /// the transposed bins, widened to 16 bits (<c>feature × 256 + row</c>, with the shifted rows of
    /// <see cref="BitvectorLayout.ShiftedFeatures"/> after the features). Four groups of 32 rows (one 16-bit lane per
    /// row) share each split's loads; rows past <paramref name="count"/> up to the next multiple of 128 are computed
    /// from whatever the buffer holds and land in the block's unused tail; nothing reads them.
    /// </summary>
    private unsafe void WalkBlockBitvector(ushort* bins, int count, double* block)
    {
        var layout = _bitvector!;
        var passes = (count + VectorPassRows - 1) / VectorPassRows;
        fixed (SplitTest* numeric = layout.Numeric)
        fixed (SplitTest* categorical = layout.Categorical)
        fixed (float* leaves = layout.LeafValues)
        fixed (uint* categoryBits = _categoryBits)
        {
            var numericStart = layout.NumericStart;
            var categoricalStart = layout.CategoricalStart;
            var treeWords = layout.TreeWords;
            var outputs = _outputs;
            for (var t = 0; t < outputs.Length; t++)
            {
                var margins = block + (outputs[t] << BlockShift);
                int first = treeWords[t], last = treeWords[t + 1] - 1;
                for (var pass = 0; pass < passes; pass++)
                {
                    var r0 = pass * VectorPassRows;
                    Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
                    // Last word first, so that the lowest word with a surviving leaf decides.
                    for (var w = last; w >= first; w--)
                    {
                        var v0 = Vector512<ushort>.AllBitsSet;
                        var v1 = v0;
                        var v2 = v0;
                        var v3 = v0;
                        for (SplitTest* test = numeric + numericStart[w], end = numeric + numericStart[w + 1]; test < end; test++)
                        {
                            var x = bins + test->FeatureOffset + r0;
                            var minusAbove = Vector512.Create((ushort)test->Argument);
                            var notLeft = ~Vector512.Create((ushort)test->LeftLeaves);
                            v0 = v0 & (GoesLeft(minusAbove, x) | notLeft);
                            v1 = v1 & (GoesLeft(minusAbove, x + 32) | notLeft);
                            v2 = v2 & (GoesLeft(minusAbove, x + 64) | notLeft);
                            v3 = v3 & (GoesLeft(minusAbove, x + 96) | notLeft);
                        }

                        for (SplitTest* test = categorical + categoricalStart[w], end = categorical + categoricalStart[w + 1]; test < end; test++)
                        {
                            var x = bins + test->FeatureOffset + r0;
                            var set = Vector256.Load((ushort*)(categoryBits + test->Argument)).ToVector512Unsafe();
                            var notLeft = ~Vector512.Create((ushort)test->LeftLeaves);
                            v0 = v0 & (InSet(set, Vector512.Load(x)) | notLeft);
                            v1 = v1 & (InSet(set, Vector512.Load(x + 32)) | notLeft);
                            v2 = v2 & (InSet(set, Vector512.Load(x + 64)) | notLeft);
                            v3 = v3 & (InSet(set, Vector512.Load(x + 96)) | notLeft);
                        }

                        var table = Vector512.Load(leaves + (w * BitvectorLayout.WordLeaves));
                        f0 = LeafValue(v0.GetLower(), table, f0);
                        f1 = LeafValue(v0.GetUpper(), table, f1);
                        f2 = LeafValue(v1.GetLower(), table, f2);
                        f3 = LeafValue(v1.GetUpper(), table, f3);
                        f4 = LeafValue(v2.GetLower(), table, f4);
                        f5 = LeafValue(v2.GetUpper(), table, f5);
                        f6 = LeafValue(v3.GetLower(), table, f6);
                        f7 = LeafValue(v3.GetUpper(), table, f7);
                    }

                    var m = margins + r0;
                    AddValues(f0, m);
                    AddValues(f1, m + 16);
                    AddValues(f2, m + 32);
                    AddValues(f3, m + 48);
                    AddValues(f4, m + 64);
                    AddValues(f5, m + 80);
                    AddValues(f6, m + 96);
                    AddValues(f7, m + 112);
                }
            }
        }
    }

    /// <summary>
    /// All-ones in the lanes whose bin is ≤ the threshold (the row goes left), from the sign of
    /// <c>bin + <paramref name="minusAbove"/></c> = bin − (threshold + 1) in 16 bits (bins in 0..255): an add with the
    /// bins as memory operand and a shift, which with the caller's and/or makes three instructions per split and 32
    /// rows (a compare into a mask register costs more, as the JIT does not mask the and).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<ushort> GoesLeft(Vector512<ushort> minusAbove, ushort* bins) =>
        Vector512.ShiftRightArithmetic((Vector512.Load(bins) + minusAbove).AsInt16(), 15).AsUInt16();

    /// <summary>All-ones in the lanes whose bin is in the 256-bit category set (16 words of 16 bits; those rows go
    /// left): the set's bit is shifted to the sign position and spread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ushort> InSet(Vector512<ushort> set, Vector512<ushort> bins)
    {
        var word = Avx512BW.PermuteVar32x16(set, bins >>> 4);
        var top = Avx512BW.ShiftLeftLogicalVariable(word, Vector512.AndNot(Vector512.Create((ushort)15), bins));
        return Vector512.ShiftRightArithmetic(top.AsInt16(), 15).AsUInt16();
    }

    /// <summary>
    /// For 16 rows: the value of the leftmost surviving leaf of this 16-leaf word where one survives, else
    /// <paramref name="found"/> (the value from a later word). The word is zero-extended to 32 bits, so its leading
    /// zero count is 16 + the leaf number, whose low four bits pick the value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LeafValue(Vector256<ushort> word, Vector512<float> table, Vector512<float> found)
    {
        var wide = Avx512F.ConvertToVector512UInt32(word);
        var value = Avx512F.PermuteVar16x32(table, Avx512CD.LeadingZeroCount(wide).AsInt32());
        return Vector512.ConditionalSelect(Vector512.Equals(wide, Vector512<uint>.Zero).AsSingle(), found, value);
    }

    /// <summary>Adds 16 float leaf values to 16 rows' double margins (exact widening, one add per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddValues(Vector512<float> value, double* margins)
    {
        Vector512.Store(Vector512.Load(margins) + Avx512F.ConvertToVector512Double(value.GetLower()), margins);
        Vector512.Store(Vector512.Load(margins + 8) + Avx512F.ConvertToVector512Double(value.GetUpper()), margins + 8);
    }

    /// <summary>
    /// A split for the bitvector kernel, as seen from one 16-leaf word of its tree. Numeric: <see cref="Argument"/> is
    /// −(byte threshold + 1) modulo 2¹⁶, and the row goes right iff its bin is greater than the threshold. Categorical:
    /// <see cref="Argument"/> is the offset of the 8-word category set; the row goes right iff its bin is not in it.
    /// Going right clears <see cref="LeftLeaves"/> (the left subtree's leaves within this word, 16 bits).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct SplitTest(int featureOffset, uint argument, uint leftLeaves)
    {
        public readonly int FeatureOffset = featureOffset;
        public readonly uint Argument = argument;
        public readonly uint LeftLeaves = leftLeaves;
    }

    /// <summary>
    /// Per tree: its leaves numbered left to right in 16-leaf words (leaf i is bit 15 − i mod 16 of word i / 16), and
    /// per word the splits whose left subtree has leaves in it (a split spanning several words is listed in each), and
    /// the word's 16 leaf values.
    /// </summary>
    private sealed class BitvectorLayout
    {
        public const int MaximumLeaves = 256;
        public const int WordLeaves = 16;

        private BitvectorLayout(
            int[] treeWords, SplitTest[] numeric, int[] numericStart, SplitTest[] categorical, int[] categoricalStart, float[] leafValues,
            int[] shiftedFeatures)
        {
            TreeWords = treeWords;
            Numeric = numeric;
            NumericStart = numericStart;
            Categorical = categorical;
            CategoricalStart = categoricalStart;
            LeafValues = leafValues;
            ShiftedFeatures = shiftedFeatures;
        }

        /// <summary>Tree t owns words <c>TreeWords[t] .. TreeWords[t + 1] − 1</c>.</summary>
        public int[] TreeWords { get; }

        public SplitTest[] Numeric { get; }

        /// <summary>Word w's numeric splits are <c>Numeric[NumericStart[w] .. NumericStart[w + 1] − 1]</c>.</summary>
        public int[] NumericStart { get; }

        public SplitTest[] Categorical { get; }

        public int[] CategoricalStart { get; }

        /// <summary><c>word × 16 + leaf</c>; unused entries are zero.</summary>
        public float[] LeafValues { get; }

        /// <summary>
        /// Features with default-left splits. The kernel reads their bins shifted by one modulo 256 (NaN's 255 becomes
        /// 0) from byte row <c>featureCount + i</c> of the block, so that a default-left split is a single compare
        /// that sends NaN left, exactly as the scalar walk's <c>(bin + 1) &amp; 0xFF &gt; threshold</c>.
        /// </summary>
        public int[] ShiftedFeatures { get; }

        /// <summary>The layout of the packed trees, or null when a tree has more than 256 leaves.</summary>
        public static BitvectorLayout? TryBuild(PackedNode[] nodes, float[] values, int[] categoryOffset, int[] roots, int featureCount)
        {
            var trees = roots.Length;
            var treeWords = new int[trees + 1];
            for (var t = 0; t < trees; t++)
            {
                var end = t + 1 < trees ? roots[t + 1] : nodes.Length;
                var leaves = 0;
                for (var s = roots[t]; s < end; s++)
                {
                    leaves += nodes[s].FirstChild == s ? 1 : 0;
                }

                if (leaves > MaximumLeaves)
                {
                    return null;
                }

                treeWords[t + 1] = treeWords[t] + ((leaves + WordLeaves - 1) / WordLeaves);
            }

            var words = treeWords[trees];
            var numericByWord = new List<SplitTest>[words];
            var categoricalByWord = new List<SplitTest>[words];
            for (var w = 0; w < words; w++)
            {
                numericByWord[w] = [];
                categoricalByWord[w] = [];
            }

            var leafValues = new float[words * WordLeaves];
            var shiftedRow = new Dictionary<int, int>();
            var shifted = new List<int>();
            for (var t = 0; t < trees; t++)
            {
                var firstWord = treeWords[t];
                var next = 0;
                Visit(roots[t]);

                // The first and last leaf numbers of the subtree at slot s; records its split in each word it touches.
                (int First, int Last) Visit(int s)
                {
                    var node = nodes[s];
                    if (node.FirstChild == s)
                    {
                        leafValues[(firstWord * WordLeaves) + next] = values[s];
                        return (next, next++);
                    }

                    var left = Visit(node.FirstChild);
                    var right = Visit(node.FirstChild + 1);
                    var categorical = node.Kind == KindCategorical;
                    int featureOffset;
                    uint argument;
                    if (categorical)
                    {
                        featureOffset = node.Feature << BlockShift;
                        argument = (uint)categoryOffset[s];
                    }
                    else if (node.Kind == KindDefaultLeft)
                    {
                        // Right iff ((bin + 1) & 0xFF) > threshold: the shifted bin against the threshold.
                        if (!shiftedRow.TryGetValue(node.Feature, out var row))
                        {
                            row = featureCount + shifted.Count;
                            shiftedRow[node.Feature] = row;
                            shifted.Add(node.Feature);
                        }

                        featureOffset = row << BlockShift;
                        argument = (ushort)-(node.Threshold + 1);
                    }
                    else
                    {
                        featureOffset = node.Feature << BlockShift;
                        argument = (ushort)-(node.Threshold + 1);
                    }

                    for (var w = left.First / WordLeaves; w <= left.Last / WordLeaves; w++)
                    {
                        var from = Math.Max(left.First, w * WordLeaves) - (w * WordLeaves);
                        var to = Math.Min(left.Last, (w * WordLeaves) + WordLeaves - 1) - (w * WordLeaves);
                        var mask = (uint)(((1ul << (to - from + 1)) - 1) << (WordLeaves - 1 - to));
                        (categorical ? categoricalByWord : numericByWord)[firstWord + w].Add(new SplitTest(featureOffset, argument, mask));
                    }

                    return (left.First, right.Last);
                }
            }

            return new BitvectorLayout(
                treeWords, [.. numericByWord.SelectMany(l => l)], Starts(numericByWord), [.. categoricalByWord.SelectMany(l => l)],
                Starts(categoricalByWord), leafValues, [.. shifted]);
        }

        private static int[] Starts(List<SplitTest>[] byWord)
        {
            var starts = new int[byWord.Length + 1];
            for (var w = 0; w < byWord.Length; w++)
            {
                starts[w + 1] = starts[w] + byWord[w].Count;
            }

            return starts;
        }
    }
}
