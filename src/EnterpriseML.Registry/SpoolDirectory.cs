using System.Globalization;

namespace EnterpriseML.Registry;

/// <summary>
/// This process's directory for temporary files: an upload spooled while it is hashed and profiled, the form's file
/// buffered by ASP.NET Core, a stored dataset read back through a file. It is
/// <c>{ASPNETCORE_TEMP or the system temp directory}/enterpriseml-spool/{process id}-{random}</c>, and the process holds
/// an exclusive lock on its <c>.lock</c> file for as long as it lives. A process that dies (SIGKILL, an out-of-memory
/// kill, a power cut) deletes nothing, and an upload's bytes stayed in the temp directory for good, up to
/// <c>Storage:MaxUploadBytes</c> and more per crash. So the first use in each process (at the API's start) removes every
/// spool directory whose lock is free and whose process id is not running: the files a dead process left. A Worker,
/// which spools nothing itself, removes them at its start too (<see cref="RemoveAbandoned()"/>), so a host that runs
/// Workers and an API killed mid-upload does not keep the upload's bytes until the API starts again.
/// </summary>
public sealed class SpoolDirectory
{
    private const string LockName = ".lock";

    /// <summary>A directory without its lock file yet may be one another process is creating right now.</summary>
    private static readonly TimeSpan CreationGrace = TimeSpan.FromMinutes(1);

    private static readonly Lazy<SpoolDirectory> Shared = new(() => Create(DefaultRoot(), TimeProvider.System));

    private readonly FileStream _lock;

    private SpoolDirectory(string path, FileStream held, IReadOnlyList<string> removed)
    {
        Path = path;
        _lock = held;
        Removed = removed;
    }

    /// <summary>This process's spool directory, created (and the abandoned ones removed) on first use.</summary>
    public static SpoolDirectory Current => Shared.Value;

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>The abandoned spool directories this process removed when it created its own.</summary>
    public IReadOnlyList<string> Removed { get; }

    /// <summary>A new, unused file name in the directory, starting with <paramref name="prefix"/>.</summary>
    public string NewFile(string prefix) => System.IO.Path.Combine(Path, prefix + Guid.NewGuid().ToString("N"));

    /// <summary>Where spool directories go: <c>enterpriseml-spool</c> under <c>ASPNETCORE_TEMP</c>, else under the system temp directory.</summary>
    public static string DefaultRoot() =>
        System.IO.Path.Combine(Environment.GetEnvironmentVariable("ASPNETCORE_TEMP") is { Length: > 0 } temp ? temp : System.IO.Path.GetTempPath(), "enterpriseml-spool");

    /// <summary>
    /// Removes the spool directories under <see cref="DefaultRoot"/> that processes which died left, without creating
    /// one for this process; returns the directories removed. A live process's directory is never removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandoned() => RemoveAbandoned(DefaultRoot(), TimeProvider.System);

    /// <summary>Removes the abandoned spool directories under <paramref name="root"/>, then creates and locks a new one there.</summary>
    internal static SpoolDirectory Create(string root, TimeProvider time)
    {
        Directory.CreateDirectory(root);
        var removed = RemoveAbandoned(root, time);
        for (var round = 0; ; round++)
        {
            var path = System.IO.Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Guid.NewGuid():N}"));
            Directory.CreateDirectory(path);
            var lockPath = System.IO.Path.Combine(path, LockName);
            // FileShare.None is an exclusive lock (flock on Unix), released by the kernel whenever the process ends.
            var held = new FileStream(lockPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            if (File.Exists(lockPath) || round == 2)
            {
                return new SpoolDirectory(path, held, removed);
            }

            // Another process's clean-up took the directory between its creation and the lock: make another.
            held.Dispose();
        }
    }

    private static List<string> RemoveAbandoned(string root, TimeProvider time)
    {
        var removed = new List<string>();
        if (!Directory.Exists(root))
        {
            return removed;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            try
            {
                if (Alive(directory))
                {
                    continue;
                }

                var lockPath = System.IO.Path.Combine(directory, LockName);
                if (File.Exists(lockPath))
                {
                    // Opens only when no process holds the lock; a live owner's lock makes this an IOException.
                    using (new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }
                }
                else if (time.GetUtcNow() - Directory.GetLastWriteTimeUtc(directory) < CreationGrace)
                {
                    continue;
                }

                Directory.Delete(directory, recursive: true);
                removed.Add(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Held by its live process, or not ours to remove.
            }
        }

        return removed;
    }

    /// <summary>
    /// Whether the process named by the directory is running: a second guard beside the lock (file locking can be turned
    /// off with DOTNET_SYSTEM_IO_DISABLEFILELOCKING), so a live process's files are never removed. A reused process id
    /// only keeps a dead process's files until a later start.
    /// </summary>
    private static bool Alive(string directory)
    {
        var name = System.IO.Path.GetFileName(directory);
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        return ProcessIds.IsRunning(pid);
    }
}
