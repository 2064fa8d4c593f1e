using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Trainers.Neighbors;

public sealed class ItemKnnTrainerTests
{
    [Theory]
    [InlineData(ItemSimilarity.Cosine)]
    [InlineData(ItemSimilarity.Bm25)]
    public void Fit_ImplicitMovieLens_BeatsPopularity(ItemSimilarity similarity)
    {
        var popularity = RecommendationEvaluator.EvaluateRanking(new PopularityTrainer().Fit(ImplicitSplit.Train), ImplicitSplit.Test);
        var knn = RecommendationEvaluator.EvaluateRanking(new ItemKnnTrainer(100, similarity).Fit(ImplicitSplit.Train), ImplicitSplit.Test);

        Assert.InRange(knn.NdcgAtK, popularity.NdcgAtK * 1.02, 0.3);
        Assert.InRange(knn.HitRateAtK, popularity.HitRateAtK, 1.0);
    }

    [Fact]
    public void Fit_OneVersusTwoThreads_IdenticalNeighbours()
    {
        var one = new ItemKnnTrainer(new ItemKnnOptions { NumberOfNeighbors = 20, MaxDegreeOfParallelism = 1 }).Fit(ImplicitSplit.SmallTrain);
        var two = new ItemKnnTrainer(new ItemKnnOptions { NumberOfNeighbors = 20, MaxDegreeOfParallelism = 2 }).Fit(ImplicitSplit.SmallTrain);

        var a = new ScoredItem[10];
        var b = new ScoredItem[10];
        for (var item = 0; item < one.Items.Count; item += 101)
        {
            Assert.Equal(one.SimilarItems(item, a), two.SimilarItems(item, b));
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void SimilarItems_CoOccurringItems_RankFirstAndExcludeSelf()
    {
        // a and b always go together; c goes with a only once.
        var data = InteractionSet.FromIds(["1", "1", "2", "2", "3", "3", "4"], ["a", "b", "a", "b", "a", "c", "c"]);
        var model = new ItemKnnTrainer().Fit(data);

        var similar = model.SimilarItems("a", 5);

        Assert.Equal("b", similar[0].ItemId);
        Assert.DoesNotContain(similar, s => s.ItemId == "a");
        Assert.True(similar[0].Score > similar[^1].Score);
    }

    /// <summary>
    /// Interactions of weight 0 (an impression with no click: the weight column allows any value ≥ 0) co-occurring
    /// with item a. Fit marked an item as touched while its accumulated dot product was still 0, so each zero product
    /// marked it again: twelve users overflowed the two-item scratch list and Fit threw IndexOutOfRangeException. BM25
    /// with K1 = 0 also weighted such a cell 0 / 0 = NaN. Now a zero-weight pair gives no neighbour and the rest are
    /// found as before.
    /// </summary>
    [Theory]
    [InlineData(ItemSimilarity.Cosine, 1.2)]
    [InlineData(ItemSimilarity.Bm25, 1.2)]
    [InlineData(ItemSimilarity.Bm25, 0.0)]
    public void Fit_ZeroWeightInteractions_FitsAndIgnoresThem(ItemSimilarity similarity, double k1)
    {
        var users = new List<string>();
        var items = new List<string>();
        var weights = new List<float>();
        for (var u = 0; u < 12; u++)
        {
            users.AddRange([$"u{u}", $"u{u}"]);
            items.AddRange(["a", "b"]);
            weights.AddRange([1f, 0f]);
        }

        users.AddRange(["v", "v"]);
        items.AddRange(["a", "c"]);
        weights.AddRange([2f, 3f]);
        var data = InteractionSet.FromIds(users, items, weights: [.. weights]);

        var model = new ItemKnnTrainer(new ItemKnnOptions { Similarity = similarity, Bm25K1 = k1, MaxDegreeOfParallelism = 1 }).Fit(data);

        var similar = model.SimilarItems("a", 5);
        Assert.Equal(["c"], similar.Select(s => s.ItemId));
        Assert.True(similar[0].Score > 0);
        Assert.Empty(model.SimilarItems("b", 5));
    }

    [Theory]
    [InlineData(nameof(ItemKnnOptions.NumberOfNeighbors), 0)]
    [InlineData(nameof(ItemKnnOptions.NumberOfNeighbors), 10_001)]
    [InlineData(nameof(ItemKnnOptions.Shrinkage), -1.0)]
    [InlineData(nameof(ItemKnnOptions.Shrinkage), 10_001.0)]
    [InlineData(nameof(ItemKnnOptions.Bm25K1), -0.1)]
    [InlineData(nameof(ItemKnnOptions.Bm25K1), 1001.0)]
    [InlineData(nameof(ItemKnnOptions.Bm25B), -0.1)]
    [InlineData(nameof(ItemKnnOptions.Bm25B), 1.1)]
    [InlineData(nameof(ItemKnnOptions.ColdStartHalfLifeDays), -1.0)]
    [InlineData(nameof(ItemKnnOptions.ColdStartHalfLifeDays), 40_000.0)]
    [InlineData(nameof(ItemKnnOptions.MaxDegreeOfParallelism), 0)]
    [InlineData(nameof(ItemKnnOptions.MaxDegreeOfParallelism), 1025)]
    public void Constructor_OptionOutOfRange_ThrowsNamingIt(string option, double value)
    {
        var options = new ItemKnnOptions();
        var property = typeof(ItemKnnOptions).GetProperty(option)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ItemKnnTrainer(options));
        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void Constructor_UndefinedSimilarity_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ItemKnnTrainer(new ItemKnnOptions { Similarity = (ItemSimilarity)7 }));
        Assert.Equal(nameof(ItemKnnOptions.Similarity), ex.ParamName);
    }
}
