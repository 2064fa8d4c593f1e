namespace EnterpriseML.Engine.Tuning;

/// <summary>
/// A small random-forest regressor over unit-hypercube points, the surrogate of <see cref="SmacTuner"/>
/// (Breiman, "Random Forests", 2001; as used by SMAC: bootstrap rows, a random 5/6 of the dimensions per split,
/// exact splits, tiny leaves). The spread of the trees' predictions is the uncertainty estimate. Sized for the
/// tens to hundreds of trials of a sweep, not for training data.
/// </summary>
internal sealed class SurrogateForest
{
    private const int MinimumSplitSize = 3;
    private const int MaximumDepth = 20;

    private readonly Node[][] _trees;

    private SurrogateForest(Node[][] trees) => _trees = trees;

    /// <summary>Fits <paramref name="treeCount"/> trees on <paramref name="points"/> → <paramref name="targets"/>.</summary>
    public static SurrogateForest Fit(IReadOnlyList<double[]> points, IReadOnlyList<double> targets, int treeCount, Random random)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(random);
        var n = points.Count;
        var dimension = n == 0 ? 0 : points[0].Length;
        var trees = new Node[treeCount][];
        var rows = new int[n];
        var features = new int[dimension];
        for (var t = 0; t < treeCount; t++)
        {
            for (var i = 0; i < n; i++)
            {
                rows[i] = random.Next(n);
            }

            var nodes = new List<Node>();
            Grow(points, targets, rows, 0, n, 0, nodes, features, random);
            trees[t] = [.. nodes];
        }

        return new SurrogateForest(trees);
    }

    /// <summary>The mean and standard deviation of the trees' predictions at <paramref name="point"/>.</summary>
    public (double Mean, double StandardDeviation) Predict(ReadOnlySpan<double> point)
    {
        double sum = 0, sumSquares = 0;
        foreach (var tree in _trees)
        {
            var node = 0;
            while (tree[node].Feature >= 0)
            {
                node = point[tree[node].Feature] <= tree[node].Threshold ? tree[node].Left : tree[node].Right;
            }

            var value = tree[node].Value;
            sum += value;
            sumSquares += value * value;
        }

        var mean = sum / _trees.Length;
        var variance = Math.Max(0, (sumSquares / _trees.Length) - (mean * mean));
        return (mean, Math.Sqrt(variance));
    }

    private static int Grow(IReadOnlyList<double[]> points, IReadOnlyList<double> targets, int[] rows, int start, int end,
        int depth, List<Node> nodes, int[] features, Random random)
    {
        var count = end - start;
        double sum = 0;
        for (var i = start; i < end; i++)
        {
            sum += targets[rows[i]];
        }

        var self = nodes.Count;
        nodes.Add(new Node(-1, 0, -1, -1, count == 0 ? 0 : sum / count));
        if (count < MinimumSplitSize || depth >= MaximumDepth)
        {
            return self;
        }

        // A random 5/6 of the dimensions compete for the split.
        var dimension = features.Length;
        for (var f = 0; f < dimension; f++)
        {
            features[f] = f;
        }

        random.Shuffle(features);
        var tried = Math.Max(1, (int)Math.Ceiling(dimension * 5.0 / 6.0));

        var bestFeature = -1;
        var bestThreshold = 0.0;
        var bestScore = double.NegativeInfinity;
        var keys = new double[count];
        var order = new int[count];
        for (var k = 0; k < tried; k++)
        {
            var feature = features[k];
            for (var i = 0; i < count; i++)
            {
                keys[i] = points[rows[start + i]][feature];
                order[i] = rows[start + i];
            }

            Array.Sort(keys, order);
            double leftSum = 0;
            for (var i = 0; i < count - 1; i++)
            {
                leftSum += targets[order[i]];
                if (keys[i] == keys[i + 1])
                {
                    continue;
                }

                var leftCount = i + 1;
                var rightCount = count - leftCount;

                // Maximising the between-group sum of squares is minimising the within-group one.
                var score = (leftSum * leftSum / leftCount) + ((sum - leftSum) * (sum - leftSum) / rightCount);
                if (score > bestScore)
                {
                    bestScore = score;
                    bestFeature = feature;
                    bestThreshold = 0.5 * (keys[i] + keys[i + 1]);
                }
            }
        }

        if (bestFeature < 0)
        {
            return self;
        }

        // Partition rows[start..end) in place by the chosen split.
        var mid = start;
        for (var i = start; i < end; i++)
        {
            if (points[rows[i]][bestFeature] <= bestThreshold)
            {
                (rows[i], rows[mid]) = (rows[mid], rows[i]);
                mid++;
            }
        }

        var left = Grow(points, targets, rows, start, mid, depth + 1, nodes, features, random);
        var right = Grow(points, targets, rows, mid, end, depth + 1, nodes, features, random);
        nodes[self] = new Node(bestFeature, bestThreshold, left, right, nodes[self].Value);
        return self;
    }

    private readonly record struct Node(int Feature, double Threshold, int Left, int Right, double Value);
}
