using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;

namespace EnterpriseML.Engine.Tests.Trainers.Factorization;

public sealed class MatrixFactorizationTrainerTests
{
    private static readonly Lazy<(InteractionSet Train, InteractionSet Test)> Split =
        new(() => InteractionSplitter.RandomSplit(RecommendationData.MovieLens, 0.2, 42));

    /// <summary>A small, fast configuration (the defaults are tuned for the full benchmark).</summary>
    private static MatrixFactorizationOptions Fast(int seed = 7) => new() { NumberOfFactors = 32, NumberOfEpochs = 25, LearningRate = 0.007, Seed = seed };

    private static MatrixFactorizationOptions WithEpochs(MatrixFactorizationOptions options, int epochs)
    {
        options.NumberOfEpochs = epochs;
        return options;
    }

    [Fact]
    public void Fit_MovieLens_BeatsUserItemBiasBaseline()
    {
        var (train, test) = Split.Value;
        var baseline = BiasBaselineRmse(train, test);

        var model = new MatrixFactorizationTrainer(Fast()).Fit(train);
        var metrics = RecommendationEvaluator.EvaluateRatings(model, test);

        Assert.InRange(baseline, 0.86, 0.92);
        Assert.InRange(metrics.Rmse, 0.80, baseline - 0.01);
        Assert.InRange(metrics.Mae, 0.60, 0.72);
    }

    [Fact]
    public void Fit_SameSeed_SameModel_DifferentSeed_DifferentModel()
    {
        var (train, test) = Split.Value;
        var subset = train.Select(Enumerable.Range(0, 20_000).ToArray());
        var a = new MatrixFactorizationTrainer(WithEpochs(Fast(seed: 1), 5)).Fit(subset);
        var b = new MatrixFactorizationTrainer(WithEpochs(Fast(seed: 1), 5)).Fit(subset);
        var c = new MatrixFactorizationTrainer(WithEpochs(Fast(seed: 2), 5)).Fit(subset);

        Assert.Equal(a.PredictRating(3, 10), b.PredictRating(3, 10));
        Assert.NotEqual(a.PredictRating(3, 10), c.PredictRating(3, 10));
        Assert.Equal(RecommendationEvaluator.EvaluateRatings(a, test), RecommendationEvaluator.EvaluateRatings(b, test));
    }

    /// <summary>
    /// The per-(user, day) bias on timestamps before 1970: user u rated five items 1 on one day of 1969 and five others 5
    /// on another day of 1969 (v rated everything 3 in 2020). Each day has its own bias, so the low day predicts lower
    /// than the high day for the same item. The day number was cast from a negative double to uint, which saturates at
    /// 0, so every pre-1970 day of a user shared 1970-01-01's bias and the two predictions were equal.
    /// </summary>
    [Fact]
    public void PredictRating_DaysBefore1970_EachHaveTheirOwnDailyBias()
    {
        const long low = -10 * 86_400L;
        const long high = -5 * 86_400L;
        var users = new List<string>();
        var items = new List<string>();
        var ratings = new List<float>();
        var timestamps = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            users.AddRange(["u", "v"]);
            items.AddRange([$"i{i}", $"i{i}"]);
            ratings.AddRange([i < 5 ? 1f : 5f, 3f]);
            timestamps.AddRange([i < 5 ? low : high, 1_600_000_000L]);
        }

        var data = InteractionSet.FromIds(users, items, [.. ratings], [.. timestamps]);
        var model = new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 2, NumberOfEpochs = 200, LearningRate = 0.02, Seed = 3 }).Fit(data);

        var user = data.Users.TryGetIndex("u", out var u) ? u : -1;
        var item = data.Items.TryGetIndex("i0", out var i0) ? i0 : -1;
        var onLowDay = model.PredictRating(user, item, low + 3_600);
        var onHighDay = model.PredictRating(user, item, high + 3_600);

        Assert.True(onLowDay + 0.2f < onHighDay, $"low day {onLowDay}, high day {onHighDay}");
    }

    [Fact]
    public void PredictRating_ColdUserAndItem_FallsBackToBiasesWithinRange()
    {
        var data = InteractionSet.FromIds(["u", "u", "v", "w"], ["a", "b", "a", "c"], ratings: [5, 1, 4, 3]);
        var train = data.Select([0, 1, 2]);
        var model = new MatrixFactorizationTrainer(Fast()).Fit(train);
        var w = data.Users.TryGetIndex("w", out var wi) ? wi : -1;
        var c = data.Items.TryGetIndex("c", out var ci) ? ci : -1;

        Assert.False(model.IsKnownUser(w));
        Assert.False(model.IsKnownItem(c));
        Assert.InRange(model.PredictRating(w, c), 1f, 5f);
        Assert.Equal(10f / 3, model.PredictRating(w, c), 4);
    }

    [Fact]
    public void Fit_WithoutRatings_Throws() =>
        Assert.Throws<ArgumentException>(() => new MatrixFactorizationTrainer(Fast()).Fit(RecommendationData.Scotch));

    [Theory]
    [InlineData(nameof(MatrixFactorizationOptions.NumberOfFactors), 0)]
    [InlineData(nameof(MatrixFactorizationOptions.NumberOfFactors), 1025)]
    [InlineData(nameof(MatrixFactorizationOptions.NumberOfEpochs), 0)]
    [InlineData(nameof(MatrixFactorizationOptions.NumberOfEpochs), 10_001)]
    [InlineData(nameof(MatrixFactorizationOptions.LearningRate), 0.0)]
    [InlineData(nameof(MatrixFactorizationOptions.LearningRate), 1.5)]
    [InlineData(nameof(MatrixFactorizationOptions.LearningRateDecay), 0.0)]
    [InlineData(nameof(MatrixFactorizationOptions.LearningRateDecay), 1.01)]
    [InlineData(nameof(MatrixFactorizationOptions.L2RegularizationFactors), -0.1)]
    [InlineData(nameof(MatrixFactorizationOptions.L2RegularizationFactors), 11.0)]
    [InlineData(nameof(MatrixFactorizationOptions.L2RegularizationBiases), -0.1)]
    [InlineData(nameof(MatrixFactorizationOptions.L2RegularizationBiases), 11.0)]
    [InlineData(nameof(MatrixFactorizationOptions.L2RegularizationDailyBiases), -0.1)]
    [InlineData(nameof(MatrixFactorizationOptions.L2RegularizationDailyBiases), 11.0)]
    [InlineData(nameof(MatrixFactorizationOptions.InitialStandardDeviation), 0.0)]
    [InlineData(nameof(MatrixFactorizationOptions.InitialStandardDeviation), 11.0)]
    [InlineData(nameof(MatrixFactorizationOptions.ColdStartHalfLifeDays), -1.0)]
    [InlineData(nameof(MatrixFactorizationOptions.ColdStartHalfLifeDays), 40_000.0)]
    public void Constructor_OptionOutOfRange_ThrowsNamingIt(string option, double value)
    {
        var options = new MatrixFactorizationOptions();
        var property = typeof(MatrixFactorizationOptions).GetProperty(option)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MatrixFactorizationTrainer(options));
        Assert.Equal(option, ex.ParamName);
    }

    /// <summary>Damped user + item bias baseline (Koren 2010): bᵢ = Σ(r − μ)/(nᵢ + 10), bᵤ = Σ(r − μ − bᵢ)/(nᵤ + 15).</summary>
    internal static double BiasBaselineRmse(InteractionSet train, InteractionSet test)
    {
        var ratings = train.Ratings;
        var mean = ratings.ToArray().Average();
        var itemSum = new double[train.Items.Count];
        var itemCount = new int[train.Items.Count];
        for (var i = 0; i < train.Count; i++)
        {
            itemSum[train.ItemIndices[i]] += ratings[i] - mean;
            itemCount[train.ItemIndices[i]]++;
        }

        var itemBias = itemSum.Select((s, i) => s / (itemCount[i] + 10)).ToArray();
        var userSum = new double[train.Users.Count];
        var userCount = new int[train.Users.Count];
        for (var i = 0; i < train.Count; i++)
        {
            userSum[train.UserIndices[i]] += ratings[i] - mean - itemBias[train.ItemIndices[i]];
            userCount[train.UserIndices[i]]++;
        }

        double squared = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var u = test.UserIndices[i];
            var prediction = mean + itemBias[test.ItemIndices[i]] + (userSum[u] / (userCount[u] + 15));
            squared += Math.Pow(test.Ratings[i] - Math.Clamp(prediction, 0.5, 5), 2);
        }

        return Math.Sqrt(squared / test.Count);
    }
}
