namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>The one table of defaults read by both the few-argument constructors and the Options classes.</summary>
public static class LinearDefaults
{
    /// <summary>L2 on the summed loss: 1 matches scikit-learn's C = 1 (objective Σ loss + ½·‖w‖²/C).</summary>
    public const double L2Regularization = 1.0;

    public const double L1Regularization = 0.0;

    /// <summary>
    /// Multiplier of L1/L2 for features of the sparse block. TF-IDF rows have unit L2 norm, so their coefficients must
    /// be far larger than those of standardised dense columns; 0.1 turns the dense default (C = 1) into C = 10 for text,
    /// the setting of the reference TF-IDF + logistic regression.
    /// </summary>
    public const double SparseRegularizationScale = 0.1;

    public const int MaximumNumberOfIterations = 100;

    public const double OptimizationTolerance = 1e-7;

    public const int HistorySize = 10;

    /// <summary>-1 = as many threads as the runtime schedules.</summary>
    public const int MaxDegreeOfParallelism = -1;

    public const int NumberOfEpochs = 30;

    public const double DualityGapTolerance = 1e-4;

    public const double HingeSmoothing = 1.0;

    public const int Seed = 0;

    public const double NaiveBayesSmoothing = 1.0;

    public const double TweediePower = 1.5;

    public const int MaximumCholeskyWidth = 2048;
}

/// <summary>Options shared by the trainers that fit with L-BFGS / OWL-QN.</summary>
public abstract class LbfgsTrainerOptions
{
    /// <summary>L1 penalty λ₁ on the coefficients (objective + λ₁‖w‖₁; OWL-QN when positive). Default 0; range [0, ∞).</summary>
    public double L1Regularization { get; set; } = LinearDefaults.L1Regularization;

    /// <summary>
    /// L2 penalty λ₂ on the coefficients (objective Σ_i weight_i·loss_i + ½λ₂‖w‖²; λ₂ = 1/C of scikit-learn). The
    /// intercept is never penalised. Default 1; range [0, ∞).
    /// </summary>
    public double L2Regularization { get; set; } = LinearDefaults.L2Regularization;

    /// <summary>Maximum L-BFGS iterations. Default 100; range [1, 100000].</summary>
    public int MaximumNumberOfIterations { get; set; } = LinearDefaults.MaximumNumberOfIterations;

    /// <summary>
    /// Relative stopping tolerance: stop when the objective decreases by less than this fraction per iteration (averaged
    /// over 5 iterations) or the largest gradient entry falls below this fraction of the objective. Default 1e-7;
    /// range (0, 0.1].
    /// </summary>
    public double OptimizationTolerance { get; set; } = LinearDefaults.OptimizationTolerance;

    /// <summary>Number of L-BFGS correction pairs kept. Default 10; range [1, 1000].</summary>
    public int HistorySize { get; set; } = LinearDefaults.HistorySize;

    /// <summary>Threads used for the loss and gradient; results do not depend on it. Default -1 (all); -1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = LinearDefaults.MaxDegreeOfParallelism;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public virtual void Validate()
    {
        LinearGuards.NonNegative(L1Regularization, nameof(L1Regularization));
        LinearGuards.NonNegative(L2Regularization, nameof(L2Regularization));
        LinearGuards.Range(MaximumNumberOfIterations, 1, 100_000, nameof(MaximumNumberOfIterations));
        if (!(OptimizationTolerance > 0 && OptimizationTolerance <= 0.1))
        {
            throw new ArgumentOutOfRangeException(nameof(OptimizationTolerance), OptimizationTolerance, "Must be in (0, 0.1].");
        }

        LinearGuards.Range(HistorySize, 1, 1000, nameof(HistorySize));
        LinearGuards.Parallelism(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
    }
}

/// <summary>Options of <see cref="LogisticRegressionTrainer"/>.</summary>
public sealed class LogisticRegressionOptions : LbfgsTrainerOptions
{
    /// <summary>
    /// Multiplier of <see cref="LbfgsTrainerOptions.L1Regularization"/> and <see cref="LbfgsTrainerOptions.L2Regularization"/>
    /// for features of the sparse block (TF-IDF): 0.1 makes the default C = 1 for dense columns and C = 10 for text.
    /// Default 0.1; range (0, 1000].
    /// </summary>
    public double SparseRegularizationScale { get; set; } = LinearDefaults.SparseRegularizationScale;

    public override void Validate()
    {
        base.Validate();
        LinearGuards.Scale(SparseRegularizationScale, nameof(SparseRegularizationScale));
    }
}

/// <summary>Options of <see cref="PoissonRegressionTrainer"/> (log link).</summary>
public sealed class PoissonRegressionOptions : LbfgsTrainerOptions
{
}

/// <summary>Options of <see cref="TweedieRegressionTrainer"/> (log link).</summary>
public sealed class TweedieRegressionOptions : LbfgsTrainerOptions
{
    /// <summary>Tweedie variance power p: 1 = Poisson, (1, 2) = compound Poisson–gamma, 2 = gamma. Default 1.5; range [1, 2].</summary>
    public double TweediePower { get; set; } = LinearDefaults.TweediePower;

    public override void Validate()
    {
        base.Validate();
        if (!(TweediePower >= 1 && TweediePower <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(TweediePower), TweediePower, "Must be in [1, 2].");
        }
    }
}

/// <summary>Options of <see cref="RidgeTrainer"/>.</summary>
public sealed class RidgeOptions
{
    /// <summary>L2 penalty α (objective Σ_i weight_i·(y_i − ŷ_i)² / 2 + ½α‖w‖², as scikit-learn's Ridge alpha). Intercept unpenalised. Default 1; range [0, ∞).</summary>
    public double L2Regularization { get; set; } = LinearDefaults.L2Regularization;

    /// <summary>
    /// Dense-only data with at most this many features is solved exactly (Cholesky on the normal equations); wider or
    /// sparse data uses L-BFGS. Default 2048; range [0, 8192].
    /// </summary>
    public int MaximumCholeskyWidth { get; set; } = LinearDefaults.MaximumCholeskyWidth;

    /// <summary>Maximum L-BFGS iterations (sparse / wide data). Default 100; range [1, 100000].</summary>
    public int MaximumNumberOfIterations { get; set; } = LinearDefaults.MaximumNumberOfIterations;

    /// <summary>Relative L-BFGS stopping tolerance (see <see cref="LbfgsTrainerOptions.OptimizationTolerance"/>). Default 1e-7; range (0, 0.1].</summary>
    public double OptimizationTolerance { get; set; } = LinearDefaults.OptimizationTolerance;

    /// <summary>Number of L-BFGS correction pairs kept. Default 10; range [1, 1000].</summary>
    public int HistorySize { get; set; } = LinearDefaults.HistorySize;

    /// <summary>Threads; results do not depend on it. Default -1 (all); -1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = LinearDefaults.MaxDegreeOfParallelism;

    public void Validate()
    {
        LinearGuards.NonNegative(L2Regularization, nameof(L2Regularization));
        LinearGuards.Range(MaximumCholeskyWidth, 0, 8192, nameof(MaximumCholeskyWidth));
        LinearGuards.Range(MaximumNumberOfIterations, 1, 100_000, nameof(MaximumNumberOfIterations));
        if (!(OptimizationTolerance > 0 && OptimizationTolerance <= 0.1))
        {
            throw new ArgumentOutOfRangeException(nameof(OptimizationTolerance), OptimizationTolerance, "Must be in (0, 0.1].");
        }

        LinearGuards.Range(HistorySize, 1, 1000, nameof(HistorySize));
        LinearGuards.Parallelism(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
    }
}

/// <summary>Options of <see cref="LinearSvmTrainer"/>.</summary>
public sealed class LinearSvmOptions
{
    /// <summary>
    /// L2 penalty λ₂ on the summed hinge loss (objective Σ_i weight_i·hinge_i + ½λ₂‖w‖², λ₂ = 1/C of scikit-learn's
    /// LinearSVC). Default 1; range (0, ∞).
    /// </summary>
    public double L2Regularization { get; set; } = LinearDefaults.L2Regularization;

    /// <summary>Smoothing γ of the hinge (0 = plain hinge; γ &gt; 0 = quadratically smoothed hinge, faster SDCA convergence). Default 1; range [0, 10].</summary>
    public double HingeSmoothing { get; set; } = LinearDefaults.HingeSmoothing;

    /// <summary>Maximum SDCA passes over the data. Default 30; range [1, 10000].</summary>
    public int NumberOfEpochs { get; set; } = LinearDefaults.NumberOfEpochs;

    /// <summary>Stop when the duality gap falls below this fraction of the primal objective. Default 1e-4; range (0, 1].</summary>
    public double OptimizationTolerance { get; set; } = LinearDefaults.DualityGapTolerance;

    /// <summary>Seed of the per-epoch row shuffles. Default 0; any value.</summary>
    public int Seed { get; set; } = LinearDefaults.Seed;

    /// <summary>Threads for the per-epoch duality-gap pass (SDCA itself is sequential); results do not depend on it. Default -1; -1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = LinearDefaults.MaxDegreeOfParallelism;

    public void Validate()
    {
        if (!(L2Regularization > 0 && double.IsFinite(L2Regularization)))
        {
            throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, "Must be in (0, ∞).");
        }

        if (!(HingeSmoothing >= 0 && HingeSmoothing <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(HingeSmoothing), HingeSmoothing, "Must be in [0, 10].");
        }

        LinearGuards.Range(NumberOfEpochs, 1, 10_000, nameof(NumberOfEpochs));
        if (!(OptimizationTolerance > 0 && OptimizationTolerance <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(OptimizationTolerance), OptimizationTolerance, "Must be in (0, 1].");
        }

        LinearGuards.Parallelism(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
    }
}

/// <summary>Options of <see cref="NaiveBayesTrainer"/>.</summary>
public sealed class NaiveBayesOptions
{
    /// <summary>Additive (Laplace/Lidstone) smoothing α of the per-class feature counts. Default 1; range (0, 1000].</summary>
    public double Smoothing { get; set; } = LinearDefaults.NaiveBayesSmoothing;

    public void Validate()
    {
        if (!(Smoothing > 0 && Smoothing <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "Must be in (0, 1000].");
        }
    }
}

internal static class LinearGuards
{
    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be in [0, ∞).");
        }
    }

    public static void Scale(double value, string name)
    {
        if (!(value > 0 && value <= 1000))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be in (0, 1000].");
        }
    }

    public static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be in [{min}, {max}].");
        }
    }

    public static void Parallelism(int value, string name)
    {
        if (value != -1 && (value < 1 || value > 1024))
        {
            throw new ArgumentOutOfRangeException(name, value, "Must be -1 or in [1, 1024].");
        }
    }
}
