using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Tests.Data;

public sealed class IdentifierColumnsTests
{
    private static float[] Numbered(int rows) => [.. Enumerable.Range(0, rows).Select(i => (float)(7 * i + 3))];

    [Fact]
    public void Note_DistinctWholeNumbersInEveryRow_NamesTheColumnRowsAndRange()
    {
        Assert.Equal("column 'id' holds a different whole number in each of its 50 rows (3 to 346), as an identifier does: " +
            "a model learns the file's row order from it, which leaks the label when the rows were sorted or numbered by something the label depends on",
            IdentifierColumns.Note(new NumericColumn("id", [.. Numbered(50).Reverse()])));
    }

    [Fact]
    public void Note_FewerRowsThanTheMinimum_IsNull() =>
        Assert.Null(IdentifierColumns.Note(new NumericColumn("id", Numbered(IdentifierColumns.MinimumRows - 1))));

    [Fact]
    public void Note_ARepeatedValueAFractionOrAMissingValue_IsNull()
    {
        var repeated = Numbered(100);
        repeated[99] = repeated[0];
        var fraction = Numbered(100);
        fraction[40] = 0.5f;
        var missing = Numbered(100);
        missing[10] = float.NaN;

        Assert.Null(IdentifierColumns.Note(new NumericColumn("x", repeated)));
        Assert.Null(IdentifierColumns.Note(new NumericColumn("x", fraction)));
        Assert.Null(IdentifierColumns.Note(new NumericColumn("x", missing)));
    }

    [Fact]
    public void Note_NotANumericColumn_IsNull()
    {
        Assert.Null(IdentifierColumns.Note(new StringColumn("ref", [.. Enumerable.Range(0, 100).Select(i => $"ORD-{i:D5}")])));
        Assert.Null(IdentifierColumns.Note(new NumericColumn("flag", [.. Enumerable.Range(0, 100).Select(i => (float)(i % 2))], ColumnType.Boolean)));
    }
}
