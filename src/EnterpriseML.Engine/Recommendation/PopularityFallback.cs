using System.Globalization;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>
/// The cold-start answer for users without training history: items ranked by (optionally time-decayed) popularity,
/// globally and, when the training rows carry a user segment, per segment. An interaction's weight decays as
/// <c>2^(−age / half-life)</c>, age measured back from the latest training timestamp. Immutable.
/// </summary>
public sealed class PopularityFallback
{
    private readonly float[] _scores;
    private readonly int[] _ranking;
    private readonly Dictionary<string, (int[] Ranking, float[] Scores)> _segments;

    private PopularityFallback(float[] scores, int[] ranking, Dictionary<string, (int[] Ranking, float[] Scores)> segments)
    {
        _scores = scores;
        _ranking = ranking;
        _segments = segments;
    }

    /// <summary>The global popularity score of each item (0 for items never seen in training).</summary>
    public ReadOnlySpan<float> Scores => _scores;

    /// <summary>Items with a positive score, most popular first (ties by index).</summary>
    public ReadOnlySpan<int> Ranking => _ranking;

    /// <summary>The segments that have their own ranking.</summary>
    public IReadOnlyCollection<string> SegmentNames => _segments.Keys;

    /// <summary>
    /// Computes popularity from training interactions: the sum of row weights (1 when absent), each multiplied by
    /// <c>2^(−age / halfLifeDays)</c> when <paramref name="halfLifeDays"/> is positive and the rows have timestamps.
    /// </summary>
    /// <param name="train">The training interactions.</param>
    /// <param name="halfLifeDays">Decay half-life in days; 0 disables decay. Must be in [0, ∞).</param>
    /// <exception cref="ArgumentException">The weights of an item's rows sum past the largest float.</exception>
    public static PopularityFallback Build(InteractionSet train, double halfLifeDays = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!(halfLifeDays >= 0) || double.IsInfinity(halfLifeDays))
        {
            throw new ArgumentOutOfRangeException(nameof(halfLifeDays), halfLifeDays, "Must be in [0, ∞).");
        }

        var weights = RowWeights(train, halfLifeDays);
        var itemCount = train.Items.Count;
        var scores = new float[itemCount];
        var items = train.ItemIndices;
        for (var i = 0; i < items.Length; i++)
        {
            scores[items[i]] += (float)weights[i];
        }

        // A score past the largest float would be stored as infinity, which no JSON answer can carry and a loaded file
        // refuses; a segment's score sums some of the same rows in the same order, so it is at most the global one.
        for (var item = 0; item < scores.Length; item++)
        {
            if (!float.IsFinite(scores[item]))
            {
                throw new ArgumentException(
                    $"Item {PayloadReader.Quote(train.Items[item])}: the weights of its rows sum past {float.MaxValue.ToString(CultureInfo.InvariantCulture)}, the largest a model stores; give smaller weights.",
                    nameof(train));
            }
        }

        var segments = new Dictionary<string, (int[] Ranking, float[] Scores)>(StringComparer.Ordinal);
        if (train.HasSegments)
        {
            var perSegment = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var names = train.Segments;
            for (var i = 0; i < items.Length; i++)
            {
                var name = names[i];
                if (name is null)
                {
                    continue;
                }

                if (!perSegment.TryGetValue(name, out var segmentScores))
                {
                    segmentScores = new float[itemCount];
                    perSegment.Add(name, segmentScores);
                }

                segmentScores[items[i]] += (float)weights[i];
            }

            foreach (var (name, segmentScores) in perSegment)
            {
                var ranking = Rank(segmentScores);
                var rankedScores = new float[ranking.Length];
                for (var r = 0; r < ranking.Length; r++)
                {
                    rankedScores[r] = segmentScores[ranking[r]];
                }

                segments.Add(name, (ranking, rankedScores));
            }
        }

        return new PopularityFallback(scores, Rank(scores), segments);
    }

    /// <summary>
    /// Writes up to <c>destination.Length</c> popular items, best first, skipping items rejected by
    /// <paramref name="filter"/> or listed in <paramref name="exclude"/> (sorted ascending). The segment's ranking
    /// comes first when <paramref name="segment"/> is known; the global ranking fills the rest.
    /// </summary>
    public int Recommend(Span<ScoredItem> destination, ItemFilter? filter = null, string? segment = null, ReadOnlySpan<int> exclude = default)
    {
        var count = 0;
        if (segment is not null && _segments.TryGetValue(segment, out var s))
        {
            count = Take(s.Ranking, s.Scores, destination, 0, filter, exclude, checkDuplicates: false);
            if (count == destination.Length)
            {
                return count;
            }
        }

        return Take(_ranking, null, destination, count, filter, exclude, checkDuplicates: count > 0);
    }

    private int Take(int[] ranking, float[]? rankedScores, Span<ScoredItem> destination, int count, ItemFilter? filter, ReadOnlySpan<int> exclude, bool checkDuplicates)
    {
        var existing = count;
        for (var r = 0; r < ranking.Length && count < destination.Length; r++)
        {
            var item = ranking[r];
            if ((filter is not null && !filter.Allows(item)) || exclude.BinarySearch(item) >= 0)
            {
                continue;
            }

            if (checkDuplicates && Contains(destination[..existing], item))
            {
                continue;
            }

            destination[count++] = new ScoredItem(item, rankedScores is null ? _scores[item] : rankedScores[r]);
        }

        return count;
    }

    private static bool Contains(ReadOnlySpan<ScoredItem> items, int item)
    {
        foreach (var s in items)
        {
            if (s.Item == item)
            {
                return true;
            }
        }

        return false;
    }

    internal static double[] RowWeights(InteractionSet train, double halfLifeDays)
    {
        var weights = new double[train.Count];
        var decay = halfLifeDays > 0 && train.HasTimestamps && train.Count > 0;
        var latest = long.MinValue;
        if (decay)
        {
            foreach (var t in train.Timestamps)
            {
                latest = Math.Max(latest, t);
            }
        }

        var halfLifeSeconds = halfLifeDays * 86_400.0;
        for (var i = 0; i < weights.Length; i++)
        {
            var w = (double)train.WeightAt(i);
            if (decay)
            {
                w *= Math.Pow(2.0, -(latest - train.Timestamps[i]) / halfLifeSeconds);
            }

            weights[i] = w;
        }

        return weights;
    }

    private static int[] Rank(float[] scores)
    {
        var count = 0;
        foreach (var s in scores)
        {
            if (s > 0)
            {
                count++;
            }
        }

        var ranking = new int[count];
        var keys = new float[count];
        var k = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > 0)
            {
                ranking[k] = i;
                keys[k++] = -scores[i];
            }
        }

        // Indices are ascending before the sort; a stable order for equal scores comes from sorting (key, index) pairs.
        var composite = new (float Key, int Item)[count];
        for (var i = 0; i < count; i++)
        {
            composite[i] = (keys[i], ranking[i]);
        }

        Array.Sort(composite);
        for (var i = 0; i < count; i++)
        {
            ranking[i] = composite[i].Item;
        }

        return ranking;
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(_scores.Length);
        foreach (var s in _scores)
        {
            writer.Write(s);
        }

        writer.Write(_ranking.Length);
        foreach (var r in _ranking)
        {
            writer.Write(r);
        }

        writer.Write(_segments.Count);
        foreach (var name in _segments.Keys.Order(StringComparer.Ordinal))
        {
            var (ranking, scores) = _segments[name];
            writer.Write(name);
            writer.Write(ranking.Length);
            for (var i = 0; i < ranking.Length; i++)
            {
                writer.Write(ranking[i]);
                writer.Write(scores[i]);
            }
        }
    }

    internal static PopularityFallback Read(BinaryReader reader, int itemCount)
    {
        var scores = new float[reader.ReadCount("Stored popularity scores", 4, itemCount)];
        if (scores.Length != itemCount)
        {
            throw new InvalidDataException($"Stored popularity has {scores.Length} scores for a catalogue of {itemCount} items.");
        }

        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = reader.ReadSingle();
            CheckScore(scores[i], "Stored popularity scores", i, i);
        }

        var ranking = new int[reader.ReadCount("Stored popularity ranking", 4, itemCount)];
        for (var i = 0; i < ranking.Length; i++)
        {
            ranking[i] = reader.ReadIndex($"Stored popularity ranking entry {i}", itemCount);
        }

        // A ranking lists an item once: Recommend writes its entries in order, so a repeat would be recommended twice.
        var listed = new bool[itemCount];
        CheckDistinct(ranking, listed, "Stored popularity ranking");
        CheckBestFirst(ranking, scores, byItem: true, "Stored popularity ranking");

        var segmentCount = reader.ReadCount("Stored popularity segments", 5);
        var segments = new Dictionary<string, (int[] Ranking, float[] Scores)>(StringComparer.Ordinal);
        for (var s = 0; s < segmentCount; s++)
        {
            var name = reader.ReadString();
            var length = reader.ReadCount($"Stored ranking of segment {PayloadReader.Quote(name)}", 8, itemCount);
            var r = new int[length];
            var v = new float[length];
            for (var i = 0; i < length; i++)
            {
                r[i] = reader.ReadIndex($"Stored ranking of segment {PayloadReader.Quote(name)} entry {i}", itemCount);
                v[i] = reader.ReadSingle();
                CheckScore(v[i], $"Stored ranking of segment {PayloadReader.Quote(name)}", i, r[i]);
            }

            CheckDistinct(r, listed, $"Stored ranking of segment {PayloadReader.Quote(name)}");
            CheckBestFirst(r, v, byItem: false, $"Stored ranking of segment {PayloadReader.Quote(name)}");
            if (!segments.TryAdd(name, (r, v)))
            {
                throw new InvalidDataException($"Stored popularity has segment {PayloadReader.Quote(name)} twice.");
            }
        }

        return new PopularityFallback(scores, ranking, segments);
    }

    /// <summary>Throws unless <paramref name="score"/> (entry <paramref name="entry"/>, of item <paramref name="item"/>) is finite and at least 0, as <see cref="Build"/> makes them.</summary>
    private static void CheckScore(float score, string what, int entry, int item)
    {
        if (!(score >= 0f && float.IsFinite(score)))
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"{what}: entry {entry} (item {item}) has the score {score}; a popularity score is a finite number >= 0."));
        }
    }

    /// <summary>
    /// Throws unless <paramref name="ranking"/> lists its items best first, ties by item index, as <see cref="Rank"/>
    /// has sorted every ranking written since the first recommender format: <see cref="Recommend"/> takes the first
    /// items it finds, so an edited order would serve a less popular item before a more popular one. The score of an
    /// entry is <c>scores[item]</c> (<paramref name="byItem"/>, the global ranking) or <c>scores[entry]</c> (a
    /// segment's ranking, stored beside it).
    /// </summary>
    private static void CheckBestFirst(int[] ranking, float[] scores, bool byItem, string what)
    {
        for (var r = 1; r < ranking.Length; r++)
        {
            var previous = byItem ? scores[ranking[r - 1]] : scores[r - 1];
            var current = byItem ? scores[ranking[r]] : scores[r];
            if (current > previous || (current == previous && ranking[r] < ranking[r - 1]))
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what}: entry {r} is item {ranking[r]} of score {current}, after item {ranking[r - 1]} of score {previous}; a ranking lists items best first, ties by item index."));
            }
        }
    }

    /// <summary>Throws when <paramref name="ranking"/> lists an item twice; <paramref name="listed"/> (all false) is left all false.</summary>
    private static void CheckDistinct(int[] ranking, bool[] listed, string what)
    {
        try
        {
            for (var i = 0; i < ranking.Length; i++)
            {
                if (listed[ranking[i]])
                {
                    throw new InvalidDataException($"{what}: entry {i} is item {ranking[i]} again; a ranking lists an item once.");
                }

                listed[ranking[i]] = true;
            }
        }
        finally
        {
            foreach (var item in ranking)
            {
                listed[item] = false;
            }
        }
    }
}
