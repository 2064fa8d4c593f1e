using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>
/// Search spaces of the linear trainers (dimension names are the Options property names) and the mapping from a
/// tuner's <see cref="ParameterSet"/> to validated options. The defaults of each space are the trainers' defaults,
/// the cheap first trial. Options not in a parameter set keep their defaults.
/// </summary>
public static class LinearSearchSpaces
{
    /// <summary>
    /// Logistic regression: L2 on a log scale around scikit-learn's C = 1, and an optional L1 (OWL-QN). Warm start: a
    /// sparse model (elastic net with L1 = 1), because the L1 strength only matters once the penalty includes it, so a
    /// local search from the L2-only default reaches useful sparsity slowly; wide one-hot data often wants it.
    /// </summary>
    public static SearchSpace LogisticRegression { get; } = new SearchSpace(
        SearchParameter.Float(nameof(LogisticRegressionOptions.L2Regularization), 1e-4, 100, LinearDefaults.L2Regularization, SearchScale.Log),
        SearchParameter.Choice("Penalty", ["l2", "l1+l2"], "l2"),
        SearchParameter.Float(nameof(LogisticRegressionOptions.L1Regularization), 1e-3, 10, 0.1, SearchScale.Log))
        .WithWarmStart(new Dictionary<string, double> { [nameof(LogisticRegressionOptions.L1Regularization)] = 1 },
            new Dictionary<string, string> { ["Penalty"] = "l1+l2" });

    /// <summary>Linear SVM: L2 on a log scale and the hinge smoothing.</summary>
    public static SearchSpace LinearSvm { get; } = new(
        SearchParameter.Float(nameof(LinearSvmOptions.L2Regularization), 1e-4, 100, LinearDefaults.L2Regularization, SearchScale.Log),
        SearchParameter.Float(nameof(LinearSvmOptions.HingeSmoothing), 0, 2, LinearDefaults.HingeSmoothing));

    /// <summary>Multinomial naive Bayes: the additive smoothing on a log scale.</summary>
    public static SearchSpace NaiveBayes { get; } = new(
        SearchParameter.Float(nameof(NaiveBayesOptions.Smoothing), 1e-3, 10, LinearDefaults.NaiveBayesSmoothing, SearchScale.Log));

    /// <summary>Ridge: α on a log scale.</summary>
    public static SearchSpace Ridge { get; } = new(
        SearchParameter.Float(nameof(RidgeOptions.L2Regularization), 1e-4, 1e4, LinearDefaults.L2Regularization, SearchScale.Log));

    /// <summary>Tweedie: the variance power and L2.</summary>
    public static SearchSpace Tweedie { get; } = new(
        SearchParameter.Float(nameof(TweedieRegressionOptions.TweediePower), 1, 2, LinearDefaults.TweediePower),
        SearchParameter.Float(nameof(TweedieRegressionOptions.L2Regularization), 1e-4, 100, LinearDefaults.L2Regularization, SearchScale.Log));

    public static LogisticRegressionOptions ToLogisticRegressionOptions(ParameterSet parameters, int maxDegreeOfParallelism = LinearDefaults.MaxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new LogisticRegressionOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        if (parameters.TryGet(nameof(options.L2Regularization), out var l2))
        {
            options.L2Regularization = l2.Number;
        }

        if (parameters.TryGet("Penalty", out var penalty) && penalty.Choice == "l1+l2" && parameters.TryGet(nameof(options.L1Regularization), out var l1))
        {
            options.L1Regularization = l1.Number;
        }

        options.Validate();
        return options;
    }

    public static LinearSvmOptions ToLinearSvmOptions(ParameterSet parameters, int seed = LinearDefaults.Seed, int maxDegreeOfParallelism = LinearDefaults.MaxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new LinearSvmOptions { Seed = seed, MaxDegreeOfParallelism = maxDegreeOfParallelism };
        if (parameters.TryGet(nameof(options.L2Regularization), out var l2))
        {
            options.L2Regularization = l2.Number;
        }

        if (parameters.TryGet(nameof(options.HingeSmoothing), out var smoothing))
        {
            options.HingeSmoothing = smoothing.Number;
        }

        options.Validate();
        return options;
    }

    public static NaiveBayesOptions ToNaiveBayesOptions(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new NaiveBayesOptions();
        if (parameters.TryGet(nameof(options.Smoothing), out var smoothing))
        {
            options.Smoothing = smoothing.Number;
        }

        options.Validate();
        return options;
    }

    public static RidgeOptions ToRidgeOptions(ParameterSet parameters, int maxDegreeOfParallelism = LinearDefaults.MaxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new RidgeOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        if (parameters.TryGet(nameof(options.L2Regularization), out var l2))
        {
            options.L2Regularization = l2.Number;
        }

        options.Validate();
        return options;
    }

    public static TweedieRegressionOptions ToTweedieOptions(ParameterSet parameters, int maxDegreeOfParallelism = LinearDefaults.MaxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new TweedieRegressionOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        if (parameters.TryGet(nameof(options.TweediePower), out var power))
        {
            options.TweediePower = power.Number;
        }

        if (parameters.TryGet(nameof(options.L2Regularization), out var l2))
        {
            options.L2Regularization = l2.Number;
        }

        options.Validate();
        return options;
    }
}
