using EnterpriseML.Engine.Scenarios;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// How the sweep ranks two succeeded trials: by the primary metric, and when that is exactly equal (a saturated or
/// thresholded metric), by the lower <see cref="TrialRecord.TieBreakScore"/>. Every choice of a best trial (per
/// candidate, overall, per kind, among the selection re-evaluation's finalists) goes through it; the tuners see the
/// primary metric alone.
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

        return a.ValidationScore == b.ValidationScore
            && !double.IsNaN(a.TieBreakScore) && (double.IsNaN(b.TieBreakScore) || a.TieBreakScore < b.TieBreakScore);
    }

    /// <summary>A comparison for sorting, best first; equal trials keep their index order.</summary>
    public static int Compare(ScenarioMetric metric, TrialRecord a, TrialRecord b) =>
        IsBetter(metric, a, b) ? -1 : IsBetter(metric, b, a) ? 1 : a.Index.CompareTo(b.Index);
}
