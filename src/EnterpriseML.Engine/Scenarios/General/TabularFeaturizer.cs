using System.Text;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Scenarios.General;

/// <summary>How the general candidates featurise a table.</summary>
/// <param name="Linear">
/// True for linear models: missing numbers imputed with the median plus an indicator, everything standardised,
/// categories one-hot (levels seen at least twice, plus "other"). False for trees: raw numbers (NaN kept),
/// categories as native level codes.
/// </param>
/// <param name="MaximumTextTerms">The TF-IDF vocabulary size cap (most frequent terms first); 0 = text columns unused.</param>
/// <param name="TextOnly">Only text features (for multinomial naive Bayes, which needs non-negative counts).</param>
internal sealed record FeaturizerSettings(bool Linear, int MaximumTextTerms, bool TextOnly = false);

/// <summary>
/// The featurisation of the general-purpose candidates, fitted on training rows only and applied unchanged to new
/// rows: numeric (median imputation, missing indicator, standardisation), categorical (one-hot with a frequency
/// cut-off and an "other" level, or native codes for trees; unseen levels are "other"/missing, never an error),
/// date-time parts (year, month, day of week, hour), and text as sublinear-tf, smoothed-idf, L2-normalised TF-IDF
/// over word 1–2-grams and character 3–5-grams within words (the scikit-learn TfidfVectorizer recipe), kept sparse.
/// </summary>
internal sealed class TabularFeaturizer
{
    private const int MaximumOneHotLevels = 100;
    private const int MaximumCodeLevels = 254;

    private readonly ColumnPlan[] _columns;
    private readonly Dictionary<string, int>? _vocabulary;
    private readonly float[]? _idf;
    private readonly string[] _textColumns;
    private readonly FeatureInfo[] _features;
    private readonly int _denseCount;

    private TabularFeaturizer(ColumnPlan[] columns, string[] textColumns, Dictionary<string, int>? vocabulary, float[]? idf)
    {
        _columns = columns;
        _textColumns = textColumns;
        _vocabulary = vocabulary;
        _idf = idf;
        var infos = new List<FeatureInfo>();
        foreach (var c in columns)
        {
            c.AddFeatures(infos);
        }

        _denseCount = infos.Count;
        if (vocabulary is not null)
        {
            var terms = new string[vocabulary.Count];
            foreach (var (term, index) in vocabulary)
            {
                terms[index] = term;
            }

            foreach (var term in terms)
            {
                infos.Add(new FeatureInfo("tfidf:" + term));
            }
        }

        _features = [.. infos];
    }

    /// <summary>A short description, for the report.</summary>
    public string Description { get; private init; } = string.Empty;

    public static TabularFeaturizer Fit(DataTable table, FeaturizerSettings settings, CancellationToken cancellationToken)
    {
        var plans = new List<ColumnPlan>();
        var text = new List<string>();
        var parts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var column in table.Columns)
        {
            if (settings.TextOnly && column.Type != ColumnType.Text)
            {
                continue;
            }

            switch (column)
            {
                case NumericColumn numeric:
                    plans.Add(NumericPlan.Fit(numeric, settings.Linear));
                    parts.Add(settings.Linear ? "numeric(median,indicator,standardise)" : "numeric(raw)");
                    break;
                case StringColumn { Type: ColumnType.Text } when settings.MaximumTextTerms > 0:
                    text.Add(column.Name);
                    break;
                case StringColumn { Type: ColumnType.Text }:
                    break;
                case StringColumn strings:
                    plans.Add(CategoricalPlan.Fit(strings, settings.Linear));
                    parts.Add(settings.Linear ? "onehot(min 2, other)" : "categorical-codes");
                    break;
                case DateTimeColumn dates:
                    plans.Add(DatePlan.Fit(dates, settings.Linear));
                    parts.Add("datetime-parts");
                    break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        Dictionary<string, int>? vocabulary = null;
        float[]? idf = null;
        if (text.Count > 0)
        {
            (vocabulary, idf) = FitText(table, text, settings.MaximumTextTerms, cancellationToken);
            parts.Add("tfidf(word 1-2, char 3-5, sublinear, l2)");
        }

        if (plans.Count == 0 && text.Count == 0)
        {
            throw new ArgumentException("No usable feature columns (numeric, categorical, date-time or text) for this pipeline.", nameof(table));
        }

        return new TabularFeaturizer([.. plans], [.. text], vocabulary, idf) { Description = string.Join(" + ", parts) };
    }

    public FeatureInfo[] Features => _features;

    public FeatureMatrix Transform(DataTable table)
    {
        var n = table.RowCount;
        var dense = new float[n * _denseCount];
        var offset = 0;
        foreach (var plan in _columns)
        {
            offset += plan.Write(table[plan.Name], dense, offset, n);
        }

        SparseMatrix? sparse = null;
        if (_vocabulary is not null)
        {
            sparse = TransformText(table, n);
        }

        return new FeatureMatrix(n, dense, _denseCount, sparse, _features);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_columns.Length);
        foreach (var c in _columns)
        {
            c.Write(writer);
        }

        writer.Write(_textColumns.Length);
        foreach (var t in _textColumns)
        {
            writer.Write(t);
        }

        writer.Write(_vocabulary?.Count ?? 0);
        if (_vocabulary is not null)
        {
            foreach (var (term, index) in _vocabulary.OrderBy(p => p.Value))
            {
                writer.Write(term);
                writer.Write(_idf![index]);
            }
        }
    }

    private static (Dictionary<string, int>, float[]) FitText(DataTable table, List<string> columns, int maximumTerms, CancellationToken cancellationToken)
    {
        var n = table.RowCount;
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            seen.Clear();
            foreach (var name in columns)
            {
                foreach (var term in Terms(((StringColumn)table[name]).Values[i], name))
                {
                    seen.Add(term);
                }
            }

            foreach (var term in seen)
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }

        // Terms in at least two documents; the most frequent first if there are too many.
        var kept = documentFrequency.Where(p => p.Value >= 2)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(maximumTerms)
            .Select(p => p.Key)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var vocabulary = new Dictionary<string, int>(kept.Length, StringComparer.Ordinal);
        var idf = new float[kept.Length];
        for (var j = 0; j < kept.Length; j++)
        {
            vocabulary[kept[j]] = j;
            idf[j] = (float)(Math.Log((1.0 + n) / (1.0 + documentFrequency[kept[j]])) + 1.0);
        }

        return (vocabulary, idf);
    }

    private SparseMatrix TransformText(DataTable table, int n)
    {
        var pointers = new int[n + 1];
        var indices = new List<int>();
        var values = new List<float>();
        var counts = new Dictionary<int, int>();
        var columns = new StringColumn[_textColumns.Length];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = (StringColumn)table[_textColumns[c]];
        }

        for (var i = 0; i < n; i++)
        {
            counts.Clear();
            foreach (var column in columns)
            {
                foreach (var term in Terms(column.Values[i], column.Name))
                {
                    if (_vocabulary!.TryGetValue(term, out var index))
                    {
                        counts[index] = counts.GetValueOrDefault(index) + 1;
                    }
                }
            }

            var row = counts.Keys.ToArray();
            Array.Sort(row);
            double norm = 0;
            var start = values.Count;
            foreach (var index in row)
            {
                var v = (float)((1 + Math.Log(counts[index])) * _idf![index]);
                indices.Add(index);
                values.Add(v);
                norm += v * v;
            }

            if (norm > 0)
            {
                var scale = (float)(1 / Math.Sqrt(norm));
                for (var k = start; k < values.Count; k++)
                {
                    values[k] *= scale;
                }
            }

            pointers[i + 1] = values.Count;
        }

        return new SparseMatrix(n, _vocabulary!.Count, pointers, [.. indices], [.. values]);
    }

    /// <summary>Word 1–2-grams (tokens of ≥ 2 letters/digits, lower-cased) and char 3–5-grams of space-padded words.</summary>
    private static IEnumerable<string> Terms(string? text, string column)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch))
            {
                current.Append(char.ToLowerInvariant(ch));
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

        var prefix = column + "|";
        string? previous = null;
        foreach (var word in words)
        {
            if (word.Length >= 2)
            {
                yield return prefix + "w:" + word;
                if (previous is not null)
                {
                    yield return prefix + "b:" + previous + " " + word;
                }

                previous = word;
            }

            var padded = " " + word + " ";
            for (var size = 3; size <= 5; size++)
            {
                for (var start = 0; start + size <= padded.Length; start++)
                {
                    yield return string.Concat(prefix, "c:", padded.AsSpan(start, size));
                }
            }
        }
    }

    private abstract class ColumnPlan(string name)
    {
        public string Name { get; } = name;

        public abstract void AddFeatures(List<FeatureInfo> features);

        /// <summary>Writes this column's features column-major at <paramref name="offset"/>; returns how many.</summary>
        public abstract int Write(DataColumn column, float[] dense, int offset, int rows);

        public abstract void Write(BinaryWriter writer);
    }

    private sealed class NumericPlan(string name, bool linear, float median, bool indicator, float mean, float scale) : ColumnPlan(name)
    {
        public static NumericPlan Fit(NumericColumn column, bool linear)
        {
            var values = column.Values;
            var present = new List<float>(values.Length);
            foreach (var v in values)
            {
                if (!float.IsNaN(v))
                {
                    present.Add(v);
                }
            }

            present.Sort();
            var median = present.Count == 0 ? 0f : present[present.Count / 2];
            var indicator = linear && present.Count < values.Length;
            double sum = 0, sumSq = 0;
            foreach (var v in values)
            {
                var x = float.IsNaN(v) ? median : v;
                sum += x;
                sumSq += (double)x * x;
            }

            var mean = values.Length == 0 ? 0 : sum / values.Length;
            var sd = values.Length == 0 ? 1 : Math.Sqrt(Math.Max(0, (sumSq / values.Length) - (mean * mean)));
            return new NumericPlan(column.Name, linear, median, indicator, (float)mean, sd > 1e-12 ? (float)(1 / sd) : 1f);
        }

        public override void AddFeatures(List<FeatureInfo> features)
        {
            features.Add(new FeatureInfo(Name));
            if (indicator)
            {
                features.Add(new FeatureInfo(Name + ":missing"));
            }
        }

        public override int Write(DataColumn column, float[] dense, int offset, int rows)
        {
            var values = ((NumericColumn)column).Values;
            var target = dense.AsSpan(offset * rows, rows);
            for (var i = 0; i < rows; i++)
            {
                var v = values[i];
                target[i] = !linear ? v : ((float.IsNaN(v) ? median : v) - mean) * scale;
            }

            if (indicator)
            {
                var flags = dense.AsSpan((offset + 1) * rows, rows);
                for (var i = 0; i < rows; i++)
                {
                    flags[i] = float.IsNaN(values[i]) ? 1 : 0;
                }
            }

            return indicator ? 2 : 1;
        }

        public override void Write(BinaryWriter writer)
        {
            writer.Write((byte)1);
            writer.Write(Name);
            writer.Write(linear);
            writer.Write(median);
            writer.Write(indicator);
            writer.Write(mean);
            writer.Write(scale);
        }
    }

    private sealed class CategoricalPlan(string name, bool linear, string[] levels) : ColumnPlan(name)
    {
        private readonly Dictionary<string, int> _codes = Index(levels);

        public static CategoricalPlan Fit(StringColumn column, bool linear)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var v in column.Values)
            {
                if (v is not null)
                {
                    counts[v] = counts.GetValueOrDefault(v) + 1;
                }
            }

            var minimum = linear ? 2 : 1;
            var levels = counts.Where(p => p.Value >= minimum)
                .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Take(linear ? MaximumOneHotLevels : MaximumCodeLevels)
                .Select(p => p.Key)
                .ToArray();
            return new CategoricalPlan(column.Name, linear, levels);
        }

        public override void AddFeatures(List<FeatureInfo> features)
        {
            if (!linear)
            {
                features.Add(new FeatureInfo(Name, IsCategorical: true, Cardinality: levels.Length + 1));
                return;
            }

            foreach (var level in levels)
            {
                features.Add(new FeatureInfo(Name + "=" + level));
            }

            features.Add(new FeatureInfo(Name + "=(other)"));
        }

        public override int Write(DataColumn column, float[] dense, int offset, int rows)
        {
            var values = ((StringColumn)column).Values;
            if (!linear)
            {
                // Codes 0..K-1 by frequency; rare or unseen levels share code K; missing stays NaN.
                var target = dense.AsSpan(offset * rows, rows);
                for (var i = 0; i < rows; i++)
                {
                    var v = values[i];
                    target[i] = v is null ? float.NaN : _codes.TryGetValue(v, out var code) ? code : levels.Length;
                }

                return 1;
            }

            for (var i = 0; i < rows; i++)
            {
                var v = values[i];
                var code = v is not null && _codes.TryGetValue(v, out var c) ? c : levels.Length;
                dense[((offset + code) * rows) + i] = 1;
            }

            return levels.Length + 1;
        }

        public override void Write(BinaryWriter writer)
        {
            writer.Write((byte)2);
            writer.Write(Name);
            writer.Write(linear);
            writer.Write(levels.Length);
            foreach (var level in levels)
            {
                writer.Write(level);
            }
        }

        private static Dictionary<string, int> Index(string[] levels)
        {
            var codes = new Dictionary<string, int>(levels.Length, StringComparer.Ordinal);
            for (var i = 0; i < levels.Length; i++)
            {
                codes[levels[i]] = i;
            }

            return codes;
        }
    }

    private sealed class DatePlan(string name, bool linear, float[] means, float[] scales) : ColumnPlan(name)
    {
        private static readonly string[] Parts = ["year", "month", "dayOfWeek", "hour"];

        public static DatePlan Fit(DateTimeColumn column, bool linear)
        {
            var means = new float[Parts.Length];
            var scales = new float[Parts.Length];
            for (var p = 0; p < Parts.Length; p++)
            {
                double sum = 0, sumSq = 0;
                var count = 0;
                foreach (var t in column.Ticks)
                {
                    if (t == DateTimeColumn.Missing)
                    {
                        continue;
                    }

                    var v = Part(t, p);
                    sum += v;
                    sumSq += v * v;
                    count++;
                }

                var mean = count == 0 ? 0 : sum / count;
                var sd = count == 0 ? 1 : Math.Sqrt(Math.Max(0, (sumSq / count) - (mean * mean)));
                means[p] = (float)mean;
                scales[p] = sd > 1e-12 ? (float)(1 / sd) : 1f;
            }

            return new DatePlan(column.Name, linear, means, scales);
        }

        public override void AddFeatures(List<FeatureInfo> features)
        {
            foreach (var part in Parts)
            {
                features.Add(new FeatureInfo(Name + ":" + part));
            }
        }

        public override int Write(DataColumn column, float[] dense, int offset, int rows)
        {
            var ticks = ((DateTimeColumn)column).Ticks;
            for (var p = 0; p < Parts.Length; p++)
            {
                var target = dense.AsSpan((offset + p) * rows, rows);
                for (var i = 0; i < rows; i++)
                {
                    var t = ticks[i];
                    target[i] = t == DateTimeColumn.Missing ? (linear ? 0 : float.NaN)
                        : linear ? (Part(t, p) - means[p]) * scales[p] : Part(t, p);
                }
            }

            return Parts.Length;
        }

        public override void Write(BinaryWriter writer)
        {
            writer.Write((byte)3);
            writer.Write(Name);
            writer.Write(linear);
            for (var p = 0; p < Parts.Length; p++)
            {
                writer.Write(means[p]);
                writer.Write(scales[p]);
            }
        }

        private static float Part(long ticks, int part)
        {
            var d = new DateTime(ticks, DateTimeKind.Utc);
            return part switch
            {
                0 => d.Year,
                1 => d.Month,
                2 => (float)d.DayOfWeek,
                _ => d.Hour,
            };
        }
    }

    public override string ToString() => Description;
}
