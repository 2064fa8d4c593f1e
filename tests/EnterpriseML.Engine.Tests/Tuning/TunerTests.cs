using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.Tuning;

public sealed class TunerTests
{
    private static readonly SearchSpace Space = new(
        SearchParameter.Float("LearningRate", 0.001, 0.5, 0.1, SearchScale.Log),
        SearchParameter.Int("NumberOfLeaves", 4, 255, 4, SearchScale.Log),
        SearchParameter.Int("Folds", 1, 3, 1),
        SearchParameter.Float("Fraction", 0.5, 1.0, 1.0),
        SearchParameter.Choice("Booster", ["gbdt", "dart", "goss"], "gbdt"));

    public static TheoryData<TunerKind> Kinds => [TunerKind.Random, TunerKind.Grid, TunerKind.CostFrugal, TunerKind.Smac];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Propose_ManyTrials_NeverLeavesTheSpace(TunerKind kind)
    {
        var tuner = Tuners.Create(kind, Space.WithWarmStart(new Dictionary<string, double> { ["NumberOfLeaves"] = 255, ["Fraction"] = 0.5 }), seed: 7);
        var random = new Random(1);
        for (var trial = 0; trial < 120; trial++)
        {
            var point = tuner.Propose();
            if (point is null)
            {
                Assert.Equal(TunerKind.Grid, kind);
                break;
            }

            Assert.Equal(Space.Dimension, point.Length);
            foreach (var u in point)
            {
                Assert.InRange(u, 0.0, 1.0);
            }

            var parameters = Space.ToParameters(point);
            Assert.InRange(parameters.GetDouble("LearningRate"), 0.001, 0.5);
            Assert.InRange(parameters.GetInt("NumberOfLeaves"), 4, 255);
            Assert.InRange(parameters.GetInt("Folds"), 1, 3);
            Assert.InRange(parameters.GetDouble("Fraction"), 0.5, 1.0);
            Assert.Contains(parameters.GetChoice("Booster"), new[] { "gbdt", "dart", "goss" });
            Assert.Equal(Math.Round(parameters.GetDouble("NumberOfLeaves")), parameters.GetDouble("NumberOfLeaves"));
            tuner.Update(new TunerObservation(point, random.NextDouble(), 1, Succeeded: trial % 7 != 3));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Propose_SameSeedAndLosses_SameSequence(TunerKind kind)
    {
        Assert.Equal(Proposals(kind, seed: 5), Proposals(kind, seed: 5));
        if (kind != TunerKind.Grid)
        {
            Assert.NotEqual(Proposals(kind, seed: 5), Proposals(kind, seed: 6));
        }

        static List<double> Proposals(TunerKind kind, int seed)
        {
            var tuner = Tuners.Create(kind, Space, seed);
            var proposals = new List<double>();
            for (var trial = 0; trial < 40 && tuner.Propose() is { } point; trial++)
            {
                proposals.AddRange(point);
                // A loss that depends on the point only, so both runs see the same feedback.
                var loss = Math.Abs(point[0] - 0.3) + Math.Abs(point[1] - 0.7) + (0.1 * point[4]);
                tuner.Update(new TunerObservation(point, loss, 1, Succeeded: trial % 9 != 4));
            }

            return proposals;
        }
    }

    [Fact]
    public void Grid_AllPoints_AreDistinctThenExhausted()
    {
        var space = new SearchSpace(SearchParameter.Float("A", 0, 1, 0, gridSteps: 3), SearchParameter.Choice("B", ["x", "y"], "x"));
        var tuner = Tuners.Create(TunerKind.Grid, space, seed: 1);
        var seen = new HashSet<string>();
        double[]? point;
        while ((point = tuner.Propose()) is not null)
        {
            Assert.True(seen.Add(space.ToParameters(point).ToString()));
        }

        Assert.Equal(6, seen.Count);
    }

    [Fact]
    public void CostFrugal_QuadraticBowl_ConvergesToTheMinimum()
    {
        var space = new SearchSpace(
            SearchParameter.Float("X", 0, 1, 0),
            SearchParameter.Float("Y", 0, 1, 0),
            SearchParameter.Float("Z", 0, 1, 0));
        var tuner = Tuners.Create(TunerKind.CostFrugal, space, seed: 3);
        var best = double.PositiveInfinity;
        for (var trial = 0; trial < 300; trial++)
        {
            var p = tuner.Propose()!;
            var loss = Math.Pow(p[0] - 0.3, 2) + Math.Pow(p[1] - 0.7, 2) + Math.Pow(p[2] - 0.55, 2);
            best = Math.Min(best, loss);

            // Cost grows with X, as trees or epochs would.
            tuner.Update(new TunerObservation(p, loss, 1 + p[0], true));
        }

        Assert.InRange(best, 0, 1e-3);
    }

    [Fact]
    public void CostFrugal_FirstProposal_IsTheLowCostDefault()
    {
        var tuner = Tuners.Create(TunerKind.CostFrugal, Space, seed: 3);
        Assert.Equal(Space.DefaultPoint(), tuner.Propose());
        var defaults = Space.ToParameters(Space.DefaultPoint());
        Assert.Equal(4, defaults.GetInt("NumberOfLeaves"));
        Assert.Equal(0.1, defaults.GetDouble("LearningRate"), 9);
        Assert.Equal("gbdt", defaults.GetChoice("Booster"));
    }

    [Fact]
    public void CostFrugal_WarmStart_ProposedAfterTheDefaultAndAdoptedWhenBetter()
    {
        var space = Space.WithWarmStart(new Dictionary<string, double> { ["NumberOfLeaves"] = 31, ["LearningRate"] = 0.05 });
        var warm = Assert.Single(space.WarmStartPoints);
        var tuner = (CostFrugalTuner)Tuners.Create(TunerKind.CostFrugal, space, seed: 3);

        var start = tuner.Propose()!;
        Assert.Equal(space.DefaultPoint(), start);
        var second = tuner.Propose()!;
        Assert.Equal(warm, second);
        var parameters = space.ToParameters(second);
        Assert.Equal(31, parameters.GetInt("NumberOfLeaves"));
        Assert.Equal(0.05, parameters.GetDouble("LearningRate"), 9);
        Assert.Equal(1.0, parameters.GetDouble("Fraction"), 9); // unnamed: the default

        // The warm start scores better at a higher cost: it becomes the incumbent, and the search moves around it.
        tuner.Update(new TunerObservation(start, 0.30, 1, true));
        tuner.Update(new TunerObservation(second, 0.20, 5, true));
        Assert.Equal(warm, tuner.Incumbent);

        // The other two boosters are probed from the new incumbent next (see CostFrugal_ChoiceDimension_...), then the local search.
        for (var probe = 0; probe < 2; probe++)
        {
            tuner.Update(new TunerObservation(tuner.Propose()!, 0.25, 5, true));
        }

        var next = tuner.Propose()!;
        var distance = Math.Sqrt(next.Zip(warm, (a, b) => (a - b) * (a - b)).Sum());
        Assert.InRange(distance, 1e-6, tuner.Step + 1e-9);
    }

    [Fact]
    public void CostFrugal_ChoiceDimension_ProbesEveryOtherChoiceFromTheIncumbentAndAdoptsABetterOne()
    {
        var tuner = (CostFrugalTuner)Tuners.Create(TunerKind.CostFrugal, Space, seed: 3);
        var start = tuner.Propose()!;
        tuner.Update(new TunerObservation(start, 0.30, 1, true));

        var probes = new[] { tuner.Propose()!, tuner.Propose()! };
        Assert.Equal(["dart", "goss"], probes.Select(p => Space.ToParameters(p).GetChoice("Booster")));
        foreach (var probe in probes)
        {
            // Only the choice coordinate moves.
            Assert.Equal(start[..4], probe[..4]);
        }

        tuner.Update(new TunerObservation(probes[0], 0.35, 1, true));
        tuner.Update(new TunerObservation(probes[1], 0.10, 1, true));
        Assert.Equal(probes[1], tuner.Incumbent);
        Assert.Equal("goss", Space.ToParameters(tuner.Incumbent.ToArray()).GetChoice("Booster"));
    }

    [Fact]
    public void CostFrugal_ChoiceOnlyBetterAwayFromTheDefault_IsFound()
    {
        // Loss is low only for the third choice: FLOW2's small steps alone would rarely leave the first one.
        var space = new SearchSpace(SearchParameter.Float("X", 0, 1, 0), SearchParameter.Choice("Kind", ["a", "b", "c"], "a"));
        var tuner = Tuners.Create(TunerKind.CostFrugal, space, seed: 5);
        var best = double.PositiveInfinity;
        for (var trial = 0; trial < 20; trial++)
        {
            var p = tuner.Propose()!;
            var v = space.ToParameters(p);
            var loss = Math.Pow(v.GetDouble("X") - 0.4, 2) + (v.GetChoice("Kind") == "c" ? 0 : 1);
            best = Math.Min(best, loss);
            tuner.Update(new TunerObservation(p, loss, 1, true));
        }

        Assert.InRange(best, 0, 0.2);
    }

    [Fact]
    public void CostFrugal_BetterRegionNotConnectedToTheStart_IsFoundByGlobalPoints()
    {
        // Flat everywhere but in a far corner: no local step from the start ever improves.
        var space = new SearchSpace(SearchParameter.Float("X", 0, 1, 0), SearchParameter.Float("Y", 0, 1, 0));
        var tuner = Tuners.Create(TunerKind.CostFrugal, space, seed: 11);
        var best = double.PositiveInfinity;
        for (var trial = 0; trial < 30; trial++)
        {
            var p = tuner.Propose()!;
            var loss = p[0] > 0.5 && p[1] > 0.5 ? 0 : 1;
            best = Math.Min(best, loss);
            tuner.Update(new TunerObservation(p, loss, 1, true));
        }

        Assert.Equal(0, best);
    }

    [Fact]
    public void CostFrugal_WarmStartWorse_KeepsTheCheapStart()
    {
        var space = Space.WithWarmStart(new Dictionary<string, double> { ["NumberOfLeaves"] = 31 });
        var tuner = (CostFrugalTuner)Tuners.Create(TunerKind.CostFrugal, space, seed: 3);
        var start = tuner.Propose()!;
        var warm = tuner.Propose()!;
        tuner.Update(new TunerObservation(start, 0.20, 1, true));
        tuner.Update(new TunerObservation(warm, 0.25, 5, true));
        Assert.Equal(start, tuner.Incumbent);
    }

    [Fact]
    public void WithWarmStart_BadNameOrValue_ThrowsAndLeavesTheSpaceAlone()
    {
        Assert.Throws<ArgumentException>("values", () => Space.WithWarmStart(new Dictionary<string, double> { ["Nope"] = 1 }));
        Assert.Throws<ArgumentException>("values", () => Space.WithWarmStart(new Dictionary<string, double> { ["Booster"] = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>("values", () => Space.WithWarmStart(new Dictionary<string, double> { ["NumberOfLeaves"] = 999 }));
        Assert.Throws<ArgumentException>("choices", () => Space.WithWarmStart(new Dictionary<string, double>(), new Dictionary<string, string> { ["Booster"] = "xgb" }));
        Assert.Throws<ArgumentException>("choices", () => Space.WithWarmStart(new Dictionary<string, double>(), new Dictionary<string, string> { ["Fraction"] = "gbdt" }));
        Assert.Empty(Space.WarmStartPoints);
    }

    [Fact]
    public void WithWarmStart_Choice_IsThatChoiceWithTheOtherValues()
    {
        var space = Space.WithWarmStart(new Dictionary<string, double> { ["NumberOfLeaves"] = 31 }, new Dictionary<string, string> { ["Booster"] = "goss" });
        var parameters = space.ToParameters(Assert.Single(space.WarmStartPoints));
        Assert.Equal("goss", parameters.GetChoice("Booster"));
        Assert.Equal(31, parameters.GetInt("NumberOfLeaves"));
        Assert.Equal(0.1, parameters.GetDouble("LearningRate"), 9);
    }

    [Fact]
    public void Smac_Branin_BeatsRandomSearchOnAverage()
    {
        var space = new SearchSpace(SearchParameter.Float("X", -5, 10, 0), SearchParameter.Float("Y", 0, 15, 0));
        double smac = 0, random = 0;
        for (var seed = 0; seed < 3; seed++)
        {
            smac += Minimise(Tuners.Create(TunerKind.Smac, space, seed), space, 40);
            random += Minimise(Tuners.Create(TunerKind.Random, space, seed), space, 40);
        }

        Assert.True(smac < random, $"SMAC {smac / 3} vs random {random / 3}");
        Assert.InRange(smac / 3, 0.397, 1.5);
    }

    [Fact]
    public void SearchSpace_UnitRoundTrip_KeepsValues()
    {
        var parameters = Space.ToParameters([0.2, 0.9, 0.5, 0.33, 0.7]);
        var back = Space.ToParameters(Space.ToUnit(parameters));
        Assert.Equal(parameters.ToString(), back.ToString());
    }

    [Fact]
    public void SearchParameter_BadBounds_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>("minimum", () => SearchParameter.Float("A", 0, 1, 0.5, SearchScale.Log));
        Assert.Throws<ArgumentOutOfRangeException>("maximum", () => SearchParameter.Float("A", 1, 0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>("defaultValue", () => SearchParameter.Int("A", 1, 5, 9));
        Assert.Throws<ArgumentOutOfRangeException>("gridSteps", () => SearchParameter.Int("A", 1, 5, 2, gridSteps: 0));
        Assert.Throws<ArgumentOutOfRangeException>("defaultChoice", () => SearchParameter.Choice("A", ["x"], "y"));
        Assert.Throws<ArgumentException>(() => new SearchSpace(SearchParameter.Int("A", 1, 5, 2), SearchParameter.Int("A", 1, 5, 2)));
    }

    private static double Minimise(ITuner tuner, SearchSpace space, int trials)
    {
        var best = double.PositiveInfinity;
        for (var i = 0; i < trials; i++)
        {
            var p = tuner.Propose()!;
            var v = space.ToParameters(p);
            var loss = Branin(v.GetDouble("X"), v.GetDouble("Y"));
            best = Math.Min(best, loss);
            tuner.Update(new TunerObservation(p, loss, 1, true));
        }

        return best;
    }

    private static double Branin(double x, double y)
    {
        var b = 5.1 / (4 * Math.PI * Math.PI);
        var c = 5 / Math.PI;
        var t = 1 / (8 * Math.PI);
        return Math.Pow(y - (b * x * x) + (c * x) - 6, 2) + (10 * (1 - t) * Math.Cos(x)) + 10;
    }
}
