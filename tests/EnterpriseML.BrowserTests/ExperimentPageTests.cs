using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace EnterpriseML.BrowserTests;

/// <summary>An experiment's page after real sweeps: the score chart's direction, and the trials that got no score.</summary>
public sealed class ExperimentPageTests
{
    /// <summary>
    /// "Best so far" took the largest score whatever the metric, so a regression sweep's line followed the worst RMSE.
    /// The sweep's progress now names its metric and direction, and the line ends on the lowest RMSE of the trials.
    /// </summary>
    [Fact]
    public async Task RegressionSweep_BestSoFarLine_EndsOnTheLowestRmse()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("regression");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await DashboardUsabilityTests.UploadAsync(http, "curve", Curve());
        var id = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "y", scenario = "auto", budgetSeconds = 120, maxTrials = 12, seed = 2, modelName = "curve" });
        var done = await EndedAsync(http, id);
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        var progress = done.GetProperty("progress");
        Assert.Equal("rmse", progress.GetProperty("metric").GetString());
        Assert.False(progress.GetProperty("higherIsBetter").GetBoolean());
        var scores = done.GetProperty("trials").EnumerateArray().Where(t => t.GetProperty("score").ValueKind == JsonValueKind.Number)
            .Select(t => t.GetProperty("score").GetDouble()).ToArray();
        Assert.True(scores.Distinct().Count() >= 2, "The trials need different scores for the line's direction to show: " + string.Join(", ", scores));

        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, $"#/experiments/{id}");
        var chart = session.Page.Locator("#chart-score svg");
        await Assertions.Expect(chart.Locator("circle")).ToHaveCountAsync(scores.Length);
        // Screen y grows downwards: the lowest RMSE is the trial dot drawn lowest, and the step line must end at it.
        var dots = await chart.Locator("circle").EvaluateAllAsync<double[]>("cs => cs.map(c => Number(c.getAttribute('cy')))");
        var path = await chart.Locator("path[stroke='#1f6feb']").GetAttributeAsync("d") ?? "";
        var lastY = double.Parse(path[(path.LastIndexOfAny(['V', ','] ) + 1)..], CultureInfo.InvariantCulture);
        Assert.Equal(dots.Max(), lastY, 3);
        session.AssertNoPageErrors();
    }

    /// <summary>The page listed failed and stopped trials only as a count; it now shows each with its candidate and why.</summary>
    [Fact]
    public async Task SweepWithATrialCapNoTrialCanMeet_PageListsEachStoppedTrialAndWhy()
    {
        // 5-fold CV on credit-german takes every trainer well past 1 ms, so (nearly) every trial is stopped at the cap;
        // the page must list exactly the trials without a score, whatever the sweep's outcome.
        await using var api = new LiveApi(new Dictionary<string, string> { ["Jobs:MaxTrialSeconds"] = "0.001" });
        var (_, key, _) = await api.CreateTenantAsync("timeouts");
        using var http = ServingPanelTests.Client(api, key);
        var datasetId = await ServingPanelTests.UploadAsync(http, "credit-german-statlog.csv", "credit");
        var id = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 4, modelName = "never" });
        var done = await EndedAsync(http, id);
        var stopped = done.GetProperty("trials").EnumerateArray().Where(t => t.GetProperty("status").GetString() != "succeeded").ToArray();
        Assert.True(stopped.Length > 0, done.ToString());

        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, $"#/experiments/{id}");
        var rows = session.Page.Locator("#unscored-trials-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(stopped.Length);
        var first = stopped[0];
        var row = rows.First;
        Assert.Equal("timedout", first.GetProperty("status").GetString());
        await Assertions.Expect(row).ToContainTextAsync(first.GetProperty("candidate").GetString()!);
        await Assertions.Expect(row).ToContainTextAsync("timed out");
        await Assertions.Expect(row).ToContainTextAsync(first.GetProperty("error").GetString()!);
        Assert.Contains(stopped, t => t.GetProperty("error").GetString()!.Contains("per-trial cap of 0.001 s", StringComparison.Ordinal));
        session.AssertNoPageErrors();
    }

    /// <summary>
    /// The experiment's notes (here: a column numbering the rows, which a model would read as a quantity) are listed on
    /// its page as the API answers them; the page showed none of them.
    /// </summary>
    [Fact]
    public async Task SweepOnDataWithARowNumberColumn_PageListsTheNotes()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("notes");
        using var http = ServingPanelTests.Client(api, key);
        var lines = Curve().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var numbered = string.Concat(lines.Select((line, i) => (i == 0 ? "order," : $"{i},") + line + "\n"));
        var datasetId = await DashboardUsabilityTests.UploadAsync(http, "numbered", numbered);
        var id = await LiveApi.StartExperimentAsync(http, new { datasetId, label = "y", scenario = "auto", budgetSeconds = 120, maxTrials = 2, modelName = "numbered" });
        var done = await EndedAsync(http, id);
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        var notes = done.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToArray();
        var note = Assert.Single(notes, n => n.Contains("'order'", StringComparison.Ordinal));

        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, $"#/experiments/{id}");
        await Assertions.Expect(session.Page.Locator("#exp-notes li")).ToHaveCountAsync(notes.Length);
        await Assertions.Expect(session.Page.Locator("#exp-notes")).ToContainTextAsync(note);
        session.AssertNoPageErrors();
    }

    /// <summary>A bent curve with noise: trainers differ in how well they fit it, so trials score differently.</summary>
    private static string Curve()
    {
        var random = new Random(7);
        var csv = new StringBuilder("x,z,y\n");
        for (var i = 0; i < 400; i++)
        {
            var x = random.NextDouble() * 6 - 3;
            var z = random.NextDouble();
            csv.Append(CultureInfo.InvariantCulture, $"{x:F4},{z:F4},{(x * x) + Math.Sin(3 * x) + (0.3 * random.NextDouble()):F4}\n");
        }

        return csv.ToString();
    }

    private static async Task<JsonElement> EndedAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            var experiment = await DashboardTests.GetJsonAsync(http, $"/api/experiments/{id}");
            if (experiment.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
            {
                return experiment;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Experiment {id} did not end within 180 s: {experiment}");
            await Task.Delay(250);
        }
    }
}
