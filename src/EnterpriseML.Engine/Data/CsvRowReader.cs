using System.Globalization;
using System.Text;
using EnterpriseML.Engine.Data.Csv;

namespace EnterpriseML.Engine.Data;

/// <summary>
/// A forward-only, row-at-a-time reader of a delimited UTF-8 input with the same format rules and validation as
/// <see cref="CsvTable"/> (header checks, field counts, UTF-8, size limit), for inputs that should not be held in
/// memory, such as scoring a large file row by row. Fields are read straight from the reader's buffer: a numeric
/// field costs no allocation. Not thread-safe; the row's values are valid until the next <see cref="Read"/>.
/// </summary>
/// <example>
/// <code>
/// using var rows = CsvRowReader.Open(File.OpenRead("scores.csv"));
/// var amount = rows.GetOrdinal("amount");
/// while (rows.Read()) { float value = rows.GetSingle(amount); }
/// </code>
/// </example>
public sealed class CsvRowReader : IDisposable
{
    private readonly Utf8CsvReader _reader;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly string[] _names;
    private readonly Dictionary<string, int> _ordinals;

    private CsvRowReader(Stream stream, bool ownsStream, CsvOptions options, string sourceName, CancellationToken cancellationToken)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        try
        {
            _reader = new Utf8CsvReader(stream, options, sourceName, cancellationToken);
            _names = CsvIngest.ReadHeader(_reader, options);
        }
        catch
        {
            Dispose();
            throw;
        }

        _ordinals = new Dictionary<string, int>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            _ordinals[_names[i]] = i;
        }
    }

    /// <summary>The column names from the header, in order.</summary>
    public IReadOnlyList<string> ColumnNames => _names;

    /// <summary>The delimiter in use (given or detected).</summary>
    public char Delimiter => (char)_reader.Delimiter;

    /// <summary>The number of data rows read so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>The 1-based line on which the current row starts.</summary>
    public long Line => _reader.RecordLine;

    /// <summary>Reads the header of <paramref name="stream"/>.</summary>
    /// <param name="stream">UTF-8 delimited text with a header line.</param>
    /// <param name="options">Reading options; null for the defaults. <see cref="CsvOptions.ColumnTypes"/> only has its names checked.</param>
    /// <param name="leaveOpen">False (default) to dispose <paramref name="stream"/> with the reader.</param>
    /// <param name="cancellationToken">Checked once per block of input read (about 1 MiB).</param>
    /// <exception cref="CsvFormatException">The header is missing or invalid.</exception>
    public static CsvRowReader Open(Stream stream, CsvOptions? options = null, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new CsvOptions();
        return new CsvRowReader(stream, ownsStream: !leaveOpen, options, options.SourceName, cancellationToken);
    }

    /// <summary>Opens the file at <paramref name="path"/> (gzip-decompressed when it ends in <c>.gz</c>).</summary>
    /// <exception cref="CsvFormatException">The header is missing or invalid.</exception>
    public static CsvRowReader Open(string path, CsvOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CsvOptions();
        return new CsvRowReader(CsvIngest.OpenFile(path), ownsStream: true, options, CsvIngest.SourceNameFor(path, options), cancellationToken);
    }

    /// <summary>The index of column <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such column; the message lists the columns.</exception>
    public int GetOrdinal(string name) => _ordinals.TryGetValue(name, out var i)
        ? i
        : throw new KeyNotFoundException($"No column named '{name}' in {_reader.SourceName}. Columns: {string.Join(", ", _names)}.");

    /// <summary>Advances to the next row; false at the end of the input.</summary>
    /// <exception cref="CsvFormatException">The row is malformed (field count, quoting, encoding, size).</exception>
    public bool Read()
    {
        if (!_reader.Read())
        {
            return false;
        }

        if (_reader.FieldCount != _names.Length)
        {
            throw CsvIngest.RaggedRow(_reader, _names.Length);
        }

        RowCount++;
        return true;
    }

    /// <summary>The trimmed UTF-8 bytes of field <paramref name="column"/> of the current row.</summary>
    public ReadOnlySpan<byte> GetUtf8(int column) => CsvValues.Trim(_reader.Field(CheckColumn(column)));

    /// <summary>True when the field is empty or a missing marker (<c>NA</c>, <c>N/A</c>, <c>null</c>, <c>?</c>, <c>NaN</c>).</summary>
    public bool IsMissing(int column) => CsvValues.IsMissing(GetUtf8(column));

    /// <summary>The trimmed field as a string, or null when it is missing.</summary>
    public string? GetString(int column)
    {
        var value = GetUtf8(column);
        return CsvValues.IsMissing(value) ? null : Encoding.UTF8.GetString(value);
    }

    /// <summary>The field as a culture-invariant number; NaN when missing.</summary>
    /// <exception cref="CsvFormatException">The field is present but not a number.</exception>
    public float GetSingle(int column)
    {
        var value = GetUtf8(column);
        if (CsvValues.IsMissing(value))
        {
            return float.NaN;
        }

        if (CsvValues.TryParseSingle(value, out var number))
        {
            return number;
        }

        throw NotA(column, value, "a number");
    }

    /// <summary>
    /// The field as a boolean (true/false, yes/no, y/n, t/f, 1/0, any case) coded 1/0, or another number as it is (as
    /// <see cref="CsvTable"/> reads a column set to <see cref="ColumnType.Boolean"/>); NaN when missing.
    /// </summary>
    /// <exception cref="CsvFormatException">The field is present but neither a boolean nor a number.</exception>
    public float GetBoolean(int column)
    {
        var value = GetUtf8(column);
        if (CsvValues.IsMissing(value))
        {
            return float.NaN;
        }

        if (CsvValues.TryParseBoolean(value, out var flag))
        {
            return flag ? 1f : 0f;
        }

        if (CsvValues.TryParseSingle(value, out var number))
        {
            return number;
        }

        throw NotA(column, value, "a boolean or a number");
    }

    /// <summary>The field as UTC ticks (the date forms <see cref="CsvTable"/> reads); <see cref="DateTimeColumn.Missing"/> when missing.</summary>
    /// <exception cref="CsvFormatException">The field is present but not a date/time.</exception>
    public long GetDateTimeTicks(int column)
    {
        var value = GetUtf8(column);
        if (CsvValues.IsMissing(value))
        {
            return DateTimeColumn.Missing;
        }

        if (CsvValues.TryParseDateTime(value, out var ticks))
        {
            return ticks;
        }

        throw NotA(column, value, "a date/time");
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private CsvFormatException NotA(int column, ReadOnlySpan<byte> value, string expected)
    {
        var shown = Encoding.UTF8.GetString(value.Length > 40 ? value[..40] : value);
        return new CsvFormatException(_reader.SourceName, _reader.RecordLine, null, string.Create(CultureInfo.InvariantCulture,
            $"column '{_names[column]}' holds '{shown}', which is not {expected}."));
    }

    private int CheckColumn(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, _names.Length);
        if (RowCount == 0)
        {
            throw new InvalidOperationException("Call Read() before reading fields.");
        }

        return column;
    }
}
