using System.Globalization;
using System.Text;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Data.Csv;

namespace EnterpriseML.Engine.AutoML;

/// <summary>A label value with how many rows hold it and the line of the first (0 when not read from a file).</summary>
public sealed record LabelValue(string Value, long Count, long FirstLine);

/// <summary>
/// The classes of a label column read from a stored CSV in one streaming pass that decodes only that column, so a
/// service can check a test dataset's classes against the training dataset's before a sweep starts, whatever the row
/// count (memory is bounded by the number of distinct values kept). Values are matched as
/// <see cref="LabelEncoding.Encode"/> matches test rows to training classes: trimmed text for a categorical label, the
/// number for a numeric one (<c>1.0</c> is class <c>1</c>), true or false for a boolean one (<c>Yes</c> is <c>yes</c>).
/// </summary>
public static class LabelClasses
{
    /// <summary>The most distinct unseen values <see cref="Unseen"/> counts (65,536) before it stops reading.</summary>
    public const int MaxUnseenCounted = 65_536;

    /// <summary>The key <paramref name="value"/> (trimmed) is matched by in a label of <paramref name="type"/>.</summary>
    public static string Key(string value, ColumnType type)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Key(Encoding.UTF8.GetBytes(CsvValues.Trim(value)), type);
    }

    /// <summary>
    /// The distinct present values of <paramref name="column"/>, in order of first appearance, each with its row count
    /// and first line; null when there are more than <paramref name="maxDistinct"/> of them (distinct by
    /// <see cref="Key(string, ColumnType)"/> for <paramref name="type"/>; the first spelling names a value).
    /// </summary>
    /// <param name="stream">The CSV, header first; read to its end (or until too many values), not disposed.</param>
    /// <param name="options">How to read it (delimiter, size limit, source name for errors).</param>
    /// <param name="column">The label column's name.</param>
    /// <param name="type">The label's type in the training data, which decides how values match.</param>
    /// <param name="maxDistinct">The most values kept. Valid: at least 1.</param>
    /// <param name="cancellationToken">Checked once per 65,536 rows.</param>
    /// <exception cref="CsvFormatException">The input is not a valid table, or has no column <paramref name="column"/>.</exception>
    public static IReadOnlyList<LabelValue>? Read(Stream stream, CsvOptions options, string column, ColumnType type, int maxDistinct, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDistinct, 1);
        var (kept, distinct) = Scan(stream, options, column, type, null, maxDistinct, stopAfter: maxDistinct, cancellationToken);
        return distinct > maxDistinct ? null : kept;
    }

    /// <summary>
    /// The values of <paramref name="column"/> whose key is not among <paramref name="classes"/>' keys, in order of
    /// first appearance with their row counts and first lines (at most <paramref name="maxListed"/> listed; the
    /// second item counts them all, up to <see cref="MaxUnseenCounted"/>: a larger total is that bound plus one, and
    /// reading stops there).
    /// </summary>
    /// <param name="stream">The test CSV, header first; read to its end, not disposed.</param>
    /// <param name="options">How to read it.</param>
    /// <param name="column">The label column's name.</param>
    /// <param name="type">The label's type in the training data.</param>
    /// <param name="classes">The training classes, as spelled in the training data.</param>
    /// <param name="maxListed">The most unseen values listed. Valid: at least 1.</param>
    /// <param name="cancellationToken">Checked once per 65,536 rows.</param>
    public static (IReadOnlyList<LabelValue> Listed, int Total) Unseen(Stream stream, CsvOptions options, string column, ColumnType type,
        IEnumerable<string> classes, int maxListed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxListed, 1);
        var known = new HashSet<string>(classes.Select(c => Key(c, type)), StringComparer.Ordinal);
        var (listed, total) = Scan(stream, options, column, type, known, maxListed, stopAfter: MaxUnseenCounted, cancellationToken);
        return (listed, total);
    }

    /// <summary>
    /// The first <paramref name="keep"/> distinct values not in <paramref name="skip"/>, and how many distinct values
    /// there are (reading stops once that passes <paramref name="stopAfter"/>).
    /// </summary>
    private static (List<LabelValue> Kept, int Distinct) Scan(Stream stream, CsvOptions options, string column, ColumnType type, HashSet<string>? skip,
        int keep, int stopAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(column);
        var reader = new Utf8CsvReader(stream, options, options.SourceName, cancellationToken);
        var names = CsvIngest.ReadHeader(reader, options);
        var index = Array.IndexOf(names, column);
        if (index < 0)
        {
            throw new CsvFormatException(options.SourceName, null, null, $"there is no column '{column}'. Columns: {string.Join(", ", names)}.");
        }

        // Per key: its index in kept, or -1 for a value counted but not kept.
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        var kept = new List<LabelValue>();
        long rows = 0;
        while (reader.Read())
        {
            if (reader.FieldCount != names.Length)
            {
                throw CsvIngest.RaggedRow(reader, names.Length);
            }

            if ((++rows & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var field = CsvValues.Trim(reader.Field(index));
            if (CsvValues.IsMissing(field))
            {
                continue;
            }

            var key = Key(field, type);
            if (skip?.Contains(key) == true)
            {
                continue;
            }

            if (slots.TryGetValue(key, out var slot))
            {
                if (slot >= 0)
                {
                    kept[slot] = kept[slot] with { Count = kept[slot].Count + 1 };
                }

                continue;
            }

            if (slots.Count == stopAfter)
            {
                return (kept, slots.Count + 1);
            }

            slots[key] = kept.Count < keep ? kept.Count : -1;
            if (kept.Count < keep)
            {
                kept.Add(new LabelValue(Encoding.UTF8.GetString(field), 1, reader.RecordLine));
            }
        }

        return (kept, slots.Count);
    }

    private static string Key(ReadOnlySpan<byte> trimmed, ColumnType type) => type switch
    {
        // As a boolean column stores them (true/yes/y/t/1 → 1; read with the training types, 1.0 and 0.0 are those
        // values too, and the encoder scores them as the classes); another number as the numeric class name it reads as.
        ColumnType.Boolean when CsvValues.TryParseBoolean(trimmed, out var flag) => flag ? "\u0001true" : "\u0001false",
        ColumnType.Boolean when CsvValues.TryParseSingle(trimmed, out var number) && number is 0f or 1f => number == 1f ? "\u0001true" : "\u0001false",
        ColumnType.Numeric or ColumnType.Boolean when CsvValues.TryParseSingle(trimmed, out var other) => other.ToString("R", CultureInfo.InvariantCulture),
        _ => Encoding.UTF8.GetString(trimmed),
    };
}
