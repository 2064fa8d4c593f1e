using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// What saving a model costs: <c>model-save --model FILE.eml [--rounds N]</c> loads the model (for example one that
/// <c>eml automl --out</c> wrote), then per round saves it to a temporary file and to <see cref="Stream.Null"/>
/// (serialising alone), and prints each time and the write rate. <c>SweepOptions.SavesModel</c> reserves time at a
/// rate measured this way.
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
                clock.Restart();
                using (var file = File.Create(target))
                {
                    model.Save(file);
                }

                var toFile = clock.Elapsed.TotalSeconds;
                clock.Restart();
                model.Save(Stream.Null);
                var serialise = clock.Elapsed.TotalSeconds;
                Console.WriteLine(Inv($"round {round}: to a file {toFile:F2} s ({bytes / 1e6 / toFile:F0} MB/s), serialising alone {serialise:F2} s"));
            }
        }
        finally
        {
            File.Delete(target);
        }

        return 0;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
