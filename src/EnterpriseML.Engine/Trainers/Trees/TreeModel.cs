using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// What <see cref="GbdtModel"/> and <see cref="RandomForestModel"/> share: prediction, explanation and persistence
/// through one <see cref="TreePredictorCore"/>. The two differ in how their trees combine (summed margins or averaged
/// leaf values), their format identifier, and what their readers accept. Immutable and thread-safe.
/// </summary>
public abstract class TreeModel : IExplainablePredictor, IPersistablePredictor
{
    private protected TreeModel(TreePredictorCore core) => Core = core;

    internal TreePredictorCore Core { get; }

    public TaskKind Task => Core.Task;

    public int FeatureCount => Core.FeatureCount;

    public int OutputWidth => Core.OutputWidth;

    /// <summary>Trees in the model (for GBDT, rounds × outputs).</summary>
    public int TreeCount => Core.Ensemble.TreeCount;

    public abstract string FormatId { get; }

    /// <summary>Threads for <see cref="PredictBatch"/>; −1 = all cores. Predictions do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public void Predict(in FeatureRow row, Span<float> output) => Core.Predict(row, output);

    public void PredictBatch(FeatureMatrix features, Span<float> output) => Core.PredictBatch(features, output, MaxDegreeOfParallelism);

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0) => Core.Explain(row, contributions, outputIndex);

    public void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs) => Core.OutputsOf(margins, outputs);

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatId);
        Core.Write(writer);
    }

    /// <summary>
    /// Reads the core written after <paramref name="format"/>; throws <see cref="InvalidDataException"/> on another format,
    /// a corrupt stream, or trees that do not combine as <paramref name="averaged"/> says.
    /// </summary>
    private protected static TreePredictorCore ReadCore(BinaryReader reader, string format, bool averaged, string wrongCombination)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var found = reader.ReadString();
        if (found != format)
        {
            throw new InvalidDataException($"Expected a '{format}' model, found {PayloadReader.Quote(found)}.");
        }

        var core = TreePredictorCore.Read(reader);
        if (core.Ensemble.Average != averaged)
        {
            throw new InvalidDataException(wrongCombination);
        }

        return core;
    }
}
