using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;

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
    public void Note_ABooleanColumn_IsNull() =>
        Assert.Null(IdentifierColumns.Note(new NumericColumn("flag", [.. Enumerable.Range(0, 100).Select(i => (float)(i % 2))], ColumnType.Boolean)));

    private static readonly DataTable Churn = CsvTable.Read(TestPaths.Dataset("tabular-telco-churn.csv"));

    /// <summary>Churn's 7,043 rows with an order reference per row, <c>ORD-00017</c> up.</summary>
    private static StringColumn OrderReferences(Func<int, string?>? edit = null) =>
        new("order_ref", [.. Enumerable.Range(0, Churn.RowCount).Select(i => edit is null ? $"ORD-{i + 17:D5}" : edit(i))]);

    /// <summary>
    /// A text id in every row of churn: said, with what the featurizers make of it, which the fitted pipelines bear
    /// out: one-hot keeps only the "other" level, a constant, and the trees' codes one code. The note had been numeric
    /// columns' only, and docs/cli.md said a column of distinct text was not warned about.
    /// </summary>
    [Fact]
    public void Note_DistinctTextIdInEveryRow_SaysItIsAConstantToTheFeaturizers()
    {
        var column = OrderReferences();

        Assert.Equal("column 'order_ref' holds a different value in each of its 7,043 rows (such as 'ORD-00017'), as an identifier does: as a category " +
            "each value is in one row, fewer than the 2 a level needs, so every row with a value falls in the one 'other' level and the column is a constant that tells a model nothing",
            IdentifierColumns.Note(column));
        var table = new DataTable([column, Churn["tenure"]]);
        Assert.Equal(["order_ref=(other)"], Features(table, FeaturizerOptions.Linear));
        var codes = Assert.Single(FeaturePipeline.Fit(table, FeaturizerOptions.Trees).Features, f => f.Name == "order_ref");
        Assert.Equal(1, codes.Cardinality);
    }

    /// <summary>
    /// Ids that repeat in a few rows (a customer's second order): the repeated ones become levels, and past 256 the
    /// one-hot encoding hashes every id, as the note says and the fitted pipelines show.
    /// </summary>
    [Fact]
    public void Note_NearlyDistinctTextIds_SaysWhichBecomeLevels()
    {
        // Every 25th row repeats the id of the row before it: 282 ids in two rows, 6,761 distinct in all.
        var column = OrderReferences(i => $"CUST-{(i % 25 == 1 ? i - 1 : i):D5}");

        Assert.Equal("column 'order_ref' holds 6,761 distinct values in its 7,043 rows (such as 'CUST-00000'), as an identifier does: the 282 values seen in 2 rows or more " +
            "become levels of their own and the rest share the 'other' level; past 256 levels one-hot encoding hashes every value, the unique ones too, into 1,024 indicators, " +
            "and the trees' codes keep the 254 most frequent: a model can learn the labels of the repeated values by heart, which says nothing of new ones",
            IdentifierColumns.Note(column));
        var table = new DataTable([column, Churn["tenure"]]);
        Assert.Equal(1024, Features(table, FeaturizerOptions.Linear).Count(f => f.StartsWith("order_ref#", StringComparison.Ordinal)));
        Assert.Equal(255, Assert.Single(FeaturePipeline.Fit(table, FeaturizerOptions.Trees).Features, f => f.Name == "order_ref").Cardinality);
    }

    [Fact]
    public void Note_TextIdsWithMissingValues_SaysTheColumnOnlyMarksPresence()
    {
        var note = IdentifierColumns.Note(OrderReferences(i => i % 10 == 0 ? null : $"{i:x8}@example.com"));
        Assert.Equal("column 'order_ref' holds a different value in each of its 6,338 rows with a value, of 7,043 (such as '00000001@example.com'), as an identifier does: as a category " +
            "each value is in one row, fewer than the 2 a level needs, so every row with a value falls in the one 'other' level and the column tells a model only whether a row has a value", note);
    }

    /// <summary>Churn's own categorical columns, words with spaces, and distinct values without a digit or '@', are not ids.</summary>
    [Fact]
    public void Note_CategoriesWordsOrTooFewDistinct_IsNull()
    {
        Assert.All(Churn.Columns.OfType<StringColumn>(), c => Assert.Null(IdentifierColumns.Note(c)));
        Assert.Null(IdentifierColumns.Note(OrderReferences(i => $"order {i}")));
        Assert.Null(IdentifierColumns.Note(OrderReferences(i => new string((char)('a' + (i % 26)), 1 + (i / 26)))));
        Assert.Null(IdentifierColumns.Note(OrderReferences(i => $"ORD-{i / 2:D5}")));
        Assert.Null(IdentifierColumns.Note(new StringColumn("ref", [.. Enumerable.Range(0, IdentifierColumns.MinimumRows - 1).Select(i => $"ORD-{i:D5}")])));
    }

    private static string[] Features(DataTable table, FeaturizerOptions options) =>
        [.. FeaturePipeline.Fit(table, options).Features.Select(f => f.Name).Where(n => n.StartsWith("order_ref", StringComparison.Ordinal))];
}
