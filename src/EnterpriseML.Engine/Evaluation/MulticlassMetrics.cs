namespace EnterpriseML.Engine.Evaluation;

/// <summary>Metrics of a K-class classifier from class labels 0..K−1 and row-major N × K probabilities.</summary>
/// <param name="Accuracy">Share of rows whose most probable class (lowest index on ties) is the label (micro accuracy).</param>
/// <param name="MacroAccuracy">
/// The mean over classes of per-class recall, over the classes that occur among the labels (ML.NET's macro accuracy).
/// </param>
/// <param name="LogLoss">Mean −ln p(label), the probability clipped to [1e-15, 1 − 1e-15].</param>
/// <param name="MacroF1">
/// The unweighted mean of per-class F1 over the classes that occur among the labels or the predictions
/// (scikit-learn's <c>f1_score(average="macro")</c>); a class's F1 is 0 when its precision and recall are both 0.
/// </param>
/// <param name="ConfusionMatrix">Counts indexed [true class][predicted class], K × K.</param>
public sealed record MulticlassMetrics(double Accuracy, double MacroAccuracy, double LogLoss, double MacroF1, int[][] ConfusionMatrix)
{
    /// <summary>Computes every metric in O(N · K).</summary>
    /// <param name="labels">The true classes as 0, 1, …, <paramref name="classCount"/> − 1.</param>
    /// <param name="probabilities">Row-major N × K class probabilities (finite).</param>
    /// <param name="classCount">K. Valid: at least 2.</param>
    /// <exception cref="ArgumentException">Empty or mismatched inputs, a label outside 0..K−1, or a non-finite probability.</exception>
    public static MulticlassMetrics Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> probabilities, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        var n = labels.Length;
        if (n == 0)
        {
            throw new ArgumentException("At least one example is needed.", nameof(labels));
        }

        if (probabilities.Length != (long)n * classCount)
        {
            throw new ArgumentException(
                $"{probabilities.Length} probabilities for {n} labels × {classCount} classes; expected {(long)n * classCount}.", nameof(probabilities));
        }

        var confusion = new int[classCount][];
        for (var k = 0; k < classCount; k++)
        {
            confusion[k] = new int[classCount];
        }

        double logLoss = 0;
        long correct = 0;
        for (var i = 0; i < n; i++)
        {
            var label = labels[i];
            if (!(label >= 0 && label < classCount) || label != MathF.Floor(label))
            {
                throw new ArgumentException($"Label {i} is {label}; labels must be class indices 0..{classCount - 1}.", nameof(labels));
            }

            var row = probabilities.Slice(i * classCount, classCount);
            var predicted = 0;
            for (var k = 0; k < classCount; k++)
            {
                if (!float.IsFinite(row[k]))
                {
                    throw new ArgumentException($"Probability [{i}, {k}] is {row[k]}; probabilities must be finite.", nameof(probabilities));
                }

                if (row[k] > row[predicted])
                {
                    predicted = k;
                }
            }

            var actual = (int)label;
            confusion[actual][predicted]++;
            correct += actual == predicted ? 1 : 0;
            logLoss -= Math.Log(Math.Clamp((double)row[actual], BinaryMetrics.LogLossEpsilon, 1 - BinaryMetrics.LogLossEpsilon));
        }

        double recallSum = 0, f1Sum = 0;
        int presentClasses = 0, f1Classes = 0;
        for (var k = 0; k < classCount; k++)
        {
            long support = 0, predictedCount = 0;
            for (var j = 0; j < classCount; j++)
            {
                support += confusion[k][j];
                predictedCount += confusion[j][k];
            }

            var truePositives = confusion[k][k];
            if (support > 0)
            {
                recallSum += (double)truePositives / support;
                presentClasses++;
            }

            if (support > 0 || predictedCount > 0)
            {
                var precision = predictedCount > 0 ? (double)truePositives / predictedCount : 0;
                var recall = support > 0 ? (double)truePositives / support : 0;
                f1Sum += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
                f1Classes++;
            }
        }

        return new MulticlassMetrics(
            Accuracy: (double)correct / n,
            MacroAccuracy: recallSum / presentClasses,
            LogLoss: logLoss / n,
            MacroF1: f1Sum / f1Classes,
            ConfusionMatrix: confusion);
    }
}
