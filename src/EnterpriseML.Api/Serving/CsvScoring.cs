using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Api.Serving;

/// <summary>
/// Batch CSV scoring, streamed: the request body is read asynchronously into one pooled block (the header kept at its
/// front), and every time the block holds <see cref="BlockBytes"/> the complete records in it are parsed by
/// <see cref="CsvRowReader"/> (the same format rules and messages as <c>eml predict</c>'s reader), featurised row by row
/// into a block of <see cref="BlockRows"/> rows and scored with the model's batch path. Memory is the block plus 4
/// bytes per output value: the predictions are held until the whole body has validated, so a bad row anywhere is
/// still a 400 naming its line, not a response cut short.
/// </summary>
internal sealed class CsvScoringSession : IDisposable
{
    public const int BlockBytes = 4 << 20;
    public const int BlockRows = 4096;
    public const string SourceName = "request body";

    /// <summary>How a caller sets the body's encoding, named in the error for a body that is not UTF-8.</summary>
    public const string CharsetSetting = "the Content-Type's charset parameter";
    private const int InternLimit = 4096;

    /// <summary>The most columns the body's header may have: the service's <c>Storage:MaxColumns</c>, as for an upload.</summary>
    public int MaxColumns { get; init; } = CsvOptions.DefaultMaxColumns;

    private readonly ServedTabular _model;
    private readonly PredictionEngine _engine;
    private readonly int _denseWidth;
    private readonly float[] _rowMajor;
    private readonly List<int>? _sparsePointers;
    private readonly List<int>? _sparseIndices;
    private readonly List<float>? _sparseValues;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>>[] _levels;
    private byte[] _block = ArrayPool<byte>.Shared.Rent(BlockBytes + (64 << 10));
    private int _length;
    private int _headerLength = -1;
    private long _headerNewlines;
    private long _consumedNewlines;
    private char? _delimiter;
    private int[] _ordinals = [];
    private ColumnType[] _types = [];
    private float[] _outputs = new float[BlockRows];
    private int _blockCount;

    public CsvScoringSession(ServedTabular model)
    {
        _model = model;
        _engine = model.RentEngine();
        _denseWidth = model.Model.Features.DenseWidth;
        _rowMajor = new float[BlockRows * _denseWidth];
        if (model.Model.Features.SparseWidth > 0)
        {
            _sparsePointers = [0];
            _sparseIndices = [];
            _sparseValues = [];
        }

        _levels = new Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>>[model.Inputs.Count];
        for (var i = 0; i < _levels.Length; i++)
        {
            _levels[i] = new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    /// <summary>
    /// True when the request named its charset: the body reaches the session decoded to UTF-8, and only UTF-8 is read
    /// then; else the reader's default (UTF-8, a UTF-16 byte-order mark having been decoded before).
    /// </summary>
    public bool CharsetGiven { get; init; }

    /// <summary>Schema inputs absent from the header (a 400 naming them), once the header is read.</summary>
    public string[] MissingColumns { get; private set; } = [];

    /// <summary>Header columns that are neither inputs nor the label, in header order.</summary>
    public string[] IgnoredColumns { get; private set; } = [];

    public int RowCount { get; private set; }

    public ReadOnlyMemory<float> Outputs => _outputs.AsMemory(0, RowCount * _model.Model.OutputWidth);

    /// <summary>
    /// Reads and scores the whole body; a header line without data rows is an empty batch. Throws
    /// <see cref="CsvFormatException"/> for a malformed or empty body; stops early when <see cref="MissingColumns"/> is set.
    /// </summary>
    public async Task ReadAsync(PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            foreach (var segment in buffer)
            {
                var span = segment.Span;
                while (span.Length > 0)
                {
                    EnsureRoom(span.Length);
                    var take = Math.Min(span.Length, _block.Length - _length);
                    span[..take].CopyTo(_block.AsSpan(_length));
                    _length += take;
                    span = span[take..];
                    if (_length - Math.Max(0, _headerLength) >= BlockBytes && !ScoreComplete(final: false))
                    {
                        body.AdvanceTo(buffer.End);
                        return;
                    }
                }
            }

            body.AdvanceTo(buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        // A header line alone is an empty batch (0 rows), as {"rows": []} is for JSON; an empty body fails in the reader.
        ScoreComplete(final: true);
    }

    public void Dispose()
    {
        _model.ReturnEngine(_engine);
        ArrayPool<byte>.Shared.Return(_block);
        _block = [];
    }

    private void EnsureRoom(int wanted)
    {
        if (_length + Math.Min(wanted, 1) > _block.Length)
        {
            // A record longer than the block: grow (rare; the block otherwise stays one size).
            var bigger = ArrayPool<byte>.Shared.Rent(_block.Length * 2);
            _block.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_block);
            _block = bigger;
        }
    }

    /// <summary>Scores the complete records in the block and keeps the incomplete tail; false when the header lacks inputs.</summary>
    private bool ScoreComplete(bool final)
    {
        var start = Math.Max(0, _headerLength);
        var end = final ? _length : start + LastRecordEnd(_block.AsSpan(start, _length - start));
        if (end <= start && !(final && _headerLength < 0))
        {
            return true;
        }

        using var stream = new MemoryStream(_block, 0, end, writable: false);
        var first = _headerLength < 0;
        try
        {
            using var rows = CsvRowReader.Open(stream, new CsvOptions { SourceName = SourceName, Delimiter = _delimiter, Encoding = CharsetGiven ? CsvEncoding.Utf8 : null, EncodingSetting = CharsetSetting, MaxColumns = MaxColumns, MaxColumnsSetting = "Storage:MaxColumns" }, leaveOpen: true);
            if (first && !ReadHeader(rows, end))
            {
                return false;
            }

            ScoreRows(rows);
        }
        catch (CsvFormatException e) when (!first && e.Line is { } line)
        {
            throw new CsvFormatException(SourceName, line - _headerNewlines + _consumedNewlines, e.Column, e.Detail);
        }

        _consumedNewlines += first ? CountLineEnds(_block.AsSpan(0, end)) : CountLineEnds(_block.AsSpan(_headerLength, end - _headerLength));
        var tail = _length - end;
        _block.AsSpan(end, tail).CopyTo(_block.AsSpan(_headerLength));
        _length = _headerLength + tail;
        return true;
    }

    private bool ReadHeader(CsvRowReader rows, int end)
    {
        var names = rows.ColumnNames;
        var present = new HashSet<string>(names, StringComparer.Ordinal);
        MissingColumns = [.. _model.SchemaInputs.Where(c => !present.Contains(c))];
        if (MissingColumns.Length > 0)
        {
            return false;
        }

        var known = new HashSet<string>(_model.SchemaInputs, StringComparer.Ordinal) { _model.Label };
        IgnoredColumns = [.. names.Where(c => !known.Contains(c))];
        _delimiter = rows.Delimiter;
        _ordinals = new int[_model.Inputs.Count];
        _types = new ColumnType[_ordinals.Length];
        var schemaTypes = _model.Model.Schema.InputTypes;
        for (var i = 0; i < _ordinals.Length; i++)
        {
            // Fields are parsed by the schema's type (what eml predict's reader does); the engine converts to the featurizer's.
            _types[i] = schemaTypes.TryGetValue(_model.Inputs[i].Name, out var type) ? type : _model.Inputs[i].Type;
            _ordinals[i] = present.Contains(_model.Inputs[i].Name) ? rows.GetOrdinal(_model.Inputs[i].Name) : -1;
        }

        _headerLength = HeaderEnd(_block.AsSpan(0, end));
        _headerNewlines = CountLineEnds(_block.AsSpan(0, _headerLength));
        return true;
    }

    private void ScoreRows(CsvRowReader rows)
    {
        var inputs = _model.Inputs;
        Span<char> chars = stackalloc char[256];
        while (rows.Read())
        {
            _engine.Clear();
            for (var i = 0; i < _ordinals.Length; i++)
            {
                var ordinal = _ordinals[i];
                if (ordinal < 0)
                {
                    continue;
                }

                switch (_types[i])
                {
                    case ColumnType.Numeric:
                        _engine.SetNumber(i, rows.GetSingle(ordinal));
                        break;
                    case ColumnType.Boolean:
                        _engine.SetNumber(i, rows.GetBoolean(ordinal));
                        break;
                    case ColumnType.DateTime:
                        var ticks = rows.GetDateTimeTicks(ordinal);
                        _engine.Set(i, ticks == DateTimeColumn.Missing ? RawValue.Missing : RawValue.FromTicks(ticks));
                        break;
                    case ColumnType.Categorical or ColumnType.Text when inputs[i].Type is ColumnType.Categorical or ColumnType.Text:
                        _engine.SetText(i, Level(i, rows.GetUtf8(ordinal), chars));
                        break;
                    default:
                        // The schema reads the column as text but the featurizer wants another type: the engine
                        // converts as the batch featurizers would (FormatException naming the column otherwise).
                        _engine.SetFromString(i, rows.GetString(ordinal));
                        break;
                }
            }

            AddRow();
        }

        Flush();
    }

    /// <summary>The field as a string, one shared instance per distinct value of a column (categorical levels repeat).</summary>
    private string? Level(int input, ReadOnlySpan<byte> utf8, Span<char> chars)
    {
        if (utf8.IsEmpty || IsMissingMarker(utf8))
        {
            return null;
        }

        if (utf8.Length > chars.Length)
        {
            return System.Text.Encoding.UTF8.GetString(utf8);
        }

        var length = System.Text.Encoding.UTF8.GetChars(utf8, chars);
        var text = chars[..length];
        var levels = _levels[input];
        if (levels.TryGetValue(text, out var known))
        {
            return known;
        }

        var value = new string(text);
        if (levels.Dictionary.Count < InternLimit)
        {
            levels.Dictionary[value] = value;
        }

        return value;
    }

    // CsvRowReader's missing markers (its IsMissing takes a column; this takes the trimmed bytes already read).
    private static bool IsMissingMarker(ReadOnlySpan<byte> trimmed) => trimmed.Length switch
    {
        1 => trimmed[0] == '?',
        2 => trimmed.SequenceEqual("NA"u8),
        3 => trimmed.SequenceEqual("N/A"u8) || trimmed.SequenceEqual("NaN"u8) || trimmed.SequenceEqual("nan"u8),
        4 => trimmed.SequenceEqual("null"u8) || trimmed.SequenceEqual("NULL"u8) || trimmed.SequenceEqual("Null"u8),
        _ => false,
    };

    private void AddRow()
    {
        var row = _engine.Featurize();
        row.Dense.CopyTo(_rowMajor.AsSpan(_blockCount * _denseWidth, _denseWidth));
        if (_sparsePointers is not null)
        {
            foreach (var index in row.SparseIndices)
            {
                _sparseIndices!.Add(index);
            }

            foreach (var value in row.SparseValues)
            {
                _sparseValues!.Add(value);
            }

            _sparsePointers.Add(_sparseIndices!.Count);
        }

        if (++_blockCount == BlockRows)
        {
            Flush();
        }
    }

    private void Flush()
    {
        var n = _blockCount;
        if (n == 0)
        {
            return;
        }

        var features = _model.Model.Features;
        var dense = new float[n * _denseWidth];
        for (var r = 0; r < n; r++)
        {
            var source = _rowMajor.AsSpan(r * _denseWidth, _denseWidth);
            for (var j = 0; j < source.Length; j++)
            {
                dense[(j * n) + r] = source[j];
            }
        }

        SparseMatrix? sparse = null;
        if (_sparsePointers is not null)
        {
            sparse = new SparseMatrix(n, features.SparseWidth, [.. _sparsePointers], [.. _sparseIndices!], [.. _sparseValues!]);
            _sparsePointers.Clear();
            _sparsePointers.Add(0);
            _sparseIndices!.Clear();
            _sparseValues!.Clear();
        }

        var k = _model.Model.OutputWidth;
        if (_outputs.Length < (RowCount + n) * k)
        {
            Array.Resize(ref _outputs, Math.Max((RowCount + n) * k, _outputs.Length * 2));
        }

        _model.Model.Predictor.PredictBatch(new FeatureMatrix(n, dense, _denseWidth, sparse, features.Features), _outputs.AsSpan(RowCount * k, n * k));
        RowCount += n;
        _blockCount = 0;
    }

    /// <summary>
    /// The length of the complete records at the start of <paramref name="data"/> (which starts at a record): up to the
    /// last line end outside quotes. A line end is LF, CRLF or a lone CR, as <see cref="CsvRowReader"/> reads them; a CR
    /// at the very end is not one yet (its LF may come with the next read), so a CRLF is never split.
    /// </summary>
    internal static int LastRecordEnd(ReadOnlySpan<byte> data)
    {
        var quoted = false;
        var last = 0;
        var position = 0;
        while (true)
        {
            var next = data[position..].IndexOfAny((byte)'"', (byte)'\n', (byte)'\r');
            if (next < 0)
            {
                return last;
            }

            position += next;
            if (data[position] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && LineEndAt(data, position) is { } length)
            {
                last = position + length;
                position += length - 1;
            }

            position++;
        }
    }

    /// <summary>The length of the header record: up to its first line end outside quotes (all of it when there is none).</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> data)
    {
        var quoted = false;
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && LineEndAt(data, i) is { } length)
            {
                return i + length;
            }
        }

        return data.Length;
    }

    /// <summary>
    /// The length of the line end at <paramref name="i"/>: 1 for LF or a lone CR, 2 for CRLF; null for another byte or
    /// a CR that ends <paramref name="data"/> (undecided until the next byte is known).
    /// </summary>
    private static int? LineEndAt(ReadOnlySpan<byte> data, int i) => data[i] switch
    {
        (byte)'\n' => 1,
        (byte)'\r' when i + 1 < data.Length => data[i + 1] == '\n' ? 2 : 1,
        _ => null,
    };

    /// <summary>Line ends in <paramref name="data"/> (LF, CRLF and lone CR each count once), as the reader numbers lines.</summary>
    internal static long CountLineEnds(ReadOnlySpan<byte> data)
    {
        long count = data.Count((byte)'\n');
        var rest = data;
        while (rest.IndexOf((byte)'\r') is var cr and >= 0)
        {
            if (cr + 1 == rest.Length || rest[cr + 1] != '\n')
            {
                count++; // a lone CR; a CRLF is counted by its LF
            }

            rest = rest[(cr + 1)..];
        }

        return count;
    }
}

/// <summary>
/// The CSV scoring format, shared with <c>eml predict</c>: binary <c>label,probability</c>, and <c>label,probability,alert</c>
/// (<c>true</c> when the probability is at or above the model's alert threshold) for a model with one; multiclass
/// <c>label,p_CLASS...</c>; regression <c>value</c>.
/// </summary>
internal static class CsvPredictions
{
    private const int FlushBytes = 32 << 10;

    /// <summary>Writes the header and one line per row straight into <paramref name="output"/> as UTF-8, flushing every 32 KiB.</summary>
    public static async Task WriteAsync(ServedTabular model, ReadOnlyMemory<float> outputs, int rows, PipeWriter output, CancellationToken cancellationToken)
    {
        var schema = model.Model.Schema;
        var header = schema.Task switch
        {
            TaskKind.Binary => model.AlertThreshold is null ? "label,probability" : "label,probability,alert",
            TaskKind.Multiclass => "label," + string.Join(',', schema.ClassNames.Select(c => Quote("p_" + c))),
            _ => "value",
        };
        var headerBytes = System.Text.Encoding.UTF8.GetBytes(header + "\n");
        output.Write(headerBytes);
        var k = model.Model.OutputWidth;
        var longestClass = model.CsvClassNames.Length == 0 ? 0 : model.CsvClassNames.Max(c => c.Length);
        var lineBound = longestClass + (k * 32) + 8;
        var pending = 0;
        for (var i = 0; i < rows; i++)
        {
            pending += WriteLine(model, outputs.Span.Slice(i * k, k), output.GetSpan(lineBound), output);
            if (pending >= FlushBytes)
            {
                pending = 0;
                var flushed = await output.FlushAsync(cancellationToken);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    return;
                }
            }
        }

        await output.FlushAsync(cancellationToken);
    }

    private static int WriteLine(ServedTabular model, ReadOnlySpan<float> row, Span<byte> span, PipeWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        var at = 0;
        switch (model.Model.Schema.Task)
        {
            case TaskKind.Binary:
                var label = model.CsvClassNames[row[0] >= 0.5f ? 1 : 0];
                label.CopyTo(span);
                at = label.Length;
                span[at++] = (byte)',';
                row[0].TryFormat(span[at..], out var written, "R", inv);
                at += written;
                if (model.AlertThreshold is { } threshold)
                {
                    var alert = row[0] >= threshold ? ",true"u8 : ",false"u8;
                    alert.CopyTo(span[at..]);
                    at += alert.Length;
                }

                break;
            case TaskKind.Multiclass:
                var best = model.CsvClassNames[JsonPredictBatch.ArgMax(row, TaskKind.Multiclass)];
                best.CopyTo(span);
                at = best.Length;
                foreach (var p in row)
                {
                    span[at++] = (byte)',';
                    p.TryFormat(span[at..], out var w, "R", inv);
                    at += w;
                }

                break;
            default:
                row[0].TryFormat(span, out at, "R", inv);
                break;
        }

        span[at++] = (byte)'\n';
        output.Advance(at);
        return at;
    }

    internal static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
