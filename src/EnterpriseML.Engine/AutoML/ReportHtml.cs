using System.Globalization;
using System.Net;
using System.Text;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// Writes a <see cref="SweepReport"/> as one self-contained HTML page: inline CSS, inline SVG plots (score vs time
/// for every trial with the best-so-far line; ROC and precision-recall of the winner), the leaderboard, the
/// comparison sentence, and the trial log. No scripts, fonts or stylesheets are fetched.
/// </summary>
public static class ReportHtml
{
    private const int Width = 520;
    private const int Height = 300;
    private const int Margin = 44;

    public static void Write(SweepReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        var r = report.Result;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>EnterpriseML sweep: ")
            .Append(E(r.Scenario)).Append("</title><style>")
            .Append("body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1200px}")
            .Append("h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
            .Append("table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e3e6ec;text-align:right}")
            .Append("th:nth-child(-n+4),td:nth-child(-n+4){text-align:left}tr.win{background:#eef7ee;font-weight:600}")
            .Append(".general{color:#2962a8}.specialised{color:#b3541e}.note{background:#f6f7f9;padding:10px 14px;border-left:3px solid #7a8599}")
            .Append(".plots{display:flex;flex-wrap:wrap;gap:16px}svg{background:#fff;border:1px solid #e3e6ec}")
            .Append("</style></head><body>");
        html.Append("<h1>Sweep report: ").Append(E(r.Scenario)).Append(" (").Append(r.TaskName).Append(", ")
            .Append(E(r.Metric.Name)).Append(r.Metric.HigherIsBetter ? ", higher is better" : ", lower is better").Append(")</h1>");
        html.Append("<p>").Append(r.SearchTrialCount).Append(" trials in ")
            .Append(F(r.Elapsed.TotalSeconds, "0.0")).Append(" s. Validation: ").Append(E(r.ValidationDescription)).Append(", ")
            .Append(r.ValidationLabels.Length).Append(" rows, the same for every candidate; rows hash <code>")
            .Append(E(r.ValidationHash)).Append("</code>.</p>");

        html.Append("<p class=\"note\"><b>Winner: ").Append(E(r.Winner.Candidate)).Append("</b> (<span class=\"")
            .Append(ReportJson.Kind(r.Winner.Kind)).Append("\">").Append(ReportJson.Kind(r.Winner.Kind)).Append("</span>), ")
            .Append(E(r.WinnerReason)).Append(". ")
            .Append(r.RefittedOnAllData ? "Refitted on all training rows." : "The refit did not fit the budget: the model is the validation-fold model.");
        if (r.WinnerPipeline is not null)
        {
            html.Append(" Pipeline: <code>").Append(E(r.WinnerPipeline)).Append("</code>.");
        }

        html.Append("</p>");
        if (r.Comparison is { } c)
        {
            html.Append("<p class=\"note\">").Append(E(c.Sentence)).Append("</p>");
        }

        foreach (var note in report.Notes)
        {
            html.Append("<p class=\"note\">").Append(E(note)).Append("</p>");
        }

        if (r.WinnerDetails.Count > 0)
        {
            html.Append("<h2>Winner details</h2><table>");
            foreach (var (key, value) in r.WinnerDetails)
            {
                html.Append("<tr><td>").Append(E(key)).Append("</td><td style=\"text-align:left\">").Append(E(value)).Append("</td></tr>");
            }

            html.Append("</table>");
        }

        if (report.TestMetrics.Count > 0)
        {
            html.Append("<h2>Winner on the test set</h2><table><tr>");
            foreach (var (name, _) in report.TestMetrics)
            {
                html.Append("<th>").Append(E(name)).Append("</th>");
            }

            html.Append("</tr><tr>");
            foreach (var (_, value) in report.TestMetrics)
            {
                html.Append("<td>").Append(Score(value)).Append("</td>");
            }

            html.Append("</tr></table>");
        }

        html.Append("<h2>Leaderboard</h2><table><tr><th>rank</th><th>candidate</th><th>kind</th><th>parameters</th><th>validation ")
            .Append(E(r.Metric.Name)).Append("</th><th>± CV</th><th>re-evaluated</th><th>test</th><th>fit CPU s</th><th>predict µs/row</th><th>model bytes</th></tr>");
        foreach (var row in report.Leaderboard)
        {
            var t = row.Trial;
            html.Append(row.IsWinner ? "<tr class=\"win\">" : "<tr>")
                .Append("<td>").Append(row.Rank).Append("</td><td>").Append(E(t.Candidate)).Append("</td><td class=\"")
                .Append(ReportJson.Kind(t.Kind)).Append("\">").Append(ReportJson.Kind(t.Kind)).Append("</td><td><code>")
                .Append(E(string.Join(" ", t.Parameters.Select(p => $"{p.Key}={Short(p.Value)}")))).Append("</code></td><td>")
                .Append(Score(t.ValidationScore)).Append("</td><td>").Append(Score(report.Result.SpreadOf(t))).Append("</td><td>")
                .Append(Score(row.Selection?.Score ?? double.NaN)).Append("</td><td>")
                .Append(Score(row.TestScore)).Append("</td><td>").Append(F(t.ReportedFitSeconds(), "0.000")).Append("</td><td>")
                .Append(Cost(t.PredictMicrosecondsPerRow)).Append("</td><td>").Append(t.ModelBytes.ToString("N0", CultureInfo.InvariantCulture))
                .Append("</td></tr>");
        }

        html.Append("</table><h2>Plots</h2><div class=\"plots\">");
        ScoreVersusTime(html, r);
        if (report.Roc.Count > 1)
        {
            Curve(html, report.Roc, $"ROC of the winner ({report.CurvesOn})", "false-positive rate", "true-positive rate", diagonal: true);
            Curve(html, report.PrecisionRecall, $"Precision-recall of the winner ({report.CurvesOn})", "recall", "precision", diagonal: false);
        }

        html.Append("</div>");
        if (report.CurvesNote is not null)
        {
            html.Append("<p class=\"note\">").Append(E(report.CurvesNote)).Append("</p>");
        }

        html.Append("<h2>Trials</h2><table><tr><th>#</th><th>candidate</th><th>kind</th><th>parameters</th><th>status</th><th>")
            .Append(E(r.Metric.Name)).Append("</th><th>sample</th><th>fit CPU s</th><th>finished at s</th></tr>");
        foreach (var t in r.Trials)
        {
            html.Append("<tr><td>").Append(t.Index).Append("</td><td>").Append(E(t.Candidate)).Append("</td><td class=\"")
                .Append(ReportJson.Kind(t.Kind)).Append("\">").Append(ReportJson.Kind(t.Kind)).Append("</td><td><code>")
                .Append(E(string.Join(" ", t.Parameters.Select(p => $"{p.Key}={Short(p.Value)}")))).Append("</code></td><td title=\"")
                .Append(E(t.Error ?? string.Empty)).Append("\">").Append(t.Status.ToString().ToLowerInvariant()).Append("</td><td>")
                .Append(Score(t.ValidationScore)).Append("</td><td>").Append(F(t.SampleFraction, "0.00")).Append("</td><td>")
                .Append(F(t.ReportedFitSeconds(), "0.000")).Append("</td><td>").Append(F(t.FinishedAtSeconds, "0.0")).Append("</td></tr>");
        }

        html.Append("</table></body></html>\n");
        writer.Write(html.ToString());
    }

    private static void ScoreVersusTime(StringBuilder html, SweepResult r)
    {
        var done = r.Trials.Where(t => t.Status == TrialStatus.Succeeded && double.IsFinite(t.ValidationScore)).ToArray();
        if (done.Length == 0)
        {
            return;
        }

        var maxTime = Math.Max(1e-3, done.Max(t => t.FinishedAtSeconds));
        var lo = done.Min(t => t.ValidationScore);
        var hi = done.Max(t => t.ValidationScore);
        if (hi - lo < 1e-9)
        {
            hi = lo + 1e-3;
        }

        Open(html, "Validation score vs time (all trials)", "seconds", r.Metric.Name, 0, maxTime, lo, hi);
        var bestSoFar = new StringBuilder();
        var best = double.NaN;
        foreach (var t in done.OrderBy(t => t.FinishedAtSeconds))
        {
            if (r.Metric.IsBetter(t.ValidationScore, best))
            {
                best = t.ValidationScore;
                // A step: the best so far holds until the trial that beats it (a straight line between two bests
                // showed scores no trial had between them).
                if (bestSoFar.Length == 0)
                {
                    bestSoFar.Append('M').Append(X(t.FinishedAtSeconds, 0, maxTime)).Append(',').Append(Y(best, lo, hi)).Append(' ');
                }
                else
                {
                    bestSoFar.Append('H').Append(X(t.FinishedAtSeconds, 0, maxTime)).Append(" V").Append(Y(best, lo, hi)).Append(' ');
                }
            }

            html.Append("<circle r=\"3\" cx=\"").Append(X(t.FinishedAtSeconds, 0, maxTime)).Append("\" cy=\"").Append(Y(t.ValidationScore, lo, hi))
                .Append("\" fill=\"").Append(t.Kind == CandidateKind.General ? "#2962a8" : "#b3541e").Append("\" fill-opacity=\"0.7\"><title>")
                .Append(E(string.Create(CultureInfo.InvariantCulture, $"#{t.Index} {t.Candidate}: {Score(t.ValidationScore)}"))).Append("</title></circle>");
        }

        bestSoFar.Append('H').Append(X(maxTime, 0, maxTime));
        html.Append("<path d=\"").Append(bestSoFar).Append("\" fill=\"none\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>");
        html.Append("<text x=\"").Append(Width - Margin - 150).Append("\" y=\"").Append(Margin - 8).Append("\" font-size=\"11\"><tspan fill=\"#2962a8\">● general</tspan> <tspan fill=\"#b3541e\">● specialised</tspan></text>");
        html.Append("</svg>");
    }

    private static void Curve(StringBuilder html, IReadOnlyList<CurvePoint> points, string title, string xLabel, string yLabel, bool diagonal)
    {
        Open(html, title, xLabel, yLabel, 0, 1, 0, 1);
        if (diagonal)
        {
            html.Append("<line x1=\"").Append(X(0, 0, 1)).Append("\" y1=\"").Append(Y(0, 0, 1)).Append("\" x2=\"").Append(X(1, 0, 1))
                .Append("\" y2=\"").Append(Y(1, 0, 1)).Append("\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>");
        }

        html.Append("<polyline fill=\"none\" stroke=\"#2c7a3f\" stroke-width=\"2\" points=\"");
        foreach (var p in points)
        {
            html.Append(X(p.X, 0, 1)).Append(',').Append(Y(p.Y, 0, 1)).Append(' ');
        }

        html.Append("\"/></svg>");
    }

    private static void Open(StringBuilder html, string title, string xLabel, string yLabel, double x0, double x1, double y0, double y1)
    {
        // Inline SVG in HTML needs no namespace attribute, and its URL was the page's only one.
        html.Append("<svg width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" role=\"img\" aria-label=\"").Append(E(title)).Append("\">")
            .Append("<text x=\"").Append(Margin).Append("\" y=\"18\" font-size=\"13\" font-weight=\"600\">").Append(E(title)).Append("</text>")
            .Append("<line x1=\"").Append(Margin).Append("\" y1=\"").Append(Height - Margin).Append("\" x2=\"").Append(Width - 10)
            .Append("\" y2=\"").Append(Height - Margin).Append("\" stroke=\"#555\"/>")
            .Append("<line x1=\"").Append(Margin).Append("\" y1=\"").Append(Margin - 14).Append("\" x2=\"").Append(Margin)
            .Append("\" y2=\"").Append(Height - Margin).Append("\" stroke=\"#555\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var xv = x0 + ((x1 - x0) * i / 4);
            var yv = y0 + ((y1 - y0) * i / 4);
            html.Append("<text x=\"").Append(X(xv, x0, x1)).Append("\" y=\"").Append(Height - Margin + 14).Append("\" font-size=\"10\" text-anchor=\"middle\">")
                .Append(F(xv, "0.##")).Append("</text>")
                .Append("<text x=\"").Append(Margin - 4).Append("\" y=\"").Append(Y(yv, y0, y1)).Append("\" font-size=\"10\" text-anchor=\"end\">")
                .Append(F(yv, "0.###")).Append("</text>");
        }

        html.Append("<text x=\"").Append((Width + Margin) / 2).Append("\" y=\"").Append(Height - 8).Append("\" font-size=\"11\" text-anchor=\"middle\">")
            .Append(E(xLabel)).Append("</text><text x=\"12\" y=\"").Append(Height / 2).Append("\" font-size=\"11\" transform=\"rotate(-90 12 ")
            .Append(Height / 2).Append(")\" text-anchor=\"middle\">").Append(E(yLabel)).Append("</text>");
    }

    private static string X(double v, double lo, double hi) =>
        F(Margin + ((v - lo) / (hi - lo) * (Width - Margin - 14)), "0.#");

    private static string Y(double v, double lo, double hi) =>
        F(Height - Margin - ((v - lo) / (hi - lo) * (Height - (2 * Margin) + 14)), "0.#");

    /// <summary>
    /// A score or metric: four decimals, or four significant digits below 0.01, where four decimals showed an RMSE of
    /// 4e-8 (a target in ten-millionths) as 0.0000 for every candidate.
    /// </summary>
    public static string Score(double v) =>
        double.IsFinite(v) && v != 0 && Math.Abs(v) < 0.01 ? v.ToString("G4", CultureInfo.InvariantCulture) : F(v, "0.0000");

    /// <summary>
    /// A predict cost (µs per row) in the leaderboards, as the trade-off sentence prints it (three significant digits,
    /// <see cref="SweepFinisher.FormatCost"/>), so the sentence's numbers are the table's; "–" when not measured.
    /// </summary>
    public static string Cost(double v) => double.IsFinite(v) && v >= 0 ? SweepFinisher.FormatCost(v) : "–";

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Short(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("G4", CultureInfo.InvariantCulture) : value;

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
