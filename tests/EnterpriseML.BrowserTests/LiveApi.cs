using System.Net.Http.Json;
using System.Text.Json;
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

    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <param name="settings">Settings on top of the defaults below (for example a <c>Jobs:MaxTrialSeconds</c> cap).</param>
    public LiveApi(IReadOnlyDictionary<string, string>? settings = null)
    {
        _settings = settings ?? new Dictionary<string, string>();
        Directory.CreateDirectory(DataDirectory);
        UseKestrel(0);
        StartServer();
    }

    public string BaseAddress => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);

    /// <summary>Creates a tenant through the admin API, as an operator would; returns its id, its data-scientist key and that key's id.</summary>
    public async Task<(string Id, string Key, string KeyId)> CreateTenantAsync(string name)
    {
        using var admin = new HttpClient { BaseAddress = new Uri(BaseAddress) };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        using var created = await admin.PostAsJsonAsync("/api/tenants", new { name });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("apiKey").GetString()!, body.GetProperty("keyId").GetString()!);
    }

    /// <summary>Posts an experiment through the API (it must be accepted) and returns its id.</summary>
    public static async Task<string> StartExperimentAsync(HttpClient http, object experiment)
    {
        using var started = await http.PostAsJsonAsync("/api/experiments", experiment);
        Assert.True(started.IsSuccessStatusCode, $"Starting the experiment answered {(int)started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

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
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
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
