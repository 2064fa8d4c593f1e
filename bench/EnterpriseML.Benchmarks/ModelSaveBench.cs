using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// What saving a model costs: <c>model-save --model FILE.eml [--rounds N]</c> loads the model (for example one that
/// <c>eml automl --out</c> wrote), then per round saves it to a temporary file twice, streamed (a file can seek) and
/// buffered (through a stream that cannot seek), and prints each time, write rate and bytes allocated.
/// <c>SweepOptions.SavesModel</c> reserves time at a rate measured this way.
/// </summary>
internal sealed class ModelSaveBench : IBenchCommand
{
    public string Name => "model-save";

    public int Run(string[] args)
    {
        var path = BenchArguments.Get(args, "--model") ?? throw new ArgumentException("model-save needs --model FILE.eml.");
        var rounds = int.Parse(BenchArguments.Get(args, "--rounds") ?? "3", CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        var model = ModelPipeline.Load(path);
        var bytes = new FileInfo(path).Length;
        Console.WriteLine(Inv($"{Path.GetFileName(path)}: {bytes / 1e6:F1} MB, loaded in {clock.Elapsed.TotalSeconds:F2} s"));
        var target = Path.Combine(Path.GetTempPath(), $"model-save-{Environment.ProcessId}.eml");
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                // Side by side in each round: the payload streamed into the file (a seekable stream), and buffered in
                // memory first (the path a stream that cannot seek takes, and every save took before).
                var (streamed, streamedAllocated) = Time(() =>
                {
                    using var file = File.Create(target);
                    model.Save(file);
                });
                var (buffered, bufferedAllocated) = Time(() =>
                {
                    using var file = File.Create(target);
                    using var forwardOnly = new WriteThroughStream(file);
                    model.Save(forwardOnly);
                });
                Console.WriteLine(Inv($"round {round}: streamed {streamed:F2} s ({bytes / 1e6 / streamed:F0} MB/s, {streamedAllocated / 1e6:F1} MB allocated), buffered {buffered:F2} s ({bytes / 1e6 / buffered:F0} MB/s, {bufferedAllocated / 1e6:F1} MB allocated)"));
            }
        }
        finally
        {
            File.Delete(target);
        }

        return 0;
    }

    private static (double Seconds, long Allocated) Time(Action save)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        save();
        return (clock.Elapsed.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
