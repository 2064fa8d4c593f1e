using System.Text;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class LabelClassesTests
{
    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    private static readonly CsvOptions Options = new() { SourceName = "t.csv" };

    [Fact]
    public void Read_DistinctValuesInFileOrder_WithCountsAndFirstLines_NullAboveTheBound()
    {
        // A quoted field spans lines 3-4, so row 3's line is 5; missing labels are not values.
        var csv = "x,y\n1,b\n\"a\nb\",a\n3, b \n4,\n5,c\n";

        var values = LabelClasses.Read(Csv(csv), Options, "y", ColumnType.Categorical, 3);

        Assert.Equal([new("b", 2, 2), new("a", 1, 3), new("c", 1, 7)], values);
        Assert.Null(LabelClasses.Read(Csv(csv), Options, "y", ColumnType.Categorical, 2));
    }

    [Fact]
    public void Unseen_MatchesAsLabelEncodingDoes_NumbersByValueFlagsByMeaning()
    {
        var numeric = LabelClasses.Unseen(Csv("y\n3.0\n13\n1\n13\n2.5\n"), Options, "y", ColumnType.Numeric, ["1", "2", "3"], 1);
        Assert.Equal((1, 2), (numeric.Listed.Count, numeric.Total));
        Assert.Equal(new LabelValue("13", 2, 3), numeric.Listed[0]);

        var flags = LabelClasses.Unseen(Csv("y\nYes\nNO\nmaybe\n"), Options, "y", ColumnType.Boolean, ["yes", "no"], 5);
        Assert.Equal([new("maybe", 1, 4)], flags.Listed);

        // Categorical classes are case-sensitive, as the encoder's are.
        var words = LabelClasses.Unseen(Csv("y\nGood\ngood\n"), Options, "y", ColumnType.Categorical, ["good", "bad"], 5);
        Assert.Equal([new("Good", 1, 2)], words.Listed);
    }

    [Fact]
    public void Read_UnknownColumn_IsAFormatErrorListingTheColumns()
    {
        var e = Assert.Throws<CsvFormatException>(() => LabelClasses.Read(Csv("x,y\n1,2\n"), Options, "z", ColumnType.Categorical, 5));
        Assert.Contains("there is no column 'z'. Columns: x, y.", e.Message, StringComparison.Ordinal);
    }
}
