using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;

namespace EnterpriseML.Engine.Tests.Scenarios.Recommendation;

public sealed class RecommendationScenarioTests
{
    [Fact]
    public void Candidates_GeneralAndSpecialised_FactorisationOnlyWithRatings()
    {
        var implicitOnly = RecommendationScenario.Candidates(hasRatings: false);
        var withRatings = RecommendationScenario.Candidates(hasRatings: true);

        Assert.Equal(["popularity", "item-knn", "implicit-als"], implicitOnly.Select(c => c.Name));
        Assert.Equal(["popularity", "item-knn", "implicit-als", "matrix-factorization"], withRatings.Select(c => c.Name));
        Assert.All(withRatings.Where(c => c.Name is "popularity" or "item-knn"), c => Assert.Equal(CandidateKind.General, c.Kind));
        Assert.All(withRatings.Where(c => c.Name.Contains('-', StringComparison.Ordinal) && c.Name != "item-knn"), c => Assert.Equal(CandidateKind.Specialised, c.Kind));
    }

    [Fact]
    public void Run_Scotch_PicksBestNdcgRefitsWinnerAndIsDeterministic()
    {
        var options = new RecommendationSweepOptions { TrialsPerCandidate = 2, Seed = 4 };
        var data = RecommendationData.Scotch.Select(Enumerable.Range(0, 2_000).ToArray());

        var first = RecommendationScenario.Run(data, options);
        var second = RecommendationScenario.Run(data, options);

        Assert.Equal(6, first.Trials.Count);
        Assert.All(first.Trials, t => Assert.NotNull(t.Metrics));
        Assert.Equal(first.Trials.Max(t => t.Metrics!.NdcgAtK), first.Best.Metrics!.NdcgAtK);
        Assert.Equal(first.Best.Candidate, first.Model.Kind);
        Assert.Equal(data.Count, SeenCount(first.Model));
        Assert.Equal(first.Trials.Select(t => t.Metrics!.NdcgAtK), second.Trials.Select(t => t.Metrics!.NdcgAtK));
        Assert.Contains("random", first.Validation, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OutOfRange_ThrowsNamingOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new RecommendationSweepOptions { TrialsPerCandidate = 0 }.Validate());
        Assert.Equal(nameof(RecommendationSweepOptions.TrialsPerCandidate), ex.ParamName);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => new RecommendationSweepOptions { ValidationFraction = 1 }.Validate());
        Assert.Equal(nameof(RecommendationSweepOptions.ValidationFraction), ex.ParamName);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => new RecommendationSweepOptions { MaxDegreeOfParallelism = 0 }.Validate());
        Assert.Equal(nameof(RecommendationSweepOptions.MaxDegreeOfParallelism), ex.ParamName);
    }

    private static int SeenCount(Engine.Recommendation.Recommender model)
    {
        // Scotch has one row per (respondent, brand), so the refitted model has seen every row.
        var total = 0;
        for (var u = 0; u < model.Users.Count; u++)
        {
            total += model.Seen.RowLength(u);
        }

        return total;
    }
}
