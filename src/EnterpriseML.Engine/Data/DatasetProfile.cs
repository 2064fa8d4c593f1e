namespace EnterpriseML.Engine.Data;

/// <summary>A whole-file summary made by <see cref="DatasetProfiler"/>.</summary>
/// <param name="RowCount">The number of data rows (the header excluded).</param>
/// <param name="Delimiter">The field delimiter, given or detected.</param>
/// <param name="Columns">One profile per column, in file order.</param>
/// <param name="Label">The class balance of the chosen label column, or null when none was chosen.</param>
public sealed record DatasetProfile(long RowCount, char Delimiter, IReadOnlyList<ColumnProfile> Columns, LabelProfile? Label)
{
    /// <summary>The text encoding the input was read in (<see cref="CsvOptions.Encoding"/>, or the one its byte-order mark selected). Default UTF-8.</summary>
    public CsvEncoding Encoding { get; init; } = CsvEncoding.Utf8;
}

/// <summary>The summary of one column.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The inferred (or overridden) type.</param>
/// <param name="MissingCount">Rows whose value is missing.</param>
/// <param name="DistinctCount">
/// The number of distinct present values, compared as trimmed text. Exact up to 65,536 distinct values and 16 MiB of
/// distinct text per column (wide inputs share 4,194,304 values and 256 MiB among their columns, at least 1,024 values
/// and 64 KiB each); beyond that a HyperLogLog estimate (about 1.6 % standard error), see
/// <see cref="IsDistinctCountExact"/>.
/// </param>
/// <param name="Min">The smallest value of a numeric column (0 or 1 for a boolean one); else null.</param>
/// <param name="Max">The largest value of a numeric column (0 or 1 for a boolean one); else null.</param>
/// <param name="Mean">The mean of a numeric column, the share of true values of a boolean one; else null.</param>
/// <param name="TopValues">
/// For categorical and boolean columns, the 10 most frequent values with their counts (most frequent first); else null.
/// </param>
public sealed record ColumnProfile(
    string Name,
    ColumnType Type,
    long MissingCount,
    long DistinctCount,
    double? Min,
    double? Max,
    double? Mean,
    IReadOnlyList<ValueCount>? TopValues)
{
    /// <summary>False when <see cref="DistinctCount"/> is an estimate (and top-value counts may miss late values).</summary>
    public bool IsDistinctCountExact { get; init; } = true;

    /// <summary>Why the inferred type may not be what the file meant (see <see cref="DataColumn.TypeNote"/>); null when nothing.</summary>
    public string? Note { get; init; }
}

/// <summary>A value and how many rows hold it.</summary>
public sealed record ValueCount(string Value, long Count);

/// <summary>The class balance of a label column: every class with its row count, most frequent first.</summary>
/// <param name="Column">The label column's name.</param>
/// <param name="Classes">
/// Each distinct present label value with its count (at most 1,000, the most frequent; a regression label
/// lists its most frequent values).
/// </param>
public sealed record LabelProfile(string Column, IReadOnlyList<ValueCount> Classes)
{
    /// <summary>Rows whose label is missing.</summary>
    public long MissingCount { get; init; }
}
