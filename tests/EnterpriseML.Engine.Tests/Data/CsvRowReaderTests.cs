using EnterpriseML.Engine.Data;
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
