namespace EnterpriseML.Engine.Recommendation;

/// <summary>Rating-prediction error on a test set.</summary>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="Count">The number of test ratings.</param>
public sealed record RatingMetrics(double Rmse, double Mae, int Count);

/// <summary>
/// Top-k ranking quality, averaged over the evaluated users (test users with at least one relevant item that they
/// had not already seen in training). Binary relevance.
/// </summary>
/// <param name="K">The cut-off.</param>
/// <param name="PrecisionAtK">Hits in the top k divided by k.</param>
/// <param name="RecallAtK">Hits in the top k divided by the user's number of relevant items.</param>
/// <param name="NdcgAtK">Σ hit/log₂(rank + 1) over the top k, divided by the ideal value for min(k, relevant) hits.</param>
/// <param name="MapAtK">Mean average precision: Σ precision@rank over hit ranks, divided by min(k, relevant).</param>
/// <param name="HitRateAtK">The share of users with at least one hit in the top k.</param>
/// <param name="Coverage">Distinct items recommended to the evaluated users divided by the catalogue (items with training interactions).</param>
/// <param name="UsersEvaluated">The number of users averaged over.</param>
/// <param name="ColdUsersEvaluated">How many of them had no training history and were served by the fallback.</param>
public sealed record RankingMetrics(
    int K,
    double PrecisionAtK,
    double RecallAtK,
    double NdcgAtK,
    double MapAtK,
    double HitRateAtK,
    double Coverage,
    int UsersEvaluated,
    int ColdUsersEvaluated);

/// <summary>Per-list ranking scores; <see cref="RecommendationEvaluator"/> averages them.</summary>
public readonly record struct ListScores(double Precision, double Recall, double Ndcg, double AveragePrecision, bool Hit);

/// <summary>Evaluates a fitted <see cref="Recommender"/> on held-out interactions.</summary>
public static class RecommendationEvaluator
{
    /// <summary>
    /// RMSE and MAE of <see cref="Recommender.PredictRating(int, int, long)"/> (with the row's timestamp when the set
    /// has timestamps) over the test ratings, cold users and items included.
    /// </summary>
    public static RatingMetrics EvaluateRatings(Recommender model, InteractionSet test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        if (!test.HasRatings)
        {
            throw new ArgumentException("The test set has no ratings.", nameof(test));
        }

        if (!SharesIndices(model.Users, test.Users) || !SharesIndices(model.Items, test.Items))
        {
            throw new ArgumentException(
                "The test set's id indices do not extend the model's (map training and test data together, or split one set).", nameof(test));
        }

        double squared = 0;
        double absolute = 0;
        var users = test.UserIndices;
        var items = test.ItemIndices;
        var ratings = test.Ratings;
        for (var i = 0; i < users.Length; i++)
        {
            var predicted = test.HasTimestamps ? model.PredictRating(users[i], items[i], test.Timestamps[i]) : model.PredictRating(users[i], items[i]);
            var error = (double)ratings[i] - predicted;
            squared += error * error;
            absolute += Math.Abs(error);
        }

        var n = Math.Max(1, users.Length);
        return new RatingMetrics(Math.Sqrt(squared / n), absolute / n, users.Length);
    }

    /// <summary>
    /// Ranking metrics at <paramref name="k"/>: for each test user, the relevant items are their distinct test items
    /// (with rating ≥ <paramref name="relevanceThreshold"/> when given and the set has ratings) minus the items
    /// <see cref="Recommender.Excluded"/> holds for them (their training interactions); the model's top-k excludes the same items. Cold test users are served by the fallback (with their test
    /// segment when present) and count like any other user.
    /// </summary>
    public static RankingMetrics EvaluateRanking(Recommender model, InteractionSet test, int k = 10, float? relevanceThreshold = null, ItemFilter? filter = null) =>
        Evaluate(model, test, k, relevanceThreshold, filter, null);

    /// <summary>
    /// <see cref="EvaluateRanking"/> that also returns each user's NDCG@k, indexed by user index (length
    /// <c>test.Users.Count</c>; NaN for users that were not evaluated), for paired bootstrap comparisons.
    /// </summary>
    public static RankingMetrics EvaluateRankingPerUser(Recommender model, InteractionSet test, out double[] ndcgByUser, int k = 10, float? relevanceThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        ndcgByUser = new double[test.Users.Count];
        Array.Fill(ndcgByUser, double.NaN);
        return Evaluate(model, test, k, relevanceThreshold, null, ndcgByUser);
    }

    private static RankingMetrics Evaluate(Recommender model, InteractionSet test, int k, float? relevanceThreshold, ItemFilter? filter, double[]? ndcgByUser)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (!SharesIndices(model.Users, test.Users) || !SharesIndices(model.Items, test.Items))
        {
            throw new ArgumentException(
                "The test set's id indices do not extend the model's (map training and test data together, or split one set).", nameof(test));
        }

        var segments = SegmentsByUser(test);

        var relevantByUser = Relevant(test, relevanceThreshold);
        var recommended = new ScoredItem[k];
        var ranked = new int[k];
        var recommendedEver = new bool[model.Items.Count];
        double precision = 0, recall = 0, ndcg = 0, map = 0, hits = 0;
        int evaluated = 0, cold = 0;
        for (var user = 0; user < relevantByUser.RowCount; user++)
        {
            var relevant = RemoveSeen(relevantByUser.RowColumns(user), model, user);
            if (relevant.Length == 0)
            {
                continue;
            }

            string? segment = null;
            if (!model.IsKnownUser(user))
            {
                cold++;
                segment = segments?[user];
            }

            var n = model.Recommend(user, recommended, filter, excludeSeen: true, segment);
            for (var r = 0; r < n; r++)
            {
                ranked[r] = recommended[r].Item;
                recommendedEver[recommended[r].Item] = true;
            }

            var scores = Score(ranked.AsSpan(0, n), relevant, k);
            precision += scores.Precision;
            recall += scores.Recall;
            ndcg += scores.Ndcg;
            if (ndcgByUser is not null)
            {
                ndcgByUser[user] = scores.Ndcg;
            }

            map += scores.AveragePrecision;
            hits += scores.Hit ? 1 : 0;
            evaluated++;
        }

        var catalogue = 0;
        var covered = 0;
        for (var i = 0; i < recommendedEver.Length; i++)
        {
            catalogue += model.IsKnownItem(i) ? 1 : 0;
            covered += recommendedEver[i] ? 1 : 0;
        }

        var d = Math.Max(1, evaluated);
        return new RankingMetrics(k, precision / d, recall / d, ndcg / d, map / d, hits / d,
            catalogue == 0 ? 0 : (double)covered / catalogue, evaluated, cold);
    }

    /// <summary>
    /// Scores one ranked list (best first, at most <paramref name="k"/> items considered) against a sorted set of
    /// relevant items. Precision divides by k even when fewer items were ranked.
    /// </summary>
    public static ListScores Score(ReadOnlySpan<int> ranked, ReadOnlySpan<int> relevantSorted, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (relevantSorted.Length == 0)
        {
            return default;
        }

        var hits = 0;
        double dcg = 0;
        double precisionSum = 0;
        var n = Math.Min(k, ranked.Length);
        for (var r = 0; r < n; r++)
        {
            if (relevantSorted.BinarySearch(ranked[r]) >= 0)
            {
                hits++;
                dcg += 1.0 / Math.Log2(r + 2);
                precisionSum += (double)hits / (r + 1);
            }
        }

        var ideal = Math.Min(k, relevantSorted.Length);
        double idcg = 0;
        for (var r = 0; r < ideal; r++)
        {
            idcg += 1.0 / Math.Log2(r + 2);
        }

        return new ListScores((double)hits / k, (double)hits / relevantSorted.Length, dcg / idcg, precisionSum / ideal, hits > 0);
    }

    private static UserItemMatrix Relevant(InteractionSet test, float? threshold)
    {
        if (threshold is null || !test.HasRatings)
        {
            return test.ToUserItemMatrix(InteractionValue.Weight);
        }

        return test.WithRatingAtLeast(threshold.Value).ToUserItemMatrix(InteractionValue.Weight);
    }

    /// <summary>
    /// The relevant items minus everything <see cref="Recommender.Recommend(int, Span{ScoredItem}, ItemFilter?, bool, string?)"/>
    /// excludes for the user: <see cref="Recommender.Excluded"/>, not only <see cref="Recommender.Seen"/>, so an item
    /// the user had at fit time that the model did not learn from (rated below an implicit model's threshold) is not
    /// counted as a miss it can never hit. Users beyond the model's index had nothing.
    /// </summary>
    private static ReadOnlySpan<int> RemoveSeen(ReadOnlySpan<int> relevant, Recommender model, int user)
    {
        if ((uint)user >= (uint)model.Excluded.RowCount)
        {
            return relevant;
        }

        var seen = model.Excluded.RowColumns(user);
        var anySeen = false;
        foreach (var item in relevant)
        {
            if (seen.BinarySearch(item) >= 0)
            {
                anySeen = true;
                break;
            }
        }

        if (!anySeen)
        {
            return relevant;
        }

        var kept = new List<int>(relevant.Length);
        foreach (var item in relevant)
        {
            if (seen.BinarySearch(item) < 0)
            {
                kept.Add(item);
            }
        }

        return kept.ToArray();
    }

    private static string?[]? SegmentsByUser(InteractionSet test)
    {
        if (!test.HasSegments)
        {
            return null;
        }

        var segments = new string?[test.Users.Count];
        var users = test.UserIndices;
        for (var i = 0; i < users.Length; i++)
        {
            segments[users[i]] ??= test.Segments[i];
        }

        return segments;
    }

    /// <summary>True when every id of <paramref name="model"/> has the same index in <paramref name="data"/>.</summary>
    private static bool SharesIndices(IdIndex model, IdIndex data)
    {
        if (ReferenceEquals(model, data))
        {
            return true;
        }

        if (model.Count > data.Count)
        {
            return false;
        }

        for (var i = 0; i < model.Count; i++)
        {
            if (!string.Equals(model[i], data[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
