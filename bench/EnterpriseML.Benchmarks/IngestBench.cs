using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Ingestion throughput and peak memory: <c>ingest PATH [--rounds N] [--no-peer] [--baseline DLL] [--encoded PATH2 ENCODING]</c>. Each round starts one child
/// process per contender, in turn: <see cref="DatasetProfiler.Profile(string, CsvOptions?, string?, CancellationToken)"/>,
/// <see cref="CsvTable.Read(string, CsvOptions?, CancellationToken)"/> and, as the peer, pandas' <c>read_csv</c>
/// (Debian's python3-pandas). A child reads the file once to warm up, then once timed, and reports its process's
/// peak working set. Interleaving the contenders over rounds spreads the load of a shared machine evenly; the table
/// shows the best and the median timed read.
/// <para>
/// <c>--baseline DLL</c> adds another build's <c>EnterpriseML.Benchmarks.dll</c> (an older commit's, built in Release)
/// as a contender beside each of this build's two, run in the same rounds, the two builds' order swapped every round;
/// <c>--encoded PATH2 ENCODING</c> adds this build reading PATH2 (the same file in another encoding, such as
/// windows-1252) with <see cref="CsvOptions.Encoding"/> set. Either prints, after the table, the per-round ratios of
/// each pair's times (median, lowest and highest over the rounds), which a shared machine's load cancels out of.
/// </para>
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
            Console.Error.WriteLine("usage: ingest PATH [--rounds N] [--no-peer] [--baseline DLL] [--encoded PATH2 ENCODING]");
            return 2;
        }

        var path = args[0];
        if (args.Length >= 2 && args[1] is "--child-profile" or "--child-read")
        {
            CsvEncoding? childEncoding = null;
            if (BenchArguments.Get(args, "--encoding") is { } name)
            {
                childEncoding = CsvEncodings.TryParse(name, out var parsed) ? parsed : throw new ArgumentException(CsvEncodings.UnknownMessage(name, "--encoding"));
            }

            return RunChild(path, args[1] == "--child-profile", childEncoding);
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

        var baseline = BenchArguments.Get(args, "--baseline");
        var encodedAt = Array.IndexOf(args, "--encoded");
        var (encodedPath, encodingName) = encodedAt > 0 && encodedAt + 2 < args.Length ? (args[encodedAt + 1], args[encodedAt + 2]) : ((string?)null, (string?)null);

        // Each contender: its label, how to start it, and the contender its times are compared with (-1: none).
        var contenders = new List<(string Label, Func<ProcessStartInfo> Start, int Versus)>();
        foreach (var mode in (string[])["--child-profile", "--child-read"])
        {
            var mine = contenders.Count;
            contenders.Add(("this build", () => Self(null, path, mode), -1));
            if (baseline is not null)
            {
                contenders.Add(("baseline", () => Self(baseline, path, mode), -1));
                contenders[mine] = contenders[mine] with { Versus = mine + 1 };
            }

            if (encodedPath is not null)
            {
                contenders.Add((encodingName!, () => Self(null, encodedPath, mode, "--encoding", encodingName!), mine));
            }
        }

        if (peer)
        {
            contenders.Add(("peer", () => Pandas(path), -1));
        }

        var results = new List<(string Name, long Rows, double Seconds, long Peak)>[contenders.Count];
        var times = new double[contenders.Count][];
        for (var c = 0; c < contenders.Count; c++)
        {
            results[c] = [];
            times[c] = new double[rounds];
        }

        for (var round = 0; round < rounds; round++)
        {
            // Odd rounds run the contenders in reverse order, so that neither of a compared pair always goes first.
            for (var k = 0; k < contenders.Count; k++)
            {
                var c = round % 2 == 0 ? k : contenders.Count - 1 - k;
                times[c][round] = double.NaN;
                if (Last(contenders[c].Start()) is { } line)
                {
                    var parts = line.Split('\t');
                    results[c].Add((parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture),
                        double.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture)));
                    times[c][round] = results[c][^1].Seconds;
                }
            }
        }

        var size = new FileInfo(path).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(path)}: {size / 1e6:F1} MB, {rounds} rounds, {Environment.ProcessorCount} cores"));
        Console.WriteLine();
        Console.WriteLine("| contender | build / input | rows | best s | median s | rows/s (best) | MB/s (best) | peak working set |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        for (var c = 0; c < contenders.Count; c++)
        {
            var runs = results[c];
            if (runs.Count == 0)
            {
                continue;
            }

            var seconds = runs.Select(r => r.Seconds).Order().ToArray();
            var best = seconds[0];
            var median = seconds[seconds.Length / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {runs[0].Name} | {contenders[c].Label} | {runs[0].Rows:N0} | {best:F2} | {median:F2} | {runs[0].Rows / best:N0} | {size / 1e6 / best:F1} | {runs.Max(r => r.Peak) / 1048576.0:F0} MiB |"));
        }

        var header = false;
        for (var c = 0; c < contenders.Count; c++)
        {
            var versus = contenders[c].Versus;
            if (versus < 0 || results[c].Count == 0)
            {
                continue;
            }

            // Per round: this contender's time over its pair's, both measured in that round.
            var ratios = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var ratio = times[c][round] / times[versus][round];
                if (!double.IsNaN(ratio))
                {
                    ratios.Add(ratio);
                }
            }

            if (ratios.Count == 0)
            {
                continue;
            }

            if (!header)
            {
                Console.WriteLine();
                Console.WriteLine("| time ratio (per round, same round) | median | lowest | highest | rounds |");
                Console.WriteLine("|---|---|---|---|---|");
                header = true;
            }

            ratios.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {results[c][0].Name}: {contenders[c].Label} / {contenders[versus].Label} | {ratios[ratios.Count / 2]:F3} | {ratios[0]:F3} | {ratios[^1]:F3} | {ratios.Count} |"));
        }

        return 0;
    }

    private static int RunChild(string path, bool profile, CsvEncoding? encoding)
    {
        var options = encoding is null ? null : new CsvOptions { Encoding = encoding };
        long rows = 0;
        var seconds = 0.0;
        for (var run = 0; run < 2; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var watch = Stopwatch.StartNew();
            rows = profile ? DatasetProfiler.Profile(path, options).RowCount : CsvTable.Read(path, options).RowCount;
            seconds = watch.Elapsed.TotalSeconds;
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var name = profile ? "DatasetProfiler.Profile" : "CsvTable.Read";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{rows}\t{seconds:R}\t{process.PeakWorkingSet64}"));
        return 0;
    }

    /// <summary>A child of this build, or of another build's bench assembly (<paramref name="assembly"/>, run by <c>dotnet</c>).</summary>
    private static ProcessStartInfo Self(string? assembly, string path, string mode, params string[] more)
    {
        var start = assembly is null
            ? new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false }
            : new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        if (assembly is not null)
        {
            start.ArgumentList.Add(Path.GetFullPath(assembly));
        }
        else if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(IngestBench).Assembly.Location);
        }

        start.ArgumentList.Add("ingest");
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(mode);
        foreach (var arg in more)
        {
            start.ArgumentList.Add(arg);
        }

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
