using System.Runtime.Intrinsics.X86;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

/// <summary>The compact byte-bin walk against the plain raw-value reference walk: margins must be bit-identical.</summary>
public sealed class CompactTreesTests
{
    public static TheoryData<string, string> Models => new()
    {
        { "credit-german", "gbdt" },
        { "credit-german", "random-forest" },
        { "fraud-sensor", "gbdt" },
        { "synthetic-multiclass", "gbdt" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void PredictRaw_RealDataWithEdgeValues_BitIdenticalToReferenceWalk(string dataset, string trainer)
    {
        var (train, test) = dataset switch
        {
            "credit-german" => TreeTestData.CreditGerman,
            "fraud-sensor" => TreeTestData.FraudSensor,
            _ => Multiclass(),
        };
        IPredictor model = trainer == "gbdt"
            ? new GbdtTrainer(new GbdtOptions { NumberOfTrees = 60, Seed = 3 }).Fit(train)
            : new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 40, Seed = 3 }).Fit(train);
        var ensemble = model is GbdtModel g ? g.Core.Ensemble : ((RandomForestModel)model).Core.Ensemble;
        Assert.NotNull(ensemble.Compact);

        var x = WithEdgeValues(test.Features, ensemble, seed: 11);
        var k = ensemble.OutputCount;
        var n = x.RowCount;
        var reference = new double[n * k];
        ensemble.PredictRawBatchReference(x, reference, maxDegreeOfParallelism: 1);
        foreach (var threads in new[] { 1, 2 })
        {
            var batch = new double[n * k];
            ensemble.PredictRawBatch(x, batch, threads);
            Assert.Equal(reference, batch);
            foreach (var kernel in SupportedKernels(ensemble.Compact))
            {
                Array.Clear(batch);
                ensemble.Compact.PredictRawBatch(x, batch, threads, kernel);
                FinishAll(ensemble, batch);
                Assert.Equal(reference, batch);
            }
        }

        var single = new double[k];
        var plain = new double[k];
        for (var r = 0; r < n; r++)
        {
            var row = TreeTestData.Row(x, r);
            ensemble.PredictRaw(new FeatureRow(row), single);
            ensemble.PredictRawReference(row, plain);
            Assert.Equal(plain, single);
            Assert.Equal(reference.AsSpan(r * k, k).ToArray(), single);
        }
    }

    [Fact]
    public void PredictRaw_SparseRows_MatchReferenceWalkOnExpandedRows()
    {
        var x = TreeTestData.Synthetic(1500, 21, out var regression, out _, out _);
        // Two extra sparse columns that carry signal, so the trees split on them.
        var random = new Random(5);
        var pointers = new int[x.RowCount + 1];
        var indices = new List<int>();
        var values = new List<float>();
        var target = (float[])regression.Clone();
        for (var i = 0; i < x.RowCount; i++)
        {
            for (var c = 0; c < 2; c++)
            {
                if (random.NextDouble() < 0.4)
                {
                    var v = (float)random.NextDouble();
                    indices.Add(c);
                    values.Add(v);
                    target[i] += 2 * v;
                }
            }

            pointers[i + 1] = indices.Count;
        }

        var sparse = new SparseMatrix(x.RowCount, 2, pointers, [.. indices], [.. values]);
        var infos = x.Features.Concat([new FeatureInfo("s0"), new FeatureInfo("s1")]).ToArray();
        var withSparse = new FeatureMatrix(x.RowCount, x.Dense, x.DenseColumnCount, sparse, infos);
        var model = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 20 }).Fit(new TrainingSet(withSparse, target, TaskKind.Regression));
        var ensemble = model.Core.Ensemble;
        Assert.NotNull(ensemble.Compact);

        var batch = new double[x.RowCount];
        var reference = new double[x.RowCount];
        ensemble.PredictRawBatch(withSparse, batch, 2);
        ensemble.PredictRawBatchReference(withSparse, reference, 1);
        Assert.Equal(reference, batch);

        var expanded = new float[infos.Length];
        var single = new double[1];
        var plain = new double[1];
        for (var r = 0; r < x.RowCount; r++)
        {
            var dense = TreeTestData.Row(x, r);
            var rowIndices = sparse.RowIndices(r);
            var rowValues = sparse.RowValues(r);
            TreeInput.Expand(new FeatureRow(dense, rowIndices, rowValues), expanded);
            ensemble.PredictRaw(new FeatureRow(dense, rowIndices, rowValues), single);
            ensemble.PredictRawReference(expanded, plain);
            Assert.Equal(plain[0], single[0]);
            Assert.Equal(reference[r], single[0]);
        }
    }

    [Theory]
    [InlineData("credit-german", 1, 32)]
    [InlineData("credit-german", 1, 200)]
    [InlineData("synthetic-multiclass", 3, 31)]
    [InlineData("synthetic-multiclass", 3, 100)]
    [InlineData("synthetic-regression", 1, 256)]
    public void PredictRawBatch_EveryKernelAndRowCountsOffTheLaneWidth_BitIdenticalToReferenceWalk(string dataset, int outputs, int leaves)
    {
        var (train, test) = dataset switch
        {
            "credit-german" => TreeTestData.CreditGerman,
            "synthetic-regression" => Regression(),
            _ => Multiclass(),
        };
        var options = new GbdtOptions { NumberOfTrees = 40, NumberOfLeaves = leaves, MinimumExampleCountPerLeaf = 3, Seed = 5 };
        var model = (GbdtModel)new GbdtTrainer(options).Fit(train);
        var ensemble = model.Core.Ensemble;
        var compact = ensemble.Compact;
        Assert.NotNull(compact);
        Assert.Equal(outputs, ensemble.OutputCount);
        Assert.Equal(Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported, compact.Supports(CompactTrees.BatchKernel.Bitvector512));
        var all = WithEdgeValues(test.Features, ensemble, seed: 17);
        var labels = new float[all.RowCount];
        foreach (var count in new[] { 1, 7, 15, 16, 17, 63, 65, 129, 255, 256, 257, 511, 513 }.Where(c => c <= all.RowCount))
        {
            // Rows from the middle, so that blocks do not start at row 0 of the source matrix.
            var rows = Enumerable.Range(all.RowCount - count, count).ToArray();
            var x = TreeTestData.Subset(all, labels, rows).Features;
            var reference = new double[count * outputs];
            ensemble.PredictRawBatchReference(x, reference, maxDegreeOfParallelism: 1);
            foreach (var kernel in SupportedKernels(compact))
            {
                foreach (var threads in new[] { 1, 2 })
                {
                    var batch = new double[count * outputs];
                    compact.PredictRawBatch(x, batch, threads, kernel);
                    FinishAll(ensemble, batch);
                    Assert.Equal(reference, batch);
                }
            }
        }
    }

    [Fact]
    public void PreferredKernel_ShallowTreesOnAvx512_IsBitvectorElseScalar()
    {
        var (train, _) = TreeTestData.CreditGerman;
        var shallow = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 5, NumberOfLeaves = 32, Seed = 1 }).Fit(train);
        var deepOptions = new GbdtOptions { NumberOfTrees = 2, NumberOfLeaves = 1000, MinimumExampleCountPerLeaf = 1, Seed = 1 };
        var deep = (GbdtModel)new GbdtTrainer(deepOptions).Fit(Regression().Train);
        var avx512 = Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported;
        Assert.Equal(avx512 ? CompactTrees.BatchKernel.Bitvector512 : CompactTrees.BatchKernel.Scalar, shallow.Core.Ensemble.Compact!.PreferredKernel);
        Assert.False(deep.Core.Ensemble.Compact!.Supports(CompactTrees.BatchKernel.Bitvector512));
        var x = Regression().Test.Features;
        Assert.Throws<ArgumentException>(() => deep.Core.Ensemble.Compact.PredictRawBatch(x, new double[x.RowCount], 1, CompactTrees.BatchKernel.Bitvector512));
    }

    [Fact]
    public void TryBuild_CategorySetWithCodeAbove254_FallsBackToReferenceWalk()
    {
        // One categorical split whose left set is {300}: no byte bin can hold code 300.
        var bits = new uint[10];
        bits[300 >> 5] = 1u << (300 & 31);
        var ensemble = OneCategoricalSplit(bits);
        Assert.Null(ensemble.Compact);
        var margins = new double[1];
        ensemble.PredictRaw(new FeatureRow([300f]), margins);
        Assert.Equal(1.0, margins[0]);
        ensemble.PredictRaw(new FeatureRow([5f]), margins);
        Assert.Equal(2.0, margins[0]);
    }

    [Fact]
    public void TryBuild_CategorySetWithCode254_UsesCompactWalkAndSendsOtherCodesRight()
    {
        var bits = new uint[8];
        bits[254 >> 5] = 1u << (254 & 31);
        var ensemble = OneCategoricalSplit(bits);
        Assert.NotNull(ensemble.Compact);
        var margins = new double[1];
        foreach (var (code, expected) in new[] { (254f, 1.0), (255f, 2.0), (300f, 2.0), (float.NaN, 2.0), (-1f, 2.0), (254.5f, 2.0), (3f, 2.0) })
        {
            ensemble.PredictRaw(new FeatureRow([code]), margins);
            Assert.Equal(expected, margins[0]);
        }
    }

    /// <summary>Adds base scores (and averages) row by row, as <see cref="TreeEnsemble.PredictRawBatch"/> does after the kernel.</summary>
    private static void FinishAll(TreeEnsemble ensemble, double[] margins)
    {
        var k = ensemble.OutputCount;
        for (var r = 0; r < margins.Length / k; r++)
        {
            ensemble.Finish(margins.AsSpan(r * k, k));
        }
    }

    /// <summary>Every batch kernel this model and CPU can run, the scalar one included.</summary>
    private static CompactTrees.BatchKernel[] SupportedKernels(CompactTrees compact) =>
        Enum.GetValues<CompactTrees.BatchKernel>().Where(compact.Supports).ToArray();

    private static TreeEnsemble OneCategoricalSplit(uint[] bits) => new(
        [new TreeEnsemble.Node(TreeEnsemble.CategoricalFlag, 0, ~0, ~1)], [0], [bits.Length], bits, [2f], [1f, 2f], [1f, 1f], [0], [0], 1, [0],
        average: false, featureCount: 1);

    /// <summary>A copy of the matrix with NaNs, exact thresholds, values just above them, infinities and unseen codes mixed in.</summary>
    private static FeatureMatrix WithEdgeValues(FeatureMatrix x, TreeEnsemble ensemble, int seed)
    {
        var thresholds = new List<float>[x.ColumnCount];
        for (var j = 0; j < thresholds.Length; j++)
        {
            thresholds[j] = [];
        }

        foreach (var node in ensemble.Nodes)
        {
            if ((node.Feature & TreeEnsemble.CategoricalFlag) == 0)
            {
                thresholds[node.Feature & TreeEnsemble.FeatureMask].Add(node.Threshold);
            }
        }

        var random = new Random(seed);
        var n = x.RowCount;
        var dense = (float[])x.Dense.Clone();
        for (var j = 0; j < x.DenseColumnCount; j++)
        {
            var categorical = x.Features[j].IsCategorical;
            for (var i = 0; i < n; i++)
            {
                var u = random.NextDouble();
                ref var v = ref dense[(j * n) + i];
                if (u < 0.08)
                {
                    v = float.NaN;
                }
                else if (categorical && u < 0.16)
                {
                    v = new[] { x.Features[j].Cardinality + 2, 300f, -1f, 1.5f, float.PositiveInfinity }[random.Next(5)];
                }
                else if (!categorical && thresholds[j].Count > 0 && u < 0.24)
                {
                    var t = thresholds[j][random.Next(thresholds[j].Count)];
                    v = random.Next(3) switch { 0 => t, 1 => MathF.BitIncrement(t), _ => MathF.BitDecrement(t) };
                }
                else if (!categorical && u < 0.27)
                {
                    v = random.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity;
                }
            }
        }

        return new FeatureMatrix(n, dense, x.DenseColumnCount, null, x.Features);
    }

    private static (TrainingSet Train, TrainingSet Test) Regression()
    {
        var x = TreeTestData.Synthetic(3000, 13, out var regression, out _, out _);
        var all = Enumerable.Range(0, x.RowCount).ToArray();
        return (
            TreeTestData.Subset(x, regression, all.Where(i => i % 4 != 0).ToArray(), TaskKind.Regression),
            TreeTestData.Subset(x, regression, all.Where(i => i % 4 == 0).ToArray(), TaskKind.Regression));
    }

    private static (TrainingSet Train, TrainingSet Test) Multiclass()
    {
        var x = TreeTestData.Synthetic(3000, 9, out _, out _, out var multiclass);
        var all = Enumerable.Range(0, x.RowCount).ToArray();
        return (
            TreeTestData.Subset(x, multiclass, all.Where(i => i % 4 != 0).ToArray(), TaskKind.Multiclass, 3),
            TreeTestData.Subset(x, multiclass, all.Where(i => i % 4 == 0).ToArray(), TaskKind.Multiclass, 3));
    }
}
