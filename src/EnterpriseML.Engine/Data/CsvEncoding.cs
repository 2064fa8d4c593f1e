namespace EnterpriseML.Engine.Data;

/// <summary>
/// The text encodings a CSV input can be read in (<see cref="CsvOptions.Encoding"/>). Whatever the encoding, the
/// input is decoded to UTF-8 before it is parsed, so the format rules, line numbers and messages are the same.
/// </summary>
public enum CsvEncoding
{
    /// <summary>UTF-8 (<c>utf-8</c>); a leading byte-order mark is ignored; invalid bytes are an error.</summary>
    Utf8,

    /// <summary>
    /// UTF-16 (<c>utf-16</c>): a leading byte-order mark (FF FE or FE FF) decides the byte order and is dropped;
    /// without one, little-endian (what Windows calls "Unicode" text). Unpaired surrogates and an odd byte count are
    /// errors.
    /// </summary>
    Utf16,

    /// <summary>UTF-16 little-endian (<c>utf-16le</c>); a leading FF FE byte-order mark is dropped.</summary>
    Utf16LittleEndian,

    /// <summary>UTF-16 big-endian (<c>utf-16be</c>); a leading FE FF byte-order mark is dropped.</summary>
    Utf16BigEndian,

    /// <summary>
    /// Windows-1252 (<c>windows-1252</c>, alias <c>cp1252</c>), what Excel on Windows in Western locales saves as
    /// "CSV": ISO-8859-1 except bytes 0x80–0x9F, which are the euro sign, typographic quotes, dashes and a few letters.
    /// The five bytes that code page leaves unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as the control characters
    /// U+0081 … U+009D, as Windows and web browsers read them. Every byte is valid.
    /// </summary>
    Windows1252,

    /// <summary>
    /// ISO-8859-1 (<c>iso-8859-1</c>, alias <c>latin1</c>): each byte is the Unicode character of the same number.
    /// Every byte is valid; bytes 0x80–0x9F are control characters (use <see cref="Windows1252"/> when they should
    /// be € or curly quotes).
    /// </summary>
    Latin1,
}

/// <summary>The names of <see cref="CsvEncoding"/> values, as the CLI and the HTTP API take them.</summary>
public static class CsvEncodings
{
    /// <summary>The canonical names, in the order messages list them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["utf-8", "utf-16", "utf-16le", "utf-16be", "windows-1252", "iso-8859-1"];

    /// <summary>The names with their aliases, for messages: <c>utf-8, utf-16, … iso-8859-1 (or latin1)</c>.</summary>
    public static string NameList => "utf-8, utf-16, utf-16le, utf-16be, windows-1252 (or cp1252), iso-8859-1 (or latin1)";

    /// <summary>The canonical name of <paramref name="encoding"/>, for example <c>windows-1252</c>.</summary>
    public static string NameOf(CsvEncoding encoding) => encoding switch
    {
        CsvEncoding.Utf8 => "utf-8",
        CsvEncoding.Utf16 => "utf-16",
        CsvEncoding.Utf16LittleEndian => "utf-16le",
        CsvEncoding.Utf16BigEndian => "utf-16be",
        CsvEncoding.Windows1252 => "windows-1252",
        CsvEncoding.Latin1 => "iso-8859-1",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown encoding."),
    };

    /// <summary>
    /// Parses a name case-insensitively, ignoring surrounding white space: the names of <see cref="Names"/> and the
    /// aliases <c>utf8</c>, <c>utf16</c>, <c>cp1252</c>, <c>latin1</c>, <c>latin-1</c>, <c>iso8859-1</c>.
    /// </summary>
    public static bool TryParse(string? name, out CsvEncoding encoding)
    {
        encoding = CsvEncoding.Utf8;
        switch (name?.Trim().ToLowerInvariant())
        {
            case "utf-8" or "utf8":
                encoding = CsvEncoding.Utf8;
                return true;
            case "utf-16" or "utf16":
                encoding = CsvEncoding.Utf16;
                return true;
            case "utf-16le" or "utf16le":
                encoding = CsvEncoding.Utf16LittleEndian;
                return true;
            case "utf-16be" or "utf16be":
                encoding = CsvEncoding.Utf16BigEndian;
                return true;
            case "windows-1252" or "cp1252":
                encoding = CsvEncoding.Windows1252;
                return true;
            case "iso-8859-1" or "iso8859-1" or "latin1" or "latin-1":
                encoding = CsvEncoding.Latin1;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The message for a name that <see cref="TryParse"/> does not know, naming where it was given.</summary>
    /// <param name="name">The name as given.</param>
    /// <param name="setting">Where it was given, for example <c>--encoding</c>.</param>
    public static string UnknownMessage(string? name, string setting) =>
        $"{setting}: unknown text encoding '{name}'; the encodings are {NameList}.";
}

/// <summary>Decoding of CSV inputs to UTF-8, for callers that store or forward the text (the reader decodes by itself).</summary>
public static class CsvDecoding
{
    /// <summary>
    /// A read-only stream of <paramref name="stream"/>'s text as UTF-8, decoded from <see cref="CsvOptions.Encoding"/>
    /// (null: UTF-8, or UTF-16 when the input starts with a UTF-16 byte-order mark) with its line breaks kept. UTF-8
    /// input passes through unchanged, a leading UTF-8 byte-order mark included; a UTF-16 byte-order mark is dropped.
    /// Disposing it does not dispose <paramref name="stream"/>.
    /// </summary>
    /// <param name="stream">The input, read from its current position.</param>
    /// <param name="options">Its encoding, the name messages use (<see cref="CsvOptions.SourceName"/>) and <see cref="CsvOptions.EncodingSetting"/>.</param>
    /// <param name="encoding">The encoding being read: the one given, or the one a byte-order mark selected.</param>
    /// <exception cref="CsvFormatException">While reading: the input is not valid text in that encoding; the message says where.</exception>
    public static Stream ToUtf8(Stream stream, CsvOptions options, out CsvEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        var decoded = Csv.CsvDecodingStream.Open(stream, options.Encoding, options.SourceName, options.EncodingSetting);
        encoding = decoded.Encoding;
        return decoded;
    }

    /// <summary>
    /// As <see cref="ToUtf8"/>, reading asynchronously (a request body that allows no synchronous reads); the stream's
    /// <c>ReadAsync</c> reads the source asynchronously too. Returns the stream and the encoding being read.
    /// </summary>
    public static async Task<(Stream Stream, CsvEncoding Encoding)> ToUtf8Async(Stream stream, CsvOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        var decoded = await Csv.CsvDecodingStream.OpenAsync(stream, options.Encoding, options.SourceName, options.EncodingSetting, cancellationToken).ConfigureAwait(false);
        return (decoded, decoded.Encoding);
    }
}
