using System.Collections.Concurrent;
using System.Diagnostics;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>A real Worker process whose output is read as it comes (so its pipes never fill) and kept for asserts.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();

    public WorkerProcess(string nodeName, IReadOnlyDictionary<string, string?> settings)
    {
        Node = nodeName;
        Process = Processes.Start(Processes.WorkerDll, [], settings);
        Process.OutputDataReceived += (_, e) => Keep(e.Data);
        Process.ErrorDataReceived += (_, e) => Keep(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public string Node { get; }

    public Process Process { get; }

    public string Output => string.Join('\n', _lines);

    public bool Logged(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Sends SIGTERM, as a container runtime or systemd does on stop.</summary>
    public async Task TerminateAsync()
    {
        var info = new ProcessStartInfo("kill") { UseShellExecute = false };
        info.ArgumentList.Add("-TERM");
        info.ArgumentList.Add(Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var kill = Process.Start(info) ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {Process.Id} ({Node}) exited with {kill.ExitCode}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
