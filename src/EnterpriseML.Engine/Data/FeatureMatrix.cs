namespace EnterpriseML.Engine.Data;

/// <summary>
/// How a trainer should treat one feature column. <paramref name="SparseIndicator"/> marks a 0/1 indicator that sits
/// in the sparse block only to save memory (one-hot of a many-level column): linear trainers regularise it as a dense
/// feature, not with the text scale of the sparse block.
/// </summary>
public readonly record struct FeatureInfo(string Name, bool IsCategorical = false, int Cardinality = 0, bool SparseIndicator = false);

/// <summary>
/// The featurised input of a trainer: a dense block stored column-major (feature <c>j</c> of row <c>i</c> at
/// <c>Dense[j * RowCount + i]</c>, NaN = missing) followed by an optional sparse CSR block. Feature indices of the
/// sparse block start at <see cref="DenseColumnCount"/>. Categorical dense features hold level codes 0..Cardinality-1
/// as floats (NaN = missing); trainers that cannot use codes ask the featurizer for one-hot instead.
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(int rowCount, float[] dense, int denseColumnCount, SparseMatrix? sparse, FeatureInfo[] features)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(features);
        if (dense.Length != checked(rowCount * denseColumnCount))
        {
            throw new ArgumentException($"Dense block has {dense.Length} values; expected {rowCount} × {denseColumnCount}.", nameof(dense));
        }

        if (sparse is not null && sparse.RowCount != rowCount)
        {
            throw new ArgumentException($"Sparse block has {sparse.RowCount} rows; expected {rowCount}.", nameof(sparse));
        }

        var total = denseColumnCount + (sparse?.ColumnCount ?? 0);
        if (features.Length != total)
        {
            throw new ArgumentException($"{features.Length} feature infos for {total} features.", nameof(features));
        }

        RowCount = rowCount;
        Dense = dense;
        DenseColumnCount = denseColumnCount;
        Sparse = sparse;
        Features = features;
    }

    public int RowCount { get; }

    /// <summary>Column-major dense values, length <see cref="RowCount"/> × <see cref="DenseColumnCount"/>.</summary>
    public float[] Dense { get; }

    public int DenseColumnCount { get; }

    /// <summary>The sparse block (for example TF-IDF), or null.</summary>
    public SparseMatrix? Sparse { get; }

    /// <summary>One entry per feature: dense features first, then sparse ones.</summary>
    public FeatureInfo[] Features { get; }

    public int ColumnCount => Features.Length;

    /// <summary>The dense column <paramref name="feature"/>.</summary>
    public ReadOnlySpan<float> DenseColumn(int feature) => Dense.AsSpan(feature * RowCount, RowCount);

    /// <summary>A dense-only matrix from column arrays (convenience for tests and small data).</summary>
    public static FeatureMatrix FromColumns(IReadOnlyList<float[]> columns, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var rows = columns.Count == 0 ? 0 : columns[0].Length;
        var dense = new float[rows * columns.Count];
        var infos = new FeatureInfo[columns.Count];
        for (var j = 0; j < columns.Count; j++)
        {
            if (columns[j].Length != rows)
            {
                throw new ArgumentException($"Column {j} has {columns[j].Length} rows; expected {rows}.", nameof(columns));
            }

            columns[j].CopyTo(dense, j * rows);
            infos[j] = new FeatureInfo(names?[j] ?? $"f{j}");
        }

        return new FeatureMatrix(rows, dense, columns.Count, null, infos);
    }
}

/// <summary>A compressed-sparse-row matrix. Column indices within a row are strictly increasing.</summary>
public sealed class SparseMatrix
{
    public SparseMatrix(int rowCount, int columnCount, int[] rowPointers, int[] columnIndices, float[] values)
    {
        ArgumentNullException.ThrowIfNull(rowPointers);
        ArgumentNullException.ThrowIfNull(columnIndices);
        ArgumentNullException.ThrowIfNull(values);
        if (rowPointers.Length != rowCount + 1)
        {
            throw new ArgumentException($"Row pointers have length {rowPointers.Length}; expected {rowCount + 1}.", nameof(rowPointers));
        }

        if (columnIndices.Length != values.Length || rowPointers[rowCount] != values.Length)
        {
            throw new ArgumentException("Column indices, values and the last row pointer must agree.", nameof(values));
        }

        RowCount = rowCount;
        ColumnCount = columnCount;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    public int RowCount { get; }

    public int ColumnCount { get; }

    public int[] RowPointers { get; }

    public int[] ColumnIndices { get; }

    public float[] Values { get; }

    public ReadOnlySpan<int> RowIndices(int row) => ColumnIndices.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);

    public ReadOnlySpan<float> RowValues(int row) => Values.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);
}

/// <summary>
/// One featurised row for single-row prediction: the dense part and the sparse part (sparse indices are relative to
/// the sparse block, i.e. feature <c>DenseColumnCount + index</c>).
/// </summary>
public readonly ref struct FeatureRow
{
    public FeatureRow(ReadOnlySpan<float> dense, ReadOnlySpan<int> sparseIndices = default, ReadOnlySpan<float> sparseValues = default)
    {
        Dense = dense;
        SparseIndices = sparseIndices;
        SparseValues = sparseValues;
    }

    public ReadOnlySpan<float> Dense { get; }

    public ReadOnlySpan<int> SparseIndices { get; }

    public ReadOnlySpan<float> SparseValues { get; }
}
