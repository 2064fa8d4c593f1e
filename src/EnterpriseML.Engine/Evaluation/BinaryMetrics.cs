namespace EnterpriseML.Engine.Evaluation;

/// <summary>
/// Metrics of a binary classifier from 0/1 labels and predicted probabilities of class 1.
/// </summary>
/// <param name="Auc">
/// Area under the ROC curve, with tied scores counting one half (the Mann–Whitney U statistic divided by
/// positives × negatives; Hanley and McNeil, "The meaning and use of the area under a ROC curve", 1982).
/// NaN when only one class is present.
/// </param>
/// <param name="Auprc">
/// Area under the precision–recall curve as average precision, Σₙ (Rₙ − Rₙ₋₁) Pₙ over descending distinct
/// thresholds (scikit-learn's <c>average_precision_score</c>). NaN without positives.
/// </param>
/// <param name="LogLoss">Mean negative log-likelihood in nats, probabilities clipped to [1e-15, 1 − 1e-15].</param>
/// <param name="Accuracy">Share of correct predictions at <paramref name="Threshold"/>.</param>
/// <param name="F1">Harmonic mean of precision and recall at the threshold; 0 when both are 0.</param>
/// <param name="Precision">True positives / predicted positives at the threshold; 0 when nothing is predicted positive.</param>
/// <param name="Recall">True positives / positives at the threshold; 0 without positives.</param>
/// <param name="Ks">
/// The Kolmogorov–Smirnov statistic, max |TPR − FPR| over all thresholds (the largest gap between the score
/// distributions of the two classes). NaN when only one class is present.
/// </param>
/// <param name="Gini">The Gini coefficient (accuracy ratio), 2 · AUC − 1.</param>
/// <param name="Threshold">The decision threshold: a probability ≥ it predicts class 1.</param>
public sealed record BinaryMetrics(
    double Auc,
    double Auprc,
    double LogLoss,
    double Accuracy,
    double F1,
    double Precision,
    double Recall,
    double Ks,
    double Gini,
    double Threshold)
{
    /// <summary>The clipping bound of <see cref="LogLoss"/> (scikit-learn's historical default).</summary>
    public const double LogLossEpsilon = 1e-15;

    /// <summary>Computes every metric in O(n log n).</summary>
    /// <param name="labels">The true classes, each 0 or 1.</param>
    /// <param name="probabilities">Predicted P(class 1), finite; same length as <paramref name="labels"/>.</param>
    /// <param name="threshold">The decision threshold for the counting metrics. Default 0.5; valid: [0, 1].</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs, a label other than 0/1, or a non-finite probability.</exception>
    public static BinaryMetrics Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> probabilities, float threshold = 0.5f)
    {
        if (!(threshold is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Must be in [0, 1].");
        }

        using var ranked = RankedScores.Create(labels, probabilities, nameof(labels), nameof(probabilities));
        var n = ranked.Count;
        long positives = ranked.Positives, negatives = ranked.Negatives;

        // One pass from the highest score down over runs of ties: AUC by the trapezoid of each run (a tie counts
        // one half, exactly Mann–Whitney), average precision at each distinct threshold, KS at each threshold.
        double aucArea = 0, averagePrecision = 0, ks = 0;
        long truePositives = 0, falsePositives = 0;
        for (var start = 0; start < n;)
        {
            var end = ranked.RunEnd(start, out var runPositives);
            var runNegatives = end - start - runPositives;
            aucArea += runNegatives * (truePositives + (0.5 * runPositives));
            truePositives += runPositives;
            falsePositives += runNegatives;
            if (positives > 0)
            {
                averagePrecision += (double)runPositives / positives * ((double)truePositives / (truePositives + falsePositives));
            }

            if (positives > 0 && negatives > 0)
            {
                ks = Math.Max(ks, Math.Abs(((double)truePositives / positives) - ((double)falsePositives / negatives)));
            }

            start = end;
        }

        // aucArea counted, for each negative, the positives ranked above it (ties: one half); AUC is its share.
        var auc = positives > 0 && negatives > 0 ? aucArea / ((double)positives * negatives) : double.NaN;

        double logLoss = 0;
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < n; i++)
        {
            var p = Math.Clamp((double)probabilities[i], LogLossEpsilon, 1 - LogLossEpsilon);
            var positive = labels[i] == 1f;
            logLoss -= positive ? Math.Log(p) : Math.Log(1 - p);
            var predicted = probabilities[i] >= threshold;
            tp += positive && predicted ? 1 : 0;
            fp += !positive && predicted ? 1 : 0;
            tn += !positive && !predicted ? 1 : 0;
            fn += positive && !predicted ? 1 : 0;
        }

        var precision = tp + fp > 0 ? (double)tp / (tp + fp) : 0;
        var recall = tp + fn > 0 ? (double)tp / (tp + fn) : 0;
        var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return new BinaryMetrics(
            Auc: auc,
            Auprc: positives > 0 ? averagePrecision : double.NaN,
            LogLoss: logLoss / n,
            Accuracy: (double)(tp + tn) / n,
            F1: f1,
            Precision: precision,
            Recall: recall,
            Ks: positives > 0 && negatives > 0 ? ks : double.NaN,
            Gini: (2 * auc) - 1,
            Threshold: threshold);
    }
}
