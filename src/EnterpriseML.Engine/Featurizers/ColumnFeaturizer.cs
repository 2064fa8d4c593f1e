using EnterpriseML.Engine.Data;

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

/// <summary>Median imputation, an optional missing indicator, then scaling (fitted on training rows only).</summary>
internal sealed class NumericFeaturizer : ColumnFeaturizer
{
    private readonly bool _impute;
    private readonly bool _indicator;
    private readonly float _median;
    private readonly float _offset;
    private readonly float _scale;
    private readonly bool _boolean;

    private NumericFeaturizer(string column, bool boolean, bool impute, bool indicator, float median, float offset, float scale)
        : base(column)
    {
        _boolean = boolean;
        _impute = impute;
        _indicator = indicator;
        _median = median;
        _offset = offset;
        _scale = scale;
    }

    public override ColumnType InputType => _boolean ? ColumnType.Boolean : ColumnType.Numeric;

    public override byte Tag => 1;

    internal float Median => _median;

    internal float Offset => _offset;

    internal float Scale => _scale;

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
                offset = min;
                // The range in double: a float range of extreme values overflows to ∞ (scale 0) and a subnormal one to 1/0.
                var range = (double)max - min;
                scale = range > 0 && float.IsFinite((float)(1 / range)) && (float)(1 / range) > 0 ? (float)(1 / range) : 1f;
                break;
        }

        return new NumericFeaturizer(column.Name, column.Type == ColumnType.Boolean, impute, missing && options.AddMissingIndicators, median, offset, scale);
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
    }

    public static NumericFeaturizer Read(BinaryReader reader) =>
        new(reader.ReadString(), reader.ReadBoolean(), reader.ReadBoolean(), reader.ReadBoolean(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
}

/// <summary>Calendar parts of a timestamp: year, month, day of month, day of week, hour; missing parts take the training median.</summary>
internal sealed class DateTimeFeaturizer : ColumnFeaturizer
{
    private static readonly string[] Parts = ["year", "month", "day", "dayofweek", "hour"];
    private readonly float[] _medians;
    private readonly float[] _offsets;
    private readonly float[] _scales;

    private DateTimeFeaturizer(string column, float[] medians, float[] offsets, float[] scales)
        : base(column)
    {
        _medians = medians;
        _offsets = offsets;
        _scales = scales;
    }

    public override ColumnType InputType => ColumnType.DateTime;

    public override byte Tag => 4;

    public override int DenseWidth => Parts.Length;

    public static DateTimeFeaturizer Fit(DateTimeColumn column, FeaturizerOptions options)
    {
        var medians = new float[Parts.Length];
        var offsets = new float[Parts.Length];
        var scales = new float[Parts.Length];
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
        }

        return new DateTimeFeaturizer(column.Name, medians, offsets, scales);
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

    private float Map(float v, int p) => ((float.IsNaN(v) ? _medians[p] : v) - _offsets[p]) * _scales[p];

    public override void Write(BinaryWriter writer)
    {
        writer.Write(Column);
        for (var p = 0; p < Parts.Length; p++)
        {
            writer.Write(_medians[p]);
            writer.Write(_offsets[p]);
            writer.Write(_scales[p]);
        }
    }

    public static DateTimeFeaturizer Read(BinaryReader reader)
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

        return new DateTimeFeaturizer(column, medians, offsets, scales);
    }
}
