using System.Buffers;
using System.Runtime.CompilerServices;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// Trees flattened into arrays for prediction on raw feature values. A node sends a row left when
/// <c>value ≤ Threshold</c> (numeric; NaN follows the learned default direction) or when the level code is in the
/// node's category set (categorical; NaN and unseen codes go right). Children ≥ 0 are nodes, &lt; 0 are ~leaf.
/// Immutable and safe for concurrent use.
/// </summary>
internal sealed class TreeEnsemble
{
    internal const int DefaultLeftFlag = 1 << 30;
    internal const int CategoricalFlag = 1 << 29;
    internal const int FeatureMask = (1 << 29) - 1;
    private const int BlockRows = 64;

    /// <summary>The most path elements the kept paths of one explanation may hold (2 MB).</summary>
    private const int CheckpointBudget = 1 << 16;

    private readonly Lazy<CompactTrees?> _compact;
    private readonly Lazy<double[]> _treeExpectations;

    public TreeEnsemble(
        Node[] nodes, int[] categoryOffsets, int[] categoryWords, uint[] categoryBits, float[] nodeCover, float[] leafValues, float[] leafCover,
        int[] treeRoots, int[] treeOutput, int outputCount, double[] baseScores, bool average, int featureCount)
    {
        Nodes = nodes;
        CategoryOffsets = categoryOffsets;
        CategoryWords = categoryWords;
        CategoryBits = categoryBits;
        NodeCover = nodeCover;
        LeafValues = leafValues;
        LeafCover = leafCover;
        TreeRoots = treeRoots;
        TreeOutput = treeOutput;
        OutputCount = outputCount;
        BaseScores = baseScores;
        Average = average;
        FeatureCount = featureCount;
        Validate();
        MaximumDepth = MaximumTreeDepth();

        _compact = new Lazy<CompactTrees?>(() => CompactTrees.TryBuild(this), LazyThreadSafetyMode.ExecutionAndPublication);
        _treeExpectations = new Lazy<double[]>(TreeExpectations, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// The fast prediction layout, or null when this ensemble does not fit it (then the reference walk runs). Built on
    /// first use, so fitting and loading do not pay for it (a 300-tree fully grown forest takes ~0.2 s).
    /// </summary>
    internal CompactTrees? Compact => _compact.Value;

    public Node[] Nodes { get; }

    public int[] CategoryOffsets { get; }

    public int[] CategoryWords { get; }

    public uint[] CategoryBits { get; }

    public float[] NodeCover { get; }

    public float[] LeafValues { get; }

    public float[] LeafCover { get; }

    public int[] TreeRoots { get; }

    /// <summary>The output (class) each tree adds to.</summary>
    public int[] TreeOutput { get; }

    public int OutputCount { get; }

    public double[] BaseScores { get; }

    /// <summary>True: outputs are the mean over trees (forest); false: the sum (boosting).</summary>
    public bool Average { get; }

    public int FeatureCount { get; }

    public int MaximumDepth { get; }

    public int TreeCount => TreeRoots.Length;

    /// <summary>Raw margins of one row: the compact byte-bin walk when available, else the reference walk.</summary>
    public void PredictRaw(in FeatureRow row, Span<double> margins)
    {
        if (Compact is { } compact)
        {
            compact.PredictRaw(row, margins);
            Finish(margins);
            return;
        }

        var buffer = TreeInput.RentIfSparse(row, FeatureCount, out var length);
        try
        {
            PredictRawReference(buffer is null ? row.Dense : buffer.AsSpan(0, length), margins);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Raw margins of one dense row (length <see cref="FeatureCount"/>) by the plain walk over raw values: the
    /// reference the compact layout is tested against, and the path for ensembles that do not fit it.
    /// </summary>
    public void PredictRawReference(ReadOnlySpan<float> row, Span<double> margins)
    {
        margins[..OutputCount].Clear();
        var roots = TreeRoots;
        var outputs = TreeOutput;
        for (var t = 0; t < roots.Length; t++)
        {
            margins[outputs[t]] += LeafValues[LeafOf(roots[t], row)];
        }

        Finish(margins);
    }

    /// <summary>Turns raw tree sums into margins: averages (forests) and adds the base scores.</summary>
    internal void Finish(Span<double> margins)
    {
        var perOutput = Average ? Math.Max(1, TreeCount / OutputCount) : 1;
        for (var k = 0; k < OutputCount; k++)
        {
            margins[k] = (Average ? margins[k] / perOutput : margins[k]) + BaseScores[k];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LeafOf(int node, ReadOnlySpan<float> row)
    {
        var nodes = Nodes;
        while (node >= 0)
        {
            ref readonly var n = ref nodes[node];
            var v = row[n.Feature & FeatureMask];
            bool left;
            if ((n.Feature & CategoricalFlag) != 0)
            {
                left = InCategorySet(node, v);
            }
            else
            {
                left = (n.Feature & DefaultLeftFlag) != 0 ? !(v > n.Threshold) : v <= n.Threshold;
            }

            node = left ? n.Left : n.Right;
        }

        return ~node;
    }

    private bool InCategorySet(int node, float v)
    {
        if (!(v >= 0) || v >= CategoryWords[node] * 32)
        {
            return false;
        }

        var code = (int)v;
        return code == v && ((CategoryBits[CategoryOffsets[node] + (code >> 5)] >> (code & 31)) & 1) != 0;
    }

    /// <summary>
    /// Raw margins of every row, row-major (RowCount × OutputCount). Rows are transposed in blocks of 64 and each
    /// block is pushed through one tree at a time so that a tree's nodes stay in cache. Parallel over blocks; each
    /// row's sum runs in tree order, so the result does not depend on the thread count.
    /// </summary>
    public unsafe void PredictRawBatch(FeatureMatrix features, Span<double> margins, int maxDegreeOfParallelism)
    {
        var n = features.RowCount;
        if (margins.Length < n * OutputCount)
        {
            throw new ArgumentException("Output too short.", nameof(margins));
        }

        if (Compact is { } compact)
        {
            compact.PredictRawBatch(features, margins, maxDegreeOfParallelism);
            for (var r = 0; r < n; r++)
            {
                Finish(margins.Slice(r * OutputCount, OutputCount));
            }

            return;
        }

        PredictRawBatchReference(features, margins, maxDegreeOfParallelism);
    }

    /// <summary>The batch form of <see cref="PredictRawReference"/> (raw values, blocks of 64 rows).</summary>
    internal unsafe void PredictRawBatchReference(FeatureMatrix features, Span<double> margins, int maxDegreeOfParallelism)
    {
        var n = features.RowCount;

        var blocks = (n + BlockRows - 1) / BlockRows;
        fixed (double* p = margins)
        {
            var state = new BatchState(this, features, (nint)p);
            if (maxDegreeOfParallelism == 1 || n < 4 * BlockRows)
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

    private sealed class BatchState(TreeEnsemble model, FeatureMatrix features, nint output)
    {
        public unsafe void Run(int block)
        {
            var n = features.RowCount;
            var f = model.FeatureCount;
            var start = block * BlockRows;
            var count = Math.Min(BlockRows, n - start);
            var k = model.OutputCount;
            var buffer = ArrayPool<float>.Shared.Rent(BlockRows * f);
            try
            {
                var dense = features.Dense;
                var denseCount = features.DenseColumnCount;
                for (var j = 0; j < denseCount; j++)
                {
                    var column = j * n + start;
                    for (var r = 0; r < count; r++)
                    {
                        buffer[r * f + j] = dense[column + r];
                    }
                }

                if (features.Sparse is { } sparse)
                {
                    for (var r = 0; r < count; r++)
                    {
                        var row = buffer.AsSpan(r * f + denseCount, f - denseCount);
                        row.Clear();
                        var indices = sparse.RowIndices(start + r);
                        var values = sparse.RowValues(start + r);
                        for (var e = 0; e < indices.Length; e++)
                        {
                            if (indices[e] < row.Length)
                            {
                                row[indices[e]] = values[e];
                            }
                        }
                    }
                }

                var result = new Span<double>((double*)output + ((long)start * k), count * k);
                result.Clear();
                var roots = model.TreeRoots;
                var outputs = model.TreeOutput;
                var leaves = model.LeafValues;
                for (var t = 0; t < roots.Length; t++)
                {
                    var root = roots[t];
                    var o = outputs[t];
                    for (var r = 0; r < count; r++)
                    {
                        result[(r * k) + o] += leaves[model.LeafOf(root, buffer.AsSpan(r * f, f))];
                    }
                }

                for (var r = 0; r < count; r++)
                {
                    model.Finish(result.Slice(r * k, k));
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Path-dependent Tree SHAP (Lundberg, Erion and Lee 2018, "Consistent Individualized Feature Attribution for
    /// Tree Ensembles", Algorithm 2): exact Shapley values of the raw margin of output <paramref name="output"/>,
    /// with "missing" features integrated out by the training cover of each branch. Returns the bias (the expected
    /// margin); bias + Σ contributions = the raw margin.
    /// <para>
    /// The walk is iterative, so a tree thousands of splits deep (unlimited depth on sorted unique data) cannot
    /// overflow the stack, and its memory is bounded: one frame per split above the current node, and the paths of
    /// every <see cref="CheckpointInterval"/>-th of them (about <see cref="CheckpointBudget"/> path elements at most, 2 MB).
    /// A path that was not kept is rebuilt from the nearest kept one by the same extend and unwind steps, so the values
    /// are bit-identical to the recursive algorithm's, which copies every level's path.
    /// </para>
    /// </summary>
    public double Explain(ReadOnlySpan<float> row, Span<double> contributions, int output) =>
        Explain(row, contributions, output, CheckpointInterval);

    /// <summary><see cref="Explain(ReadOnlySpan{float}, Span{double}, int)"/> keeping every <paramref name="checkpointInterval"/>-th path (tests vary it).</summary>
    internal double Explain(ReadOnlySpan<float> row, Span<double> contributions, int output, int checkpointInterval)
    {
        contributions[..FeatureCount].Clear();
        var stride = PathLength;
        var frames = ArrayPool<ShapFrame>.Shared.Rent(Math.Max(1, MaximumDepth));
        var checkpoints = ArrayPool<PathElement>.Shared.Rent(((MaximumDepth / checkpointInterval) + 1) * stride);
        var path = ArrayPool<PathElement>.Shared.Rent(stride);
        try
        {
            var expected = _treeExpectations.Value;
            var walk = new ShapWalk(frames, checkpoints, path.AsSpan(0, stride), stride, checkpointInterval);
            var bias = 0.0;
            var trees = 0;
            for (var t = 0; t < TreeRoots.Length; t++)
            {
                if (TreeOutput[t] != output)
                {
                    continue;
                }

                trees++;
                bias += expected[t];
                if (TreeRoots[t] >= 0)
                {
                    ExplainTree(TreeRoots[t], row, contributions, walk);
                }
            }

            if (Average && trees > 0)
            {
                for (var j = 0; j < FeatureCount; j++)
                {
                    contributions[j] /= trees;
                }

                bias /= trees;
            }

            return bias + BaseScores[output];
        }
        finally
        {
            ArrayPool<PathElement>.Shared.Return(path);
            ArrayPool<PathElement>.Shared.Return(checkpoints);
            ArrayPool<ShapFrame>.Shared.Return(frames);
        }
    }

    /// <summary>
    /// Path elements one path can hold: the root's and one per distinct feature split on above a leaf, so at most
    /// min(depth, features) + 1.
    /// </summary>
    internal int PathLength => Math.Min(MaximumDepth, FeatureCount) + 1;

    /// <summary>
    /// Every how many levels <see cref="Explain(ReadOnlySpan{float}, Span{double}, int)"/> keeps a split's path: 1 (all
    /// of them, as the recursion did) unless that would take more than <see cref="CheckpointBudget"/> elements.
    /// </summary>
    internal int CheckpointInterval =>
        (int)Math.Clamp(((((long)MaximumDepth + 1) * PathLength) + CheckpointBudget - 1) / CheckpointBudget, 1, (long)MaximumDepth + 1);

    /// <summary>
    /// One tree's contributions, depth first with the row's branch (hot) before the other (cold) as in Algorithm 2,
    /// so every leaf adds to the contributions in the recursion's order.
    /// </summary>
    private void ExplainTree(int root, ReadOnlySpan<float> row, Span<double> phi, in ShapWalk walk)
    {
        var frames = walk.Frames;
        var path = walk.Path;
        var top = -1;
        var node = root;
        var depth = 0;
        double zero = 1, one = 1;
        var feature = -1;
        Extend(path, depth, zero, one, feature);
        while (true)
        {
            if (node < 0)
            {
                var value = (double)LeafValues[~node];
                for (var i = 1; i <= depth; i++)
                {
                    var w = UnwoundSum(path, depth, i);
                    phi[path[i].Feature] += w * (path[i].One - path[i].Zero) * value;
                }

                // Back to the deepest split whose cold branch is left; its path is restored, then extended.
                while (top >= 0 && frames[top].ColdStarted)
                {
                    top--;
                }

                if (top < 0)
                {
                    return;
                }

                ref var parent = ref frames[top];
                parent.ColdStarted = true;
                walk.Restore(top);
                node = parent.Cold;
                depth = parent.Depth + 1;
                (zero, one, feature) = (parent.ColdZero, 0, parent.SplitFeature);
                Extend(path, depth, zero, one, feature);
                continue;
            }

            ref readonly var n = ref Nodes[node];
            var splitFeature = n.Feature & FeatureMask;
            var hot = LeafOrNodeGoesLeft(node, row) ? n.Left : n.Right;
            var cold = hot == n.Left ? n.Right : n.Left;
            var (leftFraction, rightFraction) = Fractions(node);
            var hotFraction = hot == n.Left ? leftFraction : rightFraction;
            var coldFraction = hot == n.Left ? rightFraction : leftFraction;
            double incomingZero = 1, incomingOne = 1;
            var k = 0;
            for (; k <= depth; k++)
            {
                if (path[k].Feature == splitFeature)
                {
                    break;
                }
            }

            var entryDepth = depth;
            if (k != depth + 1)
            {
                incomingZero = path[k].Zero;
                incomingOne = path[k].One;
                Unwind(path, depth, k);
                depth--;
            }
            else
            {
                k = -1;
            }

            top++;
            frames[top] = new ShapFrame(entryDepth, zero, one, feature, k, depth, cold, coldFraction * incomingZero, splitFeature);
            walk.Keep(top, depth);
            node = hot;
            depth++;
            (zero, one, feature) = (hotFraction * incomingZero, incomingOne, splitFeature);
            Extend(path, depth, zero, one, feature);
        }
    }

    /// <summary>The scratch of one explanation: the splits above the current node, the kept paths, the current path.</summary>
    private readonly ref struct ShapWalk(ShapFrame[] frames, PathElement[] checkpoints, Span<PathElement> path, int stride, int interval)
    {
        public ShapFrame[] Frames { get; } = frames;

        public Span<PathElement> Path { get; } = path;

        /// <summary>Keeps the path of the split at level <paramref name="level"/> (unique depth <paramref name="depth"/>) when the level is a checkpoint.</summary>
        public void Keep(int level, int depth)
        {
            if (level % interval == 0)
            {
                Path[..(depth + 1)].CopyTo(checkpoints.AsSpan((level / interval) * stride));
            }
        }

        /// <summary>
        /// Puts the path of the split at level <paramref name="level"/> in <see cref="Path"/>: the nearest kept path at or
        /// above it, then each split below that one entered again (extend, and unwind on a repeated feature).
        /// </summary>
        public void Restore(int level)
        {
            var kept = level / interval * interval;
            checkpoints.AsSpan((kept / interval) * stride, Frames[kept].Depth + 1).CopyTo(Path);
            for (var m = kept + 1; m <= level; m++)
            {
                ref readonly var f = ref Frames[m];
                Extend(Path, f.EntryDepth, f.EntryZero, f.EntryOne, f.EntryFeature);
                if (f.Unwound >= 0)
                {
                    Unwind(Path, f.EntryDepth, f.Unwound);
                }
            }
        }
    }

    /// <summary>
    /// A split on the current branch of <see cref="ExplainTree"/>: how its path was made from its parent's (the extend's
    /// depth and arguments, the element unwound or −1) and its unique depth after, and its cold branch.
    /// </summary>
    private struct ShapFrame(
        int entryDepth, double entryZero, double entryOne, int entryFeature, int unwound, int depth, int cold, double coldZero, int splitFeature)
    {
        public readonly int EntryDepth = entryDepth;
        public readonly double EntryZero = entryZero;
        public readonly double EntryOne = entryOne;
        public readonly int EntryFeature = entryFeature;
        public readonly int Unwound = unwound;
        public readonly int Depth = depth;
        public readonly int Cold = cold;
        public readonly double ColdZero = coldZero;
        public readonly int SplitFeature = splitFeature;
        public bool ColdStarted;
    }

    private double Cover(int child) => child >= 0 ? NodeCover[child] : LeafCover[~child];

    /// <summary>
    /// Each tree's expected value: its leaves weighted by cover, the bias of <see cref="Explain(ReadOnlySpan{float},
    /// Span{double}, int)"/>. Children come after their parents, so one pass from the last node back has every child's
    /// value ready: no recursion, and the same products and sums as the recursive definition.
    /// </summary>
    private double[] TreeExpectations()
    {
        var expected = new double[Nodes.Length];
        for (var i = Nodes.Length - 1; i >= 0; i--)
        {
            var (l, r) = Fractions(i);
            expected[i] = (l * ValueOf(Nodes[i].Left, expected)) + (r * ValueOf(Nodes[i].Right, expected));
        }

        var trees = new double[TreeRoots.Length];
        for (var t = 0; t < trees.Length; t++)
        {
            trees[t] = ValueOf(TreeRoots[t], expected);
        }

        return trees;
    }

    private double ValueOf(int child, double[] expected) => child >= 0 ? expected[child] : LeafValues[~child];

    private (double Left, double Right) Fractions(int node)
    {
        var left = Cover(Nodes[node].Left);
        var right = Cover(Nodes[node].Right);
        var sum = left + right;
        if (!(sum > 0))
        {
            return (0.5, 0.5);
        }

        // The children's covers add up to the parent's up to rounding; normalise so the fractions sum to one.
        return (left / sum, right / sum);
    }

    private bool LeafOrNodeGoesLeft(int node, ReadOnlySpan<float> row)
    {
        ref readonly var n = ref Nodes[node];
        var v = row[n.Feature & FeatureMask];
        if ((n.Feature & CategoricalFlag) != 0)
        {
            return InCategorySet(node, v);
        }

        return (n.Feature & DefaultLeftFlag) != 0 ? !(v > n.Threshold) : v <= n.Threshold;
    }

    private static void Extend(Span<PathElement> path, int depth, double zero, double one, int feature)
    {
        path[depth] = new PathElement(feature, zero, one, depth == 0 ? 1 : 0);
        for (var i = depth - 1; i >= 0; i--)
        {
            path[i + 1].Weight += one * path[i].Weight * (i + 1) / (depth + 1);
            path[i].Weight = zero * path[i].Weight * (depth - i) / (depth + 1);
        }
    }

    private static void Unwind(Span<PathElement> path, int depth, int index)
    {
        var one = path[index].One;
        var zero = path[index].Zero;
        var next = path[depth].Weight;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (one != 0)
            {
                var previous = path[i].Weight;
                path[i].Weight = next * (depth + 1) / ((i + 1) * one);
                next = previous - (path[i].Weight * zero * (depth - i) / (depth + 1));
            }
            else
            {
                path[i].Weight = path[i].Weight * (depth + 1) / (zero * (depth - i));
            }
        }

        for (var i = index; i < depth; i++)
        {
            path[i].Feature = path[i + 1].Feature;
            path[i].Zero = path[i + 1].Zero;
            path[i].One = path[i + 1].One;
        }
    }

    private static double UnwoundSum(ReadOnlySpan<PathElement> path, int depth, int index)
    {
        var one = path[index].One;
        var zero = path[index].Zero;
        var next = path[depth].Weight;
        var total = 0.0;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (one != 0)
            {
                var w = next * (depth + 1) / ((i + 1) * one);
                total += w;
                next = path[i].Weight - (w * zero * (depth - i) / (depth + 1));
            }
            else
            {
                total += path[i].Weight / zero * (depth + 1) / (depth - i);
            }
        }

        return total;
    }

    /// <summary>
    /// The most split nodes on a path from a root to a leaf. Children come after their parents (see
    /// <see cref="Validate"/>), so one pass from the last node back gives every node's depth: no recursion, which a
    /// file with a long chain of nodes would overflow, and no walk per path, which nodes shared by several parents
    /// would make exponential.
    /// </summary>
    private int MaximumTreeDepth()
    {
        var depth = new int[Nodes.Length];
        for (var i = Nodes.Length - 1; i >= 0; i--)
        {
            var node = Nodes[i];
            depth[i] = 1 + Math.Max(node.Left < 0 ? 0 : depth[node.Left], node.Right < 0 ? 0 : depth[node.Right]);
        }

        var maximum = 0;
        foreach (var root in TreeRoots)
        {
            maximum = Math.Max(maximum, root < 0 ? 0 : depth[root]);
        }

        return maximum;
    }

    private void Validate()
    {
        var n = Nodes.Length;
        if (CategoryOffsets.Length != n || CategoryWords.Length != n || NodeCover.Length != n || LeafCover.Length != LeafValues.Length
            || TreeOutput.Length != TreeRoots.Length || BaseScores.Length != OutputCount || OutputCount < 1)
        {
            throw new InvalidDataException("Tree ensemble arrays have inconsistent lengths.");
        }

        // Each node has one parent or is one tree's root: nodes shared by two parents made a walk that copies every
        // path (the compact layout's) exponential in the number of nodes.
        var referenced = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var node = Nodes[i];
            if ((node.Feature & FeatureMask) >= FeatureCount)
            {
                throw new InvalidDataException($"Tree node {i} splits on feature {node.Feature & FeatureMask} of {FeatureCount}.");
            }

            foreach (var child in (ReadOnlySpan<int>)[node.Left, node.Right])
            {
                // A child comes after its parent, which also rules out cycles.
                if (child >= 0 ? child <= i || child >= n : ~child >= LeafValues.Length)
                {
                    throw new InvalidDataException(child >= 0
                        ? $"Tree node {i} points to child {child} of {n} nodes (children come after their parent)."
                        : $"Tree node {i} points to leaf {~child} of {LeafValues.Length} leaves.");
                }

                if (child >= 0 && !Reference(child))
                {
                    throw new InvalidDataException($"Tree node {i} points to child {child}, which another node points to as well.");
                }
            }

            if ((node.Feature & CategoricalFlag) != 0
                && (CategoryOffsets[i] < 0 || CategoryWords[i] < 0 || (long)CategoryOffsets[i] + CategoryWords[i] > CategoryBits.Length))
            {
                throw new InvalidDataException(
                    $"Tree node {i} has the category set of {CategoryWords[i]} words at {CategoryOffsets[i]}, outside the bit pool of {CategoryBits.Length}.");
            }
        }

        for (var t = 0; t < TreeRoots.Length; t++)
        {
            if (!ValidChild(TreeRoots[t]) || (uint)TreeOutput[t] >= (uint)OutputCount)
            {
                throw new InvalidDataException($"Tree {t} has root {TreeRoots[t]} (of {n} nodes, {LeafValues.Length} leaves) and output {TreeOutput[t]} (of {OutputCount}).");
            }

            if (TreeRoots[t] >= 0 && !Reference(TreeRoots[t]))
            {
                throw new InvalidDataException($"Tree {t} has root {TreeRoots[t]}, which is a child or another tree's root.");
            }
        }

        bool ValidChild(int c) => c >= 0 ? c < n : ~c < LeafValues.Length;

        bool Reference(int node)
        {
            if (referenced[node])
            {
                return false;
            }

            referenced[node] = true;
            return true;
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(1); // layout version
        writer.Write(FeatureCount);
        writer.Write(OutputCount);
        writer.Write(Average);
        foreach (var b in BaseScores)
        {
            writer.Write(b);
        }

        writer.Write(Nodes.Length);
        foreach (var node in Nodes)
        {
            writer.Write(node.Feature);
            writer.Write(node.Threshold);
            writer.Write(node.Left);
            writer.Write(node.Right);
        }

        WriteArray(writer, CategoryOffsets);
        WriteArray(writer, CategoryWords);
        writer.Write(CategoryBits.Length);
        foreach (var v in CategoryBits)
        {
            writer.Write(v);
        }

        WriteArray(writer, NodeCover);
        WriteArray(writer, LeafValues);
        WriteArray(writer, LeafCover);
        WriteArray(writer, TreeRoots);
        WriteArray(writer, TreeOutput);
    }

    public static TreeEnsemble Read(BinaryReader reader)
    {
        var version = reader.ReadInt32();
        if (version != 1)
        {
            throw new InvalidDataException($"Unsupported tree ensemble layout version {version}; expected 1.");
        }

        var featureCount = reader.ReadInt32();
        var outputCount = reader.ReadInt32();
        if (featureCount < 0 || featureCount > FeatureMask || outputCount < 1 || outputCount > 1 << 16)
        {
            throw new InvalidDataException($"Tree ensemble header is corrupt ({featureCount} features, {outputCount} outputs).");
        }

        var average = reader.ReadBoolean();
        var baseScores = new double[reader.CheckCount(outputCount, "Tree ensemble base scores", 8)];
        for (var k = 0; k < outputCount; k++)
        {
            baseScores[k] = reader.ReadDouble();
        }

        var nodeCount = reader.ReadCount("Tree nodes", 16);
        var nodes = new Node[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            nodes[i] = new Node(reader.ReadInt32(), reader.ReadSingle(), reader.ReadInt32(), reader.ReadInt32());
        }

        var offsets = ReadInts(reader, "Tree category offsets");
        var words = ReadInts(reader, "Tree category word counts");
        var bits = new uint[reader.ReadCount("Tree category bits", 4)];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = reader.ReadUInt32();
        }

        var nodeCover = ReadFloats(reader, "Tree node covers");
        var leafValues = ReadFloats(reader, "Tree leaf values");
        var leafCover = ReadFloats(reader, "Tree leaf covers");
        var roots = ReadInts(reader, "Tree roots");
        var outputs = ReadInts(reader, "Tree outputs");
        return new TreeEnsemble(nodes, offsets, words, bits, nodeCover, leafValues, leafCover, roots, outputs, outputCount, baseScores, average, featureCount);
    }

    private static void WriteArray(BinaryWriter writer, int[] values)
    {
        writer.Write(values.Length);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    private static void WriteArray(BinaryWriter writer, float[] values)
    {
        writer.Write(values.Length);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    private static int[] ReadInts(BinaryReader reader, string what)
    {
        var values = new int[reader.ReadCount(what, 4)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadInt32();
        }

        return values;
    }

    private static float[] ReadFloats(BinaryReader reader, string what)
    {
        var values = new float[reader.ReadCount(what, 4)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadSingle();
        }

        return values;
    }

    /// <summary>A split node: feature index with flags in the high bits, threshold, children.</summary>
    internal readonly record struct Node(int Feature, float Threshold, int Left, int Right);

    internal struct PathElement(int feature, double zero, double one, double weight)
    {
        public int Feature = feature;
        public double Zero = zero;
        public double One = one;
        public double Weight = weight;
    }
}

/// <summary>Collects bin-space trees and flattens them into a <see cref="TreeEnsemble"/> over raw values.</summary>
internal sealed class TreeEnsembleBuilder(FeatureBinner[] binners, int featureCount)
{
    private readonly List<TreeEnsemble.Node> _nodes = [];
    private readonly List<int> _catOffsets = [];
    private readonly List<int> _catWords = [];
    private readonly List<uint> _catBits = [];
    private readonly List<float> _nodeCover = [];
    private readonly List<float> _leafValues = [];
    private readonly List<float> _leafCover = [];
    private readonly List<int> _roots = [];
    private readonly List<int> _outputs = [];
    private readonly List<int> _leafStarts = [];

    public int TreeCount => _roots.Count;

    /// <summary>Sizes the lists for <paramref name="nodes"/> splits and <paramref name="leaves"/> leaves in all.</summary>
    public void Reserve(int nodes, int leaves)
    {
        _nodes.EnsureCapacity(nodes);
        _catOffsets.EnsureCapacity(nodes);
        _catWords.EnsureCapacity(nodes);
        _nodeCover.EnsureCapacity(nodes);
        _leafValues.EnsureCapacity(leaves);
        _leafCover.EnsureCapacity(leaves);
    }

    /// <summary>Adds a tree whose leaf values are multiplied by <paramref name="scale"/>.</summary>
    public void Add(BinTree tree, double scale, int output)
    {
        var nodeBase = _nodes.Count;
        var leafBase = _leafValues.Count;
        for (var l = 0; l < tree.LeafCount; l++)
        {
            _leafValues.Add((float)(tree.LeafValue[l] * scale));
            _leafCover.Add((float)tree.LeafCover[l]);
        }

        for (var i = 0; i < tree.NodeCount; i++)
        {
            var s = tree.Splits[i];
            var binner = binners[s.Feature];
            var feature = s.Feature;
            var threshold = 0f;
            var offset = 0;
            var words = 0;
            if (s.CategorySet >= 0)
            {
                feature |= TreeEnsemble.CategoricalFlag;
                var cardinality = binner.CategoryToBin.Length;
                words = (cardinality + 31) / 32;
                offset = _catBits.Count;
                for (var w = 0; w < words; w++)
                {
                    _catBits.Add(0);
                }

                for (var c = 0; c < cardinality; c++)
                {
                    var bin = binner.CategoryToBin[c];
                    if (bin > 0 && tree.GoesLeft(i, bin))
                    {
                        _catBits[offset + (c >> 5)] |= 1u << (c & 31);
                    }
                }
            }
            else
            {
                threshold = binner.UpperEdges[s.Threshold - 1];
                if (s.DefaultLeft)
                {
                    feature |= TreeEnsemble.DefaultLeftFlag;
                }
            }

            _nodes.Add(new TreeEnsemble.Node(feature, threshold, Map(tree.Left[i]), Map(tree.Right[i])));
            _catOffsets.Add(offset);
            _catWords.Add(words);
            _nodeCover.Add((float)tree.NodeCover[i]);
        }

        _roots.Add(tree.NodeCount == 0 ? ~leafBase : nodeBase);
        _outputs.Add(output);
        _leafStarts.Add(leafBase);

        int Map(int child) => child >= 0 ? child + nodeBase : ~(~child + leafBase);
    }

    /// <summary>Drops every tree after the first <paramref name="treeCount"/> (early stopping).</summary>
    public void Truncate(int treeCount)
    {
        if (treeCount >= _roots.Count)
        {
            return;
        }

        // Trees are stored in order, each from its root node and first leaf on: the first dropped tree's bound what
        // stays. (A walk down the tree for its smallest leaf recursed once per level, which a deep tree overflowed.)
        var nodeEnd = _nodes.Count;
        for (var t = treeCount; t < _roots.Count; t++)
        {
            if (_roots[t] >= 0)
            {
                nodeEnd = Math.Min(nodeEnd, _roots[t]);
            }
        }

        var leafEnd = _leafStarts[treeCount];

        var catEnd = _catBits.Count;
        for (var i = nodeEnd; i < _nodes.Count; i++)
        {
            if ((_nodes[i].Feature & TreeEnsemble.CategoricalFlag) != 0)
            {
                catEnd = Math.Min(catEnd, _catOffsets[i]);
            }
        }

        _nodes.RemoveRange(nodeEnd, _nodes.Count - nodeEnd);
        _catOffsets.RemoveRange(nodeEnd, _catOffsets.Count - nodeEnd);
        _catWords.RemoveRange(nodeEnd, _catWords.Count - nodeEnd);
        _nodeCover.RemoveRange(nodeEnd, _nodeCover.Count - nodeEnd);
        _catBits.RemoveRange(catEnd, _catBits.Count - catEnd);
        _leafValues.RemoveRange(leafEnd, _leafValues.Count - leafEnd);
        _leafCover.RemoveRange(leafEnd, _leafCover.Count - leafEnd);
        _roots.RemoveRange(treeCount, _roots.Count - treeCount);
        _outputs.RemoveRange(treeCount, _outputs.Count - treeCount);
        _leafStarts.RemoveRange(treeCount, _leafStarts.Count - treeCount);
    }

    public TreeEnsemble Build(int outputCount, double[] baseScores, bool average) => new(
        [.. _nodes], [.. _catOffsets], [.. _catWords], [.. _catBits], [.. _nodeCover], [.. _leafValues], [.. _leafCover], [.. _roots],
        [.. _outputs], outputCount, baseScores, average, featureCount);
}
