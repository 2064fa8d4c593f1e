using System.Text;
using EnterpriseML.Engine.Data;
using static EnterpriseML.Engine.Tests.Data.CsvTestInput;

namespace EnterpriseML.Engine.Tests.Data;

/// <summary>Each bad input fails with one precise message, identically from the reader and the profiler.</summary>
public sealed class CsvBadInputTests
{
    private static readonly CsvOptions Credit = new() { SourceName = "credit.csv" };

    private static CsvFormatException Fails(Func<Stream> input, CsvOptions? options = null)
    {
        var fromRead = Assert.Throws<CsvFormatException>(() => CsvTable.Read(input(), options ?? Credit));
        var fromProfile = Assert.Throws<CsvFormatException>(() => DatasetProfiler.Profile(input(), options ?? Credit));
        Assert.Equal(fromRead.Message, fromProfile.Message);
        return fromRead;
    }

    [Fact]
    public void Read_RaggedRow_NamesLineAndCounts()
    {
        var error = Fails(() => Utf8("a,b,c\n1,2,3\n4,5\n6,7,8\n"));

        Assert.Equal("credit.csv, line 3: found 2 fields, expected 3.", error.Message);
        Assert.Equal(("credit.csv", 3L, (int?)null), (error.SourceName, error.Line, error.Column));
    }

    [Fact]
    public void Read_RaggedRowAfterMultiLineField_CountsPhysicalLines()
    {
        var error = Fails(() => Utf8("a,b\n1,\"x\ny\nz\"\n2,3,4\n"));

        Assert.Equal("credit.csv, line 5: found 3 fields, expected 2.", error.Message);
    }

    /// <summary>
    /// Line breaks inside a quoted field count as the file's own line ends do: a file with CR line ends (or CRLF) has
    /// them as CR (or CRLF) there too, and the quoted ones were not counted for CR, so errors named a line too early.
    /// </summary>
    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Read_RaggedRowAfterMultiLineField_CountsEveryLineEndStyle(string lineEnd)
    {
        var text = string.Join(lineEnd, "a,b", "1,\"x", "y", "z\"", "2,3,4", "");
        Assert.Equal("credit.csv, line 5: found 3 fields, expected 2.", Fails(() => Utf8(text)).Message);

        var unterminated = string.Join(lineEnd, "a,b", "1,\"x", "y\"", "2,\"q\"z", "");
        Assert.StartsWith("credit.csv, line 4, column 6: unexpected character 'z'", Fails(() => Utf8(unterminated)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TooManyFields_NamesLine()
    {
        // A one-column header gives no delimiter to detect; the caller names it.
        var error = Fails(() => Utf8("a\n1\n2,3\n"), new CsvOptions { SourceName = "credit.csv", Delimiter = ',' });

        Assert.Equal("credit.csv, line 3: found 2 fields, expected 1.", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n\n")]
    [InlineData("\uFEFF")]
    public void Read_EmptyInput_SaysEmpty(string text)
    {
        var error = Fails(() => Utf8(text));

        Assert.Equal("credit.csv: the input is empty; expected a header line with the column names.", error.Message);
    }

    /// <summary>A header line alone names the file, the header's line (after blank lines, here 3) and what is missing.</summary>
    [Theory]
    [InlineData("a,b,c\r\n", 1)]
    [InlineData("a,b,c", 1)]
    [InlineData("\n\na,b,c\n\n", 3)]
    public void Read_HeaderOnly_SaysHeaderOnlyNoDataRows(string text, long line)
    {
        var error = Fails(() => Utf8(text));

        Assert.Equal($"credit.csv, line {line}: header only, no data rows; a table needs at least one row below its header.", error.Message);
    }

    /// <summary>
    /// With <see cref="CsvOptions.AllowHeaderOnly"/> a header line alone is a table of no rows, with the header's
    /// columns and the types the options set; malformed input is still refused.
    /// </summary>
    [Fact]
    public void Read_HeaderOnlyAllowed_TableOfNoRowsWithTheHeadersColumns()
    {
        var options = new CsvOptions
        {
            SourceName = "credit.csv",
            AllowHeaderOnly = true,
            ColumnTypes = new Dictionary<string, ColumnType> { ["job"] = ColumnType.Categorical, ["when"] = ColumnType.DateTime },
        };

        var table = CsvTable.Read(Utf8("age,job,when\r\n"), options);

        Assert.Equal(0, table.RowCount);
        Assert.Equal(["age", "job", "when"], table.Columns.Select(c => c.Name));
        Assert.Equal([ColumnType.Numeric, ColumnType.Categorical, ColumnType.DateTime], table.Columns.Select(c => c.Type));
        Assert.Equal(0, DatasetProfiler.Profile(Utf8("age,job,when\n"), options).RowCount);
        Assert.Equal("credit.csv: the input is empty; expected a header line with the column names.", Fails(() => Utf8(""), options).Message);
    }

    [Fact]
    public void Read_DuplicateColumnName_NamesItAndPositions()
    {
        var error = Fails(() => Utf8("age,job,age\n1,2,3\n"));

        Assert.Equal("credit.csv, line 1: columns 1 and 3 are both named 'age'; column names must be unique.", error.Message);
    }

    [Fact]
    public void Read_EmptyColumnName_NamesPosition()
    {
        var error = Fails(() => Utf8("age, ,job\n1,2,3\n"));

        Assert.Equal("credit.csv, line 1: column 2 of 3 has an empty name; every column needs a unique name.", error.Message);
    }

    [Fact]
    public void Read_InvalidUtf8_NamesLineColumnAndOffset()
    {
        // Latin-1 "été" on line 2: the first invalid byte 0xE9 is the 3rd character of the line, byte offset 6.
        var error = Fails(() => Bytes(Encoding.ASCII.GetBytes("a,b\n1,"), [0xE9, (byte)'t', 0xE9], Encoding.ASCII.GetBytes("\n")));

        Assert.Equal(
            "credit.csv, line 2, column 3: the input is not UTF-8 text: field 2 holds byte 0xE9 ('é' in Windows-1252) at byte offset 6; "
            + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set CsvOptions.Encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8.",
            error.Message);
        Assert.Equal((2L, 3), (error.Line, error.Column));
    }

    [Fact]
    public void Read_InvalidUtf8AfterMultibyteCharacters_CountsCharacters()
    {
        var error = Fails(() => Bytes(Encoding.UTF8.GetBytes("a\nZoë"), [0xFF], Encoding.ASCII.GetBytes("\n")));

        Assert.Equal((2L, 4), (error.Line, error.Column));
        Assert.Contains("field 1 holds byte 0xFF ('ÿ' in Windows-1252) at byte offset 6", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Without an encoding, a UTF-16 byte-order mark (which cannot begin UTF-8 text) selects UTF-16.</summary>
    [Fact]
    public void Read_Utf16WithMark_ReadsAsUtf16()
    {
        var table = CsvTable.Read(Bytes(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes("a,b\nZoë,2\n")), Credit);

        Assert.Equal(["a", "b"], table.Columns.Select(c => c.Name));
        Assert.Equal("Zoë", ((StringColumn)table.Columns[0]).Values[0]);
    }

    [Fact]
    public void Read_GzipBytes_SaysCompressed()
    {
        var error = Fails(() => new MemoryStream(File.ReadAllBytes(TestPaths.Dataset("flights-1m.test.csv.gz"))));

        Assert.Equal("credit.csv: the input is gzip-compressed, not text; decompress it or upload the .csv file.", error.Message);
    }

    [Fact]
    public void Read_OverMaxBytes_SeekableOrNot_SaysLimit()
    {
        var data = Encoding.UTF8.GetBytes("a,b\n1,2\n3,4\n5,6\n");
        var options = new CsvOptions { SourceName = "credit.csv", MaxBytes = 10 };

        var seekable = Fails(() => new MemoryStream(data), options);
        var streamed = Fails(() => Trickle(data, 3), options);

        Assert.Equal("credit.csv: the input is larger than the limit of 10 bytes (CsvOptions.MaxBytes).", seekable.Message);
        Assert.Equal(seekable.Message, streamed.Message);
    }

    [Fact]
    public void Read_ExactlyMaxBytes_IsAccepted()
    {
        var data = Encoding.UTF8.GetBytes("a,b\n1,2\n");

        var table = CsvTable.Read(Trickle(data), new CsvOptions { MaxBytes = data.Length });

        Assert.Equal(1, table.RowCount);
    }

    [Fact]
    public void Read_MoreThanMaxColumns_SaysLimit()
    {
        var error = Fails(() => Utf8("a,b,c\n1,2,3\n"), new CsvOptions { SourceName = "credit.csv", MaxColumns = 2 });

        Assert.Equal("credit.csv, line 1: the header has 3 columns, more than the limit of 2 (CsvOptions.MaxColumns).", error.Message);
    }

    [Fact]
    public void Read_UnterminatedQuote_NamesWhereItOpened()
    {
        var error = Fails(() => Utf8("a,b\n1,2\n3,\"never closed\n4,5\n"));

        Assert.Equal("credit.csv, line 3, column 3: unterminated quoted field (the closing double quote is missing).", error.Message);
        Assert.Equal((3L, 3), (error.Line, error.Column));
    }

    [Fact]
    public void Read_TextAfterClosingQuote_NamesCharacter()
    {
        var error = Fails(() => Utf8("a,b\n\"x\"y,2\n"));

        Assert.Equal("credit.csv, line 2, column 4: unexpected character 'y' after the closing quote of a quoted field (a double quote inside a quoted field must be doubled).", error.Message);
    }

    [Fact]
    public void Read_OverriddenTypeContradicted_NamesLineColumnAndValue()
    {
        var options = new CsvOptions
        {
            SourceName = "credit.csv",
            ColumnTypes = new Dictionary<string, ColumnType> { ["age"] = ColumnType.Numeric },
        };

        var error = Fails(() => Utf8("age,job\n31,a\n\"forty\",b\n"), options);

        Assert.Equal("credit.csv, line 3: column 'age' is set to Numeric but holds 'forty', which is not a number.", error.Message);
    }

    [Fact]
    public void Read_OverrideOfUnknownColumn_ListsColumns()
    {
        var options = new CsvOptions
        {
            SourceName = "credit.csv",
            ColumnTypes = new Dictionary<string, ColumnType> { ["agee"] = ColumnType.Numeric },
        };

        var error = Fails(() => Utf8("age,job\n31,a\n"), options);

        Assert.Equal("credit.csv: CsvOptions.ColumnTypes sets the type of 'agee', which is not a column. Columns: age, job.", error.Message);
    }

    [Fact]
    public void Read_OverrideOfUnknownColumn_IgnoredWhenAsked()
    {
        var options = new CsvOptions
        {
            ColumnTypes = new Dictionary<string, ColumnType> { ["label"] = ColumnType.Categorical, ["age"] = ColumnType.Categorical },
            IgnoreUnknownColumnTypes = true,
        };

        var table = CsvTable.Read(Utf8("age,job\n31,a\n"), options);

        Assert.Equal(ColumnType.Categorical, table["age"].Type);
    }

    [Fact]
    public void Read_Path_UsesFileNameInMessages()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eml-ragged-{Environment.ProcessId}.csv");
        File.WriteAllText(path, "a,b\n1\n");
        try
        {
            var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(path));

            Assert.Equal($"{Path.GetFileName(path)}, line 2: found 1 field, expected 2.", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
