using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// A trained random forest (see <see cref="RandomForestTrainer"/>): P(class 1) as the mean of the trees' leaf class
/// frequencies, per class for multiclass (then scaled to sum to 1), or the mean regression value.
/// <see cref="Explain"/> gives path-dependent Tree SHAP values of the mean frequency (probability space for
/// classification; for multiclass, of the chosen class before the scaling). Immutable and thread-safe.
/// </summary>
public sealed class RandomForestModel : IExplainablePredictor, IPersistablePredictor
{
    /// <summary>The format identifier written by <see cref="Write"/>.</summary>
    public const string Format = "random-forest/1";

    internal RandomForestModel(TreePredictorCore core) => Core = core;

    internal TreePredictorCore Core { get; }

    public TaskKind Task => Core.Task;

    public int FeatureCount => Core.FeatureCount;

    public int OutputWidth => Core.OutputWidth;

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
    public static RandomForestModel Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var format = reader.ReadString();
        if (format != Format)
        {
            throw new InvalidDataException($"Expected a '{Format}' model, found '{format}'.");
        }

        var core = TreePredictorCore.Read(reader);
        if (!core.Ensemble.Average)
        {
            throw new InvalidDataException("A random forest model must average its trees.");
        }

        return new RandomForestModel(core);
    }
}
