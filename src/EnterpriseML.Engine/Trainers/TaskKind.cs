namespace EnterpriseML.Engine.Trainers;

/// <summary>The learning task.</summary>
public enum TaskKind
{
    /// <summary>Two classes; labels 0/1; the model outputs P(class 1).</summary>
    Binary,

    /// <summary>K classes; labels 0..K-1; the model outputs K probabilities.</summary>
    Multiclass,

    /// <summary>Real-valued labels; the model outputs one value.</summary>
    Regression,
}
