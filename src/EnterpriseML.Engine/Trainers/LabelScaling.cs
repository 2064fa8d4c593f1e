namespace EnterpriseML.Engine.Trainers;

/// <summary>
/// Regression targets near the float limit (±3e38 is finite) overflow the float sums and gradients of the trainers:
/// a weighted target, a residual of two targets or a per-chunk sum of them leaves the float range and the model
/// predicts NaN. A trainer whose fit is linear in the targets (squared-error trees, ridge) fits on the targets times
/// 2^−k instead and multiplies its outputs by 2^k. Powers of two are exact in binary floating point, so the fit is
/// the same as in unbounded arithmetic, and targets within ±2^64 (k = 0) are left alone: their models are
/// unchanged, bit for bit.
/// </summary>
internal static class LabelScaling
{
    /// <summary>Largest binary exponent of |target × weight| fitted as it is (2^64 ≈ 1.8e19).</summary>
    public const int MaximumExponent = 64;

    /// <summary>
    /// The k ≥ 0 such that every |label × weight| · 2^−k is below 2^<see cref="MaximumExponent"/>; 0 when they already are.
    /// Non-finite labels are left to the trainers' own checks.
    /// </summary>
    public static int Exponent(ReadOnlySpan<float> labels, ReadOnlySpan<float> weights)
    {
        double largest = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var v = Math.Abs((double)labels[i] * (weights.IsEmpty ? 1f : weights[i]));
            if (double.IsFinite(v) && v > largest)
            {
                largest = v;
            }
        }

        return largest >= Math.ScaleB(1.0, MaximumExponent) ? Math.ILogB(largest) - MaximumExponent + 1 : 0;
    }

    /// <summary>The labels times 2^−<paramref name="exponent"/> (the same array when the exponent is 0).</summary>
    public static float[] Scale(float[] labels, int exponent)
    {
        if (exponent == 0)
        {
            return labels;
        }

        var scaled = new float[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            scaled[i] = float.ScaleB(labels[i], -exponent);
        }

        return scaled;
    }
}
