namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>The default hyperparameters of <see cref="GbdtTrainer"/>, shared by its constructors and options.</summary>
public static class GbdtDefaults
{
    public const int NumberOfTrees = 100;
    public const int NumberOfLeaves = 31;
    public const double LearningRate = 0.1;
    public const int MinimumExampleCountPerLeaf = 20;
    public const double MinimumSumHessianPerLeaf = 1e-3;
    public const double L1Regularization = 0;
    public const double L2Regularization = 0;
    public const double MinimumSplitGain = 0;
    public const int MaximumBinCountPerFeature = 255;
    public const int MaximumDepth = 0;
    public const double RowSubsampleFraction = 1;
    public const double FeatureSubsampleFraction = 1;
    public const double ScalePositiveWeight = 1;
    public const int EarlyStoppingRounds = 0;
    public const int MinimumExampleCountPerCategory = 10;
    public const double CategoricalSmoothing = 10;
    public const double CategoricalL2Regularization = 10;
    public const int MaximumCategoricalSplitSize = 32;
    public const int Seed = 42;
}

/// <summary>
/// Options of <see cref="GbdtTrainer"/>. Settable by name (the CLI's <c>--set Name=Value</c>); <see cref="Validate"/>
/// names the first bad option. The trainer copies them, so changing an instance after constructing a trainer has no
/// effect on it.
/// </summary>
public sealed class GbdtOptions
{
    /// <summary>Boosting rounds (one tree per round, K per round for K classes). Default 100; range [1, 100000].</summary>
    public int NumberOfTrees { get; set; } = GbdtDefaults.NumberOfTrees;

    /// <summary>Maximum leaves per tree (leaf-wise growth). Default 31; range [2, 131072].</summary>
    public int NumberOfLeaves { get; set; } = GbdtDefaults.NumberOfLeaves;

    /// <summary>Shrinkage applied to each tree. Default 0.1; range (0, 1].</summary>
    public double LearningRate { get; set; } = GbdtDefaults.LearningRate;

    /// <summary>Minimum training rows in a leaf. Default 20; range [1, 2^30].</summary>
    public int MinimumExampleCountPerLeaf { get; set; } = GbdtDefaults.MinimumExampleCountPerLeaf;

    /// <summary>Minimum sum of hessians in a leaf. Default 1e-3; range [0, 1e9].</summary>
    public double MinimumSumHessianPerLeaf { get; set; } = GbdtDefaults.MinimumSumHessianPerLeaf;

    /// <summary>L1 penalty on leaf values. Default 0; range [0, 1e9].</summary>
    public double L1Regularization { get; set; } = GbdtDefaults.L1Regularization;

    /// <summary>L2 penalty on leaf values. Default 0; range [0, 1e9].</summary>
    public double L2Regularization { get; set; } = GbdtDefaults.L2Regularization;

    /// <summary>Minimum gain (twice the loss reduction) for a split. Default 0; range [0, 1e9].</summary>
    public double MinimumSplitGain { get; set; } = GbdtDefaults.MinimumSplitGain;

    /// <summary>Maximum value bins per feature (one more bin holds missing values). Default 255; range [2, 255].</summary>
    public int MaximumBinCountPerFeature { get; set; } = GbdtDefaults.MaximumBinCountPerFeature;

    /// <summary>Maximum tree depth; 0 = unlimited (leaves alone bound the tree). Default 0; range [0, 64].</summary>
    public int MaximumDepth { get; set; } = GbdtDefaults.MaximumDepth;

    /// <summary>Fraction of rows sampled (without replacement) per round; 1 disables bagging. Default 1; range (0, 1].</summary>
    public double RowSubsampleFraction { get; set; } = GbdtDefaults.RowSubsampleFraction;

    /// <summary>Fraction of features sampled per tree. Default 1; range (0, 1].</summary>
    public double FeatureSubsampleFraction { get; set; } = GbdtDefaults.FeatureSubsampleFraction;

    /// <summary>Per-class weights (length = class count, each &gt; 0; binary and multiclass only), or null for none. Default null.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>Binary only (another value than 1 is refused on other tasks): weight of positive rows relative to negative ones. Default 1; range (0, 1e6].</summary>
    public double ScalePositiveWeight { get; set; } = GbdtDefaults.ScalePositiveWeight;

    /// <summary>
    /// Per-feature monotone constraints: +1 = the prediction never decreases as the feature grows, −1 = never increases,
    /// 0 = free. Shorter arrays leave the remaining features free; categorical features must be 0. Default null.
    /// </summary>
    public int[]? MonotoneConstraints { get; set; }

    /// <summary>
    /// Stop when the validation loss (<see cref="TrainingSet.Validation"/>) has not improved for this many rounds and keep
    /// the best round; 0 disables. Default 0; range [0, 100000].
    /// </summary>
    public int EarlyStoppingRounds { get; set; } = GbdtDefaults.EarlyStoppingRounds;

    /// <summary>Categories with fewer training rows in a node are not split off on their own. Default 10; range [1, 2^30].</summary>
    public int MinimumExampleCountPerCategory { get; set; } = GbdtDefaults.MinimumExampleCountPerCategory;

    /// <summary>Added to the hessian sum when ordering categories by gradient/hessian. Default 10; range [0, 1e9].</summary>
    public double CategoricalSmoothing { get; set; } = GbdtDefaults.CategoricalSmoothing;

    /// <summary>Extra L2 penalty when scoring categorical splits. Default 10; range [0, 1e9].</summary>
    public double CategoricalL2Regularization { get; set; } = GbdtDefaults.CategoricalL2Regularization;

    /// <summary>Maximum categories sent left by one categorical split. Default 32; range [1, 255].</summary>
    public int MaximumCategoricalSplitSize { get; set; } = GbdtDefaults.MaximumCategoricalSplitSize;

    /// <summary>Seed of bagging, feature sampling and bin sampling. Default 42.</summary>
    public int Seed { get; set; } = GbdtDefaults.Seed;

    /// <summary>Threads used by training; −1 = all cores. Results do not depend on it. Default −1; −1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option outside its range.</summary>
    public void Validate()
    {
        Check(NumberOfTrees is >= 1 and <= 100_000, nameof(NumberOfTrees), NumberOfTrees, "Must be in [1, 100000].");
        Check(NumberOfLeaves is >= 2 and <= 131_072, nameof(NumberOfLeaves), NumberOfLeaves, "Must be in [2, 131072].");
        Check(LearningRate is > 0 and <= 1, nameof(LearningRate), LearningRate, "Must be in (0, 1].");
        Check(MinimumExampleCountPerLeaf is >= 1 and <= 1 << 30, nameof(MinimumExampleCountPerLeaf), MinimumExampleCountPerLeaf, "Must be in [1, 2^30].");
        Check(MinimumSumHessianPerLeaf is >= 0 and <= 1e9, nameof(MinimumSumHessianPerLeaf), MinimumSumHessianPerLeaf, "Must be in [0, 1e9].");
        Check(L1Regularization is >= 0 and <= 1e9, nameof(L1Regularization), L1Regularization, "Must be in [0, 1e9].");
        Check(L2Regularization is >= 0 and <= 1e9, nameof(L2Regularization), L2Regularization, "Must be in [0, 1e9].");
        Check(MinimumSplitGain is >= 0 and <= 1e9, nameof(MinimumSplitGain), MinimumSplitGain, "Must be in [0, 1e9].");
        Check(MaximumBinCountPerFeature is >= 2 and <= 255, nameof(MaximumBinCountPerFeature), MaximumBinCountPerFeature, "Must be in [2, 255].");
        Check(MaximumDepth is >= 0 and <= 64, nameof(MaximumDepth), MaximumDepth, "Must be in [0, 64].");
        Check(RowSubsampleFraction is > 0 and <= 1, nameof(RowSubsampleFraction), RowSubsampleFraction, "Must be in (0, 1].");
        Check(FeatureSubsampleFraction is > 0 and <= 1, nameof(FeatureSubsampleFraction), FeatureSubsampleFraction, "Must be in (0, 1].");
        Check(ScalePositiveWeight is > 0 and <= 1e6, nameof(ScalePositiveWeight), ScalePositiveWeight, "Must be in (0, 1e6].");
        Check(EarlyStoppingRounds is >= 0 and <= 100_000, nameof(EarlyStoppingRounds), EarlyStoppingRounds, "Must be in [0, 100000].");
        Check(MinimumExampleCountPerCategory is >= 1 and <= 1 << 30, nameof(MinimumExampleCountPerCategory), MinimumExampleCountPerCategory, "Must be in [1, 2^30].");
        Check(CategoricalSmoothing is >= 0 and <= 1e9, nameof(CategoricalSmoothing), CategoricalSmoothing, "Must be in [0, 1e9].");
        Check(CategoricalL2Regularization is >= 0 and <= 1e9, nameof(CategoricalL2Regularization), CategoricalL2Regularization, "Must be in [0, 1e9].");
        Check(MaximumCategoricalSplitSize is >= 1 and <= 255, nameof(MaximumCategoricalSplitSize), MaximumCategoricalSplitSize, "Must be in [1, 255].");
        Check(MaxDegreeOfParallelism == -1 || MaxDegreeOfParallelism is >= 1 and <= 1024, nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be -1 or in [1, 1024].");
        if (ClassWeights is { } weights)
        {
            foreach (var w in weights)
            {
                Check(w is > 0 and <= 1e6f, nameof(ClassWeights), w, "Every class weight must be in (0, 1e6].");
            }
        }

        if (MonotoneConstraints is { } constraints)
        {
            foreach (var c in constraints)
            {
                Check(c is >= -1 and <= 1, nameof(MonotoneConstraints), c, "Every constraint must be -1, 0 or +1.");
            }
        }
    }

    internal GbdtOptions Clone()
    {
        var copy = (GbdtOptions)MemberwiseClone();
        copy.ClassWeights = (float[]?)ClassWeights?.Clone();
        copy.MonotoneConstraints = (int[]?)MonotoneConstraints?.Clone();
        return copy;
    }

    internal static void Check(bool ok, string name, object value, string message)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, message);
        }
    }
}
