namespace EnterpriseML.Engine.Data;

/// <summary>One named, typed column of a <see cref="DataTable"/>. Columns are immutable once built.</summary>
public abstract class DataColumn
{
    protected DataColumn(string name, ColumnType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Type = type;
    }

    /// <summary>The column name, as in the CSV header.</summary>
    public string Name { get; }

    /// <summary>The logical type.</summary>
    public ColumnType Type { get; }

    /// <summary>
    /// Why the inferred type may not be what the file meant, set by the CSV reader: a column of numbers with a few
    /// values that are not (<c>1,234</c>, <c>n/a</c>, a number beyond a float) is read as categorical, and says so
    /// here, naming the first such value and its line. Null when there is nothing to say.
    /// </summary>
    public string? TypeNote { get; init; }

    /// <summary>The number of rows.</summary>
    public abstract int Length { get; }

    /// <summary>
    /// The lines of the file the column was read from, set once by the CSV reader before the table is returned; null
    /// for a column built otherwise or selected from another (<see cref="Select"/>), whose rows are not the file's.
    /// </summary>
    internal RowLines? SourceLines { get; set; }

    /// <summary>
    /// The 1-based line of the file on which row <paramref name="row"/> starts (a quoted field with line breaks makes a
    /// row span lines), for a column read by <see cref="CsvTable"/>; null otherwise.
    /// </summary>
    public long? LineOf(int row) => SourceLines?.LineOf(row);

    /// <summary>True when row <paramref name="row"/> holds no value.</summary>
    public abstract bool IsMissing(int row);

    /// <summary>A new column holding only the given rows, in that order.</summary>
    public abstract DataColumn Select(ReadOnlySpan<int> rows);
}

/// <summary>A <see cref="ColumnType.Numeric"/> or <see cref="ColumnType.Boolean"/> column; NaN is missing.</summary>
public sealed class NumericColumn : DataColumn
{
    private readonly float[] _values;

    public NumericColumn(string name, float[] values, ColumnType type = ColumnType.Numeric)
        : base(name, type)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (type is not (ColumnType.Numeric or ColumnType.Boolean))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A numeric column must be Numeric or Boolean.");
        }

        _values = values;
    }

    /// <summary>The values; <see cref="float.NaN"/> marks a missing value.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>
    /// For a <see cref="ColumnType.Boolean"/> column read from text: how the file spelled false (0) and true (1), such
    /// as <c>No</c> and <c>Yes</c>, so a label keeps its class names; null for a spelling the file never used.
    /// </summary>
    public (string? False, string? True) BooleanNames { get; init; }

    public override int Length => _values.Length;

    public override bool IsMissing(int row) => float.IsNaN(_values[row]);

    public override DataColumn Select(ReadOnlySpan<int> rows)
    {
        var selected = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            selected[i] = _values[rows[i]];
        }

        return new NumericColumn(Name, selected, Type) { BooleanNames = BooleanNames, TypeNote = TypeNote };
    }
}

/// <summary>A <see cref="ColumnType.Categorical"/> or <see cref="ColumnType.Text"/> column; null is missing.</summary>
public sealed class StringColumn : DataColumn
{
    private readonly string?[] _values;

    public StringColumn(string name, string?[] values, ColumnType type = ColumnType.Categorical)
        : base(name, type)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (type is not (ColumnType.Categorical or ColumnType.Text))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A string column must be Categorical or Text.");
        }

        _values = values;
    }

    /// <summary>The values; null marks a missing value.</summary>
    public ReadOnlySpan<string?> Values => _values;

    public override int Length => _values.Length;

    public override bool IsMissing(int row) => _values[row] is null;

    public override DataColumn Select(ReadOnlySpan<int> rows)
    {
        var selected = new string?[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            selected[i] = _values[rows[i]];
        }

        return new StringColumn(Name, selected, Type);
    }
}

/// <summary>A <see cref="ColumnType.DateTime"/> column stored as UTC ticks; <see cref="Missing"/> marks a missing value.</summary>
public sealed class DateTimeColumn : DataColumn
{
    /// <summary>The sentinel for a missing timestamp.</summary>
    public const long Missing = long.MinValue;

    private readonly long[] _ticks;

    public DateTimeColumn(string name, long[] ticks)
        : base(name, ColumnType.DateTime)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        _ticks = ticks;
    }

    /// <summary>The timestamps as <see cref="DateTime.Ticks"/>; <see cref="Missing"/> marks a missing value.</summary>
    public ReadOnlySpan<long> Ticks => _ticks;

    public override int Length => _ticks.Length;

    public override bool IsMissing(int row) => _ticks[row] == Missing;

    public override DataColumn Select(ReadOnlySpan<int> rows)
    {
        var selected = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            selected[i] = _ticks[rows[i]];
        }

        return new DateTimeColumn(Name, selected);
    }
}
