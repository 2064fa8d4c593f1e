using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

/// <summary>Shared datasets featurised for trees (numeric as is, strings → sorted level codes), with a fixed split.</summary>
internal static class TreeTestData
{
    private static readonly Lazy<(TrainingSet Train, TrainingSet Test)> Credit = new(() => Load("credit-german-statlog.csv", "class", "bad"));
    private static readonly Lazy<(TrainingSet Train, TrainingSet Test)> Sensor = new(() => Load("fraud-sensor-anomaly-singlehop.csv", "label", "1"));

    public static (TrainingSet Train, TrainingSet Test) CreditGerman => Credit.Value;

    public static (TrainingSet Train, TrainingSet Test) FraudSensor => Sensor.Value;

    /// <summary>Reads a dataset and splits it 80/20 (every fifth row to the test side).</summary>
    public static (TrainingSet Train, TrainingSet Test) Load(string file, string label, string positive)
    {
        var table = CsvTable.Read(TestPaths.Dataset(file));
        var columns = table.Columns.Where(c => c.Name != label).ToList();
        var n = table.RowCount;
        var dense = new float[n * columns.Count];
        var infos = new FeatureInfo[columns.Count];
        for (var j = 0; j < columns.Count; j++)
        {
            var target = dense.AsSpan(j * n, n);
            if (columns[j] is NumericColumn numeric)
            {
                numeric.Values.CopyTo(target);
                infos[j] = new FeatureInfo(columns[j].Name);
            }
            else
            {
                var values = ((StringColumn)columns[j]).Values;
                var levels = values.ToArray().Where(v => v is not null).Distinct().Order(StringComparer.Ordinal).ToList();
                for (var i = 0; i < n; i++)
                {
                    target[i] = values[i] is { } s ? levels.IndexOf(s) : float.NaN;
                }

                infos[j] = new FeatureInfo(columns[j].Name, true, levels.Count);
            }
        }

        var labelColumn = table[label];
        var labels = new float[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = labelColumn switch
            {
                NumericColumn c => c.Values[i] == float.Parse(positive, CultureInfo.InvariantCulture) ? 1 : 0,
                StringColumn c => c.Values[i] == positive ? 1 : 0,
                _ => throw new InvalidOperationException(),
            };
        }

        var all = new FeatureMatrix(n, dense, columns.Count, null, infos);
        var test = Enumerable.Range(0, n).Where(i => i % 5 == 0).ToArray();
        var train = Enumerable.Range(0, n).Where(i => i % 5 != 0).ToArray();
        return (Subset(all, labels, train), Subset(all, labels, test));
    }

    public static TrainingSet Subset(FeatureMatrix all, float[] labels, int[] rows, TaskKind task = TaskKind.Binary, int classCount = 0)
    {
        var n = rows.Length;
        var dense = new float[n * all.DenseColumnCount];
        for (var j = 0; j < all.DenseColumnCount; j++)
        {
            var column = all.DenseColumn(j);
            for (var i = 0; i < n; i++)
            {
                dense[j * n + i] = column[rows[i]];
            }
        }

        var y = rows.Select(r => labels[r]).ToArray();
        return new TrainingSet(new FeatureMatrix(n, dense, all.DenseColumnCount, null, all.Features), y, task, classCount);
    }

    public static float[] PredictAll(IPredictor model, FeatureMatrix features)
    {
        var output = new float[features.RowCount * model.OutputWidth];
        model.PredictBatch(features, output);
        return output;
    }

    /// <summary>The dense values of row <paramref name="row"/>.</summary>
    public static float[] Row(FeatureMatrix features, int row)
    {
        var values = new float[features.DenseColumnCount];
        for (var j = 0; j < values.Length; j++)
        {
            values[j] = features.Dense[j * features.RowCount + row];
        }

        return values;
    }

    public static double Auc(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        // Mann-Whitney U with tied scores counted half.
        double positives = 0, negatives = 0, wins = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 0.5f)
            {
                positives++;
            }
            else
            {
                negatives++;
            }
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] <= 0.5f)
            {
                continue;
            }

            for (var j = 0; j < labels.Length; j++)
            {
                if (labels[j] > 0.5f)
                {
                    continue;
                }

                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }

        return wins / (positives * negatives);
    }

    /// <summary>A small synthetic regression/classification problem with a known structure (for invariants).</summary>
    public static FeatureMatrix Synthetic(int n, int seed, out float[] regression, out float[] binary, out float[] multiclass)
    {
        var random = new Random(seed);
        var x0 = new float[n];
        var x1 = new float[n];
        var x2 = new float[n];
        var x3 = new float[n];
        regression = new float[n];
        binary = new float[n];
        multiclass = new float[n];
        for (var i = 0; i < n; i++)
        {
            x0[i] = (float)random.NextDouble();
            x1[i] = (float)random.NextDouble();
            x2[i] = random.Next(6);
            x3[i] = random.NextDouble() < 0.1 ? float.NaN : (float)random.NextDouble();
            var signal = (3 * x0[i]) - (2 * x1[i] * x1[i]) + (x2[i] is 1 or 4 ? 1.5 : 0) + (float.IsNaN(x3[i]) ? 0.5 : x3[i]);
            regression[i] = (float)(signal + (0.3 * (random.NextDouble() - 0.5)));
            binary[i] = signal + random.NextDouble() - 0.5 > 1.6 ? 1 : 0;
            multiclass[i] = signal < 1 ? 0 : signal < 2 ? 1 : 2;
        }

        var infos = new[] { new FeatureInfo("x0"), new FeatureInfo("x1"), new FeatureInfo("x2", true, 6), new FeatureInfo("x3") };
        var dense = new float[n * 4];
        x0.CopyTo(dense, 0);
        x1.CopyTo(dense, n);
        x2.CopyTo(dense, 2 * n);
        x3.CopyTo(dense, 3 * n);
        return new FeatureMatrix(n, dense, 4, null, infos);
    }

    /// <summary>Asserts two binned trees are the same node for node: splits, category sets, children, covers and leaf values.</summary>
    public static void AssertSameTree(BinTree expected, BinTree actual)
    {
        Assert.Equal(expected.Splits, actual.Splits);
        Assert.Equal(expected.CategorySets, actual.CategorySets);
        Assert.Equal(expected.Left, actual.Left);
        Assert.Equal(expected.Right, actual.Right);
        Assert.Equal(expected.NodeCover, actual.NodeCover);
        Assert.Equal(expected.LeafValue, actual.LeafValue);
        Assert.Equal(expected.LeafCover, actual.LeafCover);
    }
}
