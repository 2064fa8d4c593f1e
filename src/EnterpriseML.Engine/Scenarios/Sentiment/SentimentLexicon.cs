namespace EnterpriseML.Engine.Scenarios.Sentiment;

/// <summary>
/// A small hand-written English polarity lexicon (common review words, written for this engine) and the dense
/// features derived from it. Words are matched against the text featurizer's word-unigram terms; a term carrying the
/// negation prefix (<c>not_good</c>, see <c>TextFeaturizerOptions.MarkNegation</c>) counts with flipped polarity.
/// Lexicon features in the spirit of Hu &amp; Liu (KDD 2004) and Mohammad, Kiritchenko &amp; Zhu (SemEval 2013).
/// </summary>
public static class SentimentLexicon
{
    /// <summary>The number of dense features <see cref="Features"/> writes.</summary>
    public const int FeatureCount = 3;

    private const string NegationPrefix = "not_";

    private static readonly HashSet<string> Positive = new(StringComparer.Ordinal)
    {
        "good", "great", "excellent", "amazing", "awesome", "love", "loved", "loves", "lovely", "like", "liked", "best",
        "better", "nice", "fine", "perfect", "perfectly", "happy", "pleased", "glad", "enjoy", "enjoyed", "enjoyable", "fun",
        "funny", "wonderful", "fantastic", "terrific", "superb", "brilliant", "beautiful", "beautifully", "pretty", "cool",
        "recommend", "recommended", "worth", "works", "worked", "working", "easy", "comfortable", "clear", "crisp", "fast",
        "quick", "quickly", "friendly", "helpful", "polite", "attentive", "delicious", "tasty", "fresh", "yummy", "reasonable",
        "affordable", "cheap", "solid", "sturdy", "reliable", "impressed", "impressive", "favorite", "favourite", "incredible",
        "outstanding", "exceptional", "positive", "satisfied", "satisfying", "smooth", "sharp", "bright", "warm", "clean",
        "charming", "touching", "moving", "masterpiece", "entertaining", "engaging", "interesting", "intelligent", "clever",
        "smart", "well", "wow", "thanks", "thank", "glowing", "gem", "pleasant", "pleasure", "delight", "delighted",
        "delightful", "stunning", "gorgeous", "fabulous", "superior", "ideal", "handy", "useful", "convenient", "quality",
        "exceeded", "beat", "winner", "classic", "memorable", "heartwarming", "hilarious", "genuine", "authentic",
        "generous", "tender", "perfection", "flawless", "elegant", "refreshing", "cute", "sweet", "yum", "rocks",
    };

    private static readonly HashSet<string> Negative = new(StringComparer.Ordinal)
    {
        "bad", "worst", "worse", "terrible", "awful", "horrible", "poor", "poorly", "hate", "hated", "disappointing",
        "disappointed", "disappointment", "waste", "wasted", "boring", "bored", "dull", "slow", "rude", "cold", "bland",
        "stale", "greasy", "overpriced", "expensive", "broke", "broken", "breaks", "fails", "failed", "failure", "fail",
        "useless", "junk", "crap", "garbage", "cheaply", "flimsy", "uncomfortable", "annoying", "annoyed", "frustrating",
        "frustrated", "problem", "problems", "issue", "issues", "defective", "return", "returned", "refund", "mistake",
        "wrong", "lacking", "lacks", "lame", "stupid", "dumb", "ridiculous", "pathetic", "mediocre", "unfortunately",
        "sucks", "sucked", "avoid", "never", "nasty", "gross", "disgusting", "dirty", "sick", "angry", "unhappy", "sad",
        "painful", "weak", "noisy", "difficult", "hard", "unreliable", "cheesy", "predictable", "pointless", "mess",
        "messy", "confusing", "confused", "unwatchable", "unbearable", "awkward", "tasteless", "soggy", "raw", "burnt",
        "undercooked", "overcooked", "dry", "tough", "insult", "insulting", "lousy", "inferior", "defect", "dead", "died",
        "dies", "drop", "dropped", "disconnect", "static", "unusable", "flaw", "flawed", "regret", "shame",
        "sloppy", "horrendous", "atrocious", "dreadful", "unacceptable", "complaint", "wait", "waited", "forgettable",
    };

    /// <summary>+1 for a positive word, −1 for a negative one, flipped for a negated term (<c>not_good</c> → −1), else 0.</summary>
    public static int Polarity(ReadOnlySpan<char> term)
    {
        var negated = term.StartsWith(NegationPrefix, StringComparison.Ordinal);
        var word = negated ? term[NegationPrefix.Length..] : term;
        var lookupPositive = Positive.GetAlternateLookup<ReadOnlySpan<char>>();
        var lookupNegative = Negative.GetAlternateLookup<ReadOnlySpan<char>>();
        var polarity = lookupPositive.Contains(word) ? 1 : lookupNegative.Contains(word) ? -1 : 0;
        return negated ? -polarity : polarity;
    }

    /// <summary>
    /// The dense lexicon features of a text with <paramref name="positive"/> positive and <paramref name="negative"/>
    /// negative terms: ln(1 + positive), ln(1 + negative), and the balance (positive − negative) / (positive + negative + 1).
    /// </summary>
    public static void Features(int positive, int negative, Span<float> features)
    {
        features[0] = MathF.Log(1 + positive);
        features[1] = MathF.Log(1 + negative);
        features[2] = (positive - negative) / (float)(positive + negative + 1);
    }
}
