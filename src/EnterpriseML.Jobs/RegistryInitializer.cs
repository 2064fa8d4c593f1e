using EnterpriseML.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnterpriseML.Jobs;

/// <summary>
/// Runs at host start, before the scheduler: applies pending migrations (safe with several nodes starting at once) and
/// makes sure an admin key exists. <c>Auth:BootstrapKey</c>, if set, is registered as an admin key; otherwise, on the
/// very first start, a key is generated and printed once.
/// </summary>
public sealed class RegistryInitializer(MigrationRunner migrations, TenantStore tenants, IConfiguration configuration, ILogger<RegistryInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrations.ApplyAsync(cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied {Count} migration(s): {Migrations}", applied.Count, string.Join(", ", applied));
        }

        var bootstrap = configuration["Auth:BootstrapKey"];
        var created = await tenants.EnsureBootstrapAdminAsync(string.IsNullOrWhiteSpace(bootstrap) ? null : bootstrap, cancellationToken);
        if (created is not null)
        {
            // Shown once: only its hash is stored.
            Console.WriteLine();
            Console.WriteLine("  EnterpriseML admin API key (shown once, store it now):");
            Console.WriteLine("  " + created);
            Console.WriteLine();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class HostingExtensions
{
    /// <summary>Registry + migrations at start + Quartz, as both hosts need them.</summary>
    public static IServiceCollection AddEnterpriseMlCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRegistry(configuration);
        services.AddHostedService<RegistryInitializer>();
        services.AddJobs(configuration);
        return services;
    }
}
