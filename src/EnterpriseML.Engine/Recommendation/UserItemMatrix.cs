using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>
/// A sparse rows × columns matrix in CSR form (users × items, or its transpose), with strictly increasing column
/// indices within a row. Immutable.
/// </summary>
public sealed class UserItemMatrix
{
    private readonly int[] _rowPointers;
    private readonly int[] _columns;
    private readonly float[] _values;

    internal UserItemMatrix(int rowCount, int columnCount, int[] rowPointers, int[] columns, float[] values)
    {
        RowCount = rowCount;
        ColumnCount = columnCount;
        _rowPointers = rowPointers;
        _columns = columns;
        _values = values;
    }

    /// <summary>The number of rows (users, or items for a transpose).</summary>
    public int RowCount { get; }

    /// <summary>The number of columns.</summary>
    public int ColumnCount { get; }

    /// <summary>The number of stored (non-duplicate) cells.</summary>
    public int NonZeroCount => _columns.Length;

    /// <summary>The sorted column indices of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<int> RowColumns(int row) => _columns.AsSpan(_rowPointers[row], _rowPointers[row + 1] - _rowPointers[row]);

    /// <summary>The values of row <paramref name="row"/>, aligned with <see cref="RowColumns"/>.</summary>
    public ReadOnlySpan<float> RowValues(int row) => _values.AsSpan(_rowPointers[row], _rowPointers[row + 1] - _rowPointers[row]);

    /// <summary>The number of stored cells in row <paramref name="row"/>.</summary>
    public int RowLength(int row) => _rowPointers[row + 1] - _rowPointers[row];

    /// <summary>True when the cell (<paramref name="row"/>, <paramref name="column"/>) is stored.</summary>
    public bool Contains(int row, int column) => RowColumns(row).BinarySearch(column) >= 0;

    internal ReadOnlySpan<int> RowPointers => _rowPointers;

    /// <summary>The columns × rows transpose (item × user from user × item).</summary>
    public UserItemMatrix Transpose()
    {
        var pointers = new int[ColumnCount + 1];
        foreach (var c in _columns)
        {
            pointers[c + 1]++;
        }

        for (var c = 0; c < ColumnCount; c++)
        {
            pointers[c + 1] += pointers[c];
        }

        var next = pointers.AsSpan(0, ColumnCount).ToArray();
        var columns = new int[_columns.Length];
        var values = new float[_values.Length];
        for (var r = 0; r < RowCount; r++)
        {
            for (var p = _rowPointers[r]; p < _rowPointers[r + 1]; p++)
            {
                var slot = next[_columns[p]]++;
                columns[slot] = r;
                values[slot] = _values[p];
            }
        }

        return new UserItemMatrix(ColumnCount, RowCount, pointers, columns, values);
    }

    /// <summary>
    /// The cells stored in either matrix (same shape); a cell in both keeps <paramref name="first"/>'s value. Used for
    /// exclusion sets, where only the pattern matters.
    /// </summary>
    internal static UserItemMatrix Union(UserItemMatrix first, UserItemMatrix second)
    {
        if (first.RowCount != second.RowCount || first.ColumnCount != second.ColumnCount)
        {
            throw new ArgumentException($"Cannot unite a {first.RowCount} × {first.ColumnCount} matrix with a {second.RowCount} × {second.ColumnCount} one.");
        }

        var pointers = new int[first.RowCount + 1];
        var columns = new List<int>(Math.Max(first.NonZeroCount, second.NonZeroCount));
        var values = new List<float>(columns.Capacity);
        for (var r = 0; r < first.RowCount; r++)
        {
            var a = first.RowColumns(r);
            var av = first.RowValues(r);
            var b = second.RowColumns(r);
            var bv = second.RowValues(r);
            int i = 0, j = 0;
            while (i < a.Length || j < b.Length)
            {
                if (j == b.Length || (i < a.Length && a[i] <= b[j]))
                {
                    if (j < b.Length && a[i] == b[j])
                    {
                        j++;
                    }

                    columns.Add(a[i]);
                    values.Add(av[i++]);
                }
                else
                {
                    columns.Add(b[j]);
                    values.Add(bv[j++]);
                }
            }

            pointers[r + 1] = columns.Count;
        }

        return new UserItemMatrix(first.RowCount, first.ColumnCount, pointers, [.. columns], [.. values]);
    }

    /// <summary>Builds the matrix from coordinate triples, summing duplicates.</summary>
    internal static UserItemMatrix Build(int rowCount, int columnCount, ReadOnlySpan<int> rows, ReadOnlySpan<int> columns, ReadOnlySpan<float> values)
    {
        var pointers = new int[rowCount + 1];
        foreach (var r in rows)
        {
            pointers[r + 1]++;
        }

        for (var r = 0; r < rowCount; r++)
        {
            pointers[r + 1] += pointers[r];
        }

        var next = pointers.AsSpan(0, rowCount).ToArray();
        var cols = new int[rows.Length];
        var vals = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var slot = next[rows[i]]++;
            cols[slot] = columns[i];
            vals[slot] = values[i];
        }

        // Sort each row by column and merge duplicates in place; the order of equal columns is the input order, so
        // sums are deterministic.
        var write = 0;
        var newPointers = new int[rowCount + 1];
        for (var r = 0; r < rowCount; r++)
        {
            var start = pointers[r];
            var length = pointers[r + 1] - start;
            SortStable(cols.AsSpan(start, length), vals.AsSpan(start, length));
            var rowStart = write;
            for (var p = start; p < start + length; p++)
            {
                if (write > rowStart && cols[write - 1] == cols[p])
                {
                    vals[write - 1] += vals[p];
                }
                else
                {
                    cols[write] = cols[p];
                    vals[write] = vals[p];
                    write++;
                }
            }

            newPointers[r + 1] = write;
        }

        return new UserItemMatrix(rowCount, columnCount, newPointers, cols[..write], vals[..write]);
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(RowCount);
        writer.Write(ColumnCount);
        writer.Write(_columns.Length);
        foreach (var p in _rowPointers)
        {
            writer.Write(p);
        }

        foreach (var c in _columns)
        {
            writer.Write(c);
        }

        foreach (var v in _values)
        {
            writer.Write(v);
        }
    }

    /// <summary>
    /// Reads a matrix written by <see cref="Write"/>; <paramref name="what"/> names it in errors. Besides the bounds,
    /// the columns of each row must strictly increase, as the class promises: the readers of a row merge it with an
    /// ordered walk or search it by halves, which an edited order would make skip or repeat cells without an error.
    /// </summary>
    internal static UserItemMatrix Read(BinaryReader reader, string what)
    {
        var rows = reader.ReadInt32();
        var columns = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (rows < 0 || columns < 0 || count < 0)
        {
            throw new InvalidDataException("Negative sparse matrix dimension.");
        }

        reader.CheckCount((long)rows + 1, $"Sparse matrix row pointers ({rows} rows)", 4);
        reader.CheckCount(count, "Sparse matrix cells", 8);
        var pointers = new int[rows + 1];
        for (var i = 0; i < pointers.Length; i++)
        {
            pointers[i] = reader.ReadInt32();
            if (i > 0 && (pointers[i] < pointers[i - 1] || pointers[i] > count))
            {
                throw new InvalidDataException($"Sparse matrix row {i - 1} ends at cell {pointers[i]}, outside {pointers[i - 1]} to {count}.");
            }
        }

        var cols = new int[count];
        for (var i = 0; i < count; i++)
        {
            cols[i] = reader.ReadInt32();
            if ((uint)cols[i] >= (uint)columns)
            {
                throw new InvalidDataException("Sparse matrix column index out of range.");
            }
        }

        var vals = new float[count];
        for (var i = 0; i < count; i++)
        {
            vals[i] = reader.ReadSingle();
        }

        if (pointers[0] != 0 || pointers[rows] != count)
        {
            throw new InvalidDataException("Sparse matrix row pointers are inconsistent.");
        }

        for (var r = 0; r < rows; r++)
        {
            for (var i = pointers[r] + 1; i < pointers[r + 1]; i++)
            {
                if (cols[i] <= cols[i - 1])
                {
                    throw new InvalidDataException(
                        $"{what}: row {r} lists column {cols[i]} after column {cols[i - 1]}; a row's columns strictly increase.");
                }
            }
        }

        return new UserItemMatrix(rows, columns, pointers, cols, vals);
    }

    private static void SortStable(Span<int> keys, Span<float> values)
    {
        // Insertion sort for short rows (stable); long rows fall back to a stable sort via composite keys.
        if (keys.Length <= 32)
        {
            for (var i = 1; i < keys.Length; i++)
            {
                var k = keys[i];
                var v = values[i];
                var j = i - 1;
                while (j >= 0 && keys[j] > k)
                {
                    keys[j + 1] = keys[j];
                    values[j + 1] = values[j];
                    j--;
                }

                keys[j + 1] = k;
                values[j + 1] = v;
            }

            return;
        }

        var composite = new long[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            composite[i] = ((long)keys[i] << 32) | (uint)i;
        }

        var copy = values.ToArray();
        Array.Sort(composite);
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (int)(composite[i] >> 32);
            values[i] = copy[(int)(composite[i] & 0xFFFFFFFF)];
        }
    }
}
