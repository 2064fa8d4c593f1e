using EnterpriseML.Engine.Data.Csv;

namespace EnterpriseML.Engine.Data;

/// <summary>
/// Reads a delimited text file (RFC 4180: quoted fields with doubled quotes and line breaks; CRLF, LF or CR line
/// ends; optional byte-order mark; UTF-8 unless <see cref="CsvOptions.Encoding"/> names another encoding) into a typed
/// <see cref="DataTable"/>. The first line holds the column names. Column
/// types are inferred by <see cref="SchemaInference"/>'s rules unless <see cref="CsvOptions.ColumnTypes"/> sets
/// them. Numbers are parsed culture-invariant into <see cref="float"/> (NaN = missing), booleans into 0/1,
/// timestamps into UTC ticks; categorical levels share one string instance per distinct value.
/// </summary>
/// <remarks>
/// One streaming pass keeps each column's trimmed field bytes in compact chunks (about the file size plus one byte per
/// field) and its statistics; the typed columns are built afterwards, one at a time. Either a complete table is
/// returned or a <see cref="CsvFormatException"/> is thrown: ragged rows, an empty input, a header without rows (unless
/// <see cref="CsvOptions.AllowHeaderOnly"/>), empty
/// or duplicate column names, bytes that are not UTF-8, more than <see cref="CsvOptions.MaxBytes"/> bytes or
/// <see cref="CsvOptions.MaxColumns"/> columns, and values that contradict an overridden type.
/// </remarks>
public static class CsvTable
{
    /// <summary>Reads the file at <paramref name="path"/> (gzip-decompressed when it ends in <c>.gz</c>).</summary>
    /// <exception cref="CsvFormatException">The file is not a valid table; the message says where and why.</exception>
    public static DataTable Read(string path, CsvOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CsvOptions();
        using var stream = CsvIngest.OpenFile(path);
        return Read(stream, options, CsvIngest.SourceNameFor(path, options), cancellationToken);
    }

    /// <summary>Reads a table from <paramref name="stream"/>, to its end. The stream is not disposed.</summary>
    /// <exception cref="CsvFormatException">The input is not a valid table; the message says where and why.</exception>
    public static DataTable Read(Stream stream, CsvOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new CsvOptions();
        return Read(stream, options, options.SourceName, cancellationToken);
    }

    /// <summary>
    /// <paramref name="value"/> as the reader stores a field: without leading and trailing ASCII spaces and tabs. An id
    /// given outside the file (a user on the command line) goes through this to match the same id read from it.
    /// </summary>
    public static string TrimField(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return CsvValues.Trim(value);
    }

    private static DataTable Read(Stream stream, CsvOptions options, string sourceName, CancellationToken cancellationToken)
    {
        var ingest = CsvIngest.Open(stream, options, sourceName, keepValues: true, cancellationToken);
        ingest.ReadRows();
        var columns = new DataColumn[ingest.Columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            columns[i] = ingest.BuildColumn(i);
            columns[i].SourceLines = ingest.Lines;
        }

        return new DataTable(columns);
    }
}
