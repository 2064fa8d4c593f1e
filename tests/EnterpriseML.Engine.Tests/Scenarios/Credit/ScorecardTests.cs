using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;
using Xunit;

namespace EnterpriseML.Engine.Tests.Scenarios.Credit;

public sealed class ScorecardTests
{
    private static readonly Lazy<EnterpriseML.Engine.Models.ModelPipeline> Model = new(() =>
        ScenarioTestData.FitPipeline(CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[0], ScenarioTestData.German.Train));

    private static ScorecardPredictor Scorecard => (ScorecardPredictor)Model.Value.Predictor;

    private static (FeatureMatrix X, double[] Points, float[] P) TestScores()
    {
        var test = ScenarioTestData.German.Test;
        var x = Model.Value.Features.Transform(test.Features);
        var p = new float[x.RowCount];
        Scorecard.PredictBatch(x, p);
        return (x, Scorecard.PointsBatch(x), p);
    }

    [Fact]
    public void Fit_GermanCredit_AucKsGiniInRange()
    {
        var test = ScenarioTestData.German.Test;
        var metrics = BinaryMetrics.Compute(test.Labels, Model.Value.Predict(test.Features));
        Assert.InRange(metrics.Auc, 0.73, 0.80);
        Assert.InRange(metrics.Ks, 0.35, 0.50);
        Assert.InRange(metrics.Gini, 0.46, 0.60);
    }

    [Fact]
    public void Points_PdoRelation_HoldsExactly()
    {
        var s = Scorecard.Scaling;
        Assert.Equal(600, s.ScoreOfOdds(50), 9);
        Assert.Equal(620, s.ScoreOfOdds(100), 9);
        Assert.Equal(580, s.ScoreOfOdds(25), 9);
        var (_, points, p) = TestScores();
        for (var i = 0; i < points.Length; i++)
        {
            // The points are the scaled good:bad odds of the predicted probability; +PDO points doubles those odds.
            var odds = (1 - (double)p[i]) / p[i];
            Assert.Equal(s.ScoreOfOdds(odds), points[i], 3);
            Assert.Equal(2 * s.OddsOfScore(points[i]), s.OddsOfScore(points[i] + 20), 9);
            Assert.Equal(odds, s.OddsOfScore(points[i]), odds * 1e-4);
        }
    }

    [Fact]
    public void Points_Sorted_MonotoneInPredictedOdds()
    {
        var (_, points, p) = TestScores();
        var order = new int[points.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort((double[])points.Clone(), order);
        for (var k = 1; k < order.Length; k++)
        {
            // Higher score, lower (or equal) probability of bad.
            Assert.True(p[order[k]] <= p[order[k - 1]] + 1e-6f, $"score {points[order[k]]} has P(bad) {p[order[k]]} above {p[order[k - 1]]}");
        }

        Assert.True(points[order[^1]] - points[order[0]] > 60, "the scorecard should spread applicants over more than 3 PDO");
    }

    [Fact]
    public void Points_BasePlusAttributes_EqualsScore()
    {
        var (x, points, _) = TestScores();
        var row = new float[x.DenseColumnCount];
        for (var i = 0; i < 20; i++)
        {
            for (var f = 0; f < row.Length; f++)
            {
                row[f] = x.Dense[(f * x.RowCount) + i];
            }

            var total = Scorecard.BasePoints;
            for (var f = 0; f < row.Length; f++)
            {
                total += Scorecard.AttributePoints(f, Scorecard.Bins[f].WoeOf(row[f]));
            }

            Assert.Equal(points[i], total, 6);
        }
    }

    [Fact]
    public void ReasonCodes_Applicant_NameWorstScoringAttributesFirst()
    {
        var (x, points, _) = TestScores();
        var worst = 0;
        for (var i = 1; i < points.Length; i++)
        {
            worst = points[i] < points[worst] ? i : worst;
        }

        var row = new float[x.DenseColumnCount];
        for (var f = 0; f < row.Length; f++)
        {
            row[f] = x.Dense[(f * x.RowCount) + worst];
        }

        var codes = Scorecard.ReasonCodes(new FeatureRow(row), 4);
        Assert.Equal(4, codes.Count);

        // Recompute every feature's loss against its best bin: the codes are exactly the four largest, in order.
        var losses = new List<(string Name, double Lost)>();
        for (var f = 0; f < row.Length; f++)
        {
            if (Scorecard.Coefficients[f] == 0)
            {
                continue;
            }

            var best = double.NegativeInfinity;
            foreach (var w in Scorecard.Bins[f].Woe)
            {
                best = Math.Max(best, Scorecard.AttributePoints(f, w));
            }

            best = Math.Max(best, Scorecard.AttributePoints(f, Scorecard.Bins[f].MissingWoe));
            losses.Add((Scorecard.Bins[f].Name, best - Scorecard.AttributePoints(f, Scorecard.Bins[f].WoeOf(row[f]))));
        }

        losses.Sort((a, b) => b.Lost.CompareTo(a.Lost));
        for (var k = 0; k < codes.Count; k++)
        {
            Assert.Equal(losses[k].Name, codes[k].Feature);
            Assert.Equal(losses[k].Lost, codes[k].PointsLost, 9);
            Assert.True(codes[k].PointsLost > 0);
        }

        // The riskiest applicant's top reason really costs points: many points below the best bin.
        Assert.True(codes[0].PointsLost > 5, codes[0].ToString());
    }

    /// <summary>
    /// On every German credit test applicant (and on the same rows with every value missing, unseen levels and missing
    /// values mixed in), the reason codes are exactly the scorecard features whose bin scores below that feature's best
    /// bin, largest loss first, with the points the explanation gives: a feature's points are −Factor × its
    /// contribution, and base points minus Factor × (the explanation's bias + every contribution) are the score.
    /// </summary>
    [Fact]
    public void ReasonCodes_EveryApplicant_ArePointLossesAgainstTheBestBinLargestFirstAndAgreeWithTheExplanation()
    {
        var rows = Trainers.CatalogPropertyTests.Rows(ScenarioTestData.German.Test.Features, 200, ordinary: true);
        var x = Model.Value.Features.Transform(rows);
        var factor = Scorecard.Scaling.Factor;
        var row = new float[x.DenseColumnCount];
        var contributions = new float[Scorecard.FeatureCount];
        var listed = 0;
        for (var i = 0; i < x.RowCount; i++)
        {
            for (var f = 0; f < row.Length; f++)
            {
                row[f] = x.Dense[(f * x.RowCount) + i];
            }

            var features = new FeatureRow(row);
            var bias = Scorecard.Explain(features, contributions);
            Assert.Equal(Scorecard.Points(features), Scorecard.Scaling.Offset - (factor * (bias + contributions.Sum(c => (double)c))), 3);
            var expected = new List<(string Name, double Points, double Best)>();
            for (var f = 0; f < row.Length; f++)
            {
                if (Scorecard.Coefficients[f] == 0)
                {
                    Assert.Equal(0f, contributions[f]);
                    continue;
                }

                var points = Scorecard.AttributePoints(f, Scorecard.Bins[f].WoeOf(row[f]));
                Assert.Equal(points, -factor * contributions[f], 4);
                var best = Scorecard.AttributePoints(f, Scorecard.Bins[f].MissingWoe);
                foreach (var w in Scorecard.Bins[f].Woe)
                {
                    best = Math.Max(best, Scorecard.AttributePoints(f, w));
                }

                if (best - points > 1e-9)
                {
                    expected.Add((Scorecard.Bins[f].Name, points, best));
                }
            }

            expected.Sort((a, b) => (b.Best - b.Points).CompareTo(a.Best - a.Points) is var c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name));
            var codes = Scorecard.ReasonCodes(features, row.Length + 5);
            Assert.Equal(expected.Select(e => e.Name), codes.Select(c => c.Feature));
            for (var k = 0; k < codes.Count; k++)
            {
                Assert.Equal(expected[k].Points, codes[k].Points, 9);
                Assert.Equal(expected[k].Best, codes[k].MaximumPoints, 9);
            }

            Assert.Equal(codes.Take(ScorecardPredictor.DefaultReasonCount), Scorecard.ReasonCodes(features, ScorecardPredictor.DefaultReasonCount));
            listed += codes.Count;
        }

        Assert.True(listed > x.RowCount, $"{listed} reason codes for {x.RowCount} applicants.");
    }

    /// <summary>
    /// A scorecard has one output, as every binary model: explaining output 1 was answered with output 0's explanation
    /// and no word, a row of the wrong width failed with an IndexOutOfRangeException and a short buffer with a range
    /// error naming neither; like every other explainer it now names the argument and the bound.
    /// </summary>
    [Fact]
    public void Explain_OutputOtherThanZeroWrongRowOrShortBuffer_ThrowsNamingTheArgument()
    {
        var width = Scorecard.FeatureCount;
        var row = new float[width];
        var contributions = new float[width];
        var output = Assert.Throws<ArgumentOutOfRangeException>(() => Scorecard.Explain(new FeatureRow(row), contributions, 1));
        Assert.Equal("outputIndex", output.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Scorecard.Explain(new FeatureRow(row), contributions, -1));
        var narrow = Assert.Throws<ArgumentException>(() => Scorecard.Explain(new FeatureRow(new float[width - 1]), contributions));
        Assert.Equal("row", narrow.ParamName);
        Assert.Contains($"{width} dense features", narrow.Message, StringComparison.Ordinal);
        var buffer = Assert.Throws<ArgumentException>(() => Scorecard.Explain(new FeatureRow(row), new float[width - 1]));
        Assert.Equal("contributions", buffer.ParamName);
        Assert.Equal((float)Scorecard.Intercept, Scorecard.Explain(new FeatureRow(row), contributions, 0));
    }

    /// <summary>
    /// A credit table with a free-text column (here German credit's purpose read as text): the scorecard bins the dense
    /// features and leaves the text's sparse n-grams out, so its feature count is larger than its binned features.
    /// The file it saved could not be loaded ("N binned features for M features"); it now loads and scores, explains
    /// (every n-gram contributing 0) and gives reason codes as before saving.
    /// </summary>
    [Fact]
    public void SaveLoad_TableWithATextColumn_LoadsAndExplainsIdentically()
    {
        var (train, test) = ScenarioTestData.German;
        static DataTable AsText(DataTable t) => new([.. t.Columns.Select(c => c.Name == "purpose" ? new StringColumn(c.Name, ((StringColumn)c).Values.ToArray(), ColumnType.Text) : c)]);
        var columns = new ScenarioColumns(["purpose"]);
        var withText = new CandidateData(AsText(train.Features), train.Labels, train.Task, train.ClassNames);
        var model = ScenarioTestData.FitPipeline(CreditScenario.SpecialisedCandidates(columns)[0], withText, columns: columns);
        var scorecard = (ScorecardPredictor)model.Predictor;
        Assert.True(scorecard.FeatureCount > scorecard.Bins.Count, "the text column gives sparse features");
        var rows = AsText(test.Features);
        var loaded = Models.SaveLoadAssert.RoundTrip("scorecard with a text column", model, Trainers.CatalogPropertyTests.Rows(rows, 40, ordinary: false));
        var x = loaded.Features.Transform(rows);
        Assert.True(x.Sparse is { } sparse && sparse.Values.Length > 0);
        var contributions = new float[loaded.Predictor.FeatureCount];
        var engine = loaded.CreateEngine();
        Models.ModelTestData.SetRow(engine, rows, 0);
        var bias = ((IExplainablePredictor)loaded.Predictor).Explain(engine.Featurize(), contributions);
        Assert.All(contributions[scorecard.Bins.Count..], c => Assert.Equal(0f, c));
        Assert.Equal(((ScorecardPredictor)loaded.Predictor).Margin(engine.Featurize()), bias + contributions.Sum(c => (double)c), 5);
    }

    [Fact]
    public void TryScore_UnseenLevel_NeutralWoeNotBelowEverySeenLevel()
    {
        // An unseen checking_status goes to the "other" code, which no training row had: it carries no evidence
        // (WoE 0, as a missing value when training had none). It scored WoE ln(bads/goods) = -0.84 from the
        // smoothing alone, below every seen level, so an applicant lost points for a value the model never saw.
        var f = IndexOf(Scorecard.Bins, "checking_status");
        var levels = Scorecard.Bins[f].LevelNames.Take(Scorecard.Bins[f].BinCount - 1).ToArray();
        Assert.Equal(4, levels.Length);
        var applicant = ScenarioTestData.German.Test.Features.SelectRows([0]);
        double PointsWith(string level)
        {
            var columns = applicant.Columns.Select(c => c.Name == "checking_status" ? new StringColumn(c.Name, [level]) : c).ToArray();
            Assert.True(ScorecardPredictor.TryScore(Model.Value, new DataTable(columns), 20, out var results));
            return results[0].Points;
        }

        var seen = levels.Select(PointsWith).ToArray();
        var unseen = PointsWith("not a level of the training rows");
        Assert.Equal(0, Scorecard.Bins[f].Woe[^1]);
        Assert.InRange(unseen, seen.Min() + 1, seen.Max() - 1);
    }

    [Fact]
    public void TryScore_UnseenLevelAndALevelNamedOther_ReasonCodesTellThemApart()
    {
        // German credit's purpose has a real level "other"; the bucket of rare and unseen levels was named "other"
        // too, so both applicants read "purpose = other" although their bins and points differ.
        var applicant = ScenarioTestData.German.Test.Features.SelectRows([0]);
        ReasonCode PurposeReason(string level)
        {
            var columns = applicant.Columns.Select(c => c.Name == "purpose" ? new StringColumn(c.Name, [level]) : c).ToArray();
            Assert.True(ScorecardPredictor.TryScore(Model.Value, new DataTable(columns), 20, out var results));
            return Assert.Single(results[0].ReasonCodes, r => r.Feature == "purpose");
        }

        var named = PurposeReason("other");
        var unseen = PurposeReason("not a level of the training rows");
        Assert.Equal("= other", named.Bin);
        Assert.Equal("= " + CreditScenario.OtherLevelsName, unseen.Bin);
        Assert.NotEqual(named.Points, unseen.Points);
    }

    [Fact]
    public void Details_Scaling_NamesWhichClassIsBad()
    {
        // The points score against the positive class. The details said "good:bad odds" without naming the classes,
        // so a run whose positive class was the good outcome had inverted points without a word.
        Assert.Equal("600 points at 50:1 good:bad odds, 20 points to double the odds; good = 'good', bad = 'bad' (the positive class)",
            Model.Value.Metadata["scaling"]);
        var inverted = LabelEncoding.Encode(CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv")), "class", TaskKind.Binary, "good");
        var model = ScenarioTestData.FitPipeline(CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[0], inverted);
        Assert.EndsWith("good = 'bad', bad = 'good' (the positive class)", model.Metadata["scaling"], StringComparison.Ordinal);
    }

    [Fact]
    public void ReasonCodes_BestApplicantAttributes_AreNeverListed()
    {
        var bins = Scorecard.Bins;
        var row = new float[bins.Count];
        for (var f = 0; f < row.Length; f++)
        {
            // Pick a value in the feature's best bin: a categorical code, or a numeric value inside the bin.
            var bestBin = 0;
            for (var b = 1; b < bins[f].BinCount; b++)
            {
                if (Scorecard.AttributePoints(f, bins[f].Woe[b]) > Scorecard.AttributePoints(f, bins[f].Woe[bestBin]))
                {
                    bestBin = b;
                }
            }

            row[f] = bins[f].IsCategorical ? bestBin
                : bestBin < bins[f].UpperEdges.Length ? bins[f].UpperEdges[bestBin]
                : bins[f].UpperEdges.Length == 0 ? 0 : bins[f].UpperEdges[^1] + 1;
        }

        var codes = Scorecard.ReasonCodes(new FeatureRow(row), 10);
        foreach (var code in codes)
        {
            // Only a feature whose best bin is the missing bin can still lose points here.
            var f = IndexOf(bins, code.Feature);
            Assert.True(Scorecard.AttributePoints(f, bins[f].MissingWoe) > code.Points, code.ToString());
        }
    }

    [Fact]
    public void TryScore_RawRows_PointsMatchAndReasonsNameLevels()
    {
        var test = ScenarioTestData.German.Test;
        var loaded = ScenarioTestData.RoundTrip(Model.Value);
        Assert.True(ScorecardPredictor.TryScore(loaded, test.Features, 3, out var results));
        var (_, points, _) = TestScores();
        Assert.Equal(points.Length, results.Length);
        var categoricalReasons = 0;
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(points[i], results[i].Points, 9);
            Assert.InRange(results[i].ReasonCodes.Count, 0, 3);
            foreach (var code in results[i].ReasonCodes)
            {
                Assert.DoesNotContain("code ", code.Bin, StringComparison.Ordinal);
                categoricalReasons += code.Bin.StartsWith("= ", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        Assert.True(categoricalReasons > 0);
        Assert.False(ScorecardPredictor.TryScore(ScenarioTestData.FitPipeline(CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[1], ScenarioTestData.German.Train), test.Features, 3, out _));
    }

    [Fact]
    public void SaveLoad_Scorecard_IdenticalPointsAndProbabilities()
    {
        var test = ScenarioTestData.German.Test;
        var loaded = ScenarioTestData.RoundTrip(Model.Value);
        Assert.Equal(Model.Value.Predict(test.Features), loaded.Predict(test.Features));
        var x = loaded.Features.Transform(test.Features);
        Assert.Equal(Scorecard.PointsBatch(x), ((ScorecardPredictor)loaded.Predictor).PointsBatch(x));
    }

    [Fact]
    public void Fit_SameSeedTwice_IdenticalModel()
    {
        var candidate = CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[0];
        var a = ScenarioTestData.FitPipeline(candidate, ScenarioTestData.German.Train, seed: 1);
        var b = ScenarioTestData.FitPipeline(candidate, ScenarioTestData.German.Train, seed: 2);
        Assert.Equal(a.Predict(ScenarioTestData.German.Test.Features), b.Predict(ScenarioTestData.German.Test.Features));
    }

    [Fact]
    public void Fit_OneOrTwoThreads_IdenticalModels()
    {
        var (train, test) = ScenarioTestData.German;
        foreach (var candidate in CreditScenario.SpecialisedCandidates(ScenarioColumns.None))
        {
            var one = ScenarioTestData.FitPipeline(candidate, train, threads: 1);
            var two = ScenarioTestData.FitPipeline(candidate, train, threads: 2);
            Assert.Equal(one.Predict(test.Features), two.Predict(test.Features));
        }
    }

    [Fact]
    public void Coefficients_AfterWrongSignDrop_AllNegative()
    {
        var used = 0;
        foreach (var c in Scorecard.Coefficients)
        {
            Assert.True(c <= 0, "a WoE coefficient with the wrong sign survived");
            used += c < 0 ? 1 : 0;
        }

        Assert.InRange(used, 5, Scorecard.Bins.Count);
    }

    private static int IndexOf(IReadOnlyList<WoeFeature> bins, string name)
    {
        for (var i = 0; i < bins.Count; i++)
        {
            if (bins[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}

public sealed class WoeBinningTests
{
    [Fact]
    public void FitNumeric_RisingBadRate_MonotoneDecreasingWoe()
    {
        var (x, y) = Trend(2000, rising: true, seed: 3);
        var bin = WoeBinner.FitNumeric("x", x, y, new WoeBinningOptions());
        Assert.Equal(1, bin.RiskTrend);
        Assert.True(bin.BinCount >= 3);
        for (var b = 1; b < bin.BinCount; b++)
        {
            Assert.True(bin.Woe[b] <= bin.Woe[b - 1]);
        }

        Assert.True(bin.InformationValue > 0.1);
    }

    [Fact]
    public void InferMonotoneConstraints_KnownTrends_IncreasingDecreasingAndFree()
    {
        var (up, y) = Trend(3000, rising: true, seed: 5);
        var down = new float[up.Length];
        var noise = new float[up.Length];
        var random = new Random(11);
        for (var i = 0; i < up.Length; i++)
        {
            down[i] = -up[i];
            noise[i] = (float)random.NextDouble();
        }

        var x = FeatureMatrix.FromColumns([up, down, noise], ["up", "down", "noise"]);
        var constraints = CreditScenario.InferMonotoneConstraints(x, y);
        Assert.Equal([1, -1, 0], constraints);
    }

    [Fact]
    public void InferMonotoneConstraints_GermanCredit_DurationRaisesRiskAgeLowersIt()
    {
        var train = ScenarioTestData.German.Train;
        var features = EnterpriseML.Engine.Featurizers.FeaturePipeline.Fit(train.Features, EnterpriseML.Engine.Featurizers.FeaturizerOptions.Trees);
        var x = features.Transform(train.Features);
        var constraints = CreditScenario.InferMonotoneConstraints(x, train.Labels);
        int Of(string name)
        {
            for (var f = 0; f < x.ColumnCount; f++)
            {
                if (x.Features[f].Name == name)
                {
                    return constraints[f];
                }
            }

            throw new KeyNotFoundException(name);
        }

        Assert.Equal(1, Of("duration"));
        Assert.Equal(-1, Of("age"));
    }

    [Fact]
    public void Bin_MissingAndCategorical_MapsToOwnBins()
    {
        float[] codes = [0, 0, 1, 1, float.NaN, float.NaN, 2, 2];
        float[] y = [0, 0, 1, 1, 1, 0, 0, 1];
        var x = new FeatureMatrix(8, codes, 1, null, [new FeatureInfo("c", IsCategorical: true, Cardinality: 3)]);
        var bins = WoeBinner.Fit(x, y, new WoeBinningOptions());
        Assert.True(bins[0].IsCategorical);
        Assert.Equal(-1, bins[0].Bin(float.NaN));
        Assert.Equal(2, bins[0].Bin(7)); // unseen codes go to the last ("other") code
        Assert.True(bins[0].WoeOf(0) > 0 && bins[0].WoeOf(1) < 0);
    }

    [Theory]
    [InlineData(nameof(WoeBinningOptions.MaximumPreBinCount), 1)]
    [InlineData(nameof(WoeBinningOptions.MaximumPreBinCount), 256)]
    [InlineData(nameof(WoeBinningOptions.MinimumBinFraction), 0)]
    [InlineData(nameof(WoeBinningOptions.MinimumBinFraction), 0.51)]
    [InlineData(nameof(WoeBinningOptions.Smoothing), 0)]
    [InlineData(nameof(WoeBinningOptions.Smoothing), 101)]
    public void Validate_BinningOptionOutOfRange_Throws(string option, double value)
    {
        var o = new WoeBinningOptions();
        typeof(WoeBinningOptions).GetProperty(option)!.SetValue(o, option == nameof(WoeBinningOptions.MaximumPreBinCount) ? (object)(int)value : value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(o.Validate);
        Assert.Equal(option, e.ParamName);
    }

    [Theory]
    [InlineData(nameof(ScorecardOptions.BaseScore), 2e6)]
    [InlineData(nameof(ScorecardOptions.BaseOdds), 0)]
    [InlineData(nameof(ScorecardOptions.BaseOdds), 2e6)]
    [InlineData(nameof(ScorecardOptions.PointsToDoubleOdds), 0)]
    [InlineData(nameof(ScorecardOptions.PointsToDoubleOdds), 1001)]
    [InlineData(nameof(ScorecardOptions.MinimumInformationValue), -0.1)]
    [InlineData(nameof(ScorecardOptions.MinimumInformationValue), 11)]
    [InlineData(nameof(ScorecardOptions.L2Regularization), -1)]
    [InlineData(nameof(ScorecardOptions.L2Regularization), 1e5)]
    [InlineData(nameof(ScorecardOptions.MaxDegreeOfParallelism), 0)]
    public void Validate_ScorecardOptionOutOfRange_Throws(string option, double value)
    {
        var o = new ScorecardOptions();
        var property = typeof(ScorecardOptions).GetProperty(option)!;
        property.SetValue(o, property.PropertyType == typeof(int) ? (object)(int)value : value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ScorecardTrainer(o));
        Assert.Equal(option, e.ParamName);
    }

    private static (float[] X, float[] Y) Trend(int n, bool rising, int seed)
    {
        var random = new Random(seed);
        var x = new float[n];
        var y = new float[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = (float)random.NextDouble();
            var p = rising ? 0.05 + (0.5 * x[i]) : 0.55 - (0.5 * x[i]);
            y[i] = random.NextDouble() < p ? 1 : 0;
        }

        return (x, y);
    }
}

public sealed class CreditScenarioTests
{
    [Fact]
    public void Plan_GermanCredit_BothKindsAucWithKsAndGini()
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var plan = new CreditScenario().Plan(new ScenarioContext(table, "class", TaskKind.Binary, "bad"));
        Assert.Equal("auc", plan.PrimaryMetric.Name);
        Assert.Contains(plan.ReportMetrics, m => m.Name == "ks");
        Assert.Contains(plan.ReportMetrics, m => m.Name == "gini");
        Assert.Contains(plan.Candidates, c => c.Kind == CandidateKind.General);
        Assert.Contains(plan.Candidates, c => c.Name == "scorecard" && c.Kind == CandidateKind.Specialised);
        Assert.Contains(plan.Candidates, c => c.Name == "monotone-gbdt" && c.Kind == CandidateKind.Specialised);
        Assert.Same(ScenarioCatalog.Get("credit").GetType(), typeof(CreditScenario));
    }

    [Fact]
    public void Plan_NonBinaryLabel_Throws()
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        Assert.Throws<ArgumentException>(() => new CreditScenario().Plan(new ScenarioContext(table, "duration", TaskKind.Regression)));
    }

    [Fact]
    public void MonotoneGbdt_GermanCredit_AucInRangeAndSaveLoadIdentical()
    {
        var (train, test) = ScenarioTestData.German;
        var candidate = CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[1];
        var model = ScenarioTestData.FitPipeline(candidate, train);
        var scores = model.Predict(test.Features);
        Assert.InRange(ScenarioTestData.Auc(test, scores), 0.72, 0.81);
        Assert.Contains("duration ↑", model.Metadata["monotone"], StringComparison.Ordinal);
        Assert.Equal(scores, ScenarioTestData.RoundTrip(model).Predict(test.Features));
    }

    [Fact]
    public void MonotoneGbdt_IncreasingDuration_NeverLowersRisk()
    {
        var (train, test) = ScenarioTestData.German;
        var model = ScenarioTestData.FitPipeline(CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[1], train);
        var x = model.Features.Transform(test.Features);
        var duration = -1;
        for (var f = 0; f < x.ColumnCount; f++)
        {
            duration = x.Features[f].Name == "duration" ? f : duration;
        }

        var row = new float[x.DenseColumnCount];
        Span<float> p = stackalloc float[1];
        for (var i = 0; i < 30; i++)
        {
            for (var f = 0; f < row.Length; f++)
            {
                row[f] = x.Dense[(f * x.RowCount) + i];
            }

            var previous = -1f;
            for (var d = 4; d <= 72; d += 4)
            {
                row[duration] = d;
                model.Predictor.Predict(new FeatureRow(row), p);
                Assert.True(p[0] >= previous - 1e-6f, $"P(bad) fell from {previous} to {p[0]} at duration {d}");
                previous = p[0];
            }
        }
    }

    [Theory]
    [InlineData(20, 4, 0.1, 20, 1.0, 1.0)]
    [InlineData(300, 31, 0.1, 2, 0.5, 0.7)]
    [InlineData(100, 128, 0.3, 2, 1.0, 0.5)]
    public void MonotoneGbdt_EveryConstrainedFeatureSwept_PredictionsFollowItsConstraint(int trees, int leaves, double rate, int minLeaf, double features, double rows)
    {
        // Partial-dependence style: each test applicant's constrained feature swept over every value the training rows
        // hold, the others kept; P(bad) must never move against the WoE trend, also for deep, subsampled ensembles.
        var (train, test) = ScenarioTestData.German;
        var model = FitMonotoneGbdt(train, trees, leaves, rate, minLeaf, features, rows);
        var fitted = model.Features.Transform(train.Features);
        var constraints = CreditScenario.InferMonotoneConstraints(fitted, train.Labels);
        var x = model.Features.Transform(test.Features);
        var row = new float[x.DenseColumnCount];
        Span<float> p = stackalloc float[1];
        var swept = 0;
        for (var f = 0; f < x.DenseColumnCount; f++)
        {
            if (constraints[f] == 0)
            {
                continue;
            }

            swept++;
            Assert.Contains(x.Features[f].Name + (constraints[f] > 0 ? " ↑" : " ↓"), model.Metadata["monotone"], StringComparison.Ordinal);
            var values = fitted.DenseColumn(f).ToArray().Where(v => !float.IsNaN(v)).Distinct().Order().ToArray();
            for (var i = 0; i < x.RowCount; i++)
            {
                for (var k = 0; k < row.Length; k++)
                {
                    row[k] = x.Dense[(k * x.RowCount) + i];
                }

                var previous = float.NaN;
                foreach (var v in values)
                {
                    row[f] = v;
                    model.Predictor.Predict(new FeatureRow(row), p);
                    Assert.True(float.IsNaN(previous) || constraints[f] * (p[0] - previous) >= -1e-6f,
                        $"{x.Features[f].Name} ({(constraints[f] > 0 ? "↑" : "↓")}): P(bad) of test row {i} went from {previous} to {p[0]} at {v}");
                    previous = p[0];
                }
            }
        }

        Assert.InRange(swept, 2, x.DenseColumnCount);
    }

    /// <summary>
    /// The same sweeps, read through the explanation: a constrained feature's tree SHAP contribution to the log-odds of
    /// bad never moves against its constraint as the feature alone moves (each split on it keeps its riskier side's
    /// leaves at or above the other's, so every expectation tree SHAP takes does too), and the bias plus every
    /// contribution stays the log-odds of the prediction.
    /// </summary>
    [Theory]
    [InlineData(20, 4, 0.1, 20, 1.0, 1.0)]
    [InlineData(300, 31, 0.1, 2, 0.5, 0.7)]
    public void MonotoneGbdt_EveryConstrainedFeatureSwept_ItsContributionFollowsItsConstraint(int trees, int leaves, double rate, int minLeaf, double features, double rows)
    {
        var (train, test) = ScenarioTestData.German;
        var model = FitMonotoneGbdt(train, trees, leaves, rate, minLeaf, features, rows);
        var explainer = (IExplainablePredictor)model.Predictor;
        var fitted = model.Features.Transform(train.Features);
        var constraints = CreditScenario.InferMonotoneConstraints(fitted, train.Labels);
        var x = model.Features.Transform(test.Features);
        var row = new float[x.DenseColumnCount];
        var contributions = new float[x.ColumnCount];
        Span<float> p = stackalloc float[1];
        var moved = 0;
        for (var f = 0; f < x.DenseColumnCount; f++)
        {
            if (constraints[f] == 0)
            {
                continue;
            }

            // Every value the training rows hold, thinned to at most 60 (credit_amount has about 800), ends kept.
            var distinct = fitted.DenseColumn(f).ToArray().Where(v => !float.IsNaN(v)).Distinct().Order().ToArray();
            var values = Enumerable.Range(0, Math.Min(60, distinct.Length)).Select(k => distinct[(int)((long)k * (distinct.Length - 1) / Math.Max(1, Math.Min(60, distinct.Length) - 1))]).ToArray();
            for (var i = 0; i < x.RowCount; i += 5)
            {
                for (var k = 0; k < row.Length; k++)
                {
                    row[k] = x.Dense[(k * x.RowCount) + i];
                }

                var previous = float.NaN;
                var first = float.NaN;
                foreach (var v in values)
                {
                    row[f] = v;
                    var bias = explainer.Explain(new FeatureRow(row), contributions);
                    model.Predictor.Predict(new FeatureRow(row), p);
                    var margin = bias + contributions.Sum(c => (double)c);
                    Assert.True(Math.Abs(p[0] - (1 / (1 + Math.Exp(-margin)))) <= 1e-6, $"P(bad) {p[0]}, the explanation's log-odds {margin}.");
                    Assert.True(float.IsNaN(previous) || constraints[f] * (contributions[f] - previous) >= -1e-5f,
                        $"{x.Features[f].Name} ({(constraints[f] > 0 ? "↑" : "↓")}): its contribution for test row {i} went from {previous} to {contributions[f]} at {v}");
                    previous = contributions[f];
                    first = float.IsNaN(first) ? previous : first;
                }

                moved += constraints[f] * (previous - first) > 1e-3 ? 1 : 0;
            }
        }

        // The sweeps do move the contributions (a feature the trees never split on would pass trivially).
        Assert.True(moved > x.RowCount / 5, $"{moved} sweeps moved a contribution.");
    }

    /// <summary>The credit scenario's monotone GBDT fitted on <paramref name="train"/> with these options.</summary>
    private static ModelPipeline FitMonotoneGbdt(CandidateData train, int trees, int leaves, double rate, int minLeaf, double features, double rows)
    {
        var candidate = CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[1];
        var parameters = new ParameterSet(new Dictionary<string, ParameterValue>
        {
            ["NumberOfTrees"] = ParameterValue.FromNumber(trees),
            ["NumberOfLeaves"] = ParameterValue.FromNumber(leaves),
            ["LearningRate"] = ParameterValue.FromNumber(rate),
            ["MinimumExampleCountPerLeaf"] = ParameterValue.FromNumber(minLeaf),
            ["FeatureSubsampleFraction"] = ParameterValue.FromNumber(features),
            ["RowSubsampleFraction"] = ParameterValue.FromNumber(rows),
            ["L2Regularization"] = ParameterValue.FromNumber(1e-3),
        });
        return ScenarioTestData.FitPipeline(candidate, train, parameters);
    }
}
