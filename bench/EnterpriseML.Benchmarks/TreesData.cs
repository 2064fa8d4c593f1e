using System.Globalization;
using System.IO.Compression;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Benchmarks;

/// <summary>The shared datasets the tree benchmarks use, featurised for trees (strings → level codes).</summary>
internal static class TreesData
{
    public sealed record Spec(string Name, string File, string Label, string? Positive, TaskKind Task, string? TestFile = null);

    public static readonly Spec[] Specs =
    [
        new("credit-german", "credit-german-statlog.csv", "class", "bad", TaskKind.Binary),
        new("churn", "tabular-telco-churn.csv", "churn", "Yes", TaskKind.Binary),
        new("fraud-caravan", "fraud-coil2000-caravan.csv", "CARAVAN", "insurance", TaskKind.Binary),
        new("fraud-sensor", "fraud-sensor-anomaly-singlehop.csv", "label", "1", TaskKind.Binary),
        new("diamonds", "tabular-diamonds.csv", "price", null, TaskKind.Regression),
        new("flights-1m", "flights-1m.train.csv.gz", "delayed", "yes", TaskKind.Binary, "flights-1m.test.csv.gz"),
    ];

    public static string DatasetsDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EnterpriseML.sln")))
        {
            dir = dir.Parent;
        }

        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "datasets"));
    }

    public static DataTable ReadTable(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        return CsvTable.Read(stream, new CsvOptions { SourceName = Path.GetFileName(path) });
    }

    /// <summary>
    /// Features and labels of <paramref name="tables"/> (fitted on the first: category codes are the sorted distinct
    /// levels of the first table; unseen levels become NaN).
    /// </summary>
    public static (FeatureMatrix Features, float[] Labels)[] Featurise(Spec spec, params DataTable[] tables)
    {
        var first = tables[0];
        var columns = first.Columns.Where(c => c.Name != spec.Label && c.Type != ColumnType.DateTime && c.Type != ColumnType.Text).ToList();
        var levels = new Dictionary<string, Dictionary<string, int>>();
        foreach (var column in columns.OfType<StringColumn>())
        {
            var distinct = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var v in column.Values)
            {
                if (v is not null)
                {
                    distinct.Add(v);
                }
            }

            levels[column.Name] = distinct.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
        }

        var result = new (FeatureMatrix, float[])[tables.Length];
        for (var t = 0; t < tables.Length; t++)
        {
            var table = tables[t];
            var n = table.RowCount;
            var dense = new float[n * columns.Count];
            var infos = new FeatureInfo[columns.Count];
            for (var j = 0; j < columns.Count; j++)
            {
                var column = table[columns[j].Name];
                var target = dense.AsSpan(j * n, n);
                if (column is NumericColumn numeric)
                {
                    numeric.Values.CopyTo(target);
                    infos[j] = new FeatureInfo(column.Name);
                }
                else
                {
                    var map = levels[column.Name];
                    var values = ((StringColumn)column).Values;
                    for (var i = 0; i < n; i++)
                    {
                        target[i] = values[i] is { } s && map.TryGetValue(s, out var code) ? code : float.NaN;
                    }

                    infos[j] = new FeatureInfo(column.Name, true, map.Count);
                }
            }

            result[t] = (new FeatureMatrix(n, dense, columns.Count, null, infos), Labels(spec, table[spec.Label]));
        }

        return result;
    }

    private static float[] Labels(Spec spec, DataColumn column)
    {
        var labels = new float[column.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            if (spec.Task == TaskKind.Regression)
            {
                labels[i] = ((NumericColumn)column).Values[i];
            }
            else if (column is NumericColumn numeric)
            {
                var positive = float.TryParse(spec.Positive, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : 1f;
                labels[i] = numeric.Values[i] == positive ? 1 : 0;
            }
            else
            {
                labels[i] = ((StringColumn)column).Values[i] == spec.Positive ? 1 : 0;
            }
        }

        return labels;
    }

    /// <summary>Stratified 80/20 split with a seed (used when no split file from the Python peer script is given).</summary>
    public static int[] StratifiedTestRows(float[] labels, bool stratify, int seed)
    {
        var random = new Random(seed);
        var test = new List<int>();
        var groups = stratify ? labels.Select((y, i) => (y, i)).GroupBy(p => p.y).Select(g => g.Select(p => p.i).ToArray()) : [Enumerable.Range(0, labels.Length).ToArray()];
        foreach (var group in groups)
        {
            random.Shuffle(group);
            test.AddRange(group.Take((int)Math.Round(group.Length * 0.2)));
        }

        test.Sort();
        return [.. test];
    }

    public static double Auc(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        double positives = 0, rankSum = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && keys[j + 1] == keys[i])
            {
                j++;
            }

            var rank = (i + j + 2) / 2.0;
            for (var r = i; r <= j; r++)
            {
                if (labels[order[r]] > 0.5f)
                {
                    positives++;
                    rankSum += rank;
                }
            }

            i = j + 1;
        }

        var negatives = labels.Length - positives;
        return (rankSum - (positives * (positives + 1) / 2)) / (positives * negatives);
    }

    public static double Rmse(ReadOnlySpan<float> predictions, ReadOnlySpan<float> labels)
    {
        double sum = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var d = (double)predictions[i] - labels[i];
            sum += d * d;
        }

        return Math.Sqrt(sum / labels.Length);
    }
}
