using System.Text;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// A tabular sweep winner read back from the bytes its <see cref="IFittedCandidate.Save"/> wrote: a
/// <see cref="ModelPipeline"/> file, or the ensemble container (<c>EMLENS1</c>, see <see cref="EnsembleCandidate"/>)
/// of several, whose score is the weighted mean of its members' scores. Immutable; safe for concurrent
/// <see cref="Score"/>. What a refresh uses to score a stored champion on fresh rows.
/// </summary>
public sealed class StoredModel : IFittedCandidate
{
    private static ReadOnlySpan<byte> EnsembleMagic => "EMLENS1"u8;

    private readonly ModelPipeline[] _members;
    private readonly int[] _weights;
    private readonly byte[] _bytes;

    private StoredModel(ModelPipeline[] members, int[] weights, byte[] bytes)
    {
        _members = members;
        _weights = weights;
        _bytes = bytes;
    }

    /// <summary>The schema of the (first) pipeline: label, task, class names and inputs.</summary>
    public ModelSchema Schema => _members[0].Schema;

    /// <summary>How many pipelines are averaged (1 for a single pipeline).</summary>
    public int MemberCount => _members.Length;

    /// <summary>Reads a stored winner. Throws <see cref="ModelFormatException"/> for anything else (a recommender, corrupt bytes).</summary>
    public static StoredModel Load(byte[] artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (!artifact.AsSpan().StartsWith(EnsembleMagic))
        {
            using var single = new MemoryStream(artifact, writable: false);
            return new StoredModel([ModelPipeline.Load(single)], [1], artifact);
        }

        try
        {
            using var stream = new MemoryStream(artifact, writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            stream.Position = EnsembleMagic.Length;
            var count = reader.ReadInt32();
            if (count is < 1 or > 1000)
            {
                throw new ModelFormatException($"Corrupt ensemble: {count} members (expected 1 to 1000).");
            }

            var members = new ModelPipeline[count];
            var weights = new int[count];
            for (var m = 0; m < count; m++)
            {
                weights[m] = reader.ReadInt32();
                _ = reader.ReadString();
                var length = reader.ReadInt64();
                if (weights[m] < 1 || length < 0 || length > stream.Length - stream.Position)
                {
                    throw new ModelFormatException($"Corrupt ensemble: member {m} has weight {weights[m]} and length {length}.");
                }

                using var member = new MemoryStream(artifact, (int)stream.Position, (int)length, writable: false);
                members[m] = ModelPipeline.Load(member);
                stream.Position += length;
            }

            for (var m = 1; m < count; m++)
            {
                if (!members[m].Schema.ClassNames.SequenceEqual(members[0].Schema.ClassNames, StringComparer.Ordinal) || members[m].OutputWidth != members[0].OutputWidth)
                {
                    throw new ModelFormatException($"Corrupt ensemble: member {m} predicts other classes or another width than member 0.");
                }
            }

            return new StoredModel(members, weights, artifact);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException("Truncated ensemble: it ends inside a member.", e);
        }
    }

    /// <inheritdoc />
    public float[] Score(DataTable rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (_members.Length == 1)
        {
            return _members[0].Predict(rows);
        }

        float[]? sum = null;
        var total = 0;
        for (var m = 0; m < _members.Length; m++)
        {
            var scores = _members[m].Predict(rows);
            sum ??= new float[scores.Length];
            for (var i = 0; i < scores.Length; i++)
            {
                sum[i] += _weights[m] * scores[i];
            }

            total += _weights[m];
        }

        for (var i = 0; i < sum!.Length; i++)
        {
            sum[i] /= total;
        }

        return sum;
    }

    /// <summary>Writes the bytes it was loaded from.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(_bytes);
    }
}
