using System.Globalization;
using System.Text;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

/// <summary>
/// Test-only data for the linear trainers: seeded synthetic problems and a minimal reader/featuriser for the shared
/// CSVs (median imputation, standardisation, one-hot; word-count TF-IDF for text), so the trainer tests do not depend
/// on the product featurizers.
/// </summary>
internal static class LinearTestData
{
    /// <summary>Binary data from a known logistic model: dense Gaussian columns plus an optional sparse block.</summary>
    public static TrainingSet SyntheticBinary(int rows, int dense, int sparseColumns, int seed)
    {
        var random = new Random(seed);
        var columns = new float[rows * dense];
        var truth = new double[dense + sparseColumns];
        for (var j = 0; j < truth.Length; j++)
        {
            truth[j] = j % 3 == 0 ? 0 : random.NextDouble() * 2 - 1;
        }

        var margins = new double[rows];
        for (var j = 0; j < dense; j++)
        {
            for (var i = 0; i < rows; i++)
            {
                var v = (float)Gaussian(random);
                columns[j * rows + i] = v;
                margins[i] += truth[j] * v;
            }
        }

        SparseMatrix? sparse = null;
        if (sparseColumns > 0)
        {
            var pointers = new int[rows + 1];
            var indices = new List<int>();
            var values = new List<float>();
            for (var i = 0; i < rows; i++)
            {
                for (var c = 0; c < sparseColumns; c++)
                {
                    if (random.NextDouble() < 0.1)
                    {
                        var v = (float)random.NextDouble();
                        indices.Add(c);
                        values.Add(v);
                        margins[i] += 3 * truth[dense + c] * v;
                    }
                }

                pointers[i + 1] = indices.Count;
            }

            sparse = new SparseMatrix(rows, sparseColumns, pointers, indices.ToArray(), values.ToArray());
        }

        var labels = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-margins[i] - 0.3)) ? 1 : 0;
        }

        var infos = new FeatureInfo[dense + sparseColumns];
        for (var j = 0; j < infos.Length; j++)
        {
            infos[j] = new FeatureInfo($"f{j}");
        }

        return new TrainingSet(new FeatureMatrix(rows, columns, dense, sparse, infos), labels, TaskKind.Binary);
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Rows of a simple RFC-4180 CSV (quotes, doubled quotes; no embedded newlines), header first.</summary>
    public static List<string[]> ReadCsv(string path)
    {
        var result = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        foreach (var line in File.ReadLines(path))
        {
            fields.Clear();
            field.Clear();
            var quoted = false;
            for (var p = 0; p < line.Length; p++)
            {
                var ch = line[p];
                if (quoted)
                {
                    if (ch == '"' && p + 1 < line.Length && line[p + 1] == '"')
                    {
                        field.Append('"');
                        p++;
                    }
                    else if (ch == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        field.Append(ch);
                    }
                }
                else if (ch == '"')
                {
                    quoted = true;
                }
                else if (ch == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                }
                else
                {
                    field.Append(ch);
                }
            }

            fields.Add(field.ToString());
            result.Add(fields.ToArray());
        }

        return result;
    }

    /// <summary>
    /// A tabular CSV as (train, test): every fifth row is a test row; numeric columns median-imputed and standardised
    /// on the training rows, string columns one-hot on the training levels.
    /// </summary>
    public static (TrainingSet Train, TrainingSet Test) Tabular(string file, string label, string? positive, TaskKind task)
    {
        var key = $"{file}|{label}|{positive}|{task}";
        lock (TabularCache)
        {
            if (!TabularCache.TryGetValue(key, out var cached))
            {
                cached = BuildTabular(file, label, positive, task);
                TabularCache[key] = cached;
            }

            return cached;
        }
    }

    private static (TrainingSet Train, TrainingSet Test) BuildTabular(string file, string label, string? positive, TaskKind task)
    {
        var csv = ReadCsv(TestPaths.Dataset(file));
        var header = csv[0];
        var labelIndex = Array.IndexOf(header, label);
        var rows = csv.Skip(1).ToList();
        var train = rows.Where((_, i) => i % 5 != 4).ToList();
        var test = rows.Where((_, i) => i % 5 == 4).ToList();
        var trainColumns = new List<float[]>();
        var testColumns = new List<float[]>();
        var names = new List<string>();
        for (var c = 0; c < header.Length; c++)
        {
            if (c == labelIndex)
            {
                continue;
            }

            var numeric = train.All(r => r[c].Length == 0 || double.TryParse(r[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            if (numeric)
            {
                var values = train.Where(r => r[c].Length > 0).Select(r => double.Parse(r[c], CultureInfo.InvariantCulture)).OrderBy(v => v).ToArray();
                var median = values[values.Length / 2];
                var mean = values.Average();
                var sd = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
                sd = sd > 0 ? sd : 1;
                float Map(string s) => (float)(((s.Length == 0 ? median : double.Parse(s, CultureInfo.InvariantCulture)) - mean) / sd);
                trainColumns.Add(train.Select(r => Map(r[c])).ToArray());
                testColumns.Add(test.Select(r => Map(r[c])).ToArray());
                names.Add(header[c]);
            }
            else
            {
                foreach (var level in train.Select(r => r[c]).Distinct().OrderBy(s => s, StringComparer.Ordinal))
                {
                    trainColumns.Add(train.Select(r => r[c] == level ? 1f : 0f).ToArray());
                    testColumns.Add(test.Select(r => r[c] == level ? 1f : 0f).ToArray());
                    names.Add(header[c] + "=" + level);
                }
            }
        }

        var classes = rows.Select(r => r[labelIndex]).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        float Label(string s) => task switch
        {
            TaskKind.Binary => s == positive ? 1 : 0,
            TaskKind.Multiclass => classes.IndexOf(s),
            _ => float.Parse(s, CultureInfo.InvariantCulture),
        };

        var classCount = task == TaskKind.Multiclass ? classes.Count : 0;
        return (
            new TrainingSet(FeatureMatrix.FromColumns(trainColumns, names), train.Select(r => Label(r[labelIndex])).ToArray(), task, classCount),
            new TrainingSet(FeatureMatrix.FromColumns(testColumns, names), test.Select(r => Label(r[labelIndex])).ToArray(), task, classCount));
    }

    /// <summary>Sentiment sentences as sparse word 1–2-gram TF-IDF (L2-normalised) rows: (train, test), every fifth row test.</summary>
    private static readonly Lazy<(TrainingSet Train, TrainingSet Test)> Sentiment = new(BuildSentimentText);
    private static readonly Dictionary<string, (TrainingSet Train, TrainingSet Test)> TabularCache = [];

    /// <summary>Cached: the trainers never mutate their inputs.</summary>
    public static (TrainingSet Train, TrainingSet Test) SentimentText() => Sentiment.Value;

    private static (TrainingSet Train, TrainingSet Test) BuildSentimentText()
    {
        var csv = ReadCsv(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv")).Skip(1).ToList();
        var docs = csv.Select(r => Tokens(r[1])).ToList();
        var labels = csv.Select(r => r[2] == "1" ? 1f : 0f).ToArray();
        var isTest = Enumerable.Range(0, csv.Count).Select(i => i % 5 == 4).ToArray();
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var documentFrequency = new List<int>();
        for (var i = 0; i < docs.Count; i++)
        {
            if (isTest[i])
            {
                continue;
            }

            foreach (var term in docs[i].Distinct())
            {
                if (!vocabulary.TryGetValue(term, out var id))
                {
                    id = vocabulary.Count;
                    vocabulary[term] = id;
                    documentFrequency.Add(0);
                }

                documentFrequency[id]++;
            }
        }

        var trainCount = isTest.Count(t => !t);
        var idf = documentFrequency.Select(df => (float)(Math.Log((1.0 + trainCount) / (1.0 + df)) + 1)).ToArray();
        TrainingSet Build(bool test)
        {
            var pointers = new List<int> { 0 };
            var indices = new List<int>();
            var values = new List<float>();
            var y = new List<float>();
            for (var i = 0; i < docs.Count; i++)
            {
                if (isTest[i] != test)
                {
                    continue;
                }

                var counts = new SortedDictionary<int, int>();
                foreach (var term in docs[i])
                {
                    if (vocabulary.TryGetValue(term, out var id))
                    {
                        counts[id] = counts.GetValueOrDefault(id) + 1;
                    }
                }

                var weights = counts.Select(kv => (kv.Key, Value: (float)((1 + Math.Log(kv.Value)) * idf[kv.Key]))).ToList();
                var norm = (float)Math.Sqrt(weights.Sum(w => (double)w.Value * w.Value));
                foreach (var (key, value) in weights)
                {
                    indices.Add(key);
                    values.Add(value / norm);
                }

                pointers.Add(indices.Count);
                y.Add(labels[i]);
            }

            var rows = y.Count;
            var sparse = new SparseMatrix(rows, vocabulary.Count, pointers.ToArray(), indices.ToArray(), values.ToArray());
            var infos = vocabulary.OrderBy(kv => kv.Value).Select(kv => new FeatureInfo(kv.Key)).ToArray();
            return new TrainingSet(new FeatureMatrix(rows, [], 0, sparse, infos), y.ToArray(), TaskKind.Binary);
        }

        return (Build(false), Build(true));
    }

    private static List<string> Tokens(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch) || ch == '\'')
            {
                current.Append(ch);
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        var terms = new List<string>(words);
        for (var i = 0; i + 1 < words.Count; i++)
        {
            terms.Add(words[i] + " " + words[i + 1]);
        }

        return terms;
    }

    /// <summary>Area under the ROC curve with ties averaged.</summary>
    public static double Auc(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var copy = scores.ToArray();
        Array.Sort(order, (a, b) => copy[a].CompareTo(copy[b]));
        double rankSum = 0;
        var positives = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j + 1 < order.Length && copy[order[j + 1]] == copy[order[i]])
            {
                j++;
            }

            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]] > 0.5f)
                {
                    rankSum += rank;
                    positives++;
                }
            }

            i = j + 1;
        }

        var negatives = scores.Length - positives;
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    public static float[] PredictAll(IPredictor model, TrainingSet data)
    {
        var output = new float[data.Features.RowCount * model.OutputWidth];
        model.PredictBatch(data.Features, output);
        return output;
    }

    public static double Accuracy(float[] probabilities, float[] labels)
    {
        var correct = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            correct += (probabilities[i] >= 0.5f) == (labels[i] > 0.5f) ? 1 : 0;
        }

        return (double)correct / labels.Length;
    }
}
