using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using Xunit;

namespace EnterpriseML.Engine.Tests.Featurizers;

/// <summary>
/// Token rules 2 of the text featurizer (negation cues written without an apostrophe, typographic apostrophes read as
/// <c>'</c>), rules 3 (the bare "wont" and "cant" cue only before a verb phrase) and its versioned file format: a
/// featurizer saved under tag 3, without a rules version, keeps rules 1; one saved with rules 2 keeps rules 2.
/// </summary>
public sealed class TextTokenRulesTests
{
    private static readonly TextFeaturizerOptions WordsOnly = new() { MarkNegation = true, CharNgramMaximum = 0, WordNgramMaximum = 1 };

    public static TheoryData<string> Cues() => new()
    {
        "dont", "cant", "didnt", "wont", "isnt", "doesnt", "wasnt", "couldnt", "shouldnt", "wouldnt", "havent", "hasnt",
        "arent", "werent", "aint", "hadnt", "mustnt", "neednt", "DONT", "Didnt",
        "don\u2019t", "don\u2018t", "don\u02BCt", "can\u2019t", "Isn\u2019T", "won\u02BCt",
    };

    [Theory]
    [MemberData(nameof(Cues))]
    public void MarkNegation_EverySpelling_NegatesTheFollowingTokensUpToPunctuation(string cue)
    {
        var names = Names(WordsOnly, $"i {cue} like this movie, it was fine");
        Assert.Contains("t:w:not_like", names);
        Assert.Contains("t:w:not_movie", names);
        Assert.Contains("t:w:fine", names);
        Assert.DoesNotContain("t:w:not_fine", names);
        Assert.DoesNotContain("t:w:t", names); // the apostrophe no longer splits the cue
    }

    /// <summary>
    /// Token rules 3: the bare "wont" and "cant" are also words ("as is his wont", "the cant of sales"); they negate only
    /// before a verb-phrase start such as "go", "wait", "even", and never across punctuation. With the apostrophe they
    /// always negate. Rules 2 negate after them whatever follows.
    /// </summary>
    [Theory]
    [InlineData("as is his wont to complain", "to", false, true)]
    [InlineData("the cant of sales people", "of", false, true)]
    [InlineData("marketing cant", "marketing", false, false)]
    [InlineData("i wont go back", "go", true, true)]
    [InlineData("i cant even", "even", true, true)]
    [InlineData("i cant  wait for it", "wait", true, true)]
    [InlineData("what a cant, be gone", "be", false, false)]
    [InlineData("his wont: be kind", "be", false, false)]
    [InlineData("i won't to", "to", true, true)]
    [InlineData("i can't of", "of", true, true)]
    public void MarkNegation_BareWontAndCant_CuesOnlyBeforeAVerbPhrase(string text, string next, bool negated, bool negatedUnderRules2)
    {
        AssertNegated(Names(WordsOnly, text), next, negated);

        var rules2 = WordsOnly.Clone();
        rules2.TokenRules = TextFeaturizer.ApostropheFreeTokenRules;
        AssertNegated(Names(rules2, text), next, negatedUnderRules2);
    }

    private static void AssertNegated(HashSet<string> names, string word, bool negated)
    {
        Assert.Contains(negated ? $"t:w:not_{word}" : $"t:w:{word}", names);
        Assert.DoesNotContain(negated ? $"t:w:{word}" : $"t:w:not_{word}", names);
    }

    [Fact]
    public void MarkNegation_OriginalTokenRules_KeepTheOldCues()
    {
        var options = WordsOnly.Clone();
        options.TokenRules = TextFeaturizer.OriginalTokenRules;
        Assert.Contains("t:w:like", Names(options, "i dont like it"));
        Assert.DoesNotContain("t:w:not_like", Names(options, "i dont like it"));
        Assert.Contains("t:w:t", Names(options, "i don\u2019t like it"));
        Assert.Contains("t:w:not_like", Names(options, "i don't like it"));
    }

    [Fact]
    public void Transform_TypographicApostrophes_SameFeaturesAsTheAsciiApostrophe()
    {
        var options = new FeaturizerOptions { Text = new TextFeaturizerOptions { MarkNegation = true } };
        var fitted = FeaturePipeline.Fit(Table("i don't like it", "it's not bad", "great, i can't wait"), options);
        var m = fitted.Transform(Table("i don't like it", "i don\u2019t like it", "i don\u02BCt like it", "i don\u2018t like it"));
        var ascii = (m.Sparse!.RowIndices(0).ToArray(), m.Sparse.RowValues(0).ToArray());
        Assert.NotEmpty(ascii.Item1);
        for (var r = 1; r < 4; r++)
        {
            Assert.Equal(ascii.Item1, m.Sparse.RowIndices(r).ToArray());
            Assert.Equal(ascii.Item2, m.Sparse.RowValues(r).ToArray());
        }
    }

    /// <summary>
    /// A featurizer as every engine before token rules 2 saved it (tag 3, no rules version) loads with rules 1: "dont"
    /// does not negate and "don’t" is two tokens, as when it was fitted; written again it is byte for byte the same.
    /// </summary>
    [Fact]
    public void FeaturePipelineRead_TextSavedWithoutRulesVersion_TokenizesAsBefore()
    {
        string[] words = ["don", "dont", "like", "not_like", "t"];
        var bytes = Payload(3, rules: null, words);
        var pipeline = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(bytes)));
        var m = pipeline.Transform(Table("i dont like it", "i don\u2019t like it", "i don't like it"));
        Assert.Equal([1, 2], m.Sparse!.RowIndices(0).ToArray());    // dont, like
        Assert.Equal([0, 2, 4], m.Sparse.RowIndices(1).ToArray());   // don, like, t
        Assert.Equal([3], m.Sparse.RowIndices(2).ToArray());         // not_like ("don't" is not in the vocabulary)
        Assert.Equal(3, Assert.IsType<TextFeaturizer>(Assert.Single(pipeline.Featurizers)).Tag);
        Assert.Equal(bytes, Written(pipeline));
    }

    [Fact]
    public void WriteRead_CurrentTokenRules_SavedWithTheirVersionAndIdentical()
    {
        var options = new FeaturizerOptions { Text = new TextFeaturizerOptions { MarkNegation = true } };
        var table = Table("i dont like it", "i don\u2019t like it, great", "not bad at all", "isnt it good");
        var fitted = FeaturePipeline.Fit(table, options);
        var bytes = Written(fitted);
        var loaded = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(bytes)));
        var text = Assert.IsType<TextFeaturizer>(Assert.Single(loaded.Featurizers));
        Assert.Equal(TextFeaturizer.VersionedTag, text.Tag);
        Assert.Equal(bytes, Written(loaded));

        var expected = fitted.Transform(table);
        var actual = loaded.Transform(table);
        Assert.Equal(expected.Sparse!.ColumnIndices, actual.Sparse!.ColumnIndices);
        Assert.Equal(expected.Sparse.Values, actual.Sparse.Values);
        Assert.Contains("t:w:not_like", loaded.Features.Select(f => f.Name));
    }

    [Fact]
    public void WriteRead_RulesVersionSavedUnderTagSeven_ReadAsSaved()
    {
        var pipeline = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(Payload(TextFeaturizer.VersionedTag, 2, ["dont", "like", "not_like"]))));
        Assert.Equal([0, 2], pipeline.Transform(Table("i dont like it")).Sparse!.RowIndices(0).ToArray());

        pipeline = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(Payload(TextFeaturizer.VersionedTag, 1, ["dont", "like", "not_like"]))));
        Assert.Equal([0, 1], pipeline.Transform(Table("i dont like it")).Sparse!.RowIndices(0).ToArray());
    }

    /// <summary>
    /// A featurizer saved with token rules 2 loads with rules 2: the bare "wont" negates what follows whatever it is, as
    /// when it was fitted, and writes back byte for byte; the same payload saved with rules 3 does not negate "to".
    /// </summary>
    [Fact]
    public void FeaturePipelineRead_TextSavedWithRules2_BareWontNegatesAsBefore()
    {
        string[] words = ["his", "not_to", "to", "wont"];
        var rules2 = Payload(TextFeaturizer.VersionedTag, 2, words);
        var pipeline = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(rules2)));
        Assert.Equal([0, 1, 3], pipeline.Transform(Table("his wont to")).Sparse!.RowIndices(0).ToArray());
        Assert.Equal(rules2, Written(pipeline));

        pipeline = FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(Payload(TextFeaturizer.VersionedTag, 3, words))));
        Assert.Equal([0, 2, 3], pipeline.Transform(Table("his wont to")).Sparse!.RowIndices(0).ToArray());
    }

    [Theory]
    [InlineData(4, "it was written by a newer engine")]
    [InlineData(0, "the file is corrupt")]
    public void Read_UnknownRulesVersion_NamesColumnVersionAndRange(int rules, string why)
    {
        var bytes = Payload(TextFeaturizer.VersionedTag, rules, ["like"]);
        var e = Assert.Throws<InvalidDataException>(() => FittedFeaturePipeline.Read(new BinaryReader(new MemoryStream(bytes))));
        Assert.Equal($"The text featurizer of 't' has token rules version {rules}; this engine reads 1 to 3: {why}.", e.Message);
    }

    private static HashSet<string> Names(TextFeaturizerOptions text, string document) =>
        FeaturePipeline.Fit(Table(document), new FeaturizerOptions { Text = text }).Features.Select(f => f.Name).ToHashSet();

    private static DataTable Table(params string[] texts) => new([new StringColumn("t", texts, ColumnType.Text)]);

    private static byte[] Written(FittedFeaturePipeline pipeline)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            pipeline.Write(writer);
        }

        return stream.ToArray();
    }

    /// <summary>A pipeline of one word-unigram text featurizer on column <c>t</c>, laid out by hand.</summary>
    private static byte[] Payload(byte tag, int? rules, string[] words)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(1);          // one featurizer
            writer.Write(tag);
            writer.Write("t");
            writer.Write(1);          // word n-grams up to 1
            writer.Write(3);          // character n-grams from 3
            writer.Write(0);          // ... up to 0: none
            writer.Write(1);          // minimum document frequency
            writer.Write(100);        // vocabulary cap
            writer.Write(false);      // sublinear tf
            writer.Write(true);       // mark negation
            if (rules is { } r)
            {
                writer.Write(r);
            }

            writer.Write(words.Length);
            foreach (var w in words)
            {
                writer.Write(w);
            }

            writer.Write(0);          // no character terms
            foreach (var _ in words)
            {
                writer.Write(1.5f);   // idf
            }

            writer.Write(0);          // no legacy text featurizers
        }

        return stream.ToArray();
    }
}
