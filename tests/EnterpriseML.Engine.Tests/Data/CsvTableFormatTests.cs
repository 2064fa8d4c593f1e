using System.Text;
using EnterpriseML.Engine.Data;
using static EnterpriseML.Engine.Tests.Data.CsvTestInput;

namespace EnterpriseML.Engine.Tests.Data;

/// <summary>RFC 4180 details, delimiters, missing markers, type inference and overrides.</summary>
public sealed class CsvTableFormatTests
{
    [Fact]
    public void Read_QuotedFields_KeepDelimitersDoubledQuotesAndLineBreaks()
    {
        var csv = "id,comment\r\n1,\"a, b\"\r\n2,\"she said \"\"hi\"\"\"\r\n3,\"two\nlines\"\r\n4,plain\r\n";

        var table = CsvTable.Read(Utf8(csv));

        var comments = ((StringColumn)table["comment"]).Values;
        Assert.Equal(4, table.RowCount);
        Assert.Equal("a, b", comments[0]);
        Assert.Equal("she said \"hi\"", comments[1]);
        Assert.Equal("two\nlines", comments[2]);
        Assert.Equal("plain", comments[3]);
    }

    [Fact]
    public void Read_Utf8ByteOrderMark_IsNotPartOfFirstName()
    {
        var table = CsvTable.Read(Bytes([0xEF, 0xBB, 0xBF], Encoding.UTF8.GetBytes("name,x\nZoë,1\n")));

        Assert.Equal("name", table.Columns[0].Name);
        Assert.Equal("Zoë", ((StringColumn)table["name"]).Values[0]);
    }

    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void Profile_EachDelimiter_IsDetected(char delimiter)
    {
        var csv = string.Join(delimiter, "a", "b", "c") + "\n"
            + string.Join(delimiter, "1", "\"x,y;z|w\"", "2.5") + "\n"
            + string.Join(delimiter, "2", "q", "3.5") + "\n";

        var profile = DatasetProfiler.Profile(Utf8(csv));
        var table = CsvTable.Read(Utf8(csv));

        Assert.Equal(delimiter, profile.Delimiter);
        Assert.Equal(3, profile.Columns.Count);
        Assert.Equal("x,y;z|w", ((StringColumn)table["b"]).Values[0]);
        Assert.Equal(3.5f, ((NumericColumn)table["c"]).Values[1]);
    }

    [Fact]
    public void Read_SingleColumnWithCommasInValues_IsNotSplit()
    {
        var table = CsvTable.Read(Utf8("comment\nhello, world\nfine\n"));

        Assert.Single(table.Columns);
        Assert.Equal("hello, world", ((StringColumn)table["comment"]).Values[0]);
    }

    [Fact]
    public void Read_GivenDelimiter_OverridesDetection()
    {
        // Detection would pick the comma (two per line); the caller says semicolon.
        var csv = "a;b\n1,5,6;2\n3,1,2;4\n";

        var table = CsvTable.Read(Utf8(csv), new CsvOptions { Delimiter = ';' });

        Assert.Equal(["a", "b"], table.Columns.Select(c => c.Name));
        Assert.Equal("1,5,6", ((StringColumn)table["a"]).Values[0]);
    }

    [Fact]
    public void Read_MissingMarkers_AreMissingInEveryType()
    {
        var csv = "n,c,b\n1.5,red,yes\n,NA,null\n?,,no\nNA,blue,?\nnull,N/A,\n2,red,yes\n";

        var table = CsvTable.Read(Utf8(csv));

        var n = (NumericColumn)table["n"];
        var c = (StringColumn)table["c"];
        var b = (NumericColumn)table["b"];
        Assert.Equal(ColumnType.Numeric, n.Type);
        Assert.Equal(ColumnType.Categorical, c.Type);
        Assert.Equal(ColumnType.Boolean, b.Type);
        Assert.Equal([1.5f, float.NaN, float.NaN, float.NaN, float.NaN, 2f], n.Values.ToArray());
        Assert.Equal(new string?[] { "red", null, null, "blue", null, "red" }, c.Values.ToArray());
        Assert.Equal([1f, float.NaN, 0f, float.NaN, float.NaN, 1f], b.Values.ToArray());
        Assert.Same(c.Values[0], c.Values[5]);
    }

    [Fact]
    public void Read_NumbersAreCultureInvariant()
    {
        var csv = "x\n1.25\n-3e2\n+7\n  42  \n0.1\n";

        var values = ((NumericColumn)CsvTable.Read(Utf8(csv))["x"]).Values.ToArray();

        Assert.Equal([1.25f, -300f, 7f, 42f, 0.1f], values);
    }

    [Fact]
    public void Read_CommaDecimal_IsNotNumeric()
    {
        var csv = "x;y\n1,5;a\n2,5;b\n";

        var table = CsvTable.Read(Utf8(csv));

        Assert.Equal(ColumnType.Categorical, table["x"].Type);
    }

    [Fact]
    public void Read_InfersEachType()
    {
        var sentence = "the quick brown fox jumps over the lazy dog number ";
        var csv = new StringBuilder("num,flag,when,level,review\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(i * 0.5).Append(',')
                .Append(i % 3 == 0 ? "true" : "False").Append(',')
                .Append("2024-03-").Append((i % 28) + 1).Append(" 12:30:00").Append(',')
                .Append(i % 4 == 0 ? "low" : "high").Append(',')
                .Append(sentence).Append(i).Append('\n');
        }

        var table = CsvTable.Read(Utf8(csv.ToString()));

        Assert.Equal(ColumnType.Numeric, table["num"].Type);
        Assert.Equal(ColumnType.Boolean, table["flag"].Type);
        Assert.Equal(ColumnType.DateTime, table["when"].Type);
        Assert.Equal(ColumnType.Categorical, table["level"].Type);
        Assert.Equal(ColumnType.Text, table["review"].Type);
        Assert.Equal(new DateTime(2024, 3, 1, 12, 30, 0, DateTimeKind.Utc).Ticks, ((DateTimeColumn)table["when"]).Ticks[0]);
        Assert.Equal(1f, ((NumericColumn)table["flag"]).Values[0]);
        Assert.Equal(0f, ((NumericColumn)table["flag"]).Values[1]);
    }

    [Fact]
    public void Read_AllMissingColumn_IsNumericNaN()
    {
        var table = CsvTable.Read(Utf8("a,b\n1,\n2,NA\n"));

        Assert.Equal(ColumnType.Numeric, table["b"].Type);
        Assert.True(table["b"].IsMissing(0) && table["b"].IsMissing(1));
    }

    [Fact]
    public void Read_DateTimeWithMissing_UsesMissingSentinel()
    {
        var table = CsvTable.Read(Utf8("d\n2024-01-31T23:00:00+01:00\n\"\"\n01/15/2023\n"));

        var ticks = ((DateTimeColumn)table["d"]).Ticks;
        Assert.Equal(new DateTime(2024, 1, 31, 22, 0, 0, DateTimeKind.Utc).Ticks, ticks[0]);
        Assert.Equal(DateTimeColumn.Missing, ticks[1]);
        Assert.Equal(new DateTime(2023, 1, 15, 0, 0, 0, DateTimeKind.Utc).Ticks, ticks[2]);
    }

    [Fact]
    public void Read_MixedDatesAndWords_IsCategorical()
    {
        var csv = "d\n2024-01-01\nsoon\n2024-01-03\n";

        Assert.Equal(ColumnType.Categorical, CsvTable.Read(Utf8(csv))["d"].Type);
    }

    [Fact]
    public void Read_ColumnTypes_OverrideInference()
    {
        var csv = "zip,flag,note\n1001,1,hello\n2002,0,world\n1001,1,hello\n";
        var options = new CsvOptions
        {
            ColumnTypes = new Dictionary<string, ColumnType>
            {
                ["zip"] = ColumnType.Categorical,
                ["flag"] = ColumnType.Numeric,
                ["note"] = ColumnType.Text,
            },
        };

        var table = CsvTable.Read(Utf8(csv), options);
        var profile = DatasetProfiler.Profile(Utf8(csv), options);

        Assert.Equal(ColumnType.Categorical, table["zip"].Type);
        Assert.Equal("1001", ((StringColumn)table["zip"]).Values[0]);
        Assert.Equal(ColumnType.Numeric, table["flag"].Type);
        Assert.Equal(ColumnType.Text, table["note"].Type);
        Assert.Equal([ColumnType.Categorical, ColumnType.Numeric, ColumnType.Text], profile.Columns.Select(c => c.Type));
    }

    [Fact]
    public void Read_BlankLinesAndMissingFinalNewline_AreTolerated()
    {
        var csv = "a,b\n\n1,2\r\n\r\n3,\n4,5";

        var table = CsvTable.Read(Utf8(csv));

        Assert.Equal(3, table.RowCount);
        Assert.Equal([2f, float.NaN, 5f], ((NumericColumn)table["b"]).Values.ToArray());
    }

    [Fact]
    public void Read_TrickledNonSeekableStream_SameAsWhole()
    {
        var csv = "id,comment\n1,\"x\ny\"\n2,\"a \"\"b\"\"\"\n3,Zoë\n";

        var table = CsvTable.Read(Trickle(Encoding.UTF8.GetBytes(csv), 3));

        Assert.Equal(new string?[] { "x\ny", "a \"b\"", "Zoë" }, ((StringColumn)table["comment"]).Values.ToArray());
    }

    [Fact]
    public void Read_RecordsAndCharactersAcrossBufferBoundaries_ReadIntact()
    {
        // A 3 MB single field of two-byte characters, so that block boundaries fall inside a character and the
        // record outgrows the initial 1 MiB buffer; then ordinary rows after it.
        var longValue = "x" + new string('é', 1_500_000);
        var csv = new StringBuilder("a,b\n1,").Append(longValue).Append('\n');
        for (var i = 0; i < 50_000; i++)
        {
            csv.Append(i).Append(",\"q,").Append(i % 7).Append("\"\n");
        }

        var table = CsvTable.Read(Trickle(Encoding.UTF8.GetBytes(csv.ToString()), 4096));

        Assert.Equal(50_001, table.RowCount);
        Assert.Equal(longValue, ((StringColumn)table["b"]).Values[0]);
        Assert.Equal($"q,{49_996 % 7}", ((StringColumn)table["b"]).Values[49_997]);
        Assert.Equal(49_999f, ((NumericColumn)table["a"]).Values[50_000]);
    }

    [Fact]
    public void Read_CanceledToken_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => CsvTable.Read(Utf8("a\n1\n"), null, cancellation.Token));
    }

    [Fact]
    public void Profile_NumericColumn_MinMaxMeanAndDistinct()
    {
        var csv = "x,y\n1,a\n3,b\n3,a\n,c\n5,a\n";

        var profile = DatasetProfiler.Profile(Utf8(csv), label: "y");

        var x = profile.Columns[0];
        Assert.Equal(5, profile.RowCount);
        Assert.Equal((1d, 5d, 3d), (x.Min!.Value, x.Max!.Value, x.Mean!.Value));
        Assert.Equal(1, x.MissingCount);
        Assert.Equal(3, x.DistinctCount);
        Assert.Equal([new ValueCount("a", 3), new ValueCount("b", 1), new ValueCount("c", 1)], profile.Label!.Classes);
    }

    [Fact]
    public void Profile_ManyDistinctValues_ApproximateBeyondCap()
    {
        var csv = new StringBuilder("id\n");
        for (var i = 0; i < 100_000; i++)
        {
            csv.Append('k').Append(i).Append('\n');
        }

        var column = DatasetProfiler.Profile(Utf8(csv.ToString())).Columns[0];

        Assert.False(column.IsDistinctCountExact);
        Assert.InRange(column.DistinctCount, 95_000, 105_000);
    }

    [Fact]
    public void Profile_UnknownLabel_NamesColumns()
    {
        var error = Assert.Throws<ArgumentException>(() => DatasetProfiler.Profile(Utf8("a,b\n1,2\n"), label: "c"));

        Assert.Equal("label", error.ParamName);
        Assert.Contains("'c' is not a column of input. Columns: a, b.", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Chinese and Japanese reviews have no spaces between words: their characters count as words, so a column of
    /// distinct reviews is text, while short repeated names in the same scripts stay categorical.
    /// </summary>
    [Fact]
    public void Infer_ChineseAndJapaneseReviews_AreText_ShortNamesStayCategorical()
    {
        string[] phrases = ["这个产品非常好", "物流很快", "质量不错推荐购买", "包装很差不满意", "素晴らしい商品でした", "最悪でした"];
        string[] cities = ["北京", "上海", "東京", "大阪"];
        var csv = new System.Text.StringBuilder("review,city\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(phrases[i % phrases.Length]).Append(phrases[(i / 6) % phrases.Length]).Append('。').Append(i).Append(',')
                .Append(cities[i % cities.Length]).Append('\n');
        }

        var table = CsvTable.Read(Utf8(csv.ToString()));

        Assert.Equal(ColumnType.Text, table["review"].Type);
        Assert.Equal(ColumnType.Categorical, table["city"].Type);
    }

    /// <summary>
    /// A column of numbers with a stray value (a thousands separator, a number beyond a float) is read as categorical,
    /// and says so: how many values are numbers, the first stray and its line. Plain categories and numbers say nothing.
    /// </summary>
    [Fact]
    public void Infer_NumbersWithAStrayValue_CategoricalWithATypeNote()
    {
        var csv = new System.Text.StringBuilder("amount,level,count\n");
        for (var i = 0; i < 100; i++)
        {
            csv.Append(i == 7 ? "\"1,234\"" : i == 40 ? "1e39" : (i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append(',').Append(i % 3 == 0 ? "low" : "high").Append(',').Append(i).Append('\n');
        }

        var table = CsvTable.Read(Utf8(csv.ToString()), new CsvOptions { SourceName = "pay.csv" });

        Assert.Equal(ColumnType.Categorical, table["amount"].Type);
        Assert.Equal("column 'amount' was read as categorical although 98 of 100 values are numbers: pay.csv, line 9 holds '1,234' (1 more like it), which is not a number (or is beyond a 32-bit float)",
            table["amount"].TypeNote);
        Assert.Null(table["level"].TypeNote);
        Assert.Null(table["count"].TypeNote);
    }
}
