using System.Buffers;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>Immutable settings of one tree grower (copied from validated options).</summary>
internal sealed record GrowerSettings
{
    public int MaximumLeaves { get; init; } = 31;

    /// <summary>0 = unlimited.</summary>
    public int MaximumDepth { get; init; }

    public int MinimumCount { get; init; } = 20;

    public double MinimumHessian { get; init; } = 1e-3;

    public double L1 { get; init; }

    public double L2 { get; init; }

    public double MinimumGain { get; init; }

    /// <summary>Per feature −1/0/+1, or null.</summary>
    public sbyte[]? Monotone { get; init; }

    public double CategoricalSmoothing { get; init; } = 10;

    public double CategoricalL2 { get; init; } = 10;

    public int MinimumCountPerCategory { get; init; } = 10;

    public int MaximumCategoricalSplitSize { get; init; } = 32;

    /// <summary>
    /// Forest mode: depth-first growth, a fresh feature sample per node and histograms built directly (no
    /// subtraction), single-threaded. Otherwise best-first (leaf-wise) growth with sibling subtraction.
    /// <see cref="RandomForestTrainer"/> grows with <see cref="ForestGrower"/>, which does less work for the same
    /// trees; this mode is kept as its straightforward reference (the tests compare the two tree by tree).
    /// </summary>
    public bool ForestMode { get; init; }

    /// <summary>Forest mode: features sampled per node.</summary>
    public int FeaturesPerNode { get; init; }

    /// <summary>
    /// Boosting mode, reference for the tests: every active sparse feature keeps its histogram up to date in every
    /// node and is searched, as before nodes tracked their live sparse features (same trees, more work).
    /// </summary>
    public bool KeepEverySparseFeature { get; init; }
}

/// <summary>A candidate split of one leaf.</summary>
internal struct SplitCandidate
{
    public int Feature;
    public double Gain;
    public int Threshold;
    public bool DefaultLeft;
    public bool IsCategorical;
    public ulong Cat0, Cat1, Cat2, Cat3;
    public double LeftG, LeftH, RightG, RightH;
    public int LeftCount, RightCount;
    public double LeftOutput, RightOutput;

    public static SplitCandidate None => new() { Feature = -1, Gain = double.NegativeInfinity };

    public readonly bool IsValid => Feature >= 0;

    public readonly bool CategoryGoesLeft(int bin) => (bin >> 6) switch
    {
        0 => ((Cat0 >> bin) & 1) != 0,
        1 => ((Cat1 >> (bin - 64)) & 1) != 0,
        2 => ((Cat2 >> (bin - 128)) & 1) != 0,
        _ => ((Cat3 >> (bin - 192)) & 1) != 0,
    };

    public void AddCategory(int bin)
    {
        switch (bin >> 6)
        {
            case 0: Cat0 |= 1UL << bin; break;
            case 1: Cat1 |= 1UL << (bin - 64); break;
            case 2: Cat2 |= 1UL << (bin - 128); break;
            default: Cat3 |= 1UL << (bin - 192); break;
        }
    }

    public readonly bool GoesLeft(int bin) =>
        IsCategorical ? CategoryGoesLeft(bin) : bin == 0 ? DefaultLeft : bin <= Threshold;
}

/// <summary>A grown split in bin space: categorical when <paramref name="CategorySet"/> ≥ 0.</summary>
internal readonly record struct BinSplit(int Feature, int Threshold, bool DefaultLeft, int CategorySet);

/// <summary>A tree in bin space, as grown. Children ≥ 0 are nodes, &lt; 0 are ~leaf.</summary>
internal sealed class BinTree
{
    public List<BinSplit> Splits { get; } = [];

    /// <summary>Four 64-bit words (bins sent left) per categorical split.</summary>
    public List<ulong> CategorySets { get; } = [];

    public List<int> Left { get; } = [];

    public List<int> Right { get; } = [];

    public List<double> NodeCover { get; } = [];

    public List<double> LeafValue { get; } = [];

    public List<double> LeafCover { get; } = [];

    public int NodeCount => Splits.Count;

    public int LeafCount => LeafValue.Count;

    /// <summary>Sizes the lists for about <paramref name="nodes"/> splits (a forest's trees are similar in size).</summary>
    public void Reserve(int nodes)
    {
        Splits.Capacity = nodes;
        Left.Capacity = nodes;
        Right.Capacity = nodes;
        NodeCover.Capacity = nodes;
        LeafValue.Capacity = nodes + 1;
        LeafCover.Capacity = nodes + 1;
    }

    public void AddSplit(in SplitCandidate split)
    {
        var set = -1;
        if (split.IsCategorical)
        {
            set = CategorySets.Count / 4;
            CategorySets.Add(split.Cat0);
            CategorySets.Add(split.Cat1);
            CategorySets.Add(split.Cat2);
            CategorySets.Add(split.Cat3);
        }

        Splits.Add(new BinSplit(split.Feature, split.Threshold, split.DefaultLeft, set));
    }

    /// <summary>
    /// Turns leaf <paramref name="leftLeaf"/> into a split node whose children are that leaf and the new leaf
    /// <paramref name="rightLeaf"/> (both get placeholder values), and links it into its parent node
    /// (<paramref name="parent"/> &lt; 0 for the root). Returns the node's index.
    /// </summary>
    public int AddSplitNode(in SplitCandidate split, int leftLeaf, int rightLeaf, double cover, int parent, bool isLeftChild)
    {
        var node = NodeCount;
        AddSplit(split);
        Left.Add(~leftLeaf);
        Right.Add(~rightLeaf);
        NodeCover.Add(cover);
        LeafValue.Add(0);
        LeafCover.Add(0);
        if (parent >= 0)
        {
            if (isLeftChild)
            {
                Left[parent] = node;
            }
            else
            {
                Right[parent] = node;
            }
        }

        return node;
    }

    public bool GoesLeft(int node, int bin)
    {
        var s = Splits[node];
        if (s.CategorySet >= 0)
        {
            return ((CategorySets[(s.CategorySet * 4) + (bin >> 6)] >> (bin & 63)) & 1) != 0;
        }

        return bin == 0 ? s.DefaultLeft : bin <= s.Threshold;
    }

    /// <summary>The leaf a binned row falls in.</summary>
    public int LeafOf(BinnedData data, int row)
    {
        if (NodeCount == 0)
        {
            return 0;
        }

        var node = 0;
        while (node >= 0)
        {
            node = GoesLeft(node, data.BinOf(Splits[node].Feature, row)) ? Left[node] : Right[node];
        }

        return ~node;
    }
}

/// <summary>
/// Grows one regression tree on gradients and hessians over binned features: histogram based, leaf-wise (best-first)
/// with sibling histograms by subtraction (Ke et al. 2017, "LightGBM"), second-order leaf values with L1/L2
/// (Chen and Guestrin 2016, "XGBoost"), monotone constraints by bounds propagated to children, and categorical splits
/// over categories sorted by gradient/hessian ratio (Fisher 1958). Buffers are allocated once and reused per tree.
/// In boosting mode each node lists its live sparse features (off the bin of 0 in enough of its rows to split): only
/// those get histogram slots built, subtracted and searched, as a text column is absent from most nodes.
/// </summary>
internal sealed class TreeGrower
{
    private readonly BinnedData _data;
    private readonly GrowerSettings _s;
    private readonly ParallelOptions _parallel;
    private readonly int[] _rows;
    private readonly int[] _scratch;
    private readonly float[] _orderedG;
    private readonly float[] _orderedH;
    private readonly List<double[]> _freeHistograms = [];
    private readonly SplitCandidate[] _featureBest;
    private readonly Action<int> _buildFeature;
    private readonly Action<int> _evaluateFeature;
    private Leaf[] _leaves;
    private int _leafCount;
    private BinTree _tree = new();
    private int[] _activeFeatures = [];
    private int _activeCount;

    // Boosting mode, per tree (see SplitActiveFeatures): the active dense features, the sparse features that may be
    // live at the root, each active feature's position in the active list, and FindBestOfNode's merged list.
    private readonly int[] _activeDense;
    private int _activeDenseCount;
    private readonly int[] _rootCandidates = [];
    private int _rootCandidateCount;
    private readonly int[] _activeRank = [];
    private readonly int[] _evaluated;
    private readonly List<int[]> _freeLive = [];
    private CancellationToken _cancellationToken;

    // State of the current parallel step (set before each Parallel.For; read-only inside it).
    private int _curStart;
    private int _curCount;
    private double[] _curHist = [];
    private bool _curIdentity;
    private float[] _curG = [];
    private float[] _curH = [];
    private Leaf _curLeaf;

    public TreeGrower(BinnedData data, GrowerSettings settings, int maxDegreeOfParallelism)
    {
        _data = data;
        _s = settings;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        _rows = new int[data.RowCount];
        _scratch = new int[data.RowCount];
        _orderedG = new float[data.RowCount];
        _orderedH = new float[data.RowCount];
        _featureBest = new SplitCandidate[data.FeatureCount];
        _binLow = new int[data.FeatureCount];
        _binHigh = new int[data.FeatureCount];
        if (data.HasSparse)
        {
            _sparseActive = new bool[data.FeatureCount];
            _sparseStored = new StoredSums[data.FeatureCount];
            _splitBins = new byte[data.RowCount];
            _rootCandidates = new int[data.FeatureCount - data.DenseFeatureCount];
            _activeRank = new int[data.FeatureCount];
        }

        _activeDense = new int[data.FeatureCount];
        _evaluated = new int[data.FeatureCount];

        _leaves = new Leaf[Math.Min(Math.Max(settings.MaximumLeaves, 2), 1024)];
        _buildFeature = BuildFeature;
        _evaluateFeature = EvaluateFeature;
    }

    /// <summary>The row ids of the last tree, grouped by leaf (see <see cref="LeafRange"/>).</summary>
    public int[] Rows => _rows;

    public (int Start, int Count) LeafRange(int leaf) => (_leaves[leaf].Start, _leaves[leaf].Count);

    /// <summary>
    /// Grows one tree on rows <paramref name="rootRows"/> (null = every row, in order) with gradients and hessians
    /// indexed by row id. <paramref name="activeFeatures"/> lists the features this tree may use (boosting mode);
    /// <paramref name="random"/> samples features per node (forest mode).
    /// </summary>
    public BinTree Grow(float[] gradients, float[] hessians, int[]? rootRows, int rootCount, int[] activeFeatures, int activeCount, Random? random,
        CancellationToken cancellationToken = default)
    {
        // Checked at every split: on wide data (thousands of text columns) one split's histograms take tens of ms.
        _cancellationToken = cancellationToken;
        _tree = new BinTree();
        _activeFeatures = activeFeatures;
        _activeCount = activeCount;
        if (!_s.ForestMode)
        {
            SplitActiveFeatures();
        }

        _curG = gradients;
        _curH = hessians;
        var identity = rootRows is null;
        if (identity)
        {
            rootCount = _data.RowCount;
            for (var i = 0; i < rootCount; i++)
            {
                _rows[i] = i;
            }
        }
        else
        {
            Array.Copy(rootRows!, _rows, rootCount);
        }

        // Stable partitions keep the root's order in every leaf; sparse lookups can use it when it is increasing.
        _rowsIncrease = true;
        for (var i = 1; i < rootCount && _rowsIncrease; i++)
        {
            _rowsIncrease = _rows[i - 1] < _rows[i];
        }

        double g = 0, h = 0;
        for (var i = 0; i < rootCount; i++)
        {
            var r = _rows[i];
            g += gradients[r];
            h += hessians[r];
        }

        _leafCount = 1;
        _leaves[0] = new Leaf
        {
            Start = 0, Count = rootCount, Depth = 0, G = g, H = h, Lower = double.NegativeInfinity, Upper = double.PositiveInfinity,
            Parent = -1, Histogram = null, Best = SplitCandidate.None,
        };
        _tree.LeafValue.Add(0);
        _tree.LeafCover.Add(h);

        if (_s.ForestMode)
        {
            GrowDepthFirst(random!);
        }
        else
        {
            GrowBestFirst(identity);
        }

        for (var l = 0; l < _leafCount; l++)
        {
            ref var leaf = ref _leaves[l];
            _tree.LeafValue[l] = LeafOutput(leaf.G, leaf.H, _s.L1, _s.L2, leaf.Lower, leaf.Upper);
            _tree.LeafCover[l] = leaf.H;
            Release(ref leaf);
        }

        return _tree;
    }

    private void GrowBestFirst(bool identity)
    {
        ref var root = ref _leaves[0];
        if (CanSplit(root))
        {
            root.Histogram = Rent();
            root.Live = RentLive();
            BuildHistogram(root.Histogram, root, identity, _activeDense, 0, _activeDenseCount, _rootCandidates.AsSpan(0, _rootCandidateCount), root.Live, out root.LiveCount);
            root.Best = FindBestOfNode(root);
        }

        if (!_leaves[0].Best.IsValid)
        {
            Release(ref _leaves[0]);
        }

        while (_leafCount < _s.MaximumLeaves)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var best = -1;
            var bestGain = double.NegativeInfinity;
            for (var l = 0; l < _leafCount; l++)
            {
                if (_leaves[l].Best.IsValid && _leaves[l].Best.Gain > bestGain)
                {
                    best = l;
                    bestGain = _leaves[l].Best.Gain;
                }
            }

            if (best < 0)
            {
                break;
            }

            var right = Split(best);
            ref var leftLeaf = ref _leaves[best];
            ref var rightLeaf = ref _leaves[right];
            var parentHist = leftLeaf.Histogram!;
            var parentLive = leftLeaf.Live;
            var parentLiveCount = leftLeaf.LiveCount;
            leftLeaf.Histogram = null;
            leftLeaf.Live = null;
            leftLeaf.LiveCount = 0;
            var leftSplittable = CanSplit(leftLeaf);
            var rightSplittable = CanSplit(rightLeaf);
            if (!leftSplittable && !rightSplittable)
            {
                Return(parentHist);
                ReturnLive(parentLive);
                continue;
            }

            var smallIsLeft = leftLeaf.Count <= rightLeaf.Count;
            ref var small = ref smallIsLeft ? ref leftLeaf : ref rightLeaf;
            ref var large = ref smallIsLeft ? ref rightLeaf : ref leftLeaf;
            var smallHist = Rent();
            var smallLive = parentLive is null ? null : RentLive();
            var candidates = parentLive is null ? [] : parentLive.AsSpan(0, parentLiveCount);
            BuildHistogram(smallHist, small, false, _activeDense, 0, _activeDenseCount, candidates, smallLive, out var smallLiveCount);
            if (_data.HasSparse)
            {
                // A sparse feature not live in the parent is not live in either child: its slots are left as they are.
                var dense = _data.BinOffsets[_data.DenseFeatureCount] * Histograms.Stride;
                Histograms.SubtractInPlace(parentHist.AsSpan(0, dense), smallHist.AsSpan(0, dense));
                foreach (var f in candidates)
                {
                    var o = _data.BinOffsets[f] * Histograms.Stride;
                    var length = _data.Binners[f].BinCount * Histograms.Stride;
                    Histograms.SubtractInPlace(parentHist.AsSpan(o, length), smallHist.AsSpan(o, length));
                }
            }
            else
            {
                Histograms.SubtractInPlace(parentHist, smallHist);
            }

            small.Histogram = smallHist;
            small.Live = smallLive;
            small.LiveCount = smallLiveCount;
            large.Histogram = parentHist;
            large.Live = parentLive;
            large.LiveCount = parentLive is null ? 0 : KeepLive(parentHist, large.Count, parentLive, parentLiveCount);
            EvaluateChild(ref leftLeaf, leftSplittable);
            EvaluateChild(ref rightLeaf, rightSplittable);
        }
    }

    private void EvaluateChild(ref Leaf leaf, bool splittable)
    {
        if (splittable)
        {
            leaf.Best = FindBestOfNode(leaf);
        }

        if (!leaf.Best.IsValid)
        {
            Release(ref leaf);
        }
    }

    /// <summary>
    /// Boosting mode, per tree: the active features split into the dense ones (whose histograms are built in every
    /// node) and the sparse ones that may be live at the root (stored off the bin of 0 in at least
    /// <see cref="MinimumLiveCount"/> rows of the whole data), both in the order of the active list, with each
    /// feature's position in that list for <see cref="FindBestOfNode"/>.
    /// </summary>
    private void SplitActiveFeatures()
    {
        _activeDenseCount = 0;
        _rootCandidateCount = 0;
        var minimum = MinimumLiveCount;
        for (var i = 0; i < _activeCount; i++)
        {
            var f = _activeFeatures[i];
            if (!_data.IsSparse(f))
            {
                _activeDense[_activeDenseCount++] = f;
                if (_data.HasSparse)
                {
                    _activeRank[f] = i;
                }

                continue;
            }

            _activeRank[f] = i;
            if (_data.Sparse(f).Rows.Length >= minimum)
            {
                _rootCandidates[_rootCandidateCount++] = f;
            }
        }
    }

    /// <summary>
    /// Rows off its bin of 0 a sparse feature needs in a node to be live there: searched (<see cref="EvaluateFeature"/>
    /// skips it otherwise) and its histogram kept. A node's rows are a subset of its parent's, so a feature below this
    /// count in a node stays below it in every node under it. 0 (every feature live) for the reference setting
    /// <see cref="GrowerSettings.KeepEverySparseFeature"/>.
    /// </summary>
    private int MinimumLiveCount => _s.KeepEverySparseFeature ? 0 : Math.Max(_s.MinimumCount, 1);

    /// <summary>
    /// Keeps, in place and in order, the features of <paramref name="live"/> that are still live in a node of
    /// <paramref name="count"/> rows with histogram <paramref name="hist"/>; returns how many.
    /// </summary>
    private int KeepLive(double[] hist, int count, int[] live, int liveCount)
    {
        var minimum = MinimumLiveCount;
        var kept = 0;
        for (var i = 0; i < liveCount; i++)
        {
            var f = live[i];
            if (count - hist[((_data.BinOffsets[f] + _data.Sparse(f).DefaultBin) * Histograms.Stride) + 2] >= minimum)
            {
                live[kept++] = f;
            }
        }

        return kept;
    }

    /// <summary>
    /// Boosting mode: the best split of a node over its active dense features and its live sparse features. The two
    /// lists are merged back into the order of the active list, so ties go to the same feature as when every active
    /// feature is searched (a sparse feature that is not live cannot split).
    /// </summary>
    private SplitCandidate FindBestOfNode(in Leaf leaf)
    {
        if (leaf.Live is null)
        {
            return FindBest(leaf, leaf.Histogram!, _activeDense, 0, _activeDenseCount);
        }

        var dense = _activeDense;
        var live = leaf.Live;
        var merged = _evaluated;
        int d = 0, l = 0, m = 0;
        while (d < _activeDenseCount && l < leaf.LiveCount)
        {
            merged[m++] = _activeRank[dense[d]] < _activeRank[live[l]] ? dense[d++] : live[l++];
        }

        while (d < _activeDenseCount)
        {
            merged[m++] = dense[d++];
        }

        while (l < leaf.LiveCount)
        {
            merged[m++] = live[l++];
        }

        return FindBest(leaf, leaf.Histogram!, merged, 0, m);
    }

    private void GrowDepthFirst(Random random)
    {
        var featureCount = _data.FeatureCount;
        var sample = ArrayPool<int>.Shared.Rent(featureCount);
        var stack = new Stack<int>();
        var hist = Rent();
        stack.Push(0);
        while (stack.Count > 0 && _leafCount < _s.MaximumLeaves)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var l = stack.Pop();
            var leaf = _leaves[l];
            if (!CanSplit(leaf))
            {
                continue;
            }

            // A fresh sample of features per node (partial Fisher-Yates); if none of them splits, keep drawing from
            // the rest like scikit-learn does for constant features.
            for (var f = 0; f < featureCount; f++)
            {
                sample[f] = f;
            }

            var best = SplitCandidate.None;
            var drawn = 0;
            while (drawn < featureCount && (drawn < _s.FeaturesPerNode || !best.IsValid))
            {
                var batchEnd = Math.Min(featureCount, drawn < _s.FeaturesPerNode ? _s.FeaturesPerNode : drawn + 1);
                for (var i = drawn; i < batchEnd; i++)
                {
                    var j = random.Next(i, featureCount);
                    (sample[i], sample[j]) = (sample[j], sample[i]);
                }

                BuildHistogram(hist, leaf, false, sample, drawn, batchEnd - drawn, sample.AsSpan(drawn, batchEnd - drawn), null, out _);
                var candidate = FindBest(leaf, hist, sample, drawn, batchEnd - drawn);
                if (candidate.IsValid && (!best.IsValid || candidate.Gain > best.Gain))
                {
                    best = candidate;
                }

                drawn = batchEnd;
            }

            if (!best.IsValid)
            {
                continue;
            }

            _leaves[l].Best = best;
            var right = Split(l);
            stack.Push(right);
            stack.Push(l);
        }

        Return(hist);
        ArrayPool<int>.Shared.Return(sample);
    }

    private bool CanSplit(in Leaf leaf) =>
        leaf.Count >= 2 * _s.MinimumCount && leaf.Count >= 2 && (_s.MaximumDepth <= 0 || leaf.Depth < _s.MaximumDepth);

    /// <summary>Applies leaf <paramref name="l"/>'s best split: partitions its rows, adds a node, returns the right leaf.</summary>
    private int Split(int l)
    {
        ref var leaf = ref _leaves[l];
        var split = leaf.Best;
        var start = leaf.Start;
        var bins = _data.BinsOfRows(split.Feature, _rows.AsSpan(start, leaf.Count), _splitBins, _rowsIncrease);
        int nl, nr;
        if (!_s.ForestMode && _parallel.MaxDegreeOfParallelism != 1 && leaf.Count >= ParallelPartitionRows)
        {
            (nl, nr) = PartitionParallel(split, bins, start, leaf.Count);
        }
        else
        {
            nl = PartitionChunk(split, bins, _rows, start, start + leaf.Count, _rows, start, _scratch, 0, out nr);
            Array.Copy(_scratch, 0, _rows, start + nl, nr);
        }

        var right = _leafCount++;
        if (right >= _leaves.Length)
        {
            Array.Resize(ref _leaves, _leaves.Length * 2);
            leaf = ref _leaves[l];
        }

        var node = _tree.AddSplitNode(split, l, right, leaf.H, leaf.Parent, leaf.IsLeftChild);

        var constraint = _s.Monotone is null || split.IsCategorical ? 0 : _s.Monotone[split.Feature];
        var (leftLower, leftUpper, rightLower, rightUpper) = ChildBounds(constraint, split, leaf.Lower, leaf.Upper);

        var depth = leaf.Depth + 1;
        var histogram = leaf.Histogram;
        var live = leaf.Live;
        var liveCount = leaf.LiveCount;
        _leaves[right] = new Leaf
        {
            Start = start + nl, Count = nr, Depth = depth, G = split.RightG, H = split.RightH, Lower = rightLower, Upper = rightUpper,
            Parent = node, IsLeftChild = false, Best = SplitCandidate.None,
        };
        _leaves[l] = new Leaf
        {
            Start = start, Count = nl, Depth = depth, G = split.LeftG, H = split.LeftH, Lower = leftLower, Upper = leftUpper,
            Parent = node, IsLeftChild = true, Best = SplitCandidate.None, Histogram = histogram, Live = live, LiveCount = liveCount,
        };
        return right;
    }

    private const int ParallelPartitionRows = 1 << 17;
    private const int PartitionChunks = 32;
    private readonly int[] _chunkLeft = new int[PartitionChunks];
    private readonly int[] _chunkRight = new int[PartitionChunks];
    private int[] _scratchRight = [];
    private SplitCandidate _pSplit;
    private byte[] _pBins = [];
    private int _pStart;
    private int _pCount;
    private int _pLeftTotal;
    private Action<int>? _partitionChunk;
    private Action<int>? _copyChunk;
    private Action<int>? _gatherChunk;

    /// <summary>
    /// Stable partition of rows [from, to): left rows to <paramref name="left"/> from <paramref name="leftAt"/>, right
    /// rows to <paramref name="right"/> from <paramref name="rightAt"/>. Returns the left count.
    /// </summary>
    private static int PartitionChunk(
        in SplitCandidate split, byte[] bins, int[] rows, int from, int to, int[] left, int leftAt, int[] right, int rightAt, out int rightCount)
    {
        var nl = 0;
        var nr = 0;
        if (split.IsCategorical)
        {
            for (var i = from; i < to; i++)
            {
                var r = rows[i];
                if (split.CategoryGoesLeft(bins[r]))
                {
                    left[leftAt + nl++] = r;
                }
                else
                {
                    right[rightAt + nr++] = r;
                }
            }
        }
        else
        {
            var threshold = split.Threshold;
            var missingLeft = split.DefaultLeft;
            for (var i = from; i < to; i++)
            {
                var r = rows[i];
                int b = bins[r];
                if (b == 0 ? missingLeft : b <= threshold)
                {
                    left[leftAt + nl++] = r;
                }
                else
                {
                    right[rightAt + nr++] = r;
                }
            }
        }

        rightCount = nr;
        return nl;
    }

    /// <summary>
    /// The same stable partition in fixed chunks on several threads: each chunk splits into two scratch arrays, then
    /// chunks are copied back in chunk order, so the row order is exactly the sequential one.
    /// </summary>
    private (int Left, int Right) PartitionParallel(in SplitCandidate split, byte[] bins, int start, int count)
    {
        if (_scratchRight.Length == 0)
        {
            _scratchRight = new int[_rows.Length];
        }

        _pSplit = split;
        _pBins = bins;
        _pStart = start;
        _pCount = count;
        _partitionChunk ??= PartitionOneChunk;
        _copyChunk ??= CopyOneChunk;
        Parallel.For(0, PartitionChunks, _parallel, _partitionChunk);
        var total = 0;
        for (var c = 0; c < PartitionChunks; c++)
        {
            total += _chunkLeft[c];
        }

        _pLeftTotal = total;
        Parallel.For(0, PartitionChunks, _parallel, _copyChunk);
        return (total, count - total);
    }

    private (int From, int To) ChunkRange(int c, int count) =>
        ((int)((long)count * c / PartitionChunks), (int)((long)count * (c + 1) / PartitionChunks));

    private void PartitionOneChunk(int c)
    {
        var (from, to) = ChunkRange(c, _pCount);
        from += _pStart;
        to += _pStart;
        _chunkLeft[c] = PartitionChunk(_pSplit, _pBins, _rows, from, to, _scratch, from, _scratchRight, from, out var nr);
        _chunkRight[c] = nr;
    }

    private void CopyOneChunk(int c)
    {
        var leftOffset = 0;
        var rightOffset = 0;
        for (var p = 0; p < c; p++)
        {
            leftOffset += _chunkLeft[p];
            rightOffset += _chunkRight[p];
        }

        var (from, _) = ChunkRange(c, _pCount);
        from += _pStart;
        Array.Copy(_scratch, from, _rows, _pStart + leftOffset, _chunkLeft[c]);
        Array.Copy(_scratchRight, from, _rows, _pStart + _pLeftTotal + rightOffset, _chunkRight[c]);
    }

    private void GatherOneChunk(int c)
    {
        var (from, to) = ChunkRange(c, _curCount);
        from += _curStart;
        to += _curStart;
        Histograms.Gather(_curG, _rows.AsSpan(from, to - from), _orderedG.AsSpan(from, to - from));
        Histograms.Gather(_curH, _rows.AsSpan(from, to - from), _orderedH.AsSpan(from, to - from));
    }

    /// <summary>
    /// Builds the histograms of the listed dense features (a sparse feature in the list is skipped there) and of the
    /// sparse features among <paramref name="sparseCandidates"/>; when <paramref name="live"/> is given, writes there,
    /// in candidate order, the candidates live in the node (see <see cref="MinimumLiveCount"/>).
    /// </summary>
    private void BuildHistogram(double[] hist, in Leaf leaf, bool identity, int[] features, int featureOffset, int featureCount,
        ReadOnlySpan<int> sparseCandidates, int[]? live, out int liveCount)
    {
        var start = leaf.Start;
        var count = leaf.Count;
        _curStart = start;
        _curCount = count;
        _curHist = hist;
        _curIdentity = identity;
        if (!identity)
        {
            if (!_s.ForestMode && _parallel.MaxDegreeOfParallelism != 1 && count >= ParallelPartitionRows)
            {
                _gatherChunk ??= GatherOneChunk;
                Parallel.For(0, PartitionChunks, _parallel, _gatherChunk);
            }
            else
            {
                Histograms.Gather(_curG, _rows.AsSpan(start, count), _orderedG.AsSpan(start, count));
                Histograms.Gather(_curH, _rows.AsSpan(start, count), _orderedH.AsSpan(start, count));
            }
        }

        _activeForStep = features;
        _activeOffset = featureOffset;
        if (!_s.ForestMode && _parallel.MaxDegreeOfParallelism != 1 && (long)count * featureCount >= 65536)
        {
            Parallel.For(0, featureCount, _parallel, _buildFeature);
        }
        else
        {
            for (var i = 0; i < featureCount; i++)
            {
                BuildFeature(i);
            }
        }

        liveCount = 0;
        if (_data.HasSparse)
        {
            BuildSparse(hist, leaf, sparseCandidates, live, ref liveCount);
        }
    }

    /// <summary>
    /// The histograms of the listed sparse features (cleared by <see cref="BuildFeature"/>): one pass over the stored
    /// entries of the node's rows in row order, so every bin but the bin of 0 sums exactly the rows the densified
    /// column would, in the same order; the bin of 0 is the node's totals minus the other bins.
    /// </summary>
    private void BuildSparse(double[] hist, in Leaf leaf, ReadOnlySpan<int> features, int[]? live, ref int liveCount)
    {
        var active = _sparseActive;
        var any = false;
        foreach (var f in features)
        {
            if (_data.IsSparse(f))
            {
                active[f] = true;
                any = true;
                var binCount = _data.Binners[f].BinCount;
                hist.AsSpan(_data.BinOffsets[f] * Histograms.Stride, binCount * Histograms.Stride).Clear();
                _binLow[f] = 0;
                _binHigh[f] = binCount - 1;
            }
        }

        if (!any)
        {
            return;
        }

        var starts = _data.SparseRowStarts;
        var entryFeatures = _data.SparseRowFeatures;
        var entryBins = _data.SparseRowBins;
        var offsets = _data.BinOffsets;
        var gradients = _curG;
        var hessians = _curH;
        // Per feature, the sums of its stored entries in the node (row order), for the bin of 0.
        var stored = _sparseStored;
        foreach (var r in _rows.AsSpan(leaf.Start, leaf.Count))
        {
            double g = gradients[r], h = hessians[r];
            for (var e = starts[r]; e < starts[r + 1]; e++)
            {
                var f = entryFeatures[e];
                if (active[f])
                {
                    var o = (offsets[f] + entryBins[e]) * Histograms.Stride;
                    hist[o] += g;
                    hist[o + 1] += h;
                    hist[o + 2] += 1.0;
                    ref var sums = ref stored[f];
                    sums.G += g;
                    sums.H += h;
                    sums.Count++;
                }
            }
        }

        var minimum = MinimumLiveCount;
        foreach (var f in features)
        {
            if (!_data.IsSparse(f))
            {
                continue;
            }

            active[f] = false;
            var sums = stored[f];
            stored[f] = default;
            var rest = leaf.Count - sums.Count;
            if (rest > 0)
            {
                var o = (offsets[f] + _data.Sparse(f).DefaultBin) * Histograms.Stride;
                hist[o] = leaf.G - sums.G;
                hist[o + 1] = leaf.H - sums.H;
                hist[o + 2] = rest;
            }

            if (live is not null && sums.Count >= minimum)
            {
                live[liveCount++] = f;
            }
        }
    }

    private struct StoredSums
    {
        public double G;
        public double H;
        public int Count;
    }

    private int[] _activeForStep = [];
    private readonly bool[] _sparseActive = [];
    private readonly StoredSums[] _sparseStored = [];
    private readonly byte[] _splitBins = [];
    private bool _rowsIncrease;
    private readonly int[] _binLow;
    private readonly int[] _binHigh;
    private int _activeOffset;

    private void BuildFeature(int index)
    {
        var f = _activeForStep[_activeOffset + index];
        var offset = _data.BinOffsets[f] * Histograms.Stride;
        var length = _data.Binners[f].BinCount * Histograms.Stride;
        var region = _curHist.AsSpan(offset, length);
        if (_data.IsSparse(f))
        {
            // Cleared and filled by BuildSparse; every bin is searched (an unused one repeats its neighbour's sums).
            return;
        }

        if (_s.ForestMode)
        {
            // Forest nodes are mostly small: touch only the bins present in the node (plus the missing bin).
            var rows = _rows.AsSpan(_curStart, _curCount);
            var column = _data.Columns[f];
            int lo = 255, hi = 0;
            foreach (var r in rows)
            {
                int b = column[r];
                lo = Math.Min(lo, b);
                hi = Math.Max(hi, b);
            }

            region[..Histograms.Stride].Clear();
            region[(lo * Histograms.Stride)..((hi + 1) * Histograms.Stride)].Clear();
            _binLow[f] = lo;
            _binHigh[f] = hi;
            Histograms.BuildGathered(column, rows, _orderedG.AsSpan(_curStart, _curCount), _orderedH.AsSpan(_curStart, _curCount), region);
            return;
        }

        _binLow[f] = 0;
        _binHigh[f] = _data.Binners[f].BinCount - 1;
        region.Clear();
        if (_curIdentity)
        {
            Histograms.BuildAll(_data.Columns[f], _curG, _curH, region);
        }
        else
        {
            Histograms.BuildGathered(
                _data.Columns[f], _rows.AsSpan(_curStart, _curCount), _orderedG.AsSpan(_curStart, _curCount),
                _orderedH.AsSpan(_curStart, _curCount), region);
        }
    }

    private SplitCandidate FindBest(in Leaf leaf, double[] hist, int[] features, int featureOffset, int featureCount)
    {
        _curLeaf = leaf;
        _curHist = hist;
        _activeForStep = features;
        _activeOffset = featureOffset;
        if (!_s.ForestMode && _parallel.MaxDegreeOfParallelism != 1 && featureCount >= 32)
        {
            Parallel.For(0, featureCount, _parallel, _evaluateFeature);
        }
        else
        {
            for (var i = 0; i < featureCount; i++)
            {
                EvaluateFeature(i);
            }
        }

        // Fixed-order reduction: ties go to the earlier feature in the list.
        var best = SplitCandidate.None;
        for (var i = 0; i < featureCount; i++)
        {
            var c = _featureBest[features[featureOffset + i]];
            if (c.IsValid && c.Gain > best.Gain)
            {
                best = c;
            }
        }

        return best;
    }

    private void EvaluateFeature(int index)
    {
        var f = _activeForStep[_activeOffset + index];
        var binner = _data.Binners[f];
        var hist = _curHist.AsSpan(_data.BinOffsets[f] * Histograms.Stride, binner.BinCount * Histograms.Stride);
        if (_data.IsSparse(f)
            && _curLeaf.Count - hist[(_data.Sparse(f).DefaultBin * Histograms.Stride) + 2] < Math.Max(_s.MinimumCount, 1))
        {
            // The side without the bin of 0 would hold fewer rows than a leaf needs (for most text features in most
            // leaves): no split passes the searches' count checks, so none is searched. Only the field that marks a
            // candidate invalid is written: a whole candidate per feature and split was most of the search's time.
            _featureBest[f].Feature = -1;
            return;
        }

        _featureBest[f] = binner.IsCategorical ? EvaluateCategorical(f, hist, _curLeaf) : EvaluateNumeric(f, hist, _curLeaf);
    }

    private double MinimumGainFor(double parentGain) => Math.Max(_s.MinimumGain, 1e-12 * (1 + Math.Abs(parentGain)));

    private SplitCandidate EvaluateNumeric(int feature, ReadOnlySpan<double> hist, in Leaf leaf)
    {
        var best = SplitCandidate.None;
        var binCount = hist.Length / Histograms.Stride;
        if (binCount <= 2)
        {
            return best;
        }

        double l1 = _s.L1, l2 = _s.L2;
        var constraint = _s.Monotone is null ? 0 : _s.Monotone[feature];
        var parentOutput = LeafOutput(leaf.G, leaf.H, l1, l2, leaf.Lower, leaf.Upper);
        var parentGain = GainGivenOutput(leaf.G, leaf.H, l1, l2, parentOutput);
        var minGain = MinimumGainFor(parentGain);
        var missingG = hist[0];
        var missingH = hist[1];
        var missingC = (int)hist[2];
        var minCount = _s.MinimumCount;
        var minHess = _s.MinimumHessian;
        var totalCount = leaf.Count;

        // Pass 0: missing goes right; pass 1: missing goes left (only when there are missing rows).
        for (var pass = 0; pass < (missingC > 0 ? 2 : 1); pass++)
        {
            double lg = pass == 1 ? missingG : 0, lh = pass == 1 ? missingH : 0;
            var lc = pass == 1 ? missingC : 0;
            var first = Math.Max(1, _binLow[feature]);
            var last = Math.Min(_binHigh[feature], binCount - 2);
            for (var t = first; t <= last; t++)
            {
                var o = t * Histograms.Stride;
                lg += hist[o];
                lh += hist[o + 1];
                lc += (int)hist[o + 2];
                if (lc < minCount || lh < minHess)
                {
                    continue;
                }

                var rc = totalCount - lc;
                if (rc < minCount)
                {
                    break;
                }

                var rg = leaf.G - lg;
                var rh = leaf.H - lh;
                if (rh < minHess)
                {
                    continue;
                }

                var lw = LeafOutput(lg, lh, l1, l2, leaf.Lower, leaf.Upper);
                var rw = LeafOutput(rg, rh, l1, l2, leaf.Lower, leaf.Upper);
                if ((constraint > 0 && lw > rw) || (constraint < 0 && lw < rw))
                {
                    continue;
                }

                var gain = GainGivenOutput(lg, lh, l1, l2, lw) + GainGivenOutput(rg, rh, l1, l2, rw) - parentGain;
                if (gain > minGain && gain > best.Gain)
                {
                    best = new SplitCandidate
                    {
                        Feature = feature, Gain = gain, Threshold = t, DefaultLeft = pass == 1 || (missingC == 0 && lc >= rc),
                        LeftG = lg, LeftH = lh, LeftCount = lc, RightG = rg, RightH = rh, RightCount = rc, LeftOutput = lw, RightOutput = rw,
                    };
                }
            }
        }

        return best;
    }

    private SplitCandidate EvaluateCategorical(int feature, ReadOnlySpan<double> hist, in Leaf leaf)
    {
        var best = SplitCandidate.None;
        var binCount = hist.Length / Histograms.Stride;
        Span<int> used = stackalloc int[256];
        Span<double> keys = stackalloc double[256];
        var usedCount = 0;
        var smoothing = _s.ForestMode ? 0 : _s.CategoricalSmoothing;
        var minPerCategory = _s.ForestMode ? 1 : _s.MinimumCountPerCategory;
        var highest = Math.Min(_binHigh[feature], binCount - 1);
        for (var b = Math.Max(1, _binLow[feature]); b <= highest; b++)
        {
            var o = b * Histograms.Stride;
            if (hist[o + 2] >= minPerCategory && hist[o + 2] > 0)
            {
                used[usedCount] = b;
                keys[usedCount] = hist[o] / (hist[o + 1] + smoothing);
                usedCount++;
            }
        }

        if (usedCount < 2)
        {
            return best;
        }

        keys[..usedCount].Sort(used[..usedCount]);
        double l1 = _s.L1, l2 = _s.L2 + (_s.ForestMode ? 0 : _s.CategoricalL2);
        var parentOutput = LeafOutput(leaf.G, leaf.H, l1, l2, leaf.Lower, leaf.Upper);
        var parentGain = GainGivenOutput(leaf.G, leaf.H, l1, l2, parentOutput);
        var minGain = MinimumGainFor(parentGain);
        var maxSize = _s.ForestMode ? usedCount - 1 : Math.Min(_s.MaximumCategoricalSplitSize, usedCount - 1);
        var minCount = _s.MinimumCount;
        var minHess = _s.MinimumHessian;
        var bestDirection = 0;
        var bestSize = 0;
        for (var direction = 0; direction < 2; direction++)
        {
            double lg = 0, lh = 0;
            var lc = 0;
            for (var size = 1; size <= maxSize; size++)
            {
                var b = used[direction == 0 ? size - 1 : usedCount - size];
                var o = b * Histograms.Stride;
                lg += hist[o];
                lh += hist[o + 1];
                lc += (int)hist[o + 2];
                var rc = leaf.Count - lc;
                if (lc < minCount || lh < minHess)
                {
                    continue;
                }

                if (rc < minCount)
                {
                    break;
                }

                var rg = leaf.G - lg;
                var rh = leaf.H - lh;
                if (rh < minHess)
                {
                    continue;
                }

                var lw = LeafOutput(lg, lh, l1, l2, leaf.Lower, leaf.Upper);
                var rw = LeafOutput(rg, rh, l1, l2, leaf.Lower, leaf.Upper);
                var gain = GainGivenOutput(lg, lh, l1, l2, lw) + GainGivenOutput(rg, rh, l1, l2, rw) - parentGain;
                if (gain > minGain && gain > best.Gain)
                {
                    best = new SplitCandidate
                    {
                        Feature = feature, Gain = gain, IsCategorical = true,
                        LeftG = lg, LeftH = lh, LeftCount = lc, RightG = rg, RightH = rh, RightCount = rc,
                        LeftOutput = lw, RightOutput = rw,
                    };
                    bestDirection = direction;
                    bestSize = size;
                }
            }

            if (_s.ForestMode)
            {
                break;
            }
        }

        if (best.IsValid)
        {
            for (var size = 1; size <= bestSize; size++)
            {
                best.AddCategory(used[bestDirection == 0 ? size - 1 : usedCount - size]);
            }

            // Leaf values use the plain L2 (the categorical L2 only regularises the choice of split).
            best.LeftOutput = LeafOutput(best.LeftG, best.LeftH, l1, _s.L2, leaf.Lower, leaf.Upper);
            best.RightOutput = LeafOutput(best.RightG, best.RightH, l1, _s.L2, leaf.Lower, leaf.Upper);
        }

        return best;
    }

    /// <summary>
    /// The output bounds of a split's two children: the parent's, and for a monotone split (constraint ±1) also the
    /// midpoint of its two outputs, above which the lower side's subtree may not go and below which the other's may
    /// not, so every leaf on one side stays ordered against every leaf on the other.
    /// </summary>
    internal static (double LeftLower, double LeftUpper, double RightLower, double RightUpper) ChildBounds(
        int constraint, in SplitCandidate split, double lower, double upper)
    {
        if (constraint == 0)
        {
            return (lower, upper, lower, upper);
        }

        var mid = (split.LeftOutput + split.RightOutput) / 2;
        return constraint > 0
            ? (lower, Math.Min(upper, mid), Math.Max(lower, mid), upper)
            : (Math.Max(lower, mid), upper, lower, Math.Min(upper, mid));
    }

    internal static double ThresholdL1(double g, double l1) => l1 <= 0 ? g : Math.Sign(g) * Math.Max(0, Math.Abs(g) - l1);

    internal static double LeafOutput(double g, double h, double l1, double l2, double lower, double upper)
    {
        var denominator = h + l2;
        var w = denominator > 0 ? -ThresholdL1(g, l1) / denominator : 0;
        return w < lower ? lower : w > upper ? upper : w;
    }

    /// <summary>Twice the loss reduction of output w for a leaf with sums g, h (−(2·g̃·w + (h + λ)·w²)).</summary>
    internal static double GainGivenOutput(double g, double h, double l1, double l2, double w) =>
        -((2 * ThresholdL1(g, l1) * w) + ((h + l2) * w * w));

    private double[] Rent()
    {
        if (_freeHistograms.Count > 0)
        {
            var last = _freeHistograms[^1];
            _freeHistograms.RemoveAt(_freeHistograms.Count - 1);
            return last;
        }

        return new double[_data.TotalBins * Histograms.Stride];
    }

    private void Return(double[] hist) => _freeHistograms.Add(hist);

    /// <summary>A list for a node's live sparse features (boosting mode), or null without sparse features.</summary>
    private int[]? RentLive()
    {
        if (!_data.HasSparse)
        {
            return null;
        }

        if (_freeLive.Count > 0)
        {
            var last = _freeLive[^1];
            _freeLive.RemoveAt(_freeLive.Count - 1);
            return last;
        }

        return new int[_data.FeatureCount - _data.DenseFeatureCount];
    }

    private void ReturnLive(int[]? live)
    {
        if (live is not null)
        {
            _freeLive.Add(live);
        }
    }

    private void Release(ref Leaf leaf)
    {
        if (leaf.Histogram is not null)
        {
            Return(leaf.Histogram);
            leaf.Histogram = null;
        }

        ReturnLive(leaf.Live);
        leaf.Live = null;
        leaf.LiveCount = 0;
    }

    private struct Leaf
    {
        public int Start;
        public int Count;
        public int Depth;
        public double G;
        public double H;
        public double Lower;
        public double Upper;
        public int Parent;
        public bool IsLeftChild;
        public double[]? Histogram;

        /// <summary>
        /// Boosting mode with sparse features, while the node has a histogram: its live sparse features (the first
        /// <see cref="LiveCount"/>, in active-list order); only their slots of the histogram are kept up to date.
        /// </summary>
        public int[]? Live;
        public int LiveCount;
        public SplitCandidate Best;
    }
}
