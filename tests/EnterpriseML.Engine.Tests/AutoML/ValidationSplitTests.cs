using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class ValidationSplitTests
{
    [Fact]
    public void Create_SmallData_StratifiedFoldsCoverEveryRowOnce()
    {
        var data = TestData.CreditGerman;
        var split = ValidationSplit.Create(data, ValidationPolicy.Auto, seed: 4);
        Assert.Equal(5, split.FoldCount);
        Assert.Equal(Enumerable.Range(0, data.RowCount), split.ValidationOrder.Order());
        for (var f = 0; f < split.FoldCount; f++)
        {
            Assert.Empty(split.TrainRows[f].Intersect(split.ValidationRows[f]));
            var bad = split.ValidationRows[f].Count(r => data.Labels[r] == 1) / (double)split.ValidationRows[f].Length;
            Assert.InRange(bad, 0.28, 0.32);
        }
    }

    [Theory]
    [InlineData(3000)] // small data: CV
    [InlineData(100)] // large data: a 20 % holdout would miss the rare class, so CV instead
    public void Create_RareClass_AtMostOneFoldPerRareRow_EachValidationFoldHasOne(int crossValidationMaxRows)
    {
        // German credit with only three 'bad' rows.
        var all = TestData.CreditGerman;
        var bad = Enumerable.Range(0, all.RowCount).Where(r => all.Labels[r] == 1).Take(3);
        var data = all.SelectRows(Enumerable.Range(0, all.RowCount).Where(r => all.Labels[r] == 0).Concat(bad).Order().ToArray());
        var split = ValidationSplit.Create(data, ValidationPolicy.Auto with { CrossValidationMaxRows = crossValidationMaxRows }, seed: 2);
        Assert.Equal(3, split.FoldCount);
        Assert.StartsWith("3-fold stratified CV", split.Description);
        Assert.All(split.ValidationRows, rows => Assert.Single(rows, r => data.Labels[r] == 1));
    }

    [Fact]
    public void Create_OneRowOfAClass_IsAnErrorNamingIt()
    {
        var all = TestData.CreditGerman;
        var rows = Enumerable.Range(0, all.RowCount).Where(r => all.Labels[r] == 0).Append(Array.FindIndex(all.Labels, l => l == 1)).Order().ToArray();
        var e = Assert.Throws<ArgumentException>(() => ValidationSplit.Create(all.SelectRows(rows), ValidationPolicy.Auto, seed: 2));
        Assert.Equal("Label 'class' has 1 training row of class 'bad' among 701: validating a binary model needs at least 2 rows of each class (one in each of two folds).", e.Message);
    }

    [Fact]
    public void Create_SameSeed_SameHash_OtherSeed_OtherHash()
    {
        var data = TestData.CreditGerman;
        var a = ValidationSplit.Create(data, ValidationPolicy.Auto, 4);
        var b = ValidationSplit.Create(data, ValidationPolicy.Auto, 4);
        var c = ValidationSplit.Create(data, ValidationPolicy.Auto, 5);
        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
    }

    [Fact]
    public void Create_LargeData_IsAStratifiedHoldout()
    {
        // 1,000 rows over the CV limit of 500, and 60 'bad' rows in a holdout are enough at a minimum of 50.
        var data = TestData.CreditGerman;
        var split = ValidationSplit.Create(data, ValidationPolicy.Auto with { CrossValidationMaxRows = 500, MinimumHoldoutRareRows = 50 }, 1);
        Assert.Equal(1, split.FoldCount);
        Assert.Equal(200, split.ValidationRows[0].Length);
        Assert.Equal(60, split.ValidationRows[0].Count(r => data.Labels[r] == 1));
    }

    [Theory]
    [InlineData(50_000, 5)] // a holdout would hold 60 'bad' rows, under the 200 a rare-class metric needs: CV
    [InlineData(999, 1)] // but not above the rows where CV's k fits a trial are allowed: a holdout
    public void Create_FewRareRowsForAHoldout_CrossValidatesUpToASize(int rareClassCrossValidationMaxRows, int folds)
    {
        var data = TestData.CreditGerman;
        var policy = ValidationPolicy.Auto with { CrossValidationMaxRows = 500, RareClassCrossValidationMaxRows = rareClassCrossValidationMaxRows };
        var split = ValidationSplit.Create(data, policy, 1);
        Assert.Equal(folds, split.FoldCount);
        Assert.Equal(folds == 5 ? 1000 : 200, split.ValidationOrder.Length);
    }

    [Fact]
    public void Create_TimeOrdered_ValidatesOnTheLatestRows()
    {
        var n = 100;
        var ticks = new long[n];
        var labels = new float[n];
        for (var i = 0; i < n; i++)
        {
            ticks[i] = new DateTime(2020, 1, 1).AddDays((i * 37) % n).Ticks;
            labels[i] = i % 4 == 0 ? 1 : 0;
        }

        var table = new DataTable([new DateTimeColumn("when", ticks), new NumericColumn("x", new float[n])]);
        var data = new CandidateData(table, labels, TaskKind.Binary, ["no", "yes"]);
        var split = ValidationSplit.Create(data, ValidationPolicy.TimeOrderedOr("when"), 0);
        var latestTrain = split.TrainRows[0].Max(r => ticks[r]);
        var earliestValid = split.ValidationRows[0].Min(r => ticks[r]);
        Assert.True(latestTrain < earliestValid);
        Assert.Equal(20, split.ValidationRows[0].Length);
    }

    [Fact]
    public void Create_TimeOrdered_RarePositivesEarly_WidensTheHoldoutUntilItHoldsItsShare()
    {
        // 1,000 days; 40 positives, 36 of them in the first 600 days: the latest 20 % holds only 2.
        var data = TimedData(1000, day => day < 600 ? day % 17 == 0 : day % 100 == 0);
        var split = ValidationSplit.Create(data, ValidationPolicy.TimeOrderedOr("when"), 0);
        var valid = split.ValidationRows[0];
        var positives = data.Labels.Count(l => l == 1);
        Assert.Equal(40, positives);

        // Widened back in time to the 8 positives (20 % of 40) it should hold, and still the latest rows.
        Assert.Equal(8, valid.Count(r => data.Labels[r] == 1));
        Assert.True(split.TrainRows[0].Max() < valid.Min());
        Assert.Equal(1000 - valid.Min(), valid.Length);
        Assert.Equal($"time-ordered holdout {valid.Length / 1000.0:P0} (latest by when; widened from 20 % to hold 8 of the 40 'yes' rows)", split.Description);
    }

    [Fact]
    public void Create_TimeOrdered_NoPositiveInTheLatestHalf_IsAnErrorNamingClassAndTime()
    {
        var data = TimedData(100, day => day < 30 && day % 5 == 0);
        var e = Assert.Throws<ArgumentException>(() => ValidationSplit.Create(data, ValidationPolicy.TimeOrderedOr("when"), 0));
        Assert.Equal("Label 'class': the latest 50 of 100 training rows by 'when' (from 2020-02-20 00:00:00 on) hold no row of class 'yes', so a time-ordered validation cannot score them. The sweep validates on the latest rows so that no model learns from the future; give rows of both classes from the latest period, or leave 'when' out (eml automl --ignore when, or the experiment's ignoreColumns) for a stratified split.", e.Message);
    }

    [Fact]
    public void Create_TimeOrdered_EveryPositiveInTheLatestRows_IsAnError()
    {
        var data = TimedData(100, day => day >= 90);
        var e = Assert.Throws<ArgumentException>(() => ValidationSplit.Create(data, ValidationPolicy.TimeOrderedOr("when"), 0));
        Assert.StartsWith("Label 'class': every row of class 'yes' is among the latest 20 of 100 training rows by 'when' (from 2020-03-21 00:00:00 on)", e.Message);
    }

    /// <summary>One row per day from 2020-01-01 (row index = day); <paramref name="positive"/> says which days are 'yes'.</summary>
    private static CandidateData TimedData(int days, Func<int, bool> positive)
    {
        var ticks = Enumerable.Range(0, days).Select(d => new DateTime(2020, 1, 1).AddDays(d).Ticks).ToArray();
        var labels = Enumerable.Range(0, days).Select(d => positive(d) ? 1f : 0f).ToArray();
        var table = new DataTable([new DateTimeColumn("when", ticks), new NumericColumn("x", new float[days])]);
        return new CandidateData(table, labels, TaskKind.Binary, ["no", "yes"]) { LabelColumn = "class" };
    }

    [Fact]
    public void StratifiedSubsample_KeepsClassRatesAndIsRandom()
    {
        var data = TestData.CreditGerman;
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var sample = ValidationSplit.StratifiedSubsample(data, rows, 200, seed: 3);
        Assert.Equal(200, sample.Length);
        Assert.Equal(60, sample.Count(r => data.Labels[r] == 1));
        Assert.NotEqual(Enumerable.Range(0, 200), sample);
        Assert.Equal(sample.Length, sample.Distinct().Count());
    }
}
