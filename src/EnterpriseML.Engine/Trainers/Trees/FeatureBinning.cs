using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// How one feature maps to histogram bins. Bin 0 holds missing values (NaN; for categoricals also codes outside the
/// training range); value bins are 1..<see cref="BinCount"/> − 1. A numeric value v falls in bin 1 + #{edges &lt; v},
/// so "bin ≤ t" is the same test as "v ≤ UpperEdges[t − 1]" on the raw value.
/// </summary>
internal sealed class FeatureBinner
{
    private FeatureBinner(bool categorical, float[] upperEdges, int[] categoryToBin, int binCount)
    {
        IsCategorical = categorical;
        UpperEdges = upperEdges;
        CategoryToBin = categoryToBin;
        BinCount = binCount;
    }

    public bool IsCategorical { get; }

    /// <summary>Numeric only: the strictly increasing edges between consecutive value bins.</summary>
    public float[] UpperEdges { get; }

    /// <summary>Categorical only: level code → bin.</summary>
    public int[] CategoryToBin { get; }

    /// <summary>Bins including the missing bin 0 (≤ 256).</summary>
    public int BinCount { get; }

    public int Bin(float value)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        if (IsCategorical)
        {
            var code = (int)value;
            return code >= 0 && code < CategoryToBin.Length && code == value ? CategoryToBin[code] : 0;
        }

        // Lower bound: the number of edges strictly below value.
        var edges = UpperEdges;
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (edges[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo + 1;
    }

    /// <summary>
    /// Quantile edges from the sorted non-missing values of a sample: distinct values each get a bin while there are
    /// at most <paramref name="maxValueBins"/> of them; otherwise bins are cut greedily at distinct-value boundaries so
    /// that each holds about the remaining count over the remaining bins.
    /// </summary>
    public static FeatureBinner FitNumeric(Span<float> sample, int maxValueBins)
    {
        var count = 0;
        for (var i = 0; i < sample.Length; i++)
        {
            if (!float.IsNaN(sample[i]))
            {
                sample[count++] = sample[i];
            }
        }

        var values = sample[..count];
        values.Sort();
        var distinct = new List<(float Value, int Count)>();
        for (var i = 0; i < values.Length;)
        {
            var j = i + 1;
            while (j < values.Length && values[j] == values[i])
            {
                j++;
            }

            distinct.Add((values[i], j - i));
            i = j;
        }

        var edges = new List<float>();
        if (distinct.Count <= maxValueBins)
        {
            for (var i = 0; i + 1 < distinct.Count; i++)
            {
                edges.Add(Midpoint(distinct[i].Value, distinct[i + 1].Value));
            }
        }
        else
        {
            var remaining = count;
            var binsLeft = maxValueBins;
            var accumulated = 0;
            for (var i = 0; i + 1 < distinct.Count && binsLeft > 1; i++)
            {
                accumulated += distinct[i].Count;
                var target = (double)remaining / binsLeft;
                // Cut here if this bin is full, or if the next value alone would overfill it.
                if (accumulated >= target || accumulated + distinct[i + 1].Count > 1.5 * target)
                {
                    edges.Add(Midpoint(distinct[i].Value, distinct[i + 1].Value));
                    remaining -= accumulated;
                    accumulated = 0;
                    binsLeft--;
                }
            }
        }

        return new FeatureBinner(false, edges.ToArray(), [], edges.Count + 2);
    }

    /// <summary>
    /// Categorical levels: codes map to bins 1..cardinality while they fit; otherwise the most frequent
    /// <paramref name="maxValueBins"/> − 1 levels get their own bin and the rest share the last one.
    /// </summary>
    public static FeatureBinner FitCategorical(ReadOnlySpan<float> column, int cardinality, int maxValueBins)
    {
        if (cardinality <= 0)
        {
            for (var i = 0; i < column.Length; i++)
            {
                var v = column[i];
                if (!float.IsNaN(v) && v >= 0 && v < int.MaxValue)
                {
                    cardinality = Math.Max(cardinality, (int)v + 1);
                }
            }
        }

        cardinality = Math.Max(cardinality, 1);
        var map = new int[cardinality];
        if (cardinality <= maxValueBins)
        {
            for (var c = 0; c < cardinality; c++)
            {
                map[c] = c + 1;
            }

            return new FeatureBinner(true, [], map, cardinality + 1);
        }

        var counts = new long[cardinality];
        for (var i = 0; i < column.Length; i++)
        {
            var v = column[i];
            if (!float.IsNaN(v) && v >= 0 && v < cardinality)
            {
                counts[(int)v]++;
            }
        }

        var order = new int[cardinality];
        for (var c = 0; c < cardinality; c++)
        {
            order[c] = c;
        }

        // Descending count, ties by code: deterministic.
        Array.Sort(order, (a, b) => counts[a] != counts[b] ? counts[b].CompareTo(counts[a]) : a.CompareTo(b));
        for (var r = 0; r < cardinality; r++)
        {
            map[order[r]] = Math.Min(r + 1, maxValueBins);
        }

        return new FeatureBinner(true, [], map, maxValueBins + 1);
    }

    private static float Midpoint(float a, float b)
    {
        var mid = (float)((a + (double)b) / 2);
        return mid >= a && mid < b ? mid : a;
    }
}

/// <summary>Training rows binned to bytes, one column per feature (column-major), with their binners.</summary>
internal sealed class BinnedData
{
    private BinnedData(int rowCount, byte[][] columns, FeatureBinner[] binners)
    {
        RowCount = rowCount;
        Columns = columns;
        Binners = binners;
        BinOffsets = new int[binners.Length + 1];
        for (var f = 0; f < binners.Length; f++)
        {
            BinOffsets[f + 1] = BinOffsets[f] + binners[f].BinCount;
        }
    }

    public int RowCount { get; }

    public int FeatureCount => Binners.Length;

    public byte[][] Columns { get; }

    public FeatureBinner[] Binners { get; }

    /// <summary>Feature f's bins start at histogram bin BinOffsets[f]; the last entry is the total.</summary>
    public int[] BinOffsets { get; }

    public int TotalBins => BinOffsets[^1];

    /// <summary>
    /// Fits binners on (a sample of at most <paramref name="sampleSize"/> rows of) <paramref name="features"/> and
    /// bins every row. Parallel over features; the result does not depend on the thread count.
    /// </summary>
    public static BinnedData Fit(FeatureMatrix features, int maxValueBins, int sampleSize, int seed, int maxDegreeOfParallelism,
        CancellationToken cancellationToken = default)
    {
        var n = features.RowCount;
        var sampleRows = SampleRows(n, sampleSize, seed);
        var binners = new FeatureBinner[features.DenseColumnCount];
        // Checked between features: on wide data (thousands of text columns) binning alone takes most of a second.
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, binners.Length, options, f =>
        {
            var column = features.DenseColumn(f);
            var info = features.Features[f];
            if (info.IsCategorical)
            {
                binners[f] = FeatureBinner.FitCategorical(column, info.Cardinality, maxValueBins);
                return;
            }

            var sample = new float[sampleRows?.Length ?? n];
            if (sampleRows is null)
            {
                column.CopyTo(sample);
            }
            else
            {
                for (var i = 0; i < sampleRows.Length; i++)
                {
                    sample[i] = column[sampleRows[i]];
                }
            }

            binners[f] = FeatureBinner.FitNumeric(sample, maxValueBins);
        });
        return Apply(features, binners, maxDegreeOfParallelism, cancellationToken);
    }

    /// <summary>Bins <paramref name="features"/> with already fitted binners (validation rows).</summary>
    public static BinnedData Apply(FeatureMatrix features, FeatureBinner[] binners, int maxDegreeOfParallelism,
        CancellationToken cancellationToken = default)
    {
        var n = features.RowCount;
        var columns = new byte[binners.Length][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, binners.Length, options, f =>
        {
            var column = features.DenseColumn(f);
            var binner = binners[f];
            var bins = new byte[n];
            for (var i = 0; i < n; i++)
            {
                bins[i] = (byte)binner.Bin(column[i]);
            }

            columns[f] = bins;
        });
        return new BinnedData(n, columns, binners);
    }

    private static int[]? SampleRows(int n, int sampleSize, int seed)
    {
        if (n <= sampleSize)
        {
            return null;
        }

        // Floyd-free simple approach: a seeded partial Fisher-Yates over row ids, then sorted for locality.
        var ids = new int[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = i;
        }

        var rng = new Random(seed);
        for (var i = 0; i < sampleSize; i++)
        {
            var j = rng.Next(i, n);
            (ids[i], ids[j]) = (ids[j], ids[i]);
        }

        var sample = ids.AsSpan(0, sampleSize).ToArray();
        Array.Sort(sample);
        return sample;
    }
}
