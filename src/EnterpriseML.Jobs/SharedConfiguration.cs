using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace EnterpriseML.Jobs;

/// <summary>The repository-root appsettings.json, which both hosts (API and Worker) copy into their output.</summary>
public static class SharedConfiguration
{
    /// <summary>
    /// Adds the shared appsettings.json from the application's base directory as the lowest-priority source, so a
    /// project-local appsettings, environment variables (<c>Jobs__RunWorker=false</c>) and the command line override it.
    /// </summary>
    public static void AddSharedAppSettings(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var source = new JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            ReloadOnChange = false,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        };
        configuration.Sources.Insert(0, source);
    }
}
