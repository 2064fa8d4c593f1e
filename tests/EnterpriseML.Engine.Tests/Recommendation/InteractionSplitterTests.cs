using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Tests.Recommendation;

public sealed class InteractionSplitterTests
{
    private static InteractionSet FiveByUser()
    {
        // u has 5 interactions at times 50, 10, 40, 20, 30; v has 1.
        return InteractionSet.FromIds(
            ["u", "u", "u", "u", "u", "v"],
            ["a", "b", "c", "d", "e", "a"],
            timestamps: [50, 10, 40, 20, 30, 5]);
    }

    [Fact]
    public void PerUserSplit_Latest_HoldsOutMostRecent()
    {
        var (train, test) = InteractionSplitter.PerUserSplit(FiveByUser(), 0.4, HoldoutOrder.Latest, seed: 1);

        // round(0.4 · 5) = 2 latest of u (times 50 and 40 → items a, c); v keeps its single row in training.
        Assert.Equal(2, test.Count);
        var heldOut = new[] { test.Items[test.ItemIndices[0]], test.Items[test.ItemIndices[1]] };
        Assert.Equal(["a", "c"], heldOut.Order());
        Assert.Equal(4, train.Count);
        Assert.Same(train.Users, test.Users);
    }

    [Fact]
    public void PerUserSplit_Random_KeepsAtLeastOneTrainingRowPerUser()
    {
        var (train, test) = InteractionSplitter.PerUserSplit(FiveByUser(), 0.99, HoldoutOrder.Random, seed: 3);

        Assert.Equal(4, test.Count);
        Assert.Equal(2, train.Count);
    }

    [Fact]
    public void PerUserSplit_LatestWithoutTimestamps_Throws()
    {
        var data = InteractionSet.FromIds(["u", "u"], ["a", "b"]);

        Assert.Throws<InvalidOperationException>(() => InteractionSplitter.PerUserSplit(data, 0.5, HoldoutOrder.Latest, 0));
    }

    [Fact]
    public void RandomSplit_SameSeed_SameRowsAndSizes()
    {
        var data = RecommendationData.Scotch;
        var (train1, test1) = InteractionSplitter.RandomSplit(data, 0.2, 42);
        var (_, test2) = InteractionSplitter.RandomSplit(data, 0.2, 42);

        Assert.Equal((int)Math.Ceiling(0.2 * data.Count), test1.Count);
        Assert.Equal(data.Count, train1.Count + test1.Count);
        Assert.True(test1.UserIndices.SequenceEqual(test2.UserIndices));
        Assert.True(test1.ItemIndices.SequenceEqual(test2.ItemIndices));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void RandomSplit_FractionOutOfRange_Throws(double fraction)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => InteractionSplitter.RandomSplit(RecommendationData.Scotch, fraction, 0));
        Assert.Equal("testFraction", ex.ParamName);
    }

    [Fact]
    public void FromIds_MapsIdsToDenseIndicesInFirstSeenOrder()
    {
        var data = InteractionSet.FromIds(["x", "y", "x"], ["p", "p", "q"]);

        Assert.Equal(2, data.Users.Count);
        Assert.Equal(2, data.Items.Count);
        Assert.Equal([0, 1, 0], data.UserIndices.ToArray());
        Assert.Equal([0, 0, 1], data.ItemIndices.ToArray());
        Assert.True(data.Items.TryGetIndex("q", out var q));
        Assert.Equal(1, q);
        Assert.False(data.Users.TryGetIndex("z", out _));
    }

    [Fact]
    public void ToUserItemMatrix_DuplicatePairs_AreSummed()
    {
        var data = InteractionSet.FromIds(["u", "u", "u"], ["b", "a", "b"], weights: [1, 2, 3]);

        var matrix = data.ToUserItemMatrix();

        Assert.Equal([0, 1], matrix.RowColumns(0).ToArray());
        Assert.Equal([4f, 2f], matrix.RowValues(0).ToArray());
    }
}
