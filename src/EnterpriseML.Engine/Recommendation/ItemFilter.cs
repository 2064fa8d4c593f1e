namespace EnterpriseML.Engine.Recommendation;

/// <summary>
/// Restricts which items may be recommended: an allow-list or a deny-list over a model's item ids (for example, in
/// stock, in a category). Unknown ids are ignored. Immutable; build once and reuse across requests.
/// </summary>
public sealed class ItemFilter
{
    private readonly bool[] _allowed;

    private ItemFilter(bool[] allowed) => _allowed = allowed;

    /// <summary>True when item <paramref name="item"/> may be recommended.</summary>
    public bool Allows(int item) => (uint)item < (uint)_allowed.Length && _allowed[item];

    /// <summary>Only the listed items may be recommended.</summary>
    public static ItemFilter Include(IdIndex items, IEnumerable<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(itemIds);
        var allowed = new bool[items.Count];
        foreach (var id in itemIds)
        {
            if (items.TryGetIndex(id, out var index))
            {
                allowed[index] = true;
            }
        }

        return new ItemFilter(allowed);
    }

    /// <summary>Every item except the listed ones may be recommended.</summary>
    public static ItemFilter Exclude(IdIndex items, IEnumerable<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(itemIds);
        var allowed = new bool[items.Count];
        Array.Fill(allowed, true);
        foreach (var id in itemIds)
        {
            if (items.TryGetIndex(id, out var index))
            {
                allowed[index] = false;
            }
        }

        return new ItemFilter(allowed);
    }

    /// <summary>Items allowed by both filters (null means no restriction).</summary>
    public static ItemFilter? Intersect(ItemFilter? first, ItemFilter? second)
    {
        if (first is null || second is null)
        {
            return first ?? second;
        }

        var allowed = new bool[Math.Max(first._allowed.Length, second._allowed.Length)];
        for (var i = 0; i < allowed.Length; i++)
        {
            allowed[i] = first.Allows(i) && second.Allows(i);
        }

        return new ItemFilter(allowed);
    }
}
