using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// Infers the task from a label column and encodes labels for candidates: binary 0/1 (1 = positive class),
/// multiclass indices in sorted class-name order, regression values. Rows with a missing label are dropped.
/// </summary>
public static class LabelEncoding
{
    /// <summary>
    /// Two distinct values → binary; a categorical or text label with more → multiclass; a numeric label with more
    /// → regression, unless it reads as class codes (<see cref="IsClassCodes"/>: whole numbers, at most
    /// <see cref="MaximumClassCodes"/> of them, each with <see cref="MinimumRowsPerClassCode"/> rows on average), which
    /// → multiclass.
    /// </summary>
    public static TaskKind InferTask(DataColumn label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var task = CountDistinct(label, stopAbove: 2) switch
        {
            < 2 => throw new ArgumentException(SingleValueLabel(label), nameof(label)),
            2 => TaskKind.Binary,
            _ => label is NumericColumn numeric && !IsClassCodes(numeric) ? TaskKind.Regression : TaskKind.Multiclass,
        };
        if (task == TaskKind.Multiclass)
        {
            CheckClassLabel(label);
        }

        return task;
    }

    /// <summary>
    /// The task <see cref="InferTask(DataColumn)"/> would infer for <paramref name="label"/>, read from a dataset profile
    /// (so the HTTP API can check a request before the rows are read): two values → binary, text or categories →
    /// multiclass, numbers → regression when they cannot be class codes (more than <see cref="MaximumClassCodes"/>
    /// values, fewer than <see cref="MinimumRowsPerClassCode"/> rows per value, or a fractional bound). Null when the
    /// profile cannot tell (a few whole numbers may be class codes or a quantity; fewer than two values).
    /// </summary>
    public static TaskKind? InferTaskFromProfile(ColumnProfile label, long rowCount)
    {
        ArgumentNullException.ThrowIfNull(label);
        var rows = rowCount - label.MissingCount;
        return label switch
        {
            { DistinctCount: 2 } => TaskKind.Binary,
            { DistinctCount: < 2 } => null,
            { Type: ColumnType.Categorical or ColumnType.Text } => TaskKind.Multiclass,
            { Type: not ColumnType.Numeric } => null,
            _ when label.DistinctCount > MaximumClassCodes || rows < label.DistinctCount * MinimumRowsPerClassCode
                || label.Min is { } min && min != Math.Round(min) || label.Max is { } max && max != Math.Round(max) => TaskKind.Regression,
            _ => null,
        };
    }

    /// <summary>
    /// The task a caller names instead of the inference: <c>binary</c>, <c>multiclass</c> or <c>regression</c> (any
    /// case); null for null. Another name is an <see cref="ArgumentException"/> naming <paramref name="field"/> (the
    /// option or JSON field the caller knows).
    /// </summary>
    public static TaskKind? ParseTask(string? name, string field) =>
        name is null ? null : TryParseTask(name, out var task) ? task : throw new ArgumentException($"{field} {name}: {UnknownTask(name)}");

    /// <summary>As <see cref="ParseTask"/>, false for a name that is not a task.</summary>
    public static bool TryParseTask(string name, out TaskKind task)
    {
        ArgumentNullException.ThrowIfNull(name);
        (var known, task) = name.ToLowerInvariant() switch
        {
            "binary" => (true, TaskKind.Binary),
            "multiclass" => (true, TaskKind.Multiclass),
            "regression" => (true, TaskKind.Regression),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>
    /// Why label <paramref name="label"/> (of <paramref name="type"/>, with <paramref name="distinct"/> values) cannot
    /// be learned as <paramref name="task"/>, a task the caller named; null when it can. The same words for the
    /// command line (from the table) and the HTTP API (from the dataset profile).
    /// </summary>
    public static string? TaskMismatch(TaskKind task, string label, ColumnType type, long distinct) => task switch
    {
        TaskKind.Regression when type != ColumnType.Numeric =>
            $"'regression' needs a numeric label; '{label}' was read as {type.ToString().ToLowerInvariant()}.",
        TaskKind.Binary when distinct != 2 => $"'binary' needs a label with two values; '{label}' has {distinct}.",
        TaskKind.Multiclass when distinct > MaximumClasses =>
            $"'multiclass' allows at most {MaximumClasses} classes; '{label}' has {distinct} values.",
        _ => null,
    };

    /// <summary>
    /// The error for a label with fewer than two values, saying what it holds: the one value and its row count, or that
    /// every row is empty. A sweep or a trainer has nothing to tell apart.
    /// </summary>
    private static string SingleValueLabel(DataColumn label)
    {
        string? value = null;
        var rows = 0;
        for (var i = 0; i < label.Length; i++)
        {
            if (ValueAt(label, i) is { } v)
            {
                value ??= v;
                rows++;
            }
        }

        return value is null
            ? $"Label '{label.Name}' has no value: all {label.Length} rows are empty; a label needs at least two distinct values."
            : $"Label '{label.Name}' has one value only, '{value}' in all {rows} rows with a label; a label needs at least two distinct values (classes to tell apart, or a quantity that varies).";
    }

    /// <summary>The distinct non-missing values of <paramref name="label"/>, as <see cref="InferTask"/> and the encoding see them.</summary>
    public static int DistinctValues(DataColumn label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return CountDistinct(label, int.MaxValue);
    }

    /// <summary>The distinct non-missing values of <paramref name="label"/>, counting no further than one past <paramref name="stopAbove"/>.</summary>
    private static int CountDistinct(DataColumn label, int stopAbove)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < label.Length && distinct.Count <= stopAbove; i++)
        {
            if (ValueAt(label, i) is { } v)
            {
                distinct.Add(v);
            }
        }

        return distinct.Count;
    }

    /// <summary>What a task name must be, for the error about <paramref name="name"/>.</summary>
    public static string UnknownTask(string name) =>
        $"expected binary, multiclass or regression{(string.Equals(name, "recommendation", StringComparison.OrdinalIgnoreCase) ? " (for recommendations: the recommendation scenario)" : "")}.";

    /// <summary>The most distinct whole numbers a numeric label may hold and still read as class codes.</summary>
    public const int MaximumClassCodes = 20;

    /// <summary>The rows per distinct value, on average, below which whole numbers read as a quantity, not class codes.</summary>
    public const int MinimumRowsPerClassCode = 20;

    /// <summary>
    /// True when a numeric label holds class codes rather than a quantity: whole numbers only, at most
    /// <see cref="MaximumClassCodes"/> distinct values, and on average at least <see cref="MinimumRowsPerClassCode"/>
    /// rows per value. Digits 0–9, wine cultivars 0–2 and forest cover types 1–7 are classes; a price, a count with
    /// hundreds of values, a measurement with decimals, or a handful of rows spread over many values are quantities.
    /// A 1–5 rating reads as classes; <c>--task regression</c> says otherwise.
    /// </summary>
    public static bool IsClassCodes(NumericColumn label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var distinct = new HashSet<float>();
        var rows = 0;
        for (var i = 0; i < label.Length; i++)
        {
            if (label.IsMissing(i))
            {
                continue;
            }

            var v = label.Values[i];
            if (v != MathF.Round(v) || (distinct.Add(v) && distinct.Count > MaximumClassCodes))
            {
                return false;
            }

            rows++;
        }

        return rows >= distinct.Count * MinimumRowsPerClassCode;
    }

    /// <summary>
    /// A text label with more than two values is a class label, unless it is a numeric label with a few stray
    /// entries (read as text because of them) or has so many values that it cannot be one: both would otherwise
    /// start a sweep whose every trial fits thousands of classes and times out.
    /// </summary>
    private static void CheckClassLabel(DataColumn label)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var notNumbers = new List<int>();
        var values = 0;
        for (var i = 0; i < label.Length; i++)
        {
            if (ValueAt(label, i) is not { } v)
            {
                continue;
            }

            values++;
            distinct.Add(v);
            // A number as the CSV reader reads one (a finite 32-bit float): "Infinity" or 1e39 is why the column is
            // text, so it is one of the values to name.
            if (!float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !float.IsFinite(number))
            {
                notNumbers.Add(i);
            }
        }

        // Mostly numbers with many values: a regression label with a few entries that are not numbers.
        if (notNumbers.Count > 0 && distinct.Count > MaximumClasses / 10 && notNumbers.Count * 20 <= values)
        {
            // The file's lines when the label was read from one (a quoted field with line breaks above a row moves it).
            var listed = string.Join(", ", notNumbers.Take(5).Select(r => $"{(label.LineOf(r) is { } line ? $"line {line}" : $"row {r + 1}")}: '{ValueAt(label, r)}'")) + (notNumbers.Count > 5 ? ", …" : "");
            var counted = label.SourceLines is null ? "; data rows counted from 1 after the header" : "";
            throw new ArgumentException(
                $"Label '{label.Name}' looks numeric, but {notNumbers.Count} of its {values} values are not numbers ({listed}{counted}), " +
                "so it was read as text. Correct them, or leave them empty to leave those rows out.");
        }

        if (TooManyClasses(label.Name, distinct.Count, values, distinct) is { } problem)
        {
            throw new ArgumentException(problem);
        }
    }

    /// <summary>The most classes a multiclass label may have.</summary>
    public const int MaximumClasses = 1000;

    /// <summary>
    /// What rules <paramref name="label"/> out as a label from a dataset profile alone, as <see cref="InferTask"/> and
    /// the validation split would once the rows are read (so the HTTP API can refuse the experiment up front): too many
    /// text values for a class label, or a binary label with fewer than two rows of a class. Null when none.
    /// </summary>
    public static string? ProfileProblem(ColumnProfile label, long rowCount)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Note is { } note)
        {
            // Numbers with a few stray values: a numeric target with bad rows, not a class label (the reader's note
            // names the first stray value and its line).
            return $"Label '{label.Name}': {note}. A numeric target must hold numbers only: fix or remove those rows.";
        }
        if (label.Type is ColumnType.Categorical or ColumnType.Text
            && TooManyClasses(label.Name, label.DistinctCount, rowCount - label.MissingCount, (label.TopValues ?? []).Select(v => v.Value)) is { } problem)
        {
            return problem;
        }

        return label.DistinctCount == 2 && label.TopValues is { Count: 2 } two && two.MinBy(v => v.Count) is { Count: < 2 } rare
            ? TooFewOfAClass(label.Name, rare.Count, rare.Value, rowCount - label.MissingCount)
            : null;
    }

    /// <summary>
    /// The error for a text label with <paramref name="distinct"/> values in <paramref name="values"/> rows when that
    /// is too many for a class label (an identifier or free text); null when it is not.
    /// </summary>
    private static string? TooManyClasses(string name, long distinct, long values, IEnumerable<string> examples) =>
        distinct > MaximumClasses || (distinct > 50 && distinct * 2 > values)
            ? $"Label '{name}' has {distinct} distinct values in {values} rows ({string.Join(", ", examples.Take(5).Select(k => $"'{k}'"))}, …): too many for a class label " +
              $"(at most {MaximumClasses}, each with several rows). An identifier or free text cannot be the label; a numeric target must hold numbers only."
            : null;

    /// <summary>The error for a binary label with fewer than two rows of class <paramref name="className"/> (the validation split's and the API's).</summary>
    internal static string TooFewOfAClass(string name, long count, string className, long rows) =>
        $"Label '{name}' has {count} training row{(count == 1 ? "" : "s")} of class '{className}' among {rows}: validating a binary model needs at least 2 rows of each class (one in each of two folds).";


    /// <summary>
    /// Splits <paramref name="table"/> into feature columns (without the label) and encoded labels.
    /// </summary>
    /// <param name="table">The rows.</param>
    /// <param name="labelColumn">The label column's name.</param>
    /// <param name="task">The task to encode for.</param>
    /// <param name="positiveClass">Binary: the positive class; null = the larger number for a numeric or boolean (yes/no, true/false, read as 1/0) label, else the minority class (ties: the later name in ordinal order).</param>
    /// <param name="classNames">The class names of the training data, to encode test rows the same way; null on training data.</param>
    public static CandidateData Encode(DataTable table, string labelColumn, TaskKind task, string? positiveClass = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var label = table[labelColumn];
        var keep = new List<int>(table.RowCount);
        var missing = new List<int>();
        for (var i = 0; i < table.RowCount; i++)
        {
            (label.IsMissing(i) ? missing : keep).Add(i);
        }

        var rows = keep.ToArray();
        int[] dropped = [.. missing];
        long[] droppedLines = label.SourceLines is null ? [] : [.. missing.Select(r => label.LineOf(r)!.Value)];
        var features = table.WithoutColumns([labelColumn]);
        if (rows.Length != table.RowCount)
        {
            features = features.SelectRows(rows);
        }

        var labels = new float[rows.Length];
        if (task == TaskKind.Regression)
        {
            if (label is not NumericColumn numeric)
            {
                throw new ArgumentException($"Regression needs a numeric label; '{labelColumn}' is {label.Type}.", nameof(labelColumn));
            }

            for (var i = 0; i < rows.Length; i++)
            {
                labels[i] = numeric.Values[rows[i]];
            }

            return new CandidateData(features, labels, task, []) { LabelColumn = labelColumn, RowsWithoutLabel = dropped, LinesWithoutLabel = droppedLines, LabelSourceName = label.SourceLines?.SourceName };
        }

        classNames ??= ClassNamesOf(label, rows, task, positiveClass);
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < classNames.Count; c++)
        {
            codes[classNames[c]] = c;
        }

        // A boolean label is matched by its value, not its spelling: a test file's "yes" is the training file's "Yes".
        int[]? codeOfFlag = null;
        if (label is NumericColumn { Type: ColumnType.Boolean } && classNames.All(n => SchemaInference.TryParseBoolean(n, out _)))
        {
            codeOfFlag = [-1, -1];
            for (var c = 0; c < classNames.Count; c++)
            {
                if (SchemaInference.TryParseBoolean(classNames[c], out var flag))
                {
                    codeOfFlag[flag ? 1 : 0] = c;
                }
            }
        }

        for (var i = 0; i < rows.Length; i++)
        {
            if (codeOfFlag is not null && ((NumericColumn)label).Values[rows[i]] is var flagValue and (0f or 1f)
                && codeOfFlag[flagValue == 1f ? 1 : 0] is >= 0 and var byFlag)
            {
                labels[i] = byFlag;
                continue;
            }

            var value = ValueAt(label, rows[i])!;
            if (codes.TryGetValue(value, out var code))
            {
                labels[i] = code;
            }
            else
            {
                // Read from a file: its line first, as the reader's errors say where (the CLI puts the file name before it).
                throw new ArgumentException(
                    label.LineOf(rows[i]) is { } line
                        ? $"line {line}: label '{labelColumn}' holds '{value}', which is not one of the training classes ({string.Join(", ", classNames)})."
                        : $"Label '{labelColumn}' row {rows[i] + 1}: '{value}' is not one of the training classes ({string.Join(", ", classNames)}).",
                    nameof(table));
            }
        }

        return new CandidateData(features, labels, task, classNames) { LabelColumn = labelColumn, RowsWithoutLabel = dropped, LinesWithoutLabel = droppedLines, LabelSourceName = label.SourceLines?.SourceName };
    }

    /// <summary>
    /// A sentence for the user when <paramref name="data"/> left rows out for an empty label (null when none), e.g.
    /// "Left out 3 training rows with no 'class' value (rows 4, 51, 78)."
    /// </summary>
    public static string? RowsWithoutLabelNote(CandidateData data, string which)
    {
        ArgumentNullException.ThrowIfNull(data);
        var rows = data.RowsWithoutLabel;
        if (rows.Count == 0)
        {
            return null;
        }

        var plural = rows.Count == 1 ? "" : "s";
        if (data.LinesWithoutLabel.Count == rows.Count)
        {
            var lines = string.Join(", ", data.LinesWithoutLabel.Take(10).Select(l => l.ToString(CultureInfo.InvariantCulture))) + (rows.Count > 10 ? ", …" : "");
            return $"Left out {rows.Count} {which} row{plural} with no '{data.LabelColumn}' value ({data.LabelSourceName}, line{plural} {lines}).";
        }

        var listed = string.Join(", ", rows.Take(10).Select(r => (r + 1).ToString(CultureInfo.InvariantCulture))) + (rows.Count > 10 ? ", …" : "");
        return $"Left out {rows.Count} {which} row{(rows.Count == 1 ? "" : "s")} with no '{data.LabelColumn}' value (data row{(rows.Count == 1 ? "" : "s")} {listed}, counted from 1 after the header).";
    }

    /// <summary>
    /// A sentence for the user when classes of <paramref name="data"/> differ only in letter case (<c>Fair</c> and
    /// <c>FAIR</c>), null otherwise: a classifier learns them as different classes, which a file rarely means. Leading
    /// and trailing spaces are already gone (the reader trims fields), and yes/no and true/false labels are read as
    /// booleans whatever their case, so this is about other words.
    /// </summary>
    public static string? CaseVariantClassesNote(CandidateData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Task == TaskKind.Regression)
        {
            return null;
        }

        var counts = new int[data.ClassNames.Count];
        foreach (var label in data.Labels)
        {
            counts[(int)label]++;
        }

        var groups = Enumerable.Range(0, counts.Length)
            .GroupBy(k => data.ClassNames[k], StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .ToArray();
        if (groups.Length == 0)
        {
            return null;
        }

        var listed = string.Join("; ", groups.Take(5).Select(g => string.Join(" and ", g.Select(k =>
            string.Create(CultureInfo.InvariantCulture, $"'{data.ClassNames[k]}' ({counts[k]:N0} row{(counts[k] == 1 ? "" : "s")})")))));
        return $"Label '{data.LabelColumn}' has classes that differ only in letter case: {listed}{(groups.Length > 5 ? "; …" : "")}. " +
            $"They are learned as {data.ClassNames.Count} different classes; if they are one, spell them alike in the file.";
    }

    /// <summary>
    /// A sentence for the user when the rows of a binary <paramref name="data"/> hold one class only (null otherwise):
    /// the ranking metrics compare the two classes' scores, so AUC, AUPRC, KS and Gini are undefined on them.
    /// </summary>
    public static string? MissingClassNote(CandidateData data, string which)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Task != TaskKind.Binary || data.RowCount == 0)
        {
            return null;
        }

        var positives = 0;
        foreach (var label in data.Labels)
        {
            positives += label > 0.5f ? 1 : 0;
        }

        // Binary labels are 1 for ClassNames[1] (the positive class), 0 for ClassNames[0].
        var absent = positives == 0 ? 1 : positives == data.RowCount ? 0 : -1;
        return absent < 0
            ? null
            : $"The {which} rows hold no row of class '{data.ClassNames[absent]}', so auc, auprc, ks and gini on them are undefined (null in JSON, – in tables).";
    }

    private static string[] ClassNamesOf(DataColumn label, int[] rows, TaskKind task, string? positiveClass)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var value = ValueAt(label, row)!;
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }

        var names = counts.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        if (task == TaskKind.Multiclass)
        {
            // Class codes in numeric order (2 before 10), names in ordinal order.
            return label is NumericColumn { Type: ColumnType.Numeric } ? [.. names.OrderBy(n => double.Parse(n, CultureInfo.InvariantCulture))] : names;
        }

        if (names.Length != 2)
        {
            throw new ArgumentException($"A binary label needs exactly two classes; '{label.Name}' has {names.Length}: {string.Join(", ", names.Take(10))}.", nameof(label));
        }

        string positive;
        if (positiveClass is not null && label.Type == ColumnType.Boolean && !counts.ContainsKey(positiveClass))
        {
            // Boolean labels are stored as 0/1 and named as the file spelled them: accept any word for either value.
            positiveClass = positiveClass.Trim().ToLowerInvariant() switch
            {
                "1" or "true" or "yes" or "y" or "t" => BooleanName(label, true),
                "0" or "false" or "no" or "n" or "f" => BooleanName(label, false),
                _ => positiveClass,
            };
        }

        if (positiveClass is not null)
        {
            if (!counts.ContainsKey(positiveClass))
            {
                // Classes are matched as the file spells them: a name that differs only in letter case is said.
                var spelled = Array.Find(names, n => string.Equals(n, positiveClass.Trim(), StringComparison.OrdinalIgnoreCase));
                throw new ArgumentException($"Positive class '{positiveClass}' does not occur in label '{label.Name}' (values: {names[0]}, {names[1]})" +
                    (spelled is null ? "." : $"; did you mean '{spelled}'? Classes are matched as the file spells them."), nameof(positiveClass));
            }

            positive = positiveClass;
        }
        else if (label.Type == ColumnType.Boolean)
        {
            // yes/no, true/false: the true value is positive (the event: churned, fraud, default), as 1 of 0/1.
            positive = BooleanName(label, true);
        }
        else if (label is NumericColumn)
        {
            // Numeric 0/1 (or any two numbers): the larger is positive.
            positive = double.Parse(names[0], CultureInfo.InvariantCulture) > double.Parse(names[1], CultureInfo.InvariantCulture) ? names[0] : names[1];
        }
        else
        {
            positive = counts[names[0]] < counts[names[1]] ? names[0] : names[1];
        }

        return positive == names[0] ? [names[1], names[0]] : [names[0], names[1]];
    }

    /// <summary>The class name of a boolean label's true (1) or false (0) value: the file's spelling, else 1 or 0.</summary>
    private static string BooleanName(DataColumn label, bool value) => label is NumericColumn n
        ? (value ? n.BooleanNames.True : n.BooleanNames.False) ?? (value ? "1" : "0")
        : value ? "1" : "0";

    private static string? ValueAt(DataColumn column, int row) => column switch
    {
        _ when column.IsMissing(row) => null,
        NumericColumn { Type: ColumnType.Boolean } b when b.Values[row] is 0f or 1f => BooleanName(b, b.Values[row] == 1f),
        NumericColumn n => n.Values[row].ToString("R", CultureInfo.InvariantCulture),
        StringColumn s => s.Values[row],
        DateTimeColumn d => d.Ticks[row].ToString(CultureInfo.InvariantCulture),
        _ => null,
    };
}
