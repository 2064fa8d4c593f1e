using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>
/// A recommendation algorithm with validated options. <see cref="Fit"/> is pure and synchronous, deterministic under
/// the options' seed and independent of the thread count, and checks cancellation once per iteration or block.
/// </summary>
public interface IRecommenderTrainer
{
    /// <summary>The trainer's CLI name, for example <c>implicit-als</c>.</summary>
    string Name { get; }

    /// <summary>Fits a model on training interactions; the model's catalogue and users are the set's id maps.</summary>
    Recommender Fit(InteractionSet train, CancellationToken cancellationToken = default);
}

/// <summary>Resolves the stored kind of a recommender to its loader.</summary>
internal static class RecommenderKinds
{
    public static Recommender ReadPayload(string kind, RecommenderState state, BinaryReader reader) => kind switch
    {
        Trainers.Factorization.MatrixFactorizationTrainer.TrainerName => Trainers.Factorization.MatrixFactorizationModel.ReadPayload(state, reader),
        Trainers.Factorization.ImplicitAlsTrainer.TrainerName => Trainers.Factorization.ImplicitAlsModel.ReadPayload(state, reader),
        Trainers.Neighbors.ItemKnnTrainer.TrainerName => Trainers.Neighbors.ItemKnnModel.ReadPayload(state, reader),
        Trainers.Neighbors.PopularityTrainer.TrainerName => new Trainers.Neighbors.PopularityModel(state),
        _ => throw new InvalidDataException($"Unknown recommender kind {Models.PayloadReader.Quote(kind)}."),
    };

    internal static float[] ReadFloats(BinaryReader reader, long expected)
    {
        var n = reader.ReadInt32();
        if (n != expected)
        {
            throw new InvalidDataException($"Stored array has {n} values; expected {expected}.");
        }

        reader.CheckCount(n, "Stored array", 4);

        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = reader.ReadSingle();
        }

        return values;
    }

    internal static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    /// <summary>Fills <paramref name="values"/> with N(0, <paramref name="standardDeviation"/>²) draws (Box–Muller).</summary>
    internal static void FillNormal(Span<float> values, Random random, double standardDeviation)
    {
        for (var i = 0; i < values.Length; i += 2)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var radius = Math.Sqrt(-2.0 * Math.Log(u1)) * standardDeviation;
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
