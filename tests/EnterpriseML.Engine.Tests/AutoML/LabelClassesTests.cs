using System.Text;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

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

    /// <summary>
    /// A test file written with floats (pandas writes a 0/1 column holding a gap as 1.0/0.0) against a 0/1 or yes/no
    /// training label: read with the training types, 1.0 and 0.0 are the flag values and the sweep scores them as
    /// those classes, so they are not unseen; 2 is no class of a boolean label.
    /// </summary>
    [Theory]
    [InlineData("1", "0")]
    [InlineData("yes", "no")]
    public void Unseen_BooleanLabel_NumbersOneAndZeroAreItsFlags_AsTheSweepEncodesThem(string trueName, string falseName)
    {
        var train = $"x,y\n1,{trueName}\n2,{falseName}\n3,{trueName}\n";
        const string test = "x,y\n1,1.0\n2,0.0\n3,-0\n4,2\n";
        var unseen = LabelClasses.Unseen(Csv(test), Options, "y", ColumnType.Boolean, [trueName, falseName], 5);
        Assert.Equal([new("2", 1, 5)], unseen.Listed);

        // What the sweep does with the rows: read with the training types, 1.0 is the true class and 0.0 the false one.
        var trained = LabelEncoding.Encode(CsvTable.Read(Csv(train), Options), "y", TaskKind.Binary);
        var types = new Dictionary<string, ColumnType> { ["x"] = ColumnType.Numeric, ["y"] = ColumnType.Boolean };
        var scored = LabelEncoding.Encode(CsvTable.Read(Csv("x,y\n1,1.0\n2,0.0\n3,-0\n"), new CsvOptions { SourceName = "test.csv", ColumnTypes = types }), "y", TaskKind.Binary, null, trained.ClassNames);
        var classes = trained.ClassNames.ToList();
        Assert.Equal([classes.IndexOf(trueName), classes.IndexOf(falseName), classes.IndexOf(falseName)], scored.Labels.Select(l => (int)l));
    }

    [Fact]
    public void Read_UnknownColumn_IsAFormatErrorListingTheColumns()
    {
        var e = Assert.Throws<CsvFormatException>(() => LabelClasses.Read(Csv("x,y\n1,2\n"), Options, "z", ColumnType.Categorical, 5));
        Assert.Contains("there is no column 'z'. Columns: x, y.", e.Message, StringComparison.Ordinal);
    }
}
