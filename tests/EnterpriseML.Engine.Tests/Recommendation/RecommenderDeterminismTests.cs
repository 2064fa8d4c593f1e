using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>
/// Every recommendation trainer and variant: the same seed gives the same written model on 1, 2, 3 and 8 threads, and a
/// second fit with the same seed gives it again; another seed changes the factorisations' models (popularity and
/// item-kNN draw no random numbers); and the saved model file, loaded again, ranks, finds similar items, predicts
/// ratings and scores candidate rows bit-identically, and saves to the same bytes.
/// </summary>
public sealed class RecommenderDeterminismTests
{
    private static readonly string[] VariantNames = ["popularity", "item-knn-cosine", "item-knn-bm25", "implicit-als-cg", "implicit-als-cholesky", "matrix-factorization"];

    public static TheoryData<string> Variants => [.. VariantNames];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Recommender>> OneThread = new(StringComparer.Ordinal);

    [Fact]
    public void Variants_EveryRecommendationCandidate_Covered()
    {
        foreach (var candidate in RecommendationScenario.Candidates(hasRatings: true))
        {
            Assert.Contains(VariantNames, v => v.StartsWith(candidate.Name, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Fit_SameSeedOneTwoThreeEightThreads_SameModelBytes(string variant)
    {
        var reference = Bytes(Reference(variant));
        foreach (var threads in new[] { 1, 2, 3, 8 })
        {
            Assert.True(reference.AsSpan().SequenceEqual(Bytes(Fit(variant, threads))), $"{variant} on {threads} thread(s) differs from the one-thread fit.");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Fit_OtherSeed_ChangesTheFactorisationsOnly(string variant)
    {
        var randomised = variant is "implicit-als-cg" or "implicit-als-cholesky" or "matrix-factorization";
        var same = Bytes(Reference(variant)).AsSpan().SequenceEqual(Bytes(Fit(variant, threads: 1, seed: 10)));
        Assert.True(randomised != same, randomised ? $"{variant}: another seed gives the same model, so the seed is not used." : $"{variant}: another seed changes a model that draws no random numbers.");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void SaveLoad_EveryVariant_SameRankingsSimilarItemsRatingsAndBytes(string variant)
    {
        var model = Reference(variant);
        using var file = new MemoryStream();
        model.Save(file);
        var loaded = Recommender.Load(new MemoryStream(file.ToArray()));
        using var again = new MemoryStream();
        loaded.Save(again);
        Assert.True(file.ToArray().AsSpan().SequenceEqual(again.ToArray()), $"{variant}: the loaded model saves to other bytes.");

        var (a, b) = (new ScoredItem[20], new ScoredItem[20]);
        for (var user = 0; user < model.Users.Count; user++)
        {
            Assert.Equal(model.Recommend(user, a), loaded.Recommend(user, b));
            Assert.Equal(a, b);
            Assert.Equal(model.Recommend(user, a, excludeSeen: false), loaded.Recommend(user, b, excludeSeen: false));
            Assert.Equal(a, b);
        }

        for (var item = 0; item < model.Items.Count; item += 7)
        {
            Assert.Equal(model.SimilarItems(item, a), loaded.SimilarItems(item, b));
            Assert.Equal(a, b);
        }

        // A user the model never saw gets the popularity fallback, from the file as from the fit.
        Assert.Equal(model.Recommend("never-seen-user", 10).Items, loaded.Recommend("never-seen-user", 10).Items);
        if (model.SupportsRatingPrediction)
        {
            for (var user = 0; user < model.Users.Count; user += 5)
            {
                var item = user % model.Items.Count;
                Assert.Equal(BitConverter.SingleToInt32Bits(model.PredictRating(user, item)), BitConverter.SingleToInt32Bits(loaded.PredictRating(user, item)));
                Assert.Equal(BitConverter.SingleToInt32Bits(model.PredictRating(user, item, 1_500_000_000L + user)),
                    BitConverter.SingleToInt32Bits(loaded.PredictRating(user, item, 1_500_000_000L + user)));
            }
        }
    }

    private static Recommender Reference(string variant) => OneThread.GetOrAdd(variant, v => new(() => Fit(v, threads: 1))).Value;

    private static Recommender Fit(string variant, int threads, int seed = 9) => variant switch
    {
        "popularity" => new PopularityTrainer().Fit(ImplicitSplit.SmallTrain),
        "item-knn-cosine" => new ItemKnnTrainer(new ItemKnnOptions { NumberOfNeighbors = 20, Shrinkage = 5, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        "item-knn-bm25" => new ItemKnnTrainer(new ItemKnnOptions { NumberOfNeighbors = 20, Similarity = ItemSimilarity.Bm25, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        "implicit-als-cg" => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 8, NumberOfIterations = 3, Seed = seed, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        "implicit-als-cholesky" => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 8, NumberOfIterations = 3, Seed = seed, Solver = AlsSolver.Cholesky, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        // Sequential SGD: no thread option; the same seed twice must still give the same model.
        "matrix-factorization" => new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 8, NumberOfEpochs = 3, Seed = seed }).Fit(
            InteractionSplitter.PerUserSplit(RecommendationData.MovieLens, 0.2, HoldoutOrder.Latest, 42).Train),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown variant."),
    };

    private static byte[] Bytes(Recommender model)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        return stream.ToArray();
    }
}
