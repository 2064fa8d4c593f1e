using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>
/// Every recommendation trainer and variant: the same seed gives the same written model on 1, 2, 3 and 8 threads, and a
/// second fit with the same seed gives it again.
/// </summary>
public sealed class RecommenderDeterminismTests
{
    public static TheoryData<string> Variants => ["popularity", "item-knn-cosine", "item-knn-bm25", "implicit-als-cg", "implicit-als-cholesky", "matrix-factorization"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Fit_SameSeedOneTwoThreeEightThreads_SameModelBytes(string variant)
    {
        var reference = Bytes(Fit(variant, threads: 1));
        foreach (var threads in new[] { 1, 2, 3, 8 })
        {
            Assert.True(reference.AsSpan().SequenceEqual(Bytes(Fit(variant, threads))), $"{variant} on {threads} thread(s) differs from the one-thread fit.");
        }
    }

    private static Recommender Fit(string variant, int threads) => variant switch
    {
        "popularity" => new PopularityTrainer().Fit(ImplicitSplit.SmallTrain),
        "item-knn-cosine" => new ItemKnnTrainer(new ItemKnnOptions { NumberOfNeighbors = 20, Shrinkage = 5, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        "item-knn-bm25" => new ItemKnnTrainer(new ItemKnnOptions { NumberOfNeighbors = 20, Similarity = ItemSimilarity.Bm25, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        "implicit-als-cg" => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 8, NumberOfIterations = 3, Seed = 9, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        "implicit-als-cholesky" => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 8, NumberOfIterations = 3, Seed = 9, Solver = AlsSolver.Cholesky, MaxDegreeOfParallelism = threads }).Fit(ImplicitSplit.SmallTrain),
        // Sequential SGD: no thread option; the same seed twice must still give the same model.
        "matrix-factorization" => new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 8, NumberOfEpochs = 3, Seed = 9 }).Fit(
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
