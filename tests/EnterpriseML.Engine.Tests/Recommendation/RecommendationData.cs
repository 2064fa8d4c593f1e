using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>The shared recommendation datasets as interaction sets, loaded once per test run.</summary>
internal static class RecommendationData
{
    private static readonly Lazy<InteractionSet> MovieLensSet = new(() => InteractionSet.ReadCsv(
        [TestPaths.Dataset("recsys-movielens-small.csv")], new InteractionColumns("userId", "movieId", Rating: "rating", Timestamp: "timestamp"))[0]);

    private static readonly Lazy<InteractionSet> ScotchSet = new(() => InteractionSet.ReadCsv(
        [TestPaths.Dataset("recsys-scotch-implicit.csv")], new InteractionColumns("respondent", "brand"))[0]);

    /// <summary>MovieLens-small: userId, movieId, rating, timestamp (Unix seconds).</summary>
    public static InteractionSet MovieLens => MovieLensSet.Value;

    /// <summary>Scotch: (respondent, brand) pairs, implicit.</summary>
    public static InteractionSet Scotch => ScotchSet.Value;
}
