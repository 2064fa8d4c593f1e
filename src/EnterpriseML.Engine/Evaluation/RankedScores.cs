using System.Buffers;

namespace EnterpriseML.Engine.Evaluation;

/// <summary>
/// Binary labels and scores validated and sorted by descending score, grouped into runs of tied scores: the
/// common ground of AUC, average precision, KS and the curves. Scratch arrays come from the shared pool.
/// </summary>
internal ref struct RankedScores
{
    private float[] _scores;
    private byte[] _labels;

    private RankedScores(float[] scores, byte[] labels, int count, long positives)
    {
        _scores = scores;
        _labels = labels;
        Count = count;
        Positives = positives;
    }

    public int Count { get; }

    public long Positives { get; }

    public readonly long Negatives => Count - Positives;

    /// <summary>Scores sorted descending.</summary>
    public readonly ReadOnlySpan<float> Scores => _scores.AsSpan(0, Count);

    /// <summary>Labels (0/1) in the order of <see cref="Scores"/>.</summary>
    public readonly ReadOnlySpan<byte> Labels => _labels.AsSpan(0, Count);

    public static RankedScores Create(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, string labelsName, string scoresName)
    {
        Validate(labels, scores, labelsName, scoresName);
        var n = labels.Length;
        var keys = ArrayPool<float>.Shared.Rent(n);
        var values = ArrayPool<byte>.Shared.Rent(n);
        long positives = 0;
        for (var i = 0; i < n; i++)
        {
            // Negated so that an ascending sort gives descending scores.
            keys[i] = -scores[i];
            var positive = labels[i] == 1f;
            values[i] = positive ? (byte)1 : (byte)0;
            positives += positive ? 1 : 0;
        }

        Array.Sort(keys, values, 0, n);
        for (var i = 0; i < n; i++)
        {
            keys[i] = -keys[i];
        }

        return new RankedScores(keys, values, n, positives);
    }

    /// <summary>Checks lengths, 0/1 labels and finite scores, naming the argument at fault.</summary>
    public static void Validate(ReadOnlySpan<float> labels, ReadOnlySpan<float> scores, string labelsName, string scoresName)
    {
        if (labels.Length == 0)
        {
            throw new ArgumentException("At least one example is needed.", labelsName);
        }

        if (labels.Length != scores.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {scores.Length} scores; they must pair up.", scoresName);
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] is not (0f or 1f))
            {
                throw new ArgumentException($"Label {i} is {labels[i]}; binary labels must be 0 or 1.", labelsName);
            }

            if (!float.IsFinite(scores[i]))
            {
                throw new ArgumentException($"Score {i} is {scores[i]}; scores must be finite.", scoresName);
            }
        }
    }

    /// <summary>
    /// The end (exclusive) of the run of scores tied with position <paramref name="start"/>, and the positives in it.
    /// </summary>
    public readonly int RunEnd(int start, out long positives)
    {
        var scores = Scores;
        var labels = Labels;
        var end = start;
        positives = 0;
        while (end < Count && scores[end] == scores[start])
        {
            positives += labels[end];
            end++;
        }

        return end;
    }

    public void Dispose()
    {
        ArrayPool<float>.Shared.Return(_scores);
        ArrayPool<byte>.Shared.Return(_labels);
        _scores = [];
        _labels = [];
    }
}
