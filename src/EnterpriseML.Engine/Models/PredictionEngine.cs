using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;

namespace EnterpriseML.Engine.Models;

/// <summary>
/// Single-row prediction with reusable buffers (in the spirit of ML.NET's PredictionEngine). Set the inputs with
/// <see cref="Set(int, RawValue)"/> or <see cref="SetText"/>, then call <see cref="Predict"/>. Not thread-safe: create
/// one per thread (the underlying <see cref="ModelPipeline"/> is shared and immutable). Predicting allocates nothing
/// once the engine has seen a few rows (text is lower-cased into stack or pooled buffers).
/// </summary>
public sealed class PredictionEngine
{
    private readonly ModelPipeline _model;
    private readonly RawValue[] _inputs;
    private readonly int[] _inputIndexOf;
    private readonly bool _hasSparse;
    private readonly float[] _dense;
    private readonly float[]?[] _textCounts;
    private readonly List<int> _touched = [];
    private readonly List<int> _sparseIndices = [];
    private readonly List<float> _sparseValues = [];
    private readonly Dictionary<string, int> _inputIndex;

    internal PredictionEngine(ModelPipeline model)
    {
        _model = model;
        var inputs = model.Features.InputColumns;
        _inputs = new RawValue[inputs.Count];
        _inputIndex = new Dictionary<string, int>(inputs.Count, StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            _inputIndex[inputs[i].Name] = i;
        }

        var featurizers = model.Features.Featurizers;
        _inputIndexOf = new int[featurizers.Length];
        _textCounts = new float[featurizers.Length][];
        for (var i = 0; i < featurizers.Length; i++)
        {
            _inputIndexOf[i] = _inputIndex[featurizers[i].Column];
            if (featurizers[i] is TextFeaturizer text)
            {
                _textCounts[i] = new float[text.Width];
            }
        }

        _hasSparse = model.Features.SparseWidth > 0;

        _dense = new float[model.Features.DenseWidth];
        Clear();
    }

    /// <summary>The input columns, in the order used by <see cref="Set(int, RawValue)"/>.</summary>
    public IReadOnlyList<(string Name, ColumnType Type)> Inputs => _model.Features.InputColumns;

    /// <summary>The index of an input column, or -1.</summary>
    public int IndexOf(string column) => _inputIndex.TryGetValue(column, out var i) ? i : -1;

    /// <summary>Marks every input missing.</summary>
    public void Clear() => Array.Fill(_inputs, RawValue.Missing);

    public void Set(int input, RawValue value) => _inputs[input] = value;

    public void SetNumber(int input, float value) => _inputs[input] = RawValue.FromNumber(value);

    public void SetText(int input, string? value) => _inputs[input] = RawValue.FromText(value);

    /// <summary>
    /// Sets an input from its text form, parsed by the column's type as a CSV field is: empty and missing markers
    /// (<c>NA</c>, <c>?</c>, <c>NaN</c> ...) are a missing value; a value that does not parse throws
    /// <see cref="FormatException"/> naming the column.
    /// </summary>
    public void SetFromString(int input, string? value)
    {
        var (name, type) = Inputs[input];
        if (value is not null && SchemaInference.IsMissing(value))
        {
            value = null;
        }

        _inputs[input] = type switch
        {
            ColumnType.Numeric or ColumnType.Boolean => RawValue.FromNumber(ColumnConversion.ParseNumber(value, name, row: null, type)),
            ColumnType.DateTime => value is null ? RawValue.Missing
                : DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                    ? RawValue.FromTicks(t.Ticks)
                    : throw new FormatException($"Column '{name}': expected a date/time, found '{value}'."),
            _ => RawValue.FromText(value),
        };
    }

    /// <summary>Predicts the current row into <paramref name="output"/> (length <see cref="ModelPipeline.OutputWidth"/>).</summary>
    public void Predict(Span<float> output)
    {
        var row = Featurize();
        _model.Predictor.Predict(row, output);
    }

    /// <summary>Featurises the current row; the spans stay valid until the next call.</summary>
    public FeatureRow Featurize()
    {
        var features = _model.Features;
        var featurizers = features.Featurizers;
        _sparseIndices.Clear();
        _sparseValues.Clear();
        for (var i = 0; i < featurizers.Length; i++)
        {
            var f = featurizers[i];
            var value = _inputs[_inputIndexOf[i]];
            if (f is TextFeaturizer text)
            {
                // Sparse offsets grow along the featurizers, so the row's indices come out in order.
                text.TransformRow(value.Text, _textCounts[i]!, _touched, _sparseIndices, _sparseValues, features.SparseOffset(i));
                continue;
            }

            if (f.InputType == ColumnType.Categorical && value.Text is null && !float.IsNaN(value.Number))
            {
                value = RawValue.FromText(ColumnConversion.FormatNumber(value.Number));
            }

            if (f.DenseWidth > 0)
            {
                f.TransformRow(value, _dense.AsSpan(features.DenseOffset(i), f.DenseWidth));
            }

            if (f.SparseWidth > 0)
            {
                f.TransformRowSparse(value, _sparseIndices, _sparseValues, features.SparseOffset(i));
            }
        }

        if (!_hasSparse)
        {
            return new FeatureRow(_dense);
        }

        return new FeatureRow(_dense, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sparseIndices), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sparseValues));
    }
}
