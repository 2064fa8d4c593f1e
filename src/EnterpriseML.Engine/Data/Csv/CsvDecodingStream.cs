using System.Globalization;
using System.Text;

namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// A read-only stream that decodes its source from a <see cref="CsvEncoding"/> and yields the same text as UTF-8, so
/// that <see cref="Utf8CsvReader"/> stays byte-level whatever the file's encoding. Line breaks are kept as they are,
/// so line numbers in errors are the source's. UTF-8 input passes through untouched. With no encoding given, a
/// leading UTF-16 byte-order mark (FF FE or FE FF) selects UTF-16, as it cannot begin UTF-8 text.
/// </summary>
internal sealed class CsvDecodingStream : Stream
{
    private const int ChunkBytes = 1 << 16;

    /// <summary>
    /// Windows-1252 bytes 0x80–0x9F, from the code page's published mapping; the unassigned 0x81, 0x8D, 0x8F, 0x90
    /// and 0x9D map to the C1 control of the same number, as Windows' own conversion does. Other bytes are Latin-1.
    /// </summary>
    private static readonly char[] Windows1252High =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    /// <summary>The character Windows-1252 gives <paramref name="value"/>.</summary>
    public static char Windows1252Char(byte value) => value is >= 0x80 and < 0xA0 ? Windows1252High[value - 0x80] : (char)value;

    private readonly Stream _source;
    private readonly string _sourceName;
    private readonly Mode _mode;
    private readonly byte[] _in;
    private readonly byte[] _out;
    private int _inStart;
    private int _inEnd;
    private int _outStart;
    private int _outEnd;
    private bool _sourceEnd;

    // Where decoding is, for errors: 1-based line and character column, as Utf8CsvReader counts them.
    private long _line = 1;
    private int _column = 1;
    private bool _afterCr;

    private CsvDecodingStream(Stream source, string sourceName, Mode mode, CsvEncoding encoding, byte[] prefix, int prefixLength)
    {
        _source = source;
        _sourceName = sourceName;
        _mode = mode;
        Encoding = encoding;
        _in = new byte[mode == Mode.PassThrough ? Math.Max(prefixLength, 1) : ChunkBytes];
        _out = mode == Mode.PassThrough ? [] : new byte[3 * ChunkBytes];
        prefix.AsSpan(0, prefixLength).CopyTo(_in);
        _inEnd = prefixLength;
        SourceBytes = prefixLength;
    }

    private enum Mode
    {
        PassThrough,
        Windows1252,
        Latin1,
        Utf16LittleEndian,
        Utf16BigEndian,
    }

    /// <summary>The encoding being read: the one given, or the one a byte-order mark selected when none was.</summary>
    public CsvEncoding Encoding { get; }

    /// <summary>How many bytes have been read from the source (what <see cref="CsvOptions.MaxBytes"/> limits).</summary>
    public long SourceBytes { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Wraps <paramref name="source"/> to decode it from <paramref name="encoding"/> (null: UTF-8 unless a UTF-16
    /// byte-order mark says otherwise); <paramref name="setting"/> says how the caller's user sets the encoding, for
    /// messages (<see cref="CsvOptions.EncodingSetting"/>).
    /// </summary>
    public static CsvDecodingStream Open(Stream source, CsvEncoding? encoding, string sourceName, string setting)
    {
        if (encoding == CsvEncoding.Utf8)
        {
            return new CsvDecodingStream(source, sourceName, Mode.PassThrough, CsvEncoding.Utf8, [], 0);
        }

        var head = new byte[3];
        var length = 0;
        while (length < head.Length)
        {
            var read = source.Read(head, length, head.Length - length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return Create(source, encoding, sourceName, setting, head, length);
    }

    /// <summary>As <see cref="Open"/>, reading the source's first bytes asynchronously (a request body that allows no synchronous reads).</summary>
    public static async ValueTask<CsvDecodingStream> OpenAsync(Stream source, CsvEncoding? encoding, string sourceName, string setting, CancellationToken cancellationToken)
    {
        if (encoding == CsvEncoding.Utf8)
        {
            return new CsvDecodingStream(source, sourceName, Mode.PassThrough, CsvEncoding.Utf8, [], 0);
        }

        var head = new byte[3];
        var length = 0;
        while (length < head.Length)
        {
            var read = await source.ReadAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return Create(source, encoding, sourceName, setting, head, length);
    }

    private static CsvDecodingStream Create(Stream source, CsvEncoding? encoding, string sourceName, string setting, byte[] head, int length)
    {
        var littleMark = length >= 2 && head[0] == 0xFF && head[1] == 0xFE;
        var bigMark = length >= 2 && head[0] == 0xFE && head[1] == 0xFF;
        var utf8Mark = length == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF;
        switch (encoding)
        {
            case null:
                return littleMark || bigMark
                    ? Utf16(source, sourceName, CsvEncoding.Utf16, bigMark, head, length, 2)
                    : new CsvDecodingStream(source, sourceName, Mode.PassThrough, CsvEncoding.Utf8, head, length);
            case CsvEncoding.Utf16:
                return Utf16(source, sourceName, CsvEncoding.Utf16, bigMark, head, length, littleMark || bigMark ? 2 : 0);
            case CsvEncoding.Utf16LittleEndian or CsvEncoding.Utf16BigEndian:
            {
                var big = encoding == CsvEncoding.Utf16BigEndian;
                if (big ? littleMark : bigMark)
                {
                    throw new CsvFormatException(sourceName, null, null,
                        $"the input starts with a UTF-16 {(big ? "little" : "big")}-endian byte-order mark ({(big ? "FF FE" : "FE FF")}), but {setting} is {CsvEncodings.NameOf(encoding.Value)}; set it to utf-16 to let the mark decide.");
                }

                return Utf16(source, sourceName, encoding.Value, big, head, length, (big ? bigMark : littleMark) ? 2 : 0);
            }

            case CsvEncoding.Windows1252 or CsvEncoding.Latin1:
            {
                if (utf8Mark || littleMark || bigMark)
                {
                    var (what, name) = utf8Mark ? ("UTF-8", "utf-8") : ("UTF-16", "utf-16");
                    throw new CsvFormatException(sourceName, null, null,
                        $"the input starts with a {what} byte-order mark, so it is {what} text, not {CsvEncodings.NameOf(encoding.Value)} as {setting} says; set it to {name} or leave it unset.");
                }

                var mode = encoding == CsvEncoding.Windows1252 ? Mode.Windows1252 : Mode.Latin1;
                return new CsvDecodingStream(source, sourceName, mode, encoding.Value, head, length);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown encoding.");
        }
    }

    private static CsvDecodingStream Utf16(Stream source, string sourceName, CsvEncoding encoding, bool bigEndian, byte[] head, int length, int skip)
    {
        var stream = new CsvDecodingStream(source, sourceName, bigEndian ? Mode.Utf16BigEndian : Mode.Utf16LittleEndian, encoding, head, length);
        stream._inStart = skip;
        return stream;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_mode == Mode.PassThrough)
        {
            if (_inStart < _inEnd)
            {
                var n = Math.Min(buffer.Length, _inEnd - _inStart);
                _in.AsSpan(_inStart, n).CopyTo(buffer);
                _inStart += n;
                return n;
            }

            var read = _source.Read(buffer);
            SourceBytes += read;
            return read;
        }

        while (_outStart == _outEnd)
        {
            var keep = Compact();
            while (!_sourceEnd && _inEnd < _in.Length && _inEnd - keep < ChunkBytes / 2)
            {
                Received(_source.Read(_in, _inEnd, _in.Length - _inEnd));
            }

            if (!Decode())
            {
                return 0;
            }
        }

        return TakeOutput(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_mode == Mode.PassThrough)
        {
            if (_inStart < _inEnd)
            {
                return Read(buffer.Span);
            }

            var read = await _source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            SourceBytes += read;
            return read;
        }

        while (_outStart == _outEnd)
        {
            var keep = Compact();
            while (!_sourceEnd && _inEnd < _in.Length && _inEnd - keep < ChunkBytes / 2)
            {
                Received(await _source.ReadAsync(_in.AsMemory(_inEnd), cancellationToken).ConfigureAwait(false));
            }

            if (!Decode())
            {
                return 0;
            }
        }

        return TakeOutput(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int TakeOutput(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _outEnd - _outStart);
        _out.AsSpan(_outStart, count).CopyTo(buffer);
        _outStart += count;
        return count;
    }

    /// <summary>Moves the undecoded input (part of a UTF-16 character) to the buffer's start; returns its length.</summary>
    private int Compact()
    {
        var keep = _inEnd - _inStart;
        if (keep > 0 && _inStart > 0)
        {
            Buffer.BlockCopy(_in, _inStart, _in, 0, keep);
        }

        _inStart = 0;
        _inEnd = keep;
        return keep;
    }

    private void Received(int read)
    {
        if (read == 0)
        {
            _sourceEnd = true;
        }

        _inEnd += read;
        SourceBytes += read;
    }

    /// <summary>Decodes the input read; false at the source's end with nothing left to decode.</summary>
    private bool Decode()
    {
        _outStart = 0;
        _outEnd = 0;
        if (_inEnd == 0)
        {
            return false;
        }

        if (_mode is Mode.Windows1252 or Mode.Latin1)
        {
            DecodeSingleByte();
        }
        else
        {
            DecodeUtf16(_mode == Mode.Utf16BigEndian);
        }

        return true;
    }

    private void DecodeSingleByte()
    {
        var output = _out;
        var input = _in.AsSpan(0, _inEnd);
        var o = 0;
        var table = _mode == Mode.Windows1252;
        var i = 0;
        while (i < input.Length)
        {
            // A run of ASCII is the same bytes in UTF-8: copied whole (most CSV text is ASCII), not byte by byte.
            var run = input[i..].IndexOfAnyInRange((byte)0x80, (byte)0xFF);
            var ascii = run < 0 ? input.Length - i : run;
            input.Slice(i, ascii).CopyTo(output.AsSpan(o));
            o += ascii;
            i += ascii;
            if (i == input.Length)
            {
                break;
            }

            var b = input[i++];
            int c = table && b < 0xA0 ? Windows1252High[b - 0x80] : b;
            if (c < 0x800)
            {
                output[o++] = (byte)(0xC0 | (c >> 6));
                output[o++] = (byte)(0x80 | (c & 0x3F));
            }
            else
            {
                output[o++] = (byte)(0xE0 | (c >> 12));
                output[o++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                output[o++] = (byte)(0x80 | (c & 0x3F));
            }
        }

        _inStart = _inEnd;
        _outEnd = o;
    }

    private void DecodeUtf16(bool bigEndian)
    {
        var input = _in;
        var output = _out;
        var o = 0;
        var i = 0;
        var end = _inEnd;
        while (i + 1 < end)
        {
            int unit = bigEndian ? (input[i] << 8) | input[i + 1] : input[i] | (input[i + 1] << 8);
            int codePoint;
            var size = 2;
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 3 >= end)
                {
                    if (!_sourceEnd)
                    {
                        break;
                    }

                    throw Utf16Error(i, 2, $"a high surrogate (U+{unit:X4}) at the end of the input, without the low surrogate that must follow it");
                }

                int low = bigEndian ? (input[i + 2] << 8) | input[i + 3] : input[i + 2] | (input[i + 3] << 8);
                if (low is < 0xDC00 or > 0xDFFF)
                {
                    throw Utf16Error(i, 4, $"a high surrogate (U+{unit:X4}) followed by U+{low:X4} instead of a low surrogate");
                }

                codePoint = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                size = 4;
            }
            else if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                throw Utf16Error(i, 2, $"a low surrogate (U+{unit:X4}) without the high surrogate that must precede it");
            }
            else
            {
                codePoint = unit;
            }

            o += new Rune(codePoint).EncodeToUtf8(output.AsSpan(o));
            Advance(codePoint);
            i += size;
        }

        if (i + 1 == end && _sourceEnd)
        {
            throw Utf16Error(i, 1, "a single byte at the end of the input (UTF-16 text has an even number of bytes)");
        }

        _inStart = i;
        _outEnd = o;
    }

    /// <summary>Moves the error position past one decoded character.</summary>
    private void Advance(int codePoint)
    {
        if (codePoint == '\n')
        {
            _line += _afterCr ? 0 : 1;
            _column = 1;
        }
        else if (codePoint == '\r')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _afterCr = codePoint == '\r';
    }

    private CsvFormatException Utf16Error(int index, int length, string what)
    {
        var offset = SourceBytes - (_inEnd - index);
        var bytes = new StringBuilder();
        for (var k = index; k < index + length && k < _inEnd; k++)
        {
            bytes.Append(bytes.Length == 0 ? "" : " ").Append(CultureInfo.InvariantCulture, $"0x{_in[k]:X2}");
        }

        return new CsvFormatException(_sourceName, _line, _column, string.Create(CultureInfo.InvariantCulture,
            $"the input is not valid {CsvEncodings.NameOf(Encoding)} text: {(length == 1 ? "byte" : "bytes")} {bytes} at byte offset {offset} {(length == 1 ? "is" : "are")} {what}."));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
