using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// A trained gradient-boosted tree ensemble (see <see cref="GbdtTrainer"/>). Outputs P(class 1) for binary, K softmax
/// probabilities for multiclass, the value for regression. <see cref="Explain"/> gives path-dependent Tree SHAP values
/// of the raw margin (log-odds; per-class margin for multiclass). Immutable and thread-safe.
/// </summary>
public sealed class GbdtModel : IExplainablePredictor, IPersistablePredictor
{
    /// <summary>The format identifier written by <see cref="Write"/>.</summary>
    public const string Format = "gbdt/1";

    internal GbdtModel(TreePredictorCore core) => Core = core;

    internal TreePredictorCore Core { get; }

    public TaskKind Task => Core.Task;

    public int FeatureCount => Core.FeatureCount;

    public int OutputWidth => Core.OutputWidth;

    /// <summary>Trees in the model (rounds × outputs).</summary>
    public int TreeCount => Core.Ensemble.TreeCount;

    public string FormatId => Format;

    /// <summary>Threads for <see cref="PredictBatch"/>; −1 = all cores. Predictions do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public void Predict(in FeatureRow row, Span<float> output) => Core.Predict(row, output);

    public void PredictBatch(FeatureMatrix features, Span<float> output) => Core.PredictBatch(features, output, MaxDegreeOfParallelism);

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0) => Core.Explain(row, contributions, outputIndex);

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Format);
        Core.Write(writer);
    }

    /// <summary>Reads a model written by <see cref="Write"/>; throws <see cref="InvalidDataException"/> on a corrupt stream.</summary>
    public static GbdtModel Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var format = reader.ReadString();
        if (format != Format)
        {
            throw new InvalidDataException($"Expected a '{Format}' model, found '{format}'.");
        }

        var core = TreePredictorCore.Read(reader);
        if (core.Ensemble.Average)
        {
            throw new InvalidDataException("A GBDT model cannot average its trees.");
        }

        return new GbdtModel(core);
    }
}
