using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Ingestion throughput and peak memory: <c>ingest PATH [--rounds N] [--no-peer]</c>. Each round starts one child
/// process per contender, in turn: <see cref="DatasetProfiler.Profile(string, CsvOptions?, string?, CancellationToken)"/>,
/// <see cref="CsvTable.Read(string, CsvOptions?, CancellationToken)"/> and, as the peer, pandas' <c>read_csv</c>
/// (Debian's python3-pandas). A child reads the file once to warm up, then once timed, and reports its process's
/// peak working set. Interleaving the contenders over rounds spreads the load of a shared machine evenly; the table
/// shows the best and the median timed read.
/// </summary>
internal sealed class IngestBench : IBenchCommand
{
    private const string PandasScript = """
        import sys, time, resource
        import pandas as pd
        path = sys.argv[1]
        pd.read_csv(path)
        t = time.perf_counter(); df = pd.read_csv(path); seconds = time.perf_counter() - t
        print("pandas %s read_csv\t%d\t%r\t%d" % (pd.__version__, len(df), seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
        """;

    public string Name => "ingest";

    public int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: ingest PATH [--rounds N] [--no-peer]");
            return 2;
        }

        var path = args[0];
        if (args.Length >= 2 && args[1] is "--child-profile" or "--child-read")
        {
            return RunChild(path, args[1] == "--child-profile");
        }

        var rounds = 5;
        var peer = true;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--rounds")
            {
                rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--no-peer")
            {
                peer = false;
            }
        }

        var contenders = new List<Func<ProcessStartInfo>> { () => Self(path, "--child-profile"), () => Self(path, "--child-read") };
        if (peer)
        {
            contenders.Add(() => Pandas(path));
        }

        var results = new List<(string Name, long Rows, double Seconds, long Peak)>[contenders.Count];
        for (var c = 0; c < contenders.Count; c++)
        {
            results[c] = [];
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var c = 0; c < contenders.Count; c++)
            {
                if (Last(contenders[c]()) is { } line)
                {
                    var parts = line.Split('\t');
                    results[c].Add((parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture),
                        double.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture)));
                }
            }
        }

        var size = new FileInfo(path).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(path)}: {size / 1e6:F1} MB, {rounds} rounds, {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine("| contender | rows | best s | median s | rows/s (best) | MB/s (best) | peak working set |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var runs in results)
        {
            if (runs.Count == 0)
            {
                continue;
            }

            var seconds = runs.Select(r => r.Seconds).Order().ToArray();
            var best = seconds[0];
            var median = seconds[seconds.Length / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {runs[0].Name} | {runs[0].Rows:N0} | {best:F2} | {median:F2} | {runs[0].Rows / best:N0} | {size / 1e6 / best:F1} | {runs.Max(r => r.Peak) / 1048576.0:F0} MiB |"));
        }

        return 0;
    }

    private static int RunChild(string path, bool profile)
    {
        long rows = 0;
        var seconds = 0.0;
        for (var run = 0; run < 2; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var watch = Stopwatch.StartNew();
            rows = profile ? DatasetProfiler.Profile(path).RowCount : CsvTable.Read(path).RowCount;
            seconds = watch.Elapsed.TotalSeconds;
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var name = profile ? "DatasetProfiler.Profile" : "CsvTable.Read";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{rows}\t{seconds:R}\t{process.PeakWorkingSet64}"));
        return 0;
    }

    private static ProcessStartInfo Self(string path, string mode)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(IngestBench).Assembly.Location);
        }

        start.ArgumentList.Add("ingest");
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(mode);
        return start;
    }

    private static ProcessStartInfo Pandas(string path)
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(PandasScript);
        start.ArgumentList.Add(path);
        return start;
    }

    private static string? Last(ProcessStartInfo start)
    {
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"{start.FileName} exited with {process.ExitCode}.");
                return null;
            }

            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 0 ? null : lines[^1];
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            Console.Error.WriteLine($"{start.FileName}: {error.Message}");
            return null;
        }
    }
}
