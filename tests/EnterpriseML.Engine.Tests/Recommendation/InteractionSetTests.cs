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

    /// <summary>
    /// Bad values in an interaction CSV name the file, the line the row starts on and the column. They named the
    /// table's position and the data row ("Table 1, data row 2"), and a negative weight only "Row 1" of no file.
    /// The first data row below spans two lines (a quoted item id), so line and data row differ.
    /// </summary>
    [Theory]
    [InlineData("u,i,r,t,w\n1,\"a\nb\",5,100,1\n,c,3,200,1\n", "ratings.csv, line 4: column 'u' is empty")]
    [InlineData("u,i,r,t,w\n1,\"a\nb\",5,100,1\n2,,3,200,1\n", "ratings.csv, line 4: column 'i' is empty")]
    [InlineData("u,i,r,t,w\n1,\"a\nb\",5,100,1\n2,c,,200,1\n", "ratings.csv, line 4: column 'r' is empty")]
    [InlineData("u,i,r,t,w\n1,\"a\nb\",5,100,1\n2,c,3,,1\n", "ratings.csv, line 4: column 't' is empty")]
    [InlineData("u,i,r,t,w\n1,\"a\nb\",5,100,1\n2,c,3,soon,1\n", "ratings.csv, line 4: column 't' holds 'soon'")]
    [InlineData("u,i,r,t,w\n1,\"a\nb\",5,100,1\n2,c,3,200,-2\n", "ratings.csv, line 4: column 'w' holds -2; expected a finite number >= 0")]
    public void FromTable_BadValueInACsv_NamesFileLineAndColumn(string csv, string expected)
    {
        var types = new Dictionary<string, ColumnType>
        {
            ["u"] = ColumnType.Categorical,
            ["i"] = ColumnType.Categorical,
            ["t"] = ColumnType.Categorical,
            ["r"] = ColumnType.Numeric,
            ["w"] = ColumnType.Numeric,
        };
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));
        var table = CsvTable.Read(stream, new CsvOptions { SourceName = "ratings.csv", ColumnTypes = types });

        var ex = Assert.Throws<ArgumentException>(() => InteractionSet.FromTable(table, new InteractionColumns("u", "i", "r", "t", "w")));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
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
