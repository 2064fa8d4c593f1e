using EnterpriseML.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnterpriseML.Jobs;

/// <summary>
/// Runs at host start, before the scheduler: applies pending migrations (safe with several nodes starting at once) and
/// makes sure an admin key exists. <c>Auth:BootstrapKey</c>, if set, is registered as an admin key; otherwise, on the
/// very first start, a key is generated and printed once, by a host that <see cref="AdminKeyGeneration.Enabled"/>
/// (the API; not a Worker, which answers no request and whose log is no place for a secret).
/// </summary>
public sealed class RegistryInitializer(MigrationRunner migrations, TenantStore tenants, IConfiguration configuration, AdminKeyGeneration generation, ILogger<RegistryInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrations.ApplyAsync(cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied {Count} migration(s): {Migrations}", applied.Count, string.Join(", ", applied));
        }

        var bootstrap = configuration["Auth:BootstrapKey"];
        if (string.IsNullOrWhiteSpace(bootstrap) && !generation.Enabled)
        {
            logger.LogInformation("No Auth:BootstrapKey set: the API creates and prints an admin API key at its first start if none exists");
            return;
        }

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
    /// <param name="generatesAdminKey">
    /// Whether this host creates and prints an admin key on the first start of an empty registry without
    /// <c>Auth:BootstrapKey</c> (the API: true; a Worker: false, it only registers a configured bootstrap key).
    /// </param>
    public static IServiceCollection AddEnterpriseMlCore(this IServiceCollection services, IConfiguration configuration, bool generatesAdminKey = true)
    {
        services.AddRegistry(configuration);
        services.AddSingleton(new AdminKeyGeneration(generatesAdminKey));
        services.AddHostedService<RegistryInitializer>();
        services.AddJobs(configuration);
        return services;
    }
}

/// <summary>Whether this host generates the first admin key (see <see cref="RegistryInitializer"/>).</summary>
public sealed record AdminKeyGeneration(bool Enabled);
