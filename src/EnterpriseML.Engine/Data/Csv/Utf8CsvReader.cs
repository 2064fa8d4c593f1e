using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// A forward-only RFC 4180 record reader over a UTF-8 stream (other encodings are decoded to UTF-8 first by
/// <see cref="CsvDecodingStream"/>). It reads the stream in large blocks, validates them as UTF-8, and exposes each record's fields as byte spans into its buffers (no string is created per field). Quoted
/// fields may contain delimiters, doubled quotes and line breaks; CRLF, LF and lone CR end a record; blank lines are
/// skipped; a leading UTF-8 byte-order mark is ignored.
/// </summary>
internal sealed class Utf8CsvReader
{
    private const int InitialBufferSize = 1 << 20;
    private const int DetectionSampleLines = 50;
    private static readonly byte[] Candidates = [(byte)',', (byte)';', (byte)'\t', (byte)'|'];

    private readonly CsvDecodingStream _stream;
    private readonly long _maxBytes;
    private readonly char? _givenDelimiter;
    private readonly string _encodingSetting;
    private readonly bool _encodingGiven;
    private bool _delimiterKnown;
    private readonly CancellationToken _cancellationToken;
    private readonly SearchValues<byte> _fieldEnds;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private int _validated;
    private bool _eof;
    private long _bytesRead;
    private long _line = 1;

    // Field i is _buffer[start..start+length] when start >= 0, else _scratch[~start..~start+length].
    private int[] _fieldStarts = new int[64];
    private int[] _fieldLengths = new int[64];
    private byte[] _scratch = new byte[256];
    private int _scratchLength;

    public Utf8CsvReader(Stream stream, CsvOptions options, string sourceName, CancellationToken cancellationToken)
    {
        _maxBytes = options.MaxBytes;
        _givenDelimiter = options.Delimiter;
        _encodingSetting = options.EncodingSetting;
        _encodingGiven = options.Encoding is not null;
        SourceName = sourceName;
        _cancellationToken = cancellationToken;
        if (stream.CanSeek && stream.Length - stream.Position > _maxBytes)
        {
            throw TooLarge();
        }

        _stream = CsvDecodingStream.Open(stream, options.Encoding, sourceName, options.EncodingSetting);

        while (_end < _buffer.Length && Fill())
        {
        }

        if (_end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = 3;
        }

        Delimiter = _givenDelimiter is { } d ? (byte)d : DetectDelimiter(_buffer.AsSpan(_start, _end - _start));
        _delimiterKnown = true;
        _fieldEnds = SearchValues.Create([Delimiter, (byte)'\r', (byte)'\n']);
    }

    public string SourceName { get; }

    /// <summary>The encoding the input is read in: the one given, or the one its byte-order mark selected.</summary>
    public CsvEncoding Encoding => _stream.Encoding;

    /// <summary>The delimiter in use (given or detected).</summary>
    public byte Delimiter { get; }

    /// <summary>The number of fields of the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>The 1-based physical line on which the current record starts.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Field <paramref name="index"/> of the current record, unquoted and unescaped.</summary>
    public ReadOnlySpan<byte> Field(int index)
    {
        var start = _fieldStarts[index];
        return start >= 0
            ? _buffer.AsSpan(start, _fieldLengths[index])
            : _scratch.AsSpan(~start, _fieldLengths[index]);
    }

    /// <summary>Field <paramref name="index"/> decoded as a string (for headers and error messages).</summary>
    public string FieldString(int index) => System.Text.Encoding.UTF8.GetString(Field(index));

    /// <summary>Advances to the next record; false at the end of the input.</summary>
    public bool Read()
    {
        while (true)
        {
            switch (TryParseRecord())
            {
                case ParseStatus.Record:
                    return true;
                case ParseStatus.End:
                    return false;
                default:
                    Fill();
                    break;
            }
        }
    }

    /// <summary>The error for data that ends or breaks at <paramref name="position"/> of the buffer.</summary>
    public CsvFormatException Error(int position, string detail)
    {
        var (line, column) = Locate(position);
        return new CsvFormatException(SourceName, line, column, detail);
    }

    private enum ParseStatus
    {
        Record,
        End,
        NeedMore,
    }

    private ParseStatus TryParseRecord()
    {
        var buffer = _buffer;
        var end = _end;
        var pos = _start;

        // Skip blank lines; committing them is safe because they hold no fields.
        while (pos < end && buffer[pos] is (byte)'\n' or (byte)'\r')
        {
            if (buffer[pos] == '\r' && pos + 1 == end && !_eof)
            {
                return ParseStatus.NeedMore;
            }

            var crlf = buffer[pos] == '\r' && pos + 1 < end && buffer[pos + 1] == '\n';
            pos += crlf ? 2 : 1;
            _line++;
            _start = pos;
        }

        if (pos == end)
        {
            return _eof ? ParseStatus.End : ParseStatus.NeedMore;
        }

        var delimiter = Delimiter;
        var fieldCount = 0;
        var newlines = 0;
        _scratchLength = 0;
        while (true)
        {
            if (pos == end)
            {
                // Only reached after a delimiter at the very end of the input: a trailing empty field.
                if (!_eof)
                {
                    return ParseStatus.NeedMore;
                }

                AddField(ref fieldCount, pos, 0);
                break;
            }

            if (buffer[pos] == '"')
            {
                var open = pos;
                var contentStart = ++pos;
                var escaped = false;
                var scratchStart = _scratchLength;
                while (true)
                {
                    var quote = buffer.AsSpan(pos, end - pos).IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        if (_eof)
                        {
                            throw Error(open, "unterminated quoted field (the closing double quote is missing).");
                        }

                        return ParseStatus.NeedMore;
                    }

                    var segment = buffer.AsSpan(pos, quote);
                    newlines += LineBreaks(segment);
                    var after = pos + quote + 1;
                    if (after == end && !_eof)
                    {
                        return ParseStatus.NeedMore;
                    }

                    if (after < end && buffer[after] == '"')
                    {
                        escaped = true;
                        AppendScratch(buffer.AsSpan(pos, quote + 1));
                        pos = after + 1;
                        continue;
                    }

                    if (escaped)
                    {
                        AppendScratch(segment);
                        AddField(ref fieldCount, ~scratchStart, _scratchLength - scratchStart);
                    }
                    else
                    {
                        AddField(ref fieldCount, contentStart, after - 1 - contentStart);
                    }

                    pos = after;
                    break;
                }

                if (pos == end)
                {
                    break;
                }

                var next = buffer[pos];
                if (next == delimiter)
                {
                    pos++;
                    continue;
                }

                if (next is not ((byte)'\r' or (byte)'\n'))
                {
                    throw Error(pos, $"unexpected {Describe(next)} after the closing quote of a quoted field (a double quote inside a quoted field must be doubled).");
                }
            }
            else
            {
                var length = FindFieldEnd(buffer, pos, end, delimiter);
                if (length < 0)
                {
                    if (!_eof)
                    {
                        return ParseStatus.NeedMore;
                    }

                    AddField(ref fieldCount, pos, end - pos);
                    pos = end;
                    break;
                }

                AddField(ref fieldCount, pos, length);
                pos += length;
                if (buffer[pos] == delimiter)
                {
                    pos++;
                    continue;
                }
            }

            break;
        }

        // pos is at the record's line break, or at the end of the input.
        var lineBreaks = 0;
        if (pos < end)
        {
            if (buffer[pos] == '\r')
            {
                if (pos + 1 == end && !_eof)
                {
                    return ParseStatus.NeedMore;
                }

                pos += pos + 1 < end && buffer[pos + 1] == '\n' ? 2 : 1;
            }
            else
            {
                pos++;
            }

            lineBreaks = 1;
        }

        FieldCount = fieldCount;
        RecordLine = _line;
        _line += newlines + lineBreaks;
        _start = pos;
        return ParseStatus.Record;
    }

    /// <summary>
    /// The length of the unquoted field at <paramref name="start"/>, or -1 when no delimiter or line break follows
    /// before <paramref name="end"/>. Most fields are short, so a few bytes are checked one by one before the
    /// vectorised search.
    /// </summary>
    private int FindFieldEnd(byte[] buffer, int start, int end, byte delimiter)
    {
        var limit = Math.Min(end, start + 16);
        var head = buffer.AsSpan(start, limit - start);
        for (var i = 0; i < head.Length; i++)
        {
            var b = head[i];
            if (b == delimiter || b == '\n' || b == '\r')
            {
                return i;
            }
        }

        if (limit == end)
        {
            return -1;
        }

        var rest = buffer.AsSpan(limit, end - limit).IndexOfAny(_fieldEnds);
        return rest < 0 ? -1 : limit - start + rest;
    }

    private void AddField(ref int fieldCount, int start, int length)
    {
        if (fieldCount == _fieldStarts.Length)
        {
            Array.Resize(ref _fieldStarts, fieldCount * 2);
            Array.Resize(ref _fieldLengths, fieldCount * 2);
        }

        _fieldStarts[fieldCount] = start;
        _fieldLengths[fieldCount] = length;
        fieldCount++;
    }

    private void AppendScratch(ReadOnlySpan<byte> bytes)
    {
        if (_scratchLength + bytes.Length > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _scratchLength + bytes.Length));
        }

        bytes.CopyTo(_scratch.AsSpan(_scratchLength));
        _scratchLength += bytes.Length;
    }

    /// <summary>Reads more input after the current record start; returns false at the end of the stream.</summary>
    private bool Fill()
    {
        if (_eof)
        {
            return false;
        }

        _cancellationToken.ThrowIfCancellationRequested();
        if (_start > 0)
        {
            var keep = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, keep);
            _validated -= _start;
            _end = keep;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // One record larger than the buffer: grow (bounded by MaxBytes).
            if (_buffer.Length == Array.MaxLength)
            {
                throw new CsvFormatException(SourceName, _line, null, string.Create(CultureInfo.InvariantCulture,
                    $"a record is longer than {Array.MaxLength} bytes."));
            }

            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, 2L * _buffer.Length));
        }

        var any = false;
        while (_end < _buffer.Length)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
                break;
            }

            any = true;
            _end += read;
            _bytesRead += read;
            if (_stream.SourceBytes > _maxBytes)
            {
                throw TooLarge();
            }
        }

        Validate();
        return any;
    }

    /// <summary>Validates newly read bytes as UTF-8, holding back a sequence cut at the end of the buffer.</summary>
    private void Validate()
    {
        var limit = _end;
        if (!_eof)
        {
            // Back up over at most 3 trailing bytes that may start an incomplete sequence.
            var lead = _end - 1;
            while (lead >= _validated && lead > _end - 4 && (_buffer[lead] & 0xC0) == 0x80)
            {
                lead--;
            }

            if (lead >= _validated && _buffer[lead] >= 0xC0)
            {
                limit = lead;
            }
        }

        var span = _buffer.AsSpan(_validated, limit - _validated);
        if (!Utf8.IsValid(span))
        {
            var offset = 0;
            int consumed;
            while (Rune.DecodeFromUtf8(span[offset..], out _, out consumed) == OperationStatus.Done)
            {
                offset += consumed;
            }

            throw NotUtf8(_validated + offset, consumed);
        }

        _validated = limit;
    }

    private CsvFormatException NotUtf8(int position, int length)
    {
        var absolute = _bytesRead - (_end - position);
        var value = _buffer[position];
        if (absolute <= 1 && _end >= 2 && ((_buffer[0] == 0xFF && _buffer[1] == 0xFE) || (_buffer[0] == 0xFE && _buffer[1] == 0xFF)))
        {
            // Only reached when UTF-8 was given: without an encoding the mark selects UTF-16.
            return new CsvFormatException(SourceName, null, null,
                $"the input is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8 as {_encodingSetting} says; set it to utf-16 or leave it unset.");
        }

        if (absolute <= 1 && _end >= 2 && _buffer[0] == 0x1F && _buffer[1] == 0x8B)
        {
            return new CsvFormatException(SourceName, null, null,
                "the input is gzip-compressed, not text; decompress it or upload the .csv file.");
        }

        var bytes = new StringBuilder();
        for (var k = position; k < position + Math.Max(length, 1) && k < _end; k++)
        {
            bytes.Append(bytes.Length == 0 ? "" : " ").Append(CultureInfo.InvariantCulture, $"0x{_buffer[k]:X2}");
        }

        // What a lone byte would be in Windows-1252, so the user sees the letter the file meant ('é' for 0xE9).
        var meaning = "";
        if (length <= 1 && value >= 0x80 && CsvDecodingStream.Windows1252Char(value) is var meant && !char.IsControl(meant))
        {
            meaning = $" ('{meant}' in Windows-1252)";
        }

        var hint = _encodingGiven
            ? $"{_encodingSetting} says UTF-8; if the file is Windows-1252 or ISO-8859-1 text, set it to windows-1252 or iso-8859-1."
            : $"if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set {_encodingSetting} to windows-1252 or iso-8859-1; otherwise save it as UTF-8.";
        return Error(position, string.Create(CultureInfo.InvariantCulture,
            $"the input is not UTF-8 text: field {FieldAt(position)} holds {(length <= 1 ? "byte" : "bytes")} {bytes}{meaning} at byte offset {absolute}; {hint}"));
    }

    /// <summary>
    /// The 1-based field of the record that buffer position <paramref name="position"/> is in, counting delimiters
    /// outside quotes from the current record's start (the delimiter is detected here when the error comes before it
    /// was, while the first block is read).
    /// </summary>
    private int FieldAt(int position)
    {
        var delimiter = _delimiterKnown ? Delimiter : _givenDelimiter is { } d ? (byte)d : DetectDelimiter(_buffer.AsSpan(_start, _end - _start));
        var field = 1;
        var inQuotes = false;
        for (var i = _start; i < position; i++)
        {
            var b = _buffer[i];
            if (b == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && b == delimiter)
            {
                field++;
            }
            else if (!inQuotes && b is (byte)'\r' or (byte)'\n')
            {
                field = 1;
            }
        }

        return field;
    }

    private CsvFormatException TooLarge() => new(SourceName, null, null, string.Create(CultureInfo.InvariantCulture,
        $"the input is larger than the limit of {_maxBytes} bytes (CsvOptions.MaxBytes)."));

    /// <summary>
    /// The line breaks in <paramref name="text"/>: LF, CRLF and a lone CR each count one, as they do between records
    /// (a file with CR line ends has its quoted line breaks as CRs too).
    /// </summary>
    private static int LineBreaks(ReadOnlySpan<byte> text)
    {
        var breaks = text.Count((byte)'\n');
        if (text.IndexOf((byte)'\r') < 0)
        {
            return breaks;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n'))
            {
                breaks++;
            }
        }

        return breaks;
    }

    /// <summary>The physical line and 1-based character column of buffer position <paramref name="position"/>.</summary>
    private (long Line, int Column) Locate(int position)
    {
        var prefix = _buffer.AsSpan(_start, position - _start);
        var line = _line + LineBreaks(prefix);
        var lineStart = prefix.LastIndexOfAny((byte)'\n', (byte)'\r') + 1;
        var column = 1;
        foreach (var b in prefix[lineStart..])
        {
            if ((b & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return (line, column);
    }

    private static string Describe(byte value) => value is >= 0x20 and < 0x7F
        ? $"character '{(char)value}'"
        : string.Create(CultureInfo.InvariantCulture, $"byte 0x{value:X2}");

    /// <summary>
    /// Picks the candidate that occurs outside quotes on the header line and the same number of times on the most
    /// sampled lines (ties: more occurrences in the header; then the order , ; tab |). When the header has none (one
    /// column), the first candidate that no sampled line contains, so that values are not split; else comma.
    /// </summary>
    internal static byte DetectDelimiter(ReadOnlySpan<byte> sample)
    {
        Span<int> header = stackalloc int[Candidates.Length];
        Span<int> current = stackalloc int[Candidates.Length];
        Span<int> consistent = stackalloc int[Candidates.Length];
        Span<int> total = stackalloc int[Candidates.Length];
        var lines = 0;
        var inQuotes = false;
        for (var i = 0; i <= sample.Length && lines < DetectionSampleLines; i++)
        {
            var atEnd = i == sample.Length;
            var b = atEnd ? (byte)'\n' : sample[i];
            if (b == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && b is (byte)'\n' or (byte)'\r')
            {
                if (atEnd && i > 0 && sample[i - 1] is (byte)'\n' or (byte)'\r')
                {
                    break;
                }

                var blank = true;
                for (var c = 0; c < Candidates.Length; c++)
                {
                    blank &= current[c] == 0;
                }

                if (lines == 0)
                {
                    current.CopyTo(header);
                    lines = 1;
                }
                else if (!blank)
                {
                    for (var c = 0; c < Candidates.Length; c++)
                    {
                        consistent[c] += current[c] == header[c] ? 1 : 0;
                    }

                    lines++;
                }

                current.Clear();
            }
            else if (!inQuotes)
            {
                var c = Candidates.AsSpan().IndexOf(b);
                if (c >= 0)
                {
                    current[c]++;
                    total[c]++;
                }
            }
        }

        var best = -1;
        for (var c = 0; c < Candidates.Length; c++)
        {
            if (header[c] == 0)
            {
                continue;
            }

            if (best < 0 || consistent[c] > consistent[best] || (consistent[c] == consistent[best] && header[c] > header[best]))
            {
                best = c;
            }
        }

        if (best < 0)
        {
            // A single-column header: choose a candidate that the sampled rows never use, so none is split.
            for (var c = 0; c < Candidates.Length && best < 0; c++)
            {
                best = total[c] == 0 ? c : -1;
            }
        }

        return best < 0 ? (byte)',' : Candidates[best];
    }
}
