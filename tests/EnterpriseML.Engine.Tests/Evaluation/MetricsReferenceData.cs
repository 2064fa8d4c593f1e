namespace EnterpriseML.Engine.Tests.Evaluation;

/// <summary>
/// Deterministic integer-built inputs, reproduced exactly (float32 rounding included) by the scikit-learn 1.2.1 script
/// quoted in each test's comment, so its results can be pinned here as constants.
/// </summary>
internal static class MetricsReferenceData
{
    /// <summary>1000 binary examples, 52 distinct scores (many ties). Python: see <see cref="BinaryMetricsTests"/>.</summary>
    public static (float[] Labels, float[] Scores) Binary()
    {
        const int n = 1000;
        var labels = new float[n];
        var scores = new float[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = (i * 7919 % 13) < 4 ? 1 : 0;
            var k = ((long)i * 104729 % 37) + (15 * (int)labels[i]);
            scores[i] = (float)(k / 51.0);
        }

        return (labels, scores);
    }

    /// <summary>300 examples of 3 classes with row-normalised probabilities.</summary>
    public static (float[] Labels, float[] Probabilities) Multiclass()
    {
        const int n = 300, classes = 3;
        var labels = new float[n];
        var probabilities = new float[n * classes];
        Span<int> raw = stackalloc int[classes];
        for (var i = 0; i < n; i++)
        {
            var label = i * 31 % 7 % 3;
            labels[i] = label;
            var sum = 0;
            for (var k = 0; k < classes; k++)
            {
                raw[k] = 1 + (i * (k + 3) * 17 % 11) + (label == k ? 6 : 0);
                sum += raw[k];
            }

            for (var k = 0; k < classes; k++)
            {
                probabilities[(i * classes) + k] = (float)(raw[k] / (double)sum);
            }
        }

        return (labels, probabilities);
    }

    /// <summary>500 regression examples.</summary>
    public static (float[] Labels, float[] Predictions) Regression()
    {
        const int n = 500;
        var labels = new float[n];
        var predictions = new float[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = (float)(i * 13 % 97 / 7.0);
            predictions[i] = (float)(labels[i] + (((i * 29 % 11) - 5) / 3.0));
        }

        return (labels, predictions);
    }
}
