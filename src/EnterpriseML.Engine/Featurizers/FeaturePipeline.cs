using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Featurizers;

/// <summary>
/// Fits one featurizer per input column, by column type (numeric and boolean: impute + scale; categorical: one-hot,
/// hashing or codes; text: TF-IDF; datetime: calendar parts), and concatenates their outputs into one
/// <see cref="FeatureMatrix"/>: each featurizer's dense features in column order, then each one's sparse features
/// (text, and one-hot of many levels) in column order, text columns last.
/// </summary>
public static class FeaturePipeline
{
    /// <summary>
    /// Fits on <paramref name="train"/> (every column is a feature; drop the label first). A column with no value in
    /// any training row teaches nothing and is left out, so it is not an input of the model: a file or a request to
    /// predict on need not have it, and its values there are not read (a column empty in training but filled with
    /// text later was an error). When every column is empty, they are all kept and the model predicts the prior.
    /// </summary>
    public static FittedFeaturePipeline Fit(DataTable train, FeaturizerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FeaturizerOptions();
        options.Validate();
        if (train.Columns.Count == 0)
        {
            throw new ArgumentException("The training table has no feature columns.", nameof(train));
        }

        var columns = new List<ColumnFeaturizer>();
        var text = new List<ColumnFeaturizer>();
        var textColumns = new HashSet<string>(options.TextColumns, StringComparer.Ordinal);
        var categoricalColumns = new HashSet<string>(options.CategoricalColumns, StringComparer.Ordinal);
        var anyValue = false;
        foreach (var column in train.Columns)
        {
            anyValue |= HasValue(column);
        }

        foreach (var column in train.Columns)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (anyValue && !HasValue(column))
            {
                continue;
            }

            var type = textColumns.Contains(column.Name) ? ColumnType.Text
                : categoricalColumns.Contains(column.Name) ? ColumnType.Categorical
                : column.Type;
            var converted = ColumnConversion.To(column, type);
            switch (type)
            {
                case ColumnType.Numeric or ColumnType.Boolean:
                    columns.Add(NumericFeaturizer.Fit((NumericColumn)converted, options));
                    break;
                case ColumnType.Categorical:
                    columns.Add(CategoricalFeaturizer.Fit((StringColumn)converted, options));
                    break;
                case ColumnType.Text:
                    text.Add(TextFeaturizer.Fit((StringColumn)converted, options.Text, cancellationToken));
                    break;
                case ColumnType.DateTime:
                    columns.Add(DateTimeFeaturizer.Fit((DateTimeColumn)converted, options));
                    break;
            }
        }

        return new FittedFeaturePipeline([.. columns, .. text]);
    }

    private static bool HasValue(DataColumn column)
    {
        for (var row = 0; row < column.Length; row++)
        {
            if (!column.IsMissing(row))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A fitted feature pipeline: immutable, safe for concurrent use, applied unchanged at prediction. Feature names are
/// kept for explanations (<c>age</c>, <c>age=missing</c>, <c>purpose=car</c>, <c>text:w:not good</c> ...).
/// </summary>
public sealed class FittedFeaturePipeline
{
    private readonly ColumnFeaturizer[] _featurizers;
    private readonly int[] _denseOffsets;
    private readonly int[] _sparseOffsets;

    internal FittedFeaturePipeline(ColumnFeaturizer[] featurizers)
    {
        _featurizers = featurizers;
        var denseInfos = new List<FeatureInfo>();
        var sparseInfos = new List<FeatureInfo>();
        _denseOffsets = new int[featurizers.Length];
        _sparseOffsets = new int[featurizers.Length];
        for (var i = 0; i < featurizers.Length; i++)
        {
            _denseOffsets[i] = denseInfos.Count;
            featurizers[i].AddFeatureInfos(denseInfos);
            _sparseOffsets[i] = sparseInfos.Count;
            featurizers[i].AddSparseFeatureInfos(sparseInfos);
        }

        DenseWidth = denseInfos.Count;
        SparseWidth = sparseInfos.Count;
        Features = [.. denseInfos, .. sparseInfos];
        FeatureColumns = new string[Features.Length];
        for (var i = 0; i < featurizers.Length; i++)
        {
            var denseEnd = i + 1 < featurizers.Length ? _denseOffsets[i + 1] : DenseWidth;
            var sparseEnd = i + 1 < featurizers.Length ? _sparseOffsets[i + 1] : SparseWidth;
            Array.Fill(FeatureColumns, featurizers[i].Column, _denseOffsets[i], denseEnd - _denseOffsets[i]);
            Array.Fill(FeatureColumns, featurizers[i].Column, DenseWidth + _sparseOffsets[i], sparseEnd - _sparseOffsets[i]);
        }

        HasText = featurizers.Any(f => f is TextFeaturizer);

        // One entry per column even when two featurizers read it (an ensemble's members side by side).
        var inputs = new List<(string, ColumnType)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in featurizers)
        {
            if (seen.Add(f.Column))
            {
                inputs.Add((f.Column, f.InputType));
            }
        }

        InputColumns = inputs;
    }

    /// <summary>The input columns this pipeline reads, with the type each is featurised as.</summary>
    public IReadOnlyList<(string Name, ColumnType Type)> InputColumns { get; }

    /// <summary>Every output feature: dense first, then sparse.</summary>
    public FeatureInfo[] Features { get; }

    /// <summary>
    /// The input column each of <see cref="Features"/> is made from (<c>purpose=car</c>, <c>purpose=(other)</c> and, for a
    /// tree model, <c>purpose</c> all come from <c>purpose</c>; <c>note:w:not good</c> from <c>note</c>), same order.
    /// </summary>
    public string[] FeatureColumns { get; }

    public int DenseWidth { get; }

    public int SparseWidth { get; }

    public bool HasText { get; }

    /// <summary>Featurises every row of <paramref name="table"/>; extra columns are ignored, missing ones are an error naming them.</summary>
    public FeatureMatrix Transform(DataTable table, CancellationToken cancellationToken = default)
    {
        CheckColumns(table);
        var rows = table.RowCount;
        var dense = new float[checked(rows * DenseWidth)];
        var blocks = new List<SparseMatrix>();
        for (var i = 0; i < _featurizers.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var f = _featurizers[i];
            var column = ColumnConversion.To(table[f.Column], f.InputType);
            if (f.DenseWidth > 0)
            {
                f.Transform(column, dense, rows, _denseOffsets[i]);
            }

            if (f.SparseWidth > 0)
            {
                var builder = new SparseBuilder();
                f.TransformSparse(column, builder, _sparseOffsets[i], cancellationToken);
                blocks.Add(builder.Build(SparseWidth));
            }
        }

        var sparse = blocks.Count switch
        {
            0 => null,
            1 => blocks[0],
            _ => MergeRows(blocks, rows, SparseWidth),
        };
        return new FeatureMatrix(rows, dense, DenseWidth, sparse, Features);
    }

    /// <summary>Throws the error <see cref="Transform"/> gives for a table that lacks input columns, naming them.</summary>
    internal void CheckColumns(DataTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var missing = InputColumns.Where(c => !table.TryGetColumn(c.Name, out _)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            // A header that spells a column in other letter case ('Age' for 'age') is the usual cause: say so.
            throw new ArgumentException($"Missing input column(s): {string.Join(", ", missing.Select(m => OtherCase(table, m) is { } found ? $"{m} (the input has '{found}'; names are matched as spelled)" : m))}.", nameof(table));
        }
    }

    /// <summary>The column of <paramref name="table"/> named <paramref name="name"/> in other letter case, if any.</summary>
    private static string? OtherCase(DataTable table, string name)
    {
        foreach (var column in table.Columns)
        {
            if (string.Equals(column.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return column.Name;
            }
        }

        return null;
    }

    private static SparseMatrix MergeRows(List<SparseMatrix> blocks, int rows, int width)
    {
        var pointers = new int[rows + 1];
        var total = 0;
        foreach (var b in blocks)
        {
            total += b.Values.Length;
        }

        var indices = new int[total];
        var values = new float[total];
        var k = 0;
        for (var r = 0; r < rows; r++)
        {
            foreach (var b in blocks)
            {
                var idx = b.RowIndices(r);
                idx.CopyTo(indices.AsSpan(k));
                b.RowValues(r).CopyTo(values.AsSpan(k));
                k += idx.Length;
            }

            pointers[r + 1] = k;
        }

        return new SparseMatrix(rows, width, pointers, indices, values);
    }

    /// <summary>
    /// The pipelines side by side: every featurizer of each part in order, so part <c>i</c>'s dense and sparse
    /// features are contiguous ranges of the result.
    /// </summary>
    public static FittedFeaturePipeline Concat(IReadOnlyList<FittedFeaturePipeline> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new FittedFeaturePipeline([.. parts.SelectMany(p => p._featurizers)]);
    }

    internal ColumnFeaturizer[] Featurizers => _featurizers;

    internal int DenseOffset(int featurizer) => _denseOffsets[featurizer];

    internal int SparseOffset(int featurizer) => _sparseOffsets[featurizer];

    /// <summary>
    /// Every featurizer, tagged, in order, then an empty legacy text list. Files written before text featurizers
    /// were tagged hold the untagged text featurizers in that second list; <see cref="Read"/> reads both.
    /// </summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_featurizers.Length);
        foreach (var f in _featurizers)
        {
            writer.Write(f.Tag);
            f.Write(writer);
        }

        writer.Write(0);
    }

    public static FittedFeaturePipeline Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var featurizers = new List<ColumnFeaturizer>();
        var count = reader.ReadCount("Featurizers", 2);
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            featurizers.Add(tag switch
            {
                1 => NumericFeaturizer.Read(reader),
                2 => CategoricalFeaturizer.Read(reader),
                3 => TextFeaturizer.Read(reader),
                4 => DateTimeFeaturizer.Read(reader),
                NumericFeaturizer.ClampedTag => NumericFeaturizer.Read(reader, clamped: true),
                DateTimeFeaturizer.ClampedTag => DateTimeFeaturizer.Read(reader, clamped: true),
                TextFeaturizer.VersionedTag => TextFeaturizer.Read(reader, versioned: true),
                _ => throw new ModelFormatException($"Unknown featurizer tag {tag}."),
            });
        }

        var legacyText = reader.ReadCount("Legacy text featurizers", 2);
        for (var i = 0; i < legacyText; i++)
        {
            featurizers.Add(TextFeaturizer.Read(reader));
        }

        long dense = 0, sparse = 0;
        foreach (var f in featurizers)
        {
            dense += f.DenseWidth;
            sparse += f.SparseWidth;
        }

        // Each dense feature is a float per row and every feature has a description: widths beyond these are an edit.
        if (dense > 1 << 24 || dense + sparse > int.MaxValue / 2)
        {
            throw new InvalidDataException($"The featurizers make {dense} dense and {sparse} sparse features.");
        }

        return new FittedFeaturePipeline([.. featurizers]);
    }
}

/// <summary>Converts a column to the type a featurizer reads (for example numbers that arrived as strings).</summary>
internal static class ColumnConversion
{
    public static DataColumn To(DataColumn column, ColumnType type)
    {
        if (column.Type == type)
        {
            return column;
        }

        switch (type)
        {
            case ColumnType.Numeric or ColumnType.Boolean when column is NumericColumn n:
                return new NumericColumn(n.Name, n.Values.ToArray(), type);
            case ColumnType.Numeric or ColumnType.Boolean when column is StringColumn s:
                var values = new float[s.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ParseNumber(s.Values[i], s.Name, i, type);
                }

                return new NumericColumn(s.Name, values, type);
            case ColumnType.Categorical or ColumnType.Text when column is StringColumn s2:
                return new StringColumn(s2.Name, s2.Values.ToArray(), type);
            case ColumnType.Categorical or ColumnType.Text when column is NumericColumn n2:
                var strings = new string?[n2.Length];
                for (var i = 0; i < strings.Length; i++)
                {
                    strings[i] = FormatNumber(n2.Values[i]);
                }

                return new StringColumn(n2.Name, strings, type);
            case ColumnType.DateTime when column is StringColumn s3:
                var ticks = new long[s3.Length];
                for (var i = 0; i < ticks.Length; i++)
                {
                    var v = s3.Values[i];
                    ticks[i] = v is null ? DateTimeColumn.Missing
                        : DateTime.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t.Ticks
                        : throw new FormatException($"Column '{s3.Name}', row {i}: expected a date/time, found '{v}'.");
                }

                return new DateTimeColumn(s3.Name, ticks);
            default:
                throw new FormatException($"Column '{column.Name}' is {column.Type}; the model expects {type}.");
        }
    }

    /// <summary>Invariant text of a number as a category level: integers without decimals.</summary>
    public static string? FormatNumber(float v) =>
        float.IsNaN(v) ? null : v == MathF.Round(v) && MathF.Abs(v) < 1e9f ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A number as the CSV reader reads one: empty and missing markers (<c>NA</c>, <c>?</c>, <c>NaN</c> ...) are
    /// missing (NaN); a value that is not a finite 32-bit float (<c>Infinity</c>, <c>1e39</c>) is a
    /// <see cref="FormatException"/> naming the column and, when given, the row.
    /// </summary>
    public static float ParseNumber(string? text, string column, int? row, ColumnType type)
    {
        if (text is null || SchemaInference.IsMissing(text))
        {
            return float.NaN;
        }

        if (type == ColumnType.Boolean)
        {
            switch (text.Trim().ToLowerInvariant())
            {
                case "true" or "yes" or "y" or "t" or "1":
                    return 1f;
                case "false" or "no" or "n" or "f" or "0":
                    return 0f;
            }
        }

        var where = row is { } r ? $"Column '{column}', row {r}" : $"Column '{column}'";
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            throw new FormatException($"{where}: expected a number, found '{text}'.");
        }

        return float.IsFinite(v) ? v : throw new FormatException($"{where}: expected a finite number (a 32-bit float), found '{text}'.");
    }
}
