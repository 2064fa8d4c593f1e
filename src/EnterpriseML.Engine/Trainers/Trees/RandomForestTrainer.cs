using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>The default hyperparameters of <see cref="RandomForestTrainer"/>.</summary>
public static class RandomForestDefaults
{
    public const int NumberOfTrees = 300;
    public const double FeatureSubsampleFraction = 0;
    public const int MinimumExampleCountPerLeaf = 1;
    public const int MaximumDepth = 0;
    public const int MaximumBinCountPerFeature = 255;
    public const double BootstrapFraction = 1;
    public const int Seed = 42;
}

/// <summary>Options of <see cref="RandomForestTrainer"/>, settable by name; <see cref="Validate"/> names a bad option.</summary>
public sealed class RandomForestOptions
{
    /// <summary>Trees in the forest. Default 300; range [1, 100000].</summary>
    public int NumberOfTrees { get; set; } = RandomForestDefaults.NumberOfTrees;

    /// <summary>
    /// Fraction of features tried at each split; 0 = automatic (√F / F for classification, all features for
    /// regression, as scikit-learn). Default 0; range [0, 1].
    /// </summary>
    public double FeatureSubsampleFraction { get; set; } = RandomForestDefaults.FeatureSubsampleFraction;

    /// <summary>Minimum distinct training rows in a leaf. Default 1; range [1, 2^30].</summary>
    public int MinimumExampleCountPerLeaf { get; set; } = RandomForestDefaults.MinimumExampleCountPerLeaf;

    /// <summary>Maximum depth; 0 = unlimited. Default 0; range [0, 256].</summary>
    public int MaximumDepth { get; set; } = RandomForestDefaults.MaximumDepth;

    /// <summary>Maximum value bins per feature. Default 255; range [2, 255].</summary>
    public int MaximumBinCountPerFeature { get; set; } = RandomForestDefaults.MaximumBinCountPerFeature;

    /// <summary>Bootstrap sample size as a fraction of the training rows (drawn with replacement). Default 1; range (0, 1].</summary>
    public double BootstrapFraction { get; set; } = RandomForestDefaults.BootstrapFraction;

    /// <summary>Seed; tree t uses a generator derived from (Seed, t). Default 42.</summary>
    public int Seed { get; set; } = RandomForestDefaults.Seed;

    /// <summary>Trees grown at once; −1 = all cores. Results do not depend on it. Default −1; −1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>
    /// Per-feature monotone constraints for binary and regression forests: +1 = the prediction never decreases as the
    /// feature grows, −1 = never increases, 0 = free. Every tree keeps them (as in <see cref="GbdtOptions"/>), so
    /// their average does too. Shorter arrays leave the remaining features free; categorical features must be 0.
    /// Default null.
    /// </summary>
    public int[]? MonotoneConstraints { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option outside its range.</summary>
    public void Validate()
    {
        GbdtOptions.Check(NumberOfTrees is >= 1 and <= 100_000, nameof(NumberOfTrees), NumberOfTrees, "Must be in [1, 100000].");
        GbdtOptions.Check(FeatureSubsampleFraction is >= 0 and <= 1, nameof(FeatureSubsampleFraction), FeatureSubsampleFraction, "Must be in [0, 1].");
        GbdtOptions.Check(MinimumExampleCountPerLeaf is >= 1 and <= 1 << 30, nameof(MinimumExampleCountPerLeaf), MinimumExampleCountPerLeaf, "Must be in [1, 2^30].");
        GbdtOptions.Check(MaximumDepth is >= 0 and <= 256, nameof(MaximumDepth), MaximumDepth, "Must be in [0, 256].");
        GbdtOptions.Check(MaximumBinCountPerFeature is >= 2 and <= 255, nameof(MaximumBinCountPerFeature), MaximumBinCountPerFeature, "Must be in [2, 255].");
        GbdtOptions.Check(BootstrapFraction is > 0 and <= 1, nameof(BootstrapFraction), BootstrapFraction, "Must be in (0, 1].");
        GbdtOptions.Check(MaxDegreeOfParallelism == -1 || MaxDegreeOfParallelism is >= 1 and <= 1024, nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be -1 or in [1, 1024].");
        foreach (var c in MonotoneConstraints ?? [])
        {
            GbdtOptions.Check(c is >= -1 and <= 1, nameof(MonotoneConstraints), c, "Every constraint must be -1, 0 or +1.");
        }
    }

    internal RandomForestOptions Clone()
    {
        var copy = (RandomForestOptions)MemberwiseClone();
        copy.MonotoneConstraints = (int[]?)MonotoneConstraints?.Clone();
        return copy;
    }
}

/// <summary>
/// Random forest (Breiman 2001, "Random Forests"): bootstrap samples, a fresh random subset of features at every
/// split, fully grown trees by default. Classification trees minimise Gini impurity, which for two classes is the
/// variance of the 0/1 label, so leaves hold the class-1 frequency and the forest outputs their mean; regression
/// trees minimise squared error. Splits are found on histograms of binned features (categorical levels ordered by
/// their mean label). For k classes, each bootstrap sample grows k trees, one per class on that class's 0/1 indicator
/// (the per-class form of the Gini split), and the output is the mean class frequencies scaled to sum to 1.
/// Trees grow in parallel, each from its own seed, and are combined in index order, so the model is identical for
/// any thread count. A sparse block (text) is binned and searched without densifying it (see <see cref="BinnedData"/>).
/// </summary>
public sealed class RandomForestTrainer : ITrainer
{
    private const int BinSampleSize = 200_000;
    private readonly RandomForestOptions _options;

    public RandomForestTrainer(int numberOfTrees = RandomForestDefaults.NumberOfTrees, int seed = RandomForestDefaults.Seed)
        : this(new RandomForestOptions { NumberOfTrees = numberOfTrees, Seed = seed })
    {
    }

    public RandomForestTrainer(RandomForestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
    }

    public string Name => "random-forest";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var o = _options;
        // Multiclass: each bootstrap sample grows one tree per class on that class's indicator (squared-error splits on
        // a 0/1 target are Gini splits for that class), so each class's leaf holds its frequency in the leaf.
        var classes = data.Task == TaskKind.Multiclass ? data.ClassCount : 1;
        TreeInput.ValidateLabels(data);
        var features = data.Features;
        var n = features.RowCount;
        if (n == 0)
        {
            throw new ArgumentException("A random forest needs at least one training row.", nameof(data));
        }

        var featureCount = features.ColumnCount;
        var monotone = TreeInput.Monotone(features, o.MonotoneConstraints);
        if (monotone is not null && classes > 1 && Array.Exists(monotone, c => c != 0))
        {
            // Each class's tree would be monotone in its own frequency, but scaling the k frequencies to sum to 1 is not.
            GbdtOptions.Check(false, nameof(RandomForestOptions.MonotoneConstraints), data.ClassCount,
                "Monotone constraints need a binary or regression forest, not a multiclass one.");
        }

        var binned = BinnedData.Fit(features, o.MaximumBinCountPerFeature, BinSampleSize, o.Seed, o.MaxDegreeOfParallelism, cancellationToken);
        var fraction = o.FeatureSubsampleFraction > 0
            ? o.FeatureSubsampleFraction
            : data.Task == TaskKind.Regression ? 1.0 : Math.Sqrt(featureCount) / featureCount;
        // No features at all (only a text column without a word, say): every tree is one leaf, as GBDT's are; the
        // clamp's upper bound of 0 had thrown "'1' cannot be greater than 0".
        var featuresPerNode = Math.Clamp((int)Math.Max(1, Math.Floor(fraction * featureCount)), 1, Math.Max(1, featureCount));
        var weights = data.Weights;
        // Regression targets near the float limit are grown on times 2^−labelExponent (exact; LabelScaling): a target
        // times its bootstrap multiplicity, or their sum in a bin, must stay a finite float. The leaves are scaled back.
        var labelExponent = data.Task == TaskKind.Regression ? LabelScaling.Exponent(data.Labels, weights) : 0;
        var labels = LabelScaling.Scale(data.Labels, labelExponent);
        var sampleSize = Math.Max(1, (int)Math.Round(o.BootstrapFraction * n));
        var trees = new BinTree[o.NumberOfTrees * classes];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        // 0/1 targets (classification) let the grower recognise pure nodes from their sums.
        var indicators = data.Task != TaskKind.Regression;
        Parallel.For(
            0,
            o.NumberOfTrees,
            parallel,
            () => new Worker(new ForestGrower(binned, featuresPerNode, o.MinimumExampleCountPerLeaf, o.MaximumDepth, indicators, monotone), n),
            (t, _, worker) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var random = new Random(unchecked((o.Seed * 1_000_003) + (t * 7919) + 17));
                var multiplicity = worker.Multiplicity;
                Array.Clear(multiplicity);
                for (var s = 0; s < sampleSize; s++)
                {
                    multiplicity[random.Next(n)]++;
                }

                // The bootstrap as integer weights: each drawn row once, its hessian its multiplicity (times its weight).
                var rows = worker.Grower.RootRows;
                var pairs = worker.Grower.RootPairs;
                for (var c = 0; c < classes; c++)
                {
                    var count = 0;
                    for (var i = 0; i < n; i++)
                    {
                        var m = multiplicity[i];
                        if (m == 0)
                        {
                            continue;
                        }

                        var w = m * (weights?[i] ?? 1f);
                        var target = classes == 1 ? labels[i] : labels[i] == c ? 1f : 0f;
                        rows[count] = i;
                        pairs[count++] = new GradientPair { Gradient = -target * w, Hessian = w };
                    }

                    trees[(t * classes) + c] = worker.Grower.Grow(count, random, cancellationToken);
                }

                return worker;
            },
            _ => { });

        var builder = new TreeEnsembleBuilder(binned.Binners, featureCount);
        long totalNodes = 0, totalLeaves = 0;
        foreach (var tree in trees)
        {
            totalNodes += tree.NodeCount;
            totalLeaves += tree.LeafCount;
        }

        builder.Reserve((int)Math.Min(totalNodes, Array.MaxLength), (int)Math.Min(totalLeaves, Array.MaxLength));
        for (var i = 0; i < trees.Length; i++)
        {
            builder.Add(trees[i], Math.ScaleB(1.0, labelExponent), i % classes);
        }

        var transform = data.Task switch
        {
            TaskKind.Binary => OutputTransform.Probability,
            TaskKind.Multiclass => OutputTransform.NormalizedProbabilities,
            _ => OutputTransform.Identity,
        };
        var ensemble = builder.Build(classes, new double[classes], average: true);
        return new RandomForestModel(new TreePredictorCore(ensemble, data.Task, transform));
    }

    private sealed class Worker(ForestGrower grower, int n)
    {
        public ForestGrower Grower { get; } = grower;

        public int[] Multiplicity { get; } = new int[n];
    }
}
