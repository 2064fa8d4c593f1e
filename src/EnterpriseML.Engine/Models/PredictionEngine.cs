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
    private readonly int[] _denseInputIndex;
    private readonly int[] _textInputIndex;
    private readonly float[] _dense;
    private readonly float[][] _textCounts;
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

        var dense = model.Features.DenseFeaturizers;
        _denseInputIndex = new int[dense.Length];
        for (var i = 0; i < dense.Length; i++)
        {
            _denseInputIndex[i] = _inputIndex[dense[i].Column];
        }

        var text = model.Features.TextFeaturizers;
        _textInputIndex = new int[text.Length];
        _textCounts = new float[text.Length][];
        for (var i = 0; i < text.Length; i++)
        {
            _textInputIndex[i] = _inputIndex[text[i].Column];
            _textCounts[i] = new float[text[i].Width];
        }

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

    /// <summary>Sets an input from its text form, parsed by the column's type; throws <see cref="FormatException"/> naming the column.</summary>
    public void SetFromString(int input, string? value)
    {
        var (name, type) = Inputs[input];
        _inputs[input] = type switch
        {
            ColumnType.Numeric or ColumnType.Boolean => RawValue.FromNumber(ColumnConversion.ParseNumber(value, name, 0, type)),
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
        var dense = _model.Features.DenseFeaturizers;
        for (var i = 0; i < dense.Length; i++)
        {
            var value = _inputs[_denseInputIndex[i]];
            if (dense[i].InputType == ColumnType.Categorical && value.Text is null && !float.IsNaN(value.Number))
            {
                value = RawValue.FromText(ColumnConversion.FormatNumber(value.Number));
            }

            dense[i].TransformRow(value, _dense.AsSpan(_model.Features.DenseOffset(i), dense[i].DenseWidth));
        }

        var text = _model.Features.TextFeaturizers;
        if (text.Length == 0)
        {
            return new FeatureRow(_dense);
        }

        _sparseIndices.Clear();
        _sparseValues.Clear();
        for (var i = 0; i < text.Length; i++)
        {
            text[i].TransformRow(_inputs[_textInputIndex[i]].Text, _textCounts[i], _touched, _sparseIndices, _sparseValues, _model.Features.SparseOffset(i));
        }

        return new FeatureRow(_dense, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sparseIndices), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sparseValues));
    }
}
