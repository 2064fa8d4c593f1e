namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// The trimmed field bytes of one column, appended row by row into fixed-size chunks, each value prefixed by its
/// length as a 7-bit varint (0 = missing). Read back once, sequentially, when the typed column is built: about one
/// byte of overhead per row and no per-row objects.
/// </summary>
internal sealed class RawColumnStore
{
    private const int ChunkSize = 256 * 1024;
    private readonly List<byte[]> _chunks = [];
    private readonly List<int> _chunkLengths = [];
    private byte[] _current = [];
    private int _currentLength;

    public void Add(ReadOnlySpan<byte> value)
    {
        var needed = value.Length + 5;
        if (_current.Length - _currentLength < needed)
        {
            if (_chunks.Count > 0)
            {
                _chunkLengths[^1] = _currentLength;
            }

            _current = new byte[Math.Max(ChunkSize, needed)];
            _chunks.Add(_current);
            _chunkLengths.Add(0);
            _currentLength = 0;
        }

        var length = (uint)value.Length;
        while (length >= 0x80)
        {
            _current[_currentLength++] = (byte)(length | 0x80);
            length >>= 7;
        }

        _current[_currentLength++] = (byte)length;
        value.CopyTo(_current.AsSpan(_currentLength));
        _currentLength += value.Length;
    }

    public void AddMissing() => Add([]);

    /// <summary>A sequential reader over the values; call <see cref="Cursor.Next"/> once per row.</summary>
    public Cursor GetCursor()
    {
        if (_chunks.Count > 0)
        {
            _chunkLengths[^1] = _currentLength;
        }

        return new Cursor(_chunks, _chunkLengths);
    }

    /// <summary>Reads the values back in order.</summary>
    public struct Cursor
    {
        private readonly List<byte[]> _chunks;
        private readonly List<int> _lengths;
        private int _chunk;
        private int _position;

        internal Cursor(List<byte[]> chunks, List<int> lengths)
        {
            _chunks = chunks;
            _lengths = lengths;
            _chunk = 0;
            _position = 0;
        }

        /// <summary>The next value; empty for a missing one.</summary>
        public ReadOnlySpan<byte> Next()
        {
            if (_position >= _lengths[_chunk])
            {
                _chunk++;
                _position = 0;
            }

            var data = _chunks[_chunk];
            uint length = 0;
            var shift = 0;
            byte b;
            do
            {
                b = data[_position++];
                length |= (uint)(b & 0x7F) << shift;
                shift += 7;
            }
            while (b >= 0x80);

            var value = data.AsSpan(_position, (int)length);
            _position += (int)length;
            return value;
        }
    }
}
