using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Featurizers;

/// <summary>One raw input value for single-row featurisation: a number (NaN = missing), a string (null = missing) or ticks.</summary>
public readonly struct RawValue
{
    private RawValue(float number, string? text, long ticks)
    {
        Number = number;
        Text = text;
        Ticks = ticks;
    }

    public static RawValue Missing => new(float.NaN, null, DateTimeColumn.Missing);

    public float Number { get; }

    public string? Text { get; }

    public long Ticks { get; }

    public static RawValue FromNumber(float value) => new(value, null, DateTimeColumn.Missing);

    public static RawValue FromText(string? value) => new(float.NaN, value, DateTimeColumn.Missing);

    public static RawValue FromTicks(long ticks) => new(float.NaN, null, ticks);
}

/// <summary>
/// A fitted featurizer of one input column: immutable. It writes <see cref="DenseWidth"/> features to the dense block
/// and <see cref="SparseWidth"/> features to the sparse block (text, and one-hot of many levels); most write to one
/// block only.
/// </summary>
internal abstract class ColumnFeaturizer
{
    protected ColumnFeaturizer(string column) => Column = column;

    public string Column { get; }

    /// <summary>The column type the featurizer reads (inputs of another type are converted first).</summary>
    public abstract ColumnType InputType { get; }

    public abstract byte Tag { get; }

    public abstract int DenseWidth { get; }

    /// <summary>Features this featurizer writes to the sparse block. Default 0.</summary>
    public virtual int SparseWidth => 0;

    public abstract void AddFeatureInfos(List<FeatureInfo> dense);

    /// <summary>Adds one entry per sparse feature (nothing when <see cref="SparseWidth"/> is 0).</summary>
    public virtual void AddSparseFeatureInfos(List<FeatureInfo> sparse)
    {
    }

    /// <summary>Writes features <c>firstFeature .. firstFeature + DenseWidth - 1</c> of the column-major block.</summary>
    public abstract void Transform(DataColumn column, float[] dense, int rowCount, int firstFeature);

    /// <summary>Appends every row's sparse features to <paramref name="builder"/>, indices shifted by <paramref name="offset"/>, ending each row.</summary>
    public virtual void TransformSparse(DataColumn column, SparseBuilder builder, int offset, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Featurizer of column '{Column}' has no sparse features.");

    /// <summary>Writes this column's dense features of one row.</summary>
    public abstract void TransformRow(in RawValue value, Span<float> dense);

    /// <summary>Appends this column's sparse features of one row (indices shifted by <paramref name="offset"/>, ascending). Default: none.</summary>
    public virtual void TransformRowSparse(in RawValue value, List<int> indices, List<float> values, int offset)
    {
    }

    public abstract void Write(BinaryWriter writer);
}

/// <summary>
/// Median imputation, an optional missing indicator, then scaling (fitted on training rows only). Min-max scaling
/// clamps a value to the training range [min, max] before it maps it, so every feature is in [0, 1]: naive Bayes reads
/// these features as counts, and a value below the training minimum gave it a negative one. Saved as tag 1 (no clamp,
/// as every file before the clamp) or tag 5 (tag 1's fields, then the training maximum).
/// </summary>
internal sealed class NumericFeaturizer : ColumnFeaturizer
{
    /// <summary>The tag of a featurizer that clamps to its training range.</summary>
    public const byte ClampedTag = 5;

    private readonly bool _impute;
    private readonly bool _indicator;
    private readonly float _median;
    private readonly float _offset;
    private readonly float _scale;
    private readonly bool _boolean;
    private readonly bool _clamp;
    private readonly float _maximum;

    private NumericFeaturizer(string column, bool boolean, bool impute, bool indicator, float median, float offset, float scale, bool clamp = false, float maximum = float.PositiveInfinity)
        : base(column)
    {
        _boolean = boolean;
        _impute = impute;
        _indicator = indicator;
        _median = median;
        _offset = offset;
        _scale = scale;
        _clamp = clamp;
        _maximum = maximum;
    }

    public override ColumnType InputType => _boolean ? ColumnType.Boolean : ColumnType.Numeric;

    public override byte Tag => _clamp ? ClampedTag : (byte)1;

    internal float Median => _median;

    internal float Offset => _offset;

    internal float Scale => _scale;

    /// <summary>Whether values are clamped to [<see cref="Offset"/>, <see cref="Maximum"/>] (min-max scaling).</summary>
    internal bool Clamps => _clamp;

    /// <summary>The training maximum when <see cref="Clamps"/>.</summary>
    internal float Maximum => _maximum;

    public override int DenseWidth => _indicator ? 2 : 1;

    public static NumericFeaturizer Fit(NumericColumn column, FeaturizerOptions options)
    {
        var values = column.Values;
        var present = new float[values.Length];
        var n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsNaN(values[i]))
            {
                if (float.IsInfinity(values[i]) && options.NumericScaling != NumericScaling.None)
                {
                    // The mean or range of a column with an infinity is not a number: every scaled value became NaN,
                    // and the trainer then blamed row 0 of the feature for a NaN the data never had.
                    var line = column.LineOf(i) is { } l ? $" (line {l})" : string.Empty;
                    throw new ArgumentException(
                        $"Column '{column.Name}' has the value {(values[i] > 0 ? "+" : "-")}Infinity at row {i}{line}; {options.NumericScaling} scaling needs finite numbers or missing values.",
                        nameof(column));
                }

                present[n++] = values[i];
            }
        }

        var missing = n < values.Length;
        var kept = present.AsSpan(0, n);
        kept.Sort();
        var median = n == 0 ? 0f : (n % 2 == 1 ? kept[n / 2] : (float)((kept[(n / 2) - 1] + (double)kept[n / 2]) / 2));

        // Statistics of the imputed column, so scaling is consistent with what the model sees.
        double sum = 0, sumSq = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var impute = options.ImputeNumericMissing;
        var count = impute ? values.Length : n;
        for (var i = 0; i < n; i++)
        {
            sum += kept[i];
            sumSq += (double)kept[i] * kept[i];
        }

        if (impute)
        {
            var filled = values.Length - n;
            sum += (double)median * filled;
            sumSq += (double)median * median * filled;
        }

        if (n > 0)
        {
            min = kept[0];
            max = kept[n - 1];
        }

        float offset = 0, scale = 1;
        var clamp = false;
        switch (options.NumericScaling)
        {
            case NumericScaling.Standardize when count > 0:
                var mean = sum / count;
                var variance = Math.Max(0, (sumSq / count) - (mean * mean));
                offset = (float)mean;
                // Constant when the spread is below what a float can tell apart at the column's magnitude (relative,
                // so a feature measured in units of 1e-30 is still scaled, and rounding noise on a large constant is
                // not blown up); a scale that a float cannot hold leaves the values as they are.
                var inverse = 1 / Math.Sqrt(variance);
                scale = variance > 1e-12 * mean * mean && float.IsFinite((float)inverse) ? (float)inverse : 1f;
                break;
            case NumericScaling.MinMax when n > 0:
                clamp = true;
                offset = min;
                // The range in double: a float range of extreme values overflows to ∞ (scale 0) and a subnormal one to 1/0.
                var range = (double)max - min;
                scale = range > 0 && float.IsFinite((float)(1 / range)) && (float)(1 / range) > 0 ? (float)(1 / range) : 1f;
                break;
        }

        return new NumericFeaturizer(column.Name, column.Type == ColumnType.Boolean, impute, missing && options.AddMissingIndicators, median, offset, scale, clamp, max);
    }

    public override void AddFeatureInfos(List<FeatureInfo> dense)
    {
        dense.Add(new FeatureInfo(Column));
        if (_indicator)
        {
            dense.Add(new FeatureInfo(Column + "=missing"));
        }
    }

    public override void Transform(DataColumn column, float[] dense, int rowCount, int firstFeature)
    {
        var values = ((NumericColumn)column).Values;
        var target = dense.AsSpan(firstFeature * rowCount, rowCount);
        Span<float> flags = _indicator ? dense.AsSpan((firstFeature + 1) * rowCount, rowCount) : default;
        for (var i = 0; i < rowCount; i++)
        {
            var v = values[i];
            if (_indicator)
            {
                flags[i] = float.IsNaN(v) ? 1f : 0f;
            }

            target[i] = Map(v);
        }
    }

    public override void TransformRow(in RawValue value, Span<float> dense)
    {
        dense[0] = Map(value.Number);
        if (_indicator)
        {
            dense[1] = float.IsNaN(value.Number) ? 1f : 0f;
        }
    }

    private float Map(float v)
    {
        if (float.IsNaN(v))
        {
            if (!_impute)
            {
                return float.NaN;
            }

            v = _median;
        }

        if (float.IsInfinity(v) && (_impute || _clamp || _offset != 0 || _scale != 1))
        {
            // A featurizer that imputes or scales feeds a model that needs finite inputs (linear ones): an infinity is
            // taken as the largest float of its sign, so it maps like any value far outside the training range.
            // Passed through, it made an infinite feature and the margin ∞ · 0 or ∞ − ∞ = NaN. Values left as they
            // are (trees) keep their infinities, which trees order like any number.
            v = float.IsPositive(v) ? float.MaxValue : -float.MaxValue;
        }

        if (_clamp)
        {
            v = Math.Clamp(v, _offset, _maximum);
        }

        var mapped = (v - _offset) * _scale;
        if (float.IsFinite(mapped) || !float.IsFinite(v))
        {
            return mapped;
        }

        // A finite value far from the offset (±3e38 around a mean of 1e38, say) overflows a float difference although
        // the scaled value is small; in double it does not. A value far outside the training range is clamped to the
        // largest float, so a finite input never gives an infinite feature (and a linear model never Inf · 0 = NaN).
        return (float)Math.Clamp(((double)v - _offset) * _scale, -float.MaxValue, float.MaxValue);
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(Column);
        writer.Write(_boolean);
        writer.Write(_impute);
        writer.Write(_indicator);
        writer.Write(_median);
        writer.Write(_offset);
        writer.Write(_scale);
        if (_clamp)
        {
            writer.Write(_maximum);
        }
    }

    /// <summary>Reads a featurizer saved under tag 1 (<paramref name="clamped"/> false) or <see cref="ClampedTag"/>.</summary>
    public static NumericFeaturizer Read(BinaryReader reader, bool clamped = false)
    {
        var featurizer = new NumericFeaturizer(reader.ReadString(), reader.ReadBoolean(), reader.ReadBoolean(), reader.ReadBoolean(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
        if (!clamped)
        {
            return featurizer;
        }

        var maximum = reader.ReadSingle();
        if (featurizer._offset > maximum)
        {
            throw new InvalidDataException($"The numeric featurizer of {PayloadReader.Quote(featurizer.Column)} clamps to [{featurizer._offset}, {maximum}].");
        }

        return new NumericFeaturizer(featurizer.Column, featurizer._boolean, featurizer._impute, featurizer._indicator, featurizer._median, featurizer._offset, featurizer._scale, true, maximum);
    }
}

/// <summary>
/// Calendar parts of a timestamp: year, month, day of month, day of week, hour; missing parts take the training
/// median. Under min-max scaling each part is clamped to its training range, as <see cref="NumericFeaturizer"/> does
/// (a year before the training years gave naive Bayes a negative count): tag 6, tag 4's fields then the maxima.
/// </summary>
internal sealed class DateTimeFeaturizer : ColumnFeaturizer
{
    /// <summary>The tag of a featurizer that clamps each part to its training range.</summary>
    public const byte ClampedTag = 6;

    private static readonly string[] Parts = ["year", "month", "day", "dayofweek", "hour"];
    private readonly float[] _medians;
    private readonly float[] _offsets;
    private readonly float[] _scales;
    private readonly float[]? _maxima;

    private DateTimeFeaturizer(string column, float[] medians, float[] offsets, float[] scales, float[]? maxima = null)
        : base(column)
    {
        _medians = medians;
        _offsets = offsets;
        _scales = scales;
        _maxima = maxima;
    }

    public override ColumnType InputType => ColumnType.DateTime;

    public override byte Tag => _maxima is null ? (byte)4 : ClampedTag;

    public override int DenseWidth => Parts.Length;

    public static DateTimeFeaturizer Fit(DateTimeColumn column, FeaturizerOptions options)
    {
        var medians = new float[Parts.Length];
        var offsets = new float[Parts.Length];
        var scales = new float[Parts.Length];
        var maxima = new float[Parts.Length];
        var clamp = true;
        var ticks = column.Ticks;
        var part = new float[ticks.Length];
        for (var p = 0; p < Parts.Length; p++)
        {
            for (var i = 0; i < ticks.Length; i++)
            {
                part[i] = Extract(ticks[i], p);
            }

            var numeric = NumericFeaturizer.Fit(new NumericColumn("part", part), new FeaturizerOptions
            {
                NumericScaling = options.NumericScaling,
                AddMissingIndicators = false,
                ImputeNumericMissing = true,
            });
            medians[p] = numeric.Median;
            offsets[p] = numeric.Offset;
            scales[p] = numeric.Scale;
            maxima[p] = numeric.Maximum;
            clamp &= numeric.Clamps;
        }

        return new DateTimeFeaturizer(column.Name, medians, offsets, scales, clamp ? maxima : null);
    }

    private static float Extract(long ticks, int part)
    {
        if (ticks == DateTimeColumn.Missing)
        {
            return float.NaN;
        }

        var t = new DateTime(ticks, DateTimeKind.Utc);
        return part switch
        {
            0 => t.Year,
            1 => t.Month,
            2 => t.Day,
            3 => (int)t.DayOfWeek,
            _ => t.Hour,
        };
    }

    public override void AddFeatureInfos(List<FeatureInfo> dense)
    {
        foreach (var p in Parts)
        {
            dense.Add(new FeatureInfo(Column + "." + p));
        }
    }

    public override void Transform(DataColumn column, float[] dense, int rowCount, int firstFeature)
    {
        var ticks = ((DateTimeColumn)column).Ticks;
        for (var p = 0; p < Parts.Length; p++)
        {
            var target = dense.AsSpan((firstFeature + p) * rowCount, rowCount);
            for (var i = 0; i < rowCount; i++)
            {
                target[i] = Map(Extract(ticks[i], p), p);
            }
        }
    }

    public override void TransformRow(in RawValue value, Span<float> dense)
    {
        for (var p = 0; p < Parts.Length; p++)
        {
            dense[p] = Map(Extract(value.Ticks, p), p);
        }
    }

    private float Map(float v, int p)
    {
        v = float.IsNaN(v) ? _medians[p] : v;
        if (_maxima is not null)
        {
            v = Math.Clamp(v, _offsets[p], _maxima[p]);
        }

        return (v - _offsets[p]) * _scales[p];
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(Column);
        for (var p = 0; p < Parts.Length; p++)
        {
            writer.Write(_medians[p]);
            writer.Write(_offsets[p]);
            writer.Write(_scales[p]);
        }

        if (_maxima is not null)
        {
            foreach (var m in _maxima)
            {
                writer.Write(m);
            }
        }
    }

    /// <summary>Reads a featurizer saved under tag 4 (<paramref name="clamped"/> false) or <see cref="ClampedTag"/>.</summary>
    public static DateTimeFeaturizer Read(BinaryReader reader, bool clamped = false)
    {
        var column = reader.ReadString();
        var medians = new float[Parts.Length];
        var offsets = new float[Parts.Length];
        var scales = new float[Parts.Length];
        for (var p = 0; p < Parts.Length; p++)
        {
            medians[p] = reader.ReadSingle();
            offsets[p] = reader.ReadSingle();
            scales[p] = reader.ReadSingle();
        }

        float[]? maxima = null;
        if (clamped)
        {
            maxima = new float[Parts.Length];
            for (var p = 0; p < Parts.Length; p++)
            {
                maxima[p] = reader.ReadSingle();
                if (offsets[p] > maxima[p])
                {
                    throw new InvalidDataException($"The date/time featurizer of {PayloadReader.Quote(column)} clamps its {Parts[p]} to [{offsets[p]}, {maxima[p]}].");
                }
            }
        }

        return new DateTimeFeaturizer(column, medians, offsets, scales, maxima);
    }
}
