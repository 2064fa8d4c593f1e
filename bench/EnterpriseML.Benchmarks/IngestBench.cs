using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Ingestion throughput and peak memory: <c>ingest PATH [--runs N] [--no-peer]</c>. Each of
/// <see cref="DatasetProfiler.Profile(string, CsvOptions?, string?, CancellationToken)"/> and
/// <see cref="CsvTable.Read(string, CsvOptions?, CancellationToken)"/> runs in its own child process (so each peak
/// working set is its own), N times; the table shows the median time, rows/s and the process's peak working set.
/// pandas' <c>read_csv</c> (Debian's python3-pandas) runs alongside as the peer when available.
/// </summary>
internal sealed class IngestBench : IBenchCommand
{
    public string Name => "ingest";

    public int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: ingest PATH [--runs N] [--no-peer]");
            return 2;
        }

        var path = args[0];
        if (args.Length >= 2 && args[1] is "--child-profile" or "--child-read")
        {
            return RunChild(path, args[1] == "--child-profile", int.Parse(args[2], CultureInfo.InvariantCulture));
        }

        var runs = 3;
        var peer = true;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--runs")
            {
                runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--no-peer")
            {
                peer = false;
            }
        }

        var size = new FileInfo(path).Length;
        Console.WriteLine($"{Path.GetFileName(path)}: {size / 1e6:F1} MB, {runs} runs each, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| what | rows | median s | rows/s | MB/s | peak working set |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var results = new List<string?>
        {
            Child(path, "--child-profile", runs),
            Child(path, "--child-read", runs),
        };
        if (peer)
        {
            results.Add(Pandas(path, runs));
        }

        foreach (var line in results)
        {
            if (line is null)
            {
                continue;
            }

            // name rows seconds peakBytes
            var parts = line.Split('\t');
            var rows = long.Parse(parts[1], CultureInfo.InvariantCulture);
            var seconds = double.Parse(parts[2], CultureInfo.InvariantCulture);
            var peak = long.Parse(parts[3], CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {parts[0]} | {rows:N0} | {seconds:F2} | {rows / seconds:N0} | {size / 1e6 / seconds:F1} | {peak / 1048576.0:F0} MiB |"));
        }

        return 0;
    }

    private static int RunChild(string path, bool profile, int runs)
    {
        var times = new double[runs];
        long rows = 0;
        for (var r = 0; r < runs; r++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var watch = Stopwatch.StartNew();
            if (profile)
            {
                rows = DatasetProfiler.Profile(path).RowCount;
            }
            else
            {
                rows = CsvTable.Read(path).RowCount;
            }

            times[r] = watch.Elapsed.TotalSeconds;
        }

        Array.Sort(times);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var name = profile ? "DatasetProfiler.Profile" : "CsvTable.Read";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}\t{rows}\t{times[runs / 2]:R}\t{process.PeakWorkingSet64}"));
        return 0;
    }

    private static string? Child(string path, string mode, int runs)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(IngestBench).Assembly.Location);
        }

        foreach (var argument in new[] { "ingest", path, mode, runs.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return Last(start);
    }

    private static string? Pandas(string path, int runs)
    {
        const string script = """
            import sys, time, resource
            import pandas as pd
            path, runs = sys.argv[1], int(sys.argv[2])
            times = []
            for _ in range(runs):
                t = time.perf_counter(); df = pd.read_csv(path); times.append(time.perf_counter() - t)
            times.sort()
            print("pandas %s read_csv\t%d\t%r\t%d" % (pd.__version__, len(df), times[runs // 2], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
            """;
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(runs.ToString(CultureInfo.InvariantCulture));
        try
        {
            return Last(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("python3 not found: no pandas peer.");
            return null;
        }
    }

    private static string? Last(ProcessStartInfo start)
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
}
