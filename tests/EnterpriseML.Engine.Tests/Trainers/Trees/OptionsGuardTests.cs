using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

public sealed class OptionsGuardTests
{
    public static TheoryData<string, Action<GbdtOptions>> BadGbdtOptions => new()
    {
        { nameof(GbdtOptions.NumberOfTrees), o => o.NumberOfTrees = 0 },
        { nameof(GbdtOptions.NumberOfTrees), o => o.NumberOfTrees = 100_001 },
        { nameof(GbdtOptions.NumberOfLeaves), o => o.NumberOfLeaves = 1 },
        { nameof(GbdtOptions.NumberOfLeaves), o => o.NumberOfLeaves = 131_073 },
        { nameof(GbdtOptions.LearningRate), o => o.LearningRate = 0 },
        { nameof(GbdtOptions.LearningRate), o => o.LearningRate = 1.01 },
        { nameof(GbdtOptions.LearningRate), o => o.LearningRate = double.NaN },
        { nameof(GbdtOptions.MinimumExampleCountPerLeaf), o => o.MinimumExampleCountPerLeaf = 0 },
        { nameof(GbdtOptions.MinimumSumHessianPerLeaf), o => o.MinimumSumHessianPerLeaf = -1e-9 },
        { nameof(GbdtOptions.MinimumSumHessianPerLeaf), o => o.MinimumSumHessianPerLeaf = 2e9 },
        { nameof(GbdtOptions.L1Regularization), o => o.L1Regularization = -1 },
        { nameof(GbdtOptions.L1Regularization), o => o.L1Regularization = double.PositiveInfinity },
        { nameof(GbdtOptions.L2Regularization), o => o.L2Regularization = -1 },
        { nameof(GbdtOptions.L2Regularization), o => o.L2Regularization = 2e9 },
        { nameof(GbdtOptions.MinimumSplitGain), o => o.MinimumSplitGain = -0.1 },
        { nameof(GbdtOptions.MinimumSplitGain), o => o.MinimumSplitGain = 2e9 },
        { nameof(GbdtOptions.MaximumBinCountPerFeature), o => o.MaximumBinCountPerFeature = 1 },
        { nameof(GbdtOptions.MaximumBinCountPerFeature), o => o.MaximumBinCountPerFeature = 256 },
        { nameof(GbdtOptions.MaximumDepth), o => o.MaximumDepth = -1 },
        { nameof(GbdtOptions.MaximumDepth), o => o.MaximumDepth = 65 },
        { nameof(GbdtOptions.RowSubsampleFraction), o => o.RowSubsampleFraction = 0 },
        { nameof(GbdtOptions.RowSubsampleFraction), o => o.RowSubsampleFraction = 1.5 },
        { nameof(GbdtOptions.FeatureSubsampleFraction), o => o.FeatureSubsampleFraction = 0 },
        { nameof(GbdtOptions.FeatureSubsampleFraction), o => o.FeatureSubsampleFraction = 1.5 },
        { nameof(GbdtOptions.ScalePositiveWeight), o => o.ScalePositiveWeight = 0 },
        { nameof(GbdtOptions.ScalePositiveWeight), o => o.ScalePositiveWeight = 2e6 },
        { nameof(GbdtOptions.EarlyStoppingRounds), o => o.EarlyStoppingRounds = -1 },
        { nameof(GbdtOptions.EarlyStoppingRounds), o => o.EarlyStoppingRounds = 100_001 },
        { nameof(GbdtOptions.MinimumExampleCountPerCategory), o => o.MinimumExampleCountPerCategory = 0 },
        { nameof(GbdtOptions.CategoricalSmoothing), o => o.CategoricalSmoothing = -1 },
        { nameof(GbdtOptions.CategoricalSmoothing), o => o.CategoricalSmoothing = 2e9 },
        { nameof(GbdtOptions.CategoricalL2Regularization), o => o.CategoricalL2Regularization = -1 },
        { nameof(GbdtOptions.CategoricalL2Regularization), o => o.CategoricalL2Regularization = 2e9 },
        { nameof(GbdtOptions.MaximumCategoricalSplitSize), o => o.MaximumCategoricalSplitSize = 0 },
        { nameof(GbdtOptions.MaximumCategoricalSplitSize), o => o.MaximumCategoricalSplitSize = 256 },
        { nameof(GbdtOptions.MaxDegreeOfParallelism), o => o.MaxDegreeOfParallelism = 0 },
        { nameof(GbdtOptions.MaxDegreeOfParallelism), o => o.MaxDegreeOfParallelism = -2 },
        { nameof(GbdtOptions.MaxDegreeOfParallelism), o => o.MaxDegreeOfParallelism = 1025 },
        { nameof(GbdtOptions.ClassWeights), o => o.ClassWeights = [1, 0] },
        { nameof(GbdtOptions.ClassWeights), o => o.ClassWeights = [1, float.NaN] },
        { nameof(GbdtOptions.MonotoneConstraints), o => o.MonotoneConstraints = [0, 2] },
        { nameof(GbdtOptions.MonotoneConstraints), o => o.MonotoneConstraints = [-2] },
    };

    [Theory]
    [MemberData(nameof(BadGbdtOptions))]
    public void GbdtOptionsValidate_OutOfRange_ThrowsNamingTheOption(string name, Action<GbdtOptions> set)
    {
        var options = new GbdtOptions();
        set(options);
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(name, error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GbdtTrainer(options));
    }

    [Fact]
    public void GbdtOptionsValidate_Defaults_Pass()
    {
        new GbdtOptions().Validate();
        new GbdtOptions { NumberOfTrees = 1, NumberOfLeaves = 2, LearningRate = 1, MaximumBinCountPerFeature = 2, MaximumDepth = 64, MonotoneConstraints = [-1, 0, 1] }.Validate();
    }

    public static TheoryData<string, Action<RandomForestOptions>> BadForestOptions => new()
    {
        { nameof(RandomForestOptions.NumberOfTrees), o => o.NumberOfTrees = 0 },
        { nameof(RandomForestOptions.NumberOfTrees), o => o.NumberOfTrees = 100_001 },
        { nameof(RandomForestOptions.FeatureSubsampleFraction), o => o.FeatureSubsampleFraction = -0.1 },
        { nameof(RandomForestOptions.FeatureSubsampleFraction), o => o.FeatureSubsampleFraction = 1.1 },
        { nameof(RandomForestOptions.MinimumExampleCountPerLeaf), o => o.MinimumExampleCountPerLeaf = 0 },
        { nameof(RandomForestOptions.MaximumDepth), o => o.MaximumDepth = -1 },
        { nameof(RandomForestOptions.MaximumDepth), o => o.MaximumDepth = 257 },
        { nameof(RandomForestOptions.MaximumBinCountPerFeature), o => o.MaximumBinCountPerFeature = 1 },
        { nameof(RandomForestOptions.MaximumBinCountPerFeature), o => o.MaximumBinCountPerFeature = 256 },
        { nameof(RandomForestOptions.BootstrapFraction), o => o.BootstrapFraction = 0 },
        { nameof(RandomForestOptions.BootstrapFraction), o => o.BootstrapFraction = 1.1 },
        { nameof(RandomForestOptions.MaxDegreeOfParallelism), o => o.MaxDegreeOfParallelism = 0 },
        { nameof(RandomForestOptions.MaxDegreeOfParallelism), o => o.MaxDegreeOfParallelism = 1025 },
    };

    [Theory]
    [MemberData(nameof(BadForestOptions))]
    public void RandomForestOptionsValidate_OutOfRange_ThrowsNamingTheOption(string name, Action<RandomForestOptions> set)
    {
        var options = new RandomForestOptions();
        set(options);
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(name, error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomForestTrainer(options));
    }

    [Fact]
    public void GbdtTrainer_OptionsChangedAfterConstruction_DoNotAffectTrainer()
    {
        var options = new GbdtOptions { NumberOfTrees = 3 };
        var trainer = new GbdtTrainer(options);
        options.NumberOfTrees = 50;
        var data = TreeTestData.Synthetic(300, 1, out _, out var binary, out _);
        var model = (GbdtModel)trainer.Fit(new Engine.Trainers.TrainingSet(data, binary, Engine.Trainers.TaskKind.Binary));
        Assert.Equal(3, model.TreeCount);
    }
}
