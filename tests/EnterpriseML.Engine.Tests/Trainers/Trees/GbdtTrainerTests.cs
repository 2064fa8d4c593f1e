using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

public sealed class GbdtTrainerTests
{
    [Fact]
    public void Fit_CreditGerman_GoldenAuc()
    {
        var (train, test) = TreeTestData.CreditGerman;
        var model = new GbdtTrainer(new GbdtOptions { Seed = 7 }).Fit(train);
        var auc = TreeTestData.Auc(TreeTestData.PredictAll(model, test.Features), test.Labels);
        Assert.InRange(auc, 0.70, 0.84);
    }

    [Fact]
    public void Fit_FraudSensorFewTrees_GoldenAuc()
    {
        var (train, test) = TreeTestData.FraudSensor;
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 20, Seed = 7 }).Fit(train);
        var auc = TreeTestData.Auc(TreeTestData.PredictAll(model, test.Features), test.Labels);
        Assert.InRange(auc, 0.99, 1.0);
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Multiclass)]
    [InlineData(TaskKind.Regression)]
    public void Fit_ThreadCounts_BitIdenticalPredictions(TaskKind task)
    {
        var x = TreeTestData.Synthetic(3000, 11, out var regression, out var binary, out var multiclass);
        var labels = task switch { TaskKind.Binary => binary, TaskKind.Multiclass => multiclass, _ => regression };
        float[]? first = null;
        foreach (var threads in new[] { 1, 2, 4 })
        {
            var options = new GbdtOptions
            {
                NumberOfTrees = 15, RowSubsampleFraction = 0.8, FeatureSubsampleFraction = 0.75, MaxDegreeOfParallelism = threads,
                MinimumExampleCountPerLeaf = 5,
            };
            var model = new GbdtTrainer(options).Fit(new TrainingSet(x, labels, task, task == TaskKind.Multiclass ? 3 : 0));
            var predictions = TreeTestData.PredictAll(model, x);
            if (first is null)
            {
                first = predictions;
            }
            else
            {
                Assert.Equal(first, predictions);
            }
        }
    }

    [Fact]
    public void Fit_LargeNodes_ParallelPartitionMatchesOneThread()
    {
        // 140k rows: root splits take the chunked parallel partition and gather paths.
        var x = TreeTestData.Synthetic(140_000, 28, out _, out var binary, out _);
        var one = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 2, MaxDegreeOfParallelism = 1 }).Fit(new TrainingSet(x, binary, TaskKind.Binary));
        var two = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 2, MaxDegreeOfParallelism = 2 }).Fit(new TrainingSet(x, binary, TaskKind.Binary));
        Assert.Equal(TreeTestData.PredictAll(one, x), TreeTestData.PredictAll(two, x));
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Multiclass)]
    [InlineData(TaskKind.Regression)]
    public void WriteRead_RoundTrip_IdenticalPredictionsAndExplanations(TaskKind task)
    {
        var x = TreeTestData.Synthetic(1500, 12, out var regression, out var binary, out var multiclass);
        var labels = task switch { TaskKind.Binary => binary, TaskKind.Multiclass => multiclass, _ => regression };
        var model = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 10, MinimumExampleCountPerLeaf = 5 })
            .Fit(new TrainingSet(x, labels, task, task == TaskKind.Multiclass ? 3 : 0));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var loaded = GbdtModel.Read(reader);
        Assert.Equal(model.FormatId, loaded.FormatId);
        Assert.Equal(model.Task, loaded.Task);
        Assert.Equal(TreeTestData.PredictAll(model, x), TreeTestData.PredictAll(loaded, x));
        var row = TreeTestData.Row(x, 3);
        var a = new float[4];
        var b = new float[4];
        Assert.Equal(model.Explain(new FeatureRow(row), a), loaded.Explain(new FeatureRow(row), b));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Read_TruncatedOrCorruptStream_Throws()
    {
        var x = TreeTestData.Synthetic(500, 13, out _, out var binary, out _);
        var model = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 3 }).Fit(new TrainingSet(x, binary, TaskKind.Binary));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        var bytes = stream.ToArray();
        // Cut in half, the node array no longer fits in what is left: caught at its count, before it is allocated.
        var cut = Assert.Throws<InvalidDataException>(() => GbdtModel.Read(new BinaryReader(new MemoryStream(bytes[..(bytes.Length / 2)]))));
        Assert.Contains("bytes of the payload remain", cut.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => RandomForestModel.Read(new BinaryReader(new MemoryStream(bytes))));

        // The first node's left child (after format, task, transform, layout, features, outputs, average, base score,
        // node count, feature, threshold) pointed far outside the node array.
        var corrupt = (byte[])bytes.Clone();
        var leftChild = 1 + GbdtModel.Format.Length + 2 + 4 + 4 + 4 + 1 + 8 + 4 + 4 + 4;
        BitConverter.GetBytes(1_000_000).CopyTo(corrupt, leftChild);
        var e = Assert.Throws<InvalidDataException>(() => GbdtModel.Read(new BinaryReader(new MemoryStream(corrupt))));
        Assert.StartsWith("Tree node 0 points to child 1000000 of ", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Nodes shared by two parents (each of 48 nodes sends both sides to the next) are a payload no trainer writes but
    /// a file can hold: loading computed the depth by recursing into both children, 2^48 calls, and hung (and the
    /// compact layout built on the first prediction would have copied all 2^48 paths). Now it is rejected at once.
    /// </summary>
    [Fact]
    public void Read_NodesSharedByTwoParents_RejectedAtOnce()
    {
        const int n = 48;
        var nodes = new TreeEnsemble.Node[n];
        for (var i = 0; i < n; i++)
        {
            nodes[i] = i < n - 1 ? new TreeEnsemble.Node(0, i, i + 1, i + 1) : new TreeEnsemble.Node(0, i, ~0, ~1);
        }

        var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(GbdtModel.Format);
            writer.Write((byte)TaskKind.Regression);
            writer.Write((byte)0);
            writer.Write(1); // layout version
            writer.Write(1); // features
            writer.Write(1); // outputs
            writer.Write(false);
            writer.Write(0.0);
            writer.Write(n);
            foreach (var node in nodes)
            {
                writer.Write(node.Feature);
                writer.Write(node.Threshold);
                writer.Write(node.Left);
                writer.Write(node.Right);
            }

            int[] none = new int[n];
            foreach (var array in new[] { none, none })
            {
                writer.Write(n);
                Array.ForEach(array, writer.Write);
            }

            writer.Write(0); // category bits
            writer.Write(n);
            Array.ForEach(new float[n], writer.Write);
            foreach (var leaves in new[] { new[] { -1f, 1f }, new[] { 1f, 1f } })
            {
                writer.Write(leaves.Length);
                Array.ForEach(leaves, writer.Write);
            }

            writer.Write(1);
            writer.Write(0); // root
            writer.Write(1);
            writer.Write(0); // output
        }

        Exception? error = null;
        var reading = new Thread(() => error = Record.Exception(() => GbdtModel.Read(new BinaryReader(new MemoryStream(bytes.ToArray())))))
        {
            IsBackground = true,
        };
        reading.Start();
        Assert.True(reading.Join(TimeSpan.FromSeconds(20)), "Reading 48 shared nodes did not finish in 20 s.");
        var e = Assert.IsType<InvalidDataException>(error);
        Assert.Equal("Tree node 0 points to child 1, which another node points to as well.", e.Message);
    }

    [Fact]
    public void Predict_MissingValues_FollowLearnedDirectionAndMatchBatch()
    {
        var x = TreeTestData.Synthetic(2000, 14, out var regression, out _, out _);
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 30, MinimumExampleCountPerLeaf = 5 }).Fit(new TrainingSet(x, regression, TaskKind.Regression));
        var output = new float[1];
        var row = TreeTestData.Row(x, 0);
        for (var j = 0; j < row.Length; j++)
        {
            row[j] = float.NaN;
        }

        model.Predict(new FeatureRow(row), output);
        Assert.True(float.IsFinite(output[0]));

        // x3 is missing for ~10 % of rows with a signal of 0.5: single-row and batch agree on those rows.
        var batch = TreeTestData.PredictAll(model, x);
        var checkedRows = 0;
        for (var i = 0; i < x.RowCount && checkedRows < 50; i++)
        {
            if (!float.IsNaN(x.Dense[(3 * x.RowCount) + i]))
            {
                continue;
            }

            model.Predict(new FeatureRow(TreeTestData.Row(x, i)), output);
            Assert.Equal(batch[i], output[0]);
            checkedRows++;
        }

        Assert.True(checkedRows > 10);

        // An unseen category code goes right like a missing one and never throws.
        var unseen = TreeTestData.Row(x, 0);
        unseen[2] = 77;
        model.Predict(new FeatureRow(unseen), output);
        Assert.True(float.IsFinite(output[0]));
    }

    [Fact]
    public void Fit_MonotoneConstraint_PredictionsNonDecreasingInFeature()
    {
        // x1 enters the signal as -2·x1²: decreasing. Force +1 on it and −1 on x0 (increasing in the data).
        var x = TreeTestData.Synthetic(3000, 15, out var regression, out _, out _);
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 40, MonotoneConstraints = [-1, 1], MinimumExampleCountPerLeaf = 5 })
            .Fit(new TrainingSet(x, regression, TaskKind.Regression));
        var output = new float[1];
        for (var r = 0; r < 40; r++)
        {
            var row = TreeTestData.Row(x, r);
            float previousUp = float.NegativeInfinity, previousDown = float.PositiveInfinity;
            for (var step = 0; step <= 100; step++)
            {
                var value = step / 100f;
                var sweep = (float[])row.Clone();
                sweep[1] = value;
                model.Predict(new FeatureRow(sweep), output);
                Assert.True(output[0] >= previousUp, $"row {r}: prediction fell at x1 = {value}");
                previousUp = output[0];
                sweep = (float[])row.Clone();
                sweep[0] = value;
                model.Predict(new FeatureRow(sweep), output);
                Assert.True(output[0] <= previousDown, $"row {r}: prediction rose at x0 = {value}");
                previousDown = output[0];
            }
        }
    }

    [Fact]
    public void Fit_MonotoneOnCategorical_ThrowsNamingOption()
    {
        var x = TreeTestData.Synthetic(200, 16, out var regression, out _, out _);
        var trainer = new GbdtTrainer(new GbdtOptions { MonotoneConstraints = [0, 0, 1] });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(new TrainingSet(x, regression, TaskKind.Regression)));
        Assert.Equal(nameof(GbdtOptions.MonotoneConstraints), error.ParamName);
    }

    [Theory]
    [InlineData(TaskKind.Binary, 0)]
    [InlineData(TaskKind.Multiclass, 2)]
    [InlineData(TaskKind.Regression, 0)]
    public void Explain_AnyRow_ContributionsPlusBiasEqualRawMargin(TaskKind task, int outputIndex)
    {
        var x = TreeTestData.Synthetic(2000, 17, out var regression, out var binary, out var multiclass);
        var labels = task switch { TaskKind.Binary => binary, TaskKind.Multiclass => multiclass, _ => regression };
        var model = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 25, MinimumExampleCountPerLeaf = 5, RowSubsampleFraction = 0.7 })
            .Fit(new TrainingSet(x, labels, task, task == TaskKind.Multiclass ? 3 : 0));
        var contributions = new float[4];
        var margins = new double[model.OutputWidth];
        for (var r = 0; r < 30; r++)
        {
            var row = TreeTestData.Row(x, r);
            var bias = model.Explain(new FeatureRow(row), contributions, outputIndex);
            model.Core.Ensemble.PredictRawReference(row, margins);
            Assert.Equal(margins[outputIndex], bias + contributions.Sum(), 1e-3);
        }
    }

    [Fact]
    public void Explain_FeatureUnusedByModel_GetsZero()
    {
        var n = 1000;
        var random = new Random(18);
        var used = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var unused = Enumerable.Range(0, n).Select(_ => 0.5f).ToArray();
        var y = used.Select(v => 2 * v).ToArray();
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 10 }).Fit(new TrainingSet(FeatureMatrix.FromColumns([used, unused]), y, TaskKind.Regression));
        var contributions = new float[2];
        ((IExplainablePredictor)model).Explain(new FeatureRow([0.9f, 0.5f]), contributions);
        Assert.Equal(0f, contributions[1]);
        Assert.True(contributions[0] > 0);
    }

    [Fact]
    public void Fit_Multiclass_ProbabilitiesSumToOneAndBeatChance()
    {
        var x = TreeTestData.Synthetic(2000, 19, out _, out _, out var multiclass);
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 30 }).Fit(new TrainingSet(x, multiclass, TaskKind.Multiclass, 3));
        var p = TreeTestData.PredictAll(model, x);
        var correct = 0;
        for (var i = 0; i < x.RowCount; i++)
        {
            var row = p.AsSpan(i * 3, 3);
            Assert.Equal(1f, row[0] + row[1] + row[2], 1e-4f);
            var argmax = row.IndexOf(MathF.Max(row[0], MathF.Max(row[1], row[2])));
            correct += argmax == (int)multiclass[i] ? 1 : 0;
        }

        Assert.InRange(correct / (double)x.RowCount, 0.85, 1.0);
    }

    [Fact]
    public void Fit_EarlyStopping_KeepsFewerTreesThanRequested()
    {
        var x = TreeTestData.Synthetic(2000, 20, out var regression, out _, out _);
        var v = TreeTestData.Synthetic(500, 21, out var validationLabels, out _, out _);
        var data = new TrainingSet(x, regression, TaskKind.Regression) { Validation = new TrainingSet(v, validationLabels, TaskKind.Regression) };
        var model = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 2000, LearningRate = 0.3, EarlyStoppingRounds = 10 }).Fit(data);
        Assert.InRange(model.TreeCount, 5, 1000);
    }

    [Fact]
    public void Fit_HighCardinalityCategorical_NativeSplitsLearnLevelEffects()
    {
        // 200 levels, a third of them carry a positive effect: one categorical feature must separate them.
        var random = new Random(22);
        const int n = 20_000, levels = 200;
        var effect = Enumerable.Range(0, levels).Select(l => l % 3 == 0 ? 1.0 : 0.0).ToArray();
        var codes = new float[n];
        var y = new float[n];
        for (var i = 0; i < n; i++)
        {
            var c = random.Next(levels);
            codes[i] = c;
            y[i] = random.NextDouble() < 0.2 + (0.6 * effect[c]) ? 1 : 0;
        }

        var features = new FeatureMatrix(n, codes, 1, null, [new FeatureInfo("level", true, levels)]);
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 20 }).Fit(new TrainingSet(features, y, TaskKind.Binary));
        var p = TreeTestData.PredictAll(model, features);
        // The Bayes-optimal AUC of this design is 0.778 (levels with and without the effect, 0.8 vs 0.2).
        var auc = TreeTestData.Auc(p.AsSpan(0, 3000), y.AsSpan(0, 3000));
        Assert.InRange(auc, 0.75, 0.85);
    }

    [Fact]
    public void Fit_SparseBlock_PredictsSameAsTheDenseMatrix()
    {
        var x = TreeTestData.Synthetic(800, 23, out var regression, out _, out _);
        // Move x0 into a sparse block.
        var n = x.RowCount;
        var x0 = x.DenseColumn(0).ToArray();
        var dense = x.Dense.AsSpan(n, 3 * n).ToArray();
        var pointers = Enumerable.Range(0, n + 1).ToArray();
        var sparse = new SparseMatrix(n, 1, pointers, new int[n], x0);
        var infos = new[] { x.Features[1], x.Features[2], x.Features[3], x.Features[0] };
        var sparseMatrix = new FeatureMatrix(n, dense, 3, sparse, infos);
        var model = new GbdtTrainer(new GbdtOptions { NumberOfTrees = 10 }).Fit(new TrainingSet(sparseMatrix, regression, TaskKind.Regression));
        var batch = TreeTestData.PredictAll(model, sparseMatrix);
        var output = new float[1];
        var row = new float[3];
        for (var i = 0; i < 20; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                row[j] = dense[(j * n) + i];
            }

            model.Predict(new FeatureRow(row, new[] { 0 }, new[] { x0[i] }), output);
            Assert.Equal(batch[i], output[0]);
        }
    }

    [Fact]
    public void Fit_InvalidLabels_ThrowsNamingRow()
    {
        var x = TreeTestData.Synthetic(100, 24, out _, out var binary, out _);
        binary[7] = 2;
        var error = Assert.Throws<ArgumentException>(() => new GbdtTrainer().Fit(new TrainingSet(x, binary, TaskKind.Binary)));
        Assert.Contains("row 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ClassWeightsWrongLength_ThrowsNamingOption()
    {
        var x = TreeTestData.Synthetic(100, 25, out _, out var binary, out _);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GbdtTrainer(new GbdtOptions { ClassWeights = [1, 2, 3] }).Fit(new TrainingSet(x, binary, TaskKind.Binary)));
        Assert.Equal(nameof(GbdtOptions.ClassWeights), error.ParamName);
    }

    /// <summary>
    /// Class weights on a regression said "one weight per class (0)" (or, with one weight, were silently ignored), and
    /// the binary-only positive weight was silently ignored on multiclass and regression: each is now refused by name.
    /// </summary>
    [Fact]
    public void Fit_ClassificationOnlyOptionsOnAnotherTask_RefusedNamingOptionAndTask()
    {
        var x = TreeTestData.Synthetic(100, 25, out var regression, out _, out var multiclass);
        foreach (var weights in new[] { new[] { 1f }, new[] { 1f, 2f } })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GbdtTrainer(new GbdtOptions { NumberOfTrees = 2, ClassWeights = weights }).Fit(new TrainingSet(x, regression, TaskKind.Regression)));
            Assert.Equal(nameof(GbdtOptions.ClassWeights), e.ParamName);
            Assert.Contains("binary and multiclass tasks only; this task is regression", e.Message, StringComparison.Ordinal);
        }

        var classes = (int)multiclass.Max() + 1;
        var scaled = new GbdtOptions { NumberOfTrees = 2, ScalePositiveWeight = 5 };
        var onMulticlass = Assert.Throws<ArgumentOutOfRangeException>(() => new GbdtTrainer(scaled).Fit(new TrainingSet(x, multiclass, TaskKind.Multiclass, classes)));
        Assert.Equal(nameof(GbdtOptions.ScalePositiveWeight), onMulticlass.ParamName);
        Assert.Contains("binary tasks only (1 elsewhere); this task is multiclass", onMulticlass.Message, StringComparison.Ordinal);
        var onRegression = Assert.Throws<ArgumentOutOfRangeException>(() => new GbdtTrainer(scaled).Fit(new TrainingSet(x, regression, TaskKind.Regression)));
        Assert.Contains("this task is regression", onRegression.Message, StringComparison.Ordinal);

        // The defaults and matching class weights still fit.
        Assert.NotNull(new GbdtTrainer(new GbdtOptions { NumberOfTrees = 2, ClassWeights = [.. Enumerable.Repeat(1f, classes)] }).Fit(new TrainingSet(x, multiclass, TaskKind.Multiclass, classes)));
        Assert.NotNull(new GbdtTrainer(new GbdtOptions { NumberOfTrees = 2 }).Fit(new TrainingSet(x, regression, TaskKind.Regression)));
    }

    [Fact]
    public void Fit_ScalePositiveWeight_RaisesPredictedProbabilities()
    {
        var x = TreeTestData.Synthetic(1000, 26, out _, out var binary, out _);
        var plain = TreeTestData.PredictAll(new GbdtTrainer(new GbdtOptions { NumberOfTrees = 10 }).Fit(new TrainingSet(x, binary, TaskKind.Binary)), x);
        var weighted = TreeTestData.PredictAll(new GbdtTrainer(new GbdtOptions { NumberOfTrees = 10, ScalePositiveWeight = 5 }).Fit(new TrainingSet(x, binary, TaskKind.Binary)), x);
        Assert.True(weighted.Average() > plain.Average() + 0.05);
    }

    [Fact]
    public void Fit_Cancelled_Throws()
    {
        var x = TreeTestData.Synthetic(100, 27, out _, out var binary, out _);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new GbdtTrainer().Fit(new TrainingSet(x, binary, TaskKind.Binary), cts.Token));
    }
}
