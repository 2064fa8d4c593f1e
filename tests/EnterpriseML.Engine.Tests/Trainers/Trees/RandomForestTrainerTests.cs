using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

public sealed class RandomForestTrainerTests
{
    [Fact]
    public void Fit_CreditGerman_GoldenAuc()
    {
        var (train, test) = TreeTestData.CreditGerman;
        var model = new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 100, Seed = 7 }).Fit(train);
        var auc = TreeTestData.Auc(TreeTestData.PredictAll(model, test.Features), test.Labels);
        Assert.InRange(auc, 0.75, 0.88);
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Regression)]
    public void Fit_ThreadCounts_BitIdenticalPredictions(TaskKind task)
    {
        var x = TreeTestData.Synthetic(1500, 31, out var regression, out var binary, out _);
        float[]? first = null;
        foreach (var threads in new[] { 1, 2, 4 })
        {
            var model = new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 12, MaxDegreeOfParallelism = threads })
                .Fit(new TrainingSet(x, task == TaskKind.Binary ? binary : regression, task));
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
    public void Predict_Binary_ProbabilitiesInUnitInterval()
    {
        var x = TreeTestData.Synthetic(1000, 32, out _, out var binary, out _);
        var p = TreeTestData.PredictAll(new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 20 }).Fit(new TrainingSet(x, binary, TaskKind.Binary)), x);
        Assert.All(p, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(TreeTestData.Auc(p, binary), 0.95, 1.0);
    }

    [Fact]
    public void WriteRead_RoundTrip_IdenticalPredictions()
    {
        var x = TreeTestData.Synthetic(800, 33, out var regression, out _, out _);
        var model = (RandomForestModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 10 }).Fit(new TrainingSet(x, regression, TaskKind.Regression));
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        stream.Position = 0;
        var loaded = RandomForestModel.Read(new BinaryReader(stream));
        Assert.Equal("random-forest/1", loaded.FormatId);
        Assert.Equal(TreeTestData.PredictAll(model, x), TreeTestData.PredictAll(loaded, x));
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Regression)]
    public void Explain_AnyRow_ContributionsPlusBiasEqualOutput(TaskKind task)
    {
        var x = TreeTestData.Synthetic(600, 34, out var regression, out var binary, out _);
        var model = (RandomForestModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 15, MinimumExampleCountPerLeaf = 3 })
            .Fit(new TrainingSet(x, task == TaskKind.Binary ? binary : regression, task));
        var contributions = new float[4];
        var output = new float[1];
        for (var r = 0; r < 20; r++)
        {
            var row = TreeTestData.Row(x, r);
            var bias = model.Explain(new FeatureRow(row), contributions);
            model.Predict(new FeatureRow(row), output);
            Assert.Equal(output[0], bias + contributions.Sum(), 1e-3);
        }
    }

    [Fact]
    public void Fit_Multiclass_NormalisedProbabilitiesThatSeparateTheClasses()
    {
        var x = TreeTestData.Synthetic(1500, 35, out _, out _, out var multiclass);
        var all = Enumerable.Range(0, x.RowCount).ToArray();
        var train = TreeTestData.Subset(x, multiclass, all.Where(i => i % 4 != 0).ToArray(), TaskKind.Multiclass, 3);
        var test = TreeTestData.Subset(x, multiclass, all.Where(i => i % 4 == 0).ToArray(), TaskKind.Multiclass, 3);
        var model = new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 40, Seed = 3 }).Fit(train);

        Assert.Equal(3, model.OutputWidth);
        var p = TreeTestData.PredictAll(model, test.Features);
        var correct = 0;
        var counts = new int[3];
        for (var r = 0; r < test.Labels.Length; r++)
        {
            var row = p.AsSpan(r * 3, 3);
            Assert.Equal(1.0, row[0] + row[1] + row[2], 5);
            Assert.All(row.ToArray(), v => Assert.InRange(v, 0f, 1f));
            var predicted = row.IndexOf(MathF.Max(row[0], MathF.Max(row[1], row[2])));
            correct += predicted == (int)test.Labels[r] ? 1 : 0;
            counts[(int)test.Labels[r]]++;
        }

        // Well above the majority class on held-out rows.
        var accuracy = (double)correct / test.Labels.Length;
        Assert.True(accuracy > (double)counts.Max() / test.Labels.Length + 0.2, $"accuracy {accuracy:F3}, majority {(double)counts.Max() / test.Labels.Length:F3}");
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Regression)]
    public void Fit_MonotoneConstraints_EveryPredictionMovesTheConstrainedWay(TaskKind task)
    {
        // x0 raises the signal and x1 lowers it; force the opposite directions, and x3 (with missing values) up.
        var x = TreeTestData.Synthetic(2000, 38, out var regression, out var binary, out _);
        var options = new RandomForestOptions { NumberOfTrees = 30, MonotoneConstraints = [-1, 1, 0, 1], Seed = 6 };
        var model = new RandomForestTrainer(options).Fit(new TrainingSet(x, task == TaskKind.Binary ? binary : regression, task));
        var free = new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 30, Seed = 6 })
            .Fit(new TrainingSet(x, task == TaskKind.Binary ? binary : regression, task));
        var output = new float[1];
        var violationsOfTheFreeForest = 0;
        for (var r = 0; r < 40; r++)
        {
            var row = TreeTestData.Row(x, r);
            foreach (var (feature, direction) in new[] { (0, -1), (1, 1), (3, 1) })
            {
                float previous = float.NaN, previousFree = float.NaN;
                for (var step = 0; step <= 50; step++)
                {
                    var sweep = (float[])row.Clone();
                    sweep[feature] = step / 50f;
                    model.Predict(new FeatureRow(sweep), output);
                    Assert.True(float.IsNaN(previous) || direction * (output[0] - previous) >= 0,
                        $"row {r}: prediction moved against constraint {direction:+0;-0} at x{feature} = {step / 50f}");
                    previous = output[0];
                    free.Predict(new FeatureRow(sweep), output);
                    violationsOfTheFreeForest += !float.IsNaN(previousFree) && direction * (output[0] - previousFree) < 0 ? 1 : 0;
                    previousFree = output[0];
                }
            }
        }

        // The constraints go against the data, so without them the same forest breaks them often: the check can fail.
        Assert.True(violationsOfTheFreeForest > 100, $"the unconstrained forest broke the constraints only {violationsOfTheFreeForest} times");
    }

    [Fact]
    public void Fit_MonotoneConstraints_ThreadCountsBitIdentical()
    {
        var x = TreeTestData.Synthetic(900, 39, out _, out var binary, out _);
        var set = new TrainingSet(x, binary, TaskKind.Binary);
        var one = new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 10, MaxDegreeOfParallelism = 1, MonotoneConstraints = [1, -1] }).Fit(set);
        var two = new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 10, MaxDegreeOfParallelism = 2, MonotoneConstraints = [1, -1] }).Fit(set);
        Assert.Equal(TreeTestData.PredictAll(one, x), TreeTestData.PredictAll(two, x));
    }

    [Theory]
    [InlineData(TaskKind.Multiclass, new[] { 1 })]
    [InlineData(TaskKind.Binary, new[] { 0, 0, 1 })]
    [InlineData(TaskKind.Binary, new[] { 0, 2 })]
    [InlineData(TaskKind.Binary, new[] { 0, 0, 0, 0, 1 })]
    public void Fit_BadMonotoneConstraints_ThrowsNamingOption(TaskKind task, int[] constraints)
    {
        // Multiclass, a categorical feature (x2), a value other than −1/0/+1, more constraints than features.
        var x = TreeTestData.Synthetic(200, 40, out _, out var binary, out var multiclass);
        var set = task == TaskKind.Multiclass ? new TrainingSet(x, multiclass, task, 3) : new TrainingSet(x, binary, task);
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 2, MonotoneConstraints = constraints }).Fit(set));
        Assert.Equal(nameof(RandomForestOptions.MonotoneConstraints), error.ParamName);
    }

    [Fact]
    public void Fit_Multiclass_ThreadCountsBitIdenticalAndSurvivesSaveLoad()
    {
        var x = TreeTestData.Synthetic(900, 36, out _, out _, out var multiclass);
        var set = new TrainingSet(x, multiclass, TaskKind.Multiclass, 3);
        var one = (RandomForestModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 10, MaxDegreeOfParallelism = 1, Seed = 4 }).Fit(set);
        var two = (RandomForestModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 10, MaxDegreeOfParallelism = 2, Seed = 4 }).Fit(set);
        var expected = TreeTestData.PredictAll(one, x);
        Assert.Equal(expected, TreeTestData.PredictAll(two, x));

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            one.Write(writer);
        }

        stream.Position = 0;
        var loaded = RandomForestModel.Read(new BinaryReader(stream));
        Assert.Equal(expected, TreeTestData.PredictAll(loaded, x));
        var single = new float[3];
        loaded.Predict(new FeatureRow(TreeTestData.Row(x, 5)), single);
        Assert.Equal(expected.AsSpan(15, 3).ToArray(), single);
    }

    [Fact]
    public void Explain_Multiclass_EachClassAddsUpToItsMeanFrequency()
    {
        var x = TreeTestData.Synthetic(600, 37, out _, out _, out var multiclass);
        var model = (RandomForestModel)new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 12, MinimumExampleCountPerLeaf = 3 })
            .Fit(new TrainingSet(x, multiclass, TaskKind.Multiclass, 3));
        var contributions = new float[4];
        var output = new float[3];
        for (var r = 0; r < 15; r++)
        {
            var row = new FeatureRow(TreeTestData.Row(x, r));
            model.Predict(row, output);
            var frequencies = new double[3];
            for (var c = 0; c < 3; c++)
            {
                frequencies[c] = model.Explain(row, contributions, c) + contributions.Sum();
            }

            // The output is those mean class frequencies scaled to sum to 1.
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(output[c], frequencies[c] / frequencies.Sum(), 3);
            }
        }
    }

    /// <summary>
    /// A table whose only column gives no feature (a text column without a word) left the forest no feature to
    /// sample: it threw "'1' cannot be greater than 0". Each tree is now one leaf, as GBDT's are.
    /// </summary>
    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Multiclass)]
    [InlineData(TaskKind.Regression)]
    public void Fit_NoFeatures_EveryRowGetsTheSameValidPrediction(TaskKind task)
    {
        var table = new DataTable([new StringColumn("note", [.. Enumerable.Repeat("", 30)], ColumnType.Text)]);
        var labels = Enumerable.Range(0, 30).Select(i => task == TaskKind.Regression ? i * 0.5f : i % (task == TaskKind.Binary ? 2 : 3)).ToArray();
        var classes = task switch { TaskKind.Binary => new[] { "a", "b" }, TaskKind.Multiclass => ["a", "b", "c"], _ => [] };
        var model = Engine.Models.TabularTraining.Fit(new Engine.AutoML.CandidateData(table, labels, task, classes), "y",
            new RandomForestTrainer(new RandomForestOptions { NumberOfTrees = 5, Seed = 1 }), Engine.Featurizers.FeaturizerOptions.Trees);
        Assert.Equal(0, model.Predictor.FeatureCount);
        var outputs = model.Predict(table);
        var width = model.OutputWidth;
        for (var r = 0; r < 30; r++)
        {
            Assert.Equal(outputs.AsSpan(0, width).ToArray(), outputs.AsSpan(r * width, width).ToArray());
        }

        Assert.All(outputs, v => Assert.InRange(v, 0f, task == TaskKind.Regression ? 14.5f : 1f));
    }
}
