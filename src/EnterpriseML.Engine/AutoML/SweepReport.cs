using System.Diagnostics;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// One leaderboard row: the best trial of one candidate. <paramref name="Selection"/> is its score on the selection
/// re-evaluation, which chose the winner, when it was a finalist there.
/// </summary>
public sealed record LeaderboardRow(
    int Rank,
    TrialRecord Trial,
    double TestScore,
    bool IsWinner,
    SelectionScore? Selection = null);

/// <summary>A curve of the winner (ROC or precision-recall), at most a few hundred points.</summary>
public sealed record CurvePoint(double X, double Y);

/// <summary>
/// The comparison report of a sweep: the leaderboard (best trial per candidate, both kinds), the winner with its test
/// metrics, the validation rows' hash, the general vs specialised comparison, and the curves for the plots. Written
/// as JSON by <see cref="ReportJson"/> and as a self-contained HTML page by <see cref="ReportHtml"/>.
/// </summary>
public sealed class SweepReport
{
    private SweepReport(SweepResult result, IReadOnlyList<LeaderboardRow> leaderboard, IReadOnlyList<KeyValuePair<string, double>> test,
        IReadOnlyList<CurvePoint> roc, IReadOnlyList<CurvePoint> pr, string curvesOn)
    {
        Result = result;
        Leaderboard = leaderboard;
        TestMetrics = test;
        Roc = roc;
        PrecisionRecall = pr;
        CurvesOn = curvesOn;
    }

    public SweepResult Result { get; }

    /// <summary>
    /// Successful candidates ranked by validation score, exact ties smaller model first as <see cref="TrialOrder"/> ranks
    /// them (rank 1 is the best score, not necessarily the winner).
    /// </summary>
    public IReadOnlyList<LeaderboardRow> Leaderboard { get; }

    /// <summary>
    /// Every metric of the task for the winner on the test rows (empty without a test set); for a winner with an alert
    /// threshold (fraud's <c>cost-sensitive-gbdt</c>) also the precision, recall and alerts per 1,000 rows at it.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>> TestMetrics { get; }

    /// <summary>The winner's ROC curve (false-positive rate, true-positive rate); binary only.</summary>
    public IReadOnlyList<CurvePoint> Roc { get; }

    /// <summary>The winner's precision-recall curve (recall, precision); binary only.</summary>
    public IReadOnlyList<CurvePoint> PrecisionRecall { get; }

    /// <summary><c>test</c> or <c>validation</c>: which rows the curves are drawn on.</summary>
    public string CurvesOn { get; }

    /// <summary>Winner predict time on the test rows (µs/row), or NaN without a test set.</summary>
    public double TestPredictMicrosecondsPerRow { get; private init; } = double.NaN;

    /// <summary>Why a binary report has no ROC or precision-recall curve (rows of one class), or null.</summary>
    public string? CurvesNote { get; private init; }

    /// <summary>What the user should know about the data beyond the leaderboard (rows left out, ...); written as <c>notes</c>.</summary>
    public IReadOnlyList<string> Notes { get; private init; } = [];

    /// <summary>
    /// Builds the report; <paramref name="test"/> (encoded like the training rows) adds test scores, and the notes
    /// say which training and test rows were left out for an empty label, then <paramref name="dataNotes"/> (what the
    /// caller found in the data before the sweep, <see cref="SweepDataNotes"/>).
    /// </summary>
    public static SweepReport Build(SweepResult result, ScenarioPlan plan, CandidateData? test = null, CandidateData? train = null, IEnumerable<string>? dataNotes = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(plan);
        var metric = result.Metric;
        var classCount = result.ClassNames.Count;
        var best = new Dictionary<string, TrialRecord>(StringComparer.Ordinal);
        foreach (var t in result.Trials)
        {
            if (t.Status == TrialStatus.Succeeded && TrialOrder.IsBetter(metric, t, best.GetValueOrDefault(t.Candidate)))
            {
                best[t.Candidate] = t;
            }
        }

        // The winner's row is the winning trial even when a tie sent the win to a cheaper model.
        best[result.Winner.Candidate] = result.Winner;
        // The sweep's own order (TrialOrder): exactly equal scores rank the smaller model first, as the winner's reason
        // says; by index alone a tie the smaller model won showed the larger one at rank 1.
        var ordered = best.Values.OrderBy(t => metric.ToLoss(t.ValidationScore))
            .ThenBy(t => t.ModelBytes > 0 ? t.ModelBytes : long.MaxValue).ThenBy(t => t.Index).ToArray();

        float[]? winnerTestScores = null;
        var test_ = new List<KeyValuePair<string, double>>();
        double testMicroseconds = double.NaN;
        if (test is not null)
        {
            winnerTestScores = result.Model.Score(test.Features);
            // Measured as the leaderboard's predict cost is, after the scoring pass above (PredictTiming).
            testMicroseconds = PredictTiming.Batch(test.Features) is { } batch ? PredictTiming.MicrosecondsPerRow(result.Model, batch) : double.NaN;
            var metrics = new List<ScenarioMetric>(ScenarioMetric.ForTask(result.Task));
            foreach (var extra in plan.ReportMetrics)
            {
                if (!metrics.Contains(extra))
                {
                    metrics.Add(extra);
                }
            }

            foreach (var m in metrics)
            {
                test_.Add(new(m.Name, m.Compute(test.Labels, winnerTestScores, classCount)));
            }

            if (result.Task == TaskKind.Binary && AlertThresholdOf(result.WinnerDetails) is { } threshold)
            {
                // The operating point the details state on held-out training rows, on the test rows: what the saved
                // alert threshold achieves on rows the sweep never saw.
                var point = AlertThreshold.Evaluate(test.Labels, winnerTestScores, threshold);
                test_.Add(new(FraudScenario.PrecisionAtThresholdKey, point.Precision));
                test_.Add(new(FraudScenario.RecallAtThresholdKey, point.Recall));
                test_.Add(new(FraudScenario.AlertsPerThousandKey, point.AlertsPerThousand));
            }
        }

        var rows = new LeaderboardRow[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            var trial = ordered[i];
            var isWinner = trial.Index == result.Winner.Index;
            var testScore = double.NaN;
            if (test is not null)
            {
                float[]? scores = isWinner ? winnerTestScores
                    : result.CandidateModels.TryGetValue(trial.Index, out var model) ? model.Score(test.Features) : null;
                if (scores is not null)
                {
                    testScore = metric.Compute(test.Labels, scores, classCount);
                }
            }

            rows[i] = new LeaderboardRow(i + 1, trial, testScore, isWinner, result.SelectionScores.GetValueOrDefault(trial.Index));
        }

        CurvePoint[] roc = [], pr = [];
        string? curvesNote = null;
        var on = "validation";
        if (result.Task == TaskKind.Binary)
        {
            var (labels, scores) = test is not null && winnerTestScores is not null
                ? (test.Labels, winnerTestScores)
                : (result.ValidationLabels, result.WinnerValidationScores);
            on = test is not null ? "test" : "validation";
            if (scores is not null)
            {
                (roc, pr) = Curves(labels, scores);
                if (roc.Length == 0)
                {
                    curvesNote = $"No ROC or precision-recall curve: the {on} rows hold one class only, so the true- or false-positive rate is undefined.";
                }
            }
        }

        string?[] notes =
        [
            train is null ? null : LabelEncoding.RowsWithoutLabelNote(train, "training"),
            test is null ? null : LabelEncoding.RowsWithoutLabelNote(test, "test"),
            .. dataNotes ?? [],
            test is null ? null : LabelEncoding.MissingClassNote(test, "test"),
            OffTheLeaderboardNote(result, plan),
        ];
        return new SweepReport(result, rows, test_, roc, pr, on)
        {
            TestPredictMicrosecondsPerRow = testMicroseconds,
            Notes = [.. notes.OfType<string>()],
            CurvesNote = curvesNote,
        };
    }

    /// <summary>
    /// A report whose rows and test metrics were computed elsewhere (the recommendation sweep ranks users' items, which
    /// <see cref="Build"/>'s row-wise scoring cannot do). No curves.
    /// </summary>
    internal static SweepReport FromParts(SweepResult result, IReadOnlyList<LeaderboardRow> leaderboard,
        IReadOnlyList<KeyValuePair<string, double>> test, double testMicrosecondsPerRow) =>
        new(result, leaderboard, test, [], [], test.Count > 0 ? "test" : "validation") { TestPredictMicrosecondsPerRow = testMicrosecondsPerRow };

    /// <summary>
    /// Which candidates of the plan have no successful trial, and so no leaderboard row, with what became of their
    /// trials (or that none ran in the budget); and, when a whole kind is missing from a plan that has both, that there
    /// is no general vs specialised comparison. Null when every candidate is on the leaderboard. Before, a sentiment
    /// sweep whose specialised candidates had all timed out or not started showed a general-only leaderboard and no
    /// trade-off sentence without a word why.
    /// </summary>
    internal static string? OffTheLeaderboardNote(SweepResult result, ScenarioPlan plan)
    {
        var missing = new List<string>();
        var absent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in plan.Candidates)
        {
            var trials = result.Trials.Where(t => t.Candidate == candidate.Name).ToArray();
            if (trials.Any(t => t.Status == TrialStatus.Succeeded))
            {
                continue;
            }

            absent.Add(candidate.Name);
            if (trials.Length == 0)
            {
                // The trial count, when it ran out, is why: the budget may have had most of its time left.
                missing.Add(result.MaximumTrials is { } max && result.SearchTrialCount >= max
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{candidate.Name} (no trial started within the sweep's limit of {max:N0} trial{(max == 1 ? "" : "s")})")
                    : $"{candidate.Name} (no trial started within the budget)");
                continue;
            }

            var outcomes = trials.GroupBy(t => t.Status).OrderBy(g => g.Key)
                .Select(g => $"{g.Count()} {g.Key switch { TrialStatus.TimedOut => "timed out", TrialStatus.Pruned => "pruned", _ => "failed" }}");
            missing.Add($"{candidate.Name} ({string.Join(", ", outcomes)})");
        }

        if (missing.Count == 0)
        {
            return null;
        }

        var note = $"Not on the leaderboard, for want of a successful trial: {string.Join("; ", missing)}."
            + (missing.Count > absent.Count(n => result.Trials.All(t => t.Candidate != n)) ? " The trial log has each trial's error." : "");
        var kinds = plan.Candidates.Select(c => c.Kind).Distinct().ToArray();
        var emptyKinds = kinds.Where(k => plan.Candidates.Where(c => c.Kind == k).All(c => absent.Contains(c.Name))).ToArray();
        if (kinds.Length == 2 && emptyKinds.Length == 1)
        {
            note += $" No {ReportJson.Kind(emptyKinds[0])} candidate succeeded, so there is no general vs specialised comparison.";
        }

        return note;
    }

    /// <summary>The winner's alert threshold (a fraud model's <see cref="FraudScenario.AlertThresholdKey"/> detail), or null.</summary>
    private static float? AlertThresholdOf(IReadOnlyList<KeyValuePair<string, string>> details)
    {
        foreach (var (key, value) in details)
        {
            if (key == FraudScenario.AlertThresholdKey
                && float.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var threshold))
            {
                return threshold;
            }
        }

        return null;
    }

    /// <summary>
    /// The ROC (false-positive rate, true-positive rate) and precision-recall (recall, precision) curves of
    /// <paramref name="scores"/>, one point per distinct score (the end of each run of tied scores), thinned for the
    /// plot to points at least 1 % of the plot apart (L1 distance) from the last one kept, so a curve keeps its shape
    /// whatever the number of tied scores. Before, a tie boundary was kept only when its row index was a multiple of
    /// n / 200: a model with few distinct scores (a forest on fraud-sensor, blocks of equal size) lost most or all of
    /// its corners and the plot showed the diagonal. Rows of one class have no curves (both empty): their ROC was
    /// drawn as a flat line at a true-positive rate of 0 (no positives) or up the axis (no negatives), as if measured.
    /// </summary>
    internal static (CurvePoint[] Roc, CurvePoint[] Pr) Curves(float[] labels, float[] scores)
    {
        const double MinimumMove = 0.01;
        var n = labels.Length;
        var keys = new float[n];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            keys[i] = -scores[i];
            order[i] = i;
        }

        Array.Sort(keys, order);
        double positives = 0;
        for (var i = 0; i < n; i++)
        {
            positives += labels[i] > 0.5f ? 1 : 0;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return ([], []);
        }

        var roc = new List<CurvePoint> { new(0, 0) };
        var pr = new List<CurvePoint>();
        double tp = 0, fp = 0;
        for (var k = 0; k < n; k++)
        {
            if (labels[order[k]] > 0.5f)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            if (k < n - 1 && keys[k + 1] == keys[k])
            {
                continue;
            }

            var last = k == n - 1;
            var r = new CurvePoint(negatives == 0 ? 0 : fp / negatives, positives == 0 ? 0 : tp / positives);
            if (last || Far(roc[^1], r))
            {
                roc.Add(r);
            }

            var p = new CurvePoint(positives == 0 ? 0 : tp / positives, tp / (tp + fp));
            if (last || pr.Count == 0 || Far(pr[^1], p))
            {
                pr.Add(p);
            }
        }

        return ([.. roc], [.. pr]);

        static bool Far(CurvePoint a, CurvePoint b) => Math.Abs(a.X - b.X) + Math.Abs(a.Y - b.Y) >= MinimumMove;
    }
}
