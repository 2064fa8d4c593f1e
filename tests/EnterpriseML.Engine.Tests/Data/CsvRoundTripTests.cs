using System.Text;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Tests.Data;

/// <summary>
/// Random tables written with RFC 4180 quoting (delimiters, doubled quotes, CR/LF inside fields, multi-byte
/// characters) read back exactly, whatever the delimiter and however the stream splits the bytes.
/// </summary>
public sealed class CsvRoundTripTests
{
    private const string Alphabet = "ab Z9,;|\t\"\r\né€😀";

    [Theory]
    [InlineData(',', 1)]
    [InlineData(';', 2)]
    [InlineData('\t', 3)]
    [InlineData('|', 4)]
    public void Read_QuotedRandomText_RoundTrips(char delimiter, int seed)
    {
        var random = new Random(seed);
        const int rows = 300, columns = 4;
        var expected = new string[columns][];
        var csv = new StringBuilder();
        for (var c = 0; c < columns; c++)
        {
            expected[c] = new string[rows];
            csv.Append(c == 0 ? "" : delimiter).Append('c').Append(c);
        }

        csv.Append("\r\n");
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var value = RandomValue(random);
                expected[c][r] = value;
                csv.Append(c == 0 ? "" : delimiter).Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }

            csv.Append(random.Next(2) == 0 ? "\n" : "\r\n");
        }

        var types = new Dictionary<string, ColumnType>();
        for (var c = 0; c < columns; c++)
        {
            types["c" + c] = ColumnType.Text;
        }

        var table = CsvTable.Read(
            CsvTestInput.Trickle(Encoding.UTF8.GetBytes(csv.ToString()), random.Next(1, 50)),
            new CsvOptions { Delimiter = delimiter, ColumnTypes = types });

        Assert.Equal(rows, table.RowCount);
        for (var c = 0; c < columns; c++)
        {
            Assert.Equal(expected[c], ((StringColumn)table.Columns[c]).Values.ToArray());
        }
    }

    /// <summary>A non-empty value without surrounding blanks (the reader trims fields) that is not a missing marker.</summary>
    private static string RandomValue(Random random)
    {
        var builder = new StringBuilder("x");
        var length = random.Next(0, 12);
        for (var i = 0; i < length; i++)
        {
            var at = random.Next(Alphabet.Length);
            builder.Append(char.IsHighSurrogate(Alphabet[at]) ? Alphabet.Substring(at, 2) : char.IsLowSurrogate(Alphabet[at]) ? "y" : Alphabet[at].ToString());
        }

        return builder.Append('x').ToString();
    }
}
