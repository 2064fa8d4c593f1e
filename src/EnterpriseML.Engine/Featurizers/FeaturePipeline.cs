using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Featurizers;

/// <summary>
/// Fits one featurizer per input column, by column type (numeric and boolean: impute + scale; categorical: one-hot,
/// hashing or codes; text: TF-IDF; datetime: calendar parts), and concatenates their outputs into one
/// <see cref="FeatureMatrix"/>: dense features in column order, then the sparse text block.
/// </summary>
public static class FeaturePipeline
{
    /// <summary>Fits on <paramref name="train"/> (every column is a feature; drop the label first).</summary>
    public static FittedFeaturePipeline Fit(DataTable train, FeaturizerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FeaturizerOptions();
        options.Validate();
        if (train.Columns.Count == 0)
        {
            throw new ArgumentException("The training table has no feature columns.", nameof(train));
        }

        var dense = new List<ColumnFeaturizer>();
        var text = new List<TextFeaturizer>();
        var textColumns = new HashSet<string>(options.TextColumns, StringComparer.Ordinal);
        var categoricalColumns = new HashSet<string>(options.CategoricalColumns, StringComparer.Ordinal);
        foreach (var column in train.Columns)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var type = textColumns.Contains(column.Name) ? ColumnType.Text
                : categoricalColumns.Contains(column.Name) ? ColumnType.Categorical
                : column.Type;
            var converted = ColumnConversion.To(column, type);
            switch (type)
            {
                case ColumnType.Numeric or ColumnType.Boolean:
                    dense.Add(NumericFeaturizer.Fit((NumericColumn)converted, options));
                    break;
                case ColumnType.Categorical:
                    dense.Add(CategoricalFeaturizer.Fit((StringColumn)converted, options));
                    break;
                case ColumnType.Text:
                    text.Add(TextFeaturizer.Fit((StringColumn)converted, options.Text, cancellationToken));
                    break;
                case ColumnType.DateTime:
                    dense.Add(DateTimeFeaturizer.Fit((DateTimeColumn)converted, options));
                    break;
            }
        }

        return new FittedFeaturePipeline([.. dense], [.. text]);
    }
}

/// <summary>
/// A fitted feature pipeline: immutable, safe for concurrent use, applied unchanged at prediction. Feature names are
/// kept for explanations (<c>age</c>, <c>age=missing</c>, <c>purpose=car</c>, <c>text:w:not good</c> ...).
/// </summary>
public sealed class FittedFeaturePipeline
{
    private readonly ColumnFeaturizer[] _dense;
    private readonly TextFeaturizer[] _text;
    private readonly int[] _denseOffsets;
    private readonly int[] _sparseOffsets;

    internal FittedFeaturePipeline(ColumnFeaturizer[] dense, TextFeaturizer[] text)
    {
        _dense = dense;
        _text = text;
        var denseInfos = new List<FeatureInfo>();
        _denseOffsets = new int[dense.Length];
        for (var i = 0; i < dense.Length; i++)
        {
            _denseOffsets[i] = denseInfos.Count;
            dense[i].AddFeatureInfos(denseInfos);
        }

        DenseWidth = denseInfos.Count;
        var sparseInfos = new List<FeatureInfo>();
        _sparseOffsets = new int[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            _sparseOffsets[i] = sparseInfos.Count;
            text[i].AddFeatureInfos(sparseInfos);
        }

        SparseWidth = sparseInfos.Count;
        Features = [.. denseInfos, .. sparseInfos];
        // One entry per column even when two featurizers read it (an ensemble's members side by side).
        var inputs = new List<(string, ColumnType)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in dense)
        {
            if (seen.Add(d.Column))
            {
                inputs.Add((d.Column, d.InputType));
            }
        }

        foreach (var t in text)
        {
            if (seen.Add(t.Column))
            {
                inputs.Add((t.Column, ColumnType.Text));
            }
        }

        InputColumns = inputs;
    }

    /// <summary>The input columns this pipeline reads, with the type each is featurised as.</summary>
    public IReadOnlyList<(string Name, ColumnType Type)> InputColumns { get; }

    /// <summary>Every output feature: dense first, then sparse.</summary>
    public FeatureInfo[] Features { get; }

    public int DenseWidth { get; }

    public int SparseWidth { get; }

    public bool HasText => _text.Length > 0;

    /// <summary>Featurises every row of <paramref name="table"/>; extra columns are ignored, missing ones are an error naming them.</summary>
    public FeatureMatrix Transform(DataTable table, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var missing = InputColumns.Where(c => !table.TryGetColumn(c.Name, out _)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"Missing input column(s): {string.Join(", ", missing)}.", nameof(table));
        }

        var rows = table.RowCount;
        var dense = new float[checked(rows * DenseWidth)];
        for (var i = 0; i < _dense.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var column = ColumnConversion.To(table[_dense[i].Column], _dense[i].InputType);
            _dense[i].Transform(column, dense, rows, _denseOffsets[i]);
        }

        SparseMatrix? sparse = null;
        if (_text.Length > 0)
        {
            var blocks = new SparseMatrix[_text.Length];
            for (var i = 0; i < _text.Length; i++)
            {
                var builder = new SparseBuilder();
                var column = (StringColumn)ColumnConversion.To(table[_text[i].Column], ColumnType.Text);
                _text[i].Transform(column, builder, _sparseOffsets[i], cancellationToken);
                blocks[i] = builder.Build(SparseWidth);
            }

            sparse = blocks.Length == 1 ? blocks[0] : MergeRows(blocks, rows, SparseWidth);
        }

        return new FeatureMatrix(rows, dense, DenseWidth, sparse, Features);
    }

    private static SparseMatrix MergeRows(SparseMatrix[] blocks, int rows, int width)
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
    /// The pipelines side by side: every dense featurizer of each part in order, then every text featurizer of each
    /// part in order, so part <c>i</c>'s dense and sparse features are contiguous ranges of the result.
    /// </summary>
    public static FittedFeaturePipeline Concat(IReadOnlyList<FittedFeaturePipeline> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new FittedFeaturePipeline([.. parts.SelectMany(p => p._dense)], [.. parts.SelectMany(p => p._text)]);
    }

    internal ColumnFeaturizer[] DenseFeaturizers => _dense;

    internal TextFeaturizer[] TextFeaturizers => _text;

    internal int DenseOffset(int featurizer) => _denseOffsets[featurizer];

    internal int SparseOffset(int featurizer) => _sparseOffsets[featurizer];

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_dense.Length);
        foreach (var d in _dense)
        {
            writer.Write(d.Tag);
            d.Write(writer);
        }

        writer.Write(_text.Length);
        foreach (var t in _text)
        {
            t.Write(writer);
        }
    }

    public static FittedFeaturePipeline Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var dense = new ColumnFeaturizer[reader.ReadInt32()];
        for (var i = 0; i < dense.Length; i++)
        {
            var tag = reader.ReadByte();
            dense[i] = tag switch
            {
                1 => NumericFeaturizer.Read(reader),
                2 => CategoricalFeaturizer.Read(reader),
                4 => DateTimeFeaturizer.Read(reader),
                _ => throw new ModelFormatException($"Unknown featurizer tag {tag}."),
            };
        }

        var text = new TextFeaturizer[reader.ReadInt32()];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = TextFeaturizer.Read(reader);
        }

        return new FittedFeaturePipeline(dense, text);
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

    public static float ParseNumber(string? text, string column, int row, ColumnType type)
    {
        if (text is null)
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

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"Column '{column}', row {row}: expected a number, found '{text}'.");
    }
}
