using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>MovieLens ratings ≥ 4 as implicit positives, each user's latest 20 % held out (the implicit protocol).</summary>
internal static class ImplicitSplit
{
    private static readonly Lazy<(InteractionSet Train, InteractionSet Test)> Value = new(() =>
        InteractionSplitter.PerUserSplit(RecommendationData.MovieLens.WithRatingAtLeast(4), 0.2, HoldoutOrder.Latest, seed: 42));

    public static InteractionSet Train => Value.Value.Train;

    public static InteractionSet Test => Value.Value.Test;

    private static readonly Lazy<InteractionSet> SmallValue = new(() => Train.Select(Enumerable.Range(0, 12_000).ToArray()));

    /// <summary>The first 12,000 training rows (about 150 users), for invariants that do not need the whole set.</summary>
    public static InteractionSet SmallTrain => SmallValue.Value;
}
