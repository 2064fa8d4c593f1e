using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Trainers.Neighbors;

public sealed class PopularityTrainerTests
{
    private const long Day = 86_400;

    // "old" has 3 interactions 100 days ago; "new" has 2 interactions today.
    private static InteractionSet Data() => InteractionSet.FromIds(
        ["1", "2", "3", "4", "5"],
        ["old", "old", "old", "new", "new"],
        timestamps: [0, 0, 0, 100 * Day, 100 * Day]);

    [Fact]
    public void Fit_NoDecay_RanksByCount()
    {
        var model = new PopularityTrainer().Fit(Data());

        var top = model.Recommend("stranger", 2);

        Assert.Equal(["old", "new"], top.Items.Select(i => i.ItemId));
        Assert.Equal(3f, top.Items[0].Score);
        Assert.True(top.UsedFallback);
    }

    [Fact]
    public void Fit_TimeDecay_RecentItemsWin()
    {
        var model = new PopularityTrainer(timeDecayHalfLifeDays: 10).Fit(Data());

        var top = model.Recommend("stranger", 2);

        Assert.Equal(["new", "old"], top.Items.Select(i => i.ItemId));
        Assert.Equal(3 * Math.Pow(2, -10), top.Items[1].Score, 6);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(36_501.0)]
    [InlineData(double.NaN)]
    public void Constructor_HalfLifeOutOfRange_ThrowsNamingIt(double value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new PopularityTrainer(value));
        Assert.Equal(nameof(PopularityOptions.TimeDecayHalfLifeDays), ex.ParamName);
    }
}
