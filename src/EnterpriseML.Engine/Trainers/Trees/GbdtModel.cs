namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>
/// A trained gradient-boosted tree ensemble (see <see cref="GbdtTrainer"/>). Outputs P(class 1) for binary, K softmax
/// probabilities for multiclass, the value for regression. <see cref="TreeModel.Explain"/> gives path-dependent Tree
/// SHAP values of the raw margin (log-odds; per-class margin for multiclass). Immutable and thread-safe.
/// </summary>
public sealed class GbdtModel : TreeModel
{
    /// <summary>The format identifier written by <see cref="TreeModel.Write"/>.</summary>
    public const string Format = "gbdt/1";

    internal GbdtModel(TreePredictorCore core)
        : base(core)
    {
    }

    public override string FormatId => Format;

    /// <summary>Reads a model written by <see cref="TreeModel.Write"/>; throws <see cref="InvalidDataException"/> on a corrupt stream.</summary>
    public static GbdtModel Read(BinaryReader reader) =>
        new(ReadCore(reader, Format, averaged: false, "A GBDT model cannot average its trees."));
}
