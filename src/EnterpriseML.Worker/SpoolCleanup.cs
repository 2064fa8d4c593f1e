using EnterpriseML.Registry;

namespace EnterpriseML.Worker;

internal static class SpoolCleanup
{
    /// <summary>
    /// Removes the spool directories that processes which died left on this host (an API killed mid-upload leaves the
    /// upload's bytes there), as an API start does; each is logged once the Worker runs, as the API logs them.
    /// </summary>
    public static void RemoveAbandonedSpoolDirectories(this IHost host)
    {
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EnterpriseML.Worker");
        IReadOnlyList<string> removed;
        try
        {
            removed = SpoolDirectory.RemoveAbandoned();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A clean-up, not the Worker's work: an unreadable temp directory does not stop it from running sweeps.
            logger.LogWarning("Could not look for abandoned spool directories under {Root}: {Reason}", SpoolDirectory.DefaultRoot(), e.Message);
            return;
        }

        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            foreach (var directory in removed)
            {
                logger.LogInformation("Removed {Directory}: the temporary files of a process that ended without removing them (killed mid-upload)", directory);
            }
        });
    }
}
