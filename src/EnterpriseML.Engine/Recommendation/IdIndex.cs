using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>
/// An immutable mapping between external ids (user or item strings) and dense indices 0..Count-1, in first-seen
/// order. Safe for concurrent reads.
/// </summary>
public sealed class IdIndex
{
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _lookup;

    private IdIndex(string[] ids, Dictionary<string, int> lookup)
    {
        _ids = ids;
        _lookup = lookup;
    }

    /// <summary>The number of distinct ids.</summary>
    public int Count => _ids.Length;

    /// <summary>The id at dense index <paramref name="index"/>.</summary>
    public string this[int index] => _ids[index];

    /// <summary>The ids in index order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Looks up the dense index of <paramref name="id"/>; false when the id was never seen.</summary>
    public bool TryGetIndex(string id, out int index) => _lookup.TryGetValue(id, out index);

    /// <summary>An index over the given distinct ids, in that order.</summary>
    /// <exception cref="ArgumentException">An id is null or repeated.</exception>
    public static IdIndex FromIds(IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var builder = new Builder(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] is null || builder.GetOrAdd(ids[i]) != i)
            {
                throw new ArgumentException($"Id at position {i} is null or repeated.", nameof(ids));
            }
        }

        return builder.Build();
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(_ids.Length);
        foreach (var id in _ids)
        {
            writer.Write(id);
        }
    }

    internal static IdIndex Read(BinaryReader reader)
    {
        var count = reader.ReadCount("Stored ids", 1);

        var builder = new Builder(count);
        for (var i = 0; i < count; i++)
        {
            builder.GetOrAdd(reader.ReadString());
        }

        if (builder.Count != count)
        {
            throw new InvalidDataException("Repeated id in a stored id index.");
        }

        return builder.Build();
    }

    /// <summary>Assigns dense indices to ids in first-seen order.</summary>
    public sealed class Builder
    {
        private readonly List<string> _ids;
        private readonly Dictionary<string, int> _lookup;

        public Builder(int capacity = 0)
        {
            _ids = new List<string>(capacity);
            _lookup = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        }

        /// <summary>The number of distinct ids so far.</summary>
        public int Count => _ids.Count;

        /// <summary>The index of <paramref name="id"/>, adding it when new.</summary>
        public int GetOrAdd(string id)
        {
            ArgumentNullException.ThrowIfNull(id);
            if (_lookup.TryGetValue(id, out var index))
            {
                return index;
            }

            index = _ids.Count;
            _ids.Add(id);
            _lookup.Add(id, index);
            return index;
        }

        public IdIndex Build() => new([.. _ids], new Dictionary<string, int>(_lookup, StringComparer.Ordinal));
    }
}
