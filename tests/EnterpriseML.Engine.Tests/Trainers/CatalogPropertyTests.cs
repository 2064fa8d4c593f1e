using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers;

/// <summary>
/// Properties every catalog trainer must have on every task it offers, checked on <see cref="MixedTable"/> (every
/// column kind, dense and sparse features) and on rows and tables built to break things: explanations add up to the
/// margin README.md documents, a saved and re-loaded model predicts bit-identically row by row and in batches,
/// hostile rows (infinities, empty strings, unseen levels, every value missing, extra and reordered columns) give
/// valid predictions, and hostile training tables either train or fail with an error that names what is wrong.
/// </summary>
public sealed class CatalogPropertyTests
{
    public static IEnumerable<object[]> TrainerTasks() => ModelTestData.TrainerTasks();

    /// <summary>
    /// <see cref="CatalogDeterminismTests"/> on the mixed table: sparse one-hot and text features for every trainer
    /// (the shared datasets give text to naive Bayes and the linear SVM only). At 3,000 rows (16 dense features, about
    /// 106,000 sparse entries) a multiclass linear fit's three heads pass the linear objective's parallel threshold of
    /// 2^18 multiply-adds; one head does not, and CatalogDeterminismTests covers those on larger tables.
    /// </summary>
    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void Fit_DenseAndSparseFeatures_SameModelOnOneTwoThreeAndEightThreads(string trainer, TaskKind task)
    {
        var table = Large.Value;
        var reference = ModelTestData.Bytes(MixedTable.Fit(trainer, task, threads: 1, table));
        foreach (var threads in new[] { 2, 3, 8 })
        {
            var model = MixedTable.Fit(trainer, task, threads, table);
            Assert.True(reference.AsSpan().SequenceEqual(ModelTestData.Bytes(model)), $"{trainer} ({task}): the model file on {threads} threads differs from the one-thread fit's.");
        }
    }

    private static readonly Lazy<DataTable> Large = new(() => MixedTable.Build(3000));

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void Explain_EveryCatalogTrainer_BiasPlusContributionsIsTheDocumentedMargin(string trainer, TaskKind task)
    {
        var model = MixedTable.Model(trainer, task);
        var explainer = Assert.IsAssignableFrom<IExplainablePredictor>(model.Predictor);
        Assert.True(explainer.CanExplain, $"{trainer} ({task}): {explainer.WhyNot}");
        var rows = Rows(MixedTable.Features, 40, ordinary: true);
        var engine = model.CreateEngine();
        var width = model.OutputWidth;
        var output = new float[width];
        var contributions = new float[model.Predictor.FeatureCount];
        var margins = new double[width];
        for (var r = 0; r < rows.RowCount; r++)
        {
            ModelTestData.SetRow(engine, rows, r);
            engine.Predict(output);
            var row = engine.Featurize();
            for (var k = 0; k < width; k++)
            {
                margins[k] = explainer.Explain(row, contributions, k);
                foreach (var c in contributions)
                {
                    margins[k] += c;
                }
            }

            var (expected, actual) = Documented(trainer, task, margins, output);
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-5 * Math.Max(1, Math.Abs(actual[k])),
                    $"{trainer} ({task}) row {r} output {k}: bias + contributions give {expected[k]}, the prediction says {actual[k]}.");
            }
        }
    }

    /// <summary>
    /// README.md: bias + contributions is the log-odds of the probability (logistic regression, linear SVM, naive
    /// Bayes, GBDT), the probability itself for a random forest, the value for ridge and GBDT or random-forest
    /// regression, its logarithm for Poisson and Tweedie, and for multiclass each class's margin before the softmax
    /// (for a forest, the class's mean leaf value, which the forest scales to sum to 1). Returns (what the explanation
    /// implies, what the model predicted) in the prediction's space.
    /// </summary>
    private static (double[] Implied, double[] Predicted) Documented(string trainer, TaskKind task, double[] margins, float[] output)
    {
        var predicted = output.Select(v => (double)v).ToArray();
        if (trainer == "random-forest")
        {
            var total = task == TaskKind.Multiclass ? margins.Sum() : 1;
            return (margins.Select(m => m / total).ToArray(), predicted);
        }

        switch (task)
        {
            case TaskKind.Binary:
                return ([1 / (1 + Math.Exp(-margins[0]))], predicted);
            case TaskKind.Multiclass:
                var max = margins.Max();
                var e = margins.Select(m => Math.Exp(m - max)).ToArray();
                var sum = e.Sum();
                return (e.Select(v => v / sum).ToArray(), predicted);
            default:
                return trainer is "poisson" or "tweedie" ? ([margins[0]], [Math.Log(predicted[0])]) : ([margins[0]], predicted);
        }
    }

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void SaveLoad_EveryCatalogTrainer_SingleRowsBatchesAndExplanationsBitIdentical(string trainer, TaskKind task)
    {
        // The mixed table gives dense and sparse features; the shared datasets' models (credit, diamonds) dense ones only.
        var shared = ModelTestData.Train(trainer, task, out var sharedData);
        foreach (var (model, table) in new[] { (MixedTable.Model(trainer, task), MixedTable.Features), (shared, sharedData.Features) })
        {
            SaveLoadAssert.RoundTrip($"{trainer} ({task})", model, Rows(table, 60, ordinary: false));
        }
    }

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void Predict_HostileRows_ValidPredictionsWhateverTheColumnOrder(string trainer, TaskKind task)
    {
        var model = MixedTable.Model(trainer, task);
        var rows = Rows(MixedTable.Features, 12, ordinary: false);
        var batch = model.Predict(rows);
        AssertValid(trainer, task, batch, model.OutputWidth);

        // Extra columns, and the columns in another order, change nothing.
        var shuffled = new DataTable([new NumericColumn("unused", new float[rows.RowCount]), .. rows.Columns.Reverse(), new StringColumn("also-unused", new string?[rows.RowCount])]);
        Assert.Equal(ModelTestData.Bits(batch), ModelTestData.Bits(model.Predict(shuffled)));

        var engine = model.CreateEngine();
        var width = model.OutputWidth;
        var output = new float[width];
        for (var r = 0; r < rows.RowCount; r++)
        {
            ModelTestData.SetRow(engine, shuffled, r);
            engine.Predict(output);
            for (var k = 0; k < width; k++)
            {
                var expected = batch[(r * width) + k];
                Assert.True(MathF.Abs(expected - output[k]) <= 1e-5f * MathF.Max(1f, MathF.Abs(expected)),
                    $"{trainer} ({task}) row {r} output {k}: batch {expected}, single-row {output[k]}.");
            }
        }

        // Every input given as an empty string or a missing marker, as a form or a CSV field would: each is a
        // missing value, so the row predicts as one with every input missing.
        engine.Clear();
        engine.Predict(output);
        var missing = ModelTestData.Bits(output);
        foreach (var marker in new[] { "", " ", "NA", "?", "NaN" })
        {
            for (var i = 0; i < engine.Inputs.Count; i++)
            {
                engine.SetFromString(i, marker);
            }

            engine.Predict(output);
            Assert.Equal(missing, ModelTestData.Bits(output));
        }
    }

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void Fit_HostileTrainingTables_TrainsToValidPredictionsOrFailsNamingTheColumn(string trainer, TaskKind task)
    {
        var failures = new List<string>();
        foreach (var (name, table, labels) in HostileTrainingTables(task))
        {
            ModelPipeline model;
            try
            {
                var data = new CandidateData(table, labels, task, MixedTable.ClassNames(task));
                model = TabularTraining.Fit(data, "target", TrainerCatalog.Create(trainer, ModelTestData.FastSettings(trainer), seed: 3, threads: 2), TrainerCatalog.Get(trainer).Featurization());
            }
            catch (ArgumentException e)
            {
                // A refusal is fine when it says what is wrong where: a column by name, or the label.
                if (!table.Columns.Any(c => e.Message.Contains($"'{c.Name}'", StringComparison.Ordinal)) && !e.Message.StartsWith("Label ", StringComparison.Ordinal))
                {
                    failures.Add($"{name}: the error names no column: {e.Message}");
                }

                continue;
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
                continue;
            }

            var outputs = model.Predict(Rows(table, 20, ordinary: false));
            for (var i = 0; i < outputs.Length; i++)
            {
                var v = outputs[i];
                if (!float.IsFinite(v) || (task != TaskKind.Regression && v is < 0f or > 1f))
                {
                    failures.Add($"{name}: output {i % model.OutputWidth} of row {i / model.OutputWidth} is {v}.");
                    break;
                }
            }
        }

        Assert.True(failures.Count == 0, $"{trainer} ({task}):\n" + string.Join("\n", failures));
    }

    /// <summary>Training tables that break assumptions, each with labels of <paramref name="task"/> (non-negative for the log-link regressions).</summary>
    private static IEnumerable<(string Name, DataTable Table, float[] Labels)> HostileTrainingTables(TaskKind task)
    {
        static float[] Labels(TaskKind task, int n, Func<int, int> code) => [.. Enumerable.Range(0, n).Select(i => task switch
        {
            TaskKind.Binary => code(i) % 2,
            TaskKind.Multiclass => code(i) % 3,
            _ => (code(i) % 5) * 1.5f,
        })];

        static NumericColumn Numbers(string name, int n, Func<int, float> value) => new(name, [.. Enumerable.Range(0, n).Select(value)]);

        static DataTable Table(params DataColumn[] columns) => new(columns);

        yield return ("two rows, one feature", Table(Numbers("x", 2, i => i)), Labels(task, 2, i => i));
        yield return ("three rows, one feature", Table(Numbers("x", 3, i => i)), Labels(task, 3, i => i));
        yield return ("a constant feature", Table(Numbers("x", 40, _ => 3f)), Labels(task, 40, i => i));
        yield return ("an all-missing numeric column", Table(Numbers("empty", 40, _ => float.NaN), Numbers("x", 40, i => i % 7)), Labels(task, 40, i => i % 7));
        yield return ("an all-missing categorical column", Table(new StringColumn("level", new string?[40]), Numbers("x", 40, i => i % 7)), Labels(task, 40, i => i % 7));
        yield return ("only an all-missing text column", Table(new StringColumn("note", new string?[40], ColumnType.Text)), Labels(task, 40, i => i));
        yield return ("only a text column of empty strings", Table(new StringColumn("note", [.. Enumerable.Repeat("", 40)], ColumnType.Text)), Labels(task, 40, i => i));
        yield return ("an all-missing timestamp column", Table(new DateTimeColumn("when", [.. Enumerable.Repeat(DateTimeColumn.Missing, 40)]), Numbers("x", 40, i => i % 7)), Labels(task, 40, i => i % 7));
        yield return ("a constant label (as in a fold with one class)", Table(Numbers("x", 40, i => i)), Labels(task, 40, _ => 0));
        yield return ("a class with a single row", Table(Numbers("x", 40, i => i)), Labels(task, 40, i => i == 39 ? 2 : i % 2));
        yield return ("a categorical of 1,000 levels", Table(new StringColumn("sku", [.. Enumerable.Range(0, 2000).Select(i => "sku" + (i / 2))]), Numbers("x", 2000, i => i % 10)), Labels(task, 2000, i => (i / 2) + (i % 10)));
        yield return ("duplicated rows with conflicting labels", Table(Numbers("x", 60, i => i % 2), new StringColumn("level", [.. Enumerable.Range(0, 60).Select(i => i % 2 == 0 ? "a" : "b")])), Labels(task, 60, i => i / 2));
        yield return ("extreme magnitudes", Table(Numbers("huge", 40, i => (i % 2 == 0 ? 1 : -1) * float.MaxValue / (1 + (i % 4))), Numbers("tiny", 40, i => i * 1e-44f)), Labels(task, 40, i => i));
        yield return ("infinities", Table(Numbers("x", 40, i => i == 3 ? float.PositiveInfinity : i == 4 ? float.NegativeInfinity : i)), Labels(task, 40, i => i));
        if (task == TaskKind.Regression)
        {
            yield return ("targets near the float limit", Table(Numbers("x", 40, i => i)), [.. Enumerable.Range(0, 40).Select(i => float.MaxValue / (1 + (i % 3)))]);
        }
    }

    private static void AssertValid(string trainer, TaskKind task, float[] outputs, int width)
    {
        for (var r = 0; r < outputs.Length / width; r++)
        {
            var row = outputs.AsSpan(r * width, width);
            foreach (var v in row)
            {
                Assert.True(float.IsFinite(v), $"{trainer} ({task}) row {r}: prediction {v}.");
                if (task != TaskKind.Regression)
                {
                    Assert.InRange(v, 0f, 1f);
                }
            }

            if (task == TaskKind.Multiclass)
            {
                Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Sum(row), 4);
            }
        }
    }

    /// <summary>
    /// Rows with the columns of <paramref name="table"/>: first every value missing, then (unless
    /// <paramref name="ordinary"/>) infinities, the largest floats, empty and blank strings, levels and words never
    /// seen, extreme timestamps; then unseen levels and empty strings on ordinary rows; then <paramref name="count"/>
    /// ordinary rows of the table. <paramref name="ordinary"/> keeps to values whose contributions a float can hold.
    /// </summary>
    internal static DataTable Rows(DataTable table, int count, bool ordinary)
    {
        var n = Math.Min(count, table.RowCount);
        var numbers = ordinary ? new[] { float.NaN } : [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, float.Epsilon];
        var texts = ordinary ? new string?[] { null } : [null, "", " ", "\t", "never seen ✓", new string('x', 5000)];
        var ticks = ordinary ? new[] { DateTimeColumn.Missing } : [DateTimeColumn.Missing, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks, 0, 1, DateTimeColumn.Missing];
        var columns = new List<DataColumn>();
        foreach (var column in table.Columns)
        {
            columns.Add(column switch
            {
                NumericColumn c => new NumericColumn(c.Name, [.. numbers, .. Ordinary(c.Values.ToArray(), n, float.NaN)], c.Type),
                StringColumn c => new StringColumn(c.Name, [.. texts, .. Ordinary(c.Values.ToArray(), n, "unseen level")], c.Type),
                DateTimeColumn c => new DateTimeColumn(c.Name, [.. ticks, .. Ordinary(c.Ticks.ToArray(), n, DateTimeColumn.Missing)]),
                _ => throw new InvalidOperationException(column.GetType().Name),
            });
        }

        return new DataTable(columns);
    }

    /// <summary>The first <paramref name="n"/> values, every fifth one replaced by <paramref name="damaged"/> (an unseen level, a missing value).</summary>
    private static IEnumerable<T> Ordinary<T>(T[] values, int n, T damaged) => values.Take(n).Select((v, i) => i % 5 == 4 ? damaged : v);
}
