namespace EnterpriseML.Engine.Models;

/// <summary>
/// A write-only stream that cannot seek: every write goes through to another stream and, when given, to an observer
/// (a hash). Disposing it leaves the other stream open. <see cref="ModelFile.Write"/> hashes its payload through one;
/// the tests and benchmarks use one to stand for a network stream.
/// </summary>
internal sealed class WriteThroughStream(Stream inner, WriteThroughStream.Observer? observe = null) : Stream
{
    /// <summary>Sees the bytes of each write, in order.</summary>
    public delegate void Observer(ReadOnlySpan<byte> bytes);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        observe?.Invoke(buffer);
        inner.Write(buffer);
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
