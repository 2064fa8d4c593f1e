namespace EnterpriseML.Engine.Data;

/// <summary>
/// Where each data row of a table read from a delimited file starts: its 1-based physical line, as the reader's
/// errors number lines (a quoted field with line breaks makes its record span several lines, so after it the data row
/// and the line part ways). Stored as the rows at which line − row changes, so a file without such fields costs
/// nothing per row. Immutable.
/// </summary>
internal sealed class RowLines
{
    private readonly int[] _rows;
    private readonly long[] _offsets;

    /// <param name="sourceName">The input's name in messages (<see cref="CsvOptions.SourceName"/> or the file name).</param>
    /// <param name="rows">Ascending rows at which <paramref name="offsets"/>[i] = line − row takes effect.</param>
    /// <param name="offsets">Line − row from that row on; before the first, 2 (the header is line 1).</param>
    public RowLines(string sourceName, int[] rows, long[] offsets)
    {
        SourceName = sourceName;
        _rows = rows;
        _offsets = offsets;
    }

    /// <summary>The input's name in messages.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line on which data row <paramref name="row"/> (0-based) starts.</summary>
    public long LineOf(int row)
    {
        var i = Array.BinarySearch(_rows, row);
        if (i < 0)
        {
            i = ~i - 1;
        }

        return row + (i < 0 ? 2 : _offsets[i]);
    }

    /// <summary>Collects the offsets as rows are read, one <see cref="Add"/> per row in order.</summary>
    public sealed class Builder
    {
        private readonly List<int> _rows = [];
        private readonly List<long> _offsets = [];
        private long _offset = 2;

        public void Add(long row, long line)
        {
            var offset = line - row;
            if (offset != _offset && row <= int.MaxValue)
            {
                _rows.Add((int)row);
                _offsets.Add(offset);
                _offset = offset;
            }
        }

        public RowLines Build(string sourceName) => new(sourceName, [.. _rows], [.. _offsets]);
    }
}
