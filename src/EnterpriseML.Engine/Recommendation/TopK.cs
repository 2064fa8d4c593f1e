namespace EnterpriseML.Engine.Recommendation;

/// <summary>An item index with its score.</summary>
public readonly record struct ScoredItem(int Item, float Score);

/// <summary>
/// Keeps the best <c>k</c> scored items seen so far in a caller-supplied buffer (a binary min-heap whose root is the
/// worst kept item). Ties are broken towards the lower item index, so results are deterministic.
/// </summary>
internal ref struct TopK
{
    private readonly Span<ScoredItem> _heap;
    private int _count;

    public TopK(Span<ScoredItem> buffer)
    {
        _heap = buffer;
        _count = 0;
    }

    public readonly int Count => _count;

    /// <summary>True when the heap is full and <paramref name="score"/> cannot enter it (cheap pre-check).</summary>
    public readonly bool Rejects(float score) => _count == _heap.Length && (_heap.Length == 0 || score < _heap[0].Score);

    public void Offer(int item, float score)
    {
        if (_heap.Length == 0 || float.IsNaN(score))
        {
            return;
        }

        var candidate = new ScoredItem(item, score);
        if (_count < _heap.Length)
        {
            _heap[_count] = candidate;
            SiftUp(_count++);
        }
        else if (Worse(_heap[0], candidate))
        {
            _heap[0] = candidate;
            SiftDown(0);
        }
    }

    /// <summary>Sorts the kept items best first in place and returns how many there are.</summary>
    public int Complete()
    {
        // Heap-sort: repeatedly move the worst to the end of the shrinking heap, leaving best-first order.
        var n = _count;
        for (var end = n - 1; end > 0; end--)
        {
            (_heap[0], _heap[end]) = (_heap[end], _heap[0]);
            _count = end;
            SiftDown(0);
        }

        _count = n;
        return n;
    }

    /// <summary>True when <paramref name="a"/> ranks below <paramref name="b"/>.</summary>
    private static bool Worse(in ScoredItem a, in ScoredItem b) => a.Score < b.Score || (a.Score == b.Score && a.Item > b.Item);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Worse(_heap[i], _heap[parent]))
            {
                return;
            }

            (_heap[i], _heap[parent]) = (_heap[parent], _heap[i]);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= _count)
            {
                return;
            }

            var worst = left;
            var right = left + 1;
            if (right < _count && Worse(_heap[right], _heap[left]))
            {
                worst = right;
            }

            if (!Worse(_heap[worst], _heap[i]))
            {
                return;
            }

            (_heap[i], _heap[worst]) = (_heap[worst], _heap[i]);
            i = worst;
        }
    }
}
