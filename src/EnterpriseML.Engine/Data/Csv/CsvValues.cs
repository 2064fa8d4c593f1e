using System.Globalization;

namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// Culture-invariant parsing of single CSV fields, straight from UTF-8 bytes (no string per field).
/// </summary>
internal static class CsvValues
{
    private const DateTimeStyles DateStyles =
        DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    /// <summary>What a field is trimmed of: ASCII spaces and tabs.</summary>
    private static readonly char[] Padding = [' ', '\t'];

    /// <summary>The field without leading and trailing ASCII spaces and tabs.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> field)
    {
        var start = 0;
        var end = field.Length;
        while (start < end && IsPadding(field[start]))
        {
            start++;
        }

        while (end > start && IsPadding(field[end - 1]))
        {
            end--;
        }

        return field[start..end];
    }

    /// <summary>
    /// <paramref name="value"/> without the padding <see cref="Trim(ReadOnlySpan{byte})"/> takes off a field, for text
    /// that must match what the reader stored (an id typed on a command line).
    /// </summary>
    public static string Trim(string value) => value.Trim(Padding);

    private static bool IsPadding(int c) => c is ' ' or '\t';

    /// <summary>
    /// True for a missing value: an empty (or blank) field, <c>NA</c>, <c>N/A</c>, <c>null</c>, <c>NULL</c>,
    /// <c>Null</c>, <c>?</c>, <c>NaN</c> or <c>nan</c>. Expects a trimmed field.
    /// </summary>
    public static bool IsMissing(ReadOnlySpan<byte> trimmed) => trimmed.Length switch
    {
        0 => true,
        1 => trimmed[0] == '?',
        2 => trimmed.SequenceEqual("NA"u8),
        3 => trimmed.SequenceEqual("N/A"u8) || trimmed.SequenceEqual("NaN"u8) || trimmed.SequenceEqual("nan"u8),
        4 => trimmed.SequenceEqual("null"u8) || trimmed.SequenceEqual("NULL"u8) || trimmed.SequenceEqual("Null"u8),
        _ => false,
    };

    /// <summary>
    /// Parses a number within the range of <see cref="float"/>, culture-invariant (<c>.</c> decimal point, optional
    /// exponent); infinities and NaN are rejected.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> trimmed, out double value)
    {
        if (TryParseInteger(trimmed, out var integer))
        {
            value = integer;
            return true;
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            && Math.Abs(value) <= float.MaxValue;
    }

    /// <summary>Parses a number that <see cref="TryParseDouble"/> accepts, correctly rounded to <see cref="float"/>.</summary>
    public static bool TryParseSingle(ReadOnlySpan<byte> trimmed, out float value)
    {
        if (TryParseInteger(trimmed, out var integer))
        {
            value = integer;
            return true;
        }

        if (float.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value))
        {
            return true;
        }

        value = float.NaN;
        return false;
    }

    /// <summary>The fast path for the commonest numeric field: an optionally signed integer of at most 15 digits.</summary>
    private static bool TryParseInteger(ReadOnlySpan<byte> trimmed, out long value)
    {
        value = 0;
        if (trimmed.Length is 0 or > 15)
        {
            return false;
        }

        var negative = trimmed[0] == '-';
        var i = negative || trimmed[0] == '+' ? 1 : 0;
        if (i == trimmed.Length)
        {
            return false;
        }

        long integer = 0;
        for (; i < trimmed.Length; i++)
        {
            var digit = trimmed[i] - (byte)'0';
            if ((uint)digit > 9)
            {
                return false;
            }

            integer = (integer * 10) + digit;
        }

        value = negative ? -integer : integer;
        return true;
    }

    /// <summary>Parses a boolean token, case-insensitively: true/false, yes/no, y/n, t/f, 1/0.</summary>
    public static bool TryParseBoolean(ReadOnlySpan<byte> trimmed, out bool value)
    {
        value = false;
        switch (trimmed.Length)
        {
            case 1:
                var c = trimmed[0];
                if (c is (byte)'1' or (byte)'y' or (byte)'Y' or (byte)'t' or (byte)'T')
                {
                    value = true;
                    return true;
                }

                return c is (byte)'0' or (byte)'n' or (byte)'N' or (byte)'f' or (byte)'F';
            case 2:
                return EqualsIgnoreCase(trimmed, "no"u8);
            case 3:
                value = EqualsIgnoreCase(trimmed, "yes"u8);
                return value;
            case 4:
                value = EqualsIgnoreCase(trimmed, "true"u8);
                return value;
            case 5:
                return EqualsIgnoreCase(trimmed, "false"u8);
            default:
                return false;
        }
    }

    /// <summary>
    /// Parses a date or timestamp that starts like <c>yyyy-MM-dd</c>, <c>yyyy/MM/dd</c> or <c>MM/dd/yyyy</c>
    /// (optionally with a time and offset), as UTC ticks. Plain numbers are never dates.
    /// </summary>
    public static bool TryParseDateTime(ReadOnlySpan<byte> trimmed, out long ticks)
    {
        ticks = 0;
        if (trimmed.Length is < 8 or > 40 || !LooksLikeDate(trimmed))
        {
            return false;
        }

        Span<char> chars = stackalloc char[trimmed.Length];
        for (var i = 0; i < trimmed.Length; i++)
        {
            if (trimmed[i] > 0x7F)
            {
                return false;
            }

            chars[i] = (char)trimmed[i];
        }

        if (!DateTime.TryParse(chars, CultureInfo.InvariantCulture, DateStyles, out var parsed))
        {
            return false;
        }

        ticks = parsed.Ticks;
        return true;
    }

    private static bool LooksLikeDate(ReadOnlySpan<byte> s)
    {
        // yyyy-M-d or yyyy/M/d
        if (IsDigit(s[0]) && IsDigit(s[1]) && IsDigit(s[2]) && IsDigit(s[3]) && s[4] is (byte)'-' or (byte)'/')
        {
            return IsDigit(s[5]);
        }

        // M/d/yyyy or M-d-yyyy
        var i = 0;
        while (i < 2 && IsDigit(s[i]))
        {
            i++;
        }

        if (i == 0 || s[i] is not ((byte)'/' or (byte)'-'))
        {
            return false;
        }

        var separator = s[i++];
        var j = i;
        while (j < i + 2 && IsDigit(s[j]))
        {
            j++;
        }

        return j > i && j + 4 < s.Length && s[j] == separator
            && IsDigit(s[j + 1]) && IsDigit(s[j + 2]) && IsDigit(s[j + 3]) && IsDigit(s[j + 4]);
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerAscii)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if ((value[i] | 0x20) != lowerAscii[i])
            {
                return false;
            }
        }

        return true;
    }
}
