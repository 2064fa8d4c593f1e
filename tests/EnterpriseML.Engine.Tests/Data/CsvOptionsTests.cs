using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Tests.Data;

public sealed class CsvOptionsTests
{
    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new CsvOptions();

        Assert.Null(options.Delimiter);
        Assert.Equal(1L << 30, options.MaxBytes);
        Assert.Equal(2000, options.MaxColumns);
        Assert.Equal("input", options.SourceName);
        Assert.Null(options.ColumnTypes);
    }

    [Theory]
    [InlineData('"')]
    [InlineData('\r')]
    [InlineData('\n')]
    [InlineData('é')]
    public void Delimiter_Invalid_Throws(char delimiter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CsvOptions { Delimiter = delimiter });

        Assert.Equal(nameof(CsvOptions.Delimiter), error.ParamName);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void MaxBytes_BelowOne_Throws(long value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CsvOptions { MaxBytes = value });

        Assert.Equal(nameof(CsvOptions.MaxBytes), error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000_001)]
    public void MaxColumns_OutOfRange_Throws(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CsvOptions { MaxColumns = value });

        Assert.Equal(nameof(CsvOptions.MaxColumns), error.ParamName);
    }

    [Fact]
    public void Bounds_AreAccepted()
    {
        var options = new CsvOptions { MaxBytes = 1, MaxColumns = 1_000_000, Delimiter = '|' };

        Assert.Equal((1L, 1_000_000, '|'), (options.MaxBytes, options.MaxColumns, options.Delimiter!.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void SourceName_Blank_Throws(string value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CsvOptions { SourceName = value });

        Assert.Equal(nameof(CsvOptions.SourceName), error.ParamName);
    }

    [Fact]
    public void ColumnTypes_UndefinedType_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["x"] = (ColumnType)42 } });

        Assert.Equal(nameof(CsvOptions.ColumnTypes), error.ParamName);
    }
}
