using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Featurizers;

/// <summary>
/// Categorical levels as features, fitted on training rows only. Levels rarer than the cut-off, and levels never seen
/// in training, go to an "other" bucket; a missing value sets no one-hot indicator (codes: NaN, which trees route).
/// Modes: one-hot (one indicator per kept level + other), hashed one-hot (stable FNV-1a hash into 2^bits indicators,
/// for high cardinality), or codes (one feature holding the level code, for native categorical tree splits). One-hot
/// and hashed indicators are written to the dense block, or, from <see cref="FeaturizerOptions.SparseOneHotMinimumWidth"/>
/// indicators on, to the sparse block (at most one entry per row), flagged <see cref="FeatureInfo.SparseIndicator"/>.
/// </summary>
internal sealed class CategoricalFeaturizer : ColumnFeaturizer
{
    private const byte ModeOneHot = 0;
    private const byte ModeHashed = 1;
    private const byte ModeCodes = 2;
    private const byte ModeSparseOneHot = 3;
    private const byte ModeSparseHashed = 4;

    /// <summary>The most hashing bits a file may give (options allow up to 20; a little room for what older engines wrote).</summary>
    private const int MaximumHashingBits = 24;

    private readonly byte _mode;
    private readonly string[] _levels;
    private readonly Dictionary<string, int> _index;
    private readonly int _hashBits;

    private CategoricalFeaturizer(string column, byte mode, string[] levels, int hashBits)
        : base(column)
    {
        _mode = mode;
        _levels = levels;
        _hashBits = hashBits;
        _index = new Dictionary<string, int>(levels.Length, StringComparer.Ordinal);
        for (var i = 0; i < levels.Length; i++)
        {
            _index[levels[i]] = i;
        }
    }

    public override ColumnType InputType => ColumnType.Categorical;

    public override byte Tag => 2;

    /// <summary>Kept levels, most frequent first; their code is their position; "other" is <c>Levels.Count</c>.</summary>
    public IReadOnlyList<string> Levels => _levels;

    public override int DenseWidth => _mode switch
    {
        ModeOneHot => _levels.Length + 1,
        ModeHashed => 1 << _hashBits,
        ModeCodes => 1,
        _ => 0,
    };

    public override int SparseWidth => _mode switch
    {
        ModeSparseOneHot => _levels.Length + 1,
        ModeSparseHashed => 1 << _hashBits,
        _ => 0,
    };

    private bool Hashed => _mode is ModeHashed or ModeSparseHashed;

    public static CategoricalFeaturizer Fit(StringColumn column, FeaturizerOptions options)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in column.Values)
        {
            if (v is not null)
            {
                counts[v] = counts.GetValueOrDefault(v) + 1;
            }
        }

        var frequent = counts.Where(kv => kv.Value >= options.MinimumCategoryCount)
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key)
            .ToList();

        if (options.CategoricalEncoding == CategoricalEncoding.Codes)
        {
            if (frequent.Count > options.MaximumCategoryCodes)
            {
                frequent.RemoveRange(options.MaximumCategoryCodes, frequent.Count - options.MaximumCategoryCodes);
            }

            return new CategoricalFeaturizer(column.Name, ModeCodes, [.. frequent], 0);
        }

        var hashed = frequent.Count > options.MaximumOneHotLevels;
        var sparse = (hashed ? 1 << options.HashingBits : frequent.Count + 1) >= options.SparseOneHotMinimumWidth;
        return hashed
            ? new CategoricalFeaturizer(column.Name, sparse ? ModeSparseHashed : ModeHashed, [], options.HashingBits)
            : new CategoricalFeaturizer(column.Name, sparse ? ModeSparseOneHot : ModeOneHot, [.. frequent], 0);
    }

    public override void AddFeatureInfos(List<FeatureInfo> dense)
    {
        switch (_mode)
        {
            case ModeOneHot or ModeHashed:
                AddIndicatorInfos(dense, sparse: false);
                break;
            case ModeCodes:
                dense.Add(new FeatureInfo(Column, IsCategorical: true, Cardinality: _levels.Length + 1));
                break;
        }
    }

    public override void AddSparseFeatureInfos(List<FeatureInfo> sparse)
    {
        if (_mode is ModeSparseOneHot or ModeSparseHashed)
        {
            AddIndicatorInfos(sparse, sparse: true);
        }
    }

    private void AddIndicatorInfos(List<FeatureInfo> infos, bool sparse)
    {
        if (Hashed)
        {
            for (var i = 0; i < 1 << _hashBits; i++)
            {
                infos.Add(new FeatureInfo(Column + "#" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), SparseIndicator: sparse));
            }

            return;
        }

        foreach (var level in _levels)
        {
            infos.Add(new FeatureInfo(Column + "=" + level, SparseIndicator: sparse));
        }

        infos.Add(new FeatureInfo(Column + "=(other)", SparseIndicator: sparse));
    }

    /// <summary>The code of a value: its level index, <c>Levels.Count</c> for other/unseen, -1 for missing.</summary>
    public int Code(string? value) => value is null ? -1 : _index.TryGetValue(value, out var code) ? code : _levels.Length;

    public override void Transform(DataColumn column, float[] dense, int rowCount, int firstFeature)
    {
        var values = ((StringColumn)column).Values;
        var width = DenseWidth;
        if (_mode == ModeCodes)
        {
            var target = dense.AsSpan(firstFeature * rowCount, rowCount);
            for (var i = 0; i < rowCount; i++)
            {
                var code = Code(values[i]);
                target[i] = code < 0 ? float.NaN : code;
            }

            return;
        }

        if (width == 0)
        {
            return;
        }

        dense.AsSpan(firstFeature * rowCount, width * rowCount).Clear();
        for (var i = 0; i < rowCount; i++)
        {
            var slot = Slot(values[i]);
            if (slot >= 0)
            {
                dense[((firstFeature + slot) * rowCount) + i] = 1f;
            }
        }
    }

    public override void TransformRow(in RawValue value, Span<float> dense)
    {
        if (_mode == ModeCodes)
        {
            var code = Code(value.Text);
            dense[0] = code < 0 ? float.NaN : code;
            return;
        }

        if (DenseWidth == 0)
        {
            return;
        }

        dense[..DenseWidth].Clear();
        var slot = Slot(value.Text);
        if (slot >= 0)
        {
            dense[slot] = 1f;
        }
    }

    public override void TransformSparse(DataColumn column, SparseBuilder builder, int offset, CancellationToken cancellationToken)
    {
        var values = ((StringColumn)column).Values;
        for (var i = 0; i < values.Length; i++)
        {
            if ((i & 65535) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var slot = Slot(values[i]);
            if (slot >= 0)
            {
                builder.Add(offset + slot, 1f);
            }

            builder.EndRow();
        }
    }

    public override void TransformRowSparse(in RawValue value, List<int> indices, List<float> values, int offset)
    {
        if (SparseWidth > 0 && Slot(value.Text) is var slot and >= 0)
        {
            indices.Add(offset + slot);
            values.Add(1f);
        }
    }

    private int Slot(string? value)
    {
        if (value is null)
        {
            return -1;
        }

        return Hashed ? (int)(Fnv1a(value) & ((1u << _hashBits) - 1)) : Code(value);
    }

    /// <summary>FNV-1a over UTF-16 code units: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    internal static uint Fnv1a(ReadOnlySpan<char> value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(Column);
        writer.Write(_mode);
        writer.Write(_hashBits);
        writer.Write(_levels.Length);
        foreach (var level in _levels)
        {
            writer.Write(level);
        }
    }

    public static CategoricalFeaturizer Read(BinaryReader reader)
    {
        var column = reader.ReadString();
        var mode = reader.ReadByte();
        var bits = reader.ReadInt32();
        if (mode > ModeSparseHashed || (mode is ModeHashed or ModeSparseHashed && bits is < 1 or > MaximumHashingBits))
        {
            throw new InvalidDataException($"The categorical featurizer of {PayloadReader.Quote(column)} has mode {mode} and {bits} hashing bits.");
        }

        var levels = new string[reader.ReadCount($"The levels of categorical column {PayloadReader.Quote(column)}", 1)];
        for (var i = 0; i < levels.Length; i++)
        {
            levels[i] = reader.ReadString();
        }

        return new CategoricalFeaturizer(column, mode, levels, bits);
    }
}
