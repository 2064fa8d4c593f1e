using System.Globalization;

namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// Streaming statistics of one column: missing count, which types every value so far fits, numeric moments, and a
/// value counter. Enough to infer the column type and to build its <see cref="ColumnProfile"/> without keeping rows.
/// </summary>
internal sealed class ColumnAccumulator
{
    /// <summary>How many top values a profile lists for a categorical or boolean column.</summary>
    public const int TopValueCount = 10;

    private readonly ColumnType? _override;
    private readonly int _columnCount;
    private readonly string _sourceName;
    private double _sum;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private long _trueCount;
    private long _totalBytes;
    private long _totalWords;
    private double _totalCjkCharacters;

    /// <summary>Values that parse as numbers, and those that do not, counted while <see cref="StrayLimit"/> allows.</summary>
    private long _numbers;
    private long _strays;
    private string? _firstStray;
    private long _firstStrayLine;

    /// <summary>Once this many values of a column are not numbers, it is not a numeric column with strays: stop counting.</summary>
    private const int StrayLimit = 10;

    /// <summary>Distinct values kept exactly across all columns of an input (then split evenly).</summary>
    public const int DistinctValueBudget = 1 << 22;

    /// <summary>Bytes of distinct text kept across all columns of an input (then split evenly).</summary>
    public const int DistinctTextBudget = 256 << 20;

    /// <summary>The most distinct values kept exactly per column.</summary>
    public const int MaxDistinctPerColumn = 1 << 16;

    /// <summary>The most bytes of distinct text kept per column.</summary>
    public const int MaxDistinctTextPerColumn = 16 << 20;

    /// <param name="name">The column name.</param>
    /// <param name="index">The column's position.</param>
    /// <param name="columnCount">The input's column count (it splits the distinct-value budget).</param>
    /// <param name="typeOverride">The user's type for the column, or null to infer it.</param>
    /// <param name="sourceName">The input's name for messages.</param>
    /// <param name="countValues">
    /// True to count distinct values while streaming (profiles need them for every column); false when the caller
    /// keeps the values and counts them afterwards only for the string columns that need it (see
    /// <see cref="CountValues"/>).
    /// </param>
    public ColumnAccumulator(string name, int index, int columnCount, ColumnType? typeOverride, string sourceName, bool countValues)
    {
        _columnCount = columnCount;
        Values = countValues ? NewCounter(columnCount) : null;
        Name = name;
        Index = index;
        _override = typeOverride;
        _sourceName = sourceName;
        MaybeNumeric = typeOverride is null or ColumnType.Numeric;
        MaybeBoolean = typeOverride is null or ColumnType.Boolean;
        MaybeDateTime = typeOverride is null or ColumnType.DateTime;
    }

    public string Name { get; }

    public int Index { get; }

    public long MissingCount { get; private set; }

    public long PresentCount { get; private set; }

    public bool MaybeNumeric { get; private set; }

    public bool MaybeBoolean { get; private set; }

    public bool MaybeDateTime { get; private set; }

    /// <summary>The distinct-value counter, or null until <see cref="CountValues"/> when not counting while streaming.</summary>
    public Utf8ValueCounter? Values { get; private set; }

    /// <summary>
    /// True when the type still depends on the distinct count (a string column without override) and the values have
    /// not been counted yet.
    /// </summary>
    public bool NeedsValueCount => Values is null && _override is null && PresentCount > 0 && !MaybeBoolean && !MaybeNumeric && !MaybeDateTime;

    /// <summary>Counts the kept present values after streaming (the same capped counter as a profile uses).</summary>
    public void CountValues(RawColumnStore.Cursor values, long rowCount)
    {
        var counter = NewCounter(_columnCount);
        for (long r = 0; r < rowCount; r++)
        {
            var value = values.Next();
            if (!value.IsEmpty)
            {
                counter.Add(value);
            }
        }

        Values = counter;
    }

    private static Utf8ValueCounter NewCounter(int columnCount) => new(
        Math.Clamp(DistinctValueBudget / columnCount, 1024, MaxDistinctPerColumn),
        Math.Clamp(DistinctTextBudget / columnCount, 64 << 10, MaxDistinctTextPerColumn));

    /// <summary>Adds one trimmed, non-missing value read on <paramref name="line"/>; missing values go to <see cref="AddMissing"/>.</summary>
    public void Add(ReadOnlySpan<byte> value, long line)
    {
        PresentCount++;
        Values?.Add(value);
        _totalBytes += value.Length;
        var isNumber = false;
        if (MaybeNumeric)
        {
            if (CsvValues.TryParseDouble(value, out var number))
            {
                isNumber = true;
                _numbers++;
                _sum += number;
                _min = Math.Min(_min, number);
                _max = Math.Max(_max, number);
            }
            else
            {
                MaybeNumeric = false;
                ThrowIfOverridden(ColumnType.Numeric, value, line, "a number");
                CountStray(value, line);
            }
        }
        else if (_override is null && _strays is > 0 and < StrayLimit)
        {
            // Already not numeric: keep counting numbers and strays for TypeNote, until the strays are too many.
            if (CsvValues.TryParseDouble(value, out _))
            {
                _numbers++;
            }
            else
            {
                CountStray(value, line);
            }
        }

        // A parsed number is one word (numbers hold no inner spaces); only string columns need the count. Chinese and
        // Japanese write no spaces between words, so their characters count too, two to a word.
        _totalWords += isNumber ? 1 : value.Count((byte)' ') + 1;
        _totalCjkCharacters += isNumber ? 0 : CjkCharacters(value);

        if (MaybeBoolean)
        {
            if (CsvValues.TryParseBoolean(value, out var flag))
            {
                _trueCount += flag ? 1 : 0;
            }
            else if (_override == ColumnType.Boolean && CsvValues.TryParseDouble(value, out _))
            {
                // A column read as a model's boolean input also takes other numbers, stored as they are (as the API's
                // predict reads them): a count that was only ever 0 or 1 in the training rows may be 2 in new ones.
            }
            else
            {
                MaybeBoolean = false;
                ThrowIfOverridden(ColumnType.Boolean, value, line, "a boolean (true/false, yes/no, y/n, t/f, 1/0) or a number");
            }
        }

        if (MaybeDateTime && !CsvValues.TryParseDateTime(value, out _))
        {
            MaybeDateTime = false;
            ThrowIfOverridden(ColumnType.DateTime, value, line, $"a date or timestamp ({SchemaInference.DateForms})");
        }
    }

    public void AddMissing() => MissingCount++;

    /// <summary>
    /// The column type: the override when given; else Boolean, Numeric or DateTime when every present value parses
    /// so (a column with no values at all is Numeric); else Text for long multi-word values that rarely repeat,
    /// Categorical otherwise (see <see cref="CsvTable"/>).
    /// </summary>
    public ColumnType InferType()
    {
        if (_override is { } type)
        {
            return type;
        }

        if (PresentCount == 0)
        {
            return ColumnType.Numeric;
        }

        if (MaybeBoolean)
        {
            return ColumnType.Boolean;
        }

        if (MaybeNumeric)
        {
            return ColumnType.Numeric;
        }

        if (MaybeDateTime)
        {
            return ColumnType.DateTime;
        }

        var meanBytes = (double)_totalBytes / PresentCount;
        var meanWords = (_totalWords + (_totalCjkCharacters / SchemaInference.CjkCharactersPerWord)) / PresentCount;
        if (Values is null)
        {
            throw new InvalidOperationException($"The values of '{Name}' must be counted before its type is inferred.");
        }

        var distinctShare = (double)Values.DistinctCount / PresentCount;
        var isText = meanWords >= SchemaInference.TextMinimumMeanWords
            && (meanBytes >= SchemaInference.TextAlwaysMeanLength
                || (meanBytes >= SchemaInference.TextMinimumMeanLength && distinctShare >= SchemaInference.TextMinimumDistinctShare));
        return isText ? ColumnType.Text : ColumnType.Categorical;
    }

    private void CountStray(ReadOnlySpan<byte> value, long line)
    {
        if (_strays++ == 0)
        {
            _firstStray = System.Text.Encoding.UTF8.GetString(value);
            _firstStrayLine = line;
        }
    }

    /// <summary>
    /// For a column read as categorical although nearly all its values are numbers (at least 20, at most one in
    /// twenty not, fewer than <see cref="StrayLimit"/>): what happened and the first value that is not a number.
    /// </summary>
    public string? TypeNote(ColumnType inferred) =>
        inferred == ColumnType.Categorical && _override is null && _strays is > 0 and < StrayLimit && _numbers >= 20 && _numbers >= 19 * _strays
            ? string.Create(CultureInfo.InvariantCulture,
                $"column '{Name}' was read as categorical although {_numbers:N0} of {_numbers + _strays:N0} values are numbers: {_sourceName}, line {_firstStrayLine} holds '{_firstStray}'{(_strays > 1 ? $" ({_strays - 1} more like it)" : "")}, which is not a number (or is beyond a 32-bit float)")
            : null;

    /// <summary>
    /// The characters of <paramref name="utf8"/> in U+3000–U+9FFF (CJK punctuation, kana, unified ideographs): in UTF-8
    /// exactly the three-byte sequences whose lead byte is 0xE3–0xE9.
    /// </summary>
    internal static int CjkCharacters(ReadOnlySpan<byte> utf8)
    {
        // Every string value passes through here while a file is read: a vectorised search skips values with no such
        // lead byte (all ASCII and most Latin text) without a byte-by-byte loop.
        var first = utf8.IndexOfAnyInRange((byte)0xE3, (byte)0xE9);
        if (first < 0)
        {
            return 0;
        }

        var count = 0;
        foreach (var b in utf8[first..])
        {
            count += b is >= 0xE3 and <= 0xE9 ? 1 : 0;
        }

        return count;
    }

    public ColumnProfile ToProfile()
    {
        var type = InferType();
        var values = Values ?? throw new InvalidOperationException("A profile needs the values counted while streaming.");
        double? min = null, max = null, mean = null;
        if (PresentCount > 0 && type == ColumnType.Numeric)
        {
            min = _min;
            max = _max;
            mean = _sum / PresentCount;
        }
        else if (PresentCount > 0 && type == ColumnType.Boolean)
        {
            min = _trueCount == PresentCount ? 1 : 0;
            max = _trueCount > 0 ? 1 : 0;
            mean = (double)_trueCount / PresentCount;
        }

        var top = type is ColumnType.Categorical or ColumnType.Boolean ? values.Top(TopValueCount) : null;
        return new ColumnProfile(Name, type, MissingCount, values.DistinctCount, min, max, mean, top)
        {
            IsDistinctCountExact = values.IsExact,
            Note = TypeNote(type),
        };
    }

    private void ThrowIfOverridden(ColumnType type, ReadOnlySpan<byte> value, long line, string expected)
    {
        if (_override == type)
        {
            var shown = System.Text.Encoding.UTF8.GetString(value.Length > 40 ? value[..40] : value);
            throw new CsvFormatException(_sourceName, line, null, string.Create(CultureInfo.InvariantCulture,
                $"column '{Name}' is set to {type} but holds '{shown}', which is not {expected}."));
        }
    }
}
