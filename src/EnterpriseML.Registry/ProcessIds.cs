using System.Diagnostics;

namespace EnterpriseML.Registry;

/// <summary>Whether a process id names a running process, for files named after the process that wrote them.</summary>
public static class ProcessIds
{
    /// <summary>
    /// True when <paramref name="processId"/> is this process or a running one. A reused id reads as running: a caller
    /// keeps a dead process's files then, never removes a live one's.
    /// </summary>
    public static bool IsRunning(int processId)
    {
        if (processId == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
