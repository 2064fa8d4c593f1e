namespace EnterpriseML.Engine.Evaluation;

/// <summary>One point of a ROC curve: the rates reached when scores ≥ <paramref name="Threshold"/> are called positive.</summary>
public readonly record struct RocPoint(double FalsePositiveRate, double TruePositiveRate, float Threshold);

/// <summary>One point of a precision–recall curve at scores ≥ <paramref name="Threshold"/>.</summary>
public readonly record struct PrecisionRecallPoint(double Recall, double Precision, float Threshold);

/// <summary>
/// ROC and precision–recall curves for plots: one point per distinct score (descending thresholds), thinned to at
/// most <c>maxPoints</c> evenly spaced points that always keep the first and last.
/// </summary>
public static class Curves
{
    /// <summary>
    /// The ROC curve from (0, 0) at threshold +∞ to (1, 1). Needs both classes.
    /// </summary>
    /// <param name="labels">The true classes, each 0 or 1.</param>
    /// <param name="scores">Scores or probabilities, finite; higher means more likely positive.</param>
    /// <param name="maxPoints">The most points returned. Default 200; valid: at least 2.</param>
    /// <exception cref="ArgumentException">Invalid inputs, or only one class present.</exception>
    public static RocPoint[] Roc(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int maxPoints = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        using var ranked = RankedScores.Create(labels, scores, nameof(labels), nameof(scores));
        if (ranked.Positives == 0 || ranked.Negatives == 0)
        {
            throw new ArgumentException("A ROC curve needs both positive and negative labels.", nameof(labels));
        }

        var points = new List<RocPoint> { new(0, 0, float.PositiveInfinity) };
        long tp = 0, fp = 0;
        for (var start = 0; start < ranked.Count;)
        {
            var end = ranked.RunEnd(start, out var runPositives);
            tp += runPositives;
            fp += end - start - runPositives;
            points.Add(new RocPoint((double)fp / ranked.Negatives, (double)tp / ranked.Positives, ranked.Scores[start]));
            start = end;
        }

        return Thin(points, maxPoints);
    }

    /// <summary>
    /// The precision–recall curve, starting at (recall 0, precision 1) and then one point per distinct threshold
    /// from the highest down. Needs at least one positive.
    /// </summary>
    /// <param name="labels">The true classes, each 0 or 1.</param>
    /// <param name="scores">Scores or probabilities, finite; higher means more likely positive.</param>
    /// <param name="maxPoints">The most points returned. Default 200; valid: at least 2.</param>
    /// <exception cref="ArgumentException">Invalid inputs, or no positive label.</exception>
    public static PrecisionRecallPoint[] PrecisionRecall(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int maxPoints = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        using var ranked = RankedScores.Create(labels, scores, nameof(labels), nameof(scores));
        if (ranked.Positives == 0)
        {
            throw new ArgumentException("A precision-recall curve needs at least one positive label.", nameof(labels));
        }

        var points = new List<PrecisionRecallPoint> { new(0, 1, float.PositiveInfinity) };
        long tp = 0, predicted = 0;
        for (var start = 0; start < ranked.Count;)
        {
            var end = ranked.RunEnd(start, out var runPositives);
            tp += runPositives;
            predicted += end - start;
            points.Add(new PrecisionRecallPoint((double)tp / ranked.Positives, (double)tp / predicted, ranked.Scores[start]));
            start = end;
        }

        return Thin(points, maxPoints);
    }

    private static T[] Thin<T>(List<T> points, int maxPoints)
    {
        if (points.Count <= maxPoints)
        {
            return [.. points];
        }

        var result = new T[maxPoints];
        var last = points.Count - 1;
        for (var i = 0; i < maxPoints; i++)
        {
            result[i] = points[(int)Math.Round((double)i * last / (maxPoints - 1))];
        }

        return result;
    }
}
