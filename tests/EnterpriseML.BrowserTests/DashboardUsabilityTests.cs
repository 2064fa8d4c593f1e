using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// The dashboard as a demanding user drives it, in Debian's Chromium against the real API: confirmation dialogs
/// answered with the keyboard, a form half typed while the list under it changes, list rows opened without a mouse,
/// pages past the end of a list, the API's own words on a refused key or a missing page, and a network that fails and
/// comes back (through <see cref="TcpRelay"/>, cut and restored) without a reload.
/// </summary>
public sealed class DashboardUsabilityTests
{
    private const string Tiny = "amount,segment,label\n1,a,yes\n2,b,no\n3,a,yes\n4,b,no\n5,a,yes\n6,b,no\n";

    [Fact]
    public async Task ConfirmDialog_EscapeAfterAnEarlierConfirmation_CancelsTheNextAction()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("escape");
        using var http = ServingPanelTests.Client(api, key);
        await CreateScheduleAsync(http, "first");
        await CreateScheduleAsync(http, "second");
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/schedules");
        var page = session.Page;
        var deletes = new List<string>();
        page.Request += (_, r) => { if (r.Method == "DELETE") deletes.Add(r.Url); };
        var rows = page.Locator("#schedules-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // One delete confirmed with the mouse...
        await rows.Filter(new() { HasText = "first" }).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        // ...then the next one dismissed with Escape: nothing is deleted. The pause confirmed after it is the next
        // request the page sends, so a delete sent on Escape would be in the list before it.
        await rows.Filter(new() { HasText = "second" }).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#confirm")).ToBeHiddenAsync();
        var paused = page.WaitForRequestAsync(r => r.Url.EndsWith("/api/schedules/second/pause", StringComparison.Ordinal));
        await rows.Filter(new() { HasText = "second" }).GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await paused;
        Assert.Equal(["/api/schedules/first"], deletes.Select(u => new Uri(u).AbsolutePath));
        await Assertions.Expect(rows.Filter(new() { HasText = "second" }).Locator(".badge.paused")).ToBeVisibleAsync();
        using var second = await http.GetAsync("/api/schedules/second");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task ConfirmDialog_EnterInTheReasonField_ConfirmsWithThatReason()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("enter");
        using var http = ServingPanelTests.Client(api, key);
        await CreateScheduleAsync(http, "nightly");
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/schedules");
        var page = session.Page;
        var row = page.Locator("#schedules-table tbody tr").Filter(new() { HasText = "nightly" });

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        // The reason field has the focus as the dialog opens: type, then Enter.
        await Assertions.Expect(page.Locator("#confirm-reason")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("month-end freeze");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(row.Locator(".badge.paused")).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync("month-end freeze");
        var schedule = await DashboardTests.GetJsonAsync(http, "/api/schedules/nightly");
        Assert.Equal("month-end freeze", schedule.GetProperty("pauseReason").GetString());

        // A delete's dialog opens on Cancel (it has no reason field): Enter there cancels.
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-cancel")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#confirm")).ToBeHiddenAsync();
        var resumed = page.WaitForRequestAsync(r => r.Url.EndsWith("/api/schedules/nightly/resume", StringComparison.Ordinal));
        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await resumed;
        await Assertions.Expect(row.Locator(".badge.active")).ToBeVisibleAsync();
        using var kept = await http.GetAsync("/api/schedules/nightly");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task ConfirmDialog_BrowserBackWhileOpen_CancelsIt()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("goback");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await UploadAsync(http, "tiny", Tiny);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/datasets");
        var page = session.Page;
        await page.ClickAsync("#datasets-table tbody tr");
        await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(3);

        // Delete asked, then Back: the dialog goes with the page that asked, and nothing is deleted.
        await page.Locator("#view").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Delete dataset");
        await page.GoBackAsync();
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#confirm")).ToBeHiddenAsync();
        using var kept = await http.GetAsync($"/api/datasets/{datasetId}");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        // Forward returns to the dataset, whose Delete asks again.
        await page.GoForwardAsync();
        await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(3);
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task SchedulesPage_PauseResumeDelete_KeepTheNewScheduleBeingTyped()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("halftyped");
        using var http = ServingPanelTests.Client(api, key);
        await UploadAsync(http, "tiny", Tiny);
        await CreateScheduleAsync(http, "existing");
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/schedules");
        var page = session.Page;
        var row = page.Locator("#schedules-table tbody tr").Filter(new() { HasText = "existing" });
        await Assertions.Expect(row).ToHaveCountAsync(1);

        // A new schedule half typed...
        await page.FillAsync("#sch-name", "half-typed");
        await page.FillAsync("#sch-cron", "0 30 7 ? * TUE");
        await page.FillAsync("#sch-zone", "Europe/Paris");
        await page.SelectOptionAsync("#sch-label", "label");
        await page.SelectOptionAsync("#sch-positive", "yes");
        await page.FillAsync("#sch-model", "tiny-model");

        async Task ExpectFormKeptAsync()
        {
            await Assertions.Expect(page.Locator("#sch-name")).ToHaveValueAsync("half-typed");
            await Assertions.Expect(page.Locator("#sch-cron")).ToHaveValueAsync("0 30 7 ? * TUE");
            await Assertions.Expect(page.Locator("#sch-zone")).ToHaveValueAsync("Europe/Paris");
            await Assertions.Expect(page.Locator("#sch-positive")).ToHaveValueAsync("yes");
            await Assertions.Expect(page.Locator("#sch-model")).ToHaveValueAsync("tiny-model");
        }

        // ...while another schedule is paused, resumed and deleted: the list changes, the form does not.
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await page.FillAsync("#confirm-reason", "audit");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(row.Locator(".badge.paused")).ToBeVisibleAsync();
        await ExpectFormKeptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Assertions.Expect(row.Locator(".badge.active")).ToBeVisibleAsync();
        await ExpectFormKeptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#schedules-table")).ToHaveTextAsync("No schedule yet.");
        await ExpectFormKeptAsync();

        // The kept form still creates what it says.
        await page.ClickAsync("#schedule-form button[type=submit]");
        await Assertions.Expect(page.Locator("#schedules-table tbody tr").Filter(new() { HasText = "half-typed" })).ToHaveCountAsync(1);
        var created = await DashboardTests.GetJsonAsync(http, "/api/schedules/half-typed");
        Assert.Equal("0 30 7 ? * TUE", created.GetProperty("cron").GetString());
        Assert.Equal("Europe/Paris", created.GetProperty("timeZone").GetString());
        Assert.Equal("yes", created.GetProperty("experiment").GetProperty("positiveClass").GetString());
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task ModelPage_PromoteAndDeleteVersion_KeepWhatWasTypedInTryIt()
    {
        await using var api = new LiveApi();
        var (tenantId, key, _) = await api.CreateTenantAsync("keeptry");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        await ServingPanelTests.AddScorecardVersionAsync(api, tenantId, "keep-try", datasetId);
        await ServingPanelTests.AddScorecardVersionAsync(api, tenantId, "keep-try", datasetId);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/models/keep-try");
        var page = session.Page;

        // v1 picked, one applicant typed in.
        await page.SelectOptionAsync("#try-version", "1");
        await Assertions.Expect(page.Locator("#try-body .hint")).ToContainTextAsync("v1 predicts class");
        var lines = await File.ReadAllLinesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
        var header = lines[0].Split(',');
        var values = lines[1].Split(',');
        var typed = new Dictionary<string, string>();
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c] != "class")
            {
                typed[header[c]] = values[c];
                await page.Locator($"#try-form input[data-column='{header[c]}']").FillAsync(values[c]);
            }
        }

        async Task ExpectTypedKeptAsync()
        {
            foreach (var (column, value) in typed)
            {
                await Assertions.Expect(page.Locator($"#try-form input[data-column='{column}']")).ToHaveValueAsync(value);
            }
        }

        // Promote v2: the page shows the new champion, and Try it still has v1 picked and the applicant typed.
        await page.ClickAsync("button[data-version='2']");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#versions-table tbody tr").Filter(new() { HasText = "v2" })).ToContainTextAsync("champion");
        await Assertions.Expect(page.Locator("#try-version")).ToHaveValueAsync("1");
        await ExpectTypedKeptAsync();

        // Delete v1 (archived): the picker falls back to the champion, the applicant is still there, and predicts.
        await page.ClickAsync("button[data-delete-version='1']");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#versions-table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#try-version")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("#try-body .hint")).ToContainTextAsync("v2 predicts class");
        await ExpectTypedKeptAsync();
        await page.ClickAsync("#try-form button[type=submit]");
        await Assertions.Expect(page.Locator("#try-result dd").Last).ToHaveTextAsync("keep-try v2");
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task Lists_EachRowOpensFromTheKeyboard()
    {
        await using var api = new LiveApi();
        var (tenantId, key, _) = await api.CreateTenantAsync("keyboard");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        var experimentId = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 600, modelName = "kbd-model" });
        await CancelAsync(http, experimentId);
        await ServingPanelTests.AddScorecardVersionAsync(api, tenantId, "kbd-card", datasetId);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/datasets");
        var page = session.Page;

        // Each list's row has a link in the tab order; Enter on it opens the row's page.
        async Task OpenWithKeyboardAsync(string table, string expectedHash)
        {
            var link = page.Locator($"{table} tbody tr a[href]").First;
            Assert.True(await link.EvaluateAsync<bool>("a => a.tabIndex >= 0"), $"The first row of {table} is not in the tab order.");
            await link.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(expectedHash) + "$"));
        }

        await OpenWithKeyboardAsync("#datasets-table", $"#/datasets/{datasetId}");
        await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(21);
        await page.GotoAsync(api.BaseAddress + "/#/experiments");
        await Assertions.Expect(page.Locator("#experiments-table .badge.cancelled")).ToBeVisibleAsync();
        await OpenWithKeyboardAsync("#experiments-table", $"#/experiments/{experimentId}");
        await Assertions.Expect(page.Locator("#exp-status .badge.cancelled")).ToBeVisibleAsync();
        await page.GotoAsync(api.BaseAddress + "/#/models");
        await OpenWithKeyboardAsync("#models-table", "#/models/kbd-card");
        await Assertions.Expect(page.Locator("#versions-table tbody tr")).ToHaveCountAsync(1);
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task Lists_PagePastTheEndAndMissingItem_SaySoInTheApisWords()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("pastend");
        using var http = ServingPanelTests.Client(api, key);
        await UploadAsync(http, "only-one", Tiny);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/datasets?page=3");
        var page = session.Page;

        // An old link to page 3 of a one-page list: not "No dataset yet", but where the rows are.
        await Assertions.Expect(page.Locator("#datasets-table")).ToContainTextAsync("No dataset on page 3: the list has 1 in 1 page.");
        await page.ClickAsync("#datasets-last-page");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#/datasets\\?page=1$"));
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToContainTextAsync("only-one");

        // A deep link to a dataset that is not there: the API's problem as it gave it (title, detail, status).
        await page.GotoAsync(api.BaseAddress + "/#/datasets/no-such-dataset");
        var problem = page.Locator("#page-problem");
        await Assertions.Expect(problem).ToContainTextAsync("Dataset not found");
        await Assertions.Expect(problem).ToContainTextAsync("There is no dataset 'no-such-dataset' in your tenant.");
        await Assertions.Expect(problem).ToContainTextAsync("(HTTP 404)");
        // Back lands on the page before.
        await page.GoBackAsync();
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToContainTextAsync("only-one");
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task NewExperimentLink_DatasetOlderThanTheFormsList_StartsOnThatDataset_AndBothFormsLoadOlderOnes()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("manydatasets");
        using var http = ServingPanelTests.Client(api, key);
        var oldest = await UploadAsync(http, "the-oldest", "x,y,outcome\n0,0,yes\n1,1,no\n");
        // 500 newer uploads: the form's list (the newest 500) no longer holds the oldest.
        for (var batch = 0; batch < 500; batch += 10)
        {
            await Task.WhenAll(Enumerable.Range(batch, 10).Select(i => UploadAsync(http, $"newer-{i}", $"a,b,label\n{i},1,yes\n{i + 1},2,no\n")));
        }

        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, $"#/datasets/{oldest}");
        var page = session.Page;
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "the-oldest" })).ToBeVisibleAsync();
        await page.ClickAsync("#new-experiment");
        await Assertions.Expect(page.Locator("#exp-dataset")).ToHaveValueAsync(oldest);
        await Assertions.Expect(page.Locator("#exp-dataset option:checked")).ToHaveTextAsync("the-oldest (2 rows)");
        await Assertions.Expect(page.Locator("#exp-label")).ToHaveValueAsync("outcome");

        // Read on its own for the link, the oldest is listed with the newest 500: nothing is left to page through.
        await Assertions.Expect(page.Locator("#exp-dataset-count")).ToHaveTextAsync("501 datasets");
        await Assertions.Expect(page.Locator("#exp-dataset-more")).ToBeHiddenAsync();

        // Without the link the experiment form lists the newest 500 and pages through the datasets API for older ones.
        await page.GotoAsync(api.BaseAddress + "/#/experiments");
        await Assertions.Expect(page.Locator("#exp-dataset-count")).ToHaveTextAsync("newest 500 of 501 datasets");
        await Assertions.Expect(page.Locator("#exp-dataset option").Filter(new() { HasText = "the-oldest" })).ToHaveCountAsync(0);
        await page.FillAsync("#exp-dataset-filter", "oldest");
        await page.ClickAsync("#exp-dataset-more");
        await Assertions.Expect(page.Locator("#exp-dataset")).ToHaveValueAsync(oldest);
        await Assertions.Expect(page.Locator("#exp-label")).ToHaveValueAsync("outcome");
        await Assertions.Expect(page.Locator("#exp-dataset-more")).ToBeHiddenAsync();

        // The schedule form lists the newest 500 too, and pages through the datasets API for older ones: filtered by
        // name, the oldest is picked (its columns with it) once loaded; cleared, the filter shows all 501.
        await page.GotoAsync(api.BaseAddress + "/#/schedules");
        await Assertions.Expect(page.Locator("#sch-dataset-count")).ToHaveTextAsync("newest 500 of 501 datasets");
        await Assertions.Expect(page.Locator("#sch-dataset option").Filter(new() { HasText = "the-oldest" })).ToHaveCountAsync(0);
        await page.FillAsync("#sch-dataset-filter", "oldest");
        await Assertions.Expect(page.Locator("#sch-dataset-more")).ToHaveTextAsync("Load 1 older");
        await page.ClickAsync("#sch-dataset-more");
        await Assertions.Expect(page.Locator("#sch-dataset")).ToHaveValueAsync(oldest);
        await Assertions.Expect(page.Locator("#sch-dataset-count")).ToHaveTextAsync("501 datasets");
        await Assertions.Expect(page.Locator("#sch-dataset-more")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#sch-dataset option:checked")).ToHaveTextAsync("the-oldest (2 rows)");
        await Assertions.Expect(page.Locator("#sch-label")).ToHaveValueAsync("outcome");
        await page.FillAsync("#sch-dataset-filter", "");
        await Assertions.Expect(page.Locator("#sch-dataset option:not([hidden])")).ToHaveCountAsync(501);

        // A link to a dataset that is gone says so above the form, in the API's words.
        await page.GotoAsync(api.BaseAddress + "/#/experiments?dataset=no-such-dataset");
        var problem = page.Locator("#exp-dataset-problem");
        await Assertions.Expect(problem).ToContainTextAsync("Dataset not found");
        await Assertions.Expect(problem).ToContainTextAsync("There is no dataset 'no-such-dataset' in your tenant.");
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task SignIn_RefusedOrRevokedKey_ShowsTheApisReason()
    {
        await using var api = new LiveApi();
        var (tenantId, key, keyId) = await api.CreateTenantAsync("revoked");
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, "eml_not_a_key", hash: null);
        var page = session.Page;
        await Assertions.Expect(page.Locator("#login-error")).ToHaveTextAsync("Your API key was not accepted: The API key is unknown or has been revoked.");

        // Signed in, then the key is revoked by an admin: the next call says why the page went back to the sign-in.
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#datasets-table")).ToBeVisibleAsync();
        using (var admin = new HttpClient { BaseAddress = new Uri(api.BaseAddress) })
        {
            admin.DefaultRequestHeaders.Add("X-Api-Key", LiveApi.AdminKey);
            using var revoked = await admin.DeleteAsync($"/api/tenants/{tenantId}/keys/{keyId}");
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await page.ClickAsync("a[data-tab=models]");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#login-error")).ToHaveTextAsync("Your API key was not accepted: The API key is unknown or has been revoked.");
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task NetworkFailure_PageSaysWhatFailedAndRecoversWithoutAReload()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("offline");
        using var http = ServingPanelTests.Client(api, key);
        await UploadAsync(http, "tiny", Tiny);
        await CreateScheduleAsync(http, "weekly");
        await using var relay = new TcpRelay(api.BaseAddress);
        await using var session = await BrowserSession.OpenAsync(relay.BaseAddress, key, "#/datasets");
        var page = session.Page;
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToHaveCountAsync(1);

        relay.Cut();
        await page.ClickAsync("a[data-tab=schedules]");
        var problem = page.Locator("#page-problem");
        // The schedules page reads the schedules and the datasets at once: either failure may be the one reported.
        await Assertions.Expect(problem).ToContainTextAsync(new Regex(@"Could not reach the API \(GET /api/(schedules|datasets)\): .+\. Check the connection, then retry\."));
        relay.Restore();
        await page.ClickAsync("#page-retry");
        await Assertions.Expect(page.Locator("#schedules-table tbody tr")).ToContainTextAsync("weekly");

        // The tab of the page already shown reloads it: the way back after a failure, like Retry.
        relay.Cut();
        await page.ClickAsync("a[data-tab=datasets]");
        await Assertions.Expect(problem).ToContainTextAsync("Could not reach the API (GET /api/datasets)");
        relay.Restore();
        await page.ClickAsync("a[data-tab=datasets]");
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToContainTextAsync("tiny");
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task ExperimentsList_LeftAndOpenedAgain_PollsOncePerTickAndNotAfterLeaving()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("polling");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        var experimentId = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 900, modelName = "polled" });
        try
        {
            await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/models");
            var page = session.Page;
            // Timers run when the test moves the page's clock on, so "no request" is checked without waiting.
            await page.Clock.InstallAsync();
            var polls = new List<string>();
            page.Request += (_, r) => { if (r.Url.Contains("/api/experiments?page=", StringComparison.Ordinal)) polls.Add(r.Url); };

            // Everything the page's timers have sent is seen once a request sent after them has been answered.
            async Task SettleAsync() => await page.EvaluateAsync("() => fetch('/health').then(r => r.text())");

            await page.ClickAsync("a[data-tab=experiments]");
            await Assertions.Expect(page.Locator("#experiments-table tbody tr").Filter(new() { HasText = "polled" }).Locator(".badge.queued, .badge.running")).ToBeVisibleAsync();
            await page.ClickAsync("a[data-tab=models]");
            await Assertions.Expect(page.Locator("#models-table")).ToBeVisibleAsync();
            await SettleAsync();
            polls.Clear();
            await page.Clock.RunForAsync(60_000);
            await SettleAsync();
            Assert.Empty(polls);

            // Back on the list: its first read, then one poll per 2 s tick, not one per visit.
            await page.ClickAsync("a[data-tab=experiments]");
            await Assertions.Expect(page.Locator("#experiments-table tbody tr").Filter(new() { HasText = "polled" })).ToHaveCountAsync(1);
            await SettleAsync();
            polls.Clear();
            await page.Clock.RunForAsync(2_000);
            await SettleAsync();
            Assert.Single(polls);
            session.AssertNoPageErrors();
        }
        finally
        {
            await CancelAsync(http, experimentId);
        }
    }

    [Fact]
    public async Task ProxyErrorPage_ShownAsItsStatusNotAsItsMarkup()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("gateway");
        using var http = ServingPanelTests.Client(api, key);
        await UploadAsync(http, "tiny", Tiny);
        await using var relay = new TcpRelay(api.BaseAddress);
        await using var session = await BrowserSession.OpenAsync(relay.BaseAddress, key, "#/datasets");
        var page = session.Page;
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToHaveCountAsync(1);

        // A proxy's HTML error page says nothing readable as text: the page gives its status instead of its source.
        relay.AnswerBadGateway();
        await page.ClickAsync("a[data-tab=models]");
        var problem = page.Locator("#page-problem");
        await Assertions.Expect(problem).ToHaveTextAsync("The API gave no details. (HTTP 502)");
        relay.Restore();
        await page.ClickAsync("#page-retry");
        await Assertions.Expect(page.Locator("#models-table")).ToBeVisibleAsync();

        // An action refused the same way says the status in its toast.
        await page.ClickAsync("a[data-tab=datasets]");
        await page.ClickAsync("#datasets-table tbody tr");
        await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(3);
        relay.AnswerBadGateway();
        await page.Locator("#view").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#toast.bad")).ToHaveTextAsync("The API answered HTTP 502 without details.");
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task ExperimentsList_RefreshFailsWhileASweepRuns_SaysSoAndCatchesUpWhenTheApiIsBack()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("listblip");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        var experimentId = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 900, modelName = "long-sweep" });
        try
        {
            await using var relay = new TcpRelay(api.BaseAddress);
            await using var session = await BrowserSession.OpenAsync(relay.BaseAddress, key, "#/experiments");
            var page = session.Page;
            var row = page.Locator("#experiments-table tbody tr").Filter(new() { HasText = "long-sweep" });
            await Assertions.Expect(row.Locator(".badge.queued, .badge.running")).ToBeVisibleAsync();

            relay.Cut();
            var notice = page.Locator("#experiments-refresh");
            await Assertions.Expect(notice).ToContainTextAsync("Updates paused: Could not reach the API (GET /api/experiments)");
            await CancelAsync(http, experimentId);
            relay.Restore();
            // The list keeps trying: the cancellation shows without a reload, and the notice goes.
            await Assertions.Expect(row.Locator(".badge.cancelled")).ToBeVisibleAsync();
            await Assertions.Expect(notice).ToHaveCountAsync(0);
            // Drawn again with nothing to report: no stray "null" where the notice was.
            Assert.Equal("", await page.EvaluateAsync<string>("[...document.querySelector('#experiments-list').childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('')"));
            session.AssertNoPageErrors();
        }
        finally
        {
            await CancelAsync(http, experimentId);
        }
    }

    [Fact]
    public async Task ErrorToast_StaysUntilDismissedOrThePageIsLeft()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("toasts");
        using var http = ServingPanelTests.Client(api, key);
        await UploadAsync(http, "tiny", Tiny);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/schedules");
        var page = session.Page;
        // The page's clock is Playwright's from here: time is moved on explicitly, not waited for.
        await page.Clock.InstallAsync();

        async Task RefusedScheduleAsync()
        {
            await page.FillAsync("#sch-name", "never");
            await page.FillAsync("#sch-cron", "every monday");
            await page.FillAsync("#sch-model", "m");
            await page.ClickAsync("#schedule-form button[type=submit]");
        }

        await RefusedScheduleAsync();
        var toast = page.Locator("#toast.bad");
        await Assertions.Expect(toast).ToContainTextAsync("cron: Illegal characters");
        await Assertions.Expect(toast).ToHaveAttributeAsync("role", "alert");
        // A minute later the error is still there to read...
        await page.Clock.FastForwardAsync("01:00");
        await Assertions.Expect(toast).ToBeVisibleAsync();
        await Assertions.Expect(toast).ToContainTextAsync("cron: Illegal characters");
        // ...until dismissed (a button, reachable by keyboard).
        await page.FocusAsync("#toast-close");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#toast")).ToBeHiddenAsync();

        // Or until its page is left: the next page does not carry the last page's error.
        await RefusedScheduleAsync();
        await Assertions.Expect(toast).ToBeVisibleAsync();
        await page.ClickAsync("a[data-tab=models]");
        await Assertions.Expect(page.Locator("#models-table")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#toast")).ToBeHiddenAsync();

        // A confirmation still fades by itself.
        await page.ClickAsync("a[data-tab=schedules]");
        await page.FillAsync("#sch-name", "fine");
        await page.FillAsync("#sch-model", "m");
        await page.ClickAsync("#schedule-form button[type=submit]");
        await Assertions.Expect(page.Locator("#toast")).ToHaveTextAsync("Schedule fine created");
        await page.Clock.FastForwardAsync("00:05");
        await Assertions.Expect(page.Locator("#toast")).ToBeHiddenAsync();
        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task ExperimentPage_LiveUpdates_KeepTheKeyboardOnCancel()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("keyboardcancel");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        var experimentId = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 900, modelName = "kbd-cancel" });
        try
        {
            await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, $"#/experiments/{experimentId}");
            var page = session.Page;
            await Assertions.Expect(page.Locator("#exp-live")).ToHaveTextAsync("live", new() { Timeout = 60_000 });
            var before = await page.Locator("#exp-progress-text").TextContentAsync();
            // The sweep's Cancel button (the dialog's, closed, is hidden).
            var cancel = page.Locator("#view").GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true });
            await cancel.FocusAsync();
            // The next event redraws the page; the focus stays on Cancel, and the keyboard alone cancels the sweep.
            await page.WaitForFunctionAsync("before => document.querySelector('#exp-progress-text')?.textContent !== before", before, new() { Timeout = 60_000 });
            await Assertions.Expect(cancel).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Cancel experiment");
            await Assertions.Expect(page.Locator("#confirm-cancel")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Assertions.Expect(page.Locator("#confirm-ok")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator("#exp-status .badge.cancelled")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            session.AssertNoPageErrors();
        }
        finally
        {
            await CancelAsync(http, experimentId);
        }
    }

    /// <summary>
    /// Markup in every user-controlled string, end to end through the pages: a refused dataset name in the error
    /// toast, column names and class labels in the profile, the experiment form, the leaderboard's model, the "Try it"
    /// panel's classes, prediction and field error. Each must be text: no element made from it, no handler run.
    /// </summary>
    [Fact]
    public async Task HostileValues_UploadTrainServe_RenderedAsTextEverywhere()
    {
        const string HostileColumn = "<img src=x onerror=window.__xss=1>";
        const string HostileCategory = "<svg onload=window.__xss=2>";
        const string HostileClass = "<img src=x onerror=window.__xss=3>";
        const string HostileName = "<img src=x onerror=window.__xss=4>";
        const string HostileInput = "<img src=x onerror=window.__xss=5>";
        var csv = new StringBuilder($"{HostileColumn},segment,risk\n");
        for (var i = 0; i < 120; i++)
        {
            var segment = i % 3 == 0 ? HostileCategory : i % 3 == 1 ? "retail" : "wholesale";
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},{segment},{(i % 7 < 3 ? HostileClass : "fine")}\n");
        }

        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("hostile");
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/datasets");
        var page = session.Page;

        async Task ExpectInertAsync(string where)
        {
            var made = await page.EvaluateAsync<string>("() => [window.__xss ?? '', document.querySelectorAll('img, [onerror], [onload]').length].join('/')");
            Assert.True(made == "/0", $"{where}: markup from a user-controlled string became part of the page ({made}: window.__xss / elements).");
        }

        var file = new FilePayload { Name = HostileName + ".csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) };
        await page.Locator("#upload-file").SetInputFilesAsync(file);
        await page.FillAsync("#upload-name", HostileName);
        await page.ClickAsync("#upload-form button[type=submit]");
        await Assertions.Expect(page.Locator("#toast.bad")).ToContainTextAsync($"Invalid dataset name '{HostileName}'");
        await ExpectInertAsync("upload refused");

        await page.Locator("#upload-file").SetInputFilesAsync(file);
        await page.FillAsync("#upload-name", "hostile");
        await page.ClickAsync("#upload-form button[type=submit]");
        await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync(HostileColumn);
        await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync(HostileCategory);
        await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync(HostileClass);
        await ExpectInertAsync("dataset profile");

        await page.ClickAsync("#new-experiment");
        await page.SelectOptionAsync("#exp-label", "risk");
        await Assertions.Expect(page.Locator("#exp-positive option")).ToContainTextAsync([HostileClass]);
        await page.SelectOptionAsync("#exp-positive", HostileClass);
        await Assertions.Expect(page.Locator("#exp-ignore option")).ToContainTextAsync([HostileColumn]);
        await page.FillAsync("#exp-budget", "5");
        await page.FillAsync("#exp-model", "hostile-model");
        await page.ClickAsync("#experiment-form button[type=submit]");
        await Assertions.Expect(page.Locator("#exp-status .badge.succeeded")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await ExpectInertAsync("experiment page");

        await page.ClickAsync("#winner a");
        await Assertions.Expect(page.Locator("#try-body .hint")).ToContainTextAsync(HostileClass);
        var numeric = page.Locator($"#try-form input[data-column='{HostileColumn}']");
        await numeric.FillAsync(HostileInput);
        await page.Locator("#try-form input[data-column='segment']").FillAsync(HostileCategory);
        await page.ClickAsync("#try-form button[type=submit]");
        await Assertions.Expect(page.Locator("#try-error")).ToContainTextAsync(HostileInput);
        await Assertions.Expect(numeric).ToHaveAttributeAsync("aria-invalid", "true");
        await ExpectInertAsync("prediction refused");
        await numeric.FillAsync("2");
        await page.ClickAsync("#try-form button[type=submit]");
        await Assertions.Expect(page.Locator("#try-probability")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#try-result")).ToContainTextAsync($"Probability of {HostileClass}");
        await ExpectInertAsync("prediction");

        await page.ClickAsync("a[data-tab=experiments]");
        await Assertions.Expect(page.Locator("#experiments-table")).ToContainTextAsync("hostile-model");
        await page.ClickAsync("a[data-tab=datasets]");
        await Assertions.Expect(page.Locator("#datasets-table")).ToContainTextAsync("hostile");
        await ExpectInertAsync("lists");
        session.AssertNoPageErrors();
    }

    internal static async Task<string> UploadAsync(HttpClient http, string name, string csv)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "file", name + ".csv" },
            { new StringContent(name), "name" },
        };
        using var response = await http.PostAsync("/api/datasets", form);
        Assert.True(response.IsSuccessStatusCode, $"Upload of {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task CreateScheduleAsync(HttpClient http, string name)
    {
        using var created = await http.PostAsJsonAsync("/api/schedules", new
        {
            name,
            cron = "0 0 3 1 1 ?",
            experiment = new { datasetName = "tiny", label = "label", scenario = "auto", budgetSeconds = 30, modelName = name + "-model" },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    private static async Task CancelAsync(HttpClient http, string experimentId)
    {
        using var cancelled = await http.PostAsync($"/api/experiments/{experimentId}/cancel", null);
        Assert.True(cancelled.IsSuccessStatusCode || cancelled.StatusCode == HttpStatusCode.Conflict, await cancelled.Content.ReadAsStringAsync());
    }
}

/// <summary>A browser page signed in to the dashboard (or left on the sign-in page), with its page errors collected.</summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.PageError += (_, e) => _errors.Add(e);
    }

    public IPage Page { get; }

    /// <summary>Signs in with <paramref name="key"/>, then opens <paramref name="hash"/>; with no hash, stays where the sign-in left it.</summary>
    public static async Task<BrowserSession> OpenAsync(string baseAddress, string key, string? hash)
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        var playwright = await Playwright.CreateAsync();
        var browser = await DashboardTests.LaunchAsync(playwright);
        var session = new BrowserSession(playwright, browser, await DashboardTests.NewPageAsync(browser));
        if (hash is null)
        {
            await session.Page.GotoAsync(baseAddress + "/");
            await session.Page.FillAsync("#api-key", key);
            await session.Page.ClickAsync("#login-form button[type=submit]");
        }
        else
        {
            await ServingPanelTests.SignInAsync(session.Page, baseAddress, key, hash);
        }

        return session;
    }

    public void AssertNoPageErrors() => Assert.Empty(_errors);

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
