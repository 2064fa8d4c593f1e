using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Tests.Recommendation;

public sealed class InteractionSetTests
{
    [Fact]
    public void FromTables_TrainAndTest_ShareIdIndicesAndConvertTimestamps()
    {
        var train = new DataTable([
            new StringColumn("user", ["a", "b"]),
            new NumericColumn("item", [10, 20]),
            new DateTimeColumn("when", [DateTime.UnixEpoch.AddDays(1).Ticks, DateTime.UnixEpoch.Ticks]),
        ]);
        var test = new DataTable([
            new StringColumn("user", ["b", "c"]),
            new NumericColumn("item", [20, 30]),
            new DateTimeColumn("when", [DateTime.UnixEpoch.Ticks, DateTime.UnixEpoch.Ticks]),
        ]);

        var sets = InteractionSet.FromTables([train, test], new InteractionColumns("user", "item", Timestamp: "when"));

        Assert.Same(sets[0].Users, sets[1].Users);
        Assert.Equal(3, sets[0].Users.Count);
        Assert.Equal(["10", "20", "30"], sets[0].Items.Ids);
        Assert.Equal(86_400, sets[0].Timestamps[0]);
        Assert.Equal([1, 2], sets[1].UserIndices.ToArray());
    }

    [Fact]
    public void FromTable_EmptyUserId_ThrowsNamingRowAndColumn()
    {
        var table = new DataTable([new StringColumn("user", ["a", null]), new StringColumn("item", ["x", "y"])]);

        var ex = Assert.Throws<ArgumentException>(() => InteractionSet.FromTable(table, new InteractionColumns("user", "item")));

        Assert.Contains("data row 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'user'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTable_TextTimestamp_ParsesUnixSecondsAndDates()
    {
        var table = new DataTable([
            new StringColumn("user", ["a", "a"]),
            new StringColumn("item", ["x", "y"]),
            new StringColumn("t", ["1260759144", "2020-01-02T00:00:00Z"]),
        ]);

        var set = InteractionSet.FromTable(table, new InteractionColumns("user", "item", Timestamp: "t"));

        Assert.Equal(1260759144, set.Timestamps[0]);
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), set.Timestamps[1]);
    }

    [Fact]
    public void Constructor_NegativeWeight_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => InteractionSet.FromIds(["a"], ["x"], weights: [-1f]));
        Assert.Equal("weights", ex.ParamName);
    }

    [Fact]
    public void ReadCsv_MovieLens_KeepsExactIdsAndTimestamps()
    {
        var data = RecommendationData.MovieLens;

        Assert.Equal(100_004, data.Count);
        Assert.Equal(671, data.Users.Count);
        Assert.Equal(9_066, data.Items.Count);
        Assert.True(data.HasRatings && data.HasTimestamps);
        Assert.Equal(1260759144, data.Timestamps[0]);
    }
}
