using System.Globalization;

namespace EnterpriseML.Engine.Scenarios.Fraud;

/// <summary>What an alert threshold is chosen for.</summary>
public enum AlertTarget
{
    /// <summary>The highest threshold that still catches <see cref="AlertThresholdOptions.TargetRecall"/> of the positives.</summary>
    Recall,

    /// <summary>The lowest threshold that raises at most <see cref="AlertThresholdOptions.AlertsPerThousand"/> alerts per 1,000 rows.</summary>
    AlertBudget,
}

/// <summary>Options of <see cref="AlertThreshold.Choose"/> and of the fraud candidate's threshold. Validated once.</summary>
public sealed class AlertThresholdOptions
{
    /// <summary>What the threshold is chosen for. Default <see cref="AlertTarget.Recall"/>.</summary>
    public AlertTarget Target { get; set; } = AlertTarget.Recall;

    /// <summary>The share of positives the alerts must catch (with <see cref="AlertTarget.Recall"/>). Default 0.8; range (0, 1].</summary>
    public double TargetRecall { get; set; } = 0.8;

    /// <summary>The alert budget per 1,000 rows (with <see cref="AlertTarget.AlertBudget"/>). Default 20; range (0, 1000].</summary>
    public double AlertsPerThousand { get; set; } = 20;

    /// <summary>
    /// The share of training rows held out to choose the threshold (and to stop boosting early): the latest rows by the
    /// scenario's timestamp when there is one, else a stratified random sample. Default 0.2; range [0.05, 0.5].
    /// </summary>
    public double HoldoutFraction { get; set; } = 0.2;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Target))
        {
            throw new ArgumentOutOfRangeException(nameof(Target), Target, "Must be a defined alert target.");
        }

        if (!(TargetRecall is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetRecall), TargetRecall, "Must be in (0, 1].");
        }

        if (!(AlertsPerThousand is > 0 and <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(AlertsPerThousand), AlertsPerThousand, "Must be in (0, 1000].");
        }

        if (!(HoldoutFraction is >= 0.05 and <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(HoldoutFraction), HoldoutFraction, "Must be in [0.05, 0.5].");
        }
    }

    /// <summary>
    /// Why a caller's rule cannot be used, or null when it can: <paramref name="targetRecall"/> out of (0, 1],
    /// <paramref name="alertBudget"/> out of (0, 1000], both given, or either given for a scenario other than fraud.
    /// The names are the caller's (CLI options or JSON fields), so the CLI and the API word the problem alike.
    /// </summary>
    /// <param name="scenario">The scenario asked for.</param>
    /// <param name="targetRecall">The share of the positives the alerts must catch, or null.</param>
    /// <param name="alertBudget">Alerts per 1,000 rows, or null.</param>
    /// <param name="recallName">What the caller calls <paramref name="targetRecall"/> (<c>--target-recall</c>, <c>targetRecall</c>).</param>
    /// <param name="budgetName">What the caller calls <paramref name="alertBudget"/>.</param>
    /// <param name="fraudScenario">How the caller names the fraud scenario (<c>--scenario fraud</c>).</param>
    /// <returns>The name of the offending option and a sentence saying what is wrong; null when the rule is usable.</returns>
    public static (string Name, string Problem)? RequestProblem(string? scenario, double? targetRecall, double? alertBudget, string recallName, string budgetName, string fraudScenario)
    {
        if (targetRecall is null && alertBudget is null)
        {
            return null;
        }

        var name = targetRecall is not null ? recallName : budgetName;
        if (!string.Equals(scenario, "fraud", StringComparison.OrdinalIgnoreCase))
        {
            return (name, $"{name} applies to {fraudScenario} (it chooses the alert threshold), not {scenario}.");
        }

        if (targetRecall is not null && alertBudget is not null)
        {
            return (recallName, $"{recallName} and {budgetName} choose the fraud alert threshold two ways (a share of the positives to catch, a number of alerts to raise); give one.");
        }

        var ci = CultureInfo.InvariantCulture;
        if (targetRecall is { } recall && !(recall is > 0 and <= 1))
        {
            return (recallName, $"{recallName} must be in (0, 1], the share of the positives the alerts must catch; got {recall.ToString(ci)}.");
        }

        return alertBudget is { } budget && !(budget is > 0 and <= 1000)
            ? (budgetName, $"{budgetName} must be in (0, 1000] alerts per 1,000 rows; got {budget.ToString(ci)}.")
            : null;
    }

    /// <summary>
    /// The rule for a target recall or an alert budget that <see cref="RequestProblem"/> accepted; null when neither is
    /// given (the scenario's default, 80 % recall).
    /// </summary>
    public static AlertThresholdOptions? ForRequest(double? targetRecall, double? alertBudget) => (targetRecall, alertBudget) switch
    {
        ({ } recall, _) => new AlertThresholdOptions { Target = AlertTarget.Recall, TargetRecall = recall },
        (null, { } budget) => new AlertThresholdOptions { Target = AlertTarget.AlertBudget, AlertsPerThousand = budget },
        _ => null,
    };

    internal AlertThresholdOptions Clone() => (AlertThresholdOptions)MemberwiseClone();
}

/// <summary>An alert threshold and what it achieves on the rows it was chosen on. A row alerts when its score ≥ <see cref="Threshold"/>.</summary>
/// <param name="Threshold">The score threshold.</param>
/// <param name="Precision">Share of alerts that are positives (NaN with no alert).</param>
/// <param name="Recall">Share of positives alerted (NaN with no positive).</param>
/// <param name="AlertsPerThousand">Alerts per 1,000 rows.</param>
/// <param name="Alerts">The number of alerts.</param>
/// <param name="Rows">The number of rows.</param>
public sealed record OperatingPoint(float Threshold, double Precision, double Recall, double AlertsPerThousand, int Alerts, int Rows)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"threshold {Threshold:G6}: precision {Precision:F3}, recall {Recall:F3}, {AlertsPerThousand:F1} alerts per 1,000 rows");
}

/// <summary>
/// Chooses an alert threshold on scored validation rows: for a target recall, the highest threshold whose alerts catch
/// at least that share of the positives; for an alert budget, the lowest threshold whose alerts stay within the budget
/// (ties at the cut are all alerted or none is, so the guarantee holds exactly). O(n log n), deterministic.
/// </summary>
public static class AlertThreshold
{
    public static OperatingPoint Choose(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, AlertThresholdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (labels.Length != scores.Length || labels.Length == 0)
        {
            throw new ArgumentException($"Need equally many labels and scores, at least one: {labels.Length} labels, {scores.Length} scores.", nameof(scores));
        }

        var n = scores.Length;
        var sorted = scores.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        // Descending by score.
        Array.Sort(sorted, order, Comparer<float>.Create(static (a, b) => b.CompareTo(a)));
        float threshold;
        if (options.Target == AlertTarget.Recall)
        {
            var positives = 0;
            foreach (var y in labels)
            {
                positives += y > 0.5f ? 1 : 0;
            }

            var required = Math.Max(1, (int)Math.Ceiling((options.TargetRecall * positives) - 1e-9));
            threshold = positives == 0 ? MathF.BitIncrement(sorted[0]) : sorted[n - 1];
            var caught = 0;
            for (var k = 0; k < n && positives > 0; k++)
            {
                caught += labels[order[k]] > 0.5f ? 1 : 0;
                if (caught >= required)
                {
                    threshold = sorted[k];
                    break;
                }
            }
        }
        else
        {
            var maxAlerts = (int)Math.Floor((options.AlertsPerThousand * n / 1000.0) + 1e-9);
            if (maxAlerts >= n)
            {
                threshold = sorted[n - 1];
            }
            else
            {
                // Alert strictly above the first excluded score, so ties at the cut never break the budget.
                var excluded = sorted[maxAlerts];
                var j = maxAlerts - 1;
                while (j >= 0 && sorted[j] == excluded)
                {
                    j--;
                }

                threshold = j < 0 ? MathF.BitIncrement(sorted[0]) : sorted[j];
            }
        }

        return Evaluate(labels, scores, threshold);
    }

    /// <summary>The operating point of <paramref name="threshold"/> on the given rows.</summary>
    public static OperatingPoint Evaluate(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, float threshold)
    {
        int alerts = 0, truePositives = 0, positives = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var positive = labels[i] > 0.5f;
            positives += positive ? 1 : 0;
            if (scores[i] >= threshold)
            {
                alerts++;
                truePositives += positive ? 1 : 0;
            }
        }

        return new OperatingPoint(threshold,
            alerts == 0 ? double.NaN : (double)truePositives / alerts,
            positives == 0 ? double.NaN : (double)truePositives / positives,
            1000.0 * alerts / scores.Length, alerts, scores.Length);
    }
}
