using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// The bitvector batch kernel (QuickScorer-style) for ensembles whose trees all have at most 32 leaves: instead of
/// walking a path, every split of a tree is tested for 16 rows at once (one AVX-512 lane per row), and each split that
/// sends a row right clears the row's bits of the leaves in its left subtree. Leaves are numbered left to right from
/// bit 31 down, so the leaf a row reaches is the leftmost one never cleared: the count of leading zeros of its word.
/// No branch depends on the data and no lane waits for a deeper one; a 31-leaf tree costs 30 vector tests per 16 rows.
/// <para>
/// Exactness: each test is the scalar walk's own comparison (bins as described on <see cref="CompactTrees"/>), and the
/// leaf a row reaches is the one the walk reaches (the standard QuickScorer argument: the leaves left of the exit leaf
/// are exactly the left subtrees of the path's right turns, and no test clears the exit leaf). The leaf values are
/// added per row in tree order into doubles, so margins stay bit-identical to the reference walk.
/// </para>
/// </summary>
internal sealed partial class CompactTrees
{
    /// <summary>The batch kernels; <see cref="PreferredKernel"/> picks the fastest one the model and CPU support.</summary>
    internal enum BatchKernel
    {
        /// <summary>The portable scalar walk (eight rows in lockstep); always available.</summary>
        Scalar,

        /// <summary>The AVX-512 bitvector kernel: trees of at most 32 leaves, AVX-512 F and CD.</summary>
        Bitvector512,
    }

    /// <summary>The fastest batch kernel this model and CPU support.</summary>
    internal BatchKernel PreferredKernel => Supports(BatchKernel.Bitvector512) ? BatchKernel.Bitvector512 : BatchKernel.Scalar;

    /// <summary>Whether <paramref name="kernel"/> can run this model on this CPU.</summary>
    internal bool Supports(BatchKernel kernel) => kernel switch
    {
        BatchKernel.Scalar => true,
        BatchKernel.Bitvector512 => _bitvector is not null && Avx512F.IsSupported && Avx512CD.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Block kernel of <see cref="BatchKernel.Bitvector512"/>: adds every tree's leaf value into
    /// <paramref name="block"/> (output-major, <c>output × 256 + row</c>) for the first <paramref name="count"/> rows of
    /// the transposed bins. Rows past <paramref name="count"/> up to the next multiple of 64 are computed from whatever
    /// bytes the buffer holds and land in the block's unused tail; nothing reads them.
    /// </summary>
    private unsafe void WalkBlockBitvector(byte* bins, int count, double* block)
    {
        var layout = _bitvector!;
        var quads = (count + 63) >> 6;
        fixed (NumericTest* numeric = layout.Numeric)
        fixed (CategoryTest* categorical = layout.Categorical)
        fixed (float* leaves = layout.LeafValues)
        fixed (uint* categoryBits = _categoryBits)
        {
            var numericStart = layout.NumericStart;
            var categoricalStart = layout.CategoricalStart;
            var outputs = _outputs;
            for (var t = 0; t < outputs.Length; t++)
            {
                var lowLeaves = Vector512.Load(leaves + (t * BitvectorLayout.MaximumLeaves));
                var highLeaves = Vector512.Load(leaves + (t * BitvectorLayout.MaximumLeaves) + 16);
                var margins = block + (outputs[t] << BlockShift);
                int ns = numericStart[t], ne = numericStart[t + 1], cs = categoricalStart[t], ce = categoricalStart[t + 1];
                for (var q = 0; q < quads; q++)
                {
                    var r0 = q << 6;
                    var v0 = Vector512<uint>.AllBitsSet;
                    var v1 = v0;
                    var v2 = v0;
                    var v3 = v0;
                    for (var i = ns; i < ne; i++)
                    {
                        var test = numeric + i;
                        var x = bins + test->FeatureOffset + r0;
                        var low = Vector512.Create(test->Low);
                        var span = Vector512.Create(test->Span);
                        var left = Vector512.Create(test->LeftLeaves);
                        v0 = Vector512.AndNot(v0, Vector512.LessThan(Widen(x) - low, span) & left);
                        v1 = Vector512.AndNot(v1, Vector512.LessThan(Widen(x + 16) - low, span) & left);
                        v2 = Vector512.AndNot(v2, Vector512.LessThan(Widen(x + 32) - low, span) & left);
                        v3 = Vector512.AndNot(v3, Vector512.LessThan(Widen(x + 48) - low, span) & left);
                    }

                    for (var i = cs; i < ce; i++)
                    {
                        var test = categorical + i;
                        var x = bins + test->FeatureOffset + r0;
                        var set = Vector256.Load(categoryBits + test->BitsOffset).ToVector512Unsafe();
                        var left = Vector512.Create(test->LeftLeaves);
                        v0 = Vector512.AndNot(v0, NotInSet(set, Widen(x)) & left);
                        v1 = Vector512.AndNot(v1, NotInSet(set, Widen(x + 16)) & left);
                        v2 = Vector512.AndNot(v2, NotInSet(set, Widen(x + 32)) & left);
                        v3 = Vector512.AndNot(v3, NotInSet(set, Widen(x + 48)) & left);
                    }

                    var m = margins + r0;
                    AddLeaves(v0, lowLeaves, highLeaves, m);
                    AddLeaves(v1, lowLeaves, highLeaves, m + 16);
                    AddLeaves(v2, lowLeaves, highLeaves, m + 32);
                    AddLeaves(v3, lowLeaves, highLeaves, m + 48);
                }
            }
        }
    }

    /// <summary>16 bins (bytes) zero-extended to 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<uint> Widen(byte* x) => Avx512F.ConvertToVector512UInt32(Vector128.Load(x));

    /// <summary>All-ones in the lanes whose bin is not in the 256-bit category set (those rows go right).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> NotInSet(Vector512<uint> set, Vector512<uint> bins)
    {
        var word = Avx512F.PermuteVar16x32(set, bins >>> 5);
        var bit = Avx512F.ShiftRightLogicalVariable(word, bins & Vector512.Create(31u)) & Vector512<uint>.One;
        return Vector512.Equals(bit, Vector512<uint>.Zero);
    }

    /// <summary>Adds, for 16 rows, the value of the leaf each reached (leftmost surviving bit) to its double margin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddLeaves(Vector512<uint> word, Vector512<float> lowLeaves, Vector512<float> highLeaves, double* margins)
    {
        var leaf = Avx512CD.LeadingZeroCount(word).AsInt32();
        var value = Avx512F.PermuteVar16x32x2(lowLeaves, leaf, highLeaves);
        Vector512.Store(Vector512.Load(margins) + Avx512F.ConvertToVector512Double(value.GetLower()), margins);
        Vector512.Store(Vector512.Load(margins + 8) + Avx512F.ConvertToVector512Double(value.GetUpper()), margins + 8);
    }

    /// <summary>A numeric split for the bitvector kernel: the row goes right iff <c>(uint)(bin − Low) &lt; Span</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct NumericTest(int featureOffset, uint low, uint span, uint leftLeaves)
    {
        public readonly int FeatureOffset = featureOffset;
        public readonly uint Low = low;
        public readonly uint Span = span;
        public readonly uint LeftLeaves = leftLeaves;
    }

    /// <summary>A categorical split for the bitvector kernel: the row goes right iff its bin is not in the 8-word set.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct CategoryTest(int featureOffset, int bitsOffset, uint leftLeaves)
    {
        public readonly int FeatureOffset = featureOffset;
        public readonly int BitsOffset = bitsOffset;
        public readonly uint LeftLeaves = leftLeaves;
    }

    /// <summary>Per tree: its numeric and categorical splits (with left-subtree leaf masks) and its 32 leaf values.</summary>
    private sealed class BitvectorLayout
    {
        public const int MaximumLeaves = 32;

        private BitvectorLayout(NumericTest[] numeric, int[] numericStart, CategoryTest[] categorical, int[] categoricalStart, float[] leafValues)
        {
            Numeric = numeric;
            NumericStart = numericStart;
            Categorical = categorical;
            CategoricalStart = categoricalStart;
            LeafValues = leafValues;
        }

        public NumericTest[] Numeric { get; }

        public int[] NumericStart { get; }

        public CategoryTest[] Categorical { get; }

        public int[] CategoricalStart { get; }

        /// <summary><c>tree × 32 + leaf</c>, leaves numbered left to right; unused entries are zero.</summary>
        public float[] LeafValues { get; }

        /// <summary>The layout of the packed trees, or null when a tree has more than 32 leaves.</summary>
        public static BitvectorLayout? TryBuild(PackedNode[] nodes, float[] values, int[] categoryOffset, int[] roots)
        {
            var trees = roots.Length;
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
            }

            var numeric = new List<NumericTest>();
            var categorical = new List<CategoryTest>();
            var numericStart = new int[trees + 1];
            var categoricalStart = new int[trees + 1];
            var leafValues = new float[trees * MaximumLeaves];
            for (var t = 0; t < trees; t++)
            {
                numericStart[t] = numeric.Count;
                categoricalStart[t] = categorical.Count;
                var next = 0;
                Visit(roots[t]);

                // The first and last leaf numbers of the subtree at slot s; records its split.
                (int First, int Last) Visit(int s)
                {
                    var node = nodes[s];
                    if (node.FirstChild == s)
                    {
                        leafValues[(t * MaximumLeaves) + next] = values[s];
                        return (next, next++);
                    }

                    var left = Visit(node.FirstChild);
                    var right = Visit(node.FirstChild + 1);
                    var width = left.Last - left.First + 1;
                    var mask = (uint)(((1ul << width) - 1) << (MaximumLeaves - 1 - left.Last));
                    var featureOffset = node.Feature << BlockShift;
                    if (node.Kind == KindCategorical)
                    {
                        categorical.Add(new CategoryTest(featureOffset, categoryOffset[s], mask));
                    }
                    else
                    {
                        // Right iff bin > index, except that default-left nodes send the missing bin 255 left.
                        var index = node.Threshold - node.Kind;
                        numeric.Add(new NumericTest(featureOffset, (uint)(index + 1), (uint)((node.Kind == KindDefaultLeft ? 254 : 255) - index), mask));
                    }

                    return (left.First, right.Last);
                }
            }

            numericStart[trees] = numeric.Count;
            categoricalStart[trees] = categorical.Count;
            return new BitvectorLayout([.. numeric], numericStart, [.. categorical], categoricalStart, leafValues);
        }
    }
}
