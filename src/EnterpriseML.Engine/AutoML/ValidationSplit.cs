using System.Globalization;
using System.Security.Cryptography;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// The fixed validation rows of a sweep: one holdout or k folds, built once from the scenario's policy and the seed,
/// the same for every candidate, and hashed so the report can prove it.
/// </summary>
internal sealed class ValidationSplit
{
    private ValidationSplit(string description, int[][] trainRows, int[][] validationRows, int[] validationOrder, string hash)
    {
        Description = description;
        TrainRows = trainRows;
        ValidationRows = validationRows;
        ValidationOrder = validationOrder;
        Hash = hash;
    }

    /// <summary>For example <c>5-fold stratified CV</c> or <c>time-ordered holdout 20 % (by date)</c>.</summary>
    public string Description { get; }

    public int FoldCount => TrainRows.Length;

    /// <summary>Training rows per fold (ascending).</summary>
    public int[][] TrainRows { get; }

    /// <summary>Validation rows per fold (ascending).</summary>
    public int[][] ValidationRows { get; }

    /// <summary>All validation rows, fold by fold: the order of out-of-fold score vectors.</summary>
    public int[] ValidationOrder { get; }

    /// <summary>SHA-256 (hex, first 16 bytes) of the fold number and row index of every validation row.</summary>
    public string Hash { get; }

    /// <summary>A sweep needs at least this many training rows.</summary>
    public const int MinimumRows = 10;

    public static ValidationSplit Create(CandidateData data, ValidationPolicy policy, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(policy);
        var n = data.RowCount;
        if (n < MinimumRows)
        {
            throw new ArgumentException($"A sweep needs at least {MinimumRows} training rows; got {n}.", nameof(data));
        }

        // A binary metric (AUC, AUPRC) needs both classes in every validation fold, and the fits need both in
        // training: each fold gets at least one row of the rarer class, so there are at most that many folds.
        var (rarer, rarerIsPositive) = data.Task == TaskKind.Binary ? RarerClass(data) : (int.MaxValue, true);
        var kind = policy.Kind;
        if (kind == ValidationKind.Auto)
        {
            // A rare class's metric (AUPRC above all) is as noisy as its validation rows are few, whatever the row
            // count: fraud-caravan's 7,857 training rows would leave 94 positives in a 20 % holdout, and which
            // candidate won moved from run to run. CV validates on all 470, at k fits a trial, so only up to a size.
            var fewRare = rarer * policy.HoldoutFraction < policy.MinimumHoldoutRareRows && n <= policy.RareClassCrossValidationMaxRows;
            kind = n <= policy.CrossValidationMaxRows || fewRare ? ValidationKind.CrossValidation : ValidationKind.Holdout;
        }

        if (kind == ValidationKind.TimeOrdered && policy.TimeColumn is null)
        {
            kind = ValidationKind.Holdout;
        }

        var holdoutFolds = Math.Max(2, (int)Math.Round(1 / Math.Clamp(policy.HoldoutFraction, 0.01, 0.5)));
        if (kind == ValidationKind.Holdout && rarer < holdoutFolds)
        {
            kind = ValidationKind.CrossValidation;
        }

        var random = new Random(seed ^ 0x5EED);
        switch (kind)
        {
            case ValidationKind.CrossValidation:
                {
                    var folds = Math.Clamp(Math.Min(policy.Folds, rarer), 2, n);
                    var fold = StratifiedAssignment(data, folds, random);
                    var train = new int[folds][];
                    var valid = new int[folds][];
                    for (var f = 0; f < folds; f++)
                    {
                        (train[f], valid[f]) = Partition(fold, f);
                    }

                    return Build($"{folds}-fold {(data.Task == TaskKind.Regression ? "random" : "stratified")} CV", train, valid);
                }

            case ValidationKind.TimeOrdered:
                {
                    var keys = TimeKeys(data.Features[policy.TimeColumn!]);
                    var pairs = new (long Time, int Row)[n];
                    for (var i = 0; i < n; i++)
                    {
                        pairs[i] = (keys[i], i);
                    }

                    // Ties on time keep file order, so the split is well defined.
                    Array.Sort(pairs);
                    var order = new int[n];
                    for (var i = 0; i < n; i++)
                    {
                        order[i] = pairs[i].Row;
                    }

                    var size = Math.Max(1, (int)Math.Round(n * policy.HoldoutFraction));
                    var widened = data.Task == TaskKind.Binary ? WidenForBothClasses(data, order, size, rarer, rarerIsPositive, policy) : null;
                    var cut = n - (widened?.Size ?? size);
                    var train = order[..cut];
                    var valid = order[cut..];
                    Array.Sort(train);
                    Array.Sort(valid);
                    var description = widened is { } w && w.Size > size
                        ? $"time-ordered holdout {(double)w.Size / n:P0} (latest by {policy.TimeColumn}; widened from {policy.HoldoutFraction:P0} to hold {w.RarerRows} of the {rarer} '{w.RarerClass}' rows)"
                        : $"time-ordered holdout {policy.HoldoutFraction:P0} (latest by {policy.TimeColumn})";
                    return Build(description, [train], [valid]);
                }

            default:
                {
                    // A holdout is fold 0 of a stratified assignment with 1/fraction folds.
                    var folds = holdoutFolds;
                    var fold = StratifiedAssignment(data, folds, random);
                    var (train, valid) = Partition(fold, 0);
                    return Build($"{(data.Task == TaskKind.Regression ? "random" : "stratified")} holdout {1.0 / folds:P0}", [train], [valid]);
                }
        }
    }

    /// <summary>A stratified random subsample of <paramref name="count"/> of <paramref name="rows"/> (ascending).</summary>
    public static int[] StratifiedSubsample(CandidateData data, int[] rows, int count, int seed)
    {
        if (count >= rows.Length)
        {
            return rows;
        }

        var random = new Random(seed);
        var shuffled = (int[])rows.Clone();
        random.Shuffle(shuffled);
        var strata = StrataOf(data, shuffled);

        // Take the same fraction of each stratum, then fill any rounding gap from the remaining rows.
        var fraction = (double)count / rows.Length;
        var take = new List<int>(count);
        var rest = new List<int>();
        foreach (var stratum in strata)
        {
            var quota = (int)Math.Floor(stratum.Count * fraction);
            for (var i = 0; i < stratum.Count; i++)
            {
                (i < quota ? take : rest).Add(stratum[i]);
            }
        }

        for (var i = 0; take.Count < count && i < rest.Count; i++)
        {
            take.Add(rest[i]);
        }

        var result = take.ToArray();
        Array.Sort(result);
        return result;
    }

    private static List<List<int>> StrataOf(CandidateData data, int[] rows)
    {
        var strata = new Dictionary<int, List<int>>();
        if (data.Task == TaskKind.Regression)
        {
            // Quantile strata of the target keep the label distribution in regression too.
            var values = new float[rows.Length];
            for (var i = 0; i < rows.Length; i++)
            {
                values[i] = data.Labels[rows[i]];
            }

            var sorted = (float[])values.Clone();
            Array.Sort(sorted);
            const int Bins = 10;
            for (var i = 0; i < rows.Length; i++)
            {
                var rank = Array.BinarySearch(sorted, values[i]);
                var bin = Math.Min(Bins - 1, Math.Max(0, rank) * Bins / rows.Length);
                AddTo(strata, bin, rows[i]);
            }
        }
        else
        {
            foreach (var row in rows)
            {
                AddTo(strata, (int)data.Labels[row], row);
            }
        }

        var keys = strata.Keys.ToArray();
        Array.Sort(keys);
        var result = new List<List<int>>(keys.Length);
        foreach (var key in keys)
        {
            result.Add(strata[key]);
        }

        return result;
    }

    private static void AddTo(Dictionary<int, List<int>> strata, int key, int row)
    {
        if (!strata.TryGetValue(key, out var list))
        {
            strata[key] = list = [];
        }

        list.Add(row);
    }

    /// <summary>
    /// A time-ordered holdout of a binary label takes the latest <paramref name="size"/> rows, widened back in time
    /// (up to half the rows) until it holds its share (the holdout fraction) of the rarer class: rare positives
    /// often cluster in time, and a latest window without them cannot score AUC or AUPRC. An error names the class
    /// and the time when even half the rows, or the rows before them, miss a class.
    /// </summary>
    private static (int Size, int RarerRows, string RarerClass)? WidenForBothClasses(CandidateData data, int[] order, int size,
        int rarer, bool rarerIsPositive, ValidationPolicy policy)
    {
        var n = order.Length;
        var rarerClass = data.ClassNames[rarerIsPositive ? 1 : 0];
        var commonClass = data.ClassNames[rarerIsPositive ? 0 : 1];
        var wanted = Math.Max(1, (int)Math.Ceiling(rarer * policy.HoldoutFraction));
        var limit = Math.Max(size, n / 2);
        int inWindow = 0, common = 0, taken = 0;
        while (taken < limit && (taken < size || inWindow < wanted))
        {
            var isRarer = data.Labels[order[n - 1 - taken]] > 0.5f == rarerIsPositive;
            inWindow += isRarer ? 1 : 0;
            common += isRarer ? 0 : 1;
            taken++;
        }

        var column = policy.TimeColumn;
        var from = DescribeTime(data.Features[column!], order[n - taken]);
        if (inWindow == 0 || common == 0)
        {
            var missing = inWindow == 0 ? rarerClass : commonClass;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Label '{data.LabelColumn}': the latest {taken} of {n} training rows by '{column}' (from {from} on) hold no row of class '{missing}', so a time-ordered validation cannot score them. The sweep validates on the latest rows so that no model learns from the future; give rows of both classes from the latest period, or leave '{column}' out (eml automl --ignore {column}, or the experiment's ignoreColumns) for a stratified split."));
        }

        if (rarer - inWindow == 0 || n - taken - (rarer - inWindow) == 0)
        {
            var missing = rarer - inWindow == 0 ? rarerClass : commonClass;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Label '{data.LabelColumn}': every row of class '{missing}' is among the latest {taken} of {n} training rows by '{column}' (from {from} on), so the earlier rows cannot train a time-ordered validation's models; give earlier rows of that class, or leave '{column}' out (eml automl --ignore {column}, or the experiment's ignoreColumns) for a stratified split."));
        }

        return (taken, inWindow, rarerClass);
    }

    private static string DescribeTime(DataColumn column, int row) => column switch
    {
        DateTimeColumn dates when !dates.IsMissing(row) => new DateTime(dates.Ticks[row], DateTimeKind.Unspecified).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        NumericColumn numbers => numbers.Values[row].ToString("G9", CultureInfo.InvariantCulture),
        _ => "an unknown time",
    };

    /// <summary>
    /// Rows of the rarer class of a binary label, and whether it is the positive class; an error naming the class when
    /// it has fewer than two.
    /// </summary>
    private static (int Count, bool IsPositive) RarerClass(CandidateData data)
    {
        var positives = 0;
        foreach (var label in data.Labels)
        {
            positives += label > 0.5f ? 1 : 0;
        }

        var isPositive = positives <= data.RowCount - positives;
        var count = isPositive ? positives : data.RowCount - positives;
        if (count < 2)
        {
            throw new ArgumentException(LabelEncoding.TooFewOfAClass(data.LabelColumn, count, data.ClassNames[isPositive ? 1 : 0], data.RowCount));
        }

        return (count, isPositive);
    }

    private static int[] StratifiedAssignment(CandidateData data, int folds, Random random)
    {
        var n = data.RowCount;
        var rows = new int[n];
        for (var i = 0; i < n; i++)
        {
            rows[i] = i;
        }

        random.Shuffle(rows);
        var fold = new int[n];
        var next = 0;
        foreach (var stratum in StrataOf(data, rows))
        {
            // Deal each stratum round-robin, continuing where the previous stratum stopped.
            foreach (var row in stratum)
            {
                fold[row] = next;
                next = (next + 1) % folds;
            }
        }

        return fold;
    }

    private static (int[] Train, int[] Valid) Partition(int[] fold, int f)
    {
        var train = new List<int>(fold.Length);
        var valid = new List<int>(fold.Length / 2);
        for (var i = 0; i < fold.Length; i++)
        {
            (fold[i] == f ? valid : train).Add(i);
        }

        return (train.ToArray(), valid.ToArray());
    }

    private static long[] TimeKeys(DataColumn column)
    {
        var keys = new long[column.Length];
        switch (column)
        {
            case DateTimeColumn dates:
                dates.Ticks.CopyTo(keys);
                break;
            case NumericColumn numbers:
                for (var i = 0; i < keys.Length; i++)
                {
                    var v = numbers.Values[i];
                    keys[i] = float.IsNaN(v) ? long.MinValue : (long)(v * 1000.0);
                }

                break;
            default:
                throw new ArgumentException($"Time column '{column.Name}' must be a date-time or numeric column; it is {column.Type}.");
        }

        return keys;
    }

    private static ValidationSplit Build(string description, int[][] train, int[][] valid)
    {
        var total = 0;
        foreach (var v in valid)
        {
            total += v.Length;
        }

        var order = new int[total];
        var bytes = new byte[total * 8];
        var k = 0;
        for (var f = 0; f < valid.Length; f++)
        {
            foreach (var row in valid[f])
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(k * 8), f);
                BitConverter.TryWriteBytes(bytes.AsSpan((k * 8) + 4), row);
                order[k++] = row;
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16));
        return new ValidationSplit(description, train, valid, order, hash);
    }
}
