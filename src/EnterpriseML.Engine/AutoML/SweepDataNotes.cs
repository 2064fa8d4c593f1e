using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// What a user should know about a sweep's training data before its budget is spent: columns whose type the reader
/// doubts (numbers with a few stray values, read as categorical), columns that look like row identifiers (numbers or text),
/// label classes that differ only in letter case, and multiclass classes too rare to be in every validation fold. <c>eml automl</c> prints them on stderr and the service's sweep job computes the same, and both put
/// them in the report's notes (<see cref="SweepReport.Build"/>), so report.json and report.html keep them.
/// </summary>
public static class SweepDataNotes
{
    /// <summary>
    /// One sentence per feature column of <paramref name="table"/> (every column but <paramref name="label"/>) whose
    /// inferred type the reader doubts (<see cref="DataColumn.TypeNote"/>: nearly all numbers, a few values not, so
    /// read as categorical), naming the file, the line of the first stray value and the value, ending with
    /// <paramref name="howToLeaveOut"/>. A file read with its columns' types given (a test file typed like the training
    /// file) has none: a stray value in a numeric column is then an error naming its line.
    /// </summary>
    public static IReadOnlyList<string> ColumnTypes(DataTable table, string label, string howToLeaveOut)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrEmpty(howToLeaveOut);
        return [.. table.Columns
            .Where(c => c.TypeNote is not null && c.Name != label)
            .Select(c => $"{c.TypeNote}; fix those values in the file, or {howToLeaveOut}.")];
    }

    /// <summary>
    /// One sentence per feature column of <paramref name="table"/> (every column but <paramref name="label"/>) that looks
    /// like a row identifier (<see cref="IdentifierColumns"/>), ending with <paramref name="howToLeaveOut"/>, the way
    /// the caller leaves a column out (<c>--ignore the column</c>).
    /// </summary>
    public static IReadOnlyList<string> Identifiers(DataTable table, string label, string howToLeaveOut)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrEmpty(howToLeaveOut);
        return [.. table.Columns
            .Where(c => c.Name != label)
            .Select(IdentifierColumns.Note)
            .OfType<string>()
            .Select(note => $"{note}; {howToLeaveOut} if it is an identifier.")];
    }

    /// <summary>
    /// The notes about the encoded training rows the sweep validates on: classes that differ only in letter case
    /// (<see cref="LabelEncoding.CaseVariantClassesNote"/>) and <see cref="RareClassesNote"/>.
    /// </summary>
    public static IReadOnlyList<string> Training(CandidateData train, ValidationPolicy validation, int seed) =>
        [.. new[] { LabelEncoding.CaseVariantClassesNote(train), RareClassesNote(train, validation, seed) }.OfType<string>()];

    /// <summary>
    /// A sentence for the user when a class of a multiclass <paramref name="train"/> has no row in the validation rows of
    /// some fold of the sweep's split (the split <see cref="SweepRunner"/> builds from <paramref name="validation"/> and
    /// <paramref name="seed"/>): a class of 2 rows is in 2 of 5 CV folds, and may miss a holdout altogether, so the
    /// validation scores do not measure how the model finds it. Null when every fold holds every class, or for other tasks.
    /// </summary>
    public static string? RareClassesNote(CandidateData train, ValidationPolicy validation, int seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        if (train.Task != TaskKind.Multiclass || train.RowCount < ValidationSplit.MinimumRows)
        {
            // Too few rows is the sweep's own error, which names the count.
            return null;
        }

        var split = ValidationSplit.Create(train, validation, seed);
        var classes = train.ClassNames.Count;
        var rows = new int[classes];
        foreach (var label in train.Labels)
        {
            rows[(int)label]++;
        }

        var foldsWithout = new int[classes];
        foreach (var fold in split.ValidationRows)
        {
            var held = new bool[classes];
            foreach (var row in fold)
            {
                held[(int)train.Labels[row]] = true;
            }

            for (var k = 0; k < classes; k++)
            {
                foldsWithout[k] += held[k] ? 0 : 1;
            }
        }

        var missing = Enumerable.Range(0, classes).Where(k => foldsWithout[k] > 0 && rows[k] > 0).ToArray();
        if (missing.Length == 0)
        {
            return null;
        }

        var folds = split.FoldCount;
        var which = string.Join(", ", missing.Take(10).Select(k => string.Create(CultureInfo.InvariantCulture,
            $"'{train.ClassNames[k]}' ({rows[k]:N0} row{(rows[k] == 1 ? "" : "s")}{(folds == 1 ? "" : $", missing from {foldsWithout[k]} of the {folds} folds")})")))
            + (missing.Length > 10 ? ", …" : "");
        var one = missing.Length == 1;
        var where = folds == 1 ? "The validation rows" : "Some folds' validation rows";
        return $"{where} ({split.Description}) hold no row of class{(one ? "" : "es")} {which}, so the validation scores do not measure how the model finds {(one ? "it" : "them")} there; add rows of {(one ? "that class" : "those classes")} to measure {(one ? "it" : "them")}.";
    }
}
