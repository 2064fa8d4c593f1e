using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;

namespace EnterpriseML.Engine.Tests.Featurizers;

public sealed class FeaturePipelineTests
{
    private static DataTable Table(params DataColumn[] columns) => new(columns);

    private static float At(FeatureMatrix m, int feature, int row) => m.Dense[(feature * m.RowCount) + row];

    private static int IndexOf(FeatureMatrix m, string name)
    {
        for (var i = 0; i < m.Features.Length; i++)
        {
            if (m.Features[i].Name == name)
            {
                return i;
            }
        }

        throw new KeyNotFoundException(name);
    }

    /// <summary>
    /// Each feature names the input column it is made from, for linear featurisation (one-hot levels, missing indicators,
    /// n-grams, date parts) and tree featurisation alike, and for two pipelines side by side as an ensemble joins them
    /// (dense features of both first, then sparse): what lets an explanation add up per input column.
    /// </summary>
    [Fact]
    public void FeatureColumns_EveryFeature_NamesTheInputColumnItIsMadeFrom()
    {
        var table = Trainers.MixedTable.Features;
        var linear = FeaturePipeline.Fit(table, FeaturizerOptions.Linear);
        var trees = FeaturePipeline.Fit(table, FeaturizerOptions.Trees);
        foreach (var pipeline in new[] { linear, trees, FittedFeaturePipeline.Concat([linear, trees]) })
        {
            Assert.Equal(pipeline.Features.Length, pipeline.FeatureColumns.Length);
            for (var j = 0; j < pipeline.Features.Length; j++)
            {
                var (name, column) = (pipeline.Features[j].Name, pipeline.FeatureColumns[j]);
                Assert.True(name == column || (name.StartsWith(column, StringComparison.Ordinal) && name[column.Length] is '=' or ':' or '.' or '#'),
                    $"feature {j} '{name}' is said to come from column '{column}'");
            }

            Assert.Equal(pipeline.InputColumns.Select(c => c.Name).Order(StringComparer.Ordinal), pipeline.FeatureColumns.Distinct().Order(StringComparer.Ordinal));
        }

        Assert.Contains(linear.Features.Select((f, j) => (f.Name, Column: linear.FeatureColumns[j])), f => f.Name != f.Column && f.Name.Contains(":w:", StringComparison.Ordinal));
        var joined = FittedFeaturePipeline.Concat([linear, trees]);
        Assert.Equal([.. linear.FeatureColumns[..linear.DenseWidth], .. trees.FeatureColumns[..trees.DenseWidth], .. linear.FeatureColumns[linear.DenseWidth..], .. trees.FeatureColumns[trees.DenseWidth..]], joined.FeatureColumns);
    }

    /// <summary>
    /// A column with no value in any training row (numeric, categorical, text or timestamp) is no input of the fitted
    /// pipeline: rows to transform need not have it. It had been one, so a file to predict on had to carry the empty
    /// column, and a value in it that did not parse as the type it was given (a number) was an error.
    /// </summary>
    [Fact]
    public void Fit_ColumnsWithNoValue_AreNotInputs()
    {
        var train = Table(
            new NumericColumn("x", [1f, 2f, 3f, 4f]),
            new NumericColumn("empty", [float.NaN, float.NaN, float.NaN, float.NaN]),
            new StringColumn("level", new string?[4]),
            new StringColumn("note", new string?[4], ColumnType.Text),
            new DateTimeColumn("when", [.. Enumerable.Repeat(DateTimeColumn.Missing, 4)]));
        foreach (var options in new[] { FeaturizerOptions.Linear, FeaturizerOptions.Trees })
        {
            var pipeline = FeaturePipeline.Fit(train, options);

            Assert.Equal([("x", ColumnType.Numeric)], pipeline.InputColumns);
            Assert.Equal(pipeline.Transform(train).DenseColumn(0).ToArray(), pipeline.Transform(Table(new NumericColumn("x", [1f, 2f, 3f, 4f]))).DenseColumn(0).ToArray());
        }

        // Every column empty: nothing to choose between, so they stay (the model predicts the prior, as before).
        Assert.Equal(["empty"], FeaturePipeline.Fit(Table(new NumericColumn("empty", [float.NaN, float.NaN]))).InputColumns.Select(c => c.Name));
    }

    [Fact]
    public void Numeric_MissingInTraining_ImputesMedianAndAddsIndicator()
    {
        var train = Table(new NumericColumn("x", [1f, float.NaN, 3f, 10f]));
        var pipeline = FeaturePipeline.Fit(train, new FeaturizerOptions { NumericScaling = NumericScaling.None });
        var m = pipeline.Transform(train);

        Assert.Equal(["x", "x=missing"], m.Features.Select(f => f.Name));
        Assert.Equal(3f, At(m, 0, 1)); // median of 1, 3, 10
        Assert.Equal([0f, 1f, 0f, 0f], m.DenseColumn(1).ToArray());
    }

    [Fact]
    public void Numeric_NoMissingInTraining_NoIndicatorButMissingAtPredictionIsImputed()
    {
        var train = Table(new NumericColumn("x", [2f, 4f, 6f]));
        var pipeline = FeaturePipeline.Fit(train, new FeaturizerOptions { NumericScaling = NumericScaling.None });
        var m = pipeline.Transform(Table(new NumericColumn("x", [float.NaN])));

        Assert.Single(m.Features);
        Assert.Equal(4f, m.Dense[0]);
    }

    [Fact]
    public void Numeric_Standardize_UsesTrainingStatisticsOnly()
    {
        var train = Table(new NumericColumn("x", [0f, 2f, 4f, 6f]));
        var pipeline = FeaturePipeline.Fit(train);
        var trainMatrix = pipeline.Transform(train);
        var mean = trainMatrix.DenseColumn(0).ToArray().Average();
        var variance = trainMatrix.DenseColumn(0).ToArray().Select(v => v * v).Average();
        Assert.InRange(mean, -1e-6, 1e-6);
        Assert.InRange(variance, 1 - 1e-5, 1 + 1e-5);

        // A shifted test set is mapped with the training mean (3) and standard deviation (sqrt 5), not its own.
        var test = pipeline.Transform(Table(new NumericColumn("x", [103f, 3f])));
        Assert.Equal(100f / MathF.Sqrt(5f), test.Dense[0], 4);
        Assert.Equal(0f, test.Dense[1], 6);
    }

    /// <summary>
    /// Scaling follows the column's own magnitude: a feature in units of 1e-30 is standardised like any other (it was
    /// treated as constant), a large constant whose one-pass variance is rounding noise stays constant, and min-max of a
    /// subnormal range gives finite values (it gave ∞).
    /// </summary>
    [Fact]
    public void Numeric_Scaling_IsRelativeToTheColumnsMagnitude()
    {
        var tiny = Table(new NumericColumn("x", [0f, 2e-30f, 4e-30f, 6e-30f]));
        var standardised = FeaturePipeline.Fit(tiny).Transform(tiny).DenseColumn(0).ToArray();
        Assert.InRange(standardised.Select(v => v * v).Average(), 1 - 1e-4, 1 + 1e-4);

        var constant = Table(new NumericColumn("x", [123456.7f, 123456.7f, 123456.7f, 123456.7f, 123456.7f, 123456.7f, 123456.7f]));
        Assert.All(FeaturePipeline.Fit(constant).Transform(constant).DenseColumn(0).ToArray(), v => Assert.InRange(v, -0.1f, 0.1f));

        var subnormal = Table(new NumericColumn("x", [0f, 1e-42f, 2e-42f]));
        var minMax = FeaturePipeline.Fit(subnormal, new FeaturizerOptions { NumericScaling = NumericScaling.MinMax }).Transform(subnormal).DenseColumn(0).ToArray();
        Assert.All(minMax, v => Assert.True(float.IsFinite(v) && v >= 0, $"{v}"));
    }

    /// <summary>
    /// Finite values at the ends of the float range: the difference from the offset overflowed a float (3e38 minus the
    /// mean −1.3e38, or minus the minimum −3e38), so a valid column became ∞ and linear training failed with "non-finite
    /// value"; a value far outside the training range at prediction time is clamped to the largest float, not ∞
    /// (under min-max scaling, to the training range: 1 and 0).
    /// </summary>
    [Theory]
    [InlineData(NumericScaling.Standardize)]
    [InlineData(NumericScaling.MinMax)]
    public void Numeric_ValuesNearFloatLimits_ScaleToFiniteFeatures(NumericScaling scaling)
    {
        var wide = Table(new NumericColumn("x", [-3e38f, 3e38f, -3e38f, -3e38f, 1e38f, -3e38f]));
        var options = new FeaturizerOptions { NumericScaling = scaling };
        var m = FeaturePipeline.Fit(wide, options).Transform(wide).DenseColumn(0).ToArray();
        Assert.All(m, v => Assert.True(float.IsFinite(v), $"{scaling}: {v}"));
        Assert.True(m[0] < m[4] && m[4] < m[1], $"{scaling}: order lost, {string.Join(", ", m)}");
        if (scaling == NumericScaling.MinMax)
        {
            Assert.Equal(0f, m[0]);
            Assert.Equal(1f, m[1], 1e-6f);
        }

        var tiny = Table(new NumericColumn("x", [0f, 1e-30f, 2e-30f, 3e-30f]));
        var pipeline = FeaturePipeline.Fit(tiny, options);
        var far = pipeline.Transform(Table(new NumericColumn("x", [3e38f, -3e38f]))).DenseColumn(0).ToArray();
        Assert.Equal(scaling == NumericScaling.MinMax ? [1f, 0f] : [float.MaxValue, -float.MaxValue], far);
    }

    /// <summary>
    /// An infinity at prediction time made an infinite feature, and a linear model's margin NaN (∞ · 0, ∞ − ∞); it now
    /// maps as the largest float of its sign does. Features left as they are (trees) keep it.
    /// </summary>
    [Theory]
    [InlineData(NumericScaling.Standardize)]
    [InlineData(NumericScaling.MinMax)]
    public void Numeric_InfinityAtPrediction_MapsLikeTheLargestFloat(NumericScaling scaling)
    {
        var pipeline = FeaturePipeline.Fit(Table(new NumericColumn("x", [1f, 2f, float.NaN, 4f])), new FeaturizerOptions { NumericScaling = scaling });
        var infinite = pipeline.Transform(Table(new NumericColumn("x", [float.PositiveInfinity, float.NegativeInfinity])));
        var largest = pipeline.Transform(Table(new NumericColumn("x", [float.MaxValue, -float.MaxValue])));
        Assert.All(infinite.Dense.ToArray(), v => Assert.True(float.IsFinite(v), $"{scaling}: {v}"));
        Assert.Equal(largest.Dense.ToArray(), infinite.Dense.ToArray());
        Assert.Equal([0f, 0f], infinite.DenseColumn(IndexOf(infinite, "x=missing")).ToArray());

        var trees = FeaturePipeline.Fit(Table(new NumericColumn("x", [1f, 2f])), FeaturizerOptions.Trees);
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity], trees.Transform(Table(new NumericColumn("x", [float.PositiveInfinity, float.NegativeInfinity]))).Dense.ToArray());
    }

    /// <summary>
    /// An infinity in training made the column's mean or range infinite and every scaled value NaN; the linear trainer
    /// then blamed "a non-finite value (NaN) at row 0" of the feature. Scaling now refuses it, naming column, row and value.
    /// </summary>
    [Theory]
    [InlineData(NumericScaling.Standardize)]
    [InlineData(NumericScaling.MinMax)]
    public void Numeric_InfinityInTrainingWithScaling_ErrorNamesColumnRowAndValue(NumericScaling scaling)
    {
        var train = Table(new NumericColumn("income", [1f, float.NaN, float.NegativeInfinity, 4f]));
        var e = Assert.Throws<ArgumentException>(() => FeaturePipeline.Fit(train, new FeaturizerOptions { NumericScaling = scaling }));
        Assert.StartsWith($"Column 'income' has the value -Infinity at row 2; {scaling} scaling needs finite numbers or missing values.", e.Message, StringComparison.Ordinal);

        // Trees order an infinity like any number: nothing to refuse.
        Assert.Equal(float.NegativeInfinity, FeaturePipeline.Fit(train, FeaturizerOptions.Trees).Transform(train).Dense[2]);
    }

    [Fact]
    public void Numeric_MinMax_MapsTrainingRangeToUnitInterval()
    {
        var train = Table(new NumericColumn("x", [10f, 20f, 30f]));
        var m = FeaturePipeline.Fit(train, new FeaturizerOptions { NumericScaling = NumericScaling.MinMax }).Transform(train);
        Assert.Equal([0f, 0.5f, 1f], m.DenseColumn(0).ToArray());
    }

    [Fact]
    public void Trees_MissingNumeric_PassesNaNThrough()
    {
        var train = Table(new NumericColumn("x", [1f, float.NaN, 3f]));
        var m = FeaturePipeline.Fit(train, FeaturizerOptions.Trees).Transform(train);
        Assert.Single(m.Features);
        Assert.True(float.IsNaN(m.Dense[1]));
        Assert.Equal(3f, m.Dense[2]);
    }

    [Fact]
    public void Boolean_BecomesZeroOne()
    {
        var train = Table(new NumericColumn("b", [0f, 1f, 1f], ColumnType.Boolean));
        var m = FeaturePipeline.Fit(train, FeaturizerOptions.Trees).Transform(train);
        Assert.Equal([0f, 1f, 1f], m.DenseColumn(0).ToArray());
    }

    [Fact]
    public void Categorical_OneHot_RareUnseenAndMissing_GoToOtherOrNothing()
    {
        var train = Table(new StringColumn("c", ["a", "a", "b", "b", "b", "rare", null]));
        var pipeline = FeaturePipeline.Fit(train, new FeaturizerOptions { MinimumCategoryCount = 2 });
        Assert.Equal(["c=b", "c=a", "c=(other)"], pipeline.Features.Select(f => f.Name));

        var m = pipeline.Transform(Table(new StringColumn("c", ["a", "rare", "never-seen", null])));
        Assert.Equal([1f, 0f, 0f, 0f], m.DenseColumn(1).ToArray());
        Assert.Equal([0f, 1f, 1f, 0f], m.DenseColumn(2).ToArray());
        Assert.Equal([0f, 0f, 0f, 0f], m.DenseColumn(0).ToArray());
    }

    [Fact]
    public void Categorical_ManyLevels_SwitchesToStableHashing()
    {
        var values = Enumerable.Range(0, 400).SelectMany(i => new[] { "L" + i, "L" + i }).ToArray<string?>();
        var train = Table(new StringColumn("c", values));
        var options = new FeaturizerOptions { MaximumOneHotLevels = 100, HashingBits = 6, SparseOneHotMinimumWidth = 65 };
        var pipeline = FeaturePipeline.Fit(train, options);
        Assert.Equal(64, pipeline.DenseWidth);

        var m = pipeline.Transform(Table(new StringColumn("c", ["L7", "unseen-level"])));
        for (var row = 0; row < 2; row++)
        {
            var sum = 0f;
            for (var j = 0; j < 64; j++)
            {
                sum += At(m, j, row);
            }

            Assert.Equal(1f, sum);
        }
    }

    [Fact]
    public void Categorical_Codes_MarksCategoricalAndHandlesUnseenAndMissing()
    {
        var train = Table(new StringColumn("c", ["x", "x", "x", "y", "y", "z"]));
        var options = FeaturizerOptions.Trees;
        options.MinimumCategoryCount = 1;
        var pipeline = FeaturePipeline.Fit(train, options);
        var info = Assert.Single(pipeline.Features);
        Assert.True(info.IsCategorical);
        Assert.Equal(4, info.Cardinality); // x, y, z + other

        var m = pipeline.Transform(Table(new StringColumn("c", ["x", "z", "unseen", null])));
        Assert.Equal(0f, m.Dense[0]);
        Assert.Equal(2f, m.Dense[1]);
        Assert.Equal(3f, m.Dense[2]);
        Assert.True(float.IsNaN(m.Dense[3]));
    }

    [Fact]
    public void DateTime_Parts_YearMonthDayDayOfWeekHour()
    {
        var t = new DateTime(2024, 3, 15, 13, 45, 0, DateTimeKind.Utc); // a Friday
        var train = Table(new DateTimeColumn("d", [t.Ticks, DateTimeColumn.Missing]));
        var m = FeaturePipeline.Fit(train, FeaturizerOptions.Trees).Transform(train);
        Assert.Equal(["d.year", "d.month", "d.day", "d.dayofweek", "d.hour"], m.Features.Select(f => f.Name));
        Assert.Equal([2024f, 3f, 15f, (float)DayOfWeek.Friday, 13f], Enumerable.Range(0, 5).Select(p => At(m, p, 0)));
        Assert.Equal(2024f, At(m, 0, 1)); // missing takes the training median
    }

    [Fact]
    public void Text_WordBlockOnly_RowsHaveUnitL2Norm()
    {
        var train = Table(new StringColumn("t", ["good movie", "bad movie, very bad", "GOOD good good acting", null], ColumnType.Text));
        var options = new FeaturizerOptions { Text = new TextFeaturizerOptions { CharNgramMaximum = 0 } };
        var m = FeaturePipeline.Fit(train, options).Transform(train);
        Assert.NotNull(m.Sparse);
        for (var r = 0; r < 3; r++)
        {
            var values = m.Sparse!.RowValues(r);
            var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(values));
            Assert.Equal(1f, norm, 5);
        }

        Assert.Equal(0, m.Sparse!.RowValues(3).Length); // missing text: an empty row
    }

    [Fact]
    public void Text_BothBlocks_EachBlockNormalisedSeparately()
    {
        var train = Table(new StringColumn("t", ["the plot was great", "great acting and a great plot"], ColumnType.Text));
        var pipeline = FeaturePipeline.Fit(train);
        var m = pipeline.Transform(train);
        var words = pipeline.Features.Count(f => f.Name.StartsWith("t:w:", StringComparison.Ordinal));
        Assert.True(words > 0 && words < pipeline.SparseWidth);
        for (var r = 0; r < 2; r++)
        {
            double w = 0, c = 0;
            var idx = m.Sparse!.RowIndices(r);
            var val = m.Sparse.RowValues(r);
            for (var k = 0; k < idx.Length; k++)
            {
                if (idx[k] < words)
                {
                    w += val[k] * val[k];
                }
                else
                {
                    c += val[k] * val[k];
                }

                Assert.True(k == 0 || idx[k] > idx[k - 1], "CSR indices must be strictly increasing.");
            }

            Assert.Equal(1, w, 5);
            Assert.Equal(1, c, 5);
        }
    }

    [Fact]
    public void Text_SublinearTf_WeightIsOnePlusLogCount()
    {
        // Both terms occur in both documents, so their idf is equal and only tf differs.
        var train = Table(new StringColumn("t", ["good good good bad", "good bad"], ColumnType.Text));
        var options = new FeaturizerOptions { Text = new TextFeaturizerOptions { CharNgramMaximum = 0, WordNgramMaximum = 1 } };
        var pipeline = FeaturePipeline.Fit(train, options);
        var m = pipeline.Transform(train);
        var good = Array.FindIndex(pipeline.Features, f => f.Name == "t:w:good");
        var bad = Array.FindIndex(pipeline.Features, f => f.Name == "t:w:bad");
        var idx = m.Sparse!.RowIndices(0).ToArray();
        var val = m.Sparse.RowValues(0).ToArray();
        var ratio = val[Array.IndexOf(idx, good)] / val[Array.IndexOf(idx, bad)];
        Assert.Equal(1 + MathF.Log(3), ratio, 4);

        options.Text.SublinearTf = false;
        var raw = FeaturePipeline.Fit(train, options).Transform(train);
        var rawRatio = raw.Sparse!.RowValues(0)[Array.IndexOf(raw.Sparse.RowIndices(0).ToArray(), good)]
            / raw.Sparse.RowValues(0)[Array.IndexOf(raw.Sparse.RowIndices(0).ToArray(), bad)];
        Assert.Equal(3f, rawRatio, 4);
    }

    [Fact]
    public void Text_WordBigramsAndCharNgrams_AreInVocabulary_UnseenTermsIgnored()
    {
        var train = Table(new StringColumn("t", ["Not good", "not bad"], ColumnType.Text));
        var pipeline = FeaturePipeline.Fit(train);
        var names = pipeline.Features.Select(f => f.Name).ToHashSet();
        Assert.Contains("t:w:not good", names);
        Assert.Contains("t:w:good", names);
        Assert.Contains(names, n => n.StartsWith("t:c:", StringComparison.Ordinal));

        var m = pipeline.Transform(Table(new StringColumn("t", ["zzzz qqqq"], ColumnType.Text)));
        Assert.Equal(0, m.Sparse!.RowValues(0).Length);
    }

    [Fact]
    public void Text_MinimumDocumentFrequencyAndVocabularyCap_LimitTerms()
    {
        var train = Table(new StringColumn("t", ["alpha beta", "alpha gamma", "alpha delta"], ColumnType.Text));
        var options = new FeaturizerOptions { Text = new TextFeaturizerOptions { CharNgramMaximum = 0, WordNgramMaximum = 1, MinimumDocumentFrequency = 2 } };
        Assert.Equal(["t:w:alpha"], FeaturePipeline.Fit(train, options).Features.Select(f => f.Name));

        options.Text.MinimumDocumentFrequency = 1;
        options.Text.MaximumVocabularySize = 2;
        Assert.Equal(2, FeaturePipeline.Fit(train, options).SparseWidth);
    }

    [Fact]
    public void Text_MarkNegation_PrefixesTokensUntilPunctuation()
    {
        var options = new FeaturizerOptions { Text = new TextFeaturizerOptions { MarkNegation = true, CharNgramMaximum = 0, WordNgramMaximum = 1 } };
        var fitted = FeaturePipeline.Fit(Table(new StringColumn("t", ["this is not good, but fine", "I don't like it"], ColumnType.Text)), options);
        var names = fitted.Features.Select(f => f.Name).ToHashSet();
        Assert.Contains("t:w:not_good", names);
        Assert.Contains("t:w:fine", names);
        Assert.Contains("t:w:not_like", names);
        Assert.DoesNotContain("t:w:not_fine", names);
    }

    [Fact]
    public void Overrides_TextAndCategoricalColumns_ChangeTheFeaturizer()
    {
        var train = Table(new StringColumn("s", ["red", "blue", "red"]), new NumericColumn("n", [1f, 2f, 1f]));
        var pipeline = FeaturePipeline.Fit(train, new FeaturizerOptions { TextColumns = ["s"], CategoricalColumns = ["n"], MinimumCategoryCount = 1 });
        Assert.Contains(pipeline.InputColumns, c => c is { Name: "s", Type: ColumnType.Text });
        Assert.Contains(pipeline.InputColumns, c => c is { Name: "n", Type: ColumnType.Categorical });
        Assert.Contains(pipeline.Features, f => f.Name == "n=1");
    }

    [Fact]
    public void Transform_MissingInputColumn_ErrorNamesIt()
    {
        var pipeline = FeaturePipeline.Fit(Table(new NumericColumn("age", [1f, 2f])));
        var e = Assert.Throws<ArgumentException>(() => pipeline.Transform(Table(new NumericColumn("other", [1f]))));
        Assert.Contains("age", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_StringNumbersInPredictionFile_AreParsed_BadOnesNamed()
    {
        var pipeline = FeaturePipeline.Fit(Table(new NumericColumn("age", [1f, 3f])), new FeaturizerOptions { NumericScaling = NumericScaling.None });
        var m = pipeline.Transform(Table(new StringColumn("age", ["2.5", null])));
        Assert.Equal(2.5f, m.Dense[0]);
        Assert.Equal(2f, m.Dense[1]);
        var e = Assert.Throws<FormatException>(() => pipeline.Transform(Table(new StringColumn("age", ["old"]))));
        Assert.Contains("'age'", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Numbers that arrive as strings are read as a CSV field is: an empty field or a missing marker is a missing
    /// value (it was "expected a number, found ''"), and "Infinity" or 1e39, which the CSV reader does not take for a
    /// number either, is refused (it became an infinite feature).
    /// </summary>
    [Fact]
    public void Transform_StringNumbers_MissingMarkersAreMissing_NonFiniteRefused()
    {
        var pipeline = FeaturePipeline.Fit(Table(new NumericColumn("age", [1f, 3f])), new FeaturizerOptions { NumericScaling = NumericScaling.None });
        var m = pipeline.Transform(Table(new StringColumn("age", ["", " ", "NA", "N/A", "?", "null", "NaN", "4"])));
        Assert.Equal([2f, 2f, 2f, 2f, 2f, 2f, 2f, 4f], m.Dense.ToArray());
        foreach (var text in new[] { "Infinity", "-Infinity", "1e39" })
        {
            var e = Assert.Throws<FormatException>(() => pipeline.Transform(Table(new StringColumn("age", ["5", text]))));
            Assert.Equal($"Column 'age', row 1: expected a finite number (a 32-bit float), found '{text}'.", e.Message);
        }
    }

    [Fact]
    public void Pipeline_DenseThenSparse_ConcatenatesInColumnOrder()
    {
        var train = Table(
            new NumericColumn("a", [1f, 2f]),
            new StringColumn("t", ["hello world", "bye world"], ColumnType.Text),
            new StringColumn("c", ["u", "u"]));
        var options = new FeaturizerOptions { MinimumCategoryCount = 1 };
        var m = FeaturePipeline.Fit(train, options).Transform(train);
        Assert.Equal("a", m.Features[0].Name);
        Assert.Equal("c=u", m.Features[1].Name);
        Assert.Equal(3, m.DenseColumnCount);
        Assert.Equal(m.DenseColumnCount + m.Sparse!.ColumnCount, m.ColumnCount);
        Assert.StartsWith("t:", m.Features[m.DenseColumnCount].Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_OptionsChangedAfterwards_FittedPipelineUnchanged()
    {
        var train = Table(new NumericColumn("x", [1f, 2f, 3f]));
        var options = new FeaturizerOptions();
        var pipeline = FeaturePipeline.Fit(train, options);
        var before = pipeline.Transform(train).Dense.ToArray();
        options.NumericScaling = NumericScaling.None;
        Assert.Equal(before, pipeline.Transform(train).Dense);
    }

    [Theory]
    [InlineData(nameof(FeaturizerOptions.MinimumCategoryCount), 0)]
    [InlineData(nameof(FeaturizerOptions.MinimumCategoryCount), 1_000_001)]
    [InlineData(nameof(FeaturizerOptions.MaximumOneHotLevels), 0)]
    [InlineData(nameof(FeaturizerOptions.MaximumOneHotLevels), 100_001)]
    [InlineData(nameof(FeaturizerOptions.HashingBits), 3)]
    [InlineData(nameof(FeaturizerOptions.HashingBits), 21)]
    [InlineData(nameof(FeaturizerOptions.MaximumCategoryCodes), 0)]
    [InlineData(nameof(FeaturizerOptions.MaximumCategoryCodes), 255)]
    [InlineData(nameof(FeaturizerOptions.SparseOneHotMinimumWidth), 1)]
    [InlineData(nameof(FeaturizerOptions.SparseOneHotMinimumWidth), 1_048_578)]
    public void Validate_OutOfRange_NamesTheOption(string option, int value)
    {
        var options = new FeaturizerOptions();
        typeof(FeaturizerOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, e.ParamName);
    }

    [Theory]
    [InlineData(nameof(TextFeaturizerOptions.WordNgramMaximum), -1)]
    [InlineData(nameof(TextFeaturizerOptions.WordNgramMaximum), 4)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMinimum), 0)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMinimum), 9)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMaximum), -1)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMaximum), 9)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMaximum), 2)]
    [InlineData(nameof(TextFeaturizerOptions.MinimumDocumentFrequency), 0)]
    [InlineData(nameof(TextFeaturizerOptions.MaximumVocabularySize), 0)]
    [InlineData(nameof(TextFeaturizerOptions.MaximumVocabularySize), 10_000_001)]
    public void TextValidate_OutOfRange_NamesTheOption(string option, int value)
    {
        var options = new TextFeaturizerOptions();
        typeof(TextFeaturizerOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void TextValidate_NoNgramsAtAll_Rejected()
    {
        var options = new TextFeaturizerOptions { WordNgramMaximum = 0, CharNgramMaximum = 0 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(TextFeaturizerOptions.WordNgramMaximum), e.ParamName);
    }
}
