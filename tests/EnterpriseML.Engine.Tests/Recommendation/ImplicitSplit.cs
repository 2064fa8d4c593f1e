using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>MovieLens ratings ≥ 4 as implicit positives, each user's latest 20 % held out (the implicit protocol).</summary>
internal static class ImplicitSplit
{
    private static readonly Lazy<(InteractionSet Train, InteractionSet Test)> Value = new(() =>
        InteractionSplitter.PerUserSplit(RecommendationData.MovieLens.WithRatingAtLeast(4), 0.2, HoldoutOrder.Latest, seed: 42));

    public static InteractionSet Train => Value.Value.Train;

    public static InteractionSet Test => Value.Value.Test;
}
