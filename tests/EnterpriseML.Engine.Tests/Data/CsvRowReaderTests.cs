using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using static EnterpriseML.Engine.Tests.Data.CsvTestInput;

namespace EnterpriseML.Engine.Tests.Data;

public sealed class CsvRowReaderTests
{
    [Fact]
    public void Read_RowsAndFields_MatchCsvTable()
    {
        var path = TestPaths.Dataset("tabular-telco-churn.csv");
        var table = CsvTable.Read(path);
        var charges = ((NumericColumn)table["total_charges"]).Values;
        var contracts = ((StringColumn)table["contract"]).Values;

        using var rows = CsvRowReader.Open(path);
        var chargesColumn = rows.GetOrdinal("total_charges");
        var contractColumn = rows.GetOrdinal("contract");
        var row = 0;
        while (rows.Read())
        {
            Assert.Equal(charges[row], rows.GetSingle(chargesColumn));
            Assert.Equal(contracts[row], rows.GetString(contractColumn));
            row++;
        }

        Assert.Equal(table.RowCount, row);
        Assert.Equal(7_043, rows.RowCount);
        Assert.Equal(20, rows.ColumnNames.Count);
    }

    [Fact]
    public void GetSingle_NotANumber_NamesLineAndColumn()
    {
        using var rows = CsvRowReader.Open(Utf8("a,b\n1,2\n3,x\n"), new CsvOptions { SourceName = "s.csv" });
        var b = rows.GetOrdinal("b");

        Assert.True(rows.Read());
        Assert.Equal(2f, rows.GetSingle(b));
        Assert.True(rows.Read());
        var error = Assert.Throws<CsvFormatException>(() => rows.GetSingle(b));

        Assert.Equal("s.csv, line 3: column 'b' holds 'x', which is not a number.", error.Message);
    }

    /// <summary>
    /// A column a model read as boolean (only 0 and 1 in its training rows, such as a rare count) refused a 2 in new
    /// rows: <c>eml predict</c> and <c>eml automl --test</c> stopped with "is not a boolean" (caravan's AINBOED, whose one
    /// 2 may fall on the test side of a split), and the API's CSV scoring did too, while its JSON rows took the 2. A
    /// column set to Boolean now takes any number as it is, in the table reader and the row reader alike; a label of
    /// that type holding a 2 is not one of its classes.
    /// </summary>
    [Fact]
    public void BooleanColumn_OtherNumbers_KeptAsTheyAreByTableAndRowReader()
    {
        const string csv = "count,label\n0,yes\n1,no\n2,yes\nyes,2\n";
        var options = new CsvOptions { SourceName = "new.csv", ColumnTypes = new Dictionary<string, ColumnType> { ["count"] = ColumnType.Boolean, ["label"] = ColumnType.Boolean } };
        var table = CsvTable.Read(Utf8(csv), options);
        Assert.Equal([0f, 1f, 2f, 1f], ((NumericColumn)table["count"]).Values.ToArray());
        using (var rows = CsvRowReader.Open(Utf8(csv), options))
        {
            var expected = new[] { 0f, 1f, 2f, 1f };
            for (var row = 0; rows.Read(); row++)
            {
                Assert.Equal(expected[row], rows.GetBoolean(0));
            }
        }

        var e = Assert.Throws<CsvFormatException>(() => CsvTable.Read(Utf8("count\n0\nmaybe\n"), new CsvOptions { SourceName = "new.csv", ColumnTypes = new Dictionary<string, ColumnType> { ["count"] = ColumnType.Boolean } }));
        Assert.Equal("new.csv, line 3: column 'count' is set to Boolean but holds 'maybe', which is not a boolean (true/false, yes/no, y/n, t/f, 1/0) or a number.", e.Message);

        // Inference is unchanged: a 2 makes a column of 0s and 1s numeric.
        Assert.Equal(ColumnType.Numeric, CsvTable.Read(Utf8("count\n0\n1\n2\n")).Columns[0].Type);

        // A boolean label holding a 2 is not one of its classes (it was read as the false class).
        var train = CsvTable.Read(Utf8("x,label\n1,yes\n2,no\n3,yes\n4,no\n"));
        var encoded = LabelEncoding.Encode(train, "label", TaskKind.Binary, "yes");
        var test = CsvTable.Read(Utf8("x,label\n1,yes\n2,2\n"), new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["label"] = ColumnType.Boolean } });
        var error = Assert.Throws<ArgumentException>(() => LabelEncoding.Encode(test, "label", TaskKind.Binary, "yes", encoded.ClassNames));
        Assert.StartsWith("line 3: label 'label' holds '2', which is not one of the training classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetBooleanAndDateTime_AgreeWithCsvTable_MissingAndBadValuesExplained()
    {
        const string csv = "flag,when\nyes,2024-03-01\nF,2024-03-01T12:30:00Z\nNA,\n1,1999-12-31 23:59:59\n";
        var table = CsvTable.Read(Utf8(csv));
        var flags = ((NumericColumn)table["flag"]).Values;
        var whens = ((DateTimeColumn)table["when"]).Ticks;

        using (var rows = CsvRowReader.Open(Utf8(csv)))
        {
            var row = 0;
            while (rows.Read())
            {
                Assert.Equal(flags[row], rows.GetBoolean(0));
                Assert.Equal(whens[row], rows.GetDateTimeTicks(1));
                row++;
            }

            Assert.Equal(4, row);
        }

        Assert.Equal([1f, 0f, float.NaN, 1f], flags.ToArray());
        Assert.Equal(DateTimeColumn.Missing, whens[2]);

        using var bad = CsvRowReader.Open(Utf8("flag,when\nmaybe,soon\n"), new CsvOptions { SourceName = "s.csv" });
        Assert.True(bad.Read());
        Assert.Equal("s.csv, line 2: column 'flag' holds 'maybe', which is not a boolean or a number.", Assert.Throws<CsvFormatException>(() => bad.GetBoolean(0)).Message);
        Assert.Equal("s.csv, line 2: column 'when' holds 'soon', which is not a date/time.", Assert.Throws<CsvFormatException>(() => bad.GetDateTimeTicks(1)).Message);
    }

    [Fact]
    public void Read_RaggedRow_SameMessageAsCsvTable()
    {
        using var rows = CsvRowReader.Open(Utf8("a,b\n1,2\n3\n"), new CsvOptions { SourceName = "s.csv" });

        Assert.True(rows.Read());
        var error = Assert.Throws<CsvFormatException>(() => rows.Read());

        Assert.Equal("s.csv, line 3: found 1 field, expected 2.", error.Message);
    }

    [Fact]
    public void Fields_MissingMarkers_AreMissing()
    {
        using var rows = CsvRowReader.Open(Utf8("a,b\nNA, \n"));

        Assert.True(rows.Read());
        Assert.True(rows.IsMissing(0));
        Assert.Null(rows.GetString(1));
        Assert.True(float.IsNaN(rows.GetSingle(0)));
        Assert.False(rows.Read());
    }

    [Fact]
    public void Misuse_Throws()
    {
        using var rows = CsvRowReader.Open(Utf8("a\n1\n"));

        Assert.Throws<InvalidOperationException>(() => rows.GetString(0));
        Assert.True(rows.Read());
        Assert.Throws<ArgumentOutOfRangeException>(() => rows.GetString(1));
        Assert.Contains("Columns: a.", Assert.Throws<KeyNotFoundException>(() => rows.GetOrdinal("z")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LeaveOpen_KeepsStreamUsable()
    {
        var stream = Utf8("a\n1\n");

        using (CsvRowReader.Open(stream, leaveOpen: true))
        {
        }

        Assert.True(stream.CanRead);
    }
}
