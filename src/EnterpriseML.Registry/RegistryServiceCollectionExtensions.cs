using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EnterpriseML.Registry;

public static class RegistryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the registry: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise SQLite under
    /// <c>Storage:DataDirectory</c>; the stores; and <see cref="TimeProvider.System"/> unless one is registered.
    /// </summary>
    public static IServiceCollection AddRegistry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var postgres = configuration.GetConnectionString("Postgres");
            return string.IsNullOrWhiteSpace(postgres)
                ? RegistryDatabase.ForSqlite(sp.GetRequiredService<StorageOptions>().DataDirectory)
                : RegistryDatabase.ForPostgres(postgres);
        });
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<TenantStore>();
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<ExperimentStore>();
        services.AddSingleton<ModelStore>();
        services.AddSingleton<ScheduleStore>();
        return services;
    }
}
