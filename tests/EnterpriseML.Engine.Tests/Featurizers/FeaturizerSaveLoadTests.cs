using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Tests.Trainers;

namespace EnterpriseML.Engine.Tests.Featurizers;

/// <summary>
/// Every featurizer mode on real data, fitted and written, then read back: the read pipeline transforms ordinary and
/// hostile rows (infinities, unseen levels, empty and 5,000-character strings) to bit-identical dense and sparse
/// blocks with the same feature names, and writes the same bytes; a second fit writes them too. Hashed categoricals
/// (dense and sparse) are forced on German credit's ten-level columns; the model-level save/load tests cover the rest
/// again inside fitted models.
/// </summary>
public sealed class FeaturizerSaveLoadTests
{
    private static readonly Lazy<DataTable> Credit = new(() => ModelTestData.CreditGerman.WithoutColumns(["class"]));
    private static readonly Lazy<DataTable> Text = new(() => ModelTestData.SentimentHead.WithoutColumns(["label"]));

    /// <summary>Name → (table, options): what the trainers, candidates and scenarios use, and the modes none of them reaches.</summary>
    private static readonly Dictionary<string, (Lazy<DataTable> Table, Func<FeaturizerOptions> Options)> Modes = new(StringComparer.Ordinal)
    {
        ["one-hot, standardised, missing indicators"] = (Credit, () => FeaturizerOptions.Linear),
        ["codes, raw numbers"] = (Credit, () => FeaturizerOptions.Trees),
        ["one-hot, min-max, no indicators"] = (Credit, () => Linear(o => (o.NumericScaling, o.AddMissingIndicators) = (NumericScaling.MinMax, false))),
        ["hashed dense"] = (Credit, () => Linear(o => (o.MaximumOneHotLevels, o.HashingBits) = (4, 4))),
        ["hashed sparse"] = (Credit, () => Linear(o => (o.MaximumOneHotLevels, o.HashingBits, o.SparseOneHotMinimumWidth) = (4, 6, 8))),
        ["sparse one-hot"] = (Credit, () => Linear(o => o.SparseOneHotMinimumWidth = 4)),
        ["text word 1-2 + char 3-5 tf-idf"] = (Text, () => Linear(o => o.TextColumns = ["text"])),
        ["text, negation marked"] = (Text, () => Linear(o => (o.TextColumns, o.Text.MarkNegation) = (["text"], true))),
        ["text word 1-3, binary counts"] = (Text, () => Linear(o => (o.TextColumns, o.Text.WordNgramMaximum, o.Text.CharNgramMaximum, o.Text.SublinearTf) = (["text"], 3, 0, false))),
        ["text for trees, capped vocabulary"] = (Text, () =>
        {
            var o = FeaturizerOptions.Trees;
            (o.TextColumns, o.Text.MaximumVocabularySize, o.Text.MinimumDocumentFrequency) = (["text"], 500, 2);
            return o;
        }),
        ["datetime parts, boolean, every column kind"] = (new(() => MixedTable.Features), () => Linear(o => o.TextColumns = ["note"])),
    };

    public static TheoryData<string> Names => [.. Modes.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void WriteRead_EveryMode_SameFeaturesAndBytes(string mode)
    {
        var (table, options) = Modes[mode];
        var fitted = FeaturePipeline.Fit(table.Value, options());
        var bytes = Bytes(fitted);
        Assert.True(bytes.AsSpan().SequenceEqual(Bytes(FeaturePipeline.Fit(table.Value, options()))), $"{mode}: a second fit writes other bytes.");
        var read = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(bytes)));
        Assert.True(bytes.AsSpan().SequenceEqual(Bytes(read)), $"{mode}: the read pipeline writes other bytes.");

        var rows = CatalogPropertyTests.Rows(table.Value, 80, ordinary: false);
        var (a, b) = (fitted.Transform(rows), read.Transform(rows));
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(ModelTestData.Bits(a.Dense), ModelTestData.Bits(b.Dense));
        Assert.Equal(a.Sparse is null, b.Sparse is null);
        if (a.Sparse is { } sa && b.Sparse is { } sb)
        {
            Assert.Equal(sa.RowPointers, sb.RowPointers);
            Assert.Equal(sa.ColumnIndices, sb.ColumnIndices);
            Assert.Equal(ModelTestData.Bits(sa.Values), ModelTestData.Bits(sb.Values));
        }
    }

    [Fact]
    public void Modes_HashedOptions_HashTheCreditColumnsInsteadOfNamingTheirLevels()
    {
        // Without hashing the two "hashed" modes would test one-hot again: German credit's purpose has ten levels.
        static FeatureInfo[] Features(string mode) => FeaturePipeline.Fit(Modes[mode].Table.Value, Modes[mode].Options()).Features;
        Assert.Contains(Features("one-hot, standardised, missing indicators"), f => f.Name.Contains("radio/tv", StringComparison.Ordinal));
        Assert.DoesNotContain(Features("hashed dense"), f => f.Name.Contains("radio/tv", StringComparison.Ordinal));
        Assert.DoesNotContain(Features("hashed sparse"), f => f.Name.Contains("radio/tv", StringComparison.Ordinal));
    }

    private static FeaturizerOptions Linear(Action<FeaturizerOptions> change)
    {
        var o = FeaturizerOptions.Linear;
        change(o);
        return o;
    }

    private static byte[] Bytes(FittedFeaturePipeline pipeline)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            pipeline.Write(writer);
        }

        return stream.ToArray();
    }
}
