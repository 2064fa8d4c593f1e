using EnterpriseML.Engine.Scenarios;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// How the sweep ranks two succeeded trials: by the primary metric, and when that is exactly equal (a saturated or
/// thresholded metric: AUPRC 1 on every fold, the same accuracy on a few hundred rows) the smaller model first, then
/// the earlier trial. It is the tie rule (a tie goes to the cheaper model) for exact ties, with the size
/// because it is measured exactly where predict timings are noisy. Every choice of a best trial (per candidate,
/// overall, per kind, the ensembles' pools, the selection re-evaluation's finalists) goes through it; the tuners see
/// the primary metric alone.
/// </summary>
internal static class TrialOrder
{
    /// <summary>True when <paramref name="a"/> ranks before <paramref name="b"/>; a null or unscored <paramref name="b"/> loses to any scored <paramref name="a"/>.</summary>
    public static bool IsBetter(ScenarioMetric metric, TrialRecord a, TrialRecord? b)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(a);
        if (b is null || metric.IsBetter(a.ValidationScore, b.ValidationScore))
        {
            return !double.IsNaN(a.ValidationScore);
        }

        return a.ValidationScore == b.ValidationScore && a.ModelBytes > 0 && a.ModelBytes < b.ModelBytes;
    }

    /// <summary>A comparison for sorting, best first; equal scores and sizes keep index order.</summary>
    public static int Compare(ScenarioMetric metric, TrialRecord a, TrialRecord b) =>
        IsBetter(metric, a, b) ? -1 : IsBetter(metric, b, a) ? 1 : a.Index.CompareTo(b.Index);
}
