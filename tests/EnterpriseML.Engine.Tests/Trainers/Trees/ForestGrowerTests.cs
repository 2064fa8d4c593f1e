using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

public sealed class ForestGrowerTests
{
    /// <summary>
    /// The forest's grower must grow exactly the trees of the general grower's forest mode (its reference): same
    /// splits, same leaf numbering, bit-identical covers and leaf values, with missing values, a categorical feature,
    /// bootstrap multiplicities, weights (some zero), leaf-size and depth limits, and monotone constraints on the three
    /// numeric features, one of them with missing values (the categorical one stays free).
    /// </summary>
    [Theory]
    [InlineData(TaskKind.Binary, 1, 0, false, 2, false)]
    [InlineData(TaskKind.Binary, 3, 0, true, 1, false)]
    [InlineData(TaskKind.Binary, 1, 5, true, 4, false)]
    [InlineData(TaskKind.Multiclass, 1, 0, false, 2, false)]
    [InlineData(TaskKind.Regression, 1, 0, false, 4, false)]
    [InlineData(TaskKind.Regression, 2, 6, true, 2, false)]
    [InlineData(TaskKind.Binary, 1, 0, true, 2, true)]
    [InlineData(TaskKind.Regression, 1, 0, false, 4, true)]
    public void Grow_SameTreesAsTheReferenceForestMode(TaskKind task, int minCount, int maxDepth, bool weighted, int featuresPerNode, bool monotone)
    {
        const int n = 1200;
        var x = TreeTestData.Synthetic(n, 41, out var regression, out var binary, out var multiclass);
        var binned = BinnedData.Fit(x, 255, 200_000, 42, 1);
        var random = new Random(5);
        var weights = weighted ? Enumerable.Range(0, n).Select(_ => random.Next(4) == 0 ? 0f : (float)(random.NextDouble() * 2)).ToArray() : null;
        sbyte[]? constraints = monotone ? [1, -1, 0, 1] : null;
        var reference = new TreeGrower(
            binned,
            new GrowerSettings
            {
                ForestMode = true, MaximumLeaves = int.MaxValue, MaximumDepth = maxDepth, MinimumCount = minCount, MinimumHessian = 0,
                FeaturesPerNode = featuresPerNode, Monotone = constraints,
            },
            1);
        var fast = new ForestGrower(binned, featuresPerNode, minCount, maxDepth, task != TaskKind.Regression, constraints);
        var gradients = new float[n];
        var hessians = new float[n];
        var rows = new int[n];
        var multiplicity = new int[n];
        var grown = 0;
        for (var t = 0; t < 12; t++)
        {
            var bootstrap = new Random(t);
            Array.Clear(multiplicity);
            for (var s = 0; s < n; s++)
            {
                multiplicity[bootstrap.Next(n)]++;
            }

            var count = 0;
            for (var i = 0; i < n; i++)
            {
                if (multiplicity[i] == 0)
                {
                    continue;
                }

                var w = multiplicity[i] * (weights?[i] ?? 1f);
                var target = task switch
                {
                    TaskKind.Binary => binary[i],
                    TaskKind.Multiclass => multiclass[i] == t % 3 ? 1f : 0f,
                    _ => regression[i],
                };
                rows[count] = i;
                fast.RootRows[count] = i;
                fast.RootPairs[count] = new GradientPair { Gradient = -target * w, Hessian = w };
                gradients[i] = -target * w;
                hessians[i] = w;
                count++;
            }

            var expected = reference.Grow(gradients, hessians, rows, count, [], 0, new Random(100 + t));
            var actual = fast.Grow(count, new Random(100 + t));
            TreeTestData.AssertSameTree(expected, actual);
            grown += actual.NodeCount;
        }

        Assert.True(grown > 12 * 5, $"only {grown} splits in 12 trees");
    }

    [Fact]
    public void Grow_PureClassificationNode_IsALeaf()
    {
        const int n = 50;
        var x = TreeTestData.Synthetic(n, 42, out _, out _, out _);
        var binned = BinnedData.Fit(x, 255, 200_000, 42, 1);
        var grower = new ForestGrower(binned, 2, 1, 0, labelsAreIndicators: true);
        for (var i = 0; i < n; i++)
        {
            grower.RootRows[i] = i;
            grower.RootPairs[i] = new GradientPair { Gradient = -1, Hessian = 1 };
        }

        var tree = grower.Grow(n, new Random(1));
        Assert.Equal(0, tree.NodeCount);
        Assert.Equal(1.0, tree.LeafValue[0]);
        Assert.Equal(n, tree.LeafCover[0]);
    }

    [Fact]
    public void Grow_DeepTreeWithCancelledToken_StopsMidTree()
    {
        // A fully grown regression tree on 20,000 noisy rows has thousands of nodes: the token is checked within it.
        const int n = 20_000;
        var x = TreeTestData.Synthetic(n, 7, out var y, out _, out _);
        var binned = BinnedData.Fit(x, 255, 200_000, 7, 1);
        var grower = new ForestGrower(binned, x.ColumnCount, 1, 0, labelsAreIndicators: false);
        for (var i = 0; i < n; i++)
        {
            grower.RootRows[i] = i;
            grower.RootPairs[i] = new GradientPair { Gradient = -y[i], Hessian = 1 };
        }

        Assert.True(grower.Grow(n, new Random(3)).NodeCount > 2048);
        for (var i = 0; i < n; i++)
        {
            grower.RootRows[i] = i;
            grower.RootPairs[i] = new GradientPair { Gradient = -y[i], Hessian = 1 };
        }

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => grower.Grow(n, new Random(3), cancelled.Token));
    }

    [Fact]
    public void BinnedDataFit_CancelledToken_StopsBeforeBinningEveryFeature()
    {
        // Binning thousands of text columns takes most of a second: a trial's cap must be able to stop it there.
        var x = TreeTestData.Synthetic(500, 44, out _, out _, out _);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => BinnedData.Fit(x, 255, 200_000, 1, 1, cancelled.Token));
        var binned = BinnedData.Fit(x, 255, 200_000, 1, 1);
        Assert.ThrowsAny<OperationCanceledException>(() => BinnedData.Apply(x, binned.Binners, 1, cancelled.Token));
    }

    [Fact]
    public void TreeGrowerGrow_CancelledToken_StopsBeforeTheFirstSplit()
    {
        // The GBDT checked its token once per tree; on wide data one tree took a quarter of a second.
        const int n = 300;
        var x = TreeTestData.Synthetic(n, 45, out var y, out _, out _);
        var binned = BinnedData.Fit(x, 255, 200_000, 1, 1);
        var grower = new TreeGrower(binned, new GrowerSettings { MaximumLeaves = 8, MinimumCount = 5, MinimumHessian = 0 }, 1);
        var gradients = y.Select(v => -v).ToArray();
        var hessians = Enumerable.Repeat(1f, n).ToArray();
        Assert.True(grower.Grow(gradients, hessians, null, n, [0, 1, 2, 3], 4, null).NodeCount > 0);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => grower.Grow(gradients, hessians, null, n, [0, 1, 2, 3], 4, null, cancelled.Token));
    }
}
