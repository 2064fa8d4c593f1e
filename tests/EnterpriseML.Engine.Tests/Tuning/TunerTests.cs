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
        var leaves = new HashSet<int>();
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
            leaves.Add(parameters.GetInt("NumberOfLeaves"));
            tuner.Update(new TunerObservation(point, random.NextDouble(), 1, Succeeded: trial % 7 != 3));
        }

        if (kind == TunerKind.Grid)
        {
            // The grid reaches the bounds themselves (and nothing between its three steps).
            Assert.Equal([4, 32, 255], leaves.Order());
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

    /// <summary>
    /// Degenerate and extreme dimensions: a single-value range, an integer log range spanning one or two, one choice,
    /// log and linear ranges as wide as a double allows, integer bounds at the int limits. Every tuner stays inside
    /// each of them and repeats itself under a seed. Before, a linear range of −1e308 … 1e308 mapped the unit 0 to
    /// NaN (its span overflows, 0 × ∞), and an integer range of more than int.MaxValue values got a grid of 0 or a
    /// negative number of steps (the grid then proposed nothing or threw).
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Propose_DegenerateAndExtremeSpaces_StayInsideAndRepeatUnderASeed(TunerKind kind)
    {
        var space = new SearchSpace(
            SearchParameter.Float("Single", 2.5, 2.5, 2.5),
            SearchParameter.Float("SingleLog", 0.01, 0.01, 0.01, SearchScale.Log),
            SearchParameter.Int("IntSingle", 7, 7, 7),
            SearchParameter.Int("IntLogOne", 1, 2, 1, SearchScale.Log),
            SearchParameter.Int("IntLogTwo", 1, 3, 1, SearchScale.Log),
            SearchParameter.Choice("OneChoice", ["only"], "only"),
            SearchParameter.Float("WideLog", 1e-10, 1e10, 1, SearchScale.Log),
            SearchParameter.Float("WideLinear", -1e308, 1e308, 0),
            SearchParameter.Int("IntAll", int.MinValue, int.MaxValue, 0),
            SearchParameter.Int("IntFromZero", 0, int.MaxValue, 0),
            SearchParameter.Int("IntLogTop", 1, int.MaxValue, 1, SearchScale.Log));

        Assert.Equal(Run(seed: 3), Run(seed: 3));

        List<string> Run(int seed)
        {
            var tuner = Tuners.Create(kind, space, seed);
            var proposed = new List<string>();
            for (var trial = 0; trial < 60 && tuner.Propose() is { } point; trial++)
            {
                var p = space.ToParameters(point);
                Assert.Equal(2.5, p.GetDouble("Single"));
                Assert.Equal(0.01, p.GetDouble("SingleLog"), 15);
                Assert.Equal(7, p.GetInt("IntSingle"));
                Assert.InRange(p.GetDouble("IntLogOne"), 1, 2);
                Assert.InRange(p.GetDouble("IntLogTwo"), 1, 3);
                Assert.Equal("only", p.GetChoice("OneChoice"));
                Assert.InRange(p.GetDouble("WideLog"), 1e-10, 1e10);
                Assert.InRange(p.GetDouble("WideLinear"), -1e308, 1e308);
                Assert.InRange(p.GetDouble("IntAll"), int.MinValue, int.MaxValue);
                Assert.InRange(p.GetDouble("IntFromZero"), 0, int.MaxValue);
                Assert.InRange(p.GetDouble("IntLogTop"), 1, int.MaxValue);
                foreach (var name in new[] { "IntLogOne", "IntLogTwo", "IntAll", "IntFromZero", "IntLogTop" })
                {
                    Assert.Equal(Math.Round(p.GetDouble(name)), p.GetDouble(name));
                }

                proposed.Add(p.ToString());
                tuner.Update(new TunerObservation(point, point.Sum(), 1, Succeeded: trial % 5 != 2));
            }

            Assert.NotEmpty(proposed);
            return proposed;
        }
    }

    /// <summary>
    /// Whatever the kind, a space of one configuration gets that configuration once, then nothing: after proposing it,
    /// or after a trial of it was reported without asking (a sweep that starts at the defaults). Before, every kind but
    /// the grid kept proposing other unit points of the same configuration.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Create_SpaceOfOneConfiguration_ProposesItOnce(TunerKind kind)
    {
        var space = new SearchSpace(SearchParameter.Int("A", 3, 3, 3), SearchParameter.Choice("B", ["x"], "x"));

        var asked = Tuners.Create(kind, space, seed: 1);
        var point = asked.Propose();
        Assert.NotNull(point);
        Assert.Equal("A=3 B=x", space.ToParameters(point).ToString());
        asked.Update(new TunerObservation(point, 0.5, 1, true));
        Assert.Null(asked.Propose());

        var told = Tuners.Create(kind, space, seed: 1);
        told.Update(new TunerObservation(space.DefaultPoint(), 0.5, 1, true));
        Assert.Null(told.Propose());

        var empty = Tuners.Create(kind, SearchSpace.Empty, seed: 1);
        Assert.Empty(Assert.IsType<double[]>(empty.Propose()));
        Assert.Null(empty.Propose());
    }

    [Fact]
    public void SearchParameter_IntRangeBeyondIntMaxValueValues_KeepsItsGridSteps()
    {
        Assert.Equal(3, SearchParameter.Int("A", int.MinValue, int.MaxValue, 0).GridSteps);
        Assert.Equal(3, SearchParameter.Int("A", 0, int.MaxValue, 0).GridSteps);
        Assert.Equal(3, SearchParameter.Int("A", int.MinValue, 0, 0).GridSteps);
        Assert.Equal([int.MinValue, int.MaxValue], new[] { 0.0, 1.0 }.Select(u => SearchParameter.Int("A", int.MinValue, int.MaxValue, 0).FromUnit(u).Number));
    }

    [Fact]
    public void FromUnit_LinearRangeWiderThanADouble_EndsAtItsBoundsAndRoundTrips()
    {
        var wide = SearchParameter.Float("A", -1e308, 1e308, 0);
        Assert.Equal(-1e308, wide.FromUnit(0).Number);
        Assert.Equal(1e308, wide.FromUnit(1).Number);
        Assert.Equal(0, wide.FromUnit(0.5).Number);
        Assert.Equal(0.75, wide.ToUnit(wide.FromUnit(0.75)), 12);
    }

    /// <summary>
    /// The grid of a narrow integer log range holds distinct values, both ends included, evenly spaced in the
    /// logarithm and rounded, repeats dropped. Before, [1, 3] on a log scale gave 1, 1, 3 (2 never tried, 1 twice).
    /// </summary>
    [Theory]
    [InlineData(1, 3, 3, new[] { 1, 2, 3 })]
    [InlineData(1, 2, 3, new[] { 1, 2 })]
    [InlineData(1, 10, 9, new[] { 1, 2, 3, 4, 6, 7, 10 })]
    [InlineData(4, 255, 3, new[] { 4, 32, 255 })]
    public void Grid_IntLogRange_DistinctValues(int minimum, int maximum, int steps, int[] expected)
    {
        var space = new SearchSpace(SearchParameter.Int("A", minimum, maximum, minimum, SearchScale.Log, steps));
        Assert.Equal(expected.Select(v => (double)v), GridValues(space));
    }

    /// <summary>
    /// A grid of k ≥ 2 steps over a numeric range holds both ends and values evenly spaced between them on the
    /// range's scale. Before, an integer range's grid took the centres of k equal slices and skipped its ends:
    /// [1, 10] in 3 steps gave 2, 6, 9, and [1, 1000] on a log scale in 4 steps gave 1, 9, 58, 387.
    /// </summary>
    [Theory]
    [InlineData(1, 10, SearchScale.Linear, 3, new[] { 1.0, 6, 10 })]
    [InlineData(0, 9, SearchScale.Linear, 4, new[] { 0.0, 3, 6, 9 })]
    [InlineData(-5, 5, SearchScale.Linear, 2, new[] { -5.0, 5 })]
    [InlineData(1, 1000, SearchScale.Log, 4, new[] { 1.0, 10, 100, 1000 })]
    [InlineData(1, 10, SearchScale.Linear, 1, new[] { 6.0 })]
    public void Grid_IntRange_BothEndsEvenlySpacedOnItsScale(int minimum, int maximum, SearchScale scale, int steps, double[] expected)
    {
        var space = new SearchSpace(SearchParameter.Int("A", minimum, maximum, minimum, scale, steps));
        Assert.Equal(expected, GridValues(space));
    }

    [Theory]
    [InlineData(0.0, 1.0, SearchScale.Linear, 3, new[] { 0.0, 0.5, 1.0 })]
    [InlineData(0.001, 1.0, SearchScale.Log, 4, new[] { 0.001, 0.01, 0.1, 1.0 })]
    public void Grid_FloatRange_BothEndsEvenlySpacedOnItsScale(double minimum, double maximum, SearchScale scale, int steps, double[] expected)
    {
        var space = new SearchSpace(SearchParameter.Float("A", minimum, maximum, minimum, scale, steps));
        var values = GridValues(space);
        Assert.Equal(expected.Length, values.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], values[i], 1e-12);
        }
    }

    private static List<double> GridValues(SearchSpace space)
    {
        var tuner = Tuners.Create(TunerKind.Grid, space, seed: 4);
        var values = new List<double>();
        while (tuner.Propose() is { } point)
        {
            values.Add(space.ToParameters(point)["A"].Number);
        }

        values.Sort();
        return values;
    }

    [Fact]
    public void Grid_SingleValueFloatRange_IsOnePoint()
    {
        var space = new SearchSpace(SearchParameter.Float("A", 2.5, 2.5, 2.5), SearchParameter.Choice("B", ["x", "y"], "x"));
        var tuner = Tuners.Create(TunerKind.Grid, space, seed: 1);
        var seen = new List<string>();
        while (tuner.Propose() is { } point)
        {
            seen.Add(space.ToParameters(point).ToString());
        }

        Assert.Equal(["A=2.5 B=x", "A=2.5 B=y"], seen.Order());
    }

    /// <summary>
    /// A grid larger than the point limit is sampled from the whole product. Before, the limit kept the first codes in
    /// counting order: the last dimension never left its first values (81 points, 50 kept: its third value never came).
    /// </summary>
    [Fact]
    public void Grid_LargerThanTheLimit_DistinctPointsOverEveryValueOfEveryDimension()
    {
        var space = new SearchSpace(
            SearchParameter.Float("A", 0, 1, 0), SearchParameter.Float("B", 0, 1, 0),
            SearchParameter.Float("C", 0, 1, 0), SearchParameter.Float("D", 0, 1, 0));
        var tuner = new GridTuner(space, seed: 2, maximumPoints: 50);
        Assert.Equal(50, tuner.Size);
        var points = new List<double[]>();
        while (tuner.Propose() is { } point)
        {
            points.Add(point);
        }

        Assert.Equal(50, points.Count);
        Assert.Equal(50, points.Select(p => string.Join(",", p)).Distinct().Count());
        for (var d = 0; d < 4; d++)
        {
            Assert.Equal([0.0, 0.5, 1.0], points.Select(p => p[d]).Distinct().Order());
        }

        // Too many points to count in a long (3^45): still distinct points of the grid.
        var huge = new SearchSpace([.. Enumerable.Range(0, 45).Select(i => SearchParameter.Float($"X{i}", 0, 1, 0))]);
        var hugeTuner = new GridTuner(huge, seed: 2, maximumPoints: 30);
        var hugePoints = new List<string>();
        while (hugeTuner.Propose() is { } point)
        {
            Assert.All(point, u => Assert.Contains(u, new[] { 0.0, 0.5, 1.0 }));
            hugePoints.Add(string.Join(",", point));
        }

        Assert.Equal(30, hugePoints.Distinct().Count());
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
        Assert.Throws<ArgumentOutOfRangeException>("defaultValue", () => SearchParameter.Float("A", 1, 5, double.NaN));
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
