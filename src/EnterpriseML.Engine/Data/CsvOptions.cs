namespace EnterpriseML.Engine.Data;

/// <summary>
/// How <see cref="CsvTable"/> and <see cref="DatasetProfiler"/> read a delimited text file (UTF-8 unless
/// <see cref="Encoding"/> says otherwise). Immutable; every
/// property is validated when it is set.
/// </summary>
public sealed class CsvOptions
{
    /// <summary>The default <see cref="SourceName"/>.</summary>
    public const string DefaultSourceName = "input";

    /// <summary>The default <see cref="MaxColumns"/>.</summary>
    public const int DefaultMaxColumns = 2000;

    /// <summary>The largest valid <see cref="MaxColumns"/>.</summary>
    public const int MaximumMaxColumns = 1_000_000;

    private readonly char? _delimiter;
    private readonly CsvEncoding? _encoding;
    private readonly long _maxBytes = 1L << 30;
    private readonly int _maxColumns = DefaultMaxColumns;
    private readonly string _sourceName = DefaultSourceName;
    private readonly IReadOnlyDictionary<string, ColumnType>? _columnTypes;

    /// <summary>
    /// The field delimiter. Default null: detected from the first lines among <c>,</c> <c>;</c> <c>\t</c> <c>|</c>
    /// (comma when none of them occurs). Valid: any ASCII character except the double quote, CR and LF.
    /// </summary>
    public char? Delimiter
    {
        get => _delimiter;
        init
        {
            if (value is { } c && (c > '\u007f' || c is '"' or '\r' or '\n'))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(Delimiter), value, "Must be an ASCII character other than the double quote, CR and LF.");
            }

            _delimiter = value;
        }
    }

    /// <summary>
    /// The largest input accepted, in bytes (of decompressed text when reading a .gz path; before decoding from
    /// <see cref="Encoding"/>). Default 1 GiB
    /// (1,073,741,824). Valid: at least 1.
    /// </summary>
    public long MaxBytes
    {
        get => _maxBytes;
        init
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxBytes), value, "Must be at least 1.");
            }

            _maxBytes = value;
        }
    }

    /// <summary>
    /// The input's text encoding; it is decoded to UTF-8 before it is parsed, keeping its line breaks, so line
    /// numbers in messages are the file's. Default null: UTF-8, or UTF-16 when the input starts with a UTF-16
    /// byte-order mark (FF FE or FE FF, which cannot begin UTF-8 text). <see cref="CsvEncoding.Utf8"/> given
    /// explicitly reads UTF-8 only. Valid: a defined <see cref="CsvEncoding"/>.
    /// </summary>
    public CsvEncoding? Encoding
    {
        get => _encoding;
        init
        {
            if (value is { } e && !Enum.IsDefined(e))
            {
                throw new ArgumentOutOfRangeException(nameof(Encoding), value, "Unknown encoding.");
            }

            _encoding = value;
        }
    }

    /// <summary>
    /// How the caller's user sets <see cref="Encoding"/>, named in the error for input that is not UTF-8 (a CLI names
    /// its option, <c>--encoding</c>; an upload its form field). Default <c>CsvOptions.Encoding</c>.
    /// </summary>
    public string EncodingSetting { get; init; } = "CsvOptions.Encoding";

    /// <summary>
    /// How the caller's user sets <see cref="MaxColumns"/>, named in the error when a header has more (a service names
    /// its configuration key, <c>Storage:MaxColumns</c>). Default <c>CsvOptions.MaxColumns</c>.
    /// </summary>
    public string MaxColumnsSetting { get; init; } = "CsvOptions.MaxColumns";

    /// <summary>The largest number of columns accepted. Default 2000. Valid: 1 to 1,000,000.</summary>
    public int MaxColumns
    {
        get => _maxColumns;
        init
        {
            if (value is < 1 or > MaximumMaxColumns)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxColumns), value, "Must be in [1, 1000000].");
            }

            _maxColumns = value;
        }
    }

    /// <summary>
    /// The name of the input used in error messages, for example the uploaded file name. Default
    /// <c>"input"</c>; <see cref="CsvTable.Read(string, CsvOptions?, CancellationToken)"/> uses the file name when
    /// this is not set. Valid: non-empty.
    /// </summary>
    public string SourceName
    {
        get => _sourceName;
        init
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentOutOfRangeException(nameof(SourceName), value, "Must be a non-empty name.");
            }

            _sourceName = value;
            IsSourceNameSet = true;
        }
    }

    /// <summary>
    /// Column types that replace the inferred ones, by column name (ordinal, case-sensitive). Default null (infer
    /// every column). Every name must be a column of the file; every value must parse as the given type, otherwise
    /// reading fails with a <see cref="CsvFormatException"/> naming the line and column.
    /// </summary>
    public IReadOnlyDictionary<string, ColumnType>? ColumnTypes
    {
        get => _columnTypes;
        init
        {
            if (value is not null)
            {
                foreach (var (name, type) in value)
                {
                    if (string.IsNullOrEmpty(name))
                    {
                        throw new ArgumentOutOfRangeException(nameof(ColumnTypes), name, "Column names must be non-empty.");
                    }

                    if (!Enum.IsDefined(type))
                    {
                        throw new ArgumentOutOfRangeException(nameof(ColumnTypes), type, $"Unknown column type for '{name}'.");
                    }
                }
            }

            _columnTypes = value;
        }
    }

    /// <summary>
    /// When true, entries of <see cref="ColumnTypes"/> that name no column of the input are ignored, for example when
    /// a prediction input read with the training schema lacks the label column. Default false: such an entry is an
    /// error (it is usually a misspelt name).
    /// </summary>
    public bool IgnoreUnknownColumnTypes { get; init; }

    /// <summary>
    /// When true, a header line without data rows reads as a table of no rows, for inputs where an empty batch is
    /// meaningful (scoring a file of no rows gives no predictions). Default false: such an input is an error saying
    /// "header only, no data rows", as a dataset or a training set needs at least one row.
    /// </summary>
    public bool AllowHeaderOnly { get; init; }

    internal bool IsSourceNameSet { get; private init; }
}
