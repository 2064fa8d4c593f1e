using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// The issue's whole dashboard flow in Debian's Chromium at 1366×768: sign in, upload credit-german, start an
/// experiment and watch its live progress, read the leaderboard and the charts, train a second version, promote it
/// and roll back behind the confirmation, create and pause a schedule. Each step is checked in the page and, for
/// state changes, through the API. Screenshots land in artifacts/screenshots.
/// </summary>
public sealed class DashboardTests(ITestOutputHelper output)
{
    private const float StepTimeout = 30_000;
    private const float SweepTimeout = 120_000;

    internal static string Chromium => Environment.GetEnvironmentVariable("EML_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

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
    public async Task Dashboard_UploadTrainWatchPromoteSchedule_EveryStepVisibleAndRecorded()
    {
        Assert.True(File.Exists(Chromium), $"Chromium not found at {Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var baseAddress = api.BaseAddress;

        // A tenant with a data-scientist key, made through the admin API like an operator would.
        var key = (await api.CreateTenantAsync("acme")).Key;
        using var http = new HttpClient { BaseAddress = new Uri(baseAddress) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await NewPageAsync(browser);

        // Everything the browser says, kept for the failure report: console, page errors, every API answer.
        var log = new StringBuilder();
        var consoleErrors = new List<string>();
        var eventStreams = new List<string>();
        page.Console += (_, m) =>
        {
            log.AppendLine($"console.{m.Type}: {m.Text}");
            if (m.Type == "error")
            {
                consoleErrors.Add(m.Text);
            }
        };
        page.PageError += (_, e) => { log.AppendLine("page error: " + e); consoleErrors.Add(e); };
        page.Request += (_, r) =>
        {
            if (r.Url.EndsWith("/events", StringComparison.Ordinal))
            {
                eventStreams.Add(r.Url);
            }
        };
        page.Response += (_, r) => { if (r.Url.Contains("/api/", StringComparison.Ordinal)) log.AppendLine($"{r.Request.Method} {r.Url} -> {r.Status}"); };

        var step = "start";
        try
        {
            step = "log in";
            await page.GotoAsync(baseAddress + "/");
            await page.Locator("#api-key").WaitForAsync();
            await Shot(page, "dashboard-login");
            await page.FillAsync("#api-key", "eml_wrong");
            await page.ClickAsync("#login-form button[type=submit]");
            await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("not accepted");
            await page.FillAsync("#api-key", key);
            await page.ClickAsync("#login-form button[type=submit]");
            await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("acme · data-scientist");
            await Assertions.Expect(page.Locator("#datasets-table")).ToContainTextAsync("No dataset yet");

            step = "upload a dataset";
            await page.Locator("#upload-file").SetInputFilesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
            await page.FillAsync("#upload-name", "credit-german");
            await page.ClickAsync("#upload-form button[type=submit]");
            await page.WaitForFunctionAsync(
                "() => location.hash.startsWith('#/datasets/') || !!document.querySelector('#toast.bad:not([hidden])')", null,
                new PageWaitForFunctionOptions { Timeout = StepTimeout });
            Assert.True(page.Url.Contains("#/datasets/", StringComparison.Ordinal), "Upload did not open the dataset: " + await page.Locator("#toast").TextContentAsync());
            var datasetId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "credit-german" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(21);
            await Assertions.Expect(page.Locator("#profile-table tbody tr").Filter(new() { HasText = "class" })).ToContainTextAsync("categorical");
            await Assertions.Expect(page.Locator("dl.kv")).ToContainTextAsync("1,000");
            await Shot(page, "dashboard-dataset-profile");

            step = "start an experiment from the dataset";
            await page.ClickAsync("#new-experiment");
            await Assertions.Expect(page.Locator("#exp-dataset")).ToHaveValueAsync(datasetId);
            // Ended by its trial count (the form's optional max trials), so even a loaded machine gets to the specialised
            // candidates; the budget is a backstop.
            var posted = page.WaitForRequestAsync(r => r.Method == "POST" && r.Url.EndsWith("/api/experiments", StringComparison.Ordinal));
            var experiment1 = await StartExperimentAsync(page, budgetSeconds: 120, maxTrials: 12);
            Assert.Contains("\"maxTrials\":12", (await posted).PostData, StringComparison.Ordinal);

            step = "watch the first sweep";
            // Sample the live progress bar every 100 ms: a value strictly between 0 and 100 proves it moved while running.
            await page.EvaluateAsync("""
                () => { window.__progress = []; setInterval(() => {
                  const bar = document.querySelector('#exp-progress-wrap [role=progressbar]');
                  if (bar) window.__progress.push(Number(bar.getAttribute('aria-valuenow'))); }, 100); }
                """);
            await Assertions.Expect(page.Locator("#exp-status .badge.running")).ToBeVisibleAsync();
            await page.WaitForFunctionAsync("() => window.__progress.some(v => v > 0 && v < 100)", null, new PageWaitForFunctionOptions { Timeout = SweepTimeout });
            await Shot(page, "dashboard-experiment-running");
            await Assertions.Expect(page.Locator("#exp-status .badge.succeeded")).ToBeVisibleAsync(new() { Timeout = SweepTimeout });
            // The sampler runs every 100 ms, so the bar's final 100 % can land a tick after the badge.
            await page.WaitForFunctionAsync("() => window.__progress.at(-1) === 100", null, new PageWaitForFunctionOptions { Timeout = StepTimeout });
            var progress = await page.EvaluateAsync<double[]>("() => window.__progress");
            Assert.Contains(progress, v => v is > 0 and < 100);
            Assert.Equal(100, progress[^1]);
            Assert.Contains(eventStreams, u => u.EndsWith($"/api/experiments/{experiment1}/events", StringComparison.Ordinal));

            step = "read the leaderboard";
            var e1 = await GetJsonAsync(http, $"/api/experiments/{experiment1}");
            Assert.Equal("succeeded", e1.GetProperty("status").GetString());
            var leaderboard = e1.GetProperty("leaderboard").EnumerateArray().ToList();
            var rows = page.Locator("#leaderboard tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(leaderboard.Count);
            Assert.True(leaderboard.Count >= 2, $"A credit sweep should rank several candidates, got {leaderboard.Count}.");
            var generalRows = await rows.Filter(new() { Has = page.Locator(".badge.general") }).CountAsync();
            var specialisedRows = await rows.Filter(new() { Has = page.Locator(".badge.specialised") }).CountAsync();
            Assert.Equal(leaderboard.Count(r => r.GetProperty("kind").GetString() == "general"), generalRows);
            Assert.Equal(leaderboard.Count(r => r.GetProperty("kind").GetString() == "specialised"), specialisedRows);
            Assert.True(generalRows > 0 && specialisedRows > 0, $"Both kinds must be on the leaderboard: {generalRows} general, {specialisedRows} specialised.");
            var winner = e1.GetProperty("winner");
            await Assertions.Expect(page.Locator("#leaderboard tr.winner")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#leaderboard tr.winner")).ToContainTextAsync(winner.GetProperty("candidate").GetString()!);
            await Assertions.Expect(page.Locator("#winner")).ToContainTextAsync("credit-risk v1");
            await Assertions.Expect(page.Locator("#winner-refit")).ToHaveTextAsync(winner.GetProperty("refittedOnAllData").GetBoolean()
                ? "refitted on all training rows"
                : "the validation-fold model: the budget left no time to refit it on all training rows");
            await Assertions.Expect(page.Locator("#leaderboard thead")).ToContainTextAsync("AUC");

            step = "see the charts";
            var scoredTrials = e1.GetProperty("trials").EnumerateArray().Count(t => t.GetProperty("score").ValueKind == JsonValueKind.Number);
            await Assertions.Expect(page.Locator("#chart-score svg circle")).ToHaveCountAsync(scoredTrials);
            await Assertions.Expect(page.Locator("#chart-score svg")).ToContainTextAsync("elapsed time (s)");
            await Assertions.Expect(page.Locator("#chart-cost svg circle")).ToHaveCountAsync(leaderboard.Count);
            await Assertions.Expect(page.Locator("#chart-cost svg")).ToContainTextAsync("prediction cost");
            await Assertions.Expect(page.Locator("#chart-roc svg path")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#chart-roc svg")).ToContainTextAsync("false positive rate");
            await Assertions.Expect(page.Locator("#chart-pr svg path")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#chart-pr svg")).ToContainTextAsync("recall");
            await Shot(page, "dashboard-experiment");
            await Shot(page, "dashboard-experiment-full", fullPage: true);

            step = "a second experiment, from the experiments page";
            await page.ClickAsync("a[data-tab=experiments]");
            await Assertions.Expect(page.Locator("#experiments-table tbody tr")).ToHaveCountAsync(1);
            var experiment2 = await StartExperimentAsync(page, budgetSeconds: 6);
            await Assertions.Expect(page.Locator("#exp-status .badge.succeeded")).ToBeVisibleAsync(new() { Timeout = SweepTimeout });
            await Assertions.Expect(page.Locator("#winner")).ToContainTextAsync("credit-risk v2");
            await page.ClickAsync("a[data-tab=experiments]");
            await Assertions.Expect(page.Locator("#experiments-table tbody tr .badge.succeeded")).ToHaveCountAsync(2);
            await Shot(page, "dashboard-experiments");

            step = "the model with its versions";
            await page.ClickAsync("a[data-tab=models]");
            await Assertions.Expect(page.Locator("#models-table tbody tr")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#models-table tbody tr")).ToContainTextAsync("v1");
            await page.ClickAsync("#models-table tbody tr");
            var versions = page.Locator("#versions-table tbody tr");
            await Assertions.Expect(versions).ToHaveCountAsync(2);
            await Assertions.Expect(versions.Filter(new() { HasText = "v2" })).ToContainTextAsync("candidate");
            await Assertions.Expect(versions.Filter(new() { HasText = "v1" })).ToContainTextAsync("champion");
            await Assertions.Expect(versions.Filter(new() { HasText = "v2" })).ToContainTextAsync(experiment2[..8]);
            await Assertions.Expect(page.Locator("#rollback")).ToBeDisabledAsync();

            step = "promote v2: cancel first, then confirm";
            await page.ClickAsync("button[data-version='2']");
            await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#confirm-text")).ToContainTextAsync("Make v2 the champion of credit-risk");
            await page.ClickAsync("#confirm button[value=cancel]");
            await Assertions.Expect(page.Locator("#confirm")).ToBeHiddenAsync();
            Assert.Equal(1, (await GetJsonAsync(http, "/api/models/credit-risk")).GetProperty("champion").GetInt64());

            await page.ClickAsync("button[data-version='2']");
            await page.FillAsync("#confirm-reason", "second sweep, reviewed");
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(versions.Filter(new() { HasText = "v2" })).ToContainTextAsync("champion");
            await Assertions.Expect(versions.Filter(new() { HasText = "v1" })).ToContainTextAsync("archived");
            var model = await GetJsonAsync(http, "/api/models/credit-risk");
            Assert.Equal(2, model.GetProperty("champion").GetInt64());
            Assert.Equal("archived", Stage(model, 1));
            Assert.Contains(model.GetProperty("history").EnumerateArray(), h => h.GetProperty("version").GetInt64() == 2 && h.GetProperty("to").GetString() == "champion" && h.GetProperty("why").GetString() == "second sweep, reviewed");
            await Assertions.Expect(page.Locator("#history-table")).ToContainTextAsync("second sweep, reviewed");
            await Shot(page, "dashboard-model");

            step = "roll back behind the confirmation";
            await Assertions.Expect(page.Locator("#rollback")).ToBeEnabledAsync();
            await page.ClickAsync("#rollback");
            await Assertions.Expect(page.Locator("#confirm-text")).ToContainTextAsync("Restore the previous champion");
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(versions.Filter(new() { HasText = "v1" })).ToContainTextAsync("champion");
            Assert.Equal(1, (await GetJsonAsync(http, "/api/models/credit-risk")).GetProperty("champion").GetInt64());

            step = "schedules: create, then pause with a reason";
            await page.ClickAsync("a[data-tab=schedules]");
            await Assertions.Expect(page.Locator("#schedules-table")).ToContainTextAsync("No schedule yet");
            await page.FillAsync("#sch-name", "weekly-credit");
            await page.FillAsync("#sch-cron", "0 0 6 ? * MON");
            await page.SelectOptionAsync("#sch-label", "class");
            await page.SelectOptionAsync("#sch-positive", "bad");
            await page.SelectOptionAsync("#sch-scenario", "credit");
            await page.SelectOptionAsync("#sch-task", "binary");
            await page.FillAsync("#sch-budget", "120");
            await page.FillAsync("#sch-model", "credit-risk");
            await page.ClickAsync("#schedule-form button[type=submit]");
            var scheduleRow = page.Locator("#schedules-table tbody tr");
            await Assertions.Expect(scheduleRow).ToHaveCountAsync(1);
            await Assertions.Expect(scheduleRow).ToContainTextAsync("weekly-credit");
            await Assertions.Expect(scheduleRow).ToContainTextAsync("credit-risk · credit · 120 s on the newest credit-german");
            await Assertions.Expect(scheduleRow.Locator(".badge.active")).ToBeVisibleAsync();
            var schedule = await GetJsonAsync(http, "/api/schedules/weekly-credit");
            // The next run reads in the schedule's zone, as its cron does: Mondays at 06:00.
            var zone = schedule.TryGetProperty("timeZone", out var z) && z.ValueKind == JsonValueKind.String ? z.GetString()! : "UTC";
            await Assertions.Expect(scheduleRow).ToContainTextAsync($"06:00 {zone}");
            Assert.Equal("0 0 6 ? * MON", schedule.GetProperty("cron").GetString());
            Assert.Equal("bad", schedule.GetProperty("experiment").GetProperty("positiveClass").GetString());
            Assert.Equal("binary", schedule.GetProperty("experiment").GetProperty("task").GetString());
            // A refresh trains on the newest upload of the dataset's name (next week's extract), not on this upload only.
            Assert.Equal("credit-german", schedule.GetProperty("experiment").GetProperty("datasetName").GetString());
            Assert.False(schedule.GetProperty("experiment").TryGetProperty("datasetId", out var pinned) && pinned.ValueKind == JsonValueKind.String,
                "The dashboard pinned the schedule to one upload: " + schedule.GetProperty("experiment"));

            await scheduleRow.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
            await page.FillAsync("#confirm-reason", "data freeze");
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(scheduleRow.Locator(".badge.paused")).ToBeVisibleAsync();
            await Assertions.Expect(scheduleRow).ToContainTextAsync("data freeze");
            schedule = await GetJsonAsync(http, "/api/schedules/weekly-credit");
            Assert.True(schedule.GetProperty("paused").GetBoolean());
            Assert.Equal("data freeze", schedule.GetProperty("pauseReason").GetString());
            await Shot(page, "dashboard-schedules");

            step = "delete the schedule";
            // A delete takes no reason: the dialog does not offer the field (it was shown and never sent).
            await scheduleRow.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
            await Assertions.Expect(page.Locator("#confirm-reason")).ToBeHiddenAsync();
            await page.ClickAsync("#confirm-ok");
            await Assertions.Expect(page.Locator("#schedules-table tbody tr").Filter(new() { HasText = "weekly-credit" })).ToHaveCountAsync(0);
            using (var gone = await http.GetAsync("/api/schedules/weekly-credit"))
            {
                Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
            }

            step = "sign out";
            await page.ClickAsync("#logout");
            await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
            Assert.DoesNotContain(consoleErrors, e => !e.Contains("401", StringComparison.Ordinal));
        }
        catch (Exception e)
        {
            await Shot(page, "dashboard-failure");
            await File.WriteAllTextAsync(Path.Combine(Screenshots, "dashboard-failure.log"), $"step: {step}\n{e}\n\n{log}");
            output.WriteLine($"Failed at step '{step}'. Browser log:\n{log}");
            throw;
        }
    }

    /// <summary>
    /// A CSV saved in Windows-1252: uploaded with the default encoding, the toast shows the API's error naming the byte
    /// and the upload's encoding field; with "Windows-1252" chosen in the form, the dataset page shows the encoding and
    /// the accented values.
    /// </summary>
    [Fact]
    public async Task Dashboard_UploadWithEncodingSelect_ReadsWindows1252()
    {
        await using var api = new LiveApi();
        var key = (await api.CreateTenantAsync("acme")).Key;
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, hash: null);
        var page = session.Page;
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("acme");

        var file = Path.Combine(Path.GetTempPath(), $"eml-cp1252-{Guid.NewGuid():N}.csv");
        var text = "city,amount\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{(i % 2 == 0 ? "Zürich" : "Besançon")},{i}\n"));
        await File.WriteAllBytesAsync(file, CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetBytes(text));
        try
        {
            await page.Locator("#upload-file").SetInputFilesAsync(file);
            await page.FillAsync("#upload-name", "cities");
            await page.ClickAsync("#upload-form button[type=submit]");
            await Assertions.Expect(page.Locator("#toast.bad")).ToContainTextAsync(
                "cities, line 2, column 2: the input is not UTF-8 text: field 1 holds byte 0xFC ('ü' in Windows-1252) at byte offset 13; "
                + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set the upload's 'encoding' field to windows-1252 or iso-8859-1");

            await page.SelectOptionAsync("#upload-encoding", "windows-1252");
            await page.ClickAsync("#upload-form button[type=submit]");
            await page.WaitForFunctionAsync("() => location.hash.startsWith('#/datasets/')", null, new PageWaitForFunctionOptions { Timeout = StepTimeout });
            await Assertions.Expect(page.Locator("#dataset-encoding")).ToHaveTextAsync("windows-1252 (stored as UTF-8)");
            await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync("Besançon");
            await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync("Zürich");
            session.AssertNoPageErrors();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Dashboard_RecommendationExperiment_AsksForUserAndItemAndServesTopN()
    {
        Assert.True(File.Exists(Chromium), $"Chromium not found at {Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var key = (await api.CreateTenantAsync("shop")).Key;
        using var http = new HttpClient { BaseAddress = new Uri(api.BaseAddress) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        await page.GotoAsync(api.BaseAddress + "/");
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("shop");

        // A column of numbers with a stray value is profiled as categorical, and the dataset page says why.
        var stray = Path.Combine(Path.GetTempPath(), $"eml-stray-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(stray, "amount,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{(i == 5 ? "\"1,234\"" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))},{i % 2}\n")));
        try
        {
            await page.Locator("#upload-file").SetInputFilesAsync(stray);
            await page.FillAsync("#upload-name", "payments");
            await page.ClickAsync("#upload-form button[type=submit]");
            await page.WaitForFunctionAsync("() => location.hash.startsWith('#/datasets/')", null, new PageWaitForFunctionOptions { Timeout = StepTimeout });
            await Assertions.Expect(page.Locator("#profile-notes")).ToContainTextAsync("column 'amount' was read as categorical although 39 of 40 values are numbers: payments, line 7 holds '1,234'");
            await Assertions.Expect(page.Locator("#profile-table tbody tr").Filter(new() { HasText = "amount" }).Locator(".type-note")).ToBeVisibleAsync();

            // The note says to ignore the column in the experiment: the form can (marked ⚠), and sends ignoreColumns;
            // ignoring the only feature is the API's 400, which proves the field arrived without running a sweep.
            await page.ClickAsync("#new-experiment");
            await Assertions.Expect(page.Locator("#exp-ignore option")).ToHaveTextAsync(["amount ⚠"]);
            await page.SelectOptionAsync("#exp-ignore", "amount");
            await page.FillAsync("#exp-model", "payments");
            var posted = await SubmitExperimentFormAsync(page);
            Assert.Equal("[\"amount\"]", posted.GetProperty("ignoreColumns").GetRawText());
            await Assertions.Expect(page.Locator("#toast.bad")).ToContainTextAsync("No column is left to learn from");

            // A cancelled sweep's bar shows where it stopped (amber), not a full bar as if it had run its budget.
            var datasets = await GetJsonAsync(http, "/api/datasets");
            var payments = datasets.GetProperty("items").EnumerateArray().First(d => d.GetProperty("name").GetString() == "payments").GetProperty("id").GetString();
            using (var started = await http.PostAsJsonAsync("/api/experiments", new { datasetId = payments, label = "label", scenario = "auto", budgetSeconds = 600, modelName = "stopped" }))
            {
                var stoppedId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                using var cancelled = await http.PostAsync($"/api/experiments/{stoppedId}/cancel", null);
                Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync());
            }

            await page.ClickAsync("a[data-tab=experiments]");
            var stopped = page.Locator("#experiments-table tbody tr").Filter(new() { HasText = "stopped" });
            await Assertions.Expect(stopped.Locator(".badge.cancelled")).ToBeVisibleAsync();
            await Assertions.Expect(stopped.Locator(".progress.cancelled")).ToBeVisibleAsync();
            Assert.True(double.Parse((await stopped.Locator("[role=progressbar]").GetAttributeAsync("aria-valuenow"))!, System.Globalization.CultureInfo.InvariantCulture) < 100,
                "A sweep cancelled at once shows a full progress bar.");
            // On its page the cancellation is said as such, not as an error in red.
            await stopped.ClickAsync();
            await Assertions.Expect(page.Locator("#exp-error")).ToContainTextAsync("Cancelled by");
            await Assertions.Expect(page.Locator("#exp-error")).Not.ToHaveClassAsync("error");
            await Assertions.Expect(page.Locator("dl.kv dt").Filter(new() { HasText = "Error" })).ToHaveCountAsync(0);
        }
        finally
        {
            File.Delete(stray);
        }

        await page.GotoAsync(api.BaseAddress + "/#/datasets");
        await page.Locator("#upload-file").SetInputFilesAsync(TestPaths.Dataset("recsys-scotch-implicit.csv"));
        await page.FillAsync("#upload-name", "scotch");
        await page.ClickAsync("#upload-form button[type=submit]");
        await page.WaitForFunctionAsync("() => location.hash.startsWith('#/datasets/')", null, new PageWaitForFunctionOptions { Timeout = StepTimeout });
        await page.ClickAsync("#new-experiment");

        // A classification scenario asks for the label and positive class; recommendation asks for user and item
        // (guessed from the column names) and makes the label an optional rating column.
        await Assertions.Expect(page.Locator("#exp-user")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#exp-positive")).ToBeVisibleAsync();
        // The task is inferred unless picked (recommendation has none).
        await Assertions.Expect(page.Locator("#exp-task")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#exp-task")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("#exp-task option")).ToHaveTextAsync(["(infer from the label)", "binary", "multiclass", "regression"]);
        // Fraud offers a time column for its time-ordered validation (detected by default); other scenarios do not.
        await Assertions.Expect(page.Locator("#exp-time")).ToBeHiddenAsync();
        await page.SelectOptionAsync("#exp-scenario", "fraud");
        await Assertions.Expect(page.Locator("#exp-time")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#exp-time")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("#exp-time option").First).ToHaveTextAsync("(detect: the first date-time column)");
        // Fraud also asks how to choose its alert threshold; the form sends what is filled in, and the API's refusal of
        // both rules at once reaches the user.
        await Assertions.Expect(page.Locator("#exp-target-recall")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#exp-alert-budget")).ToBeVisibleAsync();
        await page.FillAsync("#exp-target-recall", "0.9");
        await page.FillAsync("#exp-alert-budget", "20");
        await page.FillAsync("#exp-budget", "5");
        await page.FillAsync("#exp-model", "scotch-fraud");
        var fraudBody = await SubmitExperimentFormAsync(page);
        Assert.Equal(0.9, fraudBody.GetProperty("targetRecall").GetDouble());
        Assert.Equal(20, fraudBody.GetProperty("alertBudget").GetDouble());
        await Assertions.Expect(page.Locator("#toast.bad")).ToContainTextAsync("targetRecall and alertBudget choose the fraud alert threshold two ways");
        await page.ClickAsync("#toast-close");
        await Assertions.Expect(page.Locator("#toast")).ToBeHiddenAsync();
        await page.SelectOptionAsync("#exp-scenario", "recommendation");
        await Assertions.Expect(page.Locator("#exp-time")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#exp-target-recall")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#exp-alert-budget")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#exp-user")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#exp-user")).ToHaveValueAsync("respondent");
        await Assertions.Expect(page.Locator("#exp-item")).ToHaveValueAsync("brand");
        await Assertions.Expect(page.Locator("#exp-label")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("#exp-positive")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#exp-task")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("label[for=exp-label]")).ToHaveTextAsync("Rating column (optional)");
        await page.FillAsync("#exp-budget", "5");
        await page.FillAsync("#exp-model", "scotch-recs");
        await page.ClickAsync("#experiment-form button[type=submit]");
        await page.WaitForFunctionAsync(
            "() => /^#\\/experiments\\/[^/?]+$/.test(location.hash) || !!document.querySelector('#toast.bad:not([hidden])')", null,
            new PageWaitForFunctionOptions { Timeout = StepTimeout });
        Assert.True(page.Url.Contains("#/experiments/", StringComparison.Ordinal), "Starting the experiment failed: " + await page.Locator("#toast").TextContentAsync());
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Assertions.Expect(page.Locator("#exp-status .badge.succeeded")).ToBeVisibleAsync(new() { Timeout = SweepTimeout });
        await Assertions.Expect(page.Locator("#leaderboard thead")).ToContainTextAsync("NDCG@10");
        // A recommender's cost is per user's top-10 request, not per row.
        await Assertions.Expect(page.Locator("#leaderboard thead")).ToContainTextAsync("µs/user");
        await Assertions.Expect(page.Locator("#chart-cost svg")).ToContainTextAsync("prediction cost (µs per user top-10, log scale)");
        await Shot(page, "dashboard-recommendation-experiment", fullPage: true);

        var experiment = await GetJsonAsync(http, $"/api/experiments/{id}");
        var candidates = experiment.GetProperty("leaderboard").EnumerateArray().Select(r => r.GetProperty("candidate").GetString()).ToList();
        Assert.Contains("popularity", candidates);
        var top = await GetJsonAsync(http, "/api/models/scotch-recs/recommendations/1?top=5");
        Assert.Equal(5, top.GetProperty("items").GetArrayLength());
        Assert.Empty(errors);
    }

    /// <summary>
    /// The new-experiment form sends a metric and a test holdout share; the experiment's page then ranks the leaderboard
    /// by that metric, adds a test column in it, and lists the winner's metrics on the held-out rows.
    /// </summary>
    [Fact]
    public async Task Dashboard_ExperimentWithMetricAndHoldout_ShowsTestMetrics()
    {
        await using var api = new LiveApi();
        var key = (await api.CreateTenantAsync("bank")).Key;
        using var http = new HttpClient { BaseAddress = new Uri(api.BaseAddress) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, hash: null);
        var page = session.Page;
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("bank");
        await page.GotoAsync(api.BaseAddress + "/#/datasets");
        await page.Locator("#upload-file").SetInputFilesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
        await page.FillAsync("#upload-name", "credit");
        await page.ClickAsync("#upload-form button[type=submit]");
        await page.WaitForFunctionAsync("() => location.hash.startsWith('#/datasets/')", null, new PageWaitForFunctionOptions { Timeout = StepTimeout });
        await page.ClickAsync("#new-experiment");

        await page.SelectOptionAsync("#exp-label", "class");
        await page.SelectOptionAsync("#exp-positive", "bad");
        await page.SelectOptionAsync("#exp-scenario", "credit");
        await page.FillAsync("#exp-budget", "30");
        await page.FillAsync("#exp-max-trials", "3");
        await page.FillAsync("#exp-metric", "logLoss");
        await page.FillAsync("#exp-holdout", "0.2");
        await page.FillAsync("#exp-model", "credit-tested");
        var body = await SubmitExperimentFormAsync(page);
        Assert.Equal("logLoss", body.GetProperty("metric").GetString());
        Assert.Equal(0.2, body.GetProperty("holdoutFraction").GetDouble());
        await page.WaitForFunctionAsync(
            "() => /^#\\/experiments\\/[^/?]+$/.test(location.hash) || !!document.querySelector('#toast.bad:not([hidden])')", null,
            new PageWaitForFunctionOptions { Timeout = StepTimeout });
        Assert.True(page.Url.Contains("#/experiments/", StringComparison.Ordinal), "Starting the experiment failed: " + await page.Locator("#toast").TextContentAsync());
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Assertions.Expect(page.Locator("#exp-status .badge.succeeded")).ToBeVisibleAsync(new() { Timeout = SweepTimeout });

        var experiment = await GetJsonAsync(http, $"/api/experiments/{id}");
        var test = experiment.GetProperty("test");
        await Assertions.Expect(page.Locator("#leaderboard thead")).ToContainTextAsync("Test LOGLOSS");
        await Assertions.Expect(page.Locator("#exp-test")).ToContainTextAsync($"AUC {test.GetProperty("auc").GetDouble().ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}");
        await Assertions.Expect(page.Locator("#exp-test")).ToContainTextAsync("LOGLOSS");
        session.AssertNoPageErrors();
    }

    /// <summary>
    /// The lists past one page, a long dataset name, hostile column names and error toasts: 51 datasets make two pages
    /// (the count says 51, page 2 holds the oldest), a 128-character name is clipped so the table's other columns stay
    /// in view, column names with markup render as text, and a bad file or a refused schedule shows its message once.
    /// </summary>
    [Fact]
    public async Task Dashboard_ManyDatasetsLongAndHostileNames_PagedClippedEscaped()
    {
        Assert.True(File.Exists(Chromium), $"Chromium not found at {Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var key = (await api.CreateTenantAsync("paging")).Key;
        using var http = new HttpClient { BaseAddress = new Uri(api.BaseAddress) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        var longName = "Quarterly-transactions-extract-for-the-risk-team-" + new string('x', 128 - 49);
        await UploadAsync(http, "oldest", "a,b\n1,2\n3,4\n");
        await UploadAsync(http, longName, "\"<script>window.__xss=1</script>\",\"a\"\"b'c\",\"<img src=x onerror=window.__xss=2>\"\n1,x,<b>bold</b>\n2,y,z\n");
        for (var i = 0; i < 49; i++)
        {
            await UploadAsync(http, $"tiny-{i}", "a,b\n1,2\n3,4\n");
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(api.BaseAddress + "/");
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#login-form button[type=submit]");

        // Page 1: the newest 50 and the true total; page 2: the oldest one.
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToHaveCountAsync(50);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Datasets" })).ToContainTextAsync("51");
        await Assertions.Expect(page.Locator("#datasets-pager")).ToContainTextAsync("Page 1 of 2 (51 in all)");
        await page.ClickAsync("#datasets-pager a:has-text('Older')");
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToContainTextAsync("oldest");
        await page.ClickAsync("#datasets-pager a:has-text('Newer')");
        await Assertions.Expect(page.Locator("#datasets-table tbody tr")).ToHaveCountAsync(50);

        // The long name is clipped (its full text in the tooltip): the table fits its card, the upload date in view.
        var longRow = page.Locator("#datasets-table tbody tr").Filter(new() { HasText = "Quarterly-transactions" });
        await Assertions.Expect(longRow.Locator("strong")).ToHaveAttributeAsync("title", longName);
        Assert.True(await page.EvaluateAsync<bool>("() => { const t = document.querySelector('#datasets-table'); return t.scrollWidth <= t.parentElement.clientWidth; }"),
            "The datasets table is wider than its card: a long name pushes the other columns out of view.");

        // Column names with markup are text, never HTML.
        await longRow.ClickAsync();
        await Assertions.Expect(page.Locator("#profile-table tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#profile-table tbody tr").First).ToContainTextAsync("<script>window.__xss=1</script>");
        await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync("a\"b'c");
        await Assertions.Expect(page.Locator("#profile-table")).ToContainTextAsync("<b>bold</b>");
        Assert.Equal(0, await page.Locator("#view img, #view script, #view b").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));

        // A bad file names itself and the line; a refused schedule says why, once.
        var bad = Path.Combine(Path.GetTempPath(), $"eml-bad-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(bad, "a,b\n1,2\n3\n");
        try
        {
            await page.GotoAsync(api.BaseAddress + "/#/datasets");
            await page.Locator("#upload-file").SetInputFilesAsync(bad);
            await page.FillAsync("#upload-name", "broken");
            await page.ClickAsync("#upload-form button[type=submit]");
            await Assertions.Expect(page.Locator("#toast.bad")).ToHaveTextAsync("broken, line 3: found 1 field, expected 2.");
        }
        finally
        {
            File.Delete(bad);
        }

        await page.ClickAsync("a[data-tab=schedules]");
        await page.FillAsync("#sch-name", "never");
        await page.FillAsync("#sch-cron", "every monday");
        await page.FillAsync("#sch-model", "m");
        await page.ClickAsync("#schedule-form button[type=submit]");
        var toast = page.Locator("#toast.bad");
        // Said once, after the field it is about (the ProblemDetails repeats its one field error as the detail).
        await Assertions.Expect(toast).ToContainTextAsync("cron: Illegal characters");
        var text = await toast.TextContentAsync() ?? "";
        Assert.True(text.IndexOf("Illegal characters", StringComparison.Ordinal) == text.LastIndexOf("Illegal characters", StringComparison.Ordinal), "The error is repeated: " + text);

        // A schedule on a long dataset name: its text wraps, so State, Next run and the Pause button stay in view.
        using (var created = await http.PostAsJsonAsync("/api/schedules", new
        {
            name = "weekly-refresh",
            cron = "0 0 6 ? * MON",
            experiment = new { datasetName = "Weekly-" + longName[7..], label = "class", scenario = "credit", budgetSeconds = 60, modelName = "weekly-model" },
            promotion = new { metric = "auc", minimumImprovement = 0.005 },
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        await page.ReloadAsync();
        var scheduleRow = page.Locator("#schedules-table tbody tr").Filter(new() { HasText = "weekly-refresh" });
        await Assertions.Expect(scheduleRow).ToContainTextAsync("on the newest Weekly-");
        await Assertions.Expect(scheduleRow.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToBeInViewportAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => { const t = document.querySelector('#schedules-table'); return t.scrollWidth <= t.parentElement.clientWidth; }"),
            "The schedules table is wider than its card: a long dataset name pushes the state and the buttons out of view.");

        // Signing out leaves neither the key in the sign-in field nor the last page in the document.
        await page.ClickAsync("#logout");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#api-key")).ToHaveValueAsync("");
        Assert.Equal(0, await page.Locator("#view *").CountAsync());
        Assert.Empty(errors);
    }

    private static async Task UploadAsync(HttpClient http, string name, string csv)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "file", name + ".csv" },
            { new StringContent(name), "name" },
        };
        using var response = await http.PostAsync("/api/datasets", form);
        Assert.True(response.IsSuccessStatusCode, $"Upload of {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Fills the new-experiment form (credit scenario on credit-german, optionally a trial cap) and returns the new experiment's id.</summary>
    /// <summary>Submits the new-experiment form as it is filled in and returns the JSON body it posted.</summary>
    private static async Task<JsonElement> SubmitExperimentFormAsync(IPage page)
    {
        var posted = page.WaitForRequestAsync(r => r.Method == "POST" && r.Url.EndsWith("/api/experiments", StringComparison.Ordinal));
        await page.ClickAsync("#experiment-form button[type=submit]");
        return JsonDocument.Parse((await posted).PostData!).RootElement;
    }

    private static async Task<string> StartExperimentAsync(IPage page, int budgetSeconds, int? maxTrials = null)
    {
        await page.SelectOptionAsync("#exp-label", "class");
        await page.SelectOptionAsync("#exp-positive", "bad");
        await page.SelectOptionAsync("#exp-scenario", "credit");
        await page.SelectOptionAsync("#exp-task", "binary"); // sent as "task"; the API refuses one the label cannot be
        await page.FillAsync("#exp-budget", budgetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#exp-max-trials", maxTrials?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        await page.FillAsync("#exp-model", "credit-risk");
        await page.ClickAsync("#experiment-form button[type=submit]");
        await page.WaitForFunctionAsync(
            "() => /^#\\/experiments\\/[^/?]+$/.test(location.hash) || !!document.querySelector('#toast.bad:not([hidden])')", null,
            new PageWaitForFunctionOptions { Timeout = StepTimeout });
        Assert.True(page.Url.Contains("#/experiments/", StringComparison.Ordinal), "Starting the experiment failed: " + await page.Locator("#toast").TextContentAsync());
        await Assertions.Expect(page.Locator("#exp-status")).ToBeVisibleAsync();
        return page.Url[(page.Url.LastIndexOf('/') + 1)..];
    }

    internal static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Chromium,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });

    /// <summary>A page at 1366×768 with the step timeouts.</summary>
    internal static async Task<IPage> NewPageAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        context.SetDefaultTimeout(StepTimeout);
        Assertions.SetDefaultExpectTimeout(StepTimeout);
        return await context.NewPageAsync();
    }

    internal static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string? Stage(JsonElement model, long version) =>
        model.GetProperty("versions").EnumerateArray().First(v => v.GetProperty("version").GetInt64() == version).GetProperty("stage").GetString();

    internal static async Task Shot(IPage page, string name, bool fullPage = false) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = fullPage });
}
