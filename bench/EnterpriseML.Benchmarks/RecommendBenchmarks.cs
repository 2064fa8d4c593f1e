using BenchmarkDotNet.Attributes;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Single-user top-10 latency over a 10,000-item catalogue (goal: ≤ 1 ms in-process). The catalogue is a seeded
/// synthetic interaction set (2,000 users × 10,000 items, 100,000 interactions with a Zipf-like item popularity): serving
/// cost depends on the catalogue size and the factor count, not on the values.
/// Run: dotnet run -c Release --project bench/EnterpriseML.Benchmarks -- --filter '*RecommendBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class RecommendBenchmarks
{
    private readonly ScoredItem[] _top = new ScoredItem[10];
    private Recommender _implicitAls = null!;
    private Recommender _matrixFactorization = null!;
    private Recommender _itemKnn = null!;
    private int _user;

    [GlobalSetup]
    public void Setup()
    {
        var data = Synthetic(users: 2_000, items: 10_000, interactions: 100_000, seed: 7);
        _implicitAls = new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfIterations = 2, Seed = 1 }).Fit(data);
        _matrixFactorization = new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfEpochs = 2, Seed = 1 }).Fit(data);
        _itemKnn = new ItemKnnTrainer().Fit(data);
        if (_implicitAls.Items.Count != 10_000)
        {
            throw new InvalidOperationException($"Catalogue has {_implicitAls.Items.Count} items; expected 10,000.");
        }
    }

    /// <summary>Next user each call, so caches do not flatter the figure.</summary>
    private int NextUser() => _user = (_user + 1) % 2_000;

    [Benchmark(Description = "implicit-als (64 factors) top-10 of 10k items")]
    public int ImplicitAlsTop10() => _implicitAls.Recommend(NextUser(), _top);

    [Benchmark(Description = "matrix-factorization (256 factors) top-10 of 10k items")]
    public int MatrixFactorizationTop10() => _matrixFactorization.Recommend(NextUser(), _top);

    [Benchmark(Description = "item-knn (100 neighbours) top-10 of 10k items")]
    public int ItemKnnTop10() => _itemKnn.Recommend(NextUser(), _top);

    [Benchmark(Description = "implicit-als similar items top-10 of 10k items")]
    public int ImplicitAlsSimilar10() => _implicitAls.SimilarItems(NextUser() * 5, _top);

    internal static InteractionSet Synthetic(int users, int items, int interactions, int seed)
    {
        var random = new Random(seed);
        var userIds = new string[interactions];
        var itemIds = new string[interactions];
        var ratings = new float[interactions];
        for (var i = 0; i < interactions; i++)
        {
            // Every item and user appears at least once; the rest are skewed towards low indices.
            var item = i < items ? i : (int)(items * Math.Pow(random.NextDouble(), 2.5));
            var user = i < users ? i : random.Next(users);
            userIds[i] = "u" + user.ToString(System.Globalization.CultureInfo.InvariantCulture);
            itemIds[i] = "i" + item.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ratings[i] = 1 + random.Next(5);
        }

        return InteractionSet.FromIds(userIds, itemIds, ratings);
    }
}
