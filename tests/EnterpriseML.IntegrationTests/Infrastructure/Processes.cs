using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>Starts the repository's real executables (API, Worker, eml) as separate processes.</summary>
internal static class Processes
{
    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string ApiDll => Built("EnterpriseML.Api", "EnterpriseML.Api.dll");

    public static string WorkerDll => Built("EnterpriseML.Worker", "EnterpriseML.Worker.dll");

    public static string CliDll => Built("EnterpriseML.Cli", "eml.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; build the solution first.", path);
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c> in <paramref name="workingDirectory"/> (default: the dll's folder),
    /// with <paramref name="environment"/> added to this process's (a <c>:</c> in a key becomes <c>__</c>; a null value
    /// removes the variable).
    /// </summary>
    public static Process Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        // An in-process API host (ApiHost) points this process's ASPNETCORE_TEMP at the test process's own spool
        // directory (ApiHostingExtensions.UseSpoolDirectory); a child that inherited it spooled its uploads there, not
        // below its own TMPDIR (DatasetUploadCrashTests found nothing in the directory it had given).
        info.Environment.Remove("ASPNETCORE_TEMP");

        foreach (var (k, v) in environment)
        {
            var name = k.Replace(":", "__", StringComparison.Ordinal);
            if (v is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = v;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + dll);
        return process;
    }

    /// <summary>
    /// Starts the real API in an empty directory with <paramref name="settings"/> and returns its output once it has
    /// exited: it must refuse to start (exit code 1 within a minute). A host started in-process
    /// (WebApplicationFactory) reports a start-up failure as either the failure or, at random, the disposed service
    /// provider it left behind; a process says it the same way every time, as an operator sees it.
    /// </summary>
    public static async Task<string> ApiRefusingToStartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var directory = Directory.CreateTempSubdirectory("eml-refused-");
        try
        {
            await using var api = new RunningProcess("API", ApiDll, ["--urls", $"http://127.0.0.1:{FreePort()}"], settings, directory.FullName);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await api.Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"The API was expected to refuse to start, but it was still running after a minute. Output:\n{api.Output}");
            }

            // The exit code is read before the output: WaitForExitAsync returns once the output pipes have closed too.
            // 1 is a start-up failure the API explained in one line; 134 (an abort after an unhandled exception) is not.
            Xunit.Assert.True(api.Process.ExitCode == 1, $"The API exited with {api.Process.ExitCode} instead of 1 (refused to start). Output:\n{api.Output}");
            return api.Output;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Asserts that a host that refused to start printed its one line starting with <paramref name="line"/> and nothing
    /// else: no "Hosting failed to start" entry from the .NET host, no stack trace, no unhandled exception.
    /// </summary>
    public static void AssertOnlyStartupRefusal(string output, string line)
    {
        Xunit.Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
        Xunit.Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Xunit.Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Xunit.Assert.StartsWith(line, output, StringComparison.Ordinal);
        Xunit.Assert.DoesNotContain('\n', output);
    }

    /// <summary>A loopback TCP port free at the time of the call.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends SIGTERM to <paramref name="process"/> (named <paramref name="name"/> in errors), as a container runtime or systemd does on stop.</summary>
    public static async Task TerminateAsync(Process process, string name)
    {
        var info = new ProcessStartInfo("kill") { UseShellExecute = false };
        info.ArgumentList.Add("-TERM");
        info.ArgumentList.Add(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var kill = Process.Start(info) ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {process.Id} ({name}) exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Runs to completion; returns (exit code, stdout, stderr).</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(dll, args, environment ?? new Dictionary<string, string?>());
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Kills (SIGKILL, whole tree) every process still running, waits for each, and disposes them all.</summary>
    public static async Task KillAllAsync(IEnumerable<Process> processes)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (never a fixed sleep).</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T?>> condition, TimeSpan deadline, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            if (await condition() is { } value)
            {
                return value;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Timed out after {deadline.TotalSeconds:0} s waiting for {what}.");
    }
}
