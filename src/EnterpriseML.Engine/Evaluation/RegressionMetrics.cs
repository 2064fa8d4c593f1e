namespace EnterpriseML.Engine.Evaluation;

/// <summary>Metrics of a regressor, accumulated in double precision.</summary>
/// <param name="Rmse">Root mean squared error, in label units.</param>
/// <param name="Mae">Mean absolute error, in label units.</param>
/// <param name="R2">
/// The coefficient of determination 1 − SS_res / SS_tot; with constant labels, 1 for a perfect fit and 0 otherwise
/// (scikit-learn's <c>r2_score</c> convention). Negative when worse than predicting the mean.
/// </param>
public sealed record RegressionMetrics(double Rmse, double Mae, double R2)
{
    /// <summary>Computes the metrics in O(n).</summary>
    /// <param name="labels">The true values, finite.</param>
    /// <param name="predictions">The predicted values, finite; same length as <paramref name="labels"/>.</param>
    /// <exception cref="ArgumentException">Empty or unequal inputs, or a non-finite value.</exception>
    public static RegressionMetrics Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> predictions)
    {
        var n = labels.Length;
        if (n == 0)
        {
            throw new ArgumentException("At least one example is needed.", nameof(labels));
        }

        if (predictions.Length != n)
        {
            throw new ArgumentException($"{n} labels but {predictions.Length} predictions; they must pair up.", nameof(predictions));
        }

        // Double accumulation: float sums of a million squared errors lose several digits.
        double mean = 0;
        for (var i = 0; i < n; i++)
        {
            if (!float.IsFinite(labels[i]))
            {
                throw new ArgumentException($"Label {i} is {labels[i]}; labels must be finite.", nameof(labels));
            }

            if (!float.IsFinite(predictions[i]))
            {
                throw new ArgumentException($"Prediction {i} is {predictions[i]}; predictions must be finite.", nameof(predictions));
            }

            mean += labels[i];
        }

        mean /= n;
        double squared = 0, absolute = 0, total = 0;
        for (var i = 0; i < n; i++)
        {
            var error = (double)labels[i] - predictions[i];
            squared += error * error;
            absolute += Math.Abs(error);
            var deviation = labels[i] - mean;
            total += deviation * deviation;
        }

        var r2 = total > 0 ? 1 - (squared / total) : squared == 0 ? 1 : 0;
        return new RegressionMetrics(Math.Sqrt(squared / n), absolute / n, r2);
    }
}
