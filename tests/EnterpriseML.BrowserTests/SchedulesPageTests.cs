using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// The schedules page in Debian's Chromium against the real API and its real scheduler: "Run now" behind its
/// confirmation starts a refresh that the row shows queued or running, then decided, without a reload; the page follows
/// changes made through the API (pause, resume, a new schedule) by itself, keeps the keyboard focus across its updates,
/// and says when an update fails, catching up once the API answers again.
/// </summary>
public sealed class SchedulesPageTests
{
    private const string Schedule = "weekly-risk";

    [Fact]
    public async Task SchedulesPage_RunNowAndChangesThroughTheApi_ShownWithoutAReload()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("runnow");
        using var http = ServingPanelTests.Client(api, key);
        await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        await CreateScheduleAsync(http, Schedule);

        await using var relay = new TcpRelay(api.BaseAddress);
        await using var session = await BrowserSession.OpenAsync(relay.BaseAddress, key, "#/schedules");
        var page = session.Page;
        var row = page.Locator("#schedules-table tbody tr").Filter(new() { HasText = Schedule });
        await Assertions.Expect(row).ToContainTextAsync("not run yet");

        // Run now: cancelling runs nothing; confirming queues the refresh, which the row shows under way, then decided.
        var runNow = row.GetByRole(AriaRole.Button, new() { Name = "Run now" });
        await runNow.ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Run schedule now");
        await page.ClickAsync("#confirm button[value=cancel]");
        Assert.Equal(JsonValueKind.Null, (await http.GetFromJsonAsync<JsonElement>($"/api/schedules/{Schedule}")).GetProperty("refreshUnderWay").ValueKind);
        await runNow.ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#toast-text")).ToHaveTextAsync($"Refresh of {Schedule} queued");
        await Assertions.Expect(row.Locator(".under-way .badge.queued, .under-way .badge.running")).ToBeVisibleAsync();
        await Assertions.Expect(runNow).ToBeDisabledAsync();
        await DashboardTests.Shot(page, "schedules-refresh-under-way");
        await Assertions.Expect(row.Locator(".badge.promoted")).ToBeVisibleAsync(new() { Timeout = 180_000 });
        await Assertions.Expect(row).ToContainTextAsync("No champion yet");
        await Assertions.Expect(row.Locator(".under-way")).ToHaveCountAsync(0);
        await Assertions.Expect(runNow).ToBeEnabledAsync();
        await DashboardTests.Shot(page, "schedules-refresh-decided");
        var refreshes = (await http.GetFromJsonAsync<JsonElement>($"/api/schedules/{Schedule}")).GetProperty("refreshes");
        Assert.Equal(1, refreshes.GetArrayLength());
        Assert.StartsWith("runnow/data-scientist/", refreshes[0].GetProperty("outcome").GetProperty("triggeredBy").GetString(), StringComparison.Ordinal);

        // Changed through the API: the page follows by itself, and a focused button keeps the focus across the updates.
        await row.Locator($"#sch-delete-{Schedule}").FocusAsync();
        using (var pause = await http.PostAsJsonAsync($"/api/schedules/{Schedule}/pause", new { reason = "paused from the api" }))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        }

        await Assertions.Expect(row.Locator(".badge.paused")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("paused from the api");
        await Assertions.Expect(runNow).ToBeDisabledAsync();
        await CreateScheduleAsync(http, "second-schedule");
        await Assertions.Expect(page.Locator("#schedules-table tbody tr").Filter(new() { HasText = "second-schedule" })).ToHaveCountAsync(1);
        Assert.Equal($"sch-delete-{Schedule}", await page.EvaluateAsync<string>("document.activeElement.id"));
        // Drawn again with nothing to report above the table: no stray "null" where the notice would be.
        Assert.Equal("", await page.EvaluateAsync<string>("[...document.querySelector('#schedules-list').childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('')"));

        // A failed update is said above the table and retried; a change made meanwhile shows once the API is back.
        relay.Cut();
        var notice = page.Locator("#schedules-refresh");
        await Assertions.Expect(notice).ToContainTextAsync("Updates paused: Could not reach the API (GET /api/schedules)");
        using (var resume = await http.PostAsync($"/api/schedules/{Schedule}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        relay.Restore();
        await Assertions.Expect(row.Locator(".badge.active")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(notice).ToHaveCountAsync(0);
        await Assertions.Expect(runNow).ToBeEnabledAsync();
        session.AssertNoPageErrors();
    }

    /// <summary>A schedule that fires on 1 January only: every refresh in the test is one asked for.</summary>
    private static async Task CreateScheduleAsync(HttpClient http, string name)
    {
        using var created = await http.PostAsJsonAsync("/api/schedules", new
        {
            name,
            cron = "0 0 3 1 1 ?",
            experiment = new { datasetName = "credit-german", label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 60, maxTrials = 3, modelName = name + "-model", seed = 3 },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }
}
