using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using EnterpriseML.Api.Serving;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// The CSV predict body path in process, without HTTP: <c>predict-csv-body [--rows N] [--rounds N]</c>. A GBDT
/// trained on credit-german (default settings, seed 42) scores credit-german's rows repeated to N data rows (default
/// 200,000) through <see cref="CsvScoringSession"/>, the body arriving through a <see cref="Pipe"/> written in 64 KiB
/// chunks, as a request body arrives through the server's body pipe. Contenders, run in the same rounds with their
/// order swapped every round:
/// <list type="bullet">
/// <item><b>pipe</b>: the session reads the body pipe itself, as the predict handler did before text encodings
/// (commit 3778e4c: <c>session.ReadAsync(context.Request.BodyReader)</c>).</item>
/// <item><b>stream + decoding</b>: what the handler does now: the pipe read as a stream (what
/// <c>HttpRequest.Body</c> is over the body pipe), wrapped by <see cref="CsvDecoding.ToUtf8Async"/> with no charset
/// (UTF-8 passes through after the byte-order mark check) and read back through a 64 KiB <see cref="PipeReader"/>.</item>
/// <item><b>windows-1252</b>: the same with <c>charset=windows-1252</c> (every byte decoded).</item>
/// <item><b>pipe again</b>: <b>pipe</b> once more in the same round, so its ratio to <b>pipe</b> is the spread of
/// identical code on the machine at the time.</item>
/// </list>
/// Prints rows/s (best, median) per contender and each one's per-round time ratio to <b>pipe</b>.
/// </summary>
internal sealed class PredictCsvBodyBench : IBenchCommand
{
    private const int ChunkBytes = 64 << 10;

    public string Name => "predict-csv-body";

    public int Run(string[] args)
    {
        var rows = int.Parse(BenchArguments.Get(args, "--rows") ?? "200000", CultureInfo.InvariantCulture);
        var rounds = int.Parse(BenchArguments.Get(args, "--rounds") ?? "10", CultureInfo.InvariantCulture);
        var (model, _) = PredictionBenchmarks.Row.Fit("credit-german-statlog.csv", "class", "bad", "gbdt", []);
        var served = new ServedTabular(model);
        var body = Body(Path.Combine(PredictionBenchmarks.DatasetsDirectory(), "credit-german-statlog.csv"), rows);

        (string Name, Func<PipeReader, Task> Read)[] contenders =
        [
            ("pipe", reader => Score(served, reader, charset: null, decode: false)),
            ("stream + decoding", reader => Score(served, reader, charset: null, decode: true)),
            ("windows-1252", reader => Score(served, reader, charset: CsvEncoding.Windows1252, decode: true)),
            ("pipe again", reader => Score(served, reader, charset: null, decode: false)),
        ];

        // One warm-up round compiles every path fully before the timed rounds.
        foreach (var contender in contenders)
        {
            Time(body, contender.Read, rows);
        }

        var times = new double[contenders.Length][];
        for (var c = 0; c < contenders.Length; c++)
        {
            times[c] = new double[rounds];
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < contenders.Length; k++)
            {
                var c = round % 2 == 0 ? k : contenders.Length - 1 - k;
                times[c][round] = Time(body, contenders[c].Read, rows);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CSV predict body: {rows:N0} rows, {body.Length / 1e6:F1} MB, {rounds} rounds, {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine("| contender | best rows/s | median rows/s | time / pipe's, same round: median | lowest | highest |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var c = 0; c < contenders.Length; c++)
        {
            var sorted = times[c].Order().ToArray();
            var ratios = new double[rounds];
            for (var round = 0; round < rounds; round++)
            {
                ratios[round] = times[c][round] / times[0][round];
            }

            Array.Sort(ratios);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {contenders[c].Name} | {rows / sorted[0]:N0} | {rows / sorted[rounds / 2]:N0} | {ratios[rounds / 2]:F3} | {ratios[0]:F3} | {ratios[^1]:F3} |"));
        }

        return 0;
    }

    /// <summary>The file's header and its data rows repeated to <paramref name="rows"/> rows, as UTF-8 bytes.</summary>
    private static byte[] Body(string path, int rows)
    {
        var lines = File.ReadAllLines(path);
        var text = new StringBuilder(lines[0]).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            text.Append(lines[1 + (i % (lines.Length - 1))]).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static double Time(byte[] body, Func<PipeReader, Task> read, int rows)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var watch = Stopwatch.StartNew();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < body.Length; offset += ChunkBytes)
            {
                await pipe.Writer.WriteAsync(body.AsMemory(offset, Math.Min(ChunkBytes, body.Length - offset)));
            }

            await pipe.Writer.CompleteAsync();
        });
        read(pipe.Reader).GetAwaiter().GetResult();
        writer.GetAwaiter().GetResult();
        return watch.Elapsed.TotalSeconds;
    }

    private static async Task Score(ServedTabular served, PipeReader body, CsvEncoding? charset, bool decode)
    {
        using var session = new CsvScoringSession(served) { CharsetGiven = charset is not null };
        if (decode)
        {
            var options = new CsvOptions { SourceName = CsvScoringSession.SourceName, Encoding = charset, EncodingSetting = CsvScoringSession.CharsetSetting };
            var (text, _) = await CsvDecoding.ToUtf8Async(body.AsStream(), options);
            await using (text)
            {
                await session.ReadAsync(PipeReader.Create(text, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true)), CancellationToken.None);
            }
        }
        else
        {
            await session.ReadAsync(body, CancellationToken.None);
        }

        await body.CompleteAsync();
        if (session.RowCount == 0)
        {
            throw new InvalidOperationException("The session scored no rows.");
        }
    }
}
