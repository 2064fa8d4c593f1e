namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// A trained random forest (see <see cref="RandomForestTrainer"/>): P(class 1) as the mean of the trees' leaf class
/// frequencies, per class for multiclass (then scaled to sum to 1), or the mean regression value.
/// <see cref="TreeModel.Explain"/> gives path-dependent Tree SHAP values of the mean frequency (probability space for
/// classification; for multiclass, of the chosen class before the scaling). Immutable and thread-safe.
/// </summary>
public sealed class RandomForestModel : TreeModel
{
    /// <summary>The format identifier written by <see cref="TreeModel.Write"/>.</summary>
    public const string Format = "random-forest/1";

    internal RandomForestModel(TreePredictorCore core)
        : base(core)
    {
    }

    public override string FormatId => Format;

    /// <summary>Reads a model written by <see cref="TreeModel.Write"/>; throws <see cref="InvalidDataException"/> on a corrupt stream.</summary>
    public static RandomForestModel Read(BinaryReader reader) =>
        new(ReadCore(reader, Format, averaged: true, "A random forest model must average its trees."));
}
