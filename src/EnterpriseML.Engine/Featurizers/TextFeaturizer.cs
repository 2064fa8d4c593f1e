using System.Buffers;
using System.Runtime.CompilerServices;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Featurizers;

/// <summary>
/// TF-IDF over word n-grams and word-boundary character n-grams, fitted on training documents only (vocabulary and
/// document frequencies). Output is sparse; the word block and the character block are each L2-normalised. Unknown
/// terms at prediction are ignored. See <see cref="TextFeaturizerOptions"/>.
/// Saved as tag 3 (token rules 1, as every file before the rules were versioned) or tag 7 (tag 3's options, then the
/// token rules version as an int32, then the terms and weights), so a saved model tokenizes at prediction exactly as it
/// did when it was fitted.
/// </summary>
internal sealed class TextFeaturizer : ColumnFeaturizer
{
    /// <summary>The tag of a featurizer saved with its token rules version.</summary>
    public const byte VersionedTag = 7;

    /// <summary>
    /// Token rules 1: lower-casing only; a negation cue is one of <see cref="NegationWords"/> or ends in <c>n't</c>
    /// with the ASCII apostrophe. Every model file without a rules version was fitted with these.
    /// </summary>
    internal const int OriginalTokenRules = 1;

    /// <summary>
    /// Token rules 2: rules 1, and typographic apostrophes (U+2019, U+2018, U+02BC) read as <c>'</c>, so "don’t" is one
    /// token, the same as "don't"; contractions written without the apostrophe ("dont", "cant", "isnt" ...) are
    /// negation cues too.
    /// </summary>
    internal const int ApostropheFreeTokenRules = 2;

    /// <summary>
    /// Token rules 3: rules 2, except that the bare "wont" and "cant", which are also English words ("as is his wont",
    /// "marketing cant"), are negation cues only when the next token, before any punctuation that ends a negation,
    /// starts a verb phrase: one of <see cref="VerbPhraseStarts"/>. "won't" and "can't" with an apostrophe stay cues.
    /// </summary>
    internal const int VerbPhraseTokenRules = 3;

    /// <summary>The token rules new fits use: <see cref="VerbPhraseTokenRules"/>.</summary>
    internal const int CurrentTokenRules = VerbPhraseTokenRules;

    private static readonly string[] NegationWords = ["not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "nowhere", "cannot", "without"];

    /// <summary>Contractions of "not" written without the apostrophe, negation cues from token rules 2 on.</summary>
    private static readonly string[] ApostropheFreeNegations =
    [
        "dont", "doesnt", "didnt", "cant", "couldnt", "wont", "wouldnt", "shouldnt", "isnt", "arent", "wasnt", "werent",
        "havent", "hasnt", "hadnt", "aint", "mustnt", "neednt", "mightnt", "shant",
    ];

    /// <summary>The bare contractions that are also words: cues under token rules 3 only before <see cref="VerbPhraseStarts"/>.</summary>
    private static readonly string[] AmbiguousNegations = ["wont", "cant"];

    /// <summary>
    /// Token rules 3: the words after which a bare "wont" or "cant" is read as "won't" or "can't": common verbs a negated
    /// verb phrase starts with in reviews, and the adverbs that come between (even, ever, really, ...). A closed list;
    /// "to", "of" or a noun after the word leave it a plain word.
    /// </summary>
    internal static readonly string[] VerbPhraseStarts =
    [
        "be", "have", "do", "go", "get", "work", "say", "tell", "explain", "regret", "believe", "wait", "stand", "recommend",
        "find", "buy", "use", "see", "make", "take", "give", "stop", "help", "imagine", "understand", "complain", "beat",
        "fix", "eat", "return", "play", "watch", "hear", "turn", "keep", "hold", "last", "come", "put", "think", "figure",
        "connect", "charge", "fit", "sleep", "live", "leave", "let", "seem", "remember", "hurt", "fail", "miss", "like",
        "love", "afford", "handle", "start", "load", "open", "read", "even", "ever", "really", "possibly", "actually",
        "just", "always", "quite", "bring", "stay", "hate", "deny", "disagree", "argue", "blame",
    ];

    private const string NegationPrefix = "not_";

    private readonly TextFeaturizerOptions _options;
    private readonly TermTable _words;
    private readonly TermTable _chars;
    private readonly float[] _idf;

    private TextFeaturizer(string column, TextFeaturizerOptions options, string[] words, string[] chars, float[] idf)
        : base(column)
    {
        _options = options;
        _words = new TermTable(words, 0);
        _chars = new TermTable(chars, words.Length);
        _idf = idf;
        WordTerms = words;
        CharTerms = chars;
    }

    public int Width => _idf.Length;

    public override ColumnType InputType => ColumnType.Text;

    public override byte Tag => _options.TokenRules == OriginalTokenRules ? (byte)3 : VersionedTag;

    public override int DenseWidth => 0;

    public override int SparseWidth => _idf.Length;

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

    public override void AddFeatureInfos(List<FeatureInfo> dense)
    {
    }

    public override void AddSparseFeatureInfos(List<FeatureInfo> sparse)
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

    public override void Transform(DataColumn column, float[] dense, int rowCount, int firstFeature)
    {
    }

    public override void TransformRow(in RawValue value, Span<float> dense)
    {
    }

    public override void TransformSparse(DataColumn column, SparseBuilder builder, int offset, CancellationToken cancellationToken) =>
        Transform((StringColumn)column, builder, offset, cancellationToken);

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

        var sink = new CountSink(_words, _chars, counts, touched);
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

    /// <summary>
    /// Calls the sink with every word n-gram and character n-gram of <paramref name="text"/>, each with its
    /// <see cref="TermTable.Hash"/> computed incrementally while the n-gram grows. The text is lower-cased into a stack
    /// buffer (pooled for long texts), so nothing is allocated here.
    /// </summary>
    [SkipLocalsInit] // every buffer element is written before it is read
    internal static void Enumerate<TSink>(ReadOnlySpan<char> text, TextFeaturizerOptions options, ref TSink sink)
        where TSink : struct, ITermSink
    {
        // Lower-cased text, then room for one n-gram being built: a word n-gram is at most the text plus separators
        // and negation prefixes, a padded token at most the text plus two spaces.
        var charsNeeded = (text.Length * 2) + (options.WordNgramMaximum * (NegationPrefix.Length + 1)) + 2;
        // Tokens are separated by at least one character, so there are at most (length + 1) / 2 of them.
        var intsNeeded = text.Length + 2;
        char[]? rentedChars = null;
        int[]? rentedInts = null;
        Span<char> chars = charsNeeded <= StackChars ? stackalloc char[StackChars] : (rentedChars = ArrayPool<char>.Shared.Rent(charsNeeded));
        Span<int> tokens = intsNeeded <= StackInts ? stackalloc int[StackInts] : (rentedInts = ArrayPool<int>.Shared.Rent(intsNeeded));
        try
        {
            var lower = chars[..text.Length];
            text.ToLowerInvariant(lower);
            if (options.TokenRules >= ApostropheFreeTokenRules)
            {
                NormaliseApostrophes(lower);
            }

            var work = chars[text.Length..];
            var tokenCount = Tokenize(lower, tokens, options.MarkNegation, options.TokenRules);

            for (var t = 0; t < tokenCount; t++)
            {
                var length = 0;
                var hash = TermTable.Seed;
                for (var k = 0; k < options.WordNgramMaximum && t + k < tokenCount; k++)
                {
                    if (k > 0)
                    {
                        work[length++] = ' ';
                        hash = TermTable.Extend(hash, ' ');
                    }

                    var packed = tokens[((t + k) * 2) + 1];
                    if ((packed & NegatedBit) != 0)
                    {
                        hash = Append(NegationPrefix, work, ref length, hash);
                    }

                    hash = Append(lower.Slice(tokens[(t + k) * 2], packed & ~NegatedBit), work, ref length, hash);
                    sink.Word(work[..length], hash);
                }
            }

            if (options.CharNgramMaximum > 0)
            {
                for (var t = 0; t < tokenCount; t++)
                {
                    var len = tokens[(t * 2) + 1] & ~NegatedBit;
                    work[0] = ' ';
                    lower.Slice(tokens[t * 2], len).CopyTo(work[1..]);
                    work[len + 1] = ' ';
                    var padded = work[..(len + 2)];
                    for (var s = 0; s + options.CharNgramMinimum <= padded.Length; s++)
                    {
                        var hash = TermTable.Seed;
                        var longest = Math.Min(options.CharNgramMaximum, padded.Length - s);
                        for (var n = 1; n <= longest; n++)
                        {
                            hash = TermTable.Extend(hash, padded[s + n - 1]);
                            if (n >= options.CharNgramMinimum)
                            {
                                sink.Char(padded.Slice(s, n), hash);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }

            if (rentedInts is not null)
            {
                ArrayPool<int>.Shared.Return(rentedInts);
            }
        }
    }

    private const int StackChars = 768;
    private const int StackInts = 384;
    private const int NegatedBit = 1 << 30;

    /// <summary>
    /// Splits lower-cased text into tokens (a letter or digit, then letters, digits and apostrophes followed by a
    /// letter), written as (start, length | <see cref="NegatedBit"/>) pairs; returns the token count.
    /// </summary>
    private static int Tokenize(ReadOnlySpan<char> lower, Span<int> tokens, bool markNegation, int tokenRules)
    {
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
                tokens[tokenCount * 2] = start;
                tokens[(tokenCount * 2) + 1] = length | (negate && markNegation ? NegatedBit : 0);
                tokenCount++;
                if (markNegation && IsNegation(lower.Slice(start, length), tokenRules)
                    && (tokenRules < VerbPhraseTokenRules || !IsAmbiguousNegation(lower.Slice(start, length)) || StartsVerbPhrase(lower[i..])))
                {
                    negate = true;
                }

                continue;
            }

            if (c is '.' or ',' or '!' or '?' or ';' or ':')
            {
                negate = false;
            }

            i++;
        }

        return tokenCount;
    }

    private static ulong Append(ReadOnlySpan<char> part, Span<char> work, ref int length, ulong hash)
    {
        part.CopyTo(work[length..]);
        length += part.Length;
        foreach (var c in part)
        {
            hash = TermTable.Extend(hash, c);
        }

        return hash;
    }

    /// <summary>Token rules 2: the typographic apostrophes that stand for <c>'</c> in "don’t" become <c>'</c>.</summary>
    private static void NormaliseApostrophes(Span<char> lower)
    {
        for (var i = 0; i < lower.Length; i++)
        {
            if (lower[i] is '\u2019' or '\u2018' or '\u02BC')
            {
                lower[i] = '\'';
            }
        }
    }

    private static bool IsAmbiguousNegation(ReadOnlySpan<char> token)
    {
        foreach (var word in AmbiguousNegations)
        {
            if (token.SequenceEqual(word))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the first token of <paramref name="rest"/>, before any punctuation that ends a negation, is one of <see cref="VerbPhraseStarts"/>.</summary>
    private static bool StartsVerbPhrase(ReadOnlySpan<char> rest)
    {
        var i = 0;
        while (i < rest.Length && !char.IsLetterOrDigit(rest[i]))
        {
            if (rest[i] is '.' or ',' or '!' or '?' or ';' or ':')
            {
                return false;
            }

            i++;
        }

        var start = i;
        while (i < rest.Length && (char.IsLetterOrDigit(rest[i]) || (rest[i] == '\'' && i + 1 < rest.Length && char.IsLetter(rest[i + 1]))))
        {
            i++;
        }

        var token = rest[start..i];
        foreach (var word in VerbPhraseStarts)
        {
            if (token.SequenceEqual(word))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNegation(ReadOnlySpan<char> token, int tokenRules)
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

        if (tokenRules >= ApostropheFreeTokenRules)
        {
            foreach (var word in ApostropheFreeNegations)
            {
                if (token.SequenceEqual(word))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(Column);
        writer.Write(_options.WordNgramMaximum);
        writer.Write(_options.CharNgramMinimum);
        writer.Write(_options.CharNgramMaximum);
        writer.Write(_options.MinimumDocumentFrequency);
        writer.Write(_options.MaximumVocabularySize);
        writer.Write(_options.SublinearTf);
        writer.Write(_options.MarkNegation);
        if (_options.TokenRules != OriginalTokenRules)
        {
            writer.Write(_options.TokenRules);
        }

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

    /// <summary>
    /// Reads a featurizer saved under tag 3 or as a legacy untagged one (<paramref name="versioned"/> false: token
    /// rules 1) or under <see cref="VersionedTag"/> (the rules version is read from the payload).
    /// </summary>
    public static TextFeaturizer Read(BinaryReader reader, bool versioned = false)
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
            TokenRules = OriginalTokenRules,
        };
        if (versioned)
        {
            options.TokenRules = reader.ReadInt32();
            if (options.TokenRules is < OriginalTokenRules or > CurrentTokenRules)
            {
                var why = options.TokenRules > CurrentTokenRules ? "it was written by a newer engine" : "the file is corrupt";
                throw new InvalidDataException(
                    $"The text featurizer of {PayloadReader.Quote(column)} has token rules version {options.TokenRules}; this engine reads {OriginalTokenRules} to {CurrentTokenRules}: {why}.");
            }
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The text featurizer of {PayloadReader.Quote(column)} has invalid options: {e.Message}", e);
        }

        // Each term is at least its length byte and its 4-byte IDF weight.
        var words = new string[reader.ReadCount($"The word terms of text column {PayloadReader.Quote(column)}", 5)];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = reader.ReadString();
        }

        var chars = new string[reader.ReadCount($"The character terms of text column {PayloadReader.Quote(column)}", 5)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = reader.ReadString();
        }

        var idf = new float[reader.CheckCount((long)words.Length + chars.Length, $"The IDF weights of text column {PayloadReader.Quote(column)}", 4)];
        for (var i = 0; i < idf.Length; i++)
        {
            idf[i] = reader.ReadSingle();
        }

        return new TextFeaturizer(column, options, words, chars, idf);
    }

    internal interface ITermSink
    {
        void Word(ReadOnlySpan<char> term, ulong hash);

        void Char(ReadOnlySpan<char> term, ulong hash);
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

        public readonly void Word(ReadOnlySpan<char> term, ulong hash) => _seenWords.GetAlternateLookup<ReadOnlySpan<char>>().Add(term);

        public readonly void Char(ReadOnlySpan<char> term, ulong hash) => _seenChars.GetAlternateLookup<ReadOnlySpan<char>>().Add(term);

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
        private readonly TermTable _words;
        private readonly TermTable _chars;
        private readonly float[] _counts;
        private readonly List<int> _touched;

        public CountSink(TermTable words, TermTable chars, float[] counts, List<int> touched)
        {
            _words = words;
            _chars = chars;
            _counts = counts;
            _touched = touched;
        }

        public void Word(ReadOnlySpan<char> term, ulong hash) => Count(_words.IndexOf(term, hash));

        public void Char(ReadOnlySpan<char> term, ulong hash) => Count(_chars.IndexOf(term, hash));

        private void Count(int index)
        {
            if (index < 0)
            {
                return;
            }

            if (_counts[index] == 0)
            {
                _touched.Add(index);
            }

            _counts[index]++;
        }
    }
}

/// <summary>
/// A read-only open-addressing hash table (linear probing, load ≤ 1/2) from term text to feature index. Probed with a
/// 64-bit FNV-1a hash that the caller computes incrementally while it grows an n-gram, so a lookup costs one or two
/// cache lines plus one span comparison; the stored term is always compared, so a hash collision cannot change the
/// result.
/// </summary>
internal sealed class TermTable
{
    public const ulong Seed = 0xcbf29ce484222325UL;

    private readonly string[] _terms;
    private readonly int _firstIndex;
    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly int _shift;

    public TermTable(string[] terms, int firstIndex)
    {
        _terms = terms;
        _firstIndex = firstIndex;
        var bits = 4;
        while ((1L << bits) < 2L * terms.Length)
        {
            bits++;
        }

        _entries = new Entry[1 << bits];
        _mask = (1 << bits) - 1;
        _shift = 64 - bits;
        for (var i = 0; i < terms.Length; i++)
        {
            var hash = Hash(terms[i]);
            var slot = Slot(hash);
            while (_entries[slot].IndexPlusOne != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _entries[slot] = new Entry((uint)hash, i + 1);
        }
    }

    public static ulong Extend(ulong hash, char c) => (hash ^ c) * 0x100000001b3UL;

    public static ulong Hash(ReadOnlySpan<char> term)
    {
        var hash = Seed;
        foreach (var c in term)
        {
            hash = Extend(hash, c);
        }

        return hash;
    }

    /// <summary>The feature index of <paramref name="term"/> (whose <see cref="Hash"/> is <paramref name="hash"/>), or -1.</summary>
    public int IndexOf(ReadOnlySpan<char> term, ulong hash)
    {
        var slot = Slot(hash);
        var tag = (uint)hash;
        while (true)
        {
            var entry = _entries[slot];
            if (entry.IndexPlusOne == 0)
            {
                return -1;
            }

            if (entry.Tag == tag && term.SequenceEqual(_terms[entry.IndexPlusOne - 1]))
            {
                return _firstIndex + entry.IndexPlusOne - 1;
            }

            slot = (slot + 1) & _mask;
        }
    }

    private int Slot(ulong hash) => (int)((hash * 0x9E3779B97F4A7C15UL) >> _shift);

    private readonly record struct Entry(uint Tag, int IndexPlusOne);
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
