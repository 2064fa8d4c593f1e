using EnterpriseML.Engine.Data.Csv;

namespace EnterpriseML.Engine.Data;

/// <summary>
/// Profiles a delimited UTF-8 text input in one streaming pass with bounded memory (no rows are kept): per column the
/// inferred type, missing and distinct counts, min/max/mean of numeric columns, the most frequent values of
/// categorical ones, and the class balance of a chosen label. It validates the input exactly as
/// <see cref="CsvTable"/> does, so a file that profiles also reads.
/// </summary>
/// <remarks>
/// Memory is bounded whatever the input's length: per column a value table of at most 65,536 distinct values and
/// 16 MiB of text (wide inputs share 4,194,304 values and 256 MiB), then a 4 KiB HyperLogLog sketch for the distinct
/// count (<see cref="ColumnProfile.IsDistinctCountExact"/>).
/// </remarks>
public static class DatasetProfiler
{
    /// <summary>The most classes a <see cref="LabelProfile"/> lists.</summary>
    public const int MaxLabelClasses = 1000;

    /// <summary>Profiles <paramref name="stream"/>, to its end. The stream is not disposed.</summary>
    /// <param name="stream">UTF-8 delimited text with a header line.</param>
    /// <param name="options">Reading options; null for the defaults.</param>
    /// <param name="label">A column whose class balance to report, or null.</param>
    /// <param name="cancellationToken">Checked once per block of input read (about 1 MiB).</param>
    /// <exception cref="CsvFormatException">The input is not a valid table; the message says where and why.</exception>
    /// <exception cref="ArgumentException"><paramref name="label"/> is not a column of the input.</exception>
    public static DatasetProfile Profile(Stream stream, CsvOptions? options = null, string? label = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new CsvOptions();
        return Profile(stream, options, options.SourceName, label, cancellationToken);
    }

    /// <summary>Profiles the file at <paramref name="path"/> (gzip-decompressed when it ends in <c>.gz</c>).</summary>
    public static DatasetProfile Profile(string path, CsvOptions? options = null, string? label = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CsvOptions();
        using var stream = CsvIngest.OpenFile(path);
        return Profile(stream, options, CsvIngest.SourceNameFor(path, options), label, cancellationToken);
    }

    private static DatasetProfile Profile(Stream stream, CsvOptions options, string sourceName, string? label, CancellationToken cancellationToken)
    {
        var ingest = CsvIngest.Open(stream, options, sourceName, keepValues: false, cancellationToken);
        ColumnAccumulator? labelColumn = null;
        if (label is not null)
        {
            foreach (var column in ingest.Columns)
            {
                if (string.Equals(column.Name, label, StringComparison.Ordinal))
                {
                    labelColumn = column;
                }
            }

            if (labelColumn is null)
            {
                var names = new string[ingest.Columns.Length];
                for (var i = 0; i < names.Length; i++)
                {
                    names[i] = ingest.Columns[i].Name;
                }

                throw new ArgumentException(
                    $"The label '{label}' is not a column of {sourceName}. Columns: {string.Join(", ", names)}.", nameof(label));
            }
        }

        ingest.ReadRows();
        var profiles = new ColumnProfile[ingest.Columns.Length];
        for (var i = 0; i < profiles.Length; i++)
        {
            profiles[i] = ingest.Columns[i].ToProfile();
        }

        var labelProfile = labelColumn is null
            ? null
            : new LabelProfile(labelColumn.Name, labelColumn.Values!.Top(MaxLabelClasses)) { MissingCount = labelColumn.MissingCount };
        return new DatasetProfile(ingest.RowCount, ingest.Delimiter, profiles, labelProfile) { Encoding = ingest.Encoding };
    }
}
