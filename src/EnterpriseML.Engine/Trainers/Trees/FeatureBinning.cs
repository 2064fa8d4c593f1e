using System.Numerics;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Numerics;

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
    public static FeatureBinner FitNumeric(Span<float> sample, int maxValueBins) => FitNumeric(sample, 0, maxValueBins);

    /// <summary>
    /// <see cref="FitNumeric(Span{float}, int)"/> for a sparse column: <paramref name="sample"/> holds the sampled rows'
    /// stored values and <paramref name="zeroCount"/> the sampled rows that store none (value 0). The edges are the
    /// ones the densified sample would give.
    /// </summary>
    public static FeatureBinner FitNumeric(Span<float> sample, int zeroCount, int maxValueBins)
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
        var zerosLeft = zeroCount;
        for (var i = 0; i < values.Length;)
        {
            var j = i + 1;
            while (j < values.Length && values[j] == values[i])
            {
                j++;
            }

            if (zerosLeft > 0 && values[i] > 0)
            {
                distinct.Add((0f, zerosLeft));
                zerosLeft = 0;
            }

            var group = j - i;
            if (values[i] == 0)
            {
                group += zerosLeft;
                zerosLeft = 0;
            }

            distinct.Add((values[i], group));
            i = j;
        }

        if (zerosLeft > 0)
        {
            distinct.Add((0f, zerosLeft));
        }

        count += zeroCount;

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

/// <summary>
/// One sparse feature binned: the rows whose bin differs from <see cref="DefaultBin"/> (the bin of the value 0, which
/// every row without a stored value falls in), in increasing row order, with their bins.
/// </summary>
internal sealed class SparseBinnedColumn(int[] rows, byte[] bins, byte defaultBin)
{
    public int[] Rows { get; } = rows;

    public byte[] Bins { get; } = bins;

    public byte DefaultBin { get; } = defaultBin;

    /// <summary>The bin of row <paramref name="row"/> (binary search).</summary>
    public byte BinOf(int row)
    {
        var at = Array.BinarySearch(Rows, row);
        return at >= 0 ? Bins[at] : DefaultBin;
    }
}

/// <summary>
/// Training rows binned to bytes, with their binners. Features of the matrix's dense block get one byte per row
/// (column-major, <see cref="Columns"/>); features of its sparse block stay sparse (<see cref="SparseColumns"/>): only
/// the rows whose bin is not the bin of 0 are stored, by column and again by row (<see cref="SparseRowStarts"/>), so
/// histograms and partitions touch stored entries only (Ke et al. 2017, "LightGBM", sparse features).
/// </summary>
internal sealed class BinnedData
{
    private BinnedData(int rowCount, byte[][] columns, SparseBinnedColumn[] sparseColumns, FeatureBinner[] binners)
    {
        RowCount = rowCount;
        Columns = columns;
        SparseColumns = sparseColumns;
        Binners = binners;
        BinOffsets = new int[binners.Length + 1];
        long total = 0;
        for (var f = 0; f < binners.Length; f++)
        {
            total += binners[f].BinCount;
            if (total * Histograms.Stride > Array.MaxLength)
            {
                throw new NotSupportedException(
                    $"The tree trainers keep a histogram of every feature's bins: {binners.Length} features need more than "
                    + $"{Array.MaxLength / Histograms.Stride} bins in all (reached at feature {f}). Lower MaximumBinCountPerFeature "
                    + "or the number of features (for text, the vocabulary size).");
            }

            BinOffsets[f + 1] = (int)total;
        }

        if (sparseColumns.Length > 0)
        {
            (SparseRowStarts, SparseRowFeatures, SparseRowBins) = ByRow(rowCount, columns.Length, sparseColumns);
        }
    }

    public int RowCount { get; }

    public int FeatureCount => Binners.Length;

    /// <summary>The bins of the dense features 0..<see cref="DenseFeatureCount"/> − 1, one byte per row.</summary>
    public byte[][] Columns { get; }

    /// <summary>Features from <see cref="DenseFeatureCount"/> on: sparse feature f is entry f − DenseFeatureCount.</summary>
    public SparseBinnedColumn[] SparseColumns { get; }

    public int DenseFeatureCount => Columns.Length;

    public bool HasSparse => SparseColumns.Length > 0;

    /// <summary>Row r's stored sparse entries are SparseRowStarts[r]..SparseRowStarts[r + 1] − 1 (empty without sparse features).</summary>
    public int[] SparseRowStarts { get; } = [];

    /// <summary>Feature index (dense features first) of each entry by row, increasing within a row.</summary>
    public int[] SparseRowFeatures { get; } = [];

    /// <summary>Bin of each entry by row.</summary>
    public byte[] SparseRowBins { get; } = [];

    public FeatureBinner[] Binners { get; }

    /// <summary>Feature f's bins start at histogram bin BinOffsets[f]; the last entry is the total.</summary>
    public int[] BinOffsets { get; }

    public int TotalBins => BinOffsets[^1];

    public bool IsSparse(int feature) => feature >= Columns.Length;

    public SparseBinnedColumn Sparse(int feature) => SparseColumns[feature - Columns.Length];

    /// <summary>The bin of one row of one feature (a binary search for a sparse feature).</summary>
    public byte BinOf(int feature, int row) => feature < Columns.Length ? Columns[feature][row] : Sparse(feature).BinOf(row);

    /// <summary>
    /// A byte column holding feature <paramref name="feature"/>'s bin at each row of <paramref name="rows"/> (other
    /// entries are left as they were): the dense column itself, or <paramref name="scratch"/> (length RowCount) filled
    /// from the stored entries, looked up row by row when the rows are few and increasing, else scattered.
    /// </summary>
    public byte[] BinsOfRows(int feature, ReadOnlySpan<int> rows, byte[] scratch, bool rowsIncrease)
    {
        if (feature < Columns.Length)
        {
            return Columns[feature];
        }

        var column = Sparse(feature);
        var stored = column.Rows;
        if (rowsIncrease && (long)rows.Length * (BitOperations.Log2((uint)stored.Length) + 2) < stored.Length)
        {
            var from = 0;
            foreach (var r in rows)
            {
                var at = Array.BinarySearch(stored, from, stored.Length - from, r);
                if (at >= 0)
                {
                    scratch[r] = column.Bins[at];
                    from = at + 1;
                }
                else
                {
                    scratch[r] = column.DefaultBin;
                    from = ~at;
                }
            }

            return scratch;
        }

        foreach (var r in rows)
        {
            scratch[r] = column.DefaultBin;
        }

        var bins = column.Bins;
        for (var e = 0; e < stored.Length; e++)
        {
            scratch[stored[e]] = bins[e];
        }

        return scratch;
    }

    /// <summary>
    /// Fits binners on (a sample of at most <paramref name="sampleSize"/> rows of) <paramref name="features"/> and
    /// bins every row. A sparse block is binned without densifying: a sparse column's binner is the one its densified
    /// sample would give. Parallel over features; the result does not depend on the thread count.
    /// </summary>
    public static BinnedData Fit(FeatureMatrix features, int maxValueBins, int sampleSize, int seed, int maxDegreeOfParallelism,
        CancellationToken cancellationToken = default)
    {
        var n = features.RowCount;
        var denseCount = features.DenseColumnCount;
        var sampleRows = SampleRows(n, sampleSize, seed);
        var binners = new FeatureBinner[features.ColumnCount];
        // Checked between features: on wide data (thousands of text columns) binning alone takes most of a second.
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, denseCount, options, f =>
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

        var byColumn = ByColumn(features.Sparse, cancellationToken);
        if (byColumn is { } csc)
        {
            var inSample = sampleRows is null ? null : new bool[n];
            foreach (var r in sampleRows ?? [])
            {
                inSample![r] = true;
            }

            var sampleCount = sampleRows?.Length ?? n;
            Parallel.For(0, csc.Starts.Length - 1, options, j =>
            {
                var f = denseCount + j;
                var info = features.Features[f];
                int from = csc.Starts[j], to = csc.Starts[j + 1];
                if (info.IsCategorical)
                {
                    // Rare (many-level one-hot is not categorical); its level counts need the whole column.
                    var column = new float[n];
                    for (var e = from; e < to; e++)
                    {
                        column[csc.Rows[e]] = csc.Values[e];
                    }

                    binners[f] = FeatureBinner.FitCategorical(column, info.Cardinality, maxValueBins);
                    return;
                }

                var sample = new float[to - from];
                var stored = 0;
                for (var e = from; e < to; e++)
                {
                    if (inSample is null || inSample[csc.Rows[e]])
                    {
                        sample[stored++] = csc.Values[e];
                    }
                }

                binners[f] = FeatureBinner.FitNumeric(sample.AsSpan(0, stored), sampleCount - stored, maxValueBins);
            });
        }

        return Apply(features, byColumn, binners, maxDegreeOfParallelism, cancellationToken);
    }

    /// <summary>Bins <paramref name="features"/> with already fitted binners (validation rows).</summary>
    public static BinnedData Apply(FeatureMatrix features, FeatureBinner[] binners, int maxDegreeOfParallelism,
        CancellationToken cancellationToken = default) =>
        Apply(features, ByColumn(features.Sparse, cancellationToken), binners, maxDegreeOfParallelism, cancellationToken);

    private static BinnedData Apply(FeatureMatrix features, SparseByColumn? csc, FeatureBinner[] binners, int maxDegreeOfParallelism,
        CancellationToken cancellationToken)
    {
        if (features.ColumnCount != binners.Length)
        {
            throw new ArgumentException($"The matrix has {features.ColumnCount} features; the binners cover {binners.Length}.", nameof(features));
        }

        var n = features.RowCount;
        var denseCount = features.DenseColumnCount;
        var columns = new byte[denseCount][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, denseCount, options, f =>
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

        var sparseColumns = new SparseBinnedColumn[binners.Length - denseCount];
        if (csc is not null)
        {
            Parallel.For(0, sparseColumns.Length, options, j =>
            {
                var binner = binners[denseCount + j];
                var defaultBin = (byte)binner.Bin(0f);
                int from = csc.Starts[j], to = csc.Starts[j + 1];
                var kept = 0;
                var rows = new int[to - from];
                var bins = new byte[to - from];
                for (var e = from; e < to; e++)
                {
                    var b = (byte)binner.Bin(csc.Values[e]);
                    if (b != defaultBin)
                    {
                        rows[kept] = csc.Rows[e];
                        bins[kept++] = b;
                    }
                }

                sparseColumns[j] = kept == rows.Length
                    ? new SparseBinnedColumn(rows, bins, defaultBin)
                    : new SparseBinnedColumn(rows[..kept], bins[..kept], defaultBin);
            });
        }

        return new BinnedData(n, columns, sparseColumns, binners);
    }

    /// <summary>The CSR block transposed: per column, its stored rows in increasing order and their values.</summary>
    private sealed record SparseByColumn(int[] Starts, int[] Rows, float[] Values);

    private static SparseByColumn? ByColumn(SparseMatrix? sparse, CancellationToken cancellationToken)
    {
        if (sparse is null)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var starts = new int[sparse.ColumnCount + 1];
        var indices = sparse.ColumnIndices;
        var entries = sparse.RowPointers[sparse.RowCount];
        for (var e = 0; e < entries; e++)
        {
            var j = indices[e];
            if ((uint)j >= (uint)sparse.ColumnCount)
            {
                throw new ArgumentException($"Sparse entry {e} has column {j}; the block has {sparse.ColumnCount} columns.", nameof(sparse));
            }

            starts[j + 1]++;
        }

        for (var j = 0; j < sparse.ColumnCount; j++)
        {
            starts[j + 1] += starts[j];
        }

        var next = starts[..^1];
        var rows = new int[entries];
        var values = new float[entries];
        for (var i = 0; i < sparse.RowCount; i++)
        {
            for (var e = sparse.RowPointers[i]; e < sparse.RowPointers[i + 1]; e++)
            {
                var at = next[indices[e]]++;
                rows[at] = i;
                values[at] = sparse.Values[e];
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new SparseByColumn(starts, rows, values);
    }

    private static (int[] Starts, int[] Features, byte[] Bins) ByRow(int rowCount, int denseCount, SparseBinnedColumn[] columns)
    {
        var starts = new int[rowCount + 1];
        foreach (var column in columns)
        {
            foreach (var r in column.Rows)
            {
                starts[r + 1]++;
            }
        }

        for (var r = 0; r < rowCount; r++)
        {
            starts[r + 1] += starts[r];
        }

        var next = starts[..^1];
        var features = new int[starts[rowCount]];
        var bins = new byte[features.Length];
        for (var j = 0; j < columns.Length; j++)
        {
            var rows = columns[j].Rows;
            var columnBins = columns[j].Bins;
            for (var e = 0; e < rows.Length; e++)
            {
                var at = next[rows[e]]++;
                features[at] = denseCount + j;
                bins[at] = columnBins[e];
            }
        }

        return (starts, features, bins);
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
