using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>report.html: self-contained, every user-controlled string escaped, plots that are true in edge cases.</summary>
public sealed partial class ReportHtmlTests
{
    private const string Hostile = "</script><script>alert(\"x\" + 'y')</script> & ü 試験";

    private static string Html(SweepReport report)
    {
        using var writer = new StringWriter();
        ReportHtml.Write(report, writer);
        return writer.ToString();
    }

    /// <summary>The page fetches nothing and names no URL: the inline SVGs carried the SVG namespace URL, the page's only one.</summary>
    [Fact]
    public async Task Html_NoUrlAnywhere()
    {
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate(), new CentroidCandidate("centroid-special", CandidateKind.Specialised)]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4, EnsembleSelection = false })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan, "credit"));
        var html = Html(SweepReport.Build(result, plan));

        Assert.Equal(3, html.Split("<svg").Length - 1);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("//", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Candidate names and the error messages of failed trials (here both hostile: a closing script tag, quotes, an
    /// ampersand, non-ASCII) appear only escaped, in text and in attributes, and the JSON report stays valid and
    /// carries them unchanged.
    /// </summary>
    [Fact]
    public async Task Html_HostileNamesAndErrors_AreEscaped()
    {
        var failing = new CentroidCandidate(Hostile, CandidateKind.Specialised) { DuringFit = _ => throw new InvalidOperationException(Hostile) };
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate(), failing]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4, EnsembleSelection = false })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan, Hostile));
        var report = SweepReport.Build(result, plan);
        var html = Html(report);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert(\"", html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(Hostile), html, StringComparison.Ordinal);
        Assert.Contains("title=\"InvalidOperationException: &lt;/script&gt;&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)", html, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(ReportJson.ToJson(report, includeTrials: true));
        Assert.Equal(Hostile, doc.RootElement.GetProperty("scenario").GetString());
        Assert.Contains(doc.RootElement.GetProperty("trialLog").EnumerateArray(),
            t => t.GetProperty("candidate").GetString() == Hostile && t.GetProperty("error").GetString() == $"InvalidOperationException: {Hostile}");
    }

    /// <summary>
    /// Test rows of one class have no ROC or precision-recall curve, and the page says why. Before, the ROC of rows
    /// without a positive was drawn as a flat line at a true-positive rate of 0, as if the winner had been measured
    /// to find none.
    /// </summary>
    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public async Task Html_TestRowsOfOneClass_NoCurvesAndSaysWhy(float onlyClass)
    {
        var data = TestData.CreditGerman;
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var train = data.SelectRows(rows.Where(i => i % 5 != 0).ToArray());
        var test = data.SelectRows(rows.Where(i => i % 5 == 0 && data.Labels[i] == onlyClass).ToArray());
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate()]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false }).RunAsync(new SweepRequest(train, plan));

        var report = SweepReport.Build(result, plan, test);
        var html = Html(report);

        Assert.Empty(report.Roc);
        Assert.Empty(report.PrecisionRecall);
        Assert.Equal(1, html.Split("<svg").Length - 1);
        Assert.DoesNotContain("ROC of the winner", html, StringComparison.Ordinal);
        Assert.Contains("No ROC or precision-recall curve: the test rows hold one class only", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Curves_OneClass_Empty()
    {
        float[] scores = [0.1f, 0.4f, 0.4f, 0.9f];
        Assert.Equal((0, 0), (SweepReport.Curves([0, 0, 0, 0], scores).Roc.Length, SweepReport.Curves([0, 0, 0, 0], scores).Pr.Length));
        Assert.Equal((0, 0), (SweepReport.Curves([1, 1, 1, 1], scores).Roc.Length, SweepReport.Curves([1, 1, 1, 1], scores).Pr.Length));
    }

    /// <summary>A regression sweep of one trial: a score-vs-time plot with its one point, and no ROC or its note.</summary>
    [Fact]
    public async Task Html_RegressionOneTrial_ScorePlotOnlyAndNoCurveNote()
    {
        var data = TestData.CreditGerman;
        var regression = new CandidateData(data.Features, data.Labels, TaskKind.Regression, []);
        var plan = new ScenarioPlan(TaskKind.Regression, ScenarioMetric.Rmse, [new CentroidCandidate()]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 1, EnsembleSelection = false }).RunAsync(new SweepRequest(regression, plan));
        var html = Html(SweepReport.Build(result, plan));

        Assert.Equal(1, html.Split("<svg").Length - 1);
        Assert.Equal(1, html.Split("<circle").Length - 1);
        Assert.DoesNotContain("ROC", html, StringComparison.Ordinal);
        Assert.Contains("rmse, lower is better", html, StringComparison.Ordinal);
    }

    /// <summary>The plot's point titles are written in the invariant culture like every other number (under a comma-decimal culture they read "0,7312").</summary>
    [Fact]
    public async Task Html_CommaDecimalCulture_NumbersStayInvariant()
    {
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate()]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan, "credit"));
        var report = SweepReport.Build(result, plan);
        var culture = CultureInfo.CurrentCulture;
        string html;
        try
        {
            // The projects run with invariant globalization, so a comma-decimal culture is made by hand (a host
            // application that embeds the engine may set its own).
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = comma;
            html = Html(report);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        var titles = PointTitle().Matches(html);
        Assert.Equal(2, titles.Count);
        Assert.All(titles, t => Assert.Matches(@": 0\.\d{4}$", t.Groups[1].Value));
    }

    /// <summary>
    /// The best-so-far line is a step that holds each best until a trial beats it, in the metric's direction. Before,
    /// it joined successive bests with straight lines, showing scores in between that no trial had.
    /// </summary>
    [Fact]
    public async Task Html_BestSoFar_IsAStepThroughEachImprovement()
    {
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate("weak") { Inverted = true }, new CentroidCandidate(), new CentroidCandidate("c", CandidateKind.Specialised, defaultFeatures: 4)]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 10, EnsembleSelection = false, MaximumDegreeOfParallelism = 1 })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan, "credit"));
        var html = Html(SweepReport.Build(result, plan));

        var path = BestSoFarPath().Match(html).Groups[1].Value;
        var steps = path.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("M", steps[0], StringComparison.Ordinal);
        Assert.DoesNotContain(steps, s => s.StartsWith('L'));
        // Each improvement is a horizontal move to its time and a vertical one to its score (then H to the end).
        Assert.True(steps.Length >= 3, path);
        for (var i = 1; i < steps.Length - 1; i += 2)
        {
            Assert.StartsWith("H", steps[i], StringComparison.Ordinal);
            Assert.StartsWith("V", steps[i + 1], StringComparison.Ordinal);
        }

        Assert.StartsWith("H", steps[^1], StringComparison.Ordinal);
    }

    /// <summary>
    /// report.json keeps six significant digits of small numbers. Before, every number was rounded to six decimals:
    /// a regression on a target in ten-millionths had every candidate's RMSE written as 0.
    /// </summary>
    [Fact]
    public async Task Json_TinyScores_KeepTheirSignificantDigits()
    {
        var data = TestData.CreditGerman;
        var tiny = new CandidateData(data.Features, [.. data.Labels.Select((y, i) => (y + (i % 7)) * 1e-7f)], TaskKind.Regression, []);
        var ridge = GeneralCandidates.For(TaskKind.Regression, ScenarioColumns.None).Single(c => c.Name == "ridge");
        var plan = new ScenarioPlan(TaskKind.Regression, ScenarioMetric.Rmse, [ridge]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false }).RunAsync(new SweepRequest(tiny, plan));
        Assert.InRange(result.Winner.ValidationScore, 1e-8, 5e-7);

        var report = SweepReport.Build(result, plan);
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report));
        var written = doc.RootElement.GetProperty("winner").GetProperty("validationScore").GetDouble();
        Assert.Equal(result.Winner.ValidationScore, written, result.Winner.ValidationScore * 1e-5);

        // The page likewise: four significant digits, where four decimals showed 0.0000 for every candidate.
        var html = Html(report);
        Assert.DoesNotContain("<td>0.0000</td>", html, StringComparison.Ordinal);
        Assert.Contains($"<td>{result.Winner.ValidationScore.ToString("G4", CultureInfo.InvariantCulture)}</td>", html, StringComparison.Ordinal);

        // And the winner's reason, which had read "best validation rmse (0)".
        Assert.StartsWith($"best validation rmse ({result.Winner.ValidationScore.ToString("G4", CultureInfo.InvariantCulture)})", result.WinnerReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.812345, "0.8123")]
    [InlineData(1234.5, "1234.5000")]
    [InlineData(0.0123, "0.0123")]
    [InlineData(0.004567891, "0.004568")]
    [InlineData(-4.2e-8, "-4.2E-08")]
    [InlineData(0.0, "0.0000")]
    [InlineData(double.NaN, "–")]
    public void Score_FourDecimalsOrFourSignificantDigits(double value, string expected) =>
        Assert.Equal(expected, ReportHtml.Score(value));

    /// <summary>
    /// The leaderboard's predict costs are printed as the trade-off sentence prints them: a 0.36 µs/row model had read
    /// "0.36" in the table beside "0.361" in the sentence, and a model under 0.005 µs/row read "0.00".
    /// </summary>
    [Theory]
    [InlineData(0.361328, "0.361")]
    [InlineData(0.0041, "0.00410")]
    [InlineData(2.0649, "2.06")]
    [InlineData(138.6, "139")]
    [InlineData(0.0, "0")]
    [InlineData(double.NaN, "–")]
    public void Cost_AsTheTradeOffSentencePrintsIt(double value, string expected) =>
        Assert.Equal(expected, ReportHtml.Cost(value));

    [Fact]
    public async Task Html_LeaderboardCosts_AreTheSentencesCosts()
    {
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate(), new CentroidCandidate("centroid-special", CandidateKind.Specialised)]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4, EnsembleSelection = false })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan, "credit"));
        var report = SweepReport.Build(result, plan);
        var html = Html(report);

        foreach (var row in report.Leaderboard)
        {
            var cost = SweepFinisher.FormatCost(row.Trial.PredictMicrosecondsPerRow);
            Assert.Contains($"</td><td>{cost}</td><td>{row.Trial.ModelBytes.ToString("N0", CultureInfo.InvariantCulture)}</td></tr>", html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0.123456789, 0.123457)]
    [InlineData(2.49375, 2.49375)]
    [InlineData(1234.56789012, 1234.56789)]
    [InlineData(0.000123456789, 0.000123457)]
    [InlineData(-4.2e-8, -4.2e-8)]
    [InlineData(3.14159265e-20, 3.14159e-20)]
    [InlineData(0.0, 0.0)]
    public void Round_SixDecimalsOrSixSignificantDigits(double value, double expected) =>
        Assert.Equal(expected, ReportJson.Round(value));

    [GeneratedRegex("<path d=\"([^\"]*)\" fill=\"none\" stroke=\"#1d2330\"")]
    private static partial Regex BestSoFarPath();

    [GeneratedRegex("<circle[^>]*><title>([^<]*)</title>")]
    private static partial Regex PointTitle();
}
