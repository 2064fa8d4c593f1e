using EnterpriseML.Engine.AutoML;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>
/// A metric a sweep can optimise or report, computed from encoded labels and a fitted candidate's scores
/// (see <see cref="IFittedCandidate.Score"/> for the layout). Names match the CLI's JSON metric names.
/// </summary>
public sealed class ScenarioMetric
{
    private readonly Func<ReadOnlySpan<float>, ReadOnlySpan<float>, int, double> _compute;

    private ScenarioMetric(string name, bool higherIsBetter, Func<ReadOnlySpan<float>, ReadOnlySpan<float>, int, double> compute)
    {
        Name = name;
        HigherIsBetter = higherIsBetter;
        _compute = compute;
    }

    /// <summary>Binary: area under the ROC curve.</summary>
    public static ScenarioMetric Auc { get; } = new("auc", true, (y, s, _) => SweepMetrics.Auc(y, s));

    /// <summary>Binary: area under the precision-recall curve (average precision).</summary>
    public static ScenarioMetric Auprc { get; } = new("auprc", true, (y, s, _) => SweepMetrics.AveragePrecision(y, s));

    /// <summary>Binary (threshold 0.5) or multiclass (arg-max) accuracy.</summary>
    public static ScenarioMetric Accuracy { get; } = new("accuracy", true, SweepMetrics.Accuracy);

    /// <summary>Binary F1 of the positive class at threshold 0.5.</summary>
    public static ScenarioMetric F1 { get; } = new("f1", true, (y, s, _) => SweepMetrics.F1(y, s));

    /// <summary>Binary or multiclass log-loss (probabilities clipped to [1e-15, 1 − 1e-15]).</summary>
    public static ScenarioMetric LogLoss { get; } = new("logLoss", false, SweepMetrics.LogLoss);

    /// <summary>Multiclass: mean per-class recall.</summary>
    public static ScenarioMetric MacroAccuracy { get; } = new("macroAccuracy", true, SweepMetrics.MacroAccuracy);

    /// <summary>Multiclass: the unweighted mean of per-class F1 (as <c>eml train</c> reports it).</summary>
    public static ScenarioMetric MacroF1 { get; } = new("macroF1", true, SweepMetrics.MacroF1);

    /// <summary>Binary: the Kolmogorov–Smirnov statistic between the score distributions of the classes.</summary>
    public static ScenarioMetric Ks { get; } = new("ks", true, (y, s, _) => SweepMetrics.Ks(y, s));

    /// <summary>Binary: Gini = 2 AUC − 1.</summary>
    public static ScenarioMetric Gini { get; } = new("gini", true, (y, s, _) => (2 * SweepMetrics.Auc(y, s)) - 1);

    /// <summary>Regression: root mean squared error.</summary>
    public static ScenarioMetric Rmse { get; } = new("rmse", false, (y, s, _) => SweepMetrics.Rmse(y, s));

    /// <summary>Regression: mean absolute error.</summary>
    public static ScenarioMetric Mae { get; } = new("mae", false, (y, s, _) => SweepMetrics.Mae(y, s));

    /// <summary>Regression: coefficient of determination.</summary>
    public static ScenarioMetric R2 { get; } = new("r2", true, (y, s, _) => SweepMetrics.R2(y, s));

    /// <summary>
    /// Recommendation: NDCG@10 averaged over users (seen items excluded). A ranking metric is not a function of one
    /// score per row: its inputs here are per-user values, <c>scores</c> holding each evaluated user's NDCG@10 (as
    /// computed by the recommendation sweep) and <c>labels</c> ignored, so the mean and its bootstrap are over users.
    /// </summary>
    public static ScenarioMetric NdcgAt10 { get; } = new("ndcgAt10", true, (_, s, _) => Mean(s));

    /// <summary>The JSON/CLI name, for example <c>auprc</c>.</summary>
    public string Name { get; }

    /// <summary>True when larger values are better.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>
    /// Computes the metric. <paramref name="scores"/> is row-major with <paramref name="classCount"/> columns for
    /// multiclass and one column otherwise.
    /// </summary>
    public double Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int classCount = 2) => _compute(labels, scores, classCount);

    /// <summary>The loss a tuner minimises: the metric itself, or its negation when higher is better.</summary>
    public double ToLoss(double value) => HigherIsBetter ? -value : value;

    /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/> (NaN is never better).</summary>
    public bool IsBetter(double a, double b) => !double.IsNaN(a) && (double.IsNaN(b) || (HigherIsBetter ? a > b : a < b));

    /// <summary>The metrics that make sense for a task, for the test report.</summary>
    public static IReadOnlyList<ScenarioMetric> ForTask(Trainers.TaskKind task) => task switch
    {
        Trainers.TaskKind.Binary => [Auc, Auprc, Accuracy, F1, LogLoss, Ks, Gini],
        Trainers.TaskKind.Multiclass => [Accuracy, MacroAccuracy, LogLoss, MacroF1],
        _ => [Rmse, Mae, R2],
    };

    public override string ToString() => Name;

    private static double Mean(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }
}
