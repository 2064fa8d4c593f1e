using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// Using a served model from its page, and the experiment page's live stream when the connection drops, in Debian's
/// Chromium against the real API: models are trained by real sweeps on the shipped datasets, and every answer the page
/// shows is compared with the one the API gives for the same request.
/// </summary>
public sealed class ServingPanelTests
{
    private const double SweepSeconds = 180;

    [Fact]
    public async Task TryIt_TabularModel_PredictsExplainsAndKeepsInputsOnErrors()
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var (tenantId, key, _) = await api.CreateTenantAsync("tryit");
        using var http = Client(api, key);
        var datasetId = await UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        await TrainAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", task = "binary", budgetSeconds = 60, maxTrials = 6, modelName = "credit-try" });

        // The schema lists the model's inputs: every column of the file but the label, with their types.
        var lines = await File.ReadAllLinesAsync(TestPaths.Dataset("credit-german-statlog.csv"));
        var header = lines[0].Split(',');
        var first = lines[1].Split(',');
        var schema = await DashboardTests.GetJsonAsync(http, "/api/models/credit-try/schema");
        Assert.Equal("tabular", schema.GetProperty("kind").GetString());
        Assert.Equal("binary", schema.GetProperty("task").GetString());
        Assert.Equal("class", schema.GetProperty("label").GetString());
        var inputs = schema.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
        Assert.Equal(header.Where(c => c != "class").Order(StringComparer.Ordinal), inputs.Order(StringComparer.Ordinal));
        Assert.Equal("numeric", schema.GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "duration").GetProperty("type").GetString());

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardTests.LaunchAsync(playwright);
        var page = await DashboardTests.NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await SignInAsync(page, api.BaseAddress, key, "#/models/credit-try");

        // One field per input, in the schema's order.
        var fields = page.Locator("#try-form input[data-column]");
        await Assertions.Expect(fields).ToHaveCountAsync(inputs.Count);
        Assert.Equal(inputs, await fields.EvaluateAllAsync<string[]>("all => all.map(e => e.dataset.column)"));

        // The first applicant of the file: the page shows what the API answers for the same row.
        var row = new Dictionary<string, string>();
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c] != "class")
            {
                row[header[c]] = first[c];
                await page.Locator($"#try-form input[data-column='{header[c]}']").FillAsync(first[c]);
            }
        }

        await page.ClickAsync("#try-form button[type=submit]");
        var expected = (await PredictAsync(http, row)).Prediction;
        await Assertions.Expect(page.Locator("#try-label")).ToHaveTextAsync(expected.GetProperty("label").GetString()!);
        await Assertions.Expect(page.Locator("#try-probability")).ToHaveTextAsync(expected.GetProperty("probability").GetDouble().ToString("F4", CultureInfo.InvariantCulture));
        var contributions = expected.GetProperty("explanation").GetProperty("contributions").EnumerateArray()
            .Select(c => (Feature: c.GetProperty("feature").GetString()!, Value: c.GetProperty("contribution").GetDouble()))
            .OrderByDescending(c => Math.Abs(c.Value)).ToList();
        Assert.NotEmpty(contributions);
        var bars = page.Locator("#try-contributions li");
        await Assertions.Expect(bars.Locator(".name")).ToHaveTextAsync([.. contributions.Select(c => c.Feature)]);
        await Assertions.Expect(bars.Locator(".value")).ToHaveTextAsync([.. contributions.Select(c => (c.Value > 0 ? "+" : "") + c.Value.ToString("F4", CultureInfo.InvariantCulture))]);
        // Points and reason codes are a scorecard's (the one below): a sweep's winner shows them only if it answers them.
        await Assertions.Expect(page.Locator("#try-score")).ToHaveCountAsync(expected.TryGetProperty("score", out _) ? 1 : 0);
        await Assertions.Expect(page.Locator("#try-reasons")).ToHaveCountAsync(expected.GetProperty("explanation").TryGetProperty("reasonCodes", out _) ? 1 : 0);

        await DashboardTests.Shot(page, "dashboard-try-it", fullPage: true);

        // A value the model cannot read: the API's problem, its field named and marked, every input kept.
        var duration = page.Locator("#try-form input[data-column='duration']");
        await duration.FillAsync("lots");
        await page.ClickAsync("#try-form button[type=submit]");
        var problem = page.Locator("#try-error");
        await Assertions.Expect(problem).ToContainTextAsync("Invalid rows");
        await Assertions.Expect(problem).ToContainTextAsync("1 field(s) do not match model 'credit-try' v1's schema.");
        await Assertions.Expect(problem).ToContainTextAsync("(HTTP 400)");
        await Assertions.Expect(problem.Locator("li")).ToHaveTextAsync(["duration: Expected a number, found 'lots'."]);
        await Assertions.Expect(duration).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(duration).ToHaveValueAsync("lots");
        await Assertions.Expect(page.Locator("#try-form input[data-column='checking_status']")).ToHaveValueAsync(row["checking_status"]);
        await Assertions.Expect(page.Locator("#try-form input[aria-invalid]")).ToHaveCountAsync(1);

        // Typical values come from the training dataset's profile: its top value, or the mean of a numeric column.
        await page.ReloadAsync();
        await page.ClickAsync("#try-typical");
        var profile = (await DashboardTests.GetJsonAsync(http, $"/api/datasets/{datasetId}")).GetProperty("columns").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        await Assertions.Expect(page.Locator("#try-form input[data-column='purpose']")).ToHaveValueAsync(profile["purpose"].GetProperty("topValues")[0].GetProperty("value").GetString()!);
        var meanDuration = profile["duration"].GetProperty("mean").GetDouble();
        Assert.Equal(meanDuration, double.Parse(await duration.InputValueAsync(), CultureInfo.InvariantCulture), 0.005);
        await page.ClickAsync("#try-form button[type=submit]");
        await Assertions.Expect(page.Locator("#try-label")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(good|bad)$"));

        // A scorecard champion (the credit scenario's specialised candidate, fitted on the file and stored as v2 in the
        // registry, promoted through the API) also answers its points and the reason codes of its lost points.
        await AddScorecardVersionAsync(api, tenantId, "credit-try", datasetId);
        using (var promoted = await http.PostAsync("/api/models/credit-try/versions/2/promote", null))
        {
            Assert.True(promoted.IsSuccessStatusCode, await promoted.Content.ReadAsStringAsync());
        }

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#try-it h2")).ToContainTextAsync("champion v2");
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c] != "class")
            {
                await page.Locator($"#try-form input[data-column='{header[c]}']").FillAsync(first[c]);
            }
        }

        await page.ClickAsync("#try-form button[type=submit]");
        var scored = await PredictAsync(http, row);
        Assert.Equal(2, scored.Version);
        await Assertions.Expect(page.Locator("#try-label")).ToHaveTextAsync(scored.Prediction.GetProperty("label").GetString()!);
        await Assertions.Expect(page.Locator("#try-score")).ToHaveTextAsync(scored.Prediction.GetProperty("score").GetDouble().ToString("F2", CultureInfo.InvariantCulture) + " points (higher is safer)");
        var reasons = scored.Prediction.GetProperty("explanation").GetProperty("reasonCodes").EnumerateArray().ToList();
        Assert.NotEmpty(reasons);
        await Assertions.Expect(page.Locator("#try-reasons tbody tr td:first-child")).ToHaveTextAsync([.. reasons.Select(r => r.GetProperty("feature").GetString()!)]);
        await Assertions.Expect(page.Locator("#try-reasons tbody tr td:nth-child(2)")).ToHaveTextAsync([.. reasons.Select(r => r.GetProperty("bin").GetString()!)]);
        await Assertions.Expect(page.Locator("#try-reasons tbody tr td:nth-child(3)")).ToHaveTextAsync([.. reasons.Select(r => r.GetProperty("points").GetDouble().ToString("F2", CultureInfo.InvariantCulture))]);
        await Assertions.Expect(page.Locator("#try-contributions li")).ToHaveCountAsync(scored.Prediction.GetProperty("explanation").GetProperty("contributions").GetArrayLength());
        await DashboardTests.Shot(page, "dashboard-try-it-scorecard", fullPage: true);
        await Assertions.Expect(page.Locator("#try-alert")).ToHaveCountAsync(0);

        // A fraud model (v3) says whether the row is an alert at its threshold.
        await AddSpecialisedVersionAsync(api, tenantId, "credit-try", datasetId, "fraud", "cost-sensitive-gbdt");
        using (var promoted = await http.PostAsync("/api/models/credit-try/versions/3/promote", null))
        {
            Assert.True(promoted.IsSuccessStatusCode, await promoted.Content.ReadAsStringAsync());
        }

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#try-it h2")).ToContainTextAsync("champion v3");
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c] != "class")
            {
                await page.Locator($"#try-form input[data-column='{header[c]}']").FillAsync(first[c]);
            }
        }

        await page.ClickAsync("#try-form button[type=submit]");
        var alerted = await PredictAsync(http, row);
        Assert.Equal(3, alerted.Version);
        var threshold = (await DashboardTests.GetJsonAsync(http, "/api/models/credit-try/schema")).GetProperty("alertThreshold").GetDouble();
        await Assertions.Expect(page.Locator("#try-alert")).ToHaveTextAsync(
            $"{(alerted.Prediction.GetProperty("alert").GetBoolean() ? "yes" : "no")} (threshold {threshold.ToString("F4", CultureInfo.InvariantCulture)})");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TryIt_RegressionAndMulticlass_ShowTheValueAndEachClassProbability()
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("gems");
        using var http = Client(api, key);
        var datasetId = await UploadAsync(http, "tabular-diamonds.csv", "diamonds");
        await TrainAsync(http, new { datasetId, label = "price", scenario = "auto", task = "regression", budgetSeconds = 60, maxTrials = 3, modelName = "diamond-price" });
        await TrainAsync(http, new { datasetId, label = "cut", scenario = "auto", task = "multiclass", budgetSeconds = 60, maxTrials = 3, modelName = "diamond-cut" });

        var lines = File.ReadLines(TestPaths.Dataset("tabular-diamonds.csv")).Take(2).Select(l => l.Split(',').Select(v => v.Trim('"')).ToArray()).ToArray();
        var (header, first) = (lines[0], lines[1]);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardTests.LaunchAsync(playwright);
        var page = await DashboardTests.NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        // Regression: the predicted price, no probability.
        await SignInAsync(page, api.BaseAddress, key, "#/models/diamond-price");
        var price = await FillAndPredictAsync(page, http, "diamond-price", header, first, "price");
        await Assertions.Expect(page.Locator("#try-label")).ToHaveTextAsync(price.GetProperty("value").GetDouble().ToString("F4", CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#try-probability")).ToHaveCountAsync(0);
        await ExpectExplanationAsync(page, price);

        // A carat far outside the training data: a linear model cannot explain that row (a contribution beyond a 32-bit
        // float) and says so for the row, a tree model explains it; either way the page shows what the API answered.
        var far = (string[])first.Clone();
        far[Array.IndexOf(header, "carat")] = "3e38";
        var farPrice = await FillAndPredictAsync(page, http, "diamond-price", header, far, "price");
        await ExpectExplanationAsync(page, farPrice);

        // Multiclass: the label and every class's probability, most likely first.
        await page.GotoAsync(api.BaseAddress + "/#/models/diamond-cut");
        var cut = await FillAndPredictAsync(page, http, "diamond-cut", header, first, "cut");
        await Assertions.Expect(page.Locator("#try-label")).ToHaveTextAsync(cut.GetProperty("label").GetString()!);
        var probabilities = cut.GetProperty("probabilities").EnumerateObject().OrderByDescending(p => p.Value.GetDouble()).ToList();
        Assert.Equal(5, probabilities.Count);
        await Assertions.Expect(page.Locator("#try-probabilities div")).ToHaveTextAsync([.. probabilities.Select(p => $"{p.Name}: {p.Value.GetDouble().ToString("F4", CultureInfo.InvariantCulture)}")]);
        await ExpectExplanationAsync(page, cut);
        Assert.Empty(errors);
    }

    /// <summary>
    /// A row the champion cannot explain: on an exactly linear table ridge wins, and an input far outside the training
    /// rows makes its contribution overflow a 32-bit float. The API predicts the row and says why it has no explanation;
    /// the page said nothing (it read only a model-wide reason).
    /// </summary>
    [Fact]
    public async Task TryIt_RowThatCannotBeExplained_SaysWhy()
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("linear");
        using var http = Client(api, key);
        var csv = new StringBuilder("a,b,y\n");
        for (var i = 0; i < 300; i++)
        {
            var (a, b) = (i % 17, (i * 7) % 23);
            csv.Append(CultureInfo.InvariantCulture, $"{a},{b},{3 * a - 2 * b}\n");
        }

        var datasetId = await DashboardUsabilityTests.UploadAsync(http, "linear", csv.ToString());
        await TrainAsync(http, new { datasetId, label = "y", scenario = "auto", task = "regression", budgetSeconds = 60, maxTrials = 3, modelName = "linear-y" });
        var lineage = (await DashboardTests.GetJsonAsync(http, "/api/models/linear-y")).GetProperty("versions")[0].GetProperty("lineage");
        Assert.True(lineage.GetProperty("candidate").GetString() == "ridge", $"ridge was expected to win on an exactly linear table: {lineage}");

        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, "#/models/linear-y");
        var page = session.Page;
        var prediction = await FillAndPredictAsync(page, http, "linear-y", ["a", "b", "y"], ["3e38", "1", ""], "y");
        var why = prediction.GetProperty("explanationUnavailable").GetString()!;
        await Assertions.Expect(page.Locator("#try-no-explanation")).ToHaveTextAsync($"No explanation: {why}.");
        await Assertions.Expect(page.Locator("#try-contributions")).ToHaveCountAsync(0);
        // The value itself is predicted (ridge's float limit, shown in exponent form at that size).
        var value = prediction.GetProperty("value").GetDouble();
        var shown = double.Parse(await page.Locator("#try-label").InnerTextAsync(), CultureInfo.InvariantCulture);
        Assert.Equal(value, shown, value * 1e-6);
        session.AssertNoPageErrors();
    }

    /// <summary>Fills the Try it form with a row of the file (all but <paramref name="label"/>), predicts, and returns the API's answer for the same row.</summary>
    private static async Task<JsonElement> FillAndPredictAsync(IPage page, HttpClient http, string model, string[] header, string[] values, string label)
    {
        var row = new Dictionary<string, string>();
        await Assertions.Expect(page.Locator("#try-form input[data-column]")).ToHaveCountAsync(header.Length - 1);
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c] != label)
            {
                row[header[c]] = values[c];
                await page.Locator($"#try-form input[data-column='{header[c]}']").FillAsync(values[c]);
            }
        }

        await page.ClickAsync("#try-form button[type=submit]");
        using var response = await http.PostAsJsonAsync($"/api/models/{model}/predict?explain=true", new { rows = new[] { row } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.TryGetProperty("explanationUnavailable", out var why))
        {
            await Assertions.Expect(page.Locator("#try-no-explanation")).ToHaveTextAsync($"No explanation: {why.GetString()}.");
        }

        return body.GetProperty("predictions")[0];
    }

    /// <summary>The page's contribution bars are the API's, largest first, with the same values.</summary>
    private static async Task ExpectExplanationAsync(IPage page, JsonElement prediction)
    {
        if (!prediction.TryGetProperty("explanation", out var explanation))
        {
            await Assertions.Expect(page.Locator("#try-contributions")).ToHaveCountAsync(0);
            if (prediction.TryGetProperty("explanationUnavailable", out var why))
            {
                // This row alone cannot be explained: the page says why, as the API does.
                await Assertions.Expect(page.Locator("#try-no-explanation")).ToHaveTextAsync($"No explanation: {why.GetString()}.");
            }

            return;
        }

        // Largest first; equal sizes in the API's order (OrderBy is stable, as the page's sort is).
        var contributions = explanation.GetProperty("contributions").EnumerateArray()
            .Select(c => (Feature: c.GetProperty("feature").GetString()!, Value: c.GetProperty("contribution").GetDouble()))
            .OrderByDescending(c => Math.Abs(c.Value)).ToList();
        await Assertions.Expect(page.Locator("#try-contributions li .name")).ToHaveTextAsync([.. contributions.Select(c => c.Feature)]);
        await Assertions.Expect(page.Locator("#try-contributions li .value")).ToHaveTextAsync([.. contributions.Select(c => (c.Value > 0 ? "+" : "") + c.Value.ToString("F4", CultureInfo.InvariantCulture))]);
    }

    [Fact]
    public async Task TryIt_Recommender_TopNForUsersAndSimilarItems()
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var (tenantId, key, _) = await api.CreateTenantAsync("shop");
        using var http = Client(api, key);
        var datasetId = await UploadAsync(http, "recsys-scotch-implicit.csv", "scotch");
        await TrainAsync(http, new { datasetId, scenario = "recommendation", userColumn = "respondent", itemColumn = "brand", budgetSeconds = 60, maxTrials = 4, modelName = "scotch-try" });

        var rows = (await File.ReadAllLinesAsync(TestPaths.Dataset("recsys-scotch-implicit.csv"))).Skip(1).Select(l => l.Split(',')).ToList();
        var user = rows[0][0];
        var brand = rows[0][1].Trim('"');
        var schema = await DashboardTests.GetJsonAsync(http, "/api/models/scotch-try/schema");
        Assert.Equal("recommender", schema.GetProperty("kind").GetString());
        Assert.True(schema.GetProperty("users").GetInt32() > 1 && schema.GetProperty("items").GetInt32() > 1, schema.ToString());
        // The sample ids are real respondents and brands of the file, ten at most.
        var respondents = rows.Select(r => r[0]).ToHashSet(StringComparer.Ordinal);
        var sampleUsers = schema.GetProperty("sampleUsers").EnumerateArray().Select(u => u.GetString()!).ToList();
        Assert.InRange(sampleUsers.Count, 1, 10);
        Assert.All(sampleUsers, u => Assert.Contains(u, respondents));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardTests.LaunchAsync(playwright);
        var page = await DashboardTests.NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await SignInAsync(page, api.BaseAddress, key, "#/models/scotch-try");
        await Assertions.Expect(page.Locator("#rec-form")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#rec-users option")).ToHaveCountAsync(sampleUsers.Count);
        await Assertions.Expect(page.Locator("#try-form")).ToHaveCountAsync(0);

        // A known user's top 5, then top 20: the items the API ranks, in its order.
        await page.FillAsync("#rec-user", user);
        await page.SelectOptionAsync("#rec-top", "5");
        await page.ClickAsync("#rec-form button[type=submit]");
        await ExpectItemsAsync(page, "#rec-table", await ItemsAsync(http, $"/api/models/scotch-try/recommendations/{user}?top=5"));
        await Assertions.Expect(page.Locator("#rec-table tbody tr")).ToHaveCountAsync(5);
        // A known user's answer has no fallback note, and no stray text where the note would be (a null child once read "null").
        await Assertions.Expect(page.Locator("#rec-fallback")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#rec-result")).Not.ToContainTextAsync("null");
        await Assertions.Expect(page.Locator("#rec-fallback")).ToHaveCountAsync(0);
        await page.SelectOptionAsync("#rec-top", "20");
        await page.ClickAsync("#rec-form button[type=submit]");
        var top20 = await ItemsAsync(http, $"/api/models/scotch-try/recommendations/{user}?top=20");
        Assert.True(top20.Length > 5, $"Only {top20.Length} items for top 20.");
        await ExpectItemsAsync(page, "#rec-table", top20);

        // A user the model never saw gets the popular items, and the page says so.
        await page.FillAsync("#rec-user", "nobody-at-all");
        await page.ClickAsync("#rec-form button[type=submit]");
        await Assertions.Expect(page.Locator("#rec-fallback")).ToContainTextAsync("User 'nobody-at-all' was not in the training data");
        await ExpectItemsAsync(page, "#rec-table", await ItemsAsync(http, "/api/models/scotch-try/recommendations/nobody-at-all?top=20"));

        // Similar items of a known brand; an unknown one is the API's 404, said as it says it, the input kept.
        await page.FillAsync("#sim-item", brand);
        await page.SelectOptionAsync("#sim-top", "5");
        await page.ClickAsync("#sim-form button[type=submit]");
        await ExpectItemsAsync(page, "#sim-table", await ItemsAsync(http, $"/api/models/scotch-try/similar/{Uri.EscapeDataString(brand)}?top=5"));
        await Assertions.Expect(page.Locator("#sim-table tbody tr")).ToHaveCountAsync(5);
        await DashboardTests.Shot(page, "dashboard-try-it-recommender", fullPage: true);
        await page.FillAsync("#sim-item", "No.Such.Brand");
        await page.ClickAsync("#sim-form button[type=submit]");
        await Assertions.Expect(page.Locator("#sim-error")).ToHaveTextAsync("Item not found Item 'No.Such.Brand' was not in the training data of 'scotch-try'. (HTTP 404)");
        await Assertions.Expect(page.Locator("#sim-item")).ToHaveValueAsync("No.Such.Brand");
        // The other form's answer is untouched.
        await Assertions.Expect(page.Locator("#rec-fallback")).ToBeVisibleAsync();

        // A user of the training data whose every rating is below the relevance threshold also gets the popular items,
        // but was in the training data: the page had said they were not.
        await AddRatedScotchModelAsync(api, tenantId, "scotch-rated", lowRater: user);
        await page.GotoAsync(api.BaseAddress + "/#/models/scotch-rated");
        await Assertions.Expect(page.Locator("#rec-form")).ToBeVisibleAsync();
        await page.FillAsync("#rec-user", user);
        await page.ClickAsync("#rec-form button[type=submit]");
        await Assertions.Expect(page.Locator("#rec-fallback")).ToHaveTextAsync(
            $"User '{user}' is in the training data, but the model learnt nothing from their rows (rated below the relevance threshold, or held out for validation): these are the most popular items they do not have.");
        await ExpectItemsAsync(page, "#rec-table", await ItemsAsync(http, $"/api/models/scotch-rated/recommendations/{user}?top=10"));
        await page.FillAsync("#rec-user", "nobody-at-all");
        await page.ClickAsync("#rec-form button[type=submit]");
        await Assertions.Expect(page.Locator("#rec-fallback")).ToHaveTextAsync("User 'nobody-at-all' was not in the training data: these are the most popular items.");
        Assert.Empty(errors);
    }

    /// <summary>
    /// Fits the popularity recommender on the Scotch file with a rating per row (2 for <paramref name="lowRater"/>, below
    /// the relevance threshold 4, else 5), as an implicit-feedback sweep fits it, and stores it as the model's first version.
    /// </summary>
    private static async Task AddRatedScotchModelAsync(LiveApi api, string tenantId, string model, string lowRater)
    {
        var rows = (await File.ReadAllLinesAsync(TestPaths.Dataset("recsys-scotch-implicit.csv"))).Skip(1).Select(l => l.Split(',')).ToList();
        var users = rows.Select(r => r[0]).ToList();
        var interactions = Engine.Recommendation.InteractionSet.FromIds(users, [.. rows.Select(r => r[1].Trim('"'))], [.. users.Select(u => u == lowRater ? 2f : 5f)]);
        var fitted = Engine.Recommendation.ImplicitFeedback.Fit(new Engine.Trainers.Neighbors.PopularityTrainer(), interactions, 4f);
        Assert.False(fitted.IsKnownUser(fitted.Users.TryGetIndex(lowRater, out var index) ? index : -1));
        using var artifact = new MemoryStream();
        fitted.Save(artifact);
        var store = api.Services.GetRequiredService<Registry.ModelStore>();
        await store.AddVersionAsync(tenantId, model, "recommendation", artifact.ToArray(), "{}", "{}", null, "{}", "browser-test");
    }

    [Fact]
    public async Task ExperimentPage_EventStreamDrops_SaysReconnectingThenOfflineAndResyncsOnRetry()
    {
        Assert.True(File.Exists(DashboardTests.Chromium), $"Chromium not found at {DashboardTests.Chromium}: run scripts/test.sh (installs it) or set EML_CHROMIUM.");
        await using var api = new LiveApi();
        var key = (await api.CreateTenantAsync("stream")).Key;
        using var http = Client(api, key);
        var datasetId = await UploadAsync(http, "credit-german-statlog.csv", "credit-german");
        // A long budget keeps the sweep running while the browser goes offline and back; the test cancels it.
        var id = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 900, modelName = "long-sweep" });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardTests.LaunchAsync(playwright);
        var page = await DashboardTests.NewPageAsync(browser);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        var reads = 0;
        page.Response += (_, r) =>
        {
            if (r.Request.Method == "GET" && r.Url.EndsWith($"/api/experiments/{id}", StringComparison.Ordinal) && r.Status == 200)
            {
                Interlocked.Increment(ref reads);
            }
        };
        // The browser reaches the API through a relay the test can cut, as a network failure or a restarted proxy would.
        await using var relay = new TcpRelay(api.BaseAddress);
        await SignInAsync(page, relay.BaseAddress, key, $"#/experiments/{id}");
        var live = page.Locator("#exp-live");
        await Assertions.Expect(live).ToHaveTextAsync("live");

        // A short drop: the page says it is reconnecting, not live, and comes back by itself, re-reading the experiment.
        relay.Cut();
        await Assertions.Expect(live).ToContainTextAsync("reconnecting… (attempt ");
        var readsWhileOffline = Volatile.Read(ref reads);
        relay.Restore();
        await Assertions.Expect(live).ToHaveTextAsync("live", new() { Timeout = 20_000 });
        Assert.True(await WaitAsync(() => Volatile.Read(ref reads) > readsWhileOffline, TimeSpan.FromSeconds(10)), "The page did not re-read the experiment after reconnecting.");

        // A long drop: after its retries the page says offline and offers Retry; the sweep, cancelled meanwhile, shows
        // as cancelled once the page is back, without a reload.
        relay.Cut();
        await Assertions.Expect(live).ToContainTextAsync("reconnecting…");
        await Assertions.Expect(live).ToContainTextAsync("offline: the live stream dropped and did not come back; updates stopped.", new() { Timeout = 45_000 });
        await Assertions.Expect(page.Locator("#exp-status .badge.running")).ToBeVisibleAsync();
        await DashboardTests.Shot(page, "dashboard-experiment-offline");
        using (var cancelled = await http.PostAsync($"/api/experiments/{id}/cancel", null))
        {
            Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync());
        }

        Assert.True(await WaitAsync(async () => (await DashboardTests.GetJsonAsync(http, $"/api/experiments/{id}")).GetProperty("status").GetString() == "cancelled", TimeSpan.FromSeconds(60)),
            "The sweep was not cancelled within 60 s.");
        relay.Restore();
        await page.ClickAsync("#exp-retry");
        await Assertions.Expect(page.Locator("#exp-status .badge.cancelled")).ToBeVisibleAsync();
        await Assertions.Expect(live).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    internal static HttpClient Client(LiveApi api, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(api.BaseAddress) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    internal static async Task SignInAsync(IPage page, string baseAddress, string key, string hash)
    {
        await page.GotoAsync(baseAddress + "/");
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).Not.ToBeEmptyAsync();
        await page.GotoAsync(baseAddress + "/" + hash);
    }

    internal static async Task<string> UploadAsync(HttpClient http, string file, string name)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(TestPaths.Dataset(file))), "file", file },
            { new StringContent(name), "name" },
        };
        using var response = await http.PostAsync("/api/datasets", form);
        Assert.True(response.IsSuccessStatusCode, $"Upload of {file} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Runs an experiment to its end through the API; it must succeed.</summary>
    internal static async Task TrainAsync(HttpClient http, object experiment)
    {
        var id = await LiveApi.StartExperimentAsync(http, experiment);
        var status = "";
        var succeeded = await WaitAsync(async () =>
        {
            var e = await DashboardTests.GetJsonAsync(http, $"/api/experiments/{id}");
            status = $"{e.GetProperty("status").GetString()} {e.GetProperty("error")}";
            return e.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled";
        }, TimeSpan.FromSeconds(SweepSeconds));
        Assert.True(succeeded && status.StartsWith("succeeded", StringComparison.Ordinal), $"Experiment {id} did not succeed within {SweepSeconds} s: {status}");
    }

    /// <summary>What the API answers for one row of credit-try: the version that served it and its prediction.</summary>
    private static async Task<(int Version, JsonElement Prediction)> PredictAsync(HttpClient http, Dictionary<string, string> row)
    {
        using var response = await http.PostAsJsonAsync("/api/models/credit-try/predict?explain=true", new { rows = new[] { row } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("version").GetInt32(), body.GetProperty("predictions")[0]);
    }

    /// <summary>
    /// Fits the credit scenario's scorecard on all of credit-german with its default parameters and stores it as the
    /// next version of <paramref name="model"/> through the registry's own store, as a sweep would.
    /// </summary>
    internal static Task AddScorecardVersionAsync(LiveApi api, string tenantId, string model, string datasetId) =>
        AddSpecialisedVersionAsync(api, tenantId, model, datasetId, "credit", "scorecard");

    /// <summary>Fits a scenario's specialised candidate (defaults, seed 7) on all of credit-german and stores it as the model's next version.</summary>
    internal static async Task AddSpecialisedVersionAsync(LiveApi api, string tenantId, string model, string datasetId, string scenario, string name)
    {
        var table = Engine.Data.CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var data = Engine.AutoML.LabelEncoding.Encode(table, "class", Engine.Trainers.TaskKind.Binary, "bad");
        var candidates = scenario == "fraud"
            ? Engine.Scenarios.Fraud.FraudScenario.SpecialisedCandidates(Engine.AutoML.ScenarioColumns.None)
            : Engine.Scenarios.Credit.CreditScenario.SpecialisedCandidates(Engine.AutoML.ScenarioColumns.None);
        var candidate = candidates.Single(c => c.Name == name);
        var fitted = candidate.Fit(new Engine.AutoML.CandidateFitContext(data, 7, 1, Engine.AutoML.ScenarioColumns.None),
            candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint()));
        using var artifact = new MemoryStream();
        ((Engine.AutoML.IPipelineCandidate)fitted).Model.Save(artifact);
        var store = api.Services.GetRequiredService<Registry.ModelStore>();
        await store.AddVersionAsync(tenantId, model, "Binary", artifact.ToArray(), """{"metric":"auc","validationScore":null}""", "{}", null,
            JsonSerializer.Serialize(new { datasetId, candidate = name, scenario, label = "class", positiveClass = "bad" }), "browser-test");
    }

    private static async Task<string[]> ItemsAsync(HttpClient http, string path) =>
        [.. (await DashboardTests.GetJsonAsync(http, path)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString()!)];

    private static async Task ExpectItemsAsync(IPage page, string table, string[] items)
    {
        Assert.NotEmpty(items);
        await Assertions.Expect(page.Locator($"{table} tbody tr td:nth-child(2)")).ToHaveTextAsync(items);
    }

    private static Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout) => WaitAsync(() => Task.FromResult(condition()), timeout);

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds or the deadline passes.</summary>
    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return await condition();
    }
}
