using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

/// <summary>
/// The tree trainers on a sparse block (sentiment's TF-IDF text features, featurised as the general tree candidates
/// do) against the same rows densified, which was the only path before: same binners and bins, the same forest bit
/// for bit, the same GBDT splits with predictions within float rounding.
/// </summary>
public sealed class SparseTreesTests
{
    private static readonly Lazy<SentimentSplit> Sentiment = new(LoadSentiment);

    [Fact]
    public void BinnedDataFit_SentimentText_SameBinnersAndBinsAsDensified()
    {
        var x = Sentiment.Value.Train.Features;
        var dense = TreeInput.Densify(x, "test");
        // 700 of 2400 rows: the sampled edges must match too.
        foreach (var sampleSize in new[] { 200_000, 700 })
        {
            var sparse = BinnedData.Fit(x, 255, sampleSize, 5, 2);
            var reference = BinnedData.Fit(dense, 255, sampleSize, 5, 2);
            Assert.True(sparse.HasSparse);
            Assert.False(reference.HasSparse);
            Assert.Equal(reference.BinOffsets, sparse.BinOffsets);
            var stored = 0;
            for (var f = 0; f < x.ColumnCount; f++)
            {
                Assert.Equal(reference.Binners[f].UpperEdges, sparse.Binners[f].UpperEdges);
                Assert.Equal(reference.Binners[f].CategoryToBin, sparse.Binners[f].CategoryToBin);
                if (sparse.IsSparse(f))
                {
                    stored += sparse.Sparse(f).Rows.Length;
                }

                for (var r = 0; r < x.RowCount; r += 7)
                {
                    Assert.Equal(reference.Columns[f][r], sparse.BinOf(f, r));
                }
            }

            // Stored entries are those off the bin of 0: far fewer than the densified cells.
            Assert.InRange(stored, 1, x.Sparse!.Values.Length);
            Assert.Equal(stored, sparse.SparseRowStarts[^1]);
        }
    }

    [Fact]
    public void Fit_SparseEdgeValues_SameBinsAndForestAsDensified()
    {
        // Sparse columns with what text never has: a categorical code column (implicit zeros are level 0), negative
        // values (the bin of 0 is not the lowest), NaN (missing bin) and explicitly stored zeros; plus a dense column.
        const int n = 1500;
        var random = new Random(21);
        var pointers = new int[n + 1];
        var indices = new List<int>();
        var values = new List<float>();
        var dense = new float[n];
        var labels = new float[n];
        for (var i = 0; i < n; i++)
        {
            dense[i] = (float)random.NextDouble();
            var code = random.Next(6) < 3 ? 0 : random.Next(1, 5);
            var signed = random.Next(3) == 0 ? (float)Math.Round((random.NextDouble() * 4) - 2, 1) : 0f;
            var gappy = random.Next(10) switch { 0 => float.NaN, 1 => 0f, 2 => 3f + random.Next(3), _ => float.PositiveInfinity };
            if (code != 0 || random.Next(2) == 0)
            {
                indices.Add(0);
                values.Add(code);
            }

            if (signed != 0)
            {
                indices.Add(1);
                values.Add(signed);
            }

            if (!float.IsPositiveInfinity(gappy))
            {
                indices.Add(2);
                values.Add(gappy);
            }

            pointers[i + 1] = indices.Count;
            var score = (code is 2 or 4 ? 1.0 : 0) + signed + (float.IsNaN(gappy) ? 1 : 0) + dense[i] + random.NextDouble();
            labels[i] = score > 1.2 ? 1 : 0;
        }

        FeatureInfo[] infos = [new("d"), new("code", IsCategorical: true, Cardinality: 5), new("signed"), new("gappy")];
        var x = new FeatureMatrix(n, dense, 1, new SparseMatrix(n, 3, pointers, [.. indices], [.. values]), infos);
        var densified = TreeInput.Densify(x, "test");
        var sparseBins = BinnedData.Fit(x, 255, 200_000, 1, 1);
        var denseBins = BinnedData.Fit(densified, 255, 200_000, 1, 1);
        Assert.True(sparseBins.Sparse(2).DefaultBin > 1, "the bin of 0 should sit above the negative values' bins");
        for (var f = 0; f < 4; f++)
        {
            Assert.Equal(denseBins.Binners[f].UpperEdges, sparseBins.Binners[f].UpperEdges);
            Assert.Equal(denseBins.Binners[f].CategoryToBin, sparseBins.Binners[f].CategoryToBin);
            for (var r = 0; r < n; r++)
            {
                Assert.Equal(denseBins.Columns[f][r], sparseBins.BinOf(f, r));
            }
        }

        var data = new TrainingSet(x, labels, TaskKind.Binary);
        var options = new RandomForestOptions { NumberOfTrees = 10, MinimumExampleCountPerLeaf = 3, Seed = 2 };
        var sparseForest = (RandomForestModel)new RandomForestTrainer(options).Fit(data);
        var denseForest = (RandomForestModel)new RandomForestTrainer(options).Fit(new TrainingSet(densified, labels, TaskKind.Binary));
        Assert.Equal(Bytes(denseForest.Write), Bytes(sparseForest.Write));
        var gbdtOptions = new GbdtOptions { NumberOfTrees = 10, MinimumExampleCountPerLeaf = 5 };
        var sparseGbdt = new GbdtTrainer(gbdtOptions).Fit(data);
        var denseGbdt = new GbdtTrainer(gbdtOptions).Fit(new TrainingSet(densified, labels, TaskKind.Binary));
        var expected = TreeTestData.PredictAll(denseGbdt, densified);
        var actual = TreeTestData.PredictAll(sparseGbdt, x);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5);
        }

        Assert.InRange(TreeTestData.Auc(actual, labels), 0.75, 1.0);
    }

    [Fact]
    public void BinnedDataFit_SparseCancelledToken_Throws()
    {
        var x = Sentiment.Value.Train.Features;
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => BinnedData.Fit(x, 255, 200_000, 1, 1, cancelled.Token));
        var binned = BinnedData.Fit(x, 255, 200_000, 1, 1);
        Assert.ThrowsAny<OperationCanceledException>(() => BinnedData.Apply(x, binned.Binners, 1, cancelled.Token));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void RandomForestFit_SentimentText_SameModelBytesAsDensified(int threads)
    {
        // 0/1 labels with bootstrap multiplicities as weights: every sum is an integer, so the bin of 0 obtained by
        // subtraction is exact and the forest is the densified one bit for bit.
        var (train, test, testLabels) = Sentiment.Value;
        var options = new RandomForestOptions { NumberOfTrees = 4, Seed = 11, MaxDegreeOfParallelism = threads };
        var sparse = (RandomForestModel)new RandomForestTrainer(options).Fit(train);
        var dense = (RandomForestModel)new RandomForestTrainer(options).Fit(Densified(train));
        Assert.Equal(Bytes(dense.Write), Bytes(sparse.Write));
        Assert.Equal(TreeTestData.PredictAll(dense, TreeInput.Densify(test, "test")), TreeTestData.PredictAll(sparse, test));
    }

    [Fact]
    public void GbdtFit_SentimentText_SameSplitsAsDensifiedAndCloseMargins()
    {
        // The bin of 0 is the node's gradient sum minus the other bins rather than its own sum, which rounds
        // differently; on real text the splits stay the same and the margins agree to float rounding.
        var (train, test, testLabels) = Sentiment.Value;
        var options = new GbdtOptions { NumberOfTrees = 15, Seed = 3, MaxDegreeOfParallelism = 2 };
        var sparse = (GbdtModel)new GbdtTrainer(options).Fit(train);
        var dense = (GbdtModel)new GbdtTrainer(options).Fit(Densified(train));
        var a = dense.Core.Ensemble;
        var b = sparse.Core.Ensemble;
        Assert.Equal(a.TreeRoots, b.TreeRoots);
        Assert.Equal(a.Nodes.Select(n => (n.Feature, n.Threshold, n.Left, n.Right)), b.Nodes.Select(n => (n.Feature, n.Threshold, n.Left, n.Right)));
        for (var l = 0; l < a.LeafValues.Length; l++)
        {
            Assert.Equal(a.LeafValues[l], b.LeafValues[l], 1e-5);
        }

        var expected = TreeTestData.PredictAll(dense, TreeInput.Densify(test, "test"));
        var actual = TreeTestData.PredictAll(sparse, test);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5);
        }

        Assert.InRange(TreeTestData.Auc(actual, testLabels), 0.70, 0.95);
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Regression)]
    public void GbdtFit_SparseThreadCountsAndBagging_BitIdentical(TaskKind task)
    {
        var train = Sentiment.Value.Train;
        var data = new TrainingSet(train.Features, train.Labels, task);
        byte[]? first = null;
        foreach (var threads in new[] { 1, 2 })
        {
            var options = new GbdtOptions
            {
                NumberOfTrees = 6, RowSubsampleFraction = 0.7, FeatureSubsampleFraction = 0.5, Seed = 9, MaxDegreeOfParallelism = threads,
            };
            var bytes = Bytes(((GbdtModel)new GbdtTrainer(options).Fit(data)).Write);
            first ??= bytes;
            Assert.Equal(first, bytes);
        }
    }

    [Fact]
    public void GbdtFit_SparseEarlyStopping_ValidationBinnedSparse()
    {
        var (train, test, testLabels) = Sentiment.Value;
        var withValidation = new TrainingSet(train.Features, train.Labels, TaskKind.Binary)
        {
            Validation = new TrainingSet(test, testLabels, TaskKind.Binary),
        };
        var options = new GbdtOptions { NumberOfTrees = 100, EarlyStoppingRounds = 2, LearningRate = 0.8, NumberOfLeaves = 8, Seed = 4 };
        var sparse = (GbdtModel)new GbdtTrainer(options).Fit(withValidation);
        var denseSet = new TrainingSet(Densified(train).Features, train.Labels, TaskKind.Binary)
        {
            Validation = new TrainingSet(TreeInput.Densify(test, "test"), testLabels, TaskKind.Binary),
        };
        var dense = (GbdtModel)new GbdtTrainer(options).Fit(denseSet);
        Assert.InRange(sparse.Core.Ensemble.TreeCount, 2, 99);
        Assert.Equal(dense.Core.Ensemble.TreeCount, sparse.Core.Ensemble.TreeCount);
    }

    [Theory]
    [InlineData(20, false, false, 1)]
    [InlineData(20, true, true, 2)]
    [InlineData(5, true, false, 1)]
    [InlineData(1, false, true, 2)]
    [InlineData(0, true, true, 1)]
    public void TreeGrowerGrow_SparseLiveFeatures_SameTreesAsKeepingEveryFeature(int minimumCount, bool bagging, bool featureSubsets, int threads)
    {
        // Boosting nodes keep histograms only for their live sparse features (off the bin of 0 in at least
        // MinimumCount rows); the reference keeps and searches every one. Float gradients, so any slot computed
        // differently would show in the leaf values. Feature subsets are listed shuffled, not sorted, so ties between
        // dense and sparse features must still go to the earlier one in the list.
        var train = Sentiment.Value.Train;
        var binned = BinnedData.Fit(train.Features, 255, 200_000, 42, 1);
        var (sparseSplits, absentInLeaf) = GrowLiveAndReference(
            binned, train.Labels, minimumCount, bagging, featureSubsets, threads, minimumCount + (bagging ? 100 : 0) + (featureSubsets ? 1000 : 0));
        Assert.True(sparseSplits > 20, $"only {sparseSplits} splits on text features");
        Assert.True(absentInLeaf > 0, "no leaf without the root split's text feature");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(5, true)]
    [InlineData(20, true)]
    public void TreeGrowerGrow_SparseEdgeValuesLiveFeatures_SameTreesAsKeepingEveryFeature(int minimumCount, bool bagging)
    {
        // What text never has: NaN entries (a missing bin, searched on both sides), negative values (the bin of 0 in
        // the middle), a categorical code column, columns from very rare to common, plus a dense column.
        const int n = 3000, width = 40;
        var random = new Random(17);
        var pointers = new int[n + 1];
        var indices = new List<int>();
        var values = new List<float>();
        var dense = new float[n];
        var labels = new float[n];
        for (var i = 0; i < n; i++)
        {
            dense[i] = (float)random.NextDouble();
            var score = dense[i] + random.NextDouble();
            for (var j = 0; j < width; j++)
            {
                if (random.NextDouble() >= 0.005 + (0.3 * j / width))
                {
                    continue;
                }

                var value = j == 0 ? random.Next(1, 6)
                    : random.Next(10) == 0 ? float.NaN
                    : (float)Math.Round((random.NextDouble() * 6) - 2, 2);
                indices.Add(j);
                values.Add(value);
                score += j % 3 == 0 && !float.IsNaN(value) ? value / 3 : float.IsNaN(value) ? 0.4 : 0;
            }

            pointers[i + 1] = indices.Count;
            labels[i] = score > 1.5 ? 1 : 0;
        }

        FeatureInfo[] infos = [new("d"), new("code", IsCategorical: true, Cardinality: 6), .. Enumerable.Range(1, width - 1).Select(j => new FeatureInfo($"s{j}"))];
        var x = new FeatureMatrix(n, dense, 1, new SparseMatrix(n, width, pointers, [.. indices], [.. values]), infos);
        var binned = BinnedData.Fit(x, 255, 200_000, 1, 1);
        var (sparseSplits, _) = GrowLiveAndReference(binned, labels, minimumCount, bagging, featureSubsets: true, threads: 1, seed: minimumCount);
        Assert.True(sparseSplits > 20, $"only {sparseSplits} splits on sparse features");
    }

    /// <summary>
    /// Grows three trees with and without <see cref="GrowerSettings.KeepEverySparseFeature"/> on logistic-like float
    /// gradients and asserts they are the same; returns the splits on sparse features and the leaves that hold none
    /// of the root split's sparse feature's stored rows.
    /// </summary>
    private static (int SparseSplits, int AbsentInLeaf) GrowLiveAndReference(
        BinnedData binned, float[] labels, int minimumCount, bool bagging, bool featureSubsets, int threads, int seed)
    {
        var n = binned.RowCount;
        var settings = new GrowerSettings { MaximumLeaves = 31, MinimumCount = minimumCount, MinimumHessian = 1e-3, L2 = 1 };
        var live = new TreeGrower(binned, settings, threads);
        var reference = new TreeGrower(binned, settings with { KeepEverySparseFeature = true }, threads);
        var random = new Random(seed);
        var gradients = new float[n];
        var hessians = new float[n];
        var rows = new int[n];
        var features = new int[binned.FeatureCount];
        var sparseSplits = 0;
        var absentInLeaf = 0;
        for (var t = 0; t < 3; t++)
        {
            for (var i = 0; i < n; i++)
            {
                var p = (0.2 * random.NextDouble()) + (labels[i] > 0 ? 0.3 : 0.5);
                gradients[i] = (float)(p - labels[i]);
                hessians[i] = (float)(p * (1 - p));
            }

            var count = 0;
            for (var i = 0; i < n; i++)
            {
                if (!bagging || random.NextDouble() < 0.7)
                {
                    rows[count++] = i;
                }
            }

            var featureCount = binned.FeatureCount;
            for (var f = 0; f < featureCount; f++)
            {
                features[f] = f;
            }

            random.Shuffle(features);
            if (featureSubsets)
            {
                featureCount /= 2;
                if (Array.IndexOf(features, 0, 0, featureCount) < 0)
                {
                    // Keep the dense feature in the list, somewhere after sparse ones.
                    features[featureCount / 2] = 0;
                }
            }
            else
            {
                Array.Sort(features);
            }

            var expected = reference.Grow(gradients, hessians, bagging ? rows : null, count, features, featureCount, null);
            var actual = live.Grow(gradients, hessians, bagging ? rows : null, count, features, featureCount, null);
            TreeTestData.AssertSameTree(expected, actual);
            Assert.True(actual.LeafCount >= 10, $"only {actual.LeafCount} leaves");
            sparseSplits += actual.Splits.Count(s => binned.IsSparse(s.Feature));

            // Nodes where a feature present at the root is absent: the case the live lists drop.
            var rootRows = bagging ? rows.AsSpan(0, count).ToArray() : Enumerable.Range(0, n).ToArray();
            var split = actual.Splits[0].Feature;
            for (var l = 0; l < actual.LeafCount; l++)
            {
                var (start, leafCount) = live.LeafRange(l);
                var leafRows = live.Rows.AsSpan(start, leafCount).ToArray();
                if (binned.IsSparse(split) && HasEntry(binned, split, rootRows) && !HasEntry(binned, split, leafRows))
                {
                    absentInLeaf++;
                }
            }
        }

        return (sparseSplits, absentInLeaf);
    }

    private static bool HasEntry(BinnedData binned, int feature, int[] rows)
    {
        var stored = binned.Sparse(feature).Rows;
        foreach (var r in rows)
        {
            if (Array.BinarySearch(stored, r) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void ForestGrowerGrow_SparseText_SameTreesAsReferenceOnDensified()
    {
        // The forest's grower and the general grower's forest mode, on the sparse bins and on the densified ones.
        var train = Sentiment.Value.Train;
        var n = train.Features.RowCount;
        var sparse = BinnedData.Fit(train.Features, 255, 200_000, 42, 1);
        var dense = BinnedData.Fit(TreeInput.Densify(train.Features, "test"), 255, 200_000, 42, 1);
        var settings = new GrowerSettings { ForestMode = true, MaximumLeaves = int.MaxValue, MinimumCount = 1, MinimumHessian = 0, FeaturesPerNode = 98 };
        var referenceDense = new TreeGrower(dense, settings, 1);
        var referenceSparse = new TreeGrower(sparse, settings, 1);
        var fast = new ForestGrower(sparse, 98, 1, 0, labelsAreIndicators: true);
        var gradients = new float[n];
        var hessians = new float[n];
        var rows = new int[n];
        for (var t = 0; t < 2; t++)
        {
            var bootstrap = new Random(t);
            var multiplicity = new int[n];
            for (var s = 0; s < n; s++)
            {
                multiplicity[bootstrap.Next(n)]++;
            }

            var count = 0;
            for (var i = 0; i < n; i++)
            {
                if (multiplicity[i] > 0)
                {
                    rows[count] = i;
                    gradients[i] = -train.Labels[i] * multiplicity[i];
                    hessians[i] = multiplicity[i];
                    fast.RootRows[count] = i;
                    fast.RootPairs[count++] = new GradientPair { Gradient = gradients[i], Hessian = hessians[i] };
                }
            }

            var expected = referenceDense.Grow(gradients, hessians, rows, count, [], 0, new Random(100 + t));
            TreeTestData.AssertSameTree(expected, referenceSparse.Grow(gradients, hessians, rows, count, [], 0, new Random(100 + t)));
            var actual = fast.Grow(count, new Random(100 + t));
            TreeTestData.AssertSameTree(expected, actual);
            Assert.True(actual.NodeCount > 50, $"only {actual.NodeCount} splits");
        }
    }

    [Fact]
    public void WriteRead_SparseModels_IdenticalPredictionsOnSparseRows()
    {
        var (train, test, testLabels) = Sentiment.Value;
        IPredictor[] models =
        [
            new GbdtTrainer(new GbdtOptions { NumberOfTrees = 5 }).Fit(train),
            new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 3 }).Fit(train),
        ];
        foreach (var model in models)
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                (model as GbdtModel)?.Write(writer);
                (model as RandomForestModel)?.Write(writer);
            }

            stream.Position = 0;
            using var reader = new BinaryReader(stream);
            IPredictor loaded = model is GbdtModel ? GbdtModel.Read(reader) : RandomForestModel.Read(reader);
            var batch = TreeTestData.PredictAll(model, test);
            Assert.Equal(batch, TreeTestData.PredictAll(loaded, test));

            // Single rows straight from the sparse block, as a served request would come.
            var output = new float[model.OutputWidth];
            var sparse = test.Sparse!;
            for (var i = 0; i < 50; i++)
            {
                var row = new FeatureRow(TreeTestData.Row(test, i), sparse.RowIndices(i), sparse.RowValues(i));
                loaded.Predict(row, output);
                Assert.Equal(batch[i * model.OutputWidth], output[0]);
            }
        }
    }

    [Fact]
    public void Fit_SparseBlockBeyondDensifyLimit_Trains()
    {
        // 70,000 columns × 1,000 rows is over the 64 Mi cells the trainers used to densify; only 3 entries per row.
        const int n = 1000, width = 70_000;
        var random = new Random(8);
        var pointers = new int[n + 1];
        var indices = new List<int>();
        var values = new List<float>();
        var labels = new float[n];
        for (var i = 0; i < n; i++)
        {
            var columns = new SortedSet<int> { random.Next(width), random.Next(width), i % 2 == 0 ? 7 : 8 };
            foreach (var j in columns)
            {
                indices.Add(j);
                values.Add(1 + random.Next(5));
            }

            pointers[i + 1] = indices.Count;
            labels[i] = i % 2 == 0 ? 1 : 0;
        }

        var infos = Enumerable.Range(0, width).Select(j => new FeatureInfo($"t{j}")).ToArray();
        var x = new FeatureMatrix(n, [], 0, new SparseMatrix(n, width, pointers, [.. indices], [.. values]), infos);
        Assert.True((long)n * width > TreeInput.MaximumDensifiedCells);
        var data = new TrainingSet(x, labels, TaskKind.Binary);
        foreach (var model in new[] { new GbdtTrainer(new GbdtOptions { NumberOfTrees = 3 }).Fit(data), new RandomForestTrainer(5).Fit(data) })
        {
            var p = TreeTestData.PredictAll(model, x);
            Assert.Equal(1.0, TreeTestData.Auc(p, labels));
        }
    }

    private static TrainingSet Densified(TrainingSet data) =>
        new(TreeInput.Densify(data.Features, "test"), data.Labels, data.Task, data.ClassCount);

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            write(writer);
        }

        return stream.ToArray();
    }

    private static SentimentSplit LoadSentiment()
    {
        var table = CsvTable.Read(
            TestPaths.Dataset("sentiment-uci-labelled-sentences.csv"),
            new CsvOptions { ColumnTypes = new Dictionary<string, ColumnType> { ["text"] = ColumnType.Text } });
        var trainRows = Enumerable.Range(0, table.RowCount).Where(i => i % 5 != 0).ToArray();
        var testRows = Enumerable.Range(0, table.RowCount).Where(i => i % 5 == 0).ToArray();
        var features = table.WithoutColumns(["label"]);
        // As GeneralCandidates featurises text for the tree candidates.
        var options = FeaturizerOptions.Trees;
        options.TextColumns = ["text"];
        options.Text.MaximumVocabularySize = 5_000;
        options.Text.MinimumDocumentFrequency = 2;
        var pipeline = FeaturePipeline.Fit(features.SelectRows(trainRows), options);
        var labels = ((NumericColumn)table["label"]).Values.ToArray();
        var train = new TrainingSet(pipeline.Transform(features.SelectRows(trainRows)), [.. trainRows.Select(i => labels[i])], TaskKind.Binary);
        return new SentimentSplit(train, pipeline.Transform(features.SelectRows(testRows)), [.. testRows.Select(i => labels[i])]);
    }

    /// <summary>Every fifth row to the test side, featurised on the training rows: 2,400 × ~10,000 sparse columns.</summary>
    private sealed record SentimentSplit(TrainingSet Train, FeatureMatrix Test, float[] TestLabels);
}
