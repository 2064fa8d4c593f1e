using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// What a user should know about a sweep's training data before its budget is spent: columns whose type the reader
/// doubts (numbers with a few stray values, read as categorical), columns that look like row identifiers (numbers or
/// text), columns empty in every row, a fraud sweep's numeric columns that look like a time it was not told about, label classes that differ only
/// in letter case, and multiclass classes too rare to be in every validation fold. <c>eml automl</c> prints them on stderr and the service's sweep job computes the same, and both put
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
    /// The feature columns of <paramref name="table"/> (every column but <paramref name="label"/>) with no value in any
    /// row, which no model can learn from (the featurizers leave them out), as one sentence; when every feature column
    /// is empty, a sentence saying the models can only predict the label's prior. Empty when some column has values and
    /// none is empty.
    /// </summary>
    public static IReadOnlyList<string> EmptyColumns(DataTable table, string label)
    {
        ArgumentNullException.ThrowIfNull(table);
        var features = table.Columns.Where(c => c.Name != label).ToList();
        var empty = features.Where(c => !Enumerable.Range(0, c.Length).Any(row => !c.IsMissing(row))).Select(c => $"'{c.Name}'").ToList();
        if (empty.Count == 0)
        {
            return [];
        }

        var names = string.Join(", ", empty);
        if (empty.Count == features.Count)
        {
            return [$"every feature column ({names}) is empty in every training row, so there is nothing to learn from: every model predicts the label's prior (an AUC of 0.5, or the mean value for regression); check the file's columns."];
        }

        return [empty.Count == 1
            ? $"column {names} is empty in every training row, so no model uses it."
            : $"columns {names} are empty in every training row, so no model uses them."];
    }

    /// <summary>
    /// The word parts of a column name that mark a time (compared in lower case): <c>time</c>, <c>times</c>,
    /// <c>timestamp</c>, <c>date</c>, <c>datetime</c>, <c>step</c>, <c>dt</c>, <c>ts</c>, <c>epoch</c>. A name is cut
    /// into parts at non-letters-or-digits, at a lower-case letter followed by a capital, at the last capital of a run
    /// followed by a lower-case letter, and between letters and digits: <c>TransactionDT</c> is Transaction + DT,
    /// <c>event_ts</c> event + ts, while <c>dtype</c> and <c>lifetime</c> are one part each. Day, hour and month are
    /// not in the list: they are usually parts of a time (cyclic features), not an order.
    /// </summary>
    public static IReadOnlySet<string> TimeWords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "time", "times", "timestamp", "date", "datetime", "step", "dt", "ts", "epoch",
    };

    /// <summary>The fewest distinct values a column that never decreases in file order needs to look like a time (50).</summary>
    public const int MinimumOrderedDistinct = 50;

    /// <summary>
    /// For the fraud scenario when its plan validates without a time column (none was given, and none is a date-time
    /// column or named as the scenario's detection expects): one sentence per numeric feature column of
    /// <paramref name="table"/> that looks like a time, because a word part of its name is one of <see cref="TimeWords"/>
    /// (and it holds at least <see cref="MinimumOrderedDistinct"/> distinct values: a few cannot order the rows in time,
    /// and <c>login_times</c> is a count), or because its values never decrease in file order over all rows, none
    /// missing, with at least <see cref="MinimumOrderedDistinct"/> distinct values. Each names the column, why, and ends with
    /// <paramref name="howToUse"/> of the column's name (<c>pass --timestamp step</c>). The split is never changed on
    /// such a guess, which would change results silently; empty for other scenarios or when the plan has a time column.
    /// </summary>
    public static IReadOnlyList<string> TimeColumns(DataTable table, string label, string scenario, ScenarioPlan plan, Func<string, string> howToUse)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(howToUse);
        if (!string.Equals(scenario, "fraud", StringComparison.OrdinalIgnoreCase) || plan.Validation.TimeColumn is not null || plan.Columns.TimestampColumn is not null)
        {
            return [];
        }

        var notes = new List<string>();
        foreach (var column in table.Columns)
        {
            if (column.Name == label || column is not NumericColumn { Type: ColumnType.Numeric } numeric)
            {
                continue;
            }

            // A few values cannot order the rows in time, whatever the name says: login_times (a count, 0 to 5) is none.
            var word = HasDistinct(numeric.Values, MinimumOrderedDistinct)
                ? NameParts(column.Name).FirstOrDefault(p => TimeWords.Contains(p.ToLowerInvariant()))
                : null;
            var reasons = new List<string>();
            if (word is not null)
            {
                reasons.Add($"its name has the word '{word}'");
            }

            if (OrderedDistinct(numeric.Values) is { } distinct)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"its values never decrease in file order over all {numeric.Length:N0} rows, with {distinct:N0} distinct values"));
            }

            if (reasons.Count > 0)
            {
                notes.Add($"column '{column.Name}' looks like a time ({string.Join(", and ", reasons)}), but the fraud scenario found no time column "
                    + "(it takes a date-time column, or a numeric one named time, timestamp, datetime, event_time, unix_time or ending in _at), "
                    + $"so it validates on rows drawn at random, not on the latest rows; if '{column.Name}' orders the rows in time, {howToUse(column.Name)} to validate on the latest rows.");
            }
        }

        return notes;
    }

    /// <summary>The word parts of a column name, as <see cref="TimeWords"/> describes.</summary>
    internal static IEnumerable<string> NameParts(string name)
    {
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var c = i < name.Length ? name[i] : ' ';
            if (!char.IsLetterOrDigit(c))
            {
                if (start >= 0)
                {
                    yield return name[start..i];
                }

                start = -1;
                continue;
            }

            if (start >= 0 && i > start)
            {
                var previous = name[i - 1];
                var cut = (char.IsLower(previous) && char.IsUpper(c))
                    || (char.IsUpper(previous) && char.IsUpper(c) && i + 1 < name.Length && char.IsLower(name[i + 1]))
                    || (char.IsLetter(previous) != char.IsLetter(c));
                if (cut)
                {
                    yield return name[start..i];
                    start = i;
                }
            }

            start = start < 0 ? i : start;
        }
    }

    /// <summary>Whether <paramref name="values"/> hold at least <paramref name="count"/> distinct values, missing ones aside.</summary>
    private static bool HasDistinct(ReadOnlySpan<float> values, int count)
    {
        var seen = new HashSet<float>();
        foreach (var value in values)
        {
            if (!float.IsNaN(value) && seen.Add(value) && seen.Count >= count)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The number of distinct values when <paramref name="values"/> never decrease, none is missing, and there are at least <see cref="MinimumOrderedDistinct"/>; else null.</summary>
    private static int? OrderedDistinct(ReadOnlySpan<float> values)
    {
        if (values.Length < MinimumOrderedDistinct || float.IsNaN(values[0]))
        {
            return null;
        }

        var distinct = 1;
        for (var i = 1; i < values.Length; i++)
        {
            // NaN fails both comparisons, so a missing value ends it too.
            if (!(values[i] >= values[i - 1]))
            {
                return null;
            }

            distinct += values[i] > values[i - 1] ? 1 : 0;
        }

        return distinct >= MinimumOrderedDistinct ? distinct : null;
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
