using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios.General;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;
using EnterpriseML.Engine.Trainers.Trees;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>
/// The general-purpose candidates every scenario enters: featurisation by inferred column type (text by TF-IDF)
/// with the general trainers, each with its search space. Search-space defaults are the low-cost configurations
/// cost-frugal search starts from (few small trees, strong regularisation). Scenarios add their specialised
/// candidates to this list.
/// </summary>
public static class GeneralCandidates
{
    /// <summary>The GBDT search space (declared here, beside the candidate that uses it).</summary>
    internal static SearchSpace GbdtSpace { get; } = new SearchSpace(
        SearchParameter.Int("NumberOfTrees", 10, 2000, 20, SearchScale.Log),
        SearchParameter.Int("NumberOfLeaves", 4, 256, 4, SearchScale.Log),
        SearchParameter.Float("LearningRate", 0.005, 0.5, 0.1, SearchScale.Log),
        SearchParameter.Int("MinimumExampleCountPerLeaf", 2, 128, 20, SearchScale.Log),
        SearchParameter.Float("FeatureSubsampleFraction", 0.3, 1.0, 1.0),
        SearchParameter.Float("RowSubsampleFraction", 0.5, 1.0, 1.0),
        SearchParameter.Float("L2Regularization", 1e-3, 100, 1e-3, SearchScale.Log))
        // Two known-good starting points, tried right after the cheap start: the usual library default (LightGBM's
        // 100 trees × 31 leaves at rate 0.1), and the usual advice for small or noisy data (a low rate with more,
        // smaller trees and row/feature subsampling), which local search reaches only slowly from the cheap start.
        .WithWarmStart(new Dictionary<string, double>
        {
            ["NumberOfTrees"] = 100,
            ["NumberOfLeaves"] = 31,
            ["LearningRate"] = 0.1,
            ["MinimumExampleCountPerLeaf"] = 20,
        })
        .WithWarmStart(new Dictionary<string, double>
        {
            ["NumberOfTrees"] = 500,
            ["NumberOfLeaves"] = 15,
            ["LearningRate"] = 0.02,
            ["MinimumExampleCountPerLeaf"] = 20,
            ["FeatureSubsampleFraction"] = 0.7,
            ["RowSubsampleFraction"] = 0.8,
        });

    /// <summary>
    /// The random-forest search space: the tree count, leaf size and the per-split feature fraction. A forest's trees
    /// are averaged, so more of them only lower its variance: the count is a price, not a way to fit the data
    /// better. Below about 100 trees the forest's own randomness moves its validation score by as much as the other
    /// options do, and a search of hundreds of trials then picks a lucky small forest that does worse on new rows
    /// (credit-german, six splits: 92 → 300 trees +0.008 test AUC on average; docs/benchmarks.md). So the count
    /// starts at 100, not lower.
    /// </summary>
    internal static SearchSpace RandomForestSpace { get; } = new SearchSpace(
        SearchParameter.Int("NumberOfTrees", 100, 1000, 100, SearchScale.Log),
        SearchParameter.Int("MinimumExampleCountPerLeaf", 1, 32, 2, SearchScale.Log),
        SearchParameter.Float("FeatureSubsampleFraction", 0.05, 1.0, 0.3))
        // Fully grown trees and more of them, as the usual forest defaults, tried right after the cheap start.
        .WithWarmStart(new Dictionary<string, double>
        {
            ["NumberOfTrees"] = 300,
            ["MinimumExampleCountPerLeaf"] = 1,
        });

    /// <summary>The general candidates for <paramref name="task"/>; <paramref name="columns"/> says which columns hold text.</summary>
    public static IReadOnlyList<ICandidate> For(TaskKind task, ScenarioColumns columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var hasText = columns.TextColumns.Count > 0;

        // One options object per featurisation, shared by the candidates that use it (and the featurisation cache).
        var trees = FeaturizerOptions.Trees;
        trees.TextColumns = columns.TextColumns;
        trees.Text.MaximumVocabularySize = 5_000;
        trees.Text.MinimumDocumentFrequency = 2;
        var linear = FeaturizerOptions.Linear;
        linear.TextColumns = columns.TextColumns;
        var counts = FeaturizerOptions.Linear;
        counts.TextColumns = columns.TextColumns;
        counts.NumericScaling = NumericScaling.MinMax;
        counts.AddMissingIndicators = false;
        var candidates = new List<ICandidate>
        {
            new GeneralCandidate("gbdt", "gbdt", GbdtSpace, trees, Gbdt),
        };

        candidates.Add(new GeneralCandidate("random-forest", "random-forest", RandomForestSpace, trees, RandomForest));
        if (task == TaskKind.Regression)
        {
            candidates.Add(new GeneralCandidate("ridge", "ridge", LinearSearchSpaces.Ridge, linear,
                static (p, _, threads) => new RidgeTrainer(LinearSearchSpaces.ToRidgeOptions(p, threads))));
            return candidates;
        }

        candidates.Add(new GeneralCandidate("logistic-regression", "logistic-regression", LinearSearchSpaces.LogisticRegression, linear,
            static (p, _, threads) => new LogisticRegressionTrainer(LinearSearchSpaces.ToLogisticRegressionOptions(p, threads))));

        if (task == TaskKind.Binary)
        {
            candidates.Add(new GeneralCandidate("linear-svm", "linear-svm", LinearSearchSpaces.LinearSvm, linear,
                static (p, seed, threads) => new LinearSvmTrainer(LinearSearchSpaces.ToLinearSvmOptions(p, seed, threads))));
        }

        if (hasText)
        {
            candidates.Add(new GeneralCandidate("naive-bayes", "naive-bayes", LinearSearchSpaces.NaiveBayes, counts,
                static (p, _, _) => new NaiveBayesTrainer(LinearSearchSpaces.ToNaiveBayesOptions(p))));
        }

        return candidates;
    }

    private static RandomForestTrainer RandomForest(ParameterSet p, int seed, int threads) => new(ToRandomForestOptions(p, seed, threads));

    /// <summary>
    /// Random-forest options from a point of <see cref="RandomForestSpace"/> (also used by the monotone-forest check
    /// of the <c>credit-monotone</c> benchmark, which sets constraints on the result).
    /// </summary>
    internal static RandomForestOptions ToRandomForestOptions(ParameterSet p, int seed, int threads) => new()
    {
        NumberOfTrees = p.GetInt("NumberOfTrees"),
        MinimumExampleCountPerLeaf = p.GetInt("MinimumExampleCountPerLeaf"),
        FeatureSubsampleFraction = p.GetDouble("FeatureSubsampleFraction"),
        Seed = seed,
        MaxDegreeOfParallelism = threads,
    };

    private static GbdtTrainer Gbdt(ParameterSet p, int seed, int threads) => new(ToGbdtOptions(p, seed, threads));

    /// <summary>
    /// GBDT options from a point of <see cref="GbdtSpace"/> (or of a space that extends it); the specialised GBDT
    /// candidates set their own options (monotone constraints, positive weight) on the result.
    /// </summary>
    internal static GbdtOptions ToGbdtOptions(ParameterSet p, int seed, int threads) => new()
    {
        NumberOfTrees = p.GetInt("NumberOfTrees"),
        NumberOfLeaves = p.GetInt("NumberOfLeaves"),
        LearningRate = p.GetDouble("LearningRate"),
        MinimumExampleCountPerLeaf = p.GetInt("MinimumExampleCountPerLeaf"),
        FeatureSubsampleFraction = p.GetDouble("FeatureSubsampleFraction"),
        RowSubsampleFraction = p.GetDouble("RowSubsampleFraction"),
        L2Regularization = p.GetDouble("L2Regularization"),
        Seed = seed,
        MaxDegreeOfParallelism = threads,
    };
}
