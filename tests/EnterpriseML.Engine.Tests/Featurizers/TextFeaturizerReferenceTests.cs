using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Featurizers;

namespace EnterpriseML.Engine.Tests.Featurizers;

/// <summary>
/// The text featurizer against a deliberately plain re-implementation (strings, <c>Substring</c>, <c>string.Join</c>,
/// dictionaries) on the real sentiment data: same vocabulary, same idf, and bit-identical feature indices and values
/// from the batch transform and from the single-row path the prediction engine uses.
/// </summary>
public sealed class TextFeaturizerReferenceTests
{
    private static readonly Lazy<string?[]> Sentences = new(() =>
        ((StringColumn)CsvTable.Read(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv"))["text"]).Values.ToArray());

    public static TheoryData<string> Settings() => new() { "default", "negation", "negation-token-rules-2", "negation-token-rules-1", "words-1-3-chars-1-8", "chars-only-2-4", "words-only-mindf-2" };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Transform_SentimentTexts_MatchesReferenceExactly(string setting)
    {
        var options = Options(setting);
        var texts = Texts();
        var (train, _) = DataSplits.TrainTest(texts.Length, 0.2, 42);
        var trainTexts = new string?[train.Length];
        for (var i = 0; i < train.Length; i++)
        {
            trainTexts[i] = texts[train[i]];
        }

        var featurizer = TextFeaturizer.Fit(new StringColumn("text", trainTexts, ColumnType.Text), options, CancellationToken.None);
        var reference = new ReferenceTfIdf(trainTexts, options);

        Assert.Equal(reference.Words, featurizer.WordTerms);
        Assert.Equal(reference.Chars, featurizer.CharTerms);
        Assert.Equal(reference.Idf, featurizer.IdfWeights.ToArray());

        var builder = new SparseBuilder();
        featurizer.Transform(new StringColumn("text", texts, ColumnType.Text), builder, 0, CancellationToken.None);
        var batch = builder.Build(featurizer.Width);

        var counts = new float[featurizer.Width];
        var touched = new List<int>();
        var indices = new List<int>();
        var values = new List<float>();
        var nonEmpty = 0;
        for (var r = 0; r < texts.Length; r++)
        {
            var (expectedIndices, expectedValues) = reference.Transform(texts[r]);
            nonEmpty += expectedIndices.Length > 0 ? 1 : 0;
            AssertRow(expectedIndices, expectedValues, batch.RowIndices(r).ToArray(), batch.RowValues(r).ToArray(), r, "batch");

            indices.Clear();
            values.Clear();
            featurizer.TransformRow(texts[r], counts, touched, indices, values, 7);
            for (var k = 0; k < indices.Count; k++)
            {
                indices[k] -= 7;
            }

            AssertRow(expectedIndices, expectedValues, [.. indices], [.. values], r, "single row");
        }

        Assert.All(counts, c => Assert.Equal(0f, c));
        Assert.True(nonEmpty > texts.Length * 9 / 10, $"only {nonEmpty} of {texts.Length} rows have features");
    }

    [Theory]
    [InlineData("negation")]
    [InlineData("negation-token-rules-2")]
    [InlineData("negation-token-rules-1")]
    public void TransformRow_LongAndUnusualTexts_MatchesReferenceExactly(string setting)
    {
        var options = Options(setting);
        var sentences = Texts();
        var train = sentences.Take(500).ToArray();
        var featurizer = TextFeaturizer.Fit(new StringColumn("text", train, ColumnType.Text), options, CancellationToken.None);
        var reference = new ReferenceTfIdf(train, options);
        string?[] probes =
        [
            string.Join(" ", sentences.Take(60)), // longer than any stack buffer
            "a b c d e f g h i j k l m n o", // single-character tokens only
            "Don't! NOT good... İstanbul ÀÉÎ straße ΣΑΣ won't'", // casing beyond ASCII, trailing apostrophe
            "   ", "!!!", "", null, "x", "it's it''s 'quoted' rock'n'roll 123abc 4,5",
            "emoji 😀 pair and tab\tand\nnewline",
            "i dont like it, it isnt good. DIDNT help ain't",
            "don\u2019t like \u2018quoted\u2019 can\u02BCt stop \u2019 it\u2018s",
            "as is his wont to complain, i wont go back; the cant of sales cant, wait cant  even WONT be",
        ];
        var counts = new float[featurizer.Width];
        var touched = new List<int>();
        var indices = new List<int>();
        var values = new List<float>();
        for (var r = 0; r < probes.Length; r++)
        {
            var (expectedIndices, expectedValues) = reference.Transform(probes[r]);
            indices.Clear();
            values.Clear();
            featurizer.TransformRow(probes[r], counts, touched, indices, values, 0);
            AssertRow(expectedIndices, expectedValues, [.. indices], [.. values], r, "probe");
        }

        Assert.All(counts, c => Assert.Equal(0f, c));
    }

    private static string?[] Texts() => Sentences.Value;

    private static TextFeaturizerOptions Options(string setting) => setting switch
    {
        "default" => new TextFeaturizerOptions(),
        "negation" => new TextFeaturizerOptions { MarkNegation = true },
        "negation-token-rules-1" => new TextFeaturizerOptions { MarkNegation = true, TokenRules = TextFeaturizer.OriginalTokenRules },
        "negation-token-rules-2" => new TextFeaturizerOptions { MarkNegation = true, TokenRules = TextFeaturizer.ApostropheFreeTokenRules },
        "words-1-3-chars-1-8" => new TextFeaturizerOptions { WordNgramMaximum = 3, CharNgramMinimum = 1, CharNgramMaximum = 8, SublinearTf = false },
        "chars-only-2-4" => new TextFeaturizerOptions { WordNgramMaximum = 0, CharNgramMinimum = 2, CharNgramMaximum = 4, MaximumVocabularySize = 5_000 },
        "words-only-mindf-2" => new TextFeaturizerOptions { CharNgramMaximum = 0, MinimumDocumentFrequency = 2 },
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "Unknown setting."),
    };

    private static void AssertRow(int[] expectedIndices, float[] expectedValues, int[] indices, float[] values, int row, string path)
    {
        Assert.True(expectedIndices.AsSpan().SequenceEqual(indices), $"{path}, row {row}: indices differ ({indices.Length} vs {expectedIndices.Length} expected).");
        for (var k = 0; k < values.Length; k++)
        {
            if (BitConverter.SingleToInt32Bits(values[k]) != BitConverter.SingleToInt32Bits(expectedValues[k]))
            {
                Assert.Fail($"{path}, row {row}, feature {indices[k]}: value {values[k]:R}, expected {expectedValues[k]:R}.");
            }
        }
    }

    /// <summary>The featurizer's documented behaviour, written for clarity rather than speed.</summary>
    private sealed class ReferenceTfIdf
    {
        private static readonly HashSet<string> Negations = ["not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "nowhere", "cannot", "without"];

        // Token rules 3: the bare wont and cant are cues only before one of these.
        private static readonly HashSet<string> VerbPhraseStarts = [.. TextFeaturizer.VerbPhraseStarts];

        // Token rules 2 adds these cues, and reads ’ ‘ ʼ as an apostrophe.
        private static readonly HashSet<string> ApostropheFree =
        [
            "dont", "doesnt", "didnt", "cant", "couldnt", "wont", "wouldnt", "shouldnt", "isnt", "arent", "wasnt", "werent",
            "havent", "hasnt", "hadnt", "aint", "mustnt", "neednt", "mightnt", "shant",
        ];
        private readonly TextFeaturizerOptions _options;
        private readonly Dictionary<string, int> _wordIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _charIndex = new(StringComparer.Ordinal);

        public ReferenceTfIdf(string?[] documents, TextFeaturizerOptions options)
        {
            _options = options;
            var wordDf = new Dictionary<string, int>(StringComparer.Ordinal);
            var charDf = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var d in documents)
            {
                if (d is null)
                {
                    continue;
                }

                var (words, chars) = Terms(d);
                foreach (var w in words.Distinct(StringComparer.Ordinal))
                {
                    wordDf[w] = wordDf.GetValueOrDefault(w) + 1;
                }

                foreach (var c in chars.Distinct(StringComparer.Ordinal))
                {
                    charDf[c] = charDf.GetValueOrDefault(c) + 1;
                }
            }

            Words = Select(wordDf);
            Chars = Select(charDf);
            Idf = new float[Words.Length + Chars.Length];
            for (var i = 0; i < Words.Length; i++)
            {
                _wordIndex[Words[i]] = i;
                Idf[i] = (float)(Math.Log((1.0 + documents.Length) / (1.0 + wordDf[Words[i]])) + 1.0);
            }

            for (var i = 0; i < Chars.Length; i++)
            {
                _charIndex[Chars[i]] = Words.Length + i;
                Idf[Words.Length + i] = (float)(Math.Log((1.0 + documents.Length) / (1.0 + charDf[Chars[i]])) + 1.0);
            }
        }

        public string[] Words { get; }

        public string[] Chars { get; }

        public float[] Idf { get; }

        public (int[] Indices, float[] Values) Transform(string? text)
        {
            if (text is null)
            {
                return ([], []);
            }

            var counts = new SortedDictionary<int, int>();
            var (words, chars) = Terms(text);
            foreach (var w in words)
            {
                if (_wordIndex.TryGetValue(w, out var i))
                {
                    counts[i] = counts.GetValueOrDefault(i) + 1;
                }
            }

            foreach (var c in chars)
            {
                if (_charIndex.TryGetValue(c, out var i))
                {
                    counts[i] = counts.GetValueOrDefault(i) + 1;
                }
            }

            var indices = counts.Keys.ToArray();
            var values = new float[indices.Length];
            double wordNorm = 0, charNorm = 0;
            for (var k = 0; k < indices.Length; k++)
            {
                float tf = counts[indices[k]];
                var w = (_options.SublinearTf ? 1f + MathF.Log(tf) : tf) * Idf[indices[k]];
                values[k] = w;
                if (indices[k] < Words.Length)
                {
                    wordNorm += (double)w * w;
                }
                else
                {
                    charNorm += (double)w * w;
                }
            }

            var wordScale = wordNorm > 0 ? (float)(1 / Math.Sqrt(wordNorm)) : 0f;
            var charScale = charNorm > 0 ? (float)(1 / Math.Sqrt(charNorm)) : 0f;
            for (var k = 0; k < indices.Length; k++)
            {
                values[k] *= indices[k] < Words.Length ? wordScale : charScale;
            }

            return (indices, values);
        }

        private string[] Select(Dictionary<string, int> df)
        {
            var kept = df.Where(kv => kv.Value >= _options.MinimumDocumentFrequency)
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Take(_options.MaximumVocabularySize)
                .Select(kv => kv.Key)
                .ToArray();
            Array.Sort(kept, StringComparer.Ordinal);
            return kept;
        }

        /// <summary>Tokens: a letter or digit, then letters, digits and apostrophes followed by a letter.</summary>
        private (List<string> Words, List<string> Chars) Terms(string text)
        {
            var lower = text.ToLowerInvariant();
            var rules2 = _options.TokenRules >= 2;
            if (rules2)
            {
                lower = lower.Replace('\u2019', '\'').Replace('\u2018', '\'').Replace('\u02BC', '\'');
            }

            var rules3 = _options.TokenRules >= 3;
            var tokens = new List<string>();
            var marked = new List<string>();
            var negate = false;
            var i = 0;
            while (i < lower.Length)
            {
                if (!char.IsLetterOrDigit(lower[i]))
                {
                    if (".,!?;:".Contains(lower[i]))
                    {
                        negate = false;
                    }

                    i++;
                    continue;
                }

                var start = i;
                while (i < lower.Length && (char.IsLetterOrDigit(lower[i]) || (lower[i] == '\'' && i + 1 < lower.Length && char.IsLetter(lower[i + 1]))))
                {
                    i++;
                }

                var token = lower[start..i];
                tokens.Add(token);
                marked.Add(negate && _options.MarkNegation ? "not_" + token : token);
                var cue = token.EndsWith("n't", StringComparison.Ordinal) || Negations.Contains(token) || (rules2 && ApostropheFree.Contains(token));
                if (cue && rules3 && token is "wont" or "cant")
                {
                    // The next token, unless punctuation that ends a negation comes first.
                    var rest = lower[i..];
                    var gap = rest.TakeWhile(c => !char.IsLetterOrDigit(c)).ToArray();
                    var next = new string(rest.Skip(gap.Length).TakeWhile((c, k) => char.IsLetterOrDigit(c) || (c == '\'' && k + 1 < rest.Length - gap.Length && char.IsLetter(rest[gap.Length + k + 1]))).ToArray());
                    cue = !gap.Any(c => ".,!?;:".Contains(c)) && VerbPhraseStarts.Contains(next);
                }

                if (_options.MarkNegation && cue)
                {
                    negate = true;
                }
            }

            var words = new List<string>();
            for (var n = 1; n <= _options.WordNgramMaximum; n++)
            {
                for (var t = 0; t + n <= marked.Count; t++)
                {
                    words.Add(string.Join(" ", marked.GetRange(t, n)));
                }
            }

            var chars = new List<string>();
            if (_options.CharNgramMaximum > 0)
            {
                foreach (var token in tokens)
                {
                    var padded = " " + token + " ";
                    for (var n = _options.CharNgramMinimum; n <= _options.CharNgramMaximum; n++)
                    {
                        for (var s = 0; s + n <= padded.Length; s++)
                        {
                            chars.Add(padded.Substring(s, n));
                        }
                    }
                }
            }

            return (words, chars);
        }
    }
}
