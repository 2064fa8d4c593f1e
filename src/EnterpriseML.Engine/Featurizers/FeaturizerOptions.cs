namespace EnterpriseML.Engine.Featurizers;

/// <summary>How categorical columns become features.</summary>
public enum CategoricalEncoding
{
    /// <summary>One indicator per frequent level plus an "other" bucket; hashing beyond <see cref="FeaturizerOptions.MaximumOneHotLevels"/>.</summary>
    OneHot,

    /// <summary>One dense feature holding the level code (for trees with native categorical splits).</summary>
    Codes,
}

/// <summary>How numeric columns are scaled after imputation.</summary>
public enum NumericScaling
{
    /// <summary>Subtract the training mean, divide by the training standard deviation.</summary>
    Standardize,

    /// <summary>Map the training range onto [0, 1].</summary>
    MinMax,

    /// <summary>Leave values as they are (trees do not need scaling).</summary>
    None,
}

/// <summary>
/// Options of the feature pipeline. Validated once by <see cref="FeaturePipeline.Fit"/>; the fitted pipeline keeps its
/// own copy, so changing an options object later changes nothing already fitted.
/// </summary>
public sealed class FeaturizerOptions
{
    /// <summary>Options for linear models: one-hot categoricals, standardised numerics.</summary>
    public static FeaturizerOptions Linear => new();

    /// <summary>Options for tree models: categorical codes, unscaled numerics, no missing indicators (trees route missing values themselves).</summary>
    public static FeaturizerOptions Trees => new()
    {
        CategoricalEncoding = CategoricalEncoding.Codes,
        NumericScaling = NumericScaling.None,
        AddMissingIndicators = false,
        ImputeNumericMissing = false,
    };

    /// <summary>Categorical encoding. Default <see cref="CategoricalEncoding.OneHot"/>.</summary>
    public CategoricalEncoding CategoricalEncoding { get; set; } = CategoricalEncoding.OneHot;

    /// <summary>Numeric scaling. Default <see cref="NumericScaling.Standardize"/>.</summary>
    public NumericScaling NumericScaling { get; set; } = NumericScaling.Standardize;

    /// <summary>Replace missing numeric values by the training median. Default true; when false NaN is passed through (trees).</summary>
    public bool ImputeNumericMissing { get; set; } = true;

    /// <summary>Add an "is missing" indicator for numeric columns that had missing values in training. Default true.</summary>
    public bool AddMissingIndicators { get; set; } = true;

    /// <summary>Levels seen fewer times than this in training go to the "other" bucket. Default 2; range [1, 1,000,000].</summary>
    public int MinimumCategoryCount { get; set; } = 2;

    /// <summary>One-hot at most this many levels; more frequent-enough levels switch the column to hashing. Default 256; range [1, 100,000].</summary>
    public int MaximumOneHotLevels { get; set; } = 256;

    /// <summary>Hashed one-hot uses 2^HashingBits columns. Default 10; range [4, 20].</summary>
    public int HashingBits { get; set; } = 10;

    /// <summary>
    /// One-hot and hashed columns with at least this many indicators go to the sparse block (one entry per row instead
    /// of a dense column per level: a 229-level column over 800,000 rows is 1.6 MB sparse against 730 MB dense). The
    /// features and the linear models fitted on them are the same either way. Default 64; range [2, 1,048,577].
    /// </summary>
    public int SparseOneHotMinimumWidth { get; set; } = 64;

    /// <summary>Codes mode keeps at most this many levels (the most frequent); the rest share the "other" code. Default 254; range [1, 254].</summary>
    public int MaximumCategoryCodes { get; set; } = 254;

    /// <summary>Text featurisation options.</summary>
    public TextFeaturizerOptions Text { get; set; } = new();

    /// <summary>Column names to featurise as text whatever their inferred type.</summary>
    public IReadOnlyCollection<string> TextColumns { get; set; } = [];

    /// <summary>Column names to featurise as categorical whatever their inferred type.</summary>
    public IReadOnlyCollection<string> CategoricalColumns { get; set; } = [];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        Check(MinimumCategoryCount, 1, 1_000_000, nameof(MinimumCategoryCount));
        Check(MaximumOneHotLevels, 1, 100_000, nameof(MaximumOneHotLevels));
        Check(HashingBits, 4, 20, nameof(HashingBits));
        Check(MaximumCategoryCodes, 1, 254, nameof(MaximumCategoryCodes));
        Check(SparseOneHotMinimumWidth, 2, (1 << 20) + 1, nameof(SparseOneHotMinimumWidth));
        ArgumentNullException.ThrowIfNull(Text, nameof(Text));
        ArgumentNullException.ThrowIfNull(TextColumns, nameof(TextColumns));
        ArgumentNullException.ThrowIfNull(CategoricalColumns, nameof(CategoricalColumns));
        Text.Validate();
    }

    internal static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be in [{min}, {max}].");
        }
    }
}

/// <summary>
/// TF-IDF text featurisation: lower-casing, word n-grams and character n-grams within word boundaries, sublinear tf,
/// smoothed idf (ln((1 + n) / (1 + df)) + 1) and L2 normalisation of the word block and of the character block
/// (Salton &amp; Buckley 1988; the word-boundary character n-grams follow common practice in text classification).
/// </summary>
public sealed class TextFeaturizerOptions
{
    /// <summary>Longest word n-gram. Default 2; range [0, 3] (0 = no word features).</summary>
    public int WordNgramMaximum { get; set; } = 2;

    /// <summary>Shortest character n-gram. Default 3; range [1, 8].</summary>
    public int CharNgramMinimum { get; set; } = 3;

    /// <summary>Longest character n-gram. Default 5; range [0, 8] (0 = no character features).</summary>
    public int CharNgramMaximum { get; set; } = 5;

    /// <summary>Terms in fewer training documents are dropped. Default 1; range [1, 1,000,000].</summary>
    public int MinimumDocumentFrequency { get; set; } = 1;

    /// <summary>Keep at most this many terms per block, by document frequency. Default 300,000; range [1, 10,000,000].</summary>
    public int MaximumVocabularySize { get; set; } = 300_000;

    /// <summary>Use 1 + ln(tf) instead of tf. Default true.</summary>
    public bool SublinearTf { get; set; } = true;

    /// <summary>
    /// Mark tokens after a negation word ("not", "no", "never", "n't", and the apostrophe-free "dont", "isnt" ...; the
    /// bare "wont" and "cant" only before a verb such as "be", "work", "wait") up to the next punctuation with a
    /// <c>not_</c> prefix. Default false.
    /// </summary>
    public bool MarkNegation { get; set; }

    /// <summary>
    /// The tokenizer rules version (see <see cref="TextFeaturizer.CurrentTokenRules"/>): new fits use the current
    /// rules; a featurizer loaded from a file keeps the rules it was fitted with, so its predictions do not change.
    /// </summary>
    internal int TokenRules { get; set; } = TextFeaturizer.CurrentTokenRules;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        FeaturizerOptions.Check(WordNgramMaximum, 0, 3, nameof(WordNgramMaximum));
        FeaturizerOptions.Check(CharNgramMaximum, 0, 8, nameof(CharNgramMaximum));
        FeaturizerOptions.Check(CharNgramMinimum, 1, 8, nameof(CharNgramMinimum));
        FeaturizerOptions.Check(MinimumDocumentFrequency, 1, 1_000_000, nameof(MinimumDocumentFrequency));
        FeaturizerOptions.Check(MaximumVocabularySize, 1, 10_000_000, nameof(MaximumVocabularySize));
        if (CharNgramMaximum != 0 && CharNgramMaximum < CharNgramMinimum)
        {
            throw new ArgumentOutOfRangeException(nameof(CharNgramMaximum), CharNgramMaximum, $"Must be 0 or at least CharNgramMinimum ({CharNgramMinimum}).");
        }

        if (WordNgramMaximum == 0 && CharNgramMaximum == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WordNgramMaximum), WordNgramMaximum, "Word or character n-grams must be enabled.");
        }
    }

    internal TextFeaturizerOptions Clone() => (TextFeaturizerOptions)MemberwiseClone();
}
