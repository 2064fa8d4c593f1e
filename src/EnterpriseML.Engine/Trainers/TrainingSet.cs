using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers;

/// <summary>Featurised rows with their labels: what every tabular trainer fits on.</summary>
public sealed class TrainingSet
{
    public TrainingSet(FeatureMatrix features, float[] labels, TaskKind task, int classCount = 0, float[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length != features.RowCount)
        {
            throw new ArgumentException($"{labels.Length} labels for {features.RowCount} rows.", nameof(labels));
        }

        if (weights is not null && weights.Length != features.RowCount)
        {
            throw new ArgumentException($"{weights.Length} weights for {features.RowCount} rows.", nameof(weights));
        }

        classCount = task switch
        {
            TaskKind.Binary => 2,
            TaskKind.Regression => 0,
            _ => classCount,
        };
        if (task == TaskKind.Multiclass && classCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Multiclass needs at least 2 classes.");
        }

        Features = features;
        Labels = labels;
        Task = task;
        ClassCount = classCount;
        Weights = weights;
    }

    public FeatureMatrix Features { get; }

    /// <summary>Binary: 0/1. Multiclass: class index as float. Regression: the target.</summary>
    public float[] Labels { get; }

    public TaskKind Task { get; }

    /// <summary>2 for binary, K for multiclass, 0 for regression.</summary>
    public int ClassCount { get; }

    /// <summary>Optional per-row weights (null = all 1).</summary>
    public float[]? Weights { get; }

    /// <summary>Optional validation rows for early stopping (same featurisation), or null.</summary>
    public TrainingSet? Validation { get; init; }

    /// <summary>Output width of a model for this task: 1 for binary and regression, K for multiclass.</summary>
    public int OutputWidth => Task == TaskKind.Multiclass ? ClassCount : 1;
}
