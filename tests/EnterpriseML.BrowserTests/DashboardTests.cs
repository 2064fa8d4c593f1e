using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

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

public sealed class DashboardTests
{
    private static string Chromium => Environment.GetEnvironmentVariable("EML_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static string Screenshots
    {
        get
        {
            var dir = Path.Combine(TestPaths.RepositoryRoot, "artifacts", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    [Fact]
    public async Task Dashboard_LogInUploadDataset_ShowsItsProfile()
    {
        Assert.True(File.Exists(Chromium), $"Chromium not found at {Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var baseAddress = api.BaseAddress;

        // A tenant with a data-scientist key, made through the admin API like an operator would.
        using var http = new HttpClient { BaseAddress = new Uri(baseAddress) };
        http.DefaultRequestHeaders.Add("X-Api-Key", LiveApi.AdminKey);
        using var created = await http.PostAsJsonAsync("/api/tenants", new { name = "acme" });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                consoleErrors.Add(m.Text);
            }
        };

        await page.GotoAsync(baseAddress + "/");
        await page.Locator("#api-key").WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "dashboard-login.png") });

        // A wrong key is refused with a visible message.
        await page.FillAsync("#api-key", "eml_wrong");
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#login-error")).ToBeVisibleAsync();

        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("acme");

        await page.Locator("#upload-file").SetInputFilesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
        await page.FillAsync("#upload-name", "credit-german");
        await page.ClickAsync("#upload-form button[type=submit]");
        // The app changes only the hash (no page load): wait for that, or for an error toast, and say which.
        await page.WaitForFunctionAsync(
            "() => location.hash.startsWith('#/datasets/') || (document.querySelector('#toast') && !document.querySelector('#toast').hidden)",
            null,
            new PageWaitForFunctionOptions { Timeout = 90_000 });
        Assert.True(page.Url.Contains("#/datasets/", StringComparison.Ordinal), "Upload did not open the dataset: " + await page.Locator("#toast").TextContentAsync());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Column profile" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "credit-german" })).ToBeVisibleAsync();
        var profileRows = page.Locator("table tbody tr");
        Assert.Equal(21, await profileRows.CountAsync());
        await Assertions.Expect(page.Locator("dl.kv")).ToContainTextAsync("1,000");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "dashboard-dataset-profile.png"), FullPage = false });

        await page.ClickAsync("a[data-tab=datasets]");
        await Assertions.Expect(page.Locator("table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("table tbody tr")).ToContainTextAsync("credit-german");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "dashboard-datasets.png") });

        await page.ClickAsync("#logout");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        Assert.DoesNotContain(consoleErrors, e => !e.Contains("401", StringComparison.Ordinal));
    }
}
