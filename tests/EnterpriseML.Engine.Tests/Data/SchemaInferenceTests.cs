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
}
