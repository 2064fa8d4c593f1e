using System.Globalization;
using System.Text;
using System.Text.Json;
using EnterpriseML.Engine.Data;
using static EnterpriseML.Engine.Tests.Data.CsvTestInput;

namespace EnterpriseML.Engine.Tests.Data;

/// <summary>
/// CSV inputs in Windows-1252, ISO-8859-1 and UTF-16 read as the same table as their UTF-8 text, with the file's line
/// numbers in errors; bytes that are not UTF-8 get a message naming line, field, bytes and the encoding option. The
/// encoders here are .NET's own (code page 1252 from <see cref="CodePagesEncodingProvider"/>), independent of the
/// reader's decoder.
/// </summary>
public sealed class CsvEncodingTests
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
    private static readonly CsvOptions Credit = new() { SourceName = "credit.csv" };

    /// <summary>
    /// Characters on which the encodings differ (Latin-1 letters; Windows-1252's €, curly quotes, dashes, Œ, Ÿ, ™ at
    /// 0x80–0x9F), inside quoted fields with delimiters and line breaks, with CRLF line ends.
    /// </summary>
    private static string WesternText(bool windows1252)
    {
        string[] words = windows1252
            ? ["café", "Müller", "€ 12,50", "“quoted”", "it’s", "Œuvre – première", "Ÿvonne™", "naïve…", "señor—sí", "Ærø"]
            : ["café", "Müller", "12,50 ¤", "«quoted»", "it's", "Øre ½", "Ývonne ©", "naïve", "señor ¿sí?", "Ærø"];
        var text = new StringBuilder("name,city,note,amount,label\r\n");
        for (var i = 0; i < 60; i++)
        {
            var word = words[i % words.Length];
            var note = i % 7 == 0 ? $"\"{word},\r\n{words[(i + 3) % words.Length]}\"" : $"\"{word}\"";
            text.Append(words[(i * 3) % words.Length].Replace(",", "", StringComparison.Ordinal)).Append(',')
                .Append(i % 2 == 0 ? "Zürich" : "Köln").Append(',')
                .Append(note).Append(',')
                .Append((i * 1.5).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(i % 3 == 0 ? "oui" : "non").Append("\r\n");
        }

        return text.ToString();
    }

    /// <summary>The shared sentiment file, whose few non-ASCII characters include Windows-1252 text once misread as Latin-1 (U+0096 for '–').</summary>
    private static string Sentiment() => File.ReadAllText(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv"), Encoding.UTF8);

    /// <summary>The sentiment file with its misread characters put back (U+0080–U+009F as the Windows-1252 characters they were).</summary>
    private static string SentimentRepaired()
    {
        var text = Sentiment().ToCharArray();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is >= '\u0080' and <= '\u009f')
            {
                text[i] = Windows1252.GetString([(byte)text[i]])[0];
            }
        }

        return new string(text);
    }

    public static TheoryData<string, string?, int> Encodings => new()
    {
        { "western-1252", "windows-1252", 0 },
        { "western-1252", "WINDOWS-1252", 5 },
        { "western-1252", "cp1252", 3 },
        { "western-latin1", "iso-8859-1", 0 },
        { "western-latin1", "latin1", 7 },
        { "western-1252", "utf-16", 0 },
        { "western-1252", "utf-16", 3 },
        { "western-1252", "utf-16be-bom", 5 },
        { "western-1252", "utf-16-nobom", 0 },
        { "western-1252", "utf-16le", 1 },
        { "western-1252", "utf-16be", 3 },
        { "western-1252", null, 0 },
        { "western-1252", "auto-be", 7 },
        { "sentiment-1252", "windows-1252", 0 },
        { "sentiment-latin1", "iso-8859-1", 0 },
        { "sentiment-latin1", "utf-16", 11 },
    };

    /// <summary>
    /// The same text encoded each way reads as the same table (names, types, every value) and the same profile as
    /// its UTF-8 bytes; <paramref name="chunk"/> &gt; 0 hands the bytes out a few at a time (characters and surrogate
    /// pairs split across reads).
    /// </summary>
    [Theory]
    [MemberData(nameof(Encodings))]
    public void Read_EncodedText_SameTableAndProfileAsUtf8(string data, string? encoding, int chunk)
    {
        var text = data switch
        {
            "western-1252" => WesternText(windows1252: true),
            "western-latin1" => WesternText(windows1252: false),
            "sentiment-1252" => SentimentRepaired(),
            _ => Sentiment(),
        };
        var (bytes, option, expected) = encoding switch
        {
            null => (Concat(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes(text)), (CsvEncoding?)null, CsvEncoding.Utf16),
            "auto-be" => (Concat(Encoding.BigEndianUnicode.GetPreamble(), Encoding.BigEndianUnicode.GetBytes(text)), null, CsvEncoding.Utf16),
            "utf-16" => (Concat(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes(text)), CsvEncoding.Utf16, CsvEncoding.Utf16),
            "utf-16be-bom" => (Concat(Encoding.BigEndianUnicode.GetPreamble(), Encoding.BigEndianUnicode.GetBytes(text)), CsvEncoding.Utf16, CsvEncoding.Utf16),
            "utf-16-nobom" => (Encoding.Unicode.GetBytes(text), CsvEncoding.Utf16, CsvEncoding.Utf16),
            "utf-16le" => (Encoding.Unicode.GetBytes(text), CsvEncoding.Utf16LittleEndian, CsvEncoding.Utf16LittleEndian),
            "utf-16be" => (Encoding.BigEndianUnicode.GetBytes(text), CsvEncoding.Utf16BigEndian, CsvEncoding.Utf16BigEndian),
            _ when CsvEncodings.TryParse(encoding, out var parsed) => (
                parsed == CsvEncoding.Windows1252 ? Windows1252.GetBytes(text) : Encoding.Latin1.GetBytes(text), parsed, parsed),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "No such case."),
        };
        Assert.NotEqual(Encoding.UTF8.GetBytes(text), bytes);
        Stream Input() => chunk > 0 ? Trickle(bytes, chunk) : new MemoryStream(bytes);
        var options = new CsvOptions { SourceName = "encoded.csv", Encoding = option };

        var utf8 = CsvTable.Read(Utf8(text), new CsvOptions { SourceName = "encoded.csv" });
        var decoded = CsvTable.Read(Input(), options);

        AssertSameTable(utf8, decoded);
        var utf8Profile = DatasetProfiler.Profile(Utf8(text));
        var profile = DatasetProfiler.Profile(Input(), options);
        Assert.Equal(JsonSerializer.Serialize(utf8Profile.Columns), JsonSerializer.Serialize(profile.Columns));
        Assert.Equal(CsvEncoding.Utf8, utf8Profile.Encoding);
        Assert.Equal(expected, profile.Encoding);
    }

    [Fact]
    public void Read_Windows1252_EveryHighByteIsCodePage1252sCharacter()
    {
        // One row per byte 0x80–0xFF, each between letters so that trimming and missing markers do not touch it.
        var bytes = new List<byte>("v\n"u8.ToArray());
        for (var b = 0x80; b <= 0xFF; b++)
        {
            bytes.AddRange([(byte)'x', (byte)b, (byte)'x', (byte)'\n']);
        }

        var table = CsvTable.Read(new MemoryStream([.. bytes]), new CsvOptions { Encoding = CsvEncoding.Windows1252, ColumnTypes = new Dictionary<string, ColumnType> { ["v"] = ColumnType.Text } });

        var values = ((StringColumn)table.Columns[0]).Values.ToArray();
        for (var b = 0x80; b <= 0xFF; b++)
        {
            Assert.Equal("x" + Windows1252.GetString([(byte)b]) + "x", values[b - 0x80]);
        }
    }

    [Fact]
    public void Read_Latin1_EveryHighByteIsTheSameCodePoint()
    {
        var bytes = new List<byte>("v\n"u8.ToArray());
        for (var b = 0x80; b <= 0xFF; b++)
        {
            bytes.AddRange([(byte)'x', (byte)b, (byte)'x', (byte)'\n']);
        }

        var table = CsvTable.Read(new MemoryStream([.. bytes]), new CsvOptions { Encoding = CsvEncoding.Latin1, ColumnTypes = new Dictionary<string, ColumnType> { ["v"] = ColumnType.Text } });

        var values = ((StringColumn)table.Columns[0]).Values.ToArray();
        for (var b = 0x80; b <= 0xFF; b++)
        {
            Assert.Equal($"x{(char)b}x", values[b - 0x80]);
        }
    }

    /// <summary>Errors in decoded input name the file's lines: a quoted field over two lines in Windows-1252, then a ragged row on line 5.</summary>
    [Fact]
    public void Read_Windows1252RaggedRow_NamesTheFilesLine()
    {
        var bytes = Windows1252.GetBytes("a,b,c\r\n1,\"€ two\r\nlines\",3\r\n4,5,6\r\n7,8\r\n");

        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(new MemoryStream(bytes), Credit.With(CsvEncoding.Windows1252)));

        Assert.Equal("credit.csv, line 5: found 2 fields, expected 3.", error.Message);
    }

    /// <summary>The column of an error counts characters of the decoded text: '€' is one byte in Windows-1252, three in UTF-8, two in UTF-16, one character.</summary>
    [Theory]
    [InlineData("windows-1252")]
    [InlineData("utf-16")]
    public void Read_EncodedStrayQuote_ColumnCountsCharacters(string encoding)
    {
        const string text = "a,b\n1,\"€é\"x\n";
        var bytes = encoding == "utf-16" ? Concat(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes(text)) : Windows1252.GetBytes(text);
        Assert.True(CsvEncodings.TryParse(encoding, out var parsed));

        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(new MemoryStream(bytes), Credit.With(parsed)));

        Assert.Equal((2L, 7), (error.Line, error.Column));
        Assert.StartsWith("credit.csv, line 2, column 7: unexpected character 'x' after the closing quote", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotUtf8_NamesLineFieldBytesAndTheOption()
    {
        // "café" in Windows-1252 in the third field of line 3, after a quoted field holding a delimiter.
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes("id,note,city\n1,x,Paris\n2,\"a,b\",caf"u8.ToArray(), [0xE9], "\n"u8.ToArray()), Credit));

        Assert.Equal(
            "credit.csv, line 3, column 12: the input is not UTF-8 text: field 3 holds byte 0xE9 ('é' in Windows-1252) at byte offset 34; "
            + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set CsvOptions.Encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8.",
            error.Message);
        Assert.Equal((3L, 12), (error.Line, error.Column));
    }

    [Fact]
    public void Read_NotUtf8_NamesTheCallersSettingAndTheBadSequence()
    {
        // The euro sign's UTF-8 lead bytes cut short by a comma: two bytes that begin a character and do not end it.
        var options = new CsvOptions { SourceName = "prices.csv", EncodingSetting = "--encoding" };

        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(Bytes("price,label\n"u8.ToArray(), [0xE2, 0x82], ",yes\n"u8.ToArray()), options));

        Assert.Equal(
            "prices.csv, line 2, column 1: the input is not UTF-8 text: field 1 holds bytes 0xE2 0x82 at byte offset 12; "
            + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set --encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8.",
            error.Message);
    }

    [Fact]
    public void Read_NotUtf8WithUtf8Given_SaysTheSettingSaysUtf8()
    {
        var options = new CsvOptions { SourceName = "euro.csv", Encoding = CsvEncoding.Utf8, EncodingSetting = "--encoding" };

        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(new MemoryStream(Windows1252.GetBytes("a,b\n€,1\n")), options));

        Assert.Equal(
            "euro.csv, line 2, column 1: the input is not UTF-8 text: field 1 holds byte 0x80 ('€' in Windows-1252) at byte offset 4; "
            + "--encoding says UTF-8; if the file is Windows-1252 or ISO-8859-1 text, set it to windows-1252 or iso-8859-1.",
            error.Message);
    }

    [Fact]
    public void Read_Utf16MarkWithUtf8Given_SaysUtf16()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes("a,b\n1,2\n")), Credit.With(CsvEncoding.Utf8)));

        Assert.Equal("credit.csv: the input is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8 as CsvOptions.Encoding says; set it to utf-16 or leave it unset.", error.Message);
    }

    [Fact]
    public void Read_Utf16UnpairedSurrogate_NamesLineColumnAndOffset()
    {
        // Line 2, after "1,ab": a high surrogate followed by 'c' instead of a low one; byte offset 2 (mark) + 2 × 8.
        var text = Encoding.Unicode.GetBytes("x,y\n1,ab");
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes(Encoding.Unicode.GetPreamble(), text, [0x3D, 0xD8, (byte)'c', 0], Encoding.Unicode.GetBytes("\n")), Credit.With(CsvEncoding.Utf16)));

        Assert.Equal("credit.csv, line 2, column 5: the input is not valid utf-16 text: bytes 0x3D 0xD8 0x63 0x00 at byte offset 18 are a high surrogate (U+D83D) followed by U+0063 instead of a low surrogate.", error.Message);
    }

    [Fact]
    public void Read_Utf16LoneLowSurrogate_IsAnError()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes(Encoding.BigEndianUnicode.GetBytes("x\n"), [0xDC, 0x00], Encoding.BigEndianUnicode.GetBytes("\n")), Credit.With(CsvEncoding.Utf16BigEndian)));

        Assert.Equal("credit.csv, line 2, column 1: the input is not valid utf-16be text: bytes 0xDC 0x00 at byte offset 4 are a low surrogate (U+DC00) without the high surrogate that must precede it.", error.Message);
    }

    [Fact]
    public void Read_Utf16OddLength_IsAnError()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes("x\n1\n"), [0x41]), Credit));

        Assert.Equal("credit.csv, line 3, column 1: the input is not valid utf-16 text: byte 0x41 at byte offset 10 is a single byte at the end of the input (UTF-16 text has an even number of bytes).", error.Message);
    }

    [Fact]
    public void Read_Utf16LittleEndianGivenBigEndianMark_SaysSo()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes(Encoding.BigEndianUnicode.GetPreamble(), Encoding.BigEndianUnicode.GetBytes("a\n1\n")), Credit.With(CsvEncoding.Utf16LittleEndian)));

        Assert.Equal("credit.csv: the input starts with a UTF-16 big-endian byte-order mark (FE FF), but CsvOptions.Encoding is utf-16le; set it to utf-16 to let the mark decide.", error.Message);
    }

    [Fact]
    public void Read_Windows1252GivenUtf8Mark_SaysUtf8()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(
            Bytes(Encoding.UTF8.GetPreamble(), "a\nb\n"u8.ToArray()), Credit.With(CsvEncoding.Windows1252)));

        Assert.Equal("credit.csv: the input starts with a UTF-8 byte-order mark, so it is UTF-8 text, not windows-1252 as CsvOptions.Encoding says; set it to utf-8 or leave it unset.", error.Message);
    }

    /// <summary>The size limit counts the input's bytes, not the longer UTF-8 text they decode to.</summary>
    [Fact]
    public void Read_MaxBytes_CountsTheEncodedBytes()
    {
        // 4 + 3 × 100 bytes of Windows-1252 are 4 + 3 × 300 bytes of UTF-8.
        var bytes = Windows1252.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("€,\n", 100)));

        var table = CsvTable.Read(new MemoryStream(bytes), new CsvOptions { Encoding = CsvEncoding.Windows1252, MaxBytes = bytes.Length });

        Assert.Equal(100, table.RowCount);
        Assert.Throws<CsvFormatException>(() => CsvTable.Read(Trickle(bytes), new CsvOptions { Encoding = CsvEncoding.Windows1252, MaxBytes = bytes.Length - 1 }));
    }

    [Theory]
    [InlineData("utf-8", CsvEncoding.Utf8)]
    [InlineData(" UTF8 ", CsvEncoding.Utf8)]
    [InlineData("Utf-16", CsvEncoding.Utf16)]
    [InlineData("utf-16LE", CsvEncoding.Utf16LittleEndian)]
    [InlineData("UTF-16BE", CsvEncoding.Utf16BigEndian)]
    [InlineData("Windows-1252", CsvEncoding.Windows1252)]
    [InlineData("cp1252", CsvEncoding.Windows1252)]
    [InlineData("ISO-8859-1", CsvEncoding.Latin1)]
    [InlineData("latin1", CsvEncoding.Latin1)]
    [InlineData("LATIN-1", CsvEncoding.Latin1)]
    public void TryParse_NamesAndAliases_CaseInsensitive(string name, CsvEncoding expected)
    {
        Assert.True(CsvEncodings.TryParse(name, out var encoding));
        Assert.Equal(expected, encoding);
        Assert.True(CsvEncodings.TryParse(CsvEncodings.NameOf(encoding), out var again));
        Assert.Equal(encoding, again);
    }

    [Theory]
    [InlineData("ascii")]
    [InlineData("utf-32")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnknownName_False(string? name)
    {
        Assert.False(CsvEncodings.TryParse(name, out _));
        Assert.Equal(
            $"--encoding: unknown text encoding '{name}'; the encodings are utf-8, utf-16, utf-16le, utf-16be, windows-1252 (or cp1252), iso-8859-1 (or latin1).",
            CsvEncodings.UnknownMessage(name, "--encoding"));
    }

    [Fact]
    public void Encoding_Undefined_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CsvOptions { Encoding = (CsvEncoding)42 });

        Assert.Equal("Encoding", error.ParamName);
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];

    private static void AssertSameTable(DataTable expected, DataTable actual)
    {
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.Columns.Select(c => (c.Name, c.Type)), actual.Columns.Select(c => (c.Name, c.Type)));
        for (var i = 0; i < expected.Columns.Count; i++)
        {
            switch (expected.Columns[i])
            {
                case NumericColumn numbers:
                    Assert.Equal(numbers.Values.ToArray(), ((NumericColumn)actual.Columns[i]).Values.ToArray());
                    break;
                case StringColumn strings:
                    Assert.Equal(strings.Values.ToArray(), ((StringColumn)actual.Columns[i]).Values.ToArray());
                    break;
                case DateTimeColumn dates:
                    Assert.Equal(dates.Ticks.ToArray(), ((DateTimeColumn)actual.Columns[i]).Ticks.ToArray());
                    break;
            }

            Assert.Equal(Enumerable.Range(0, expected.RowCount).Select(r => expected.Columns[i].LineOf(r)), Enumerable.Range(0, actual.RowCount).Select(r => actual.Columns[i].LineOf(r)));
        }
    }
}

internal static class CsvOptionsEncodingExtensions
{
    /// <summary>A copy of the source name with <paramref name="encoding"/> set.</summary>
    public static CsvOptions With(this CsvOptions options, CsvEncoding encoding) => new() { SourceName = options.SourceName, Encoding = encoding };
}
