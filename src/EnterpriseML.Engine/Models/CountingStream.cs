namespace EnterpriseML.Engine.Models;

/// <summary>
/// A stream that only counts: the size of a saved model without keeping its bytes. It can seek, as a file can, so
/// <see cref="ModelFile.Write"/> streams the payload into it instead of buffering a copy; the length is the furthest
/// position written.
/// </summary>
internal sealed class CountingStream : Stream
{
    private long _position;
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        _length = value;
        _position = Math.Min(_position, value);
    }

    public override void Write(byte[] buffer, int offset, int count) => Advance(count);

    public override void Write(ReadOnlySpan<byte> buffer) => Advance(buffer.Length);

    public override void WriteByte(byte value) => Advance(1);

    private void Advance(int count)
    {
        _position += count;
        _length = Math.Max(_length, _position);
    }
}
