using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

public sealed class TreeEnsembleBuilderTests
{
    private const int Depth = 20_000;

    /// <summary>
    /// Early stopping drops the trees after the best round. With trees 20,000 splits deep (unlimited depth) on a thread
    /// of 256 KB, dropping runs without recursion (a walk for a tree's smallest leaf used to recurse once per level,
    /// and a stack overflow ends the process) and keeps exactly the first trees' nodes and leaves.
    /// </summary>
    [Fact]
    public void Truncate_TreesTwentyThousandSplitsDeepOnSmallStack_KeepsTheFirstTreesWhole()
    {
        var binner = FeatureBinner.FitNumeric([.. Enumerable.Range(0, 250).Select(i => (float)i)], 254);
        TreeEnsemble? ensemble = null;
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    var builder = new TreeEnsembleBuilder([binner], 1);
                    builder.Add(Chain(), 1, 0);
                    builder.Add(Chain(), 0.5, 0);
                    builder.Add(Chain(), 0.25, 0);
                    builder.Truncate(2);
                    ensemble = builder.Build(1, [0], average: false);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.NotNull(ensemble);
        Assert.Equal(2, ensemble.TreeCount);
        Assert.Equal(2 * Depth, ensemble.Nodes.Length);
        Assert.Equal(2 * (Depth + 1), ensemble.LeafValues.Length);
        Assert.Equal(Depth, ensemble.MaximumDepth);

        // A row that takes every split right ends in each tree's last leaf: 1 × 3 + 0.5 × 3.
        var margin = new double[1];
        ensemble.PredictRawReference([1e6f], margin);
        Assert.Equal(4.5, margin[0]);
    }

    /// <summary>Split i sends a row left to leaf i (value 1) and right on to split i + 1; the last leaf has value 3.</summary>
    private static BinTree Chain()
    {
        var tree = new BinTree();
        for (var i = 0; i < Depth; i++)
        {
            tree.Splits.Add(new BinSplit(0, 1 + (i % 200), false, -1));
            tree.Left.Add(~i);
            tree.Right.Add(i + 1 < Depth ? i + 1 : ~Depth);
            tree.NodeCover.Add(Depth - i + 1);
            tree.LeafValue.Add(1);
            tree.LeafCover.Add(1);
        }

        tree.LeafValue.Add(3);
        tree.LeafCover.Add(1);
        return tree;
    }
}
