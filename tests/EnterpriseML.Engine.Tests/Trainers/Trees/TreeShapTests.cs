using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

/// <summary>
/// Tree SHAP (<see cref="TreeEnsemble.Explain"/>): the same values to the last bit as the recursive form of Lundberg's
/// Algorithm 2 that the engine ran before the walk became iterative, and on a tree 20,000 splits deep (what unlimited
/// depth grows on sorted unique data) loading, prediction and explanation run on a 256 KB stack with bounded memory,
/// giving the exact Shapley values.
/// </summary>
public sealed class TreeShapTests
{
    private const int ChainDepth = 20_000;
    private const int ChainFeatures = 6;

    public static IEnumerable<object[]> TrainedModels() =>
    [
        ["gbdt-binary-credit"], ["forest-binary-credit"], ["forest-deep-credit"], ["gbdt-multiclass"], ["forest-regression"],
    ];

    [Theory]
    [MemberData(nameof(TrainedModels))]
    public void Explain_TrainedModel_BitIdenticalToRecursiveReference(string name)
    {
        var (model, rows) = Trained(name);
        var ensemble = model.Core.Ensemble;
        var expected = new double[ensemble.FeatureCount];
        var actual = new double[ensemble.FeatureCount];
        foreach (var row in rows)
        {
            for (var output = 0; output < ensemble.OutputCount; output++)
            {
                var referenceBias = RecursiveTreeShap.Explain(ensemble, row, expected, output);
                var bias = ensemble.Explain(row, actual, output);
                Assert.Equal(BitConverter.DoubleToInt64Bits(referenceBias), BitConverter.DoubleToInt64Bits(bias));
                for (var j = 0; j < expected.Length; j++)
                {
                    Assert.True(
                        BitConverter.DoubleToInt64Bits(expected[j]) == BitConverter.DoubleToInt64Bits(actual[j]),
                        $"{name}, output {output}, feature {j}: reference {expected[j]:R}, engine {actual[j]:R}.");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TrainedModels))]
    public void Explain_PathsKeptOnlyEveryFewLevels_BitIdenticalToEveryLevelKept(string name)
    {
        var (model, rows) = Trained(name);
        var ensemble = model.Core.Ensemble;
        Assert.Equal(1, ensemble.CheckpointInterval);
        var everyLevel = new double[ensemble.FeatureCount];
        var sparse = new double[ensemble.FeatureCount];
        foreach (var row in rows.Take(10))
        {
            var bias = ensemble.Explain(row, everyLevel, 0, checkpointInterval: 1);
            foreach (var interval in new[] { 2, 3, 7, ensemble.MaximumDepth + 1 })
            {
                Assert.Equal(bias, ensemble.Explain(row, sparse, 0, interval));
                Assert.Equal(everyLevel, sparse);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadPredictExplain_TreeTwentyThousandSplitsDeepOnSmallStack_ExactShapleyValues(bool compactLayout)
    {
        var trained = MixedTable.Model("gbdt", TaskKind.Regression);
        var featureCount = trained.Features.Features.Length;
        var crafted = new ModelPipeline(
            trained.Schema, trained.Features, new GbdtModel(new TreePredictorCore(Chain(featureCount, compactLayout), TaskKind.Regression, OutputTransform.Identity)));
        using var file = new MemoryStream();
        crafted.Save(file);
        var rows = ChainRows(featureCount);

        // Everything from reading the file on runs on a thread with a 256 KB stack: a recursion as deep as the tree
        // overflows it, which no handler catches (the process ends), so a pass shows that none is left.
        GbdtModel? loaded = null;
        float[][] contributions = [.. rows.Select(_ => new float[featureCount])];
        var biases = new float[rows.Length];
        var single = new float[rows.Length];
        var batch = new float[rows.Length];
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    file.Position = 0;
                    loaded = (GbdtModel)ModelPipeline.Load(file).Predictor;
                    for (var r = 0; r < rows.Length; r++)
                    {
                        biases[r] = loaded.Explain(new FeatureRow(rows[r]), contributions[r]);
                        loaded.Predict(new FeatureRow(rows[r]), single.AsSpan(r, 1));
                    }

                    loaded.PredictBatch(Matrix(rows, featureCount), batch);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.NotNull(loaded);

        var ensemble = loaded.Core.Ensemble;
        Assert.Equal(ChainDepth, ensemble.MaximumDepth);
        Assert.Equal(compactLayout, ensemble.Compact is not null);

        // A path kept per level would be 20,000 paths of min(depth, features) + 1 elements: most are rebuilt instead.
        Assert.True(ensemble.CheckpointInterval > 1, $"Checkpoint interval {ensemble.CheckpointInterval}.");
        var margin = new double[1];
        for (var r = 0; r < rows.Length; r++)
        {
            ensemble.PredictRawReference(rows[r], margin);
            Assert.Equal((float)margin[0], single[r]);
            Assert.Equal((float)margin[0], batch[r]);
            Assert.Equal(margin[0], biases[r] + contributions[r].Sum(), 1e-3);

            var shapley = BruteForceShapley(ensemble, rows[r], out var expectedBias);
            Assert.Equal(expectedBias, biases[r], 1e-4);
            for (var j = 0; j < featureCount; j++)
            {
                Assert.True(Math.Abs(shapley[j] - contributions[r][j]) <= 1e-4, $"Row {r}, feature {j}: Shapley value {shapley[j]:R}, explained {contributions[r][j]:R}.");
            }
        }
    }

    /// <summary>
    /// Small models trained on real rows (German credit, its level codes split as categories) and on the synthetic
    /// multiclass table: every output's tree SHAP values are the Shapley values of the cover-weighted conditional
    /// expectation by their definition (every subset of the features that output's trees split on), averaged over a
    /// forest's trees, on rows with a missing value (taking each split's default side) and an unseen level code.
    /// </summary>
    [Theory]
    [InlineData("gbdt-binary-credit")]
    [InlineData("forest-binary-credit")]
    [InlineData("gbdt-multiclass")]
    [InlineData("forest-multiclass")]
    public void Explain_SmallTrainedModels_ExactShapleyValuesOfEveryOutput(string name)
    {
        var (credit, creditTest) = TreeTestData.CreditGerman;
        var synthetic = TreeTestData.Synthetic(1200, 41, out _, out _, out var multiclass);
        var (model, features) = name switch
        {
            "gbdt-binary-credit" => ((TreeModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 4, NumberOfLeaves = 4, Seed = 3 }).Fit(credit), creditTest.Features),
            "forest-binary-credit" => ((TreeModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 3, MinimumExampleCountPerLeaf = 90, Seed = 3 }).Fit(credit), creditTest.Features),
            "gbdt-multiclass" => ((TreeModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 3, NumberOfLeaves = 5, Seed = 3 })
                .Fit(new TrainingSet(synthetic, multiclass, TaskKind.Multiclass, 3)), synthetic),
            _ => ((TreeModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 3, MinimumExampleCountPerLeaf = 120, Seed = 3 })
                .Fit(new TrainingSet(synthetic, multiclass, TaskKind.Multiclass, 3)), synthetic),
        };
        var ensemble = model.Core.Ensemble;
        var contributions = new float[model.FeatureCount];
        var margins = new double[model.OutputWidth];
        var mostUsed = 0;
        for (var r = 0; r < 12; r++)
        {
            var row = TreeTestData.Row(features, r);
            row[r % row.Length] = float.NaN;
            if (r % 3 == 0 && Array.FindIndex(features.Features, f => f.IsCategorical) is var c and >= 0)
            {
                row[c] = features.Features[c].Cardinality + 3;
            }

            ensemble.PredictRawReference(row, margins);
            for (var k = 0; k < model.OutputWidth; k++)
            {
                var bias = model.Explain(new FeatureRow(row), contributions, k);
                var shapley = BruteForceShapley(ensemble, row, k, out var expectedBias);
                mostUsed = Math.Max(mostUsed, contributions.Count(v => v != 0));
                Assert.True(Math.Abs(expectedBias - bias) <= 1e-5 * Math.Max(1, Math.Abs(bias)), $"{name} row {r} output {k}: expected value {expectedBias:R}, bias {bias:R}.");
                Assert.Equal(margins[k], expectedBias + shapley.Sum(), 1e-9);
                for (var j = 0; j < model.FeatureCount; j++)
                {
                    Assert.True(Math.Abs(shapley[j] - contributions[j]) <= 1e-5 * Math.Max(1, Math.Abs(shapley[j])),
                        $"{name} row {r} output {k}, feature {j}: Shapley value {shapley[j]:R}, explained {contributions[j]:R}.");
                }
            }
        }

        // Enough features in play for the subsets' weights to matter (the synthetic table has four, one missing per row).
        Assert.True(mostUsed >= Math.Min(4, model.FeatureCount - 1), $"{name}: at most {mostUsed} features contribute to a row.");
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(20_000, 6)]
    [InlineData(70_000, 70_000)]
    public void CheckpointInterval_AnyDepthAndWidth_KeptPathsWithinBudgetAndIntervalWithinDepth(int depth, int features)
    {
        var nodes = new TreeEnsemble.Node[depth];
        for (var i = 0; i < depth; i++)
        {
            nodes[i] = new TreeEnsemble.Node(i % features, i, ~i, i + 1 < depth ? i + 1 : ~depth);
        }

        var ensemble = new TreeEnsemble(
            nodes, new int[depth], new int[depth], [], new float[depth], new float[depth + 1], new float[depth + 1], [0], [0], 1, [0], false, features);
        var interval = ensemble.CheckpointInterval;
        Assert.InRange(interval, 1, depth + 1);
        Assert.Equal(Math.Min(depth, features) + 1, ensemble.PathLength);

        // Kept paths: one per interval levels, each of PathLength elements: about 65,536 elements (2 MB) at most.
        Assert.True(((depth / interval) + 1L) * ensemble.PathLength <= (1 << 16) + ensemble.PathLength, $"Interval {interval}.");
        Assert.Equal(depth == 10, interval == 1);
    }

    /// <summary>
    /// A regression tree of <see cref="ChainDepth"/> splits in a chain: split i sends a row left to leaf i, right on to
    /// split i + 1, the last one right to the last leaf. Splits cycle through <see cref="ChainFeatures"/> features,
    /// every fifth sends missing values left, and the thresholds are all distinct (too many for the compact layout) or
    /// repeat every 200 splits (which the compact layout takes). Leaf covers vary; a split's cover is its leaves'.
    /// </summary>
    private static TreeEnsemble Chain(int featureCount, bool compactLayout)
    {
        var nodes = new TreeEnsemble.Node[ChainDepth];
        var nodeCover = new float[ChainDepth];
        var leafValues = new float[ChainDepth + 1];
        var leafCover = new float[ChainDepth + 1];
        leafValues[ChainDepth] = 7.5f;
        leafCover[ChainDepth] = 2;
        var below = 2f;
        for (var i = ChainDepth - 1; i >= 0; i--)
        {
            var feature = i % ChainFeatures;
            if (i % 5 == 0)
            {
                feature |= TreeEnsemble.DefaultLeftFlag;
            }

            var threshold = compactLayout ? i % 200 : i;
            nodes[i] = new TreeEnsemble.Node(feature, threshold, ~i, i + 1 < ChainDepth ? i + 1 : ~ChainDepth);
            leafValues[i] = (i % 13) - 6.25f;
            leafCover[i] = 1 + (i % 3);
            below += leafCover[i];
            nodeCover[i] = below;
        }

        return new TreeEnsemble(
            nodes, new int[ChainDepth], new int[ChainDepth], [], nodeCover, leafValues, leafCover, [0], [0], 1, [0.5], average: false, featureCount);
    }

    /// <summary>Rows that go the whole way down, leave half-way, leave early, and take a missing value.</summary>
    private static float[][] ChainRows(int featureCount)
    {
        var deep = Enumerable.Repeat(1e6f, featureCount).ToArray();
        var halfway = deep.ToArray();
        halfway[3] = 10_000.5f;
        var early = deep.ToArray();
        early[1] = 150.5f;
        early[4] = 3_000.5f;
        var missing = deep.ToArray();
        missing[0] = float.NaN;
        missing[2] = 12_345.5f;
        return [deep, halfway, early, missing];
    }

    private static FeatureMatrix Matrix(float[][] rows, int featureCount)
    {
        var dense = new float[rows.Length * featureCount];
        for (var r = 0; r < rows.Length; r++)
        {
            for (var j = 0; j < featureCount; j++)
            {
                dense[(j * rows.Length) + r] = rows[r][j];
            }
        }

        return new FeatureMatrix(rows.Length, dense, featureCount, null, [.. Enumerable.Range(0, featureCount).Select(j => new FeatureInfo("f" + j))]);
    }

    /// <summary>
    /// Shapley values of the cover-weighted conditional expectation (Lundberg et al. 2018, Algorithm 1) by their
    /// definition: every subset of the features the trees split on, each expectation by an explicit-stack walk.
    /// </summary>
    private static double[] BruteForceShapley(TreeEnsemble ensemble, float[] row, out double bias) => BruteForceShapley(ensemble, row, 0, out bias);

    /// <summary>
    /// The same for output <paramref name="output"/>: its trees only, their sum averaged over them for a forest, as
    /// <see cref="TreeEnsemble.Finish"/> turns tree sums into margins.
    /// </summary>
    private static double[] BruteForceShapley(TreeEnsemble ensemble, float[] row, int output, out double bias)
    {
        var trees = Enumerable.Range(0, ensemble.TreeCount).Where(t => ensemble.TreeOutput[t] == output).ToArray();
        var used = Enumerable.Range(0, ensemble.FeatureCount)
            .Where(j => trees.Any(t => SplitsOn(ensemble, ensemble.TreeRoots[t], j))).ToArray();
        Assert.InRange(used.Length, 0, 18);
        var scale = ensemble.Average ? 1.0 / Math.Max(1, ensemble.TreeCount / ensemble.OutputCount) : 1.0;
        var m = used.Length;
        var value = new double[1 << m];
        for (var subset = 0; subset < value.Length; subset++)
        {
            var known = new HashSet<int>(Enumerable.Range(0, m).Where(i => (subset & (1 << i)) != 0).Select(i => used[i]));
            var sum = 0.0;
            foreach (var t in trees)
            {
                sum += ConditionalExpectation(ensemble, ensemble.TreeRoots[t], row, known);
            }

            value[subset] = ensemble.BaseScores[output] + (scale * sum);
        }

        var phi = new double[ensemble.FeatureCount];
        for (var i = 0; i < m; i++)
        {
            for (var subset = 0; subset < value.Length; subset++)
            {
                if ((subset & (1 << i)) != 0)
                {
                    continue;
                }

                var size = System.Numerics.BitOperations.PopCount((uint)subset);
                phi[used[i]] += Factorial(size) * Factorial(m - size - 1) / Factorial(m) * (value[subset | (1 << i)] - value[subset]);
            }
        }

        bias = value[0];
        return phi;

        static double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
    }

    private static bool SplitsOn(TreeEnsemble ensemble, int root, int feature)
    {
        var stack = new Stack<int>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node < 0)
            {
                continue;
            }

            var n = ensemble.Nodes[node];
            if ((n.Feature & TreeEnsemble.FeatureMask) == feature)
            {
                return true;
            }

            stack.Push(n.Left);
            stack.Push(n.Right);
        }

        return false;
    }

    private static double ConditionalExpectation(TreeEnsemble ensemble, int root, float[] row, HashSet<int> known)
    {
        var total = 0.0;
        var stack = new Stack<(int Node, double Weight)>();
        stack.Push((root, 1));
        while (stack.Count > 0)
        {
            var (node, weight) = stack.Pop();
            if (node < 0)
            {
                total += weight * ensemble.LeafValues[~node];
                continue;
            }

            var n = ensemble.Nodes[node];
            if (known.Contains(n.Feature & TreeEnsemble.FeatureMask))
            {
                stack.Push((RecursiveTreeShap.GoesLeft(ensemble, node, row) ? n.Left : n.Right, weight));
                continue;
            }

            var left = Cover(ensemble, n.Left);
            var right = Cover(ensemble, n.Right);
            stack.Push((n.Left, weight * left / (left + right)));
            stack.Push((n.Right, weight * right / (left + right)));
        }

        return total;
    }

    private static double Cover(TreeEnsemble ensemble, int child) => child >= 0 ? ensemble.NodeCover[child] : ensemble.LeafCover[~child];

    private static (TreeModel Model, float[][] Rows) Trained(string name)
    {
        var (credit, creditTest) = TreeTestData.CreditGerman;
        var creditRows = Enumerable.Range(0, 40).Select(r => TreeTestData.Row(creditTest.Features, r)).ToArray();
        var synthetic = TreeTestData.Synthetic(1200, 41, out var regression, out _, out var multiclass);
        var syntheticRows = Enumerable.Range(0, 40).Select(r => TreeTestData.Row(synthetic, r)).ToArray();
        return name switch
        {
            "gbdt-binary-credit" => ((TreeModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 40, Seed = 3 }).Fit(credit), creditRows),
            "forest-binary-credit" => ((TreeModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 20, Seed = 3 }).Fit(credit), creditRows),
            "forest-deep-credit" => ((TreeModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 4, MinimumExampleCountPerLeaf = 1, Seed = 5 }).Fit(credit), creditRows),
            "gbdt-multiclass" => ((TreeModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 15, MinimumExampleCountPerLeaf = 5 })
                .Fit(new TrainingSet(synthetic, multiclass, TaskKind.Multiclass, 3)), syntheticRows),
            _ => ((TreeModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 10, MinimumExampleCountPerLeaf = 2 })
                .Fit(new TrainingSet(synthetic, regression, TaskKind.Regression)), syntheticRows),
        };
    }
}
