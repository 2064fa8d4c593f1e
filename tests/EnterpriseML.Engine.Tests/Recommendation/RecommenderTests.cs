using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Recommendation;

public sealed class RecommenderTests
{
    private static readonly Lazy<Recommender[]> Models = new(() =>
    [
        new PopularityTrainer().Fit(ImplicitSplit.Train),
        new ItemKnnTrainer(50).Fit(ImplicitSplit.Train),
        new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 16, NumberOfIterations = 4, Seed = 2 }).Fit(ImplicitSplit.Train),
        new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 8, NumberOfEpochs = 3, Seed = 2 }).Fit(
            InteractionSplitter.PerUserSplit(RecommendationData.MovieLens, 0.2, HoldoutOrder.Latest, 42).Train),
    ]);

    public static TheoryData<int> ModelIndices => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(ModelIndices))]
    public void Recommend_EveryUser_NeverReturnsSeenOrUnknownItemsAndIsSortedDistinct(int index)
    {
        var model = Models.Value[index];
        var buffer = new ScoredItem[25];
        for (var user = 0; user < model.Users.Count; user += 3)
        {
            var n = model.Recommend(user, buffer);
            Assert.Equal(25, n);
            var seen = model.Seen.RowColumns(user);
            for (var r = 0; r < n; r++)
            {
                Assert.True(seen.BinarySearch(buffer[r].Item) < 0, $"{model.Kind}: user {user} got seen item {buffer[r].Item}.");
                Assert.True(model.IsKnownItem(buffer[r].Item));
                Assert.True(r == 0 || buffer[r - 1].Score >= buffer[r].Score);
            }

            Assert.Equal(n, buffer.AsSpan(0, n).ToArray().Select(s => s.Item).Distinct().Count());
        }
    }

    [Theory]
    [MemberData(nameof(ModelIndices))]
    public void Write_ThenRead_GivesIdenticalRecommendations(int index)
    {
        var model = Models.Value[index];
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        var loaded = Recommender.Read(reader);

        Assert.Equal(model.Kind, loaded.Kind);
        Assert.Equal(model.GetType(), loaded.GetType());
        var a = new ScoredItem[10];
        var b = new ScoredItem[10];
        for (var user = 0; user < model.Users.Count; user += 11)
        {
            Assert.Equal(model.Recommend(user, a), loaded.Recommend(user, b));
            Assert.Equal(a, b);
        }

        Assert.Equal(model.SimilarItems(model.Fallback.Ranking[0], a), loaded.SimilarItems(loaded.Fallback.Ranking[0], b));
        Assert.Equal(a, b);
        if (model.SupportsRatingPrediction)
        {
            Assert.Equal(model.PredictRating(1, 2), loaded.PredictRating(1, 2));
            Assert.Equal(model.PredictRating(1, 2, 1_000_000_000), loaded.PredictRating(1, 2, 1_000_000_000));
        }
    }

    /// <summary>
    /// A model fitted on the training part of a split, with the held-out part excluded as <c>eml train --save</c> stores
    /// it: no held-out item comes back, the rest of each top-N keeps its order, the model it came from is unchanged,
    /// and the exclusions survive a save and load. Served without them, the model recommended held-out items back.
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelIndices))]
    public void ExcludingAlso_HeldOutPart_NeverRecommendedBack_SourceModelUnchanged(int index)
    {
        var model = Models.Value[index];
        var heldOut = index == 3 ? InteractionSplitter.PerUserSplit(RecommendationData.MovieLens, 0.2, HoldoutOrder.Latest, 42).Test : ImplicitSplit.Test;
        var held = heldOut.ToUserItemMatrix();

        var served = model.ExcludingAlso(heldOut);
        using var file = new MemoryStream();
        served.Save(file);
        file.Position = 0;
        var loaded = Recommender.Load(file);

        var before = new ScoredItem[10];
        var after = new ScoredItem[10];
        var again = new ScoredItem[10];
        var returnedBefore = 0;
        for (var user = 0; user < model.Users.Count; user += 5)
        {
            var n = model.Recommend(user, before);
            var kept = before.AsSpan(0, n).ToArray().Where(s => !held.Contains(user, s.Item)).ToArray();
            returnedBefore += n - kept.Length;
            var m = served.Recommend(user, after);
            Assert.Equal(10, m);
            Assert.DoesNotContain(after.AsSpan(0, m).ToArray(), s => held.Contains(user, s.Item) || model.Seen.Contains(user, s.Item));
            Assert.Equal(kept, after.AsSpan(0, kept.Length).ToArray());
            Assert.Equal(m, loaded.Recommend(user, again));
            Assert.Equal(after, again);
        }

        Assert.True(returnedBefore > 0, $"{model.Kind}: no held-out item came back without the exclusions; the test shows nothing.");
        Assert.NotSame(model, served);
        Assert.Same(model.Seen, model.Excluded);
    }

    [Theory]
    [MemberData(nameof(ModelIndices))]
    public void Recommend_UnknownUser_GetsPopularityFallback(int index)
    {
        var model = Models.Value[index];

        var result = model.Recommend("no-such-user", 5);

        Assert.True(result.UsedFallback);
        var expected = new List<string>();
        for (var r = 0; r < 5; r++)
        {
            expected.Add(model.Items[model.Fallback.Ranking[r]]);
        }

        Assert.Equal(expected, result.Items.Select(i => i.ItemId));
    }

    [Fact]
    public void Recommend_UserWithoutTrainingHistoryAndSegment_GetsSegmentFallback()
    {
        // Segment "x" loves item p, segment "y" loves item q; u9 appears only in the test part.
        var data = InteractionSet.FromIds(
            ["u1", "u2", "u3", "u4", "u5", "u9"],
            ["p", "p", "q", "q", "q", "r"],
            segments: ["x", "x", "y", "y", "y", "x"]);
        var model = new ItemKnnTrainer().Fit(data.Select([0, 1, 2, 3, 4]));
        data.Users.TryGetIndex("u9", out var u9);

        Assert.False(model.IsKnownUser(u9));
        var buffer = new ScoredItem[2];
        Assert.Equal(2, model.Recommend(u9, buffer, segment: "x"));
        Assert.Equal("p", model.Items[buffer[0].Item]);
        Assert.Equal("q", model.Items[buffer[1].Item]);
        Assert.Equal("q", model.Recommend("u9", 1).Items[0].ItemId);
        Assert.Equal("p", model.Recommend("u9", 1, segment: "x").Items[0].ItemId);
    }

    [Fact]
    public void Recommend_WithFilters_OnlyAllowedItems()
    {
        var model = Models.Value[2];
        var allowed = new[] { model.Items[5], model.Items[50], model.Items[500] };
        var include = ItemFilter.Include(model.Items, allowed);
        var exclude = ItemFilter.Exclude(model.Items, [model.Fallback.Ranking[0].ToString(System.Globalization.CultureInfo.InvariantCulture), model.Items[model.Fallback.Ranking[0]]]);

        var included = model.Recommend(model.Users[0], 10, include);
        var excluded = model.Recommend("cold", 3, exclude);

        Assert.All(included.Items, i => Assert.Contains(i.ItemId, allowed));
        Assert.DoesNotContain(excluded.Items, i => i.ItemId == model.Items[model.Fallback.Ranking[0]]);
        Assert.Equal(3, excluded.Items.Count);
    }

    [Fact]
    public void WriteTopNCsv_OneAndTwoThreads_SameRowsWithHeader()
    {
        var model = Models.Value[1];
        using var one = new StringWriter();
        using var two = new StringWriter();

        var rows = model.WriteTopNCsv(one, 3, maxDegreeOfParallelism: 1);
        model.WriteTopNCsv(two, 3, maxDegreeOfParallelism: 2);

        var lines = one.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("user,rank,item,score", lines[0]);
        Assert.Equal(model.Users.Count * 3L, rows);
        Assert.Equal(rows + 1, lines.Length);
        Assert.StartsWith(model.Users[0] + ",1,", lines[1], StringComparison.Ordinal);
        Assert.Equal(one.ToString(), two.ToString());
    }

    [Fact]
    public void Save_ThenLoad_ModelFileRoundTripsAndRejectsCorruption()
    {
        var model = Models.Value[3];
        using var stream = new MemoryStream();
        model.Save(stream);
        var bytes = stream.ToArray();

        var loaded = Recommender.Load(new MemoryStream(bytes));
        var a = new ScoredItem[10];
        var b = new ScoredItem[10];
        Assert.Equal(model.Recommend(7, a), loaded.Recommend(7, b));
        Assert.Equal(a, b);

        bytes[^40] ^= 0x5A;
        Assert.Throws<Engine.Models.ModelFormatException>(() => Recommender.Load(new MemoryStream(bytes)));
    }

    [Fact]
    public void Read_NotARecommender_ThrowsInvalidData()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("something-else");
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        Assert.Throws<InvalidDataException>(() => Recommender.Read(reader));
    }
}
