using System.Collections.Concurrent;
using System.Diagnostics;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>A real process whose output is read as it comes (so its pipes never fill) and kept for asserts.</summary>
internal class RunningProcess : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c>; see <see cref="Processes.Start"/>.</summary>
    public RunningProcess(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?> settings, string? workingDirectory = null)
    {
        Node = name;
        Process = Processes.Start(dll, args, settings, workingDirectory);
        Process.OutputDataReceived += (_, e) => Keep(e.Data);
        Process.ErrorDataReceived += (_, e) => Keep(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public string Node { get; }

    public Process Process { get; }

    public string Output => string.Join('\n', _lines);

    /// <summary>The output lines so far.</summary>
    public string[] Lines => _lines.ToArray();

    public bool Logged(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Sends SIGTERM, as a container runtime or systemd does on stop.</summary>
    public Task TerminateAsync() => Processes.TerminateAsync(Process, Node);

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
        GC.SuppressFinalize(this);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}

/// <summary>A real Worker process (<c>EnterpriseML.Worker.dll</c>) with the given settings.</summary>
internal sealed class WorkerProcess(string nodeName, IReadOnlyDictionary<string, string?> settings)
    : RunningProcess(nodeName, Processes.WorkerDll, [], settings);
