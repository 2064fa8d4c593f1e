using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// A model's page in Debian's Chromium against the real API: the "Try it" version picker, "Delete version" and
/// "Delete model" behind their confirmation, the API's 409 shown as it gave it, and the models list after a model is
/// gone. The model is a real sweep's winner on credit-german plus two scorecard versions fitted on the same file.
/// </summary>
public sealed class ModelDeletePageTests
{
    private const string Model = "credit-del";

    [Fact]
    public async Task ModelPage_PickVersionDeleteVersionAndModel_RefusalsShownAsTheApiSaysThem()
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var (tenantId, key, _) = await api.CreateTenantAsync("deletes");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        await ServingPanelTests.TrainAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", task = "binary", budgetSeconds = 60, maxTrials = 4, modelName = Model });
        await ServingPanelTests.AddScorecardVersionAsync(api, tenantId, Model, datasetId);
        await ServingPanelTests.AddScorecardVersionAsync(api, tenantId, Model, datasetId);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardTests.LaunchAsync(playwright);
        var page = await DashboardTests.NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await ServingPanelTests.SignInAsync(page, api.BaseAddress, key, $"#/models/{Model}");

        // Try it: the champion by default, then any version through ?version=N, answering what the API answers.
        var picker = page.Locator("#try-version");
        await Assertions.Expect(picker.Locator("option")).ToHaveTextAsync(["champion (v1)", "v3 (candidate)", "v2 (candidate)", "v1 (champion)"]);
        await Assertions.Expect(page.Locator("#try-body .hint")).ToContainTextAsync("v1 predicts class");
        await picker.SelectOptionAsync("2");
        await Assertions.Expect(page.Locator("#try-body .hint")).ToContainTextAsync("v2 predicts class");
        var lines = await File.ReadAllLinesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
        var header = lines[0].Split(',');
        var values = lines[2].Split(',');
        var row = new Dictionary<string, string>();
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c] != "class")
            {
                row[header[c]] = values[c];
                await page.Locator($"#try-form input[data-column='{header[c]}']").FillAsync(values[c]);
            }
        }

        await page.ClickAsync("#try-form button[type=submit]");
        using (var response = await http.PostAsJsonAsync($"/api/models/{Model}/predict?explain=true&version=2", new { rows = new[] { row } }))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(2, body.GetProperty("version").GetInt32());
            var expected = body.GetProperty("predictions")[0];
            await Assertions.Expect(page.Locator("#try-result dd").Last).ToHaveTextAsync($"{Model} v2");
            await Assertions.Expect(page.Locator("#try-label")).ToHaveTextAsync(expected.GetProperty("label").GetString()!);
            await Assertions.Expect(page.Locator("#try-probability")).ToHaveTextAsync(expected.GetProperty("probability").GetDouble().ToString("F4", CultureInfo.InvariantCulture));
            // v2 is a scorecard: its points, which the sweep's champion does not answer the same way.
            await Assertions.Expect(page.Locator("#try-score")).ToHaveTextAsync($"{expected.GetProperty("score").GetDouble().ToString("F2", CultureInfo.InvariantCulture)} points (higher is safer)");
        }

        // Delete version: no button for the champion; cancelling deletes nothing; confirming removes v3.
        await Assertions.Expect(page.Locator("button[data-delete-version]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("button[data-delete-version='1']")).ToHaveCountAsync(0);
        await page.ClickAsync("button[data-delete-version='3']");
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Delete version");
        await Assertions.Expect(page.Locator("#confirm-reason")).ToBeHiddenAsync();
        await page.ClickAsync("#confirm button[value=cancel]");
        Assert.Equal(new long[] { 1, 2, 3 }, await VersionsAsync(http));
        await page.ClickAsync("button[data-delete-version='3']");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#versions-table tbody tr td:first-child")).ToHaveTextAsync(["v2", "v1"]);
        Assert.Equal(new long[] { 1, 2 }, await VersionsAsync(http));
        await Assertions.Expect(page.Locator("#history-table tbody tr").First).ToContainTextAsync("deleted");

        // The page still offers v2 for deletion, but it became champion meanwhile (through the API): the 409, as said.
        using (var promote = await http.PostAsync($"/api/models/{Model}/versions/2/promote", null))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        }

        await page.ClickAsync("button[data-delete-version='2']");
        await page.ClickAsync("#confirm-ok");
        var problem = page.Locator("#delete-error");
        await Assertions.Expect(problem).ToContainTextAsync("Cannot delete the champion");
        await Assertions.Expect(problem).ToContainTextAsync($"Version 2 is the champion of model '{Model}' and serves its predictions: promote another version first (POST /api/models/{Model}/versions/{{version}}/promote), or delete the whole model (DELETE /api/models/{Model}).");
        await Assertions.Expect(problem).ToContainTextAsync("(HTTP 409)");
        Assert.Equal(new long[] { 1, 2 }, await VersionsAsync(http));

        // Delete model while a schedule refreshes it: the API's 409 detail, word for word, and nothing deleted.
        using (var schedule = await http.PostAsJsonAsync("/api/schedules", new
        {
            name = "nightly",
            cron = "0 0 3 1 1 ?",
            experiment = new { datasetName = "credit-german", label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 30, modelName = Model },
        }))
        {
            Assert.True(schedule.IsSuccessStatusCode, await schedule.Content.ReadAsStringAsync());
        }

        await page.ReloadAsync();
        await page.ClickAsync("#delete-model");
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Delete model");
        await page.ClickAsync("#confirm-ok");
        using (var refused = await http.DeleteAsync($"/api/models/{Model}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
            Assert.Contains("is refreshed by schedule 'nightly'", detail, StringComparison.Ordinal);
            await Assertions.Expect(problem).ToContainTextAsync(detail);
            await Assertions.Expect(problem).ToContainTextAsync("(HTTP 409)");
        }

        Assert.Equal(new long[] { 1, 2 }, await VersionsAsync(http));

        // Once the schedule is gone the model goes, and the page returns to the models list without it.
        using (var unschedule = await http.DeleteAsync("/api/schedules/nightly"))
        {
            Assert.Equal(HttpStatusCode.NoContent, unschedule.StatusCode);
        }

        await page.ClickAsync("#delete-model");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/models$"));
        await Assertions.Expect(page.Locator("#models-table")).ToHaveTextAsync("No model yet: a successful experiment creates one.");
        using (var gone = await http.GetAsync($"/api/models/{Model}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Empty(errors);
    }

    private static async Task<long[]> VersionsAsync(HttpClient http) =>
        [.. (await DashboardTests.GetJsonAsync(http, $"/api/models/{Model}")).GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()).Order()];
}
