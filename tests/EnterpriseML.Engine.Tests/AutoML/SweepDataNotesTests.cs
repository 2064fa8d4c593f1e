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
}
