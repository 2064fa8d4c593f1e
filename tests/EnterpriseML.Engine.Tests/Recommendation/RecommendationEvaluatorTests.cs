using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Recommendation;

public sealed class RecommendationEvaluatorTests
{
    [Fact]
    public void Score_HandComputedList_MatchesDefinitions()
    {
        // Ranked [5, 1, 7, 3], relevant {1, 3, 9}, k = 4: hits at ranks 2 and 4.
        var scores = RecommendationEvaluator.Score([5, 1, 7, 3], [1, 3, 9], 4);

        Assert.Equal(2.0 / 4, scores.Precision, 12);
        Assert.Equal(2.0 / 3, scores.Recall, 12);
        var dcg = (1 / Math.Log2(3)) + (1 / Math.Log2(5));
        var idcg = 1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4));
        Assert.Equal(dcg / idcg, scores.Ndcg, 12);
        Assert.Equal(((1.0 / 2) + (2.0 / 4)) / 3, scores.AveragePrecision, 12);
        Assert.True(scores.Hit);
    }

    [Fact]
    public void Score_PerfectList_IsOne()
    {
        var scores = RecommendationEvaluator.Score([2, 4], [2, 4], 2);

        Assert.Equal(1.0, scores.Precision, 12);
        Assert.Equal(1.0, scores.Recall, 12);
        Assert.Equal(1.0, scores.Ndcg, 12);
        Assert.Equal(1.0, scores.AveragePrecision, 12);
    }

    [Fact]
    public void Score_NoHits_IsZeroAndShortListStillDividesByK()
    {
        var miss = RecommendationEvaluator.Score([8, 9], [1], 5);
        Assert.Equal(0, miss.Precision);
        Assert.Equal(0, miss.Ndcg);
        Assert.False(miss.Hit);

        var shortList = RecommendationEvaluator.Score([1], [1], 5);
        Assert.Equal(1.0 / 5, shortList.Precision, 12);
        Assert.Equal(1.0, shortList.AveragePrecision, 12);
    }

    [Fact]
    public void Score_NonPositiveK_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RecommendationEvaluator.Score([1], [1], 0));

    [Fact]
    public void EvaluateRanking_PopularityOnTinyData_MatchesHandComputation()
    {
        // Training rows: (u1,a) (u2,b) (u3,a) (u3,b) (u3,a) (u4,d) → popularity a 3 > b 2 > d 1; c is a cold item.
        var data = InteractionSet.FromIds(
            ["u1", "u2", "u3", "u1", "u3", "u3", "u4", "u2", "u1"],
            ["a", "b", "a", "c", "b", "a", "d", "d", "b"]);
        var train = data.Select([0, 1, 2, 4, 5, 6]);
        var test = data.Select([3, 7, 8]);
        var model = new PopularityTrainer().Fit(train);

        var metrics = RecommendationEvaluator.EvaluateRanking(model, test, k: 2);

        // u1 (seen a) gets [b, d], relevant {b, c}: hit at rank 1. u2 (seen b) gets [a, d], relevant {d}: hit at rank 2.
        Assert.Equal(2, metrics.UsersEvaluated);
        Assert.Equal(((1.0 / 2) + (1.0 / 2)) / 2, metrics.PrecisionAtK, 12);
        Assert.Equal(((1.0 / 2) + 1.0) / 2, metrics.RecallAtK, 12);
        var ndcgU1 = 1.0 / (1 + (1 / Math.Log2(3)));
        var ndcgU2 = 1 / Math.Log2(3);
        Assert.Equal((ndcgU1 + ndcgU2) / 2, metrics.NdcgAtK, 12);
        Assert.Equal(((1.0 / 2) + (1.0 / 2)) / 2, metrics.MapAtK, 12);
        Assert.Equal(1.0, metrics.HitRateAtK, 12);
        Assert.Equal(1.0, metrics.Coverage, 12);
        Assert.Equal(0, metrics.ColdUsersEvaluated);
    }

    /// <summary>
    /// An implicit model fitted on ratings ≥ 4 never recommends back an item the user rated lower in training
    /// (<see cref="Recommender.Excluded"/>), so that item, rated again in the test part, is one the user had in training
    /// and is not relevant. It was counted as relevant (only <see cref="Recommender.Seen"/> was removed), a miss no model
    /// could avoid: u's recall was 1/2 and x, whose only training rating was low, counted a as relevant too.
    /// </summary>
    [Fact]
    public void EvaluateRanking_ItemRatedBelowThresholdInTraining_IsNotRelevantAgain()
    {
        // Training: u a=2, u b=5, v a=5, v c=5, w a=5, w c=4, x a=1. Test: u a=5, u c=5, x a=5, x b=5.
        var data = InteractionSet.FromIds(
            ["u", "u", "v", "v", "w", "w", "x", "u", "u", "x", "x"],
            ["a", "b", "a", "c", "a", "c", "a", "a", "c", "a", "b"],
            ratings: [2, 5, 5, 5, 5, 4, 1, 5, 5, 5, 5]);
        var train = data.Select([0, 1, 2, 3, 4, 5, 6]);
        var test = data.Select([7, 8, 9, 10]);
        var model = ImplicitFeedback.Fit(new PopularityTrainer(), train, threshold: 4);

        var metrics = RecommendationEvaluator.EvaluateRanking(model, test, k: 2, relevanceThreshold: 4);

        // Popularity of the positives: a 2, c 2, b 1. u (excluded a, b) gets [c], relevant {c}: every metric 1 but
        // precision 1/2. x (cold; excluded a) gets [c, b], relevant {b}: hit at rank 2.
        Assert.Equal(2, metrics.UsersEvaluated);
        Assert.Equal(1, metrics.ColdUsersEvaluated);
        Assert.Equal(((1.0 / 2) + (1.0 / 2)) / 2, metrics.PrecisionAtK, 12);
        Assert.Equal(1.0, metrics.RecallAtK, 12);
        Assert.Equal((1.0 + (1 / Math.Log2(3))) / 2, metrics.NdcgAtK, 12);
        Assert.Equal((1.0 + (1.0 / 2)) / 2, metrics.MapAtK, 12);
        Assert.Equal(1.0, metrics.HitRateAtK, 12);
    }

    [Fact]
    public void EvaluateRanking_RelevanceThreshold_DropsLowRatings()
    {
        var data = InteractionSet.FromIds(["u", "v", "u", "u"], ["a", "b", "b", "c"], ratings: [5, 5, 2, 5]);
        var train = data.Select([0, 1]);
        var test = data.Select([2, 3]);
        var model = new PopularityTrainer().Fit(train);

        var metrics = RecommendationEvaluator.EvaluateRanking(model, test, k: 1, relevanceThreshold: 4);

        // Only c (rated 5) is relevant; popularity recommends b (the only unseen known item), so no hit.
        Assert.Equal(1, metrics.UsersEvaluated);
        Assert.Equal(0, metrics.PrecisionAtK);
    }

    [Fact]
    public void EvaluateRatings_KnownPredictions_GivesRmseAndMae()
    {
        var data = InteractionSet.FromIds(["u", "u", "v", "v"], ["a", "b", "a", "b"], ratings: [4, 2, 4, 2]);
        var model = new Engine.Trainers.Factorization.MatrixFactorizationTrainer(new Engine.Trainers.Factorization.MatrixFactorizationOptions
        {
            NumberOfFactors = 1,
            NumberOfEpochs = 1,
            LearningRate = 1e-9,
            InitialStandardDeviation = 1e-9,
        }).Fit(data);

        // With a negligible learning rate every prediction is the global mean 3: errors ±1.
        var metrics = RecommendationEvaluator.EvaluateRatings(model, data);

        Assert.Equal(1.0, metrics.Rmse, 4);
        Assert.Equal(1.0, metrics.Mae, 4);
        Assert.Equal(4, metrics.Count);
    }

    [Fact]
    public void EvaluateRanking_TestMappedSeparately_Throws()
    {
        var model = new PopularityTrainer().Fit(InteractionSet.FromIds(["u", "v"], ["a", "b"]));
        var other = InteractionSet.FromIds(["v"], ["b"]);

        Assert.Throws<ArgumentException>(() => RecommendationEvaluator.EvaluateRanking(model, other));
    }

    [Fact]
    public void EvaluateRanking_ColdTestUserWithSegment_UsesSegmentFallback()
    {
        var data = InteractionSet.FromIds(["u1", "u2", "u3", "new"], ["a", "b", "b", "a"], segments: ["s", "t", "t", "s"]);
        var model = new PopularityTrainer().Fit(data.Select([0, 1, 2]));

        var metrics = RecommendationEvaluator.EvaluateRanking(model, data.Select([3]), k: 1);

        // Globally b is more popular, but segment s prefers a, which the cold user holds out.
        Assert.Equal(1, metrics.ColdUsersEvaluated);
        Assert.Equal(1.0, metrics.HitRateAtK, 12);
    }
}
