using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace EnterpriseML.Engine.Data.Csv;

/// <summary>
/// Counts occurrences of UTF-8 byte strings in an open hash table whose keys live in one byte arena, so a repeated
/// value costs no allocation. Exact while the table holds at most <c>maxEntries</c> keys in
/// <c>maxArenaBytes</c>; after that, known keys are still counted but new keys are not stored, and the distinct count
/// comes from a HyperLogLog sketch that holds every value seen (seeded with the stored keys when the table fills).
/// </summary>
internal sealed class Utf8ValueCounter
{
    private readonly int _maxEntries;
    private readonly int _maxArenaBytes;
    private HyperLogLog? _sketch;
    private byte[] _arena = new byte[1024];
    private int _arenaLength;
    private Entry[] _entries = new Entry[16];
    private int[] _buckets = new int[32];
    private string?[]? _strings;

    public Utf8ValueCounter(int maxEntries, int maxArenaBytes)
    {
        _maxEntries = maxEntries;
        _maxArenaBytes = maxArenaBytes;
    }

    /// <summary>The number of keys stored.</summary>
    public int Count { get; private set; }

    /// <summary>True while every value seen is stored, so counts and <see cref="DistinctCount"/> are exact.</summary>
    public bool IsExact { get; private set; } = true;

    /// <summary>The number of distinct values: exact while <see cref="IsExact"/>, else a HyperLogLog estimate.</summary>
    public long DistinctCount => _sketch is null ? Count : Math.Max(Count, _sketch.Estimate());

    /// <summary>Counts one value; returns its entry index, or -1 when it is new and the table is full.</summary>
    public int Add(ReadOnlySpan<byte> value)
    {
        var hash = Hash(value);
        _sketch?.Add(hash);

        var bucket = (int)hash & (_buckets.Length - 1);
        for (var e = _buckets[bucket] - 1; e >= 0; e = _entries[e].Next)
        {
            ref var entry = ref _entries[e];
            if (entry.Hash == hash && _arena.AsSpan(entry.Offset, entry.Length).SequenceEqual(value))
            {
                entry.Count++;
                return e;
            }
        }

        if (Count >= _maxEntries || _arenaLength + value.Length > _maxArenaBytes)
        {
            if (IsExact)
            {
                // From now on the sketch sees every value; seed it with the keys seen so far (adding a value
                // twice does not change a HyperLogLog sketch, so this equals feeding it from the start).
                IsExact = false;
                _sketch = new HyperLogLog();
                for (var i = 0; i < Count; i++)
                {
                    _sketch.Add(_entries[i].Hash);
                }

                _sketch.Add(hash);
            }

            return -1;
        }

        if (_arenaLength + value.Length > _arena.Length)
        {
            Array.Resize(ref _arena, (int)Math.Max(Math.Min(Array.MaxLength, 2L * _arena.Length), _arenaLength + value.Length));
        }

        value.CopyTo(_arena.AsSpan(_arenaLength));
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, Count * 2);
            Rehash(_buckets.Length * 2);
            bucket = (int)hash & (_buckets.Length - 1);
        }

        var index = Count++;
        _entries[index] = new Entry { Hash = hash, Offset = _arenaLength, Length = value.Length, Count = 1, Next = _buckets[bucket] - 1 };
        _buckets[bucket] = index + 1;
        _arenaLength += value.Length;
        return index;
    }

    /// <summary>The count of entry <paramref name="index"/>.</summary>
    public long CountOf(int index) => _entries[index].Count;

    /// <summary>Entry <paramref name="index"/> as a string, created once and then shared.</summary>
    public string StringOf(int index)
    {
        _strings ??= new string?[_entries.Length];
        if (_strings.Length <= index)
        {
            Array.Resize(ref _strings, _entries.Length);
        }

        return _strings[index] ??= Encoding.UTF8.GetString(_arena, _entries[index].Offset, _entries[index].Length);
    }

    /// <summary>
    /// The <paramref name="limit"/> most frequent stored values, most frequent first; ties in order of first
    /// appearance.
    /// </summary>
    public List<ValueCount> Top(int limit)
    {
        var order = new int[Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var entries = _entries;
        Array.Sort(order, (a, b) =>
        {
            var byCount = entries[b].Count.CompareTo(entries[a].Count);
            return byCount != 0 ? byCount : a.CompareTo(b);
        });
        var result = new List<ValueCount>(Math.Min(limit, order.Length));
        for (var i = 0; i < order.Length && i < limit; i++)
        {
            result.Add(new ValueCount(StringOf(order[i]), entries[order[i]].Count));
        }

        return result;
    }

    /// <summary>A 64-bit hash of the bytes (multiply-xorshift over 8-byte words; deterministic across runs).</summary>
    internal static ulong Hash(ReadOnlySpan<byte> value)
    {
        var h = 0x9E3779B97F4A7C15UL ^ ((ulong)value.Length * 0xC2B2AE3D27D4EB4FUL);
        while (value.Length >= 8)
        {
            h = (h ^ Mix(BinaryPrimitives.ReadUInt64LittleEndian(value))) * 0xFF51AFD7ED558CCDUL;
            value = value[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < value.Length; i++)
        {
            tail |= (ulong)value[i] << (8 * i);
        }

        return Mix(h ^ (tail * 0x9FB21C651E98DF25UL));
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private void Rehash(int bucketCount)
    {
        _buckets = new int[bucketCount];
        for (var i = 0; i < Count; i++)
        {
            var bucket = (int)_entries[i].Hash & (bucketCount - 1);
            _entries[i].Next = _buckets[bucket] - 1;
            _buckets[bucket] = i + 1;
        }
    }

    private struct Entry
    {
        public ulong Hash;
        public int Offset;
        public int Length;
        public long Count;
        public int Next;
    }
}

/// <summary>
/// A HyperLogLog distinct-count sketch with 2^12 registers (standard error about 1.6 %), after Flajolet, Fusy,
/// Gandouet and Meunier, "HyperLogLog: the analysis of a near-optimal cardinality estimation algorithm" (2007), with
/// linear counting for small cardinalities.
/// </summary>
internal sealed class HyperLogLog
{
    private const int Precision = 12;
    private const int RegisterCount = 1 << Precision;
    private readonly byte[] _registers = new byte[RegisterCount];

    public void Add(ulong hash)
    {
        var index = (int)(hash >> (64 - Precision));
        var rank = (byte)(BitOperations.LeadingZeroCount((hash << Precision) | (1UL << (Precision - 1))) + 1);
        if (rank > _registers[index])
        {
            _registers[index] = rank;
        }
    }

    public long Estimate()
    {
        double sum = 0;
        var zeros = 0;
        foreach (var r in _registers)
        {
            sum += Math.ScaleB(1.0, -r);
            zeros += r == 0 ? 1 : 0;
        }

        const double m = RegisterCount;
        var alpha = 0.7213 / (1 + (1.079 / m));
        var estimate = alpha * m * m / sum;
        if (estimate <= 2.5 * m && zeros > 0)
        {
            estimate = m * Math.Log(m / zeros);
        }

        return (long)Math.Round(estimate);
    }
}
