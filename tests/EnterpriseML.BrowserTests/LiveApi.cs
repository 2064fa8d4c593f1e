using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.BrowserTests;

/// <summary>The real API on a real port (Kestrel) over a temp SQLite registry.</summary>
internal sealed class LiveApi : WebApplicationFactory<Program>
{
    public const string AdminKey = "eml_browser_admin_key_0123456789abcdef";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "eml-browser-" + Guid.NewGuid().ToString("N"));

    public LiveApi()
    {
        Directory.CreateDirectory(DataDirectory);
        UseKestrel(0);
        StartServer();
    }

    public string BaseAddress => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("ConnectionStrings:Postgres", "");
        builder.UseSetting("Auth:BootstrapKey", AdminKey);
        builder.UseSetting("Jobs:RunWorker", "true");
        builder.UseSetting("Jobs:NodeName", "browser-test");
        builder.UseSetting("Jobs:IdleWaitMilliseconds", "1000");
        builder.UseSetting("Jobs:SchedulerName", "eml-browser-" + Guid.NewGuid().ToString("N")[..12]);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold a file for a moment; the temp directory is harmless.
        }
    }
}
