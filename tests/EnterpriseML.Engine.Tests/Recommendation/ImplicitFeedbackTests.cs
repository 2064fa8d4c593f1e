using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>
/// Implicit-feedback models trained on explicit ratings learn from the ratings ≥ 4 only, yet must never recommend an
/// item the user rated lower ("seen items never come back", whatever the rating).
/// </summary>
public sealed class ImplicitFeedbackTests
{
    private const float Threshold = 4;

    /// <summary>The first ~150 users of MovieLens with all their ratings (0.5 to 5).</summary>
    private static readonly Lazy<InteractionSet> Ratings = new(() =>
        RecommendationData.MovieLens.Select(Enumerable.Range(0, 15_000).ToArray()));

    public static TheoryData<string> Trainers => ["popularity", "item-knn", "implicit-als"];

    private static IRecommenderTrainer Create(string name) => name switch
    {
        "popularity" => new PopularityTrainer(),
        "item-knn" => new ItemKnnTrainer(50),
        _ => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 16, NumberOfIterations = 4, Seed = 2 }),
    };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Fit_OnRatings_NeverRecommendsAnyRatedItem(string trainer)
    {
        var data = Ratings.Value;
        var model = ImplicitFeedback.Fit(Create(trainer), data, Threshold);
        var rated = data.ToUserItemMatrix();
        var buffer = new ScoredItem[50];
        var checkedUsers = 0;
        for (var user = 0; user < data.Users.Count; user++)
        {
            var n = model.Recommend(user, buffer);
            Assert.True(n > 0, $"{trainer}: user {user} got no recommendation.");
            for (var r = 0; r < n; r++)
            {
                Assert.False(rated.Contains(user, buffer[r].Item), $"{trainer}: user {data.Users[user]} got back item {data.Items[buffer[r].Item]}, which they rated.");
            }

            checkedUsers++;
        }

        Assert.Equal(data.Users.Count, checkedUsers);
    }

    [Fact]
    public void Fit_WithoutTheExclusions_WouldRecommendLowRatedItems()
    {
        // The defect the exclusions fix: fitted on the positives alone, the model recommends items the user rated < 4.
        var data = Ratings.Value;
        var positivesOnly = new PopularityTrainer().Fit(data.WithRatingAtLeast(Threshold));
        var rated = data.ToUserItemMatrix();
        var buffer = new ScoredItem[50];
        var returned = 0;
        for (var user = 0; user < data.Users.Count; user++)
        {
            var n = positivesOnly.Recommend(user, buffer);
            for (var r = 0; r < n; r++)
            {
                returned += rated.Contains(user, buffer[r].Item) ? 1 : 0;
            }
        }

        Assert.True(returned > 0, "Expected the positives-only model to recommend some low-rated items back.");
    }

    [Fact]
    public void Fit_UserWithOnlyLowRatings_GetsFallbackWithoutTheirItems()
    {
        // u3 rated only below the threshold, so the model has no history for them: the popularity fallback serves
        // them, minus the items they rated.
        string[] users = ["u1", "u1", "u2", "u2", "u2", "u3", "u3", "u4"];
        string[] items = ["a", "b", "a", "b", "c", "a", "b", "d"];
        float[] ratings = [5, 4, 5, 4, 5, 1, 2, 4];
        var data = InteractionSet.FromIds(users, items, ratings);
        var model = ImplicitFeedback.Fit(new PopularityTrainer(), data, Threshold);

        var list = model.Recommend("u3", 10);

        Assert.True(list.UsedFallback);
        Assert.Equal(["c", "d"], list.Items.Select(i => i.ItemId).Order().ToArray());
    }

    [Fact]
    public void Fit_MatrixFactorization_LearnsFromEveryRatingAndExcludesThem()
    {
        var data = Ratings.Value;
        var trainer = new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 8, NumberOfEpochs = 3, Seed = 2 });

        var model = ImplicitFeedback.Fit(trainer, data, Threshold);

        Assert.Same(data, ImplicitFeedback.TrainingRows(trainer, data, Threshold));
        Assert.Equal(data.ToUserItemMatrix().NonZeroCount, model.Seen.NonZeroCount);
        Assert.Same(model.Seen, model.Excluded);
    }

    [Fact]
    public void SaveLoad_KeepsTheExclusions()
    {
        var data = Ratings.Value;
        var model = ImplicitFeedback.Fit(Create("item-knn"), data, Threshold);
        Assert.True(model.Excluded.NonZeroCount > model.Seen.NonZeroCount);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;

        var loaded = Recommender.Load(stream);

        Assert.Equal(model.Excluded.NonZeroCount, loaded.Excluded.NonZeroCount);
        var a = new ScoredItem[20];
        var b = new ScoredItem[20];
        for (var user = 0; user < data.Users.Count; user += 7)
        {
            Assert.Equal(model.Recommend(user, a), loaded.Recommend(user, b));
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Read_Format1Payload_LoadsWithExclusionsEqualToSeen()
    {
        // A format-1 payload is a format-2 one without the exclusions flag: rebuild one from a current model.
        var model = new PopularityTrainer().Fit(Ratings.Value);
        using var current = new MemoryStream();
        using (var writer = new BinaryWriter(current, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        using var prefix = new MemoryStream();
        using (var writer = new BinaryWriter(prefix, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("eml-recommender");
            writer.Write(2);
            writer.Write(model.Kind);
            model.Users.Write(writer);
            model.Items.Write(writer);
            model.Seen.Write(writer);
            model.Fallback.Write(writer);
        }

        var bytes = current.ToArray();
        var head = prefix.ToArray();
        Assert.Equal(head, bytes[..head.Length]);
        Assert.Equal(0, bytes[head.Length]); // no separate exclusions
        var formatOne = head.Concat(bytes[(head.Length + 1)..]).ToArray();
        var versionAt = 1 + "eml-recommender".Length;
        BitConverter.GetBytes(1).CopyTo(formatOne, versionAt);

        using var reader = new BinaryReader(new MemoryStream(formatOne));
        var loaded = Recommender.Read(reader);

        Assert.Same(loaded.Seen, loaded.Excluded);
        var a = new ScoredItem[10];
        var b = new ScoredItem[10];
        for (var user = 0; user < model.Users.Count; user += 9)
        {
            Assert.Equal(model.Recommend(user, a), loaded.Recommend(user, b));
            Assert.Equal(a, b);
        }
    }
}
