using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>The data notes eml automl and the sweep job share: a multiclass class some validation folds lack.</summary>
public sealed class SweepDataNotesTests
{
    /// <summary>The first <paramref name="rows"/> diamonds, with the cut of the given rows renamed <c>Flawless</c>.</summary>
    private static CandidateData Cuts(int rows, params int[] flawless)
    {
        var head = CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv")).SelectRows([.. Enumerable.Range(0, rows)]);
        var cuts = ((StringColumn)head["cut"]).Values.ToArray();
        foreach (var row in flawless)
        {
            cuts[row] = "Flawless";
        }

        var sample = new DataTable([.. head.Columns.Where(c => c.Name is "carat" or "depth" or "table"), new StringColumn("cut", cuts)]);
        return LabelEncoding.Encode(sample, "cut", TaskKind.Multiclass);
    }

    /// <summary>Diamonds' first 200 rows with the columns named here emptied in every row.</summary>
    private static DataTable Emptied(params string[] columns)
    {
        var head = CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv")).SelectRows([.. Enumerable.Range(0, 200)]);
        return new DataTable([.. head.Columns.Select(c => columns.Contains(c.Name) ? new StringColumn(c.Name, new string?[c.Length]) : c)]);
    }

    [Fact]
    public void EmptyColumns_NoneOneTwoOrEveryFeature_SaysWhichAndWhatFollows()
    {
        Assert.Empty(SweepDataNotes.EmptyColumns(Emptied(), "price"));
        Assert.Equal(["column 'depth' is empty in every training row, so no model uses it."], SweepDataNotes.EmptyColumns(Emptied("depth"), "price"));
        Assert.Equal(["columns 'depth', 'table' are empty in every training row, so no model uses them."], SweepDataNotes.EmptyColumns(Emptied("depth", "table"), "price"));

        // The label is not a feature: an empty label column is the label checks' business, not this note's.
        Assert.Empty(SweepDataNotes.EmptyColumns(Emptied("price"), "price"));

        var features = new[] { "carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z" };
        Assert.Equal(["every feature column ('carat', 'cut', 'color', 'clarity', 'depth', 'table', 'x', 'y', 'z') is empty in every training row, so there is " +
            "nothing to learn from: every model predicts the label's prior (an AUC of 0.5, or the mean value for regression); check the file's columns."],
            SweepDataNotes.EmptyColumns(Emptied(features), "price"));
    }

    [Fact]
    public void RareClassesNote_ClassOfTwoRowsUnderFiveFoldCv_NamesTheFoldsWithoutIt()
    {
        Assert.Equal("Some folds' validation rows (5-fold stratified CV) hold no row of class 'Flawless' (2 rows, missing from 3 of the 5 folds), " +
            "so the validation scores do not measure how the model finds it there; add rows of that class to measure it.",
            SweepDataNotes.RareClassesNote(Cuts(600, 10, 20), ValidationPolicy.Auto, seed: 0));
    }

    /// <summary>
    /// Under a holdout the note agrees with the split the sweep builds: said exactly when its rows lack the class. The
    /// strata are dealt to the folds in class order, so which folds a rare class lands in follows the rows of the
    /// classes before it: 30 'Fair' rows put both 'Flawless' rows' folds at 0 and 1 (the holdout is fold 0); 28 put them
    /// at 3 and 4.
    /// </summary>
    [Theory]
    [InlineData(new[] { 10, 20 }, true)]
    [InlineData(new[] { 8, 91 }, false)]
    public void RareClassesNote_Holdout_IsSaidExactlyWhenTheHoldoutLacksTheClass(int[] flawlessRows, bool held)
    {
        var data = Cuts(600, flawlessRows);
        var holdout = new ValidationPolicy(ValidationKind.Holdout);
        var flawless = data.ClassNames.ToList().IndexOf("Flawless");
        for (var seed = 0; seed < 3; seed++)
        {
            Assert.Equal(held, ValidationSplit.Create(data, holdout, seed).ValidationRows[0].Any(r => (int)data.Labels[r] == flawless));
            var note = SweepDataNotes.RareClassesNote(data, holdout, seed);
            if (held)
            {
                Assert.Null(note);
            }
            else
            {
                Assert.Equal("The validation rows (stratified holdout 20 %) hold no row of class 'Flawless' (2 rows), so the validation scores do not " +
                    "measure how the model finds it there; add rows of that class to measure it.", note);
            }
        }
    }

    [Fact]
    public void RareClassesNote_EveryClassInEveryFold_OrNotMulticlass_IsNull()
    {
        Assert.Null(SweepDataNotes.RareClassesNote(Cuts(600, 10, 20, 30, 40, 50), ValidationPolicy.Auto, seed: 0));
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        Assert.Null(SweepDataNotes.RareClassesNote(LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad"), ValidationPolicy.Auto, seed: 0));
    }

    /// <summary>
    /// fraud-sensor with two columns added: <c>TransactionDT</c> (each mote's reading number, which restarts per mote, so
    /// only its name looks like a time) and <c>arrival</c> (1000 + row / 3, never decreasing, 6,305 distinct values, so
    /// only its order does). <c>reading</c>, <c>humidity</c> and the rest look like neither.
    /// </summary>
    internal static DataTable SensorWithTimeLikeColumns()
    {
        var sensor = CsvTable.Read(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var reading = ((NumericColumn)sensor["reading"]).Values.ToArray();
        var arrival = Enumerable.Range(0, sensor.RowCount).Select(i => 1000f + (i / 3)).ToArray();
        return new DataTable([new NumericColumn("TransactionDT", reading), new NumericColumn("arrival", arrival), .. sensor.Columns]);
    }

    private static IReadOnlyList<string> TimeNotes(DataTable table, string scenario, string? timestamp = null)
    {
        var plan = ScenarioCatalog.Get(scenario).Plan(new ScenarioContext(table, "label", TaskKind.Binary) { TimestampColumn = timestamp });
        return SweepDataNotes.TimeColumns(table, "label", scenario, plan, c => $"pass --timestamp {c}");
    }

    [Fact]
    public void TimeColumns_FraudWithoutATimeColumn_NamesEachTimeLikeColumnWhyAndTheOption()
    {
        var notes = TimeNotes(SensorWithTimeLikeColumns(), "fraud");

        const string Rest = "but the fraud scenario found no time column (it takes a date-time column, or a numeric one named time, timestamp, datetime, event_time, unix_time or ending in _at), " +
            "so it validates on rows drawn at random, not on the latest rows; ";
        Assert.Equal(
        [
            "column 'TransactionDT' looks like a time (its name has the word 'DT'), " + Rest + "if 'TransactionDT' orders the rows in time, pass --timestamp TransactionDT to validate on the latest rows.",
            "column 'arrival' looks like a time (its values never decrease in file order over all 18,914 rows, with 6,305 distinct values), " + Rest + "if 'arrival' orders the rows in time, pass --timestamp arrival to validate on the latest rows.",
        ], notes);
    }

    [Fact]
    public void TimeColumns_TimestampGivenOrOtherScenario_NoNote()
    {
        var table = SensorWithTimeLikeColumns();

        Assert.Empty(TimeNotes(table, "fraud", timestamp: "arrival"));
        Assert.Empty(TimeNotes(table, "credit"));
        Assert.Empty(TimeNotes(table, "auto"));
        // A column named as the scenario detects a time is used, so there is nothing to say.
        var named = new DataTable([.. table.Columns.Select(c => c.Name == "arrival" ? new NumericColumn("event_time", ((NumericColumn)c).Values.ToArray()) : c)]);
        Assert.Empty(TimeNotes(named, "fraud"));
    }

    [Theory]
    [InlineData("TransactionDT", "Transaction|DT")]
    [InlineData("event_ts", "event|ts")]
    [InlineData("step", "step")]
    [InlineData("dtype", "dtype")]
    [InlineData("lifetime", "lifetime")]
    [InlineData("HTTPServerTime2", "HTTP|Server|Time|2")]
    [InlineData("order date (UTC)", "order|date|UTC")]
    public void NameParts_CutAtCaseDigitsAndSeparators(string name, string parts) =>
        Assert.Equal(parts, string.Join('|', SweepDataNotes.NameParts(name)));

    /// <summary>
    /// A name with a time word is not enough for a column of a few values, which cannot order the rows in time: a count
    /// such as <c>login_times</c> (0 to 5) or a <c>step</c> of 49 values gets no note; a <c>step</c> of 50 values does.
    /// </summary>
    [Fact]
    public void TimeColumns_TimeWordButFewValues_NoNote()
    {
        const int Rows = 600;
        var random = new Random(5);
        var label = Enumerable.Range(0, Rows).Select(i => i % 9 == 0 ? "yes" : "no").ToArray();
        var counts = Enumerable.Range(0, Rows).Select(_ => (float)random.Next(6)).ToArray();
        var few = Enumerable.Range(0, Rows).Select(_ => (float)random.Next(49)).ToArray();
        var enough = Enumerable.Range(0, Rows).Select(i => (float)((i * 7) % 50)).ToArray();
        var table = new DataTable([new NumericColumn("login_times", counts), new NumericColumn("step", few), new NumericColumn("hour_step", enough), new StringColumn("label", label)]);

        var note = Assert.Single(TimeNotes(table, "fraud"));
        Assert.StartsWith("column 'hour_step' looks like a time (its name has the word 'step'), ", note, StringComparison.Ordinal);
    }

    /// <summary>An ordered column with 49 distinct values is too coarse to call a time; a missing value breaks the order.</summary>
    [Fact]
    public void TimeColumns_OrderedButFewValuesOrAMissingOne_NoNote()
    {
        var rows = 490;
        var label = Enumerable.Range(0, rows).Select(i => i % 7 == 0 ? "yes" : "no").ToArray();
        var coarse = Enumerable.Range(0, rows).Select(i => (float)(i / 10)).ToArray();
        var gap = Enumerable.Range(0, rows).Select(i => i == 100 ? float.NaN : i).ToArray();
        var table = new DataTable([new NumericColumn("coarse", coarse), new NumericColumn("gap", gap), new StringColumn("label", label)]);

        Assert.Empty(TimeNotes(table, "fraud"));
    }
}
