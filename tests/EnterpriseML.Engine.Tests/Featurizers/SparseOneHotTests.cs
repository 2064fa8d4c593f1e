using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Featurizers;

/// <summary>
/// One-hot columns with many levels go to the sparse block (FeaturizerOptions.SparseOneHotMinimumWidth): the same
/// features, the same linear model, a fraction of the memory.
/// </summary>
public sealed class SparseOneHotTests
{
    private static readonly FeaturizerOptions Dense = new() { SparseOneHotMinimumWidth = 1 << 20 };

    // Every credit-german categorical has at least two indicators, so all of them go sparse.
    private static readonly FeaturizerOptions Sparse = new() { SparseOneHotMinimumWidth = 2 };

    private static float[] DenseRow(FeatureMatrix m, int row)
    {
        var values = new float[m.ColumnCount];
        for (var j = 0; j < m.DenseColumnCount; j++)
        {
            values[j] = m.Dense[(j * m.RowCount) + row];
        }

        if (m.Sparse is { } s)
        {
            var indices = s.RowIndices(row);
            var v = s.RowValues(row);
            for (var p = 0; p < indices.Length; p++)
            {
                values[m.DenseColumnCount + indices[p]] = v[p];
            }
        }

        return values;
    }

    [Fact]
    public void Fit_ManyLevels_IndicatorsGoSparse_SameFeaturesAndValuesAsDense()
    {
        var levels = Enumerable.Range(0, 100).Select(i => "L" + i).ToArray();
        var train = new DataTable([
            new NumericColumn("x", [.. Enumerable.Range(0, 200).Select(i => (float)i)]),
            new StringColumn("c", [.. Enumerable.Range(0, 200).Select(i => levels[i % 100])]),
        ]);
        var sparse = FeaturePipeline.Fit(train, new FeaturizerOptions());
        var dense = FeaturePipeline.Fit(train, Dense);
        Assert.Equal(1, sparse.DenseWidth);
        Assert.Equal(101, sparse.SparseWidth);
        Assert.Equal(102, dense.DenseWidth);
        Assert.Equal(dense.Features.Select(f => f.Name), sparse.Features.Select(f => f.Name));
        Assert.All(sparse.Features.Skip(1), f => Assert.True(f.SparseIndicator, f.Name));
        Assert.All(dense.Features, f => Assert.False(f.SparseIndicator, f.Name));

        var rows = new DataTable([
            new NumericColumn("x", [1f, 2f, 3f, float.NaN]),
            new StringColumn("c", ["L7", "never-seen", null, "L99"]),
        ]);
        var a = sparse.Transform(rows);
        var b = dense.Transform(rows);
        for (var r = 0; r < rows.RowCount; r++)
        {
            Assert.Equal(DenseRow(b, r), DenseRow(a, r));
        }

        // One entry per row with a value (the unseen level counts as "other"), none for the missing one.
        Assert.Equal([0, 1, 2, 2, 3], a.Sparse!.RowPointers);
    }

    [Fact]
    public void Fit_HashedManyLevels_GoesSparse_OneIndicatorPerRow()
    {
        var values = Enumerable.Range(0, 400).SelectMany(i => new[] { "L" + i, "L" + i }).ToArray<string?>();
        var pipeline = FeaturePipeline.Fit(new DataTable([new StringColumn("c", values)]), new FeaturizerOptions { MaximumOneHotLevels = 100, HashingBits = 6 });
        Assert.Equal(0, pipeline.DenseWidth);
        Assert.Equal(64, pipeline.SparseWidth);
        Assert.Equal("c#0", pipeline.Features[0].Name);

        var m = pipeline.Transform(new DataTable([new StringColumn("c", ["L7", "unseen-level", null])]));
        Assert.Equal([0, 1, 2, 2], m.Sparse!.RowPointers);
        Assert.Equal([1f, 1f], m.Sparse.Values);
        Assert.Equal(m.Sparse.ColumnIndices[0], (int)(CategoricalFeaturizer.Fnv1a("L7") & 63));
    }

    [Fact]
    public void LogisticRegression_SparseOneHot_SameModelAsDense_OnCreditGerman()
    {
        var data = LabelEncoding.Encode(ModelTestData.CreditGerman, "class", TaskKind.Binary, "bad");
        var dense = TabularTraining.Fit(data, "class", new LogisticRegressionTrainer(new LogisticRegressionOptions { MaxDegreeOfParallelism = 1 }), Dense);
        var sparse = TabularTraining.Fit(data, "class", new LogisticRegressionTrainer(new LogisticRegressionOptions { MaxDegreeOfParallelism = 1 }), Sparse);
        Assert.True(sparse.Features.SparseWidth > 40, $"sparse width {sparse.Features.SparseWidth}");
        Assert.Equal(dense.Features.Features.Select(f => f.Name).Order(), sparse.Features.Features.Select(f => f.Name).Order());

        // Same objective (indicators are regularised as dense features), so the same optimum up to float rounding.
        var p = dense.Predict(data.Features);
        var q = sparse.Predict(data.Features);
        for (var i = 0; i < p.Length; i++)
        {
            Assert.True(MathF.Abs(p[i] - q[i]) < 2e-4f, $"row {i}: dense {p[i]}, sparse {q[i]}");
        }
    }

    [Fact]
    public void SparseOneHotModel_SaveLoadAndSingleRow_MatchBatchPrediction()
    {
        var data = LabelEncoding.Encode(ModelTestData.CreditGerman, "class", TaskKind.Binary, "bad");
        var model = TabularTraining.Fit(data, "class", new LogisticRegressionTrainer(new LogisticRegressionOptions { MaxDegreeOfParallelism = 1 }), Sparse);
        var batch = model.Predict(data.Features);

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = ModelPipeline.Load(stream);
        Assert.Equal(ModelTestData.Bits(batch), ModelTestData.Bits(loaded.Predict(data.Features)));
        Assert.Equal(model.Features.Features, loaded.Features.Features);

        var engine = loaded.CreateEngine();
        var output = new float[1];
        for (var row = 0; row < 200; row++)
        {
            ModelTestData.SetRow(engine, data.Features, row);
            engine.Predict(output);
            Assert.True(MathF.Abs(batch[row] - output[0]) <= 1e-6f, $"row {row}: batch {batch[row]}, single-row {output[0]}");
        }
    }

    [Fact]
    public void SparseOneHotModel_Explain_NamesTheLevelAndSumsToTheMargin()
    {
        var data = LabelEncoding.Encode(ModelTestData.CreditGerman, "class", TaskKind.Binary, "bad");
        var model = TabularTraining.Fit(data, "class", new LogisticRegressionTrainer(new LogisticRegressionOptions { MaxDegreeOfParallelism = 1 }), Sparse);
        var explainer = Assert.IsAssignableFrom<IExplainablePredictor>(model.Predictor);
        var engine = model.CreateEngine();
        var contributions = new float[model.Features.Features.Length];
        var output = new float[1];
        var purpose = (StringColumn)data.Features["purpose"];
        for (var row = 0; row < 20; row++)
        {
            ModelTestData.SetRow(engine, data.Features, row);
            engine.Predict(output);
            var bias = explainer.Explain(engine.Featurize(), contributions);
            var margin = bias + contributions.Sum();
            Assert.Equal(output[0], 1f / (1f + MathF.Exp(-margin)), 5);

            // The row's own purpose level carries a contribution; the other purpose levels carry none.
            var own = Array.FindIndex(model.Features.Features, f => f.Name == "purpose=" + purpose.Values[row]);
            Assert.True(own >= model.Features.DenseWidth, "purpose indicators are in the sparse block");
            Assert.NotEqual(0f, contributions[own]);
            for (var j = 0; j < contributions.Length; j++)
            {
                if (j != own && model.Features.Features[j].Name.StartsWith("purpose=", StringComparison.Ordinal))
                {
                    Assert.Equal(0f, contributions[j]);
                }
            }
        }
    }

    [Fact]
    public void Read_LegacyLayoutWithUntaggedTextList_GivesTheSamePipeline()
    {
        var train = new DataTable([
            new NumericColumn("a", [1f, 2f, 3f]),
            new StringColumn("t", ["good film", "bad film", "good plot"], ColumnType.Text),
            new StringColumn("c", ["u", "v", "u"]),
        ]);
        // Engines of that time knew only the original token rules, which is what the untagged layout can hold.
        var text = new TextFeaturizerOptions { MinimumDocumentFrequency = 1, TokenRules = TextFeaturizer.OriginalTokenRules };
        var pipeline = FeaturePipeline.Fit(train, new FeaturizerOptions { MinimumCategoryCount = 1, Text = text });

        // The layout engines wrote before text featurizers were tagged: tagged column featurizers, then untagged text.
        using var legacy = new MemoryStream();
        using (var writer = new BinaryWriter(legacy, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            var columns = pipeline.Featurizers.Where(f => f is not TextFeaturizer).ToArray();
            writer.Write(columns.Length);
            foreach (var f in columns)
            {
                writer.Write(f.Tag);
                f.Write(writer);
            }

            var texts = pipeline.Featurizers.OfType<TextFeaturizer>().ToArray();
            writer.Write(texts.Length);
            foreach (var t in texts)
            {
                t.Write(writer);
            }
        }

        legacy.Position = 0;
        using var reader = new BinaryReader(legacy);
        var read = FittedFeaturePipeline.Read(reader);
        Assert.Equal(pipeline.Features, read.Features);
        var expected = pipeline.Transform(train);
        var actual = read.Transform(train);
        Assert.Equal(expected.Dense, actual.Dense);
        Assert.Equal(expected.Sparse!.ColumnIndices, actual.Sparse!.ColumnIndices);
        Assert.Equal(expected.Sparse.Values, actual.Sparse.Values);
    }
}
