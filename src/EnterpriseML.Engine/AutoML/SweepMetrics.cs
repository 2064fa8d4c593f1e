namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// The metric kernels a sweep evaluates thousands of times (every trial, every bootstrap resample). Plain loops on
/// spans; AUC by rank statistics with tie handling, average precision as scikit-learn defines it.
/// </summary>
internal static class SweepMetrics
{
    public static double Auc(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        var n = labels.Length;
        var order = SortedByScore(scores);
        double positives = 0, rankSum = 0;
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]] > 0.5f)
                {
                    positives++;
                    rankSum += averageRank;
                }
            }

            i = j + 1;
        }

        var negatives = n - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    public static double AveragePrecision(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        var n = labels.Length;
        var order = SortedByScore(scores);
        double totalPositives = 0;
        for (var i = 0; i < n; i++)
        {
            totalPositives += labels[i] > 0.5f ? 1 : 0;
        }

        if (totalPositives == 0)
        {
            return double.NaN;
        }

        // Walk thresholds from the highest score down; tied scores form one threshold.
        double truePositives = 0, seen = 0, previousRecall = 0, ap = 0;
        var end = n - 1;
        while (end >= 0)
        {
            var start = end;
            while (start - 1 >= 0 && scores[order[start - 1]] == scores[order[end]])
            {
                start--;
            }

            for (var k = start; k <= end; k++)
            {
                truePositives += labels[order[k]] > 0.5f ? 1 : 0;
                seen++;
            }

            var recall = truePositives / totalPositives;
            ap += (recall - previousRecall) * (truePositives / seen);
            previousRecall = recall;
            end = start - 1;
        }

        return ap;
    }

    public static double Accuracy(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int classCount)
    {
        var correct = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            correct += PredictedClass(scores, i, labels.Length, classCount) == (int)labels[i] ? 1 : 0;
        }

        return labels.Length == 0 ? double.NaN : (double)correct / labels.Length;
    }

    /// <summary>
    /// The unweighted mean of per-class F1 (arg-max predictions) over the classes that occur among the labels or the
    /// predictions, a class's F1 0 when its precision and recall are both 0: <see cref="Evaluation.MulticlassMetrics"/>'s
    /// (and scikit-learn's <c>f1_score(average="macro")</c>). NaN without rows.
    /// </summary>
    public static double MacroF1(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int classCount)
    {
        var k = Math.Max(classCount, 2);
        var truePositives = new double[k];
        var support = new double[k];
        var predicted = new double[k];
        for (var i = 0; i < labels.Length; i++)
        {
            var y = (int)labels[i];
            var p = PredictedClass(scores, i, labels.Length, classCount);
            support[y]++;
            predicted[p]++;
            truePositives[y] += p == y ? 1 : 0;
        }

        double sum = 0;
        var classes = 0;
        for (var c = 0; c < k; c++)
        {
            if (support[c] > 0 || predicted[c] > 0)
            {
                var precision = predicted[c] > 0 ? truePositives[c] / predicted[c] : 0;
                var recall = support[c] > 0 ? truePositives[c] / support[c] : 0;
                sum += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
                classes++;
            }
        }

        return classes == 0 ? double.NaN : sum / classes;
    }

    public static double MacroAccuracy(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int classCount)
    {
        var k = Math.Max(classCount, 2);
        var hits = new double[k];
        var counts = new double[k];
        for (var i = 0; i < labels.Length; i++)
        {
            var y = (int)labels[i];
            counts[y]++;
            hits[y] += PredictedClass(scores, i, labels.Length, classCount) == y ? 1 : 0;
        }

        double sum = 0;
        var present = 0;
        for (var c = 0; c < k; c++)
        {
            if (counts[c] > 0)
            {
                sum += hits[c] / counts[c];
                present++;
            }
        }

        return present == 0 ? double.NaN : sum / present;
    }

    public static double F1(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        double tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var predicted = scores[i] >= 0.5f;
            var actual = labels[i] > 0.5f;
            tp += predicted && actual ? 1 : 0;
            fp += predicted && !actual ? 1 : 0;
            fn += !predicted && actual ? 1 : 0;
        }

        return tp == 0 ? 0 : 2 * tp / ((2 * tp) + fp + fn);
    }

    public static double LogLoss(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, int classCount)
    {
        const double Eps = 1e-15;
        double sum = 0;
        var n = labels.Length;
        var multiclass = scores.Length == n * classCount && classCount > 2;
        for (var i = 0; i < n; i++)
        {
            double p;
            if (multiclass)
            {
                p = scores[(i * classCount) + (int)labels[i]];
            }
            else
            {
                p = labels[i] > 0.5f ? scores[i] : 1 - scores[i];
            }

            sum -= Math.Log(Math.Clamp(p, Eps, 1 - Eps));
        }

        return n == 0 ? double.NaN : sum / n;
    }

    public static double Ks(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        var n = labels.Length;
        var order = SortedByScore(scores);
        double positives = 0;
        for (var i = 0; i < n; i++)
        {
            positives += labels[i] > 0.5f ? 1 : 0;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        double cumPos = 0, cumNeg = 0, best = 0;
        var k = 0;
        while (k < n)
        {
            var j = k;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[k]])
            {
                j++;
            }

            for (var m = k; m <= j; m++)
            {
                if (labels[order[m]] > 0.5f)
                {
                    cumPos++;
                }
                else
                {
                    cumNeg++;
                }
            }

            best = Math.Max(best, Math.Abs((cumNeg / negatives) - (cumPos / positives)));
            k = j + 1;
        }

        return best;
    }

    public static double Rmse(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var d = (double)scores[i] - labels[i];
            sum += d * d;
        }

        return labels.Length == 0 ? double.NaN : Math.Sqrt(sum / labels.Length);
    }

    public static double Mae(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            sum += Math.Abs((double)scores[i] - labels[i]);
        }

        return labels.Length == 0 ? double.NaN : sum / labels.Length;
    }

    public static double R2(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores)
    {
        double mean = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            mean += labels[i];
        }

        mean /= Math.Max(1, labels.Length);
        double residual = 0, total = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var d = (double)scores[i] - labels[i];
            residual += d * d;
            var t = labels[i] - mean;
            total += t * t;
        }

        return total == 0 ? double.NaN : 1 - (residual / total);
    }

    private static int PredictedClass(ReadOnlySpan<float> scores, int row, int rows, int classCount)
    {
        if (scores.Length == rows)
        {
            return scores[row] >= 0.5f ? 1 : 0;
        }

        var best = 0;
        for (var c = 1; c < classCount; c++)
        {
            if (scores[(row * classCount) + c] > scores[(row * classCount) + best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>Row indices sorted by ascending score (stable, NaN first).</summary>
    private static int[] SortedByScore(ReadOnlySpan<float> scores)
    {
        var keys = scores.ToArray();
        var order = new int[keys.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        return order;
    }
}
