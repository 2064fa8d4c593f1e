using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;

namespace EnterpriseML.Engine.Tests.Featurizers;

public sealed class FeaturePipelineTests
{
    private static DataTable Table(params DataColumn[] columns) => new(columns);

    [Fact]
    public void Fit_NumericWithMissing_ImputesTrainingMedianAndAddsIndicator()
    {
        var train = Table(new NumericColumn("x", [1f, 2f, float.NaN, 10f]));
        var fitted = FeaturePipeline.Fit(train, new FeaturizerOptions { NumericScaling = NumericScaling.None });

        Assert.Equal(["x", "x=missing"], fitted.Features.Select(f => f.Name));
        var test = fitted.Transform(Table(new NumericColumn("x", [float.NaN, 5f])));
        Assert.Equal(2f, test.DenseColumn(0)[0]); // median of {1, 2, 10}
        Assert.Equal(5f, test.DenseColumn(0)[1]);
        Assert.Equal([1f, 0f], test.DenseColumn(1).ToArray());
    }

    [Fact]
    public void Fit_Standardize_UsesTrainingStatisticsOnly()
    {
        var fitted = FeaturePipeline.Fit(Table(new NumericColumn("x", [0f, 2f, 4f])));
        var train = fitted.Transform(Table(new NumericColumn("x", [0f, 2f, 4f])));
        Assert.Equal(0f, train.DenseColumn(0)[1], 5);
        Assert.InRange(train.DenseColumn(0)[2], 1.2247f - 1e-3f, 1.2247f + 1e-3f); // (4 - 2) / sqrt(8/3)

        var shifted = fitted.Transform(Table(new NumericColumn("x", [102f])));
        Assert.InRange(shifted.DenseColumn(0)[0], 61.23f, 61.25f); // (102 - 2) / sqrt(8/3)
    }

    [Fact]
    public void Fit_MinMax_MapsTrainingRangeToUnitInterval()
    {
        var fitted = FeaturePipeline.Fit(Table(new NumericColumn("x", [10f, 20f, 30f])), new FeaturizerOptions { NumericScaling = NumericScaling.MinMax });
        Assert.Equal([0f, 0.5f, 1f], fitted.Transform(Table(new NumericColumn("x", [10f, 20f, 30f]))).DenseColumn(0).ToArray());
    }

    [Fact]
    public void OneHot_RareAndUnseenLevels_GoToOther_MissingSetsNothing()
    {
        var train = Table(new StringColumn("c", ["a", "a", "b", "b", "rare", null]));
        var fitted = FeaturePipeline.Fit(train, new FeaturizerOptions { MinimumCategoryCount = 2 });
        Assert.Equal(["c=a", "c=b", "c=(other)"], fitted.Features.Select(f => f.Name));

        var m = fitted.Transform(Table(new StringColumn("c", ["b", "rare", "never-seen", null])));
        Assert.Equal([0f, 0f, 0f, 0f], m.DenseColumn(0).ToArray());
        Assert.Equal([1f, 0f, 0f, 0f], m.DenseColumn(1).ToArray());
        Assert.Equal([0f, 1f, 1f, 0f], m.DenseColumn(2).ToArray());
    }

    [Fact]
    public void Codes_FrequentLevelsFirst_OtherCode_MissingNaN()
    {
        var train = Table(new StringColumn("c", ["x", "y", "y", "y", "x", "z"]));
        var fitted = FeaturePipeline.Fit(train, FeaturizerOptions.Trees);
        var info = Assert.Single(fitted.Features);
        Assert.True(info.IsCategorical);
        Assert.Equal(3, info.Cardinality); // y, x, other ("z" is rare)

        var m = fitted.Transform(Table(new StringColumn("c", ["y", "x", "z", "unseen", null])));
        Assert.Equal(0f, m.DenseColumn(0)[0]);
        Assert.Equal(1f, m.DenseColumn(0)[1]);
        Assert.Equal(2f, m.DenseColumn(0)[2]);
        Assert.Equal(2f, m.DenseColumn(0)[3]);
        Assert.True(float.IsNaN(m.DenseColumn(0)[4]));
    }

    [Fact]
    public void OneHot_HighCardinality_SwitchesToStableHashing()
    {
        var levels = Enumerable.Range(0, 40).SelectMany(i => new[] { "L" + i, "L" + i }).ToArray();
        var fitted = FeaturePipeline.Fit(Table(new StringColumn("c", levels)), new FeaturizerOptions { MaximumOneHotLevels = 10, HashingBits = 4 });
        Assert.Equal(16, fitted.DenseWidth);
        var a = fitted.Transform(Table(new StringColumn("c", ["L7", "brand-new"])));
        var b = fitted.Transform(Table(new StringColumn("c", ["L7", "brand-new"])));
        Assert.Equal(a.Dense, b.Dense);
        Assert.Equal(2f, a.Dense.Sum());
    }

    [Fact]
    public void Text_TfIdf_WordAndCharBlocksAreEachUnitLength()
    {
        var train = Table(new StringColumn("t", ["good movie", "bad movie", "not good at all", "good good good"], ColumnType.Text));
        var fitted = FeaturePipeline.Fit(train);
        var m = fitted.Transform(train);
        Assert.NotNull(m.Sparse);
        Assert.Equal(0, fitted.DenseWidth);
        var words = fitted.Features.Count(f => f.Name.StartsWith("t:w:", StringComparison.Ordinal));
        for (var r = 0; r < m.RowCount; r++)
        {
            double wordNorm = 0, charNorm = 0;
            var idx = m.Sparse!.RowIndices(r);
            var val = m.Sparse.RowValues(r);
            for (var k = 0; k < idx.Length; k++)
            {
                if (k > 0)
                {
                    Assert.True(idx[k] > idx[k - 1], "indices strictly increasing");
                }

                if (idx[k] < words)
                {
                    wordNorm += val[k] * val[k];
                }
                else
                {
                    charNorm += val[k] * val[k];
                }
            }

            Assert.InRange(wordNorm, 0.9999, 1.0001);
            Assert.InRange(charNorm, 0.9999, 1.0001);
        }

        Assert.Contains(fitted.Features, f => f.Name == "t:w:good movie");
        Assert.Contains(fitted.Features, f => f.Name == "t:c: go");
    }

    [Fact]
    public void Text_SublinearTf_DampsRepeatedTerms()
    {
        var train = Table(new StringColumn("t", ["good bad", "good good good good bad"], ColumnType.Text));
        var fitted = FeaturePipeline.Fit(train, new FeaturizerOptions { Text = new TextFeaturizerOptions { CharNgramMaximum = 0, WordNgramMaximum = 1 } });
        var m = fitted.Transform(train);
        var idx = m.Sparse!.RowIndices(1).ToArray();
        var val = m.Sparse.RowValues(1).ToArray();
        var good = Array.IndexOf(fitted.Features.Select(f => f.Name).ToArray(), "t:w:good");
        var bad = Array.IndexOf(fitted.Features.Select(f => f.Name).ToArray(), "t:w:bad");
        var ratio = val[Array.IndexOf(idx, good)] / val[Array.IndexOf(idx, bad)];
        Assert.InRange(ratio, 1 + MathF.Log(4) - 1e-4f, 1 + MathF.Log(4) + 1e-4f); // equal idf, tf 4 vs 1
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
    public void DateTime_ProducesCalendarParts()
    {
        var ticks = new[] { new DateTime(2024, 3, 15, 13, 0, 0, DateTimeKind.Utc).Ticks, DateTimeColumn.Missing };
        var fitted = FeaturePipeline.Fit(Table(new DateTimeColumn("d", ticks)), new FeaturizerOptions { NumericScaling = NumericScaling.None });
        Assert.Equal(["d.year", "d.month", "d.day", "d.dayofweek", "d.hour"], fitted.Features.Select(f => f.Name));
        var m = fitted.Transform(Table(new DateTimeColumn("d", ticks)));
        Assert.Equal([2024f, 3f, 15f, (float)DayOfWeek.Friday, 13f], Enumerable.Range(0, 5).Select(j => m.DenseColumn(j)[0]));
        Assert.Equal(2024f, m.DenseColumn(0)[1]); // missing → training median
    }

    [Fact]
    public void Transform_MissingInputColumn_NamesIt()
    {
        var fitted = FeaturePipeline.Fit(Table(new NumericColumn("age", [1f, 2f]), new StringColumn("job", ["a", "a"])));
        var e = Assert.Throws<ArgumentException>(() => fitted.Transform(Table(new NumericColumn("age", [1f]))));
        Assert.Contains("job", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_NumbersArrivingAsStrings_AreParsedOrRejectedPrecisely()
    {
        var fitted = FeaturePipeline.Fit(Table(new NumericColumn("x", [1f, 3f])), new FeaturizerOptions { NumericScaling = NumericScaling.None });
        Assert.Equal(2.5f, fitted.Transform(Table(new StringColumn("x", ["2.5"]))).DenseColumn(0)[0]);
        var e = Assert.Throws<FormatException>(() => fitted.Transform(Table(new StringColumn("x", ["1", "abc"]))));
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("'abc'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(FeaturizerOptions.MinimumCategoryCount), 0)]
    [InlineData(nameof(FeaturizerOptions.MaximumOneHotLevels), 0)]
    [InlineData(nameof(FeaturizerOptions.HashingBits), 3)]
    [InlineData(nameof(FeaturizerOptions.HashingBits), 21)]
    [InlineData(nameof(FeaturizerOptions.MaximumCategoryCodes), 255)]
    public void Validate_OutOfRange_NamesTheOption(string option, int value)
    {
        var options = new FeaturizerOptions();
        typeof(FeaturizerOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, e.ParamName);
    }

    [Theory]
    [InlineData(nameof(TextFeaturizerOptions.WordNgramMaximum), 4)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMinimum), 0)]
    [InlineData(nameof(TextFeaturizerOptions.CharNgramMaximum), 9)]
    [InlineData(nameof(TextFeaturizerOptions.MinimumDocumentFrequency), 0)]
    [InlineData(nameof(TextFeaturizerOptions.MaximumVocabularySize), 0)]
    public void TextValidate_OutOfRange_NamesTheOption(string option, int value)
    {
        var options = new TextFeaturizerOptions();
        typeof(TextFeaturizerOptions).GetProperty(option)!.SetValue(options, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, e.ParamName);
    }
}
