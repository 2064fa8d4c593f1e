using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Experiments;

/// <summary>
/// Checks, when an experiment is submitted, that its test dataset's label holds only classes of the training dataset's
/// label: the winner can score no other class, so the sweep would spend its budget and then fail on the test rows.
/// Each profile answers when its top values list the whole column (10 values or fewer, the usual label); otherwise
/// the stored dataset's label column is read in one streaming pass (<see cref="LabelClasses"/>). Only a binary or
/// multiclass task is checked, by the request's <c>task</c>, the training profile, or (a few whole numbers, which the
/// profile cannot call class codes or a quantity) the label's values: a regression label's test values are numbers the
/// training rows need not hold.
/// </summary>
internal static class TestLabelClasses
{
    /// <summary>The most unseen values a message lists.</summary>
    private const int Listed = 5;

    /// <summary>The most training classes a message lists.</summary>
    private const int ClassesListed = 20;

    /// <summary>Why <paramref name="test"/>'s label values cannot be scored by a model trained on <paramref name="training"/>; null when they can (or cannot be told before reading the rows).</summary>
    public static async Task<string?> ProblemAsync(ExperimentRequest request, DatasetRecord training, DatasetRecord test, DatasetStore datasets, CancellationToken cancellationToken)
    {
        var label = training.Profile.Columns.FirstOrDefault(c => c.Name == request.Label);
        var testLabel = test.Profile.Columns.FirstOrDefault(c => c.Name == request.Label);
        var task = request.Task is not null && LabelEncoding.TryParseTask(request.Task, out var named) ? named : label is null ? null : LabelEncoding.InferTaskFromProfile(label, training.Profile.RowCount);
        // A few whole numbers may be class codes or a quantity: the profile cannot tell, the values can (below).
        var codesOrQuantity = task is null && request.Task is null && label?.Type == ColumnType.Numeric;
        if (label is null || testLabel is null || (task is not (TaskKind.Binary or TaskKind.Multiclass) && !codesOrQuantity)
            || label.Type is not (ColumnType.Categorical or ColumnType.Text or ColumnType.Boolean or ColumnType.Numeric))
        {
            return null;
        }

        var type = label.Type;
        try
        {
            var values = Complete(label) is { } top
                ? top
                : await ReadAsync(training, datasets, s => LabelClasses.Read(s, Options(training), label.Name, type, DatasetProfiler.MaxLabelClasses, cancellationToken), cancellationToken);
            if (values is null || (codesOrQuantity && !AreClassCodes(values)))
            {
                // More classes than a label profile lists, or a quantity: the sweep's own check on the rows answers.
                return null;
            }

            var classes = values.Select(v => v.Value).ToList();

            var keys = classes.Select(c => LabelClasses.Key(c, type)).ToHashSet(StringComparer.Ordinal);
            if (Complete(testLabel) is { } testTop && testTop.All(v => keys.Contains(LabelClasses.Key(v.Value, type))))
            {
                return null;
            }

            var (unseen, total) = await ReadAsync(test, datasets, s => LabelClasses.Unseen(s, Options(test), label.Name, type, classes, Listed, cancellationToken), cancellationToken);
            return total == 0 ? null : Message(request.Label, training, test, classes, unseen, total);
        }
        catch (CsvFormatException)
        {
            // Stored datasets were validated at upload; should one not read, the sweep reports it with its line.
            return null;
        }
    }

    private static string Message(string label, DatasetRecord training, DatasetRecord test, List<string> classes, IReadOnlyList<LabelValue> unseen, int total)
    {
        var values = string.Join(", ", unseen.Select(v => string.Create(CultureInfo.InvariantCulture,
            $"'{v.Value}' ({v.Count:N0} row{(v.Count == 1 ? "" : "s")}, {(v.Count == 1 ? "line" : "first on line")} {v.FirstLine})")));
        var more = total > unseen.Count
            ? string.Create(CultureInfo.InvariantCulture, $" and {(total > LabelClasses.MaxUnseenCounted ? $"more than {LabelClasses.MaxUnseenCounted - unseen.Count:N0}" : $"{total - unseen.Count:N0}")} more")
            : "";
        var count = total > LabelClasses.MaxUnseenCounted
            ? string.Create(CultureInfo.InvariantCulture, $"more than {LabelClasses.MaxUnseenCounted:N0} values")
            : string.Create(CultureInfo.InvariantCulture, $"{total:N0} value{(total == 1 ? "" : "s")}");
        var trainingClasses = string.Join(", ", classes.Take(ClassesListed))
            + (classes.Count > ClassesListed ? string.Create(CultureInfo.InvariantCulture, $", … ({classes.Count:N0} in all)") : "");
        return $"The test dataset '{test.Name}' (id {test.Id}) holds {count} of the label '{label}' that {(total == 1 ? "is not a class" : "are not classes")} of dataset '{training.Name}': {values}{more}. "
            + $"The training classes are {trainingClasses}; the winner predicts only those, so test rows of another class cannot be scored. Relabel or remove those rows, or train on data that holds the class.";
    }

    /// <summary>
    /// Whether a numeric label's values are class codes, as <see cref="LabelEncoding.IsClassCodes"/> decides on the rows
    /// (whole numbers, at most <see cref="LabelEncoding.MaximumClassCodes"/>, enough rows each), so the sweep's task is
    /// multiclass.
    /// </summary>
    private static bool AreClassCodes(IReadOnlyList<LabelValue> values) =>
        values.Count <= LabelEncoding.MaximumClassCodes
        && values.All(v => float.TryParse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f == MathF.Round(f))
        && values.Sum(v => v.Count) >= (long)values.Count * LabelEncoding.MinimumRowsPerClassCode;

    /// <summary>The column's values when its profile's top values are all of them, else null.</summary>
    private static IReadOnlyList<LabelValue>? Complete(ColumnProfile column) =>
        column.TopValues is { } top && column.IsDistinctCountExact && top.Count == column.DistinctCount ? [.. top.Select(v => new LabelValue(v.Value, v.Count, 0))] : null;

    private static CsvOptions Options(DatasetRecord dataset) =>
        new() { SourceName = dataset.Name, MaxColumns = CsvOptions.MaximumMaxColumns, MaxBytes = long.MaxValue };

    /// <summary>Reads a stored dataset through a temporary file, so a large one is never held in memory.</summary>
    private static async Task<T> ReadAsync<T>(DatasetRecord dataset, DatasetStore datasets, Func<Stream, T> read, CancellationToken cancellationToken)
    {
        var path = SpoolDirectory.Current.NewFile("labels-");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await datasets.CopyContentAsync(dataset.Sha256, file, cancellationToken);
        file.Position = 0;
        return read(file);
    }
}
