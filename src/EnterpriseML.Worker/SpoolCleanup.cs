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
        var removed = SpoolDirectory.RemoveAbandoned();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EnterpriseML.Worker");
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            foreach (var directory in removed)
            {
                logger.LogInformation("Removed {Directory}: the temporary files of a process that ended without removing them (killed mid-upload)", directory);
            }
        });
    }
}
