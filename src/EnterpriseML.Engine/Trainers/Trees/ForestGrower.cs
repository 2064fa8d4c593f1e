using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// Grows the fully grown, depth-first trees of a random forest: the same trees as <see cref="TreeGrower"/> in
/// <see cref="GrowerSettings.ForestMode"/> (bit for bit, tested), with less work per node:
/// <list type="bullet">
/// <item>gradients and hessians travel with the row ids through each stable partition, so no node gathers them;</item>
/// <item>the histogram is kept zero between features: one pass over the node's rows accumulates and finds the lowest
/// and highest bin present, and only those bins are cleared again after the split search;</item>
/// <item>the split search skips empty bins after the first threshold (an empty bin repeats the previous threshold's
/// sums, whose gain is not strictly better) and uses the L1 = L2 = 0, unbounded forms of the leaf output and gain;</item>
/// <item>a classification node whose rows all have the same label (gradient sum 0 or −hessian sum) is a leaf without
/// building any histogram: every split of it has gain 0, so the reference grower tried every feature and found
/// none. The random generator still advances as the reference's feature draws did, so later nodes draw the same
/// features.</item>
/// </list>
/// Monotone constraints work as in <see cref="TreeGrower"/>: a split on a constrained feature must order its two
/// outputs the constrained way, and its children inherit bounds at the midpoint of the two outputs, so every leaf
/// below stays on its side. Without constraints the bounds are infinite and change nothing.
/// The hot loops are compiled fully optimised on first call: a forest of small trees finishes before tiered
/// compilation would promote them, and a fresh process spent a large part of the fit in unoptimised code.
/// One instance per thread; buffers are allocated once and reused for every tree.
/// </summary>
internal sealed class ForestGrower
{
    private readonly BinnedData _data;
    private readonly int _featuresPerNode;
    private readonly int _minimumCount;
    private readonly int _maximumDepth;
    private readonly bool _labelsAreIndicators;
    private readonly sbyte[]? _monotone;
    private readonly int[] _rows;
    private readonly int[] _rowScratch;
    private readonly GradientPair[] _pairs;
    private readonly GradientPair[] _pairScratch;
    private readonly double[] _histogram;
    private readonly int[] _sample;
    private int[] _stack = new int[64];
    private Node[] _nodes = new Node[256];
    private int _leafCount;
    private int _lastNodeCount = 16;

    // Sparse features only: each row's node (−1 = not in the tree's sample) and pair, and a byte column for partitions.
    private readonly int[] _nodeOf = [];
    private readonly GradientPair[] _pairOf = [];
    private readonly byte[] _splitBins = [];
    private bool _rowsIncrease;
    private readonly int[] _presentIn = [];
    private int _presenceStamp;

    /// <param name="data">The binned training rows.</param>
    /// <param name="featuresPerNode">Features sampled at each node.</param>
    /// <param name="minimumCount">Minimum distinct rows per leaf.</param>
    /// <param name="maximumDepth">Maximum depth; 0 = unlimited.</param>
    /// <param name="labelsAreIndicators">
    /// True when every target is 0 or 1 and weights are non-negative (classification), which makes a node pure
    /// exactly when its gradient sum is 0 or −(hessian sum).
    /// </param>
    /// <param name="monotone">Per feature −1/0/+1 (categorical features 0), or null.</param>
    public ForestGrower(BinnedData data, int featuresPerNode, int minimumCount, int maximumDepth, bool labelsAreIndicators,
        sbyte[]? monotone = null)
    {
        _data = data;
        _featuresPerNode = featuresPerNode;
        _minimumCount = minimumCount;
        _maximumDepth = maximumDepth;
        _labelsAreIndicators = labelsAreIndicators;
        _monotone = monotone;
        _rows = new int[data.RowCount];
        _rowScratch = new int[data.RowCount];
        _pairs = new GradientPair[data.RowCount];
        _pairScratch = new GradientPair[data.RowCount];
        _histogram = new double[data.TotalBins * Histograms.Stride];
        _sample = new int[data.FeatureCount];
        if (data.HasSparse)
        {
            _nodeOf = new int[data.RowCount];
            _pairOf = new GradientPair[data.RowCount];
            _splitBins = new byte[data.RowCount];
            _presentIn = new int[data.FeatureCount];
        }
    }

    /// <summary>
    /// The root's rows as (row id, gradient, hessian), filled by the caller before <see cref="Grow"/>: entries
    /// 0..count − 1 of <see cref="RootRows"/> and <see cref="RootPairs"/>.
    /// </summary>
    public int[] RootRows => _rows;

    /// <summary>See <see cref="RootRows"/>.</summary>
    public GradientPair[] RootPairs => _pairs;

    /// <summary>
    /// Grows one tree on the first <paramref name="rootCount"/> entries of <see cref="RootRows"/> /
    /// <see cref="RootPairs"/> (which it reorders), drawing features per node from <paramref name="random"/>.
    /// A deep tree on many rows takes seconds, and on wide data (thousands of text columns) a single node tens of
    /// milliseconds, so <paramref name="cancellationToken"/> is checked at every node.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BinTree Grow(int rootCount, Random random, CancellationToken cancellationToken = default)
    {
        var tree = new BinTree();
        tree.Reserve(_lastNodeCount);
        double g = 0, h = 0;
        for (var i = 0; i < rootCount; i++)
        {
            g += _pairs[i].Gradient;
            h += _pairs[i].Hessian;
        }

        _leafCount = 1;
        _nodes[0] = new Node
        {
            Start = 0, Count = rootCount, Depth = 0, G = g, H = h, Parent = -1, Lower = double.NegativeInfinity, Upper = double.PositiveInfinity,
        };
        tree.LeafValue.Add(0);
        tree.LeafCover.Add(h);
        if (_data.HasSparse)
        {
            // Row ids are distinct (the bootstrap is carried as weights), so each has one node and one pair.
            Array.Fill(_nodeOf, -1);
            _rowsIncrease = true;
            for (var i = 0; i < rootCount; i++)
            {
                var r = _rows[i];
                _nodeOf[r] = 0;
                _pairOf[r] = _pairs[i];
                _rowsIncrease &= i == 0 || _rows[i - 1] < r;
            }
        }

        var featureCount = _data.FeatureCount;
        var sample = _sample;
        var stackCount = 0;
        _stack[stackCount++] = 0;
        while (stackCount > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();

            var l = _stack[--stackCount];
            var node = _nodes[l];
            if (node.Count < 2 * _minimumCount || node.Count < 2 || (_maximumDepth > 0 && node.Depth >= _maximumDepth))
            {
                continue;
            }

            if (_labelsAreIndicators && (node.G == 0 || node.G == -node.H))
            {
                // Pure: advance the generator as the reference's draw of every feature did.
                for (var i = 0; i < featureCount; i++)
                {
                    random.Next(i, featureCount);
                }

                continue;
            }

            for (var f = 0; f < featureCount; f++)
            {
                sample[f] = f;
            }

            // A fresh sample of features per node (partial Fisher-Yates); if none of them splits, keep drawing from
            // the rest like scikit-learn does for constant features. Ties go to the earlier feature drawn.
            var best = SplitCandidate.None;
            var drawn = 0;
            var present = _data.HasSparse && MarkPresentFeatures(node);
            while (drawn < featureCount && (drawn < _featuresPerNode || !best.IsValid))
            {
                var batchEnd = Math.Min(featureCount, drawn < _featuresPerNode ? _featuresPerNode : drawn + 1);
                for (var i = drawn; i < batchEnd; i++)
                {
                    var j = random.Next(i, featureCount);
                    (sample[i], sample[j]) = (sample[j], sample[i]);
                }

                for (var i = drawn; i < batchEnd; i++)
                {
                    var f = sample[i];
                    if (present && _data.IsSparse(f) && _presentIn[f] != _presenceStamp)
                    {
                        // Every row of the node is in the bin of 0: no split, as the histogram would find.
                        continue;
                    }

                    var candidate = SearchFeature(f, l, node);
                    if (candidate.IsValid && candidate.Gain > best.Gain)
                    {
                        best = candidate;
                    }
                }

                drawn = batchEnd;
            }

            if (!best.IsValid)
            {
                continue;
            }

            var right = Split(tree, l, best);
            if (stackCount + 2 > _stack.Length)
            {
                Array.Resize(ref _stack, _stack.Length * 2);
            }

            _stack[stackCount++] = right;
            _stack[stackCount++] = l;
        }

        for (var l = 0; l < _leafCount; l++)
        {
            ref var leaf = ref _nodes[l];
            tree.LeafValue[l] = TreeGrower.LeafOutput(leaf.G, leaf.H, 0, 0, leaf.Lower, leaf.Upper);
            tree.LeafCover[l] = leaf.H;
        }

        // The next tree is about as large; a margin keeps a slightly larger one from doubling every list.
        _lastNodeCount = Math.Max(16, tree.NodeCount + (tree.NodeCount / 8));
        return tree;
    }

    /// <summary>
    /// Marks the sparse features with a stored entry in one of the node's rows (<see cref="_presentIn"/> =
    /// <see cref="_presenceStamp"/>), when that pass over the node's entries costs less than searching the sampled
    /// features' columns would: deep nodes have few rows, most drawn text features have none there, and without
    /// the marks each of them costs a lookup per row (and the draws go on one at a time while nothing splits).
    /// Returns whether the marks were made.
    /// </summary>
    private bool MarkPresentFeatures(in Node node)
    {
        var starts = _data.SparseRowStarts;
        var rows = _rows.AsSpan(node.Start, node.Count);
        long entries = 0;
        foreach (var r in rows)
        {
            entries += starts[r + 1] - starts[r];
        }

        var perColumn = Math.Max(1.0, (double)starts[^1] / _data.SparseColumns.Length);
        var lookups = Math.Min(perColumn, node.Count * (Math.Log2(perColumn) + 2));
        if (entries > _featuresPerNode * lookups)
        {
            return false;
        }

        _presenceStamp++;
        var features = _data.SparseRowFeatures;
        foreach (var r in rows)
        {
            for (var e = starts[r]; e < starts[r + 1]; e++)
            {
                _presentIn[features[e]] = _presenceStamp;
            }
        }

        return true;
    }

    /// <summary>Builds feature <paramref name="f"/>'s histogram for the node, finds its best split, clears it again.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SplitCandidate SearchFeature(int f, int l, in Node node)
    {
        var binCount = _data.Binners[f].BinCount;
        var region = _histogram.AsSpan(_data.BinOffsets[f] * Histograms.Stride, binCount * Histograms.Stride);
        var (lo, hi) = _data.IsSparse(f)
            ? AccumulateSparse(_data.Sparse(f), l, node, region)
            : Accumulate(_data.Columns[f], _rows.AsSpan(node.Start, node.Count), _pairs.AsSpan(node.Start, node.Count), region);
        var best = _data.Binners[f].IsCategorical
            ? EvaluateCategorical(f, region, lo, hi, node)
            : EvaluateNumeric(f, region, lo, hi, node);
        region[..Histograms.Stride].Clear();
        region[(lo * Histograms.Stride)..((hi + 1) * Histograms.Stride)].Clear();
        return best;
    }

    /// <summary>
    /// Adds the node's rows to a zero histogram region in row order (the reference's summation order) and returns the
    /// lowest and highest bin present.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Low, int High) Accumulate(byte[] column, ReadOnlySpan<int> rows, ReadOnlySpan<GradientPair> pairs, Span<double> histogram)
    {
        ref var hist = ref MemoryMarshal.GetReference(histogram);
        ref var rowRef = ref MemoryMarshal.GetReference(rows);
        ref var pairRef = ref MemoryMarshal.GetReference(pairs);
        ref var binRef = ref MemoryMarshal.GetArrayDataReference(column);
        int lo = 255, hi = 0;
        // Row ids come from the trainer (< RowCount = column length); bins are < BinCount, inside the region.
        var n = Math.Min(rows.Length, pairs.Length);
        for (var i = 0; i < n; i++)
        {
            int b = Unsafe.Add(ref binRef, Unsafe.Add(ref rowRef, i));
            lo = Math.Min(lo, b);
            hi = Math.Max(hi, b);
            ref var cell = ref Unsafe.Add(ref hist, b * Histograms.Stride);
            ref readonly var pair = ref Unsafe.Add(ref pairRef, i);
            cell += pair.Gradient;
            Unsafe.Add(ref cell, 1) += pair.Hessian;
            Unsafe.Add(ref cell, 2) += 1.0;
        }

        return (lo, hi);
    }

    /// <summary>
    /// <see cref="Accumulate"/> for a sparse feature from its stored entries only: those of the node's rows are added
    /// in increasing row order (the node's own order when the root's rows increase, so these bins equal the densified
    /// column's), and the bin of 0 gets the node's totals minus them. A node with few rows looks its rows up in the
    /// column; otherwise the column's entries are scanned and kept when their row is in node <paramref name="l"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Low, int High) AccumulateSparse(SparseBinnedColumn column, int l, in Node node, Span<double> histogram)
    {
        var stored = column.Rows;
        var bins = column.Bins;
        int lo = 255, hi = 0, count = 0;
        double sg = 0, sh = 0;
        if (_rowsIncrease && (long)node.Count * (BitOperations.Log2((uint)stored.Length) + 2) < stored.Length)
        {
            var rows = _rows.AsSpan(node.Start, node.Count);
            var pairs = _pairs.AsSpan(node.Start, node.Count);
            var from = 0;
            for (var i = 0; i < rows.Length && from < stored.Length; i++)
            {
                var at = Array.BinarySearch(stored, from, stored.Length - from, rows[i]);
                if (at < 0)
                {
                    from = ~at;
                    continue;
                }

                from = at + 1;
                Add(histogram, bins[at], pairs[i], ref lo, ref hi, ref sg, ref sh);
                count++;
            }
        }
        else
        {
            var nodeOf = _nodeOf;
            for (var e = 0; e < stored.Length; e++)
            {
                var r = stored[e];
                if (nodeOf[r] == l)
                {
                    Add(histogram, bins[e], _pairOf[r], ref lo, ref hi, ref sg, ref sh);
                    count++;
                }
            }
        }

        if (count < node.Count)
        {
            int b = column.DefaultBin;
            var o = b * Histograms.Stride;
            histogram[o] = node.G - sg;
            histogram[o + 1] = node.H - sh;
            histogram[o + 2] = node.Count - count;
            lo = Math.Min(lo, b);
            hi = Math.Max(hi, b);
        }

        return (lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(Span<double> histogram, int bin, in GradientPair pair, ref int lo, ref int hi, ref double sg, ref double sh)
    {
        var o = bin * Histograms.Stride;
        histogram[o] += pair.Gradient;
        histogram[o + 1] += pair.Hessian;
        histogram[o + 2] += 1.0;
        sg += pair.Gradient;
        sh += pair.Hessian;
        lo = Math.Min(lo, bin);
        hi = Math.Max(hi, bin);
    }

    private static double MinimumGainFor(double parentGain) => Math.Max(0, 1e-12 * (1 + Math.Abs(parentGain)));

    /// <summary>
    /// L1 = L2 = 0: <see cref="TreeGrower.LeafOutput"/> reduces to −g/h (0 when h = 0), held within the node's
    /// monotone bounds (infinite without constraints).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Output(double g, double h, in Node node)
    {
        var w = h > 0 ? -g / h : 0;
        return w < node.Lower ? node.Lower : w > node.Upper ? node.Upper : w;
    }

    /// <summary>The same expression as <see cref="TreeGrower.GainGivenOutput"/> with L1 = L2 = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Gain(double g, double h, double w) => -((2 * g * w) + (h * w * w));

    /// <summary>
    /// The split sending left the rows with sums (<paramref name="lg"/>, <paramref name="lh"/>, <paramref name="lc"/>)
    /// and the rest of <paramref name="node"/> right, when the right hessian is non-negative, the outputs respect the
    /// feature's monotone <paramref name="constraint"/>, and the gain beats both <paramref name="minGain"/> and
    /// <paramref name="bestGain"/>; the caller fills in the feature and the rule.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryBetterSplit(in Node node, double lg, double lh, int lc, int constraint, double parentGain, double minGain,
        double bestGain, out SplitCandidate split)
    {
        split = default;
        var rg = node.G - lg;
        var rh = node.H - lh;
        if (rh < 0)
        {
            return false;
        }

        var lw = Output(lg, lh, node);
        var rw = Output(rg, rh, node);
        if ((constraint > 0 && lw > rw) || (constraint < 0 && lw < rw))
        {
            return false;
        }

        var gain = Gain(lg, lh, lw) + Gain(rg, rh, rw) - parentGain;
        if (!(gain > minGain && gain > bestGain))
        {
            return false;
        }

        split = new SplitCandidate
        {
            Gain = gain, LeftG = lg, LeftH = lh, LeftCount = lc, RightG = rg, RightH = rh, RightCount = node.Count - lc, LeftOutput = lw,
            RightOutput = rw,
        };
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SplitCandidate EvaluateNumeric(int feature, ReadOnlySpan<double> hist, int low, int high, in Node node)
    {
        var best = SplitCandidate.None;
        var binCount = hist.Length / Histograms.Stride;
        if (binCount <= 2)
        {
            return best;
        }

        var parentGain = Gain(node.G, node.H, Output(node.G, node.H, node));
        var minGain = MinimumGainFor(parentGain);
        var missingG = hist[0];
        var missingH = hist[1];
        var missingC = (int)hist[2];
        var minCount = _minimumCount;
        var totalCount = node.Count;
        var constraint = _monotone is null ? 0 : _monotone[feature];
        var first = Math.Max(1, low);
        var last = Math.Min(high, binCount - 2);

        // Pass 0: missing goes right; pass 1: missing goes left (only when there are missing rows).
        for (var pass = 0; pass < (missingC > 0 ? 2 : 1); pass++)
        {
            double lg = pass == 1 ? missingG : 0, lh = pass == 1 ? missingH : 0;
            var lc = pass == 1 ? missingC : 0;
            for (var t = first; t <= last; t++)
            {
                var o = t * Histograms.Stride;
                var c = hist[o + 2];
                if (c == 0 && t != first)
                {
                    // Same sums as the threshold before, which was evaluated already.
                    continue;
                }

                lg += hist[o];
                lh += hist[o + 1];
                lc += (int)c;
                if (lc < minCount || lh < 0)
                {
                    continue;
                }

                var rc = totalCount - lc;
                if (rc < minCount)
                {
                    break;
                }

                if (TryBetterSplit(node, lg, lh, lc, constraint, parentGain, minGain, best.Gain, out var split))
                {
                    split.Feature = feature;
                    split.Threshold = t;
                    split.DefaultLeft = pass == 1 || (missingC == 0 && lc >= rc);
                    best = split;
                }
            }
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SplitCandidate EvaluateCategorical(int feature, ReadOnlySpan<double> hist, int low, int high, in Node node)
    {
        var best = SplitCandidate.None;
        var binCount = hist.Length / Histograms.Stride;
        Span<int> used = stackalloc int[256];
        Span<double> keys = stackalloc double[256];
        var usedCount = 0;
        var highest = Math.Min(high, binCount - 1);
        for (var b = Math.Max(1, low); b <= highest; b++)
        {
            var o = b * Histograms.Stride;
            if (hist[o + 2] >= 1)
            {
                used[usedCount] = b;
                keys[usedCount] = hist[o] / hist[o + 1];
                usedCount++;
            }
        }

        if (usedCount < 2)
        {
            return best;
        }

        // Categories ordered by mean label (Fisher 1958); one direction suffices without a size cap.
        keys[..usedCount].Sort(used[..usedCount]);
        var parentGain = Gain(node.G, node.H, Output(node.G, node.H, node));
        var minGain = MinimumGainFor(parentGain);
        var minCount = _minimumCount;
        var bestSize = 0;
        double lg = 0, lh = 0;
        var lc = 0;
        for (var size = 1; size < usedCount; size++)
        {
            var o = used[size - 1] * Histograms.Stride;
            lg += hist[o];
            lh += hist[o + 1];
            lc += (int)hist[o + 2];
            var rc = node.Count - lc;
            if (lc < minCount || lh < 0)
            {
                continue;
            }

            if (rc < minCount)
            {
                break;
            }

            if (TryBetterSplit(node, lg, lh, lc, 0, parentGain, minGain, best.Gain, out var split))
            {
                split.Feature = feature;
                split.IsCategorical = true;
                best = split;
                bestSize = size;
            }
        }

        for (var size = 1; size <= bestSize; size++)
        {
            best.AddCategory(used[size - 1]);
        }

        return best;
    }

    /// <summary>Applies the split to node <paramref name="l"/>: stable partition of its rows, a tree node, the right leaf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Split(BinTree tree, int l, in SplitCandidate split)
    {
        var node = _nodes[l];
        var bins = _data.BinsOfRows(split.Feature, _rows.AsSpan(node.Start, node.Count), _splitBins, _rowsIncrease);
        var nl = Partition(split, bins, node.Start, node.Count);
        var nr = node.Count - nl;
        var right = _leafCount++;
        if (_data.HasSparse)
        {
            foreach (var r in _rows.AsSpan(node.Start + nl, nr))
            {
                _nodeOf[r] = right;
            }
        }

        if (right >= _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
        }

        var index = tree.AddSplitNode(split, l, right, node.H, node.Parent, node.IsLeftChild);

        var constraint = _monotone is null || split.IsCategorical ? 0 : _monotone[split.Feature];
        var (leftLower, leftUpper, rightLower, rightUpper) = TreeGrower.ChildBounds(constraint, split, node.Lower, node.Upper);

        var depth = node.Depth + 1;
        _nodes[right] = new Node
        {
            Start = node.Start + nl, Count = nr, Depth = depth, G = split.RightG, H = split.RightH, Parent = index, IsLeftChild = false,
            Lower = rightLower, Upper = rightUpper,
        };
        _nodes[l] = new Node
        {
            Start = node.Start, Count = nl, Depth = depth, G = split.LeftG, H = split.LeftH, Parent = index, IsLeftChild = true,
            Lower = leftLower, Upper = leftUpper,
        };
        return right;
    }

    /// <summary>Stable partition of entries [start, start + count): left ones stay in front, in order. Returns their count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Partition(in SplitCandidate split, byte[] bins, int start, int count)
    {
        var rows = _rows.AsSpan(start, count);
        var pairs = _pairs.AsSpan(start, count);
        var rowScratch = _rowScratch.AsSpan(0, count);
        var pairScratch = _pairScratch.AsSpan(0, count);
        var nl = 0;
        var nr = 0;
        var categorical = split.IsCategorical;
        var threshold = split.Threshold;
        var missingLeft = split.DefaultLeft;
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            int b = bins[r];
            var left = categorical ? split.CategoryGoesLeft(b) : b == 0 ? missingLeft : b <= threshold;
            if (left)
            {
                rows[nl] = r;
                pairs[nl++] = pairs[i];
            }
            else
            {
                rowScratch[nr] = r;
                pairScratch[nr++] = pairs[i];
            }
        }

        rowScratch[..nr].CopyTo(rows[nl..]);
        pairScratch[..nr].CopyTo(pairs[nl..]);
        return nl;
    }

    private struct Node
    {
        public int Start;
        public int Count;
        public int Depth;
        public int Parent;
        public bool IsLeftChild;
        public double G;
        public double H;
        public double Lower;
        public double Upper;
    }
}

/// <summary>A row's gradient and hessian, stored together so that one load fetches both.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GradientPair
{
    public float Gradient;
    public float Hessian;
}
