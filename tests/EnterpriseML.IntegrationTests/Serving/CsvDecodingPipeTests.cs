using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EnterpriseML.Api.Serving;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.IntegrationTests.Serving;

/// <summary>
/// The CSV predict body's reader: a UTF-8 body is the server's own pipe, handed on untouched after the byte-order mark
/// check (no copy, nothing consumed); a UTF-16 or Windows-1252 body is decoded to UTF-8.
/// </summary>
public sealed class CsvDecodingPipeTests
{
    private const string Text = "a,b\n1,caf\u00e9\n";

    public static TheoryData<byte[], CsvEncoding?> Utf8Bodies => new()
    {
        { Encoding.UTF8.GetBytes(Text), null },
        { [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Text)], null },
        { Encoding.UTF8.GetBytes(Text), CsvEncoding.Utf8 },
        { [(byte)'a'], null },
        { [], null },
        // UTF-8 named: a UTF-16 mark is not looked for, so the session's reader reports it as not UTF-8.
        { [0xFF, 0xFE, (byte)'a', 0], CsvEncoding.Utf8 },
    };

    [Theory]
    [MemberData(nameof(Utf8Bodies))]
    public async Task OpenAsync_Utf8Body_TheBodysOwnPipeWithEveryByte(byte[] body, CsvEncoding? charset)
    {
        var pipe = await BodyAsync(body, chunk: 1);
        var text = await CsvDecodingPipe.OpenAsync(pipe, Options(charset), CancellationToken.None);
        Assert.Same(pipe, text);
        Assert.Equal(body, await ReadAllAsync(text));
    }

    [Fact]
    public async Task OpenAsync_Utf16MarkWithoutCharset_DecodedToUtf8()
    {
        byte[] body = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Text)];
        var pipe = await BodyAsync(body, chunk: 1);
        var text = await CsvDecodingPipe.OpenAsync(pipe, Options(null), CancellationToken.None);
        Assert.NotSame(pipe, text);
        Assert.Equal(Encoding.UTF8.GetBytes(Text), await ReadAllAsync(text));
        await CsvDecodingPipe.CompleteAsync(text, pipe);
    }

    [Fact]
    public async Task OpenAsync_Windows1252Charset_DecodedToUtf8()
    {
        var pipe = await BodyAsync([.. Text.Select(c => (byte)c)], chunk: 4);
        var text = await CsvDecodingPipe.OpenAsync(pipe, Options(CsvEncoding.Windows1252), CancellationToken.None);
        Assert.NotSame(pipe, text);
        Assert.Equal(Encoding.UTF8.GetBytes(Text), await ReadAllAsync(text));
        await CsvDecodingPipe.CompleteAsync(text, pipe);
    }

    private static CsvOptions Options(CsvEncoding? charset) =>
        new() { SourceName = CsvScoringSession.SourceName, Encoding = charset, EncodingSetting = CsvScoringSession.CharsetSetting };

    /// <summary>A completed pipe holding <paramref name="body"/>, written in chunks of <paramref name="chunk"/> bytes.</summary>
    private static async Task<PipeReader> BodyAsync(byte[] body, int chunk)
    {
        var pipe = new Pipe();
        for (var offset = 0; offset < body.Length; offset += chunk)
        {
            await pipe.Writer.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)));
        }

        await pipe.Writer.CompleteAsync();
        return pipe.Reader;
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        var all = new List<byte>();
        while (true)
        {
            var read = await reader.ReadAsync();
            all.AddRange(read.Buffer.ToArray());
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return [.. all];
            }
        }
    }
}
