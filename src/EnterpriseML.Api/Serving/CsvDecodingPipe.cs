using System.Buffers;
using System.IO.Pipelines;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Api.Serving;

/// <summary>A CSV request body as UTF-8 text for <see cref="CsvScoringSession"/>, read from the body's pipe.</summary>
internal static class CsvDecodingPipe
{
    /// <summary>
    /// <paramref name="body"/> itself, untouched, when it is UTF-8 text (<see cref="CsvOptions.Encoding"/> is UTF-8,
    /// or null and the body does not start with a UTF-16 byte-order mark, which is only looked at, not consumed): the
    /// session then reads the server's buffers with no copy in between. Otherwise a reader over
    /// <see cref="CsvDecoding.ToUtf8Async"/> of the body; complete it when done (<see cref="CompleteAsync"/>).
    /// </summary>
    public static async ValueTask<PipeReader> OpenAsync(PipeReader body, CsvOptions options, CancellationToken cancellationToken)
    {
        if (options.Encoding == CsvEncoding.Utf8)
        {
            return body;
        }

        if (options.Encoding is null && !await StartsWithUtf16MarkAsync(body, cancellationToken))
        {
            return body;
        }

        var (text, _) = await CsvDecoding.ToUtf8Async(body.AsStream(leaveOpen: true), options, cancellationToken);
        return PipeReader.Create(text, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: false));
    }

    /// <summary>Completes <paramref name="text"/> when <see cref="OpenAsync"/> made it (the body's own pipe is the server's).</summary>
    public static ValueTask CompleteAsync(PipeReader text, PipeReader body) => ReferenceEquals(text, body) ? ValueTask.CompletedTask : text.CompleteAsync();

    /// <summary>Whether the body's first two bytes are FF FE or FE FF; reads until it has them, consumes nothing.</summary>
    private static async ValueTask<bool> StartsWithUtf16MarkAsync(PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length >= 2 || read.IsCompleted || read.IsCanceled)
            {
                Span<byte> head = stackalloc byte[2];
                var mark = false;
                if (buffer.Length >= 2)
                {
                    buffer.Slice(0, 2).CopyTo(head);
                    mark = (head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF);
                }

                // Nothing consumed or examined: the session's first read gets the same bytes at once.
                body.AdvanceTo(buffer.Start);
                return mark;
            }

            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
