using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>
/// Row weights are finite, but the rows of one user and item are summed into a seen-interaction weight and the rows of
/// one item into its popularity: sums past the largest float were stored as infinity, which item-knn scores multiply
/// by, <c>eml recommend --json</c> could not write ("positive and negative infinity cannot be written as valid JSON")
/// and a loaded file now refuses. Every trainer refuses such weights, naming the user and item or the item.
/// </summary>
public sealed class WeightSumTests
{
    public static TheoryData<string> Trainers => ["popularity", "item-knn", "implicit-als", "matrix-factorization"];

    private static IRecommenderTrainer Create(string name) => name switch
    {
        "popularity" => new PopularityTrainer(),
        "item-knn" => new ItemKnnTrainer(5),
        "implicit-als" => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 2, NumberOfIterations = 1, Seed = 2 }),
        _ => new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 2, NumberOfEpochs = 1, Seed = 2 }),
    };

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Fit_OneUsersRowsOfAnItemSumPastTheLargestFloat_RefusedNamingBoth(string trainer)
    {
        var data = InteractionSet.FromIds(["u1", "u1", "u2", "u3"], ["x", "x", "y", "x"], ratings: [4, 5, 3, 2], weights: [3e38f, 3e38f, 1, 1]);

        var error = Assert.Throws<ArgumentException>(() => Create(trainer).Fit(data));

        Assert.StartsWith("User 'u1', item 'x': the weights of its rows sum past 3.4028235E+38, the largest a model stores; give smaller weights.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Fit_AnItemsRowsSumPastTheLargestFloat_RefusedNamingTheItem(string trainer)
    {
        var data = InteractionSet.FromIds(["u1", "u2", "u3"], ["y", "x", "x"], ratings: [4, 5, 3], weights: [1, 3e38f, 3e38f]);

        var error = Assert.Throws<ArgumentException>(() => Create(trainer).Fit(data));

        Assert.StartsWith("Item 'x': the weights of its rows sum past 3.4028235E+38, the largest a model stores; give smaller weights.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Trainers))]
    public void Fit_LargeWeightsWhoseSumsFit_SavesAModelThatLoads(string trainer)
    {
        var data = InteractionSet.FromIds(["u1", "u1", "u2", "u3"], ["x", "x", "y", "x"], ratings: [4, 5, 3, 2], weights: [1e38f, 1e38f, 1, 1]);

        var model = Create(trainer).Fit(data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = Recommender.Load(stream);

        Assert.Equal(model.Recommend("u3", 2).Items, loaded.Recommend("u3", 2).Items);
    }
}
