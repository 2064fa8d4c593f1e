namespace EnterpriseML.Engine.Data;

/// <summary>
/// The rules that give each CSV column its <see cref="ColumnType"/> when <see cref="CsvOptions.ColumnTypes"/> does
/// not. Missing values (empty, <c>NA</c>, <c>N/A</c>, <c>null</c>, <c>?</c>, <c>NaN</c>) are ignored; over the
/// others, the first rule that holds wins:
/// <list type="number">
/// <item><see cref="ColumnType.Boolean"/>: every value is true/false, yes/no, y/n, t/f or 1/0 (any case);</item>
/// <item><see cref="ColumnType.Numeric"/>: every value is a finite culture-invariant number (a column with no
/// values at all is Numeric too);</item>
/// <item><see cref="ColumnType.DateTime"/>: every value is a date or timestamp such as <c>2024-03-01</c>,
/// <c>2024-03-01T12:00:00Z</c> or <c>03/01/2024</c> (month first); stored as UTC ticks, a timestamp without an offset
/// taken as UTC;</item>
/// <item><see cref="ColumnType.Text"/>: values average at least <see cref="TextMinimumMeanWords"/> words (space-separated,
/// plus one per <see cref="CjkCharactersPerWord"/> Chinese or Japanese characters) and either
/// at least <see cref="TextAlwaysMeanLength"/> bytes, or at least <see cref="TextMinimumMeanLength"/> bytes with at
/// least <see cref="TextMinimumDistinctShare"/> of them distinct;</item>
/// <item><see cref="ColumnType.Categorical"/> otherwise.</item>
/// </list>
/// </summary>
public static class SchemaInference
{
    /// <summary>The date and timestamp forms a column is read as <see cref="ColumnType.DateTime"/> in, for error messages.</summary>
    public const string DateForms = "yyyy-MM-dd or yyyy/MM/dd, or MM/dd/yyyy (month first), each optionally followed by a time (HH:mm[:ss]) and an offset (Z, ±hh:mm)";

    /// <summary>Text needs at least this many words per value on average (3).</summary>
    public const double TextMinimumMeanWords = 3;

    /// <summary>
    /// Chinese and Japanese characters (U+3000–U+9FFF) per word when counting words: those scripts put no spaces between
    /// words, which average about two characters, so a 12-character review counts as 6 words while a 2-character
    /// category stays under <see cref="TextMinimumMeanWords"/>.
    /// </summary>
    public const double CjkCharactersPerWord = 2;

    /// <summary>Values at least this long on average (in UTF-8 bytes) are text whatever their repetition (64).</summary>
    public const double TextAlwaysMeanLength = 64;

    /// <summary>The shortest mean length (UTF-8 bytes) of a text column whose values rarely repeat (20).</summary>
    public const double TextMinimumMeanLength = 20;

    /// <summary>The smallest share of distinct values among present values for shorter text (0.5).</summary>
    public const double TextMinimumDistinctShare = 0.5;

    /// <summary>
    /// Parses a value the way a <see cref="ColumnType.Boolean"/> column stores it: true/yes/y/t/1 → true and
    /// false/no/n/f/0 → false, any case, surrounding spaces ignored. Lets a caller map a user-given class name such as
    /// <c>Yes</c> to the stored 1.
    /// </summary>
    public static bool TryParseBoolean(string value, out bool result)
    {
        ArgumentNullException.ThrowIfNull(value);
        Span<byte> bytes = stackalloc byte[8];
        result = false;
        return TryAscii(value.AsSpan().Trim(), bytes, out var length) && Csv.CsvValues.TryParseBoolean(bytes[..length], out result);
    }

    /// <summary>True when <paramref name="value"/> is one of the missing-value markers: empty or blank, <c>NA</c>,
    /// <c>N/A</c>, <c>null</c>, <c>NULL</c>, <c>Null</c>, <c>?</c>, <c>NaN</c>, <c>nan</c>.</summary>
    public static bool IsMissing(string? value)
    {
        if (value is null)
        {
            return true;
        }

        var trimmed = value.AsSpan().Trim();
        Span<byte> bytes = stackalloc byte[4];
        if (trimmed.Length > bytes.Length)
        {
            return false;
        }

        for (var i = 0; i < trimmed.Length; i++)
        {
            bytes[i] = trimmed[i] > '\u007f' ? (byte)0 : (byte)trimmed[i];
        }

        return Csv.CsvValues.IsMissing(bytes[..trimmed.Length]);
    }

    /// <summary>
    /// Parses a date or timestamp exactly as a CSV field of a <see cref="ColumnType.DateTime"/> column is read (training
    /// and CSV scoring): one of the <see cref="DateForms"/> after trimming leading and trailing spaces and tabs, as UTC
    /// ticks. Anything else, a month name ("Jan 5 2019") or a bare time included, is not a date.
    /// </summary>
    public static bool TryParseDateTime(string value, out long ticks)
    {
        ArgumentNullException.ThrowIfNull(value);
        ticks = 0;

        // The CSV reader takes at most 40 bytes; anything outside ASCII is not a date there either.
        Span<byte> bytes = stackalloc byte[40];
        return TryAscii(value.AsSpan().Trim(" \t"), bytes, out var length) && Csv.CsvValues.TryParseDateTime(bytes[..length], out ticks);
    }

    /// <summary>
    /// Copies <paramref name="text"/> into <paramref name="bytes"/> as the CSV reader would see it; false when it is
    /// longer than <paramref name="bytes"/> or not ASCII (no value the reader parses is).
    /// </summary>
    private static bool TryAscii(ReadOnlySpan<char> text, Span<byte> bytes, out int length)
    {
        length = text.Length;
        if (text.Length > bytes.Length)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > '\u007f')
            {
                return false;
            }

            bytes[i] = (byte)text[i];
        }

        return true;
    }
}
