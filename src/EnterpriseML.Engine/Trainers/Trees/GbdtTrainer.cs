using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// Gradient-boosted decision trees (Friedman 2001, "Greedy Function Approximation: A Gradient Boosting Machine") with
/// second-order leaf values and L1/L2 penalties (Chen and Guestrin 2016, "XGBoost"), histogram-based leaf-wise growth
/// with sibling histograms by subtraction and native categorical splits (Ke et al. 2017, "LightGBM"). Binary
/// (logistic loss), multiclass (softmax, one tree per class per round) and regression (squared error). Training is
/// parallel over features with fixed-order reductions, so the model is bit-identical for any thread count. A sparse
/// block (text) is binned and searched without densifying it (see <see cref="BinnedData"/>).
/// </summary>
public sealed class GbdtTrainer : ITrainer
{
    private const int BinSampleSize = 200_000;
    private readonly GbdtOptions _options;

    /// <summary>A trainer with the defaults of <see cref="GbdtDefaults"/> except the given values.</summary>
    public GbdtTrainer(
        int numberOfTrees = GbdtDefaults.NumberOfTrees, int numberOfLeaves = GbdtDefaults.NumberOfLeaves,
        double learningRate = GbdtDefaults.LearningRate, int seed = GbdtDefaults.Seed)
        : this(new GbdtOptions { NumberOfTrees = numberOfTrees, NumberOfLeaves = numberOfLeaves, LearningRate = learningRate, Seed = seed })
    {
    }

    /// <summary>A trainer with every option; the options are validated and copied.</summary>
    public GbdtTrainer(GbdtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
    }

    public string Name => "gbdt";

    /// <summary>
    /// Fits a <see cref="GbdtModel"/>. With <see cref="GbdtOptions.EarlyStoppingRounds"/> &gt; 0 and validation rows, the
    /// model keeps the rounds up to the best validation loss.
    /// </summary>
    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var o = _options;
        TreeInput.ValidateLabels(data);
        var features = data.Features;
        var n = features.RowCount;
        if (n == 0)
        {
            throw new ArgumentException("GBDT needs at least one training row.", nameof(data));
        }

        var featureCount = features.ColumnCount;
        var k = data.OutputWidth;
        var dop = o.MaxDegreeOfParallelism;
        var monotone = TreeInput.Monotone(features, o.MonotoneConstraints);
        // Options of one kind of task are refused on another, not silently ignored.
        if (o.ClassWeights is { } classWeights)
        {
            GbdtOptions.Check(data.Task != TaskKind.Regression, nameof(GbdtOptions.ClassWeights), classWeights.Length, "Applies to binary and multiclass tasks only; this task is regression.");
            GbdtOptions.Check(classWeights.Length == data.ClassCount, nameof(GbdtOptions.ClassWeights), classWeights.Length, $"Must have one weight per class ({data.ClassCount}).");
        }

        GbdtOptions.Check(data.Task == TaskKind.Binary || o.ScalePositiveWeight == 1, nameof(GbdtOptions.ScalePositiveWeight), o.ScalePositiveWeight,
            $"Applies to binary tasks only (1 elsewhere); this task is {(data.Task == TaskKind.Regression ? "regression" : "multiclass")}.");

        var binned = BinnedData.Fit(features, o.MaximumBinCountPerFeature, BinSampleSize, o.Seed, dop, cancellationToken);
        var weights = RowWeights(data, o);
        // Regression targets near the float limit are fitted times 2^−labelExponent (exact), the model's leaves and
        // base score scaled back, so residuals and gradients stay finite floats (LabelScaling).
        var labelExponent = data.Task == TaskKind.Regression ? LabelScaling.Exponent(data.Labels, weights) : 0;
        var labelScale = Math.ScaleB(1.0, -labelExponent);
        var labels = LabelScaling.Scale(data.Labels, labelExponent);

        var baseScores = BaseScores(data.Task, labels, weights, k);
        var scores = new double[k * n];
        for (var c = 0; c < k; c++)
        {
            scores.AsSpan(c * n, n).Fill(baseScores[c]);
        }

        var gradients = new float[k][];
        var hessians = new float[k][];
        for (var c = 0; c < k; c++)
        {
            gradients[c] = new float[n];
            hessians[c] = new float[n];
        }

        var allGradients = k > 1 ? new float[k * n] : [];
        var allHessians = k > 1 ? new float[k * n] : [];
        var scratch = new double[Math.Max(n, k)];

        // Validation rows for early stopping, binned with the training binners.
        BinnedData? validation = null;
        double[] validationScores = [];
        float[] validationLabels = [];
        if (o.EarlyStoppingRounds > 0 && data.Validation is { } v && v.Features.RowCount > 0)
        {
            var validationFeatures = v.Features;
            if (validationFeatures.ColumnCount != featureCount)
            {
                throw new ArgumentException($"Validation rows have {validationFeatures.ColumnCount} features; training rows have {featureCount}.", nameof(data));
            }

            validation = BinnedData.Apply(validationFeatures, binned.Binners, dop, cancellationToken);
            validationScores = new double[k * validation.RowCount];
            for (var c = 0; c < k; c++)
            {
                validationScores.AsSpan(c * validation.RowCount, validation.RowCount).Fill(baseScores[c]);
            }

            validationLabels = LabelScaling.Scale(v.Labels, labelExponent);
        }

        var settings = new GrowerSettings
        {
            MaximumLeaves = o.NumberOfLeaves,
            MaximumDepth = o.MaximumDepth,
            MinimumCount = o.MinimumExampleCountPerLeaf,
            MinimumHessian = o.MinimumSumHessianPerLeaf,
            // Gradients scale with the labels, gains with their square: scaled alike, the trees are the unscaled ones.
            L1 = o.L1Regularization * labelScale,
            L2 = o.L2Regularization,
            MinimumGain = o.MinimumSplitGain * labelScale * labelScale,
            Monotone = monotone,
            CategoricalSmoothing = o.CategoricalSmoothing,
            CategoricalL2 = o.CategoricalL2Regularization,
            MinimumCountPerCategory = o.MinimumExampleCountPerCategory,
            MaximumCategoricalSplitSize = o.MaximumCategoricalSplitSize,
        };
        var grower = new TreeGrower(binned, settings, dop);
        var builder = new TreeEnsembleBuilder(binned.Binners, featureCount);
        var random = new Random(o.Seed);
        var bagging = o.RowSubsampleFraction < 1;
        var bagRows = bagging ? new int[n] : null;
        var active = new int[featureCount];
        var activeCount = featureCount;
        var bestLoss = double.PositiveInfinity;
        var bestRound = -1;
        var weightSpan = weights ?? [];

        for (var round = 0; round < o.NumberOfTrees; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ComputeGradients(data.Task, scores, labels, weightSpan, k, scratch, gradients, hessians, allGradients, allHessians);

            var bagCount = n;
            if (bagging)
            {
                bagCount = 0;
                for (var i = 0; i < n; i++)
                {
                    if (random.NextDouble() < o.RowSubsampleFraction)
                    {
                        bagRows![bagCount++] = i;
                    }
                }

                if (bagCount == 0)
                {
                    bagRows![bagCount++] = random.Next(n);
                }
            }

            activeCount = SampleFeatures(active, featureCount, o.FeatureSubsampleFraction, random);
            for (var c = 0; c < k; c++)
            {
                var tree = grower.Grow(gradients[c], hessians[c], bagRows, bagCount, active, activeCount, null, cancellationToken);
                builder.Add(tree, labelExponent == 0 ? o.LearningRate : Math.ScaleB(o.LearningRate, labelExponent), c);
                var leafValues = new double[tree.LeafCount];
                for (var l = 0; l < leafValues.Length; l++)
                {
                    // The same float the model stores, so training scores equal the model's margins.
                    leafValues[l] = (float)(tree.LeafValue[l] * o.LearningRate);
                }

                var classScores = scores.AsSpan(c * n, n);
                if (bagging)
                {
                    for (var i = 0; i < n; i++)
                    {
                        classScores[i] += leafValues[tree.LeafOf(binned, i)];
                    }
                }
                else
                {
                    var rows = grower.Rows;
                    for (var l = 0; l < tree.LeafCount; l++)
                    {
                        var (start, count) = grower.LeafRange(l);
                        var value = leafValues[l];
                        for (var i = start; i < start + count; i++)
                        {
                            classScores[rows[i]] += value;
                        }
                    }
                }

                if (validation is not null)
                {
                    var m = validation.RowCount;
                    var vs = validationScores.AsSpan(c * m, m);
                    for (var i = 0; i < m; i++)
                    {
                        vs[i] += leafValues[tree.LeafOf(validation, i)];
                    }
                }
            }

            if (validation is not null)
            {
                var loss = ValidationLoss(data.Task, validationScores, validationLabels, k);
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    bestRound = round;
                }
                else if (round - bestRound >= o.EarlyStoppingRounds)
                {
                    break;
                }
            }
        }

        if (validation is not null && bestRound >= 0)
        {
            builder.Truncate((bestRound + 1) * k);
        }

        var transform = data.Task switch
        {
            TaskKind.Binary => OutputTransform.Sigmoid,
            TaskKind.Multiclass => OutputTransform.Softmax,
            _ => OutputTransform.Identity,
        };
        if (labelExponent != 0)
        {
            baseScores[0] = Math.ScaleB(baseScores[0], labelExponent);
        }

        var ensemble = builder.Build(k, baseScores, average: false);
        return new GbdtModel(new TreePredictorCore(ensemble, data.Task, transform));
    }

    private static void ComputeGradients(
        TaskKind task, double[] scores, float[] labels, float[] weights, int k, double[] scratch, float[][] gradients, float[][] hessians,
        float[] allGradients, float[] allHessians)
    {
        var n = labels.Length;
        switch (task)
        {
            case TaskKind.Binary:
                TreeGradients.Logistic(scores, labels, weights, scratch.AsSpan(0, n), gradients[0], hessians[0]);
                break;
            case TaskKind.Regression:
                TreeGradients.SquaredError(scores, labels, weights, gradients[0], hessians[0]);
                break;
            default:
                TreeGradients.Softmax(scores, labels, weights, k, scratch, allGradients, allHessians);
                for (var c = 0; c < k; c++)
                {
                    allGradients.AsSpan(c * n, n).CopyTo(gradients[c]);
                    allHessians.AsSpan(c * n, n).CopyTo(hessians[c]);
                }

                break;
        }
    }

    private static double ValidationLoss(TaskKind task, double[] scores, float[] labels, int k)
    {
        var m = labels.Length;
        var total = 0.0;
        for (var i = 0; i < m; i++)
        {
            switch (task)
            {
                case TaskKind.Binary:
                {
                    var s = scores[i];
                    // log(1 + e^-s) for y = 1, log(1 + e^s) for y = 0, computed stably.
                    var z = labels[i] > 0.5f ? -s : s;
                    total += z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                    break;
                }

                case TaskKind.Regression:
                {
                    var d = scores[i] - labels[i];
                    total += d * d;
                    break;
                }

                default:
                {
                    var max = double.NegativeInfinity;
                    for (var c = 0; c < k; c++)
                    {
                        max = Math.Max(max, scores[c * m + i]);
                    }

                    var sum = 0.0;
                    for (var c = 0; c < k; c++)
                    {
                        sum += Math.Exp(scores[c * m + i] - max);
                    }

                    total += Math.Log(sum) + max - scores[(int)labels[i] * m + i];
                    break;
                }
            }
        }

        return total / Math.Max(m, 1);
    }

    private static int SampleFeatures(int[] active, int featureCount, double fraction, Random random)
    {
        for (var f = 0; f < featureCount; f++)
        {
            active[f] = f;
        }

        if (fraction >= 1)
        {
            return featureCount;
        }

        var take = Math.Max(1, (int)Math.Round(fraction * featureCount));
        for (var i = 0; i < take; i++)
        {
            var j = random.Next(i, featureCount);
            (active[i], active[j]) = (active[j], active[i]);
        }

        Array.Sort(active, 0, take);
        return take;
    }

    private static float[]? RowWeights(TrainingSet data, GbdtOptions o)
    {
        var classWeights = o.ClassWeights;
        var positive = data.Task == TaskKind.Binary ? (float)o.ScalePositiveWeight : 1f;
        if (data.Weights is null && classWeights is null && positive == 1f)
        {
            return null;
        }

        var n = data.Labels.Length;
        var weights = new float[n];
        for (var i = 0; i < n; i++)
        {
            var w = data.Weights?[i] ?? 1f;
            if (data.Task != TaskKind.Regression)
            {
                var label = (int)data.Labels[i];
                if (classWeights is not null)
                {
                    w *= classWeights[label];
                }

                if (label == 1)
                {
                    w *= positive;
                }
            }

            weights[i] = w;
        }

        return weights;
    }

    private static double[] BaseScores(TaskKind task, float[] labels, float[]? weights, int k)
    {
        var scores = new double[k];
        double total = 0;
        var sums = new double[Math.Max(k, 2)];
        for (var i = 0; i < labels.Length; i++)
        {
            var w = weights?[i] ?? 1f;
            total += w;
            switch (task)
            {
                case TaskKind.Regression:
                    sums[0] += w * labels[i];
                    break;
                default:
                    sums[(int)labels[i]] += w;
                    break;
            }
        }

        if (total <= 0)
        {
            return scores;
        }

        const double Floor = 1e-6;
        switch (task)
        {
            case TaskKind.Regression:
                scores[0] = sums[0] / total;
                break;
            case TaskKind.Binary:
            {
                var p = Math.Clamp(sums[1] / total, Floor, 1 - Floor);
                scores[0] = Math.Log(p / (1 - p));
                break;
            }

            default:
                for (var c = 0; c < k; c++)
                {
                    scores[c] = Math.Log(Math.Max(sums[c] / total, Floor));
                }

                break;
        }

        return scores;
    }
}
