using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Trainers.Factorization;

public sealed class ImplicitAlsTrainerTests
{
    [Fact]
    public void Fit_ImplicitMovieLens_BeatsPopularityOnNdcgAndPrecision()
    {
        var popularity = RecommendationEvaluator.EvaluateRanking(new PopularityTrainer().Fit(ImplicitSplit.Train), ImplicitSplit.Test);
        var als = RecommendationEvaluator.EvaluateRanking(
            new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfIterations = 10, Seed = 3 }).Fit(ImplicitSplit.Train), ImplicitSplit.Test);

        Assert.InRange(popularity.NdcgAtK, 0.03, 0.10);
        Assert.InRange(als.NdcgAtK, popularity.NdcgAtK * 1.3, 0.3);
        Assert.InRange(als.PrecisionAtK, popularity.PrecisionAtK * 1.3, 0.3);
        Assert.True(als.Coverage > popularity.Coverage);
        Assert.Equal(popularity.UsersEvaluated, als.UsersEvaluated);
    }

    [Fact]
    public void Fit_OneVersusTwoThreads_IdenticalScores()
    {
        var one = new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 16, NumberOfIterations = 3, MaxDegreeOfParallelism = 1, Seed = 5 }).Fit(ImplicitSplit.SmallTrain);
        var two = new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 16, NumberOfIterations = 3, MaxDegreeOfParallelism = 2, Seed = 5 }).Fit(ImplicitSplit.SmallTrain);

        var a = new ScoredItem[20];
        var b = new ScoredItem[20];
        for (var user = 0; user < one.Users.Count; user += 37)
        {
            Assert.Equal(one.Recommend(user, a), two.Recommend(user, b));
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Fit_CholeskyAndConjugateGradient_RankAlike()
    {
        var options = new ImplicitAlsOptions { NumberOfFactors = 16, NumberOfIterations = 8, Seed = 1 };
        var cg = RecommendationEvaluator.EvaluateRanking(new ImplicitAlsTrainer(options).Fit(ImplicitSplit.SmallTrain), ImplicitSplit.Test);
        options.Solver = AlsSolver.Cholesky;
        var exact = RecommendationEvaluator.EvaluateRanking(new ImplicitAlsTrainer(options).Fit(ImplicitSplit.SmallTrain), ImplicitSplit.Test);

        Assert.InRange(cg.NdcgAtK, exact.NdcgAtK * 0.85, exact.NdcgAtK * 1.15);
    }

    [Fact]
    public void Fit_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => new ImplicitAlsTrainer().Fit(ImplicitSplit.SmallTrain, cts.Token));
    }

    [Theory]
    [InlineData(nameof(ImplicitAlsOptions.NumberOfFactors), 0)]
    [InlineData(nameof(ImplicitAlsOptions.NumberOfFactors), 1025)]
    [InlineData(nameof(ImplicitAlsOptions.NumberOfIterations), 0)]
    [InlineData(nameof(ImplicitAlsOptions.NumberOfIterations), 1001)]
    [InlineData(nameof(ImplicitAlsOptions.Alpha), 0.0)]
    [InlineData(nameof(ImplicitAlsOptions.Alpha), 10_001.0)]
    [InlineData(nameof(ImplicitAlsOptions.L2Regularization), -1.0)]
    [InlineData(nameof(ImplicitAlsOptions.L2Regularization), 10_001.0)]
    [InlineData(nameof(ImplicitAlsOptions.ConjugateGradientSteps), 0)]
    [InlineData(nameof(ImplicitAlsOptions.ConjugateGradientSteps), 101)]
    [InlineData(nameof(ImplicitAlsOptions.ColdStartHalfLifeDays), -1.0)]
    [InlineData(nameof(ImplicitAlsOptions.ColdStartHalfLifeDays), 40_000.0)]
    [InlineData(nameof(ImplicitAlsOptions.MaxDegreeOfParallelism), 0)]
    [InlineData(nameof(ImplicitAlsOptions.MaxDegreeOfParallelism), 1025)]
    public void Constructor_OptionOutOfRange_ThrowsNamingIt(string option, double value)
    {
        var options = new ImplicitAlsOptions();
        var property = typeof(ImplicitAlsOptions).GetProperty(option)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        property.SetValue(options, Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(options));
        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void Constructor_UndefinedSolver_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { Solver = (AlsSolver)9 }));
        Assert.Equal(nameof(ImplicitAlsOptions.Solver), ex.ParamName);
    }
}
