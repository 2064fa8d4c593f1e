using System.Text;

namespace EnterpriseML.Engine.Data;

/// <summary>
/// A delimited text input that cannot be read, with a user-facing message naming the source, the line and column
/// where known, what was expected and what was found, for example
/// <c>credit.csv, line 17: found 5 fields, expected 21.</c>
/// </summary>
public sealed class CsvFormatException : FormatException
{
    public CsvFormatException()
        : this(CsvOptions.DefaultSourceName, null, null, "the input is not valid delimited text.")
    {
    }

    public CsvFormatException(string message)
        : base(message)
    {
        SourceName = CsvOptions.DefaultSourceName;
        Detail = message;
    }

    public CsvFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        SourceName = CsvOptions.DefaultSourceName;
        Detail = message;
    }

    /// <summary>Creates the exception; the message is composed as <c>source, line L, column C: detail</c>.</summary>
    /// <param name="sourceName">The input's name (<see cref="CsvOptions.SourceName"/>).</param>
    /// <param name="line">The 1-based physical line, or null when the problem is not on one line.</param>
    /// <param name="column">The 1-based character position within the line, or null.</param>
    /// <param name="detail">What is wrong, as a sentence.</param>
    public CsvFormatException(string sourceName, long? line, int? column, string detail)
        : base(Compose(sourceName, line, column, detail))
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>The input's name, as given by <see cref="CsvOptions.SourceName"/> or the file name.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based physical line of the problem (a quoted field may span lines), or null.</summary>
    public long? Line { get; }

    /// <summary>The 1-based character position of the problem within <see cref="Line"/>, or null.</summary>
    public int? Column { get; }

    /// <summary>The message without the source/line/column prefix.</summary>
    public string Detail { get; }

    private static string Compose(string sourceName, long? line, int? column, string detail)
    {
        var builder = new StringBuilder(sourceName);
        if (line is { } l)
        {
            builder.Append(", line ").Append(l);
        }

        if (column is { } c)
        {
            builder.Append(", column ").Append(c);
        }

        return builder.Append(": ").Append(detail).ToString();
    }
}
