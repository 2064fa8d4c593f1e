using System.Buffers;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Featurizers;

/// <summary>
/// TF-IDF over word n-grams and word-boundary character n-grams, fitted on training documents only (vocabulary and
/// document frequencies). Output is sparse; the word block and the character block are each L2-normalised. Unknown
/// terms at prediction are ignored. See <see cref="TextFeaturizerOptions"/>.
/// </summary>
internal sealed class TextFeaturizer
{
    private static readonly string[] NegationWords = ["not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "nowhere", "cannot", "without"];
    private const string NegationPrefix = "not_";

    private readonly TextFeaturizerOptions _options;
    private readonly Dictionary<string, int> _words;
    private readonly Dictionary<string, int> _chars;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _charLookup;
    private readonly float[] _idf;

    private TextFeaturizer(string column, TextFeaturizerOptions options, string[] words, string[] chars, float[] idf)
    {
        Column = column;
        _options = options;
        _words = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            _words[words[i]] = i;
        }

        _chars = new Dictionary<string, int>(chars.Length, StringComparer.Ordinal);
        for (var i = 0; i < chars.Length; i++)
        {
            _chars[chars[i]] = words.Length + i;
        }

        _wordLookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        _charLookup = _chars.GetAlternateLookup<ReadOnlySpan<char>>();
        _idf = idf;
        WordTerms = words;
        CharTerms = chars;
    }

    public string Column { get; }

    public int Width => _idf.Length;

    internal string[] WordTerms { get; }

    internal string[] CharTerms { get; }

    internal ReadOnlySpan<float> IdfWeights => _idf;

    public static TextFeaturizer Fit(StringColumn column, TextFeaturizerOptions options, CancellationToken cancellationToken)
    {
        var wordDf = new Dictionary<string, int>(StringComparer.Ordinal);
        var charDf = new Dictionary<string, int>(StringComparer.Ordinal);
        var sink = new DocumentFrequencySink(wordDf, charDf);
        var values = column.Values;
        var documents = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var text = values[i];
            documents++;
            if (text is null)
            {
                continue;
            }

            Enumerate(text, options, ref sink);
            sink.EndDocument();
        }

        var words = SelectVocabulary(wordDf, options);
        var chars = SelectVocabulary(charDf, options);
        var idf = new float[words.Length + chars.Length];
        for (var i = 0; i < words.Length; i++)
        {
            idf[i] = Idf(documents, wordDf[words[i]]);
        }

        for (var i = 0; i < chars.Length; i++)
        {
            idf[words.Length + i] = Idf(documents, charDf[chars[i]]);
        }

        return new TextFeaturizer(column.Name, options.Clone(), words, chars, idf);
    }

    private static float Idf(int documents, int df) => (float)(Math.Log((1.0 + documents) / (1.0 + df)) + 1.0);

    private static string[] SelectVocabulary(Dictionary<string, int> df, TextFeaturizerOptions options)
    {
        var kept = df.Where(kv => kv.Value >= options.MinimumDocumentFrequency)
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(options.MaximumVocabularySize)
            .Select(kv => kv.Key)
            .ToArray();
        Array.Sort(kept, StringComparer.Ordinal);
        return kept;
    }

    public void AddFeatureInfos(List<FeatureInfo> sparse)
    {
        foreach (var w in WordTerms)
        {
            sparse.Add(new FeatureInfo(Column + ":w:" + w));
        }

        foreach (var c in CharTerms)
        {
            sparse.Add(new FeatureInfo(Column + ":c:" + c));
        }
    }

    /// <summary>Appends the features of every row to the builder (indices relative to <paramref name="offset"/>).</summary>
    public void Transform(StringColumn column, SparseBuilder builder, int offset, CancellationToken cancellationToken)
    {
        var values = column.Values;
        var counts = new float[Width];
        var touched = new List<int>();
        for (var i = 0; i < values.Length; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            Document(values[i], counts, touched);
            Emit(counts, touched, builder, offset);
        }
    }

    /// <summary>Features of one document into caller-owned scratch (<paramref name="counts"/> has length <see cref="Width"/> and is left zeroed).</summary>
    public void TransformRow(string? text, float[] counts, List<int> touched, List<int> indices, List<float> values, int offset)
    {
        Document(text, counts, touched);
        Normalise(counts, touched);
        foreach (var t in touched)
        {
            indices.Add(offset + t);
            values.Add(counts[t]);
            counts[t] = 0;
        }

        touched.Clear();
    }

    private void Emit(float[] counts, List<int> touched, SparseBuilder builder, int offset)
    {
        Normalise(counts, touched);
        foreach (var t in touched)
        {
            builder.Add(offset + t, counts[t]);
            counts[t] = 0;
        }

        touched.Clear();
        builder.EndRow();
    }

    private void Document(string? text, float[] counts, List<int> touched)
    {
        if (text is null)
        {
            return;
        }

        var sink = new CountSink(_wordLookup, _charLookup, counts, touched);
        Enumerate(text, _options, ref sink);
    }

    private void Normalise(float[] counts, List<int> touched)
    {
        touched.Sort();
        double wordNorm = 0, charNorm = 0;
        var wordCount = WordTerms.Length;
        foreach (var t in touched)
        {
            var tf = counts[t];
            var w = (_options.SublinearTf ? 1f + MathF.Log(tf) : tf) * _idf[t];
            counts[t] = w;
            if (t < wordCount)
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
        foreach (var t in touched)
        {
            counts[t] *= t < wordCount ? wordScale : charScale;
        }
    }

    /// <summary>Calls the sink with every word n-gram and character n-gram of <paramref name="text"/>.</summary>
    internal static void Enumerate<TSink>(string text, TextFeaturizerOptions options, ref TSink sink)
        where TSink : struct, ITermSink
    {
        var lower = text.ToLowerInvariant();
        var tokenBuffer = ArrayPool<int>.Shared.Rent(Math.Max(16, lower.Length + 2));
        var charBuffer = ArrayPool<char>.Shared.Rent((lower.Length * 2) + 16);
        try
        {
            // Tokens as (start, length, negated) triples packed into the int buffer: start, length|negatedBit.
            var tokenCount = 0;
            var negate = false;
            var i = 0;
            while (i < lower.Length)
            {
                var c = lower[i];
                if (char.IsLetterOrDigit(c))
                {
                    var start = i;
                    while (i < lower.Length && (char.IsLetterOrDigit(lower[i]) || (lower[i] == '\'' && i + 1 < lower.Length && char.IsLetter(lower[i + 1]))))
                    {
                        i++;
                    }

                    var length = i - start;
                    tokenBuffer[tokenCount * 2] = start;
                    tokenBuffer[(tokenCount * 2) + 1] = length | (negate && options.MarkNegation ? 1 << 30 : 0);
                    tokenCount++;
                    if (options.MarkNegation && IsNegation(lower.AsSpan(start, length)))
                    {
                        negate = true;
                    }

                    if (tokenCount * 2 >= tokenBuffer.Length - 2)
                    {
                        break;
                    }

                    continue;
                }

                if (c is '.' or ',' or '!' or '?' or ';' or ':')
                {
                    negate = false;
                }

                i++;
            }

            var buffer = charBuffer.AsSpan();
            for (var n = 1; n <= options.WordNgramMaximum; n++)
            {
                for (var t = 0; t + n <= tokenCount; t++)
                {
                    var length = 0;
                    for (var k = 0; k < n; k++)
                    {
                        if (k > 0)
                        {
                            buffer[length++] = ' ';
                        }

                        var start = tokenBuffer[(t + k) * 2];
                        var packed = tokenBuffer[((t + k) * 2) + 1];
                        if ((packed & (1 << 30)) != 0)
                        {
                            NegationPrefix.AsSpan().CopyTo(buffer[length..]);
                            length += NegationPrefix.Length;
                        }

                        var len = packed & ~(1 << 30);
                        if (length + len + 8 > buffer.Length)
                        {
                            break;
                        }

                        lower.AsSpan(start, len).CopyTo(buffer[length..]);
                        length += len;
                    }

                    sink.Word(buffer[..length]);
                }
            }

            if (options.CharNgramMaximum > 0)
            {
                for (var t = 0; t < tokenCount; t++)
                {
                    var start = tokenBuffer[t * 2];
                    var len = tokenBuffer[(t * 2) + 1] & ~(1 << 30);
                    buffer[0] = ' ';
                    lower.AsSpan(start, len).CopyTo(buffer[1..]);
                    buffer[len + 1] = ' ';
                    var padded = buffer[..(len + 2)];
                    for (var n = options.CharNgramMinimum; n <= options.CharNgramMaximum; n++)
                    {
                        for (var s = 0; s + n <= padded.Length; s++)
                        {
                            sink.Char(padded.Slice(s, n));
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tokenBuffer);
            ArrayPool<char>.Shared.Return(charBuffer);
        }
    }

    private static bool IsNegation(ReadOnlySpan<char> token)
    {
        if (token.EndsWith("n't", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var word in NegationWords)
        {
            if (token.SequenceEqual(word))
            {
                return true;
            }
        }

        return false;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Column);
        writer.Write(_options.WordNgramMaximum);
        writer.Write(_options.CharNgramMinimum);
        writer.Write(_options.CharNgramMaximum);
        writer.Write(_options.MinimumDocumentFrequency);
        writer.Write(_options.MaximumVocabularySize);
        writer.Write(_options.SublinearTf);
        writer.Write(_options.MarkNegation);
        writer.Write(WordTerms.Length);
        foreach (var w in WordTerms)
        {
            writer.Write(w);
        }

        writer.Write(CharTerms.Length);
        foreach (var c in CharTerms)
        {
            writer.Write(c);
        }

        foreach (var v in _idf)
        {
            writer.Write(v);
        }
    }

    public static TextFeaturizer Read(BinaryReader reader)
    {
        var column = reader.ReadString();
        var options = new TextFeaturizerOptions
        {
            WordNgramMaximum = reader.ReadInt32(),
            CharNgramMinimum = reader.ReadInt32(),
            CharNgramMaximum = reader.ReadInt32(),
            MinimumDocumentFrequency = reader.ReadInt32(),
            MaximumVocabularySize = reader.ReadInt32(),
            SublinearTf = reader.ReadBoolean(),
            MarkNegation = reader.ReadBoolean(),
        };
        var words = new string[reader.ReadInt32()];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = reader.ReadString();
        }

        var chars = new string[reader.ReadInt32()];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = reader.ReadString();
        }

        var idf = new float[words.Length + chars.Length];
        for (var i = 0; i < idf.Length; i++)
        {
            idf[i] = reader.ReadSingle();
        }

        return new TextFeaturizer(column, options, words, chars, idf);
    }

    internal interface ITermSink
    {
        void Word(ReadOnlySpan<char> term);

        void Char(ReadOnlySpan<char> term);
    }

    private struct DocumentFrequencySink : ITermSink
    {
        private readonly Dictionary<string, int> _wordDf;
        private readonly Dictionary<string, int> _charDf;
        private readonly HashSet<string> _seenWords;
        private readonly HashSet<string> _seenChars;

        public DocumentFrequencySink(Dictionary<string, int> wordDf, Dictionary<string, int> charDf)
        {
            _wordDf = wordDf;
            _charDf = charDf;
            _seenWords = new HashSet<string>(StringComparer.Ordinal);
            _seenChars = new HashSet<string>(StringComparer.Ordinal);
        }

        public readonly void Word(ReadOnlySpan<char> term) => _seenWords.GetAlternateLookup<ReadOnlySpan<char>>().Add(term);

        public readonly void Char(ReadOnlySpan<char> term) => _seenChars.GetAlternateLookup<ReadOnlySpan<char>>().Add(term);

        public readonly void EndDocument()
        {
            foreach (var w in _seenWords)
            {
                _wordDf[w] = _wordDf.GetValueOrDefault(w) + 1;
            }

            foreach (var c in _seenChars)
            {
                _charDf[c] = _charDf.GetValueOrDefault(c) + 1;
            }

            _seenWords.Clear();
            _seenChars.Clear();
        }
    }

    private readonly struct CountSink : ITermSink
    {
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _words;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _chars;
        private readonly float[] _counts;
        private readonly List<int> _touched;

        public CountSink(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> words, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> chars, float[] counts, List<int> touched)
        {
            _words = words;
            _chars = chars;
            _counts = counts;
            _touched = touched;
        }

        public void Word(ReadOnlySpan<char> term)
        {
            if (_words.TryGetValue(term, out var index))
            {
                Count(index);
            }
        }

        public void Char(ReadOnlySpan<char> term)
        {
            if (_chars.TryGetValue(term, out var index))
            {
                Count(index);
            }
        }

        private void Count(int index)
        {
            if (_counts[index] == 0)
            {
                _touched.Add(index);
            }

            _counts[index]++;
        }
    }
}

/// <summary>Builds a CSR matrix row by row.</summary>
internal sealed class SparseBuilder
{
    private readonly List<int> _rowPointers = [0];
    private readonly List<int> _indices = [];
    private readonly List<float> _values = [];

    public int RowCount => _rowPointers.Count - 1;

    public void Add(int index, float value)
    {
        _indices.Add(index);
        _values.Add(value);
    }

    public void EndRow() => _rowPointers.Add(_indices.Count);

    public SparseMatrix Build(int columnCount) =>
        new(RowCount, columnCount, [.. _rowPointers], [.. _indices], [.. _values]);
}
