using System.Globalization;
using System.Runtime.InteropServices;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// The featurisation the scikit-learn peer uses (bench/peers/linear_sklearn.py), so both sides fit the same matrix:
/// numeric columns median-imputed and standardised, string columns one-hot; text as TF-IDF of word 1–2-grams
/// (tokens of 2+ word characters) plus char_wb 3–5-grams, sublinear tf, smooth idf, L2 per block. A stand-in until
/// the pipeline featurizers are used here; n-grams are keyed by a 64-bit hash, not a string.
/// </summary>
internal static class LinearBenchFeatures
{
    public static (FeatureMatrix Train, FeatureMatrix Test) Tabular(DataTable table, string label, int[] train, int[] test)
    {
        var trainColumns = new List<float[]>();
        var testColumns = new List<float[]>();
        var names = new List<string>();
        foreach (var column in table.Columns)
        {
            if (column.Name == label)
            {
                continue;
            }

            switch (column)
            {
                case NumericColumn numeric:
                    {
                        var values = numeric.Values.ToArray();
                        var observed = new List<float>();
                        foreach (var i in train)
                        {
                            if (!float.IsNaN(values[i]))
                            {
                                observed.Add(values[i]);
                            }
                        }

                        observed.Sort();
                        var count = observed.Count;
                        var median = count == 0 ? 0 : count % 2 == 1 ? observed[count / 2] : (observed[(count / 2) - 1] + observed[count / 2]) / 2;
                        double sum = 0, sq = 0;
                        foreach (var i in train)
                        {
                            var v = float.IsNaN(values[i]) ? median : values[i];
                            sum += v;
                            sq += (double)v * v;
                        }

                        var mean = sum / train.Length;
                        var sd = Math.Sqrt(Math.Max(sq / train.Length - mean * mean, 0));
                        sd = sd > 0 ? sd : 1;
                        float[] Map(int[] rows)
                        {
                            var result = new float[rows.Length];
                            for (var r = 0; r < rows.Length; r++)
                            {
                                var v = values[rows[r]];
                                result[r] = (float)(((float.IsNaN(v) ? median : v) - mean) / sd);
                            }

                            return result;
                        }

                        trainColumns.Add(Map(train));
                        testColumns.Add(Map(test));
                        names.Add(column.Name);
                        break;
                    }

                case StringColumn strings:
                    {
                        var values = strings.Values.ToArray();
                        var levels = new SortedSet<string>(StringComparer.Ordinal);
                        foreach (var i in train)
                        {
                            levels.Add(values[i] ?? "\0missing");
                        }

                        foreach (var level in levels)
                        {
                            float[] Map(int[] rows)
                            {
                                var result = new float[rows.Length];
                                for (var r = 0; r < rows.Length; r++)
                                {
                                    result[r] = (values[rows[r]] ?? "\0missing") == level ? 1 : 0;
                                }

                                return result;
                            }

                            trainColumns.Add(Map(train));
                            testColumns.Add(Map(test));
                            names.Add(column.Name + "=" + level);
                        }

                        break;
                    }

                default:
                    throw new NotSupportedException($"Column '{column.Name}' of type {column.Type} is not featurised by the linear bench.");
            }
        }

        return (FeatureMatrix.FromColumns(trainColumns, names), FeatureMatrix.FromColumns(testColumns, names));
    }

    public static float[] BinaryLabels(DataColumn column, string positive, int[] rows)
    {
        var labels = new float[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            labels[r] = column switch
            {
                StringColumn s => s.Values[rows[r]] == positive ? 1 : 0,
                NumericColumn n => n.Values[rows[r]] == (positive is "1" or "Yes" or "yes" or "true" ? 1f : float.Parse(positive, CultureInfo.InvariantCulture)) ? 1 : 0,
                _ => throw new NotSupportedException(column.Type.ToString()),
            };
        }

        return labels;
    }

    public static float[] NumericLabels(DataColumn column, int[] rows)
    {
        var values = ((NumericColumn)column).Values;
        var labels = new float[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            labels[r] = values[rows[r]];
        }

        return labels;
    }

    /// <summary>TF-IDF word 1–2-grams + char_wb 3–5-grams of the training texts, applied to both parts.</summary>
    public static (FeatureMatrix Train, FeatureMatrix Test) Text(string?[] texts, int[] train, int[] test)
    {
        var words = new Vectorizer(false);
        var chars = new Vectorizer(true);
        foreach (var i in train)
        {
            words.Count(texts[i] ?? string.Empty);
            chars.Count(texts[i] ?? string.Empty);
        }

        words.Freeze(train.Length);
        chars.Freeze(train.Length);
        FeatureMatrix Build(int[] rows)
        {
            var pointers = new int[rows.Length + 1];
            var indices = new List<int>();
            var values = new List<float>();
            var scratch = new Dictionary<int, int>();
            var pairs = new List<KeyValuePair<int, int>>();
            for (var r = 0; r < rows.Length; r++)
            {
                var text = texts[rows[r]] ?? string.Empty;
                words.Transform(text, 0, scratch, pairs, indices, values);
                chars.Transform(text, words.Size, scratch, pairs, indices, values);
                pointers[r + 1] = indices.Count;
            }

            var width = words.Size + chars.Size;
            var sparse = new SparseMatrix(rows.Length, width, pointers, indices.ToArray(), values.ToArray());
            var infos = new FeatureInfo[width];
            for (var j = 0; j < width; j++)
            {
                infos[j] = new FeatureInfo(j < words.Size ? $"word{j}" : $"char{j - words.Size}");
            }

            return new FeatureMatrix(rows.Length, [], 0, sparse, infos);
        }

        return (Build(train), Build(test));
    }

    private sealed class Vectorizer(bool characters)
    {
        private readonly Dictionary<ulong, int> _ids = [];
        private readonly List<int> _documentFrequency = [];
        private readonly HashSet<int> _seen = [];
        private readonly List<ulong> _grams = [];
        private float[] _idf = [];

        public int Size => _ids.Count;

        public void Count(string text)
        {
            Grams(text);
            _seen.Clear();
            foreach (var g in _grams)
            {
                ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, g, out var exists);
                if (!exists)
                {
                    id = _documentFrequency.Count;
                    _documentFrequency.Add(0);
                }

                if (_seen.Add(id))
                {
                    _documentFrequency[id]++;
                }
            }
        }

        public void Freeze(int documents)
        {
            _idf = new float[_documentFrequency.Count];
            for (var j = 0; j < _idf.Length; j++)
            {
                _idf[j] = (float)(Math.Log((1.0 + documents) / (1.0 + _documentFrequency[j])) + 1);
            }
        }

        public void Transform(string text, int offset, Dictionary<int, int> counts, List<KeyValuePair<int, int>> pairs, List<int> indices, List<float> values)
        {
            Grams(text);
            counts.Clear();
            foreach (var g in _grams)
            {
                if (_ids.TryGetValue(g, out var id))
                {
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                }
            }

            pairs.Clear();
            pairs.AddRange(counts);
            pairs.Sort((a, b) => a.Key.CompareTo(b.Key));
            double norm = 0;
            var start = values.Count;
            foreach (var (id, count) in pairs)
            {
                var v = (float)((1 + Math.Log(count)) * _idf[id]);
                indices.Add(offset + id);
                values.Add(v);
                norm += (double)v * v;
            }

            if (norm > 0)
            {
                var inv = (float)(1 / Math.Sqrt(norm));
                for (var p = start; p < values.Count; p++)
                {
                    values[p] *= inv;
                }
            }
        }

        private void Grams(string text)
        {
            _grams.Clear();
            var lower = text.ToLowerInvariant();
            if (characters)
            {
                foreach (var word in lower.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    var padded = " " + word + " ";
                    for (var n = 3; n <= 5; n++)
                    {
                        for (var offset = 0; offset + n <= padded.Length; offset++)
                        {
                            _grams.Add(Hash(padded.AsSpan(offset, n), 0xcbf29ce484222325UL));
                        }

                        if (padded.Length < n)
                        {
                            // sklearn emits a word shorter than n once, as is, and stops there.
                            _grams.Add(Hash(padded.AsSpan(), 0xcbf29ce484222325UL));
                            break;
                        }
                    }
                }
            }
            else
            {
                ulong previous = 0;
                var hasPrevious = false;
                var p = 0;
                while (p < lower.Length)
                {
                    if (!IsWord(lower[p]))
                    {
                        p++;
                        continue;
                    }

                    var start = p;
                    while (p < lower.Length && IsWord(lower[p]))
                    {
                        p++;
                    }

                    if (p - start < 2)
                    {
                        continue;
                    }

                    var token = Hash(lower.AsSpan(start, p - start), 0xcbf29ce484222325UL);
                    _grams.Add(token);
                    if (hasPrevious)
                    {
                        _grams.Add(Hash(lower.AsSpan(start, p - start), previous ^ 0x9E3779B97F4A7C15UL));
                    }

                    previous = token;
                    hasPrevious = true;
                }
            }
        }

        private static bool IsWord(char c) => char.IsLetterOrDigit(c) || c == '_';

        private static ulong Hash(ReadOnlySpan<char> s, ulong seed)
        {
            var h = seed;
            foreach (var c in s)
            {
                h = (h ^ c) * 0x100000001b3UL;
            }

            return h;
        }
    }
}
