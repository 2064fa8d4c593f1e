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
    /// → regression.
    /// </summary>
    public static TaskKind InferTask(DataColumn label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < label.Length && distinct.Count <= 2; i++)
        {
            if (ValueAt(label, i) is { } v)
            {
                distinct.Add(v);
            }
        }

        return distinct.Count switch
        {
            < 2 => throw new ArgumentException($"Label '{label.Name}' has fewer than two distinct values.", nameof(label)),
            2 => TaskKind.Binary,
            _ => label is NumericColumn ? TaskKind.Regression : TaskKind.Multiclass,
        };
    }

    /// <summary>
    /// Splits <paramref name="table"/> into feature columns (without the label) and encoded labels.
    /// </summary>
    /// <param name="table">The rows.</param>
    /// <param name="labelColumn">The label column's name.</param>
    /// <param name="task">The task to encode for.</param>
    /// <param name="positiveClass">Binary: the positive class; null = the minority class (ties: the later name in ordinal order).</param>
    /// <param name="classNames">The class names of the training data, to encode test rows the same way; null on training data.</param>
    public static CandidateData Encode(DataTable table, string labelColumn, TaskKind task, string? positiveClass = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var label = table[labelColumn];
        var keep = new List<int>(table.RowCount);
        for (var i = 0; i < table.RowCount; i++)
        {
            if (!label.IsMissing(i))
            {
                keep.Add(i);
            }
        }

        var rows = keep.ToArray();
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

            return new CandidateData(features, labels, task, []) { LabelColumn = labelColumn };
        }

        classNames ??= ClassNamesOf(label, rows, task, positiveClass);
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < classNames.Count; c++)
        {
            codes[classNames[c]] = c;
        }

        for (var i = 0; i < rows.Length; i++)
        {
            var value = ValueAt(label, rows[i])!;
            if (codes.TryGetValue(value, out var code))
            {
                labels[i] = code;
            }
            else
            {
                throw new ArgumentException($"Label '{labelColumn}' row {rows[i] + 1}: '{value}' is not one of the training classes ({string.Join(", ", classNames)}).", nameof(table));
            }
        }

        return new CandidateData(features, labels, task, classNames) { LabelColumn = labelColumn };
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
            return names;
        }

        if (names.Length != 2)
        {
            throw new ArgumentException($"A binary label needs exactly two classes; '{label.Name}' has {names.Length}: {string.Join(", ", names.Take(10))}.", nameof(label));
        }

        string positive;
        if (positiveClass is not null && label.Type == ColumnType.Boolean)
        {
            // Boolean labels are stored as 0/1: accept the words the reader turned into them.
            positiveClass = positiveClass.Trim().ToLowerInvariant() switch
            {
                "1" or "true" or "yes" or "y" or "t" => "1",
                "0" or "false" or "no" or "n" or "f" => "0",
                _ => positiveClass,
            };
        }

        if (positiveClass is not null)
        {
            if (!counts.ContainsKey(positiveClass))
            {
                throw new ArgumentException($"Positive class '{positiveClass}' does not occur in label '{label.Name}' (values: {names[0]}, {names[1]}).", nameof(positiveClass));
            }

            positive = positiveClass;
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

    private static string? ValueAt(DataColumn column, int row) => column switch
    {
        _ when column.IsMissing(row) => null,
        NumericColumn n => n.Values[row].ToString("R", CultureInfo.InvariantCulture),
        StringColumn s => s.Values[row],
        DateTimeColumn d => d.Ticks[row].ToString(CultureInfo.InvariantCulture),
        _ => null,
    };
}
