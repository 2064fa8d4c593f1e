namespace EnterpriseML.Engine.Data;

/// <summary>An immutable, columnar table: equal-length named columns.</summary>
public sealed class DataTable
{
    private readonly DataColumn[] _columns;
    private readonly Dictionary<string, int> _index;

    public DataTable(IReadOnlyList<DataColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        RowCount = _columns.Length == 0 ? 0 : _columns[0].Length;
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_columns[i].Length != RowCount)
            {
                throw new ArgumentException(
                    $"Column '{_columns[i].Name}' has {_columns[i].Length} rows; expected {RowCount}.", nameof(columns));
            }

            if (!_index.TryAdd(_columns[i].Name, i))
            {
                throw new ArgumentException($"Duplicate column name '{_columns[i].Name}'.", nameof(columns));
            }
        }
    }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<DataColumn> Columns => _columns;

    /// <summary>The column named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such column; the message lists the available ones.</exception>
    public DataColumn this[string name] => TryGetColumn(name, out var column)
        ? column
        : throw new KeyNotFoundException(
            $"No column named '{name}'. Available: {string.Join(", ", _columns.Select(c => c.Name))}.");

    public bool TryGetColumn(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DataColumn? column)
    {
        if (_index.TryGetValue(name, out var i))
        {
            column = _columns[i];
            return true;
        }

        column = null;
        return false;
    }

    /// <summary>A new table with only the given rows, in that order.</summary>
    public DataTable SelectRows(ReadOnlySpan<int> rows)
    {
        var columns = new DataColumn[_columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = _columns[i].Select(rows);
        }

        return new DataTable(columns);
    }

    /// <summary>A new table without the named columns (names that are absent are ignored).</summary>
    public DataTable WithoutColumns(IEnumerable<string> names)
    {
        var drop = new HashSet<string>(names, StringComparer.Ordinal);
        return new DataTable(_columns.Where(c => !drop.Contains(c.Name)).ToArray());
    }
}
