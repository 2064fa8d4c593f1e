using System.Globalization;
using System.IO.Compression;

namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// One pass over a CSV input shared by <see cref="CsvTable"/> and <see cref="DatasetProfiler"/>: validates the header
/// (count, empty and duplicate names, overrides), checks every row's field count, feeds each column's
/// <see cref="ColumnAccumulator"/>, and optionally keeps the raw values for building typed columns.
/// </summary>
internal sealed class CsvIngest
{
    private readonly Utf8CsvReader _reader;
    private readonly RawColumnStore[]? _stores;
    private readonly bool _keepValues;
    private readonly bool _allowHeaderOnly;
    private readonly long _headerLine;

    private CsvIngest(Stream stream, CsvOptions options, string sourceName, bool keepValues, CancellationToken cancellationToken)
    {
        SourceName = sourceName;
        _keepValues = keepValues;
        _reader = new Utf8CsvReader(stream, options, sourceName, cancellationToken);
        var names = ReadHeader(_reader, options);
        _headerLine = _reader.RecordLine;
        _allowHeaderOnly = options.AllowHeaderOnly;
        var count = names.Length;
        Columns = new ColumnAccumulator[count];
        for (var i = 0; i < count; i++)
        {
            ColumnType? typeOverride = options.ColumnTypes is { } o && o.TryGetValue(names[i], out var t) ? t : null;
            Columns[i] = new ColumnAccumulator(names[i], i, count, typeOverride, sourceName, countValues: !keepValues);
        }

        if (keepValues)
        {
            _stores = new RawColumnStore[count];
            for (var i = 0; i < count; i++)
            {
                _stores[i] = new RawColumnStore();
            }
        }
    }

    public string SourceName { get; }

    public char Delimiter => (char)_reader.Delimiter;

    /// <summary>The encoding the input is read in (given, or selected by a byte-order mark).</summary>
    public CsvEncoding Encoding => _reader.Encoding;

    public ColumnAccumulator[] Columns { get; }

    public long RowCount { get; private set; }

    /// <summary>The line each data row starts on, once <see cref="ReadRows"/> has read them (kept values only).</summary>
    public RowLines? Lines { get; private set; }

    /// <summary>Reads the header of <paramref name="stream"/>; the rows are read by <see cref="ReadRows"/>.</summary>
    public static CsvIngest Open(Stream stream, CsvOptions options, string sourceName, bool keepValues, CancellationToken cancellationToken) =>
        new(stream, options, sourceName, keepValues, cancellationToken);

    /// <summary>Opens a file for reading, decompressing it when its name ends in <c>.gz</c>.</summary>
    public static Stream OpenFile(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>The name used in messages for a file: the option when set, else the file name.</summary>
    public static string SourceNameFor(string path, CsvOptions options) =>
        options.IsSourceNameSet ? options.SourceName : Path.GetFileName(path);

    /// <summary>
    /// Reads and validates the header line: present, at most <see cref="CsvOptions.MaxColumns"/> names, none empty,
    /// none repeated, and every <see cref="CsvOptions.ColumnTypes"/> entry naming one of them (unless told to ignore).
    /// </summary>
    public static string[] ReadHeader(Utf8CsvReader reader, CsvOptions options)
    {
        var sourceName = reader.SourceName;
        if (!reader.Read())
        {
            throw new CsvFormatException(sourceName, null, null, "the input is empty; expected a header line with the column names.");
        }

        var line = reader.RecordLine;
        var count = reader.FieldCount;
        if (count > options.MaxColumns)
        {
            throw new CsvFormatException(sourceName, line, null, string.Create(CultureInfo.InvariantCulture,
                $"the header has {count} columns, more than the limit of {options.MaxColumns} ({options.MaxColumnsSetting})."));
        }

        var names = new string[count];
        var seen = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            names[i] = reader.FieldString(i).Trim();
            if (names[i].Length == 0)
            {
                throw new CsvFormatException(sourceName, line, null, string.Create(CultureInfo.InvariantCulture,
                    $"column {i + 1} of {count} has an empty name; every column needs a unique name."));
            }

            if (!seen.TryAdd(names[i], i))
            {
                throw new CsvFormatException(sourceName, line, null, string.Create(CultureInfo.InvariantCulture,
                    $"columns {seen[names[i]] + 1} and {i + 1} are both named '{names[i]}'; column names must be unique."));
            }
        }

        if (options.ColumnTypes is { } overrides && !options.IgnoreUnknownColumnTypes)
        {
            foreach (var name in overrides.Keys)
            {
                if (!seen.ContainsKey(name))
                {
                    throw new CsvFormatException(sourceName, null, null,
                        $"CsvOptions.ColumnTypes sets the type of '{name}', which is not a column. Columns: {string.Join(", ", names)}.");
                }
            }
        }

        return names;
    }

    /// <summary>The error for a record whose field count differs from the header's.</summary>
    public static CsvFormatException RaggedRow(Utf8CsvReader reader, int expected) =>
        new(reader.SourceName, reader.RecordLine, null, string.Create(CultureInfo.InvariantCulture,
            $"found {reader.FieldCount} {(reader.FieldCount == 1 ? "field" : "fields")}, expected {expected}."));

    /// <summary>Reads every data row, validating its field count and feeding the accumulators.</summary>
    public void ReadRows()
    {
        var reader = _reader;
        var columns = Columns;
        var stores = _stores;
        var expected = columns.Length;
        var lines = _keepValues ? new RowLines.Builder() : null;
        long rows = 0;
        while (reader.Read())
        {
            if (reader.FieldCount != expected)
            {
                throw RaggedRow(reader, expected);
            }

            var line = reader.RecordLine;
            lines?.Add(rows, line);
            for (var i = 0; i < expected; i++)
            {
                var value = CsvValues.Trim(reader.Field(i));
                if (CsvValues.IsMissing(value))
                {
                    columns[i].AddMissing();
                    stores?[i].AddMissing();
                }
                else
                {
                    columns[i].Add(value, line);
                    stores?[i].Add(value);
                }
            }

            rows++;
            if (_keepValues && rows > Array.MaxLength)
            {
                throw new CsvFormatException(SourceName, line, null, string.Create(CultureInfo.InvariantCulture,
                    $"more than {Array.MaxLength} data rows; a table holds at most that many."));
            }
        }

        if (rows == 0 && !_allowHeaderOnly)
        {
            throw new CsvFormatException(SourceName, _headerLine, null, "header only, no data rows; a table needs at least one row below its header.");
        }

        RowCount = rows;
        Lines = lines?.Build(SourceName);
    }

    /// <summary>Builds the typed column <paramref name="index"/> from the kept values, then releases them.</summary>
    public DataColumn BuildColumn(int index)
    {
        var store = _stores![index];
        _stores[index] = null!;
        var accumulator = Columns[index];
        var rows = (int)RowCount;
        if (accumulator.NeedsValueCount)
        {
            accumulator.CountValues(store.GetCursor(), rows);
        }

        var type = accumulator.InferType();
        var cursor = store.GetCursor();
        switch (type)
        {
            case ColumnType.Numeric:
            case ColumnType.Boolean:
            {
                var values = new float[rows];
                var numeric = type == ColumnType.Numeric;
                string? falseName = null, trueName = null;
                for (var r = 0; r < rows; r++)
                {
                    var value = cursor.Next();
                    if (value.IsEmpty)
                    {
                        values[r] = float.NaN;
                    }
                    else if (numeric)
                    {
                        // Inference (or override validation) saw every value parse.
                        values[r] = CsvValues.TryParseSingle(value, out var number) ? number : float.NaN;
                    }
                    else if (CsvValues.TryParseBoolean(value, out var flag))
                    {
                        values[r] = flag ? 1f : 0f;

                        // The first spelling of each value names it (a label's classes keep the file's words).
                        if (flag ? trueName is null : falseName is null)
                        {
                            var name = System.Text.Encoding.UTF8.GetString(value);
                            (trueName, falseName) = flag ? (name, falseName) : (trueName, name);
                        }
                    }
                    else
                    {
                        // Only a column set to Boolean gets here with a value (a number, see ColumnAccumulator).
                        values[r] = CsvValues.TryParseSingle(value, out var other) ? other : float.NaN;
                    }
                }

                return new NumericColumn(accumulator.Name, values, type) { BooleanNames = numeric ? default : (falseName, trueName) };
            }

            case ColumnType.DateTime:
            {
                var ticks = new long[rows];
                for (var r = 0; r < rows; r++)
                {
                    var value = cursor.Next();
                    ticks[r] = !value.IsEmpty && CsvValues.TryParseDateTime(value, out var t) ? t : DateTimeColumn.Missing;
                }

                return new DateTimeColumn(accumulator.Name, ticks);
            }

            case ColumnType.Categorical:
            {
                // Levels repeat: one shared string per distinct value.
                var interner = new Utf8ValueCounter(int.MaxValue, int.MaxValue);
                var values = new string?[rows];
                for (var r = 0; r < rows; r++)
                {
                    var value = cursor.Next();
                    values[r] = value.IsEmpty ? null : interner.StringOf(interner.Add(value));
                }

                return new StringColumn(accumulator.Name, values, ColumnType.Categorical) { TypeNote = accumulator.TypeNote(type) };
            }

            default:
            {
                var values = new string?[rows];
                for (var r = 0; r < rows; r++)
                {
                    var value = cursor.Next();
                    values[r] = value.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(value);
                }

                return new StringColumn(accumulator.Name, values, ColumnType.Text);
            }
        }
    }
}
