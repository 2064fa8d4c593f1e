using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Tests.Data;

public sealed class SchemaInferenceTests
{
    [Theory]
    [InlineData("Yes", true)]
    [InlineData(" no ", false)]
    [InlineData("TRUE", true)]
    [InlineData("f", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void TryParseBoolean_Tokens_MapAsStored(string value, bool expected)
    {
        Assert.True(SchemaInference.TryParseBoolean(value, out var result));
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    [InlineData("")]
    [InlineData("yesyesyes")]
    public void TryParseBoolean_Other_False(string value) => Assert.False(SchemaInference.TryParseBoolean(value, out _));

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData(" NA ", true)]
    [InlineData("null", true)]
    [InlineData("?", true)]
    [InlineData("NaN", true)]
    [InlineData("nA", false)]
    [InlineData("none", false)]
    [InlineData("0", false)]
    public void IsMissing_Markers(string? value, bool expected) => Assert.Equal(expected, SchemaInference.IsMissing(value));

    /// <summary>A string is a date exactly when the same CSV field is (the forms of <see cref="SchemaInference.DateForms"/>), at the same instant.</summary>
    [Theory]
    [InlineData("2019-01-05", true)]
    [InlineData("2019/01/05", true)]
    [InlineData("01/05/2019", true)]
    [InlineData("1-5-2019", true)]
    [InlineData("2019-01-05 10:30", true)]
    [InlineData("2019-01-05T10:30:00+02:00", true)]
    [InlineData(" 2019-01-05\t", true)]
    [InlineData("Jan 5 2019", false)]
    [InlineData("5 January 2019", false)]
    [InlineData("10:30", false)]
    [InlineData("2019-01", false)]
    [InlineData("5.1.2019", false)]
    [InlineData("20190105", false)]
    [InlineData("２０１９-01-05", false)]
    [InlineData("2019-01-05T10:30:00.0000000000000000000000000000Z", false)]
    public void TryParseDateTime_ExactlyTheCsvForms(string value, bool expected)
    {
        Assert.Equal(expected, SchemaInference.TryParseDateTime(value, out var ticks));
        using var rows = CsvRowReader.Open(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"when\n\"{value}\"\n")));
        Assert.True(rows.Read());
        if (expected)
        {
            Assert.Equal(rows.GetDateTimeTicks(0), ticks);
        }
        else
        {
            Assert.Throws<CsvFormatException>(() => rows.GetDateTimeTicks(0));
        }
    }
}
