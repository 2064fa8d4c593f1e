using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers;

/// <summary>
/// A learning algorithm with its options already validated. <see cref="Fit"/> is pure and synchronous, deterministic
/// under the options' seed, independent of the thread count, and checks its cancellation token once
/// per iteration (tree, epoch, L-BFGS step), never per row.
/// </summary>
public interface ITrainer
{
    /// <summary>The trainer's CLI name, for example <c>gbdt</c>.</summary>
    string Name { get; }

    IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default);
}

/// <summary>
/// A trained model over featurised rows. Immutable and safe for concurrent use.
/// Outputs: binary → P(positive) (width 1); multiclass → K probabilities; regression → the value (width 1).
/// </summary>
public interface IPredictor
{
    TaskKind Task { get; }

    /// <summary>The number of features (dense + sparse) the model expects.</summary>
    int FeatureCount { get; }

    /// <summary>1 for binary and regression, K for multiclass.</summary>
    int OutputWidth { get; }

    /// <summary>Predicts one row into <paramref name="output"/> (length <see cref="OutputWidth"/>). Allocation-free.</summary>
    void Predict(in FeatureRow row, Span<float> output);

    /// <summary>Predicts every row; <paramref name="output"/> is row-major, length RowCount × <see cref="OutputWidth"/>.</summary>
    void PredictBatch(FeatureMatrix features, Span<float> output);
}

/// <summary>A predictor that can explain a prediction as additive per-feature contributions.</summary>
public interface IExplainablePredictor : IPredictor
{
    /// <summary>
    /// Writes one contribution per feature (length <see cref="IPredictor.FeatureCount"/>) to
    /// <paramref name="contributions"/>, in the model's raw (margin) space, and returns the bias term.
    /// For multiclass, contributions are for class <paramref name="outputIndex"/>.
    /// </summary>
    float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0);

    /// <summary>
    /// The model's link: writes to <paramref name="outputs"/> what <see cref="IPredictor.Predict"/> gives for the raw
    /// scores <paramref name="margins"/> (one per output, in the space <see cref="Explain"/>'s bias and contributions
    /// add up in). An ensemble uses it to carry each member's explanation into the space it averages in.
    /// </summary>
    void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs);

    /// <summary>
    /// False when this instance cannot explain after all (an ensemble with a member that has no explanation);
    /// <see cref="Explain"/> then throws <see cref="NotSupportedException"/>. <see cref="WhyNot"/> says why.
    /// </summary>
    bool CanExplain => true;

    /// <summary>Why <see cref="CanExplain"/> is false; null when it is true.</summary>
    string? WhyNot => null;
}

/// <summary>A predictor that serialises itself; loaders are registered in <c>Models.PredictorCodec</c>.</summary>
public interface IPersistablePredictor : IPredictor
{
    /// <summary>A stable identifier of the format, for example <c>gbdt/1</c>.</summary>
    string FormatId { get; }

    void Write(BinaryWriter writer);
}
