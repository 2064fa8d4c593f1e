namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>
/// Poisson regression with log link (a generalised linear model, McCullagh &amp; Nelder 1989), fitted by L-BFGS on
/// Σ weight_i·(exp(m_i) − y_i·m_i) + ½λ₂‖w‖² (OWL-QN when L1 is set). Targets must be non-negative counts or rates;
/// the model predicts exp(x·w + b).
/// </summary>
public sealed class PoissonRegressionTrainer : ITrainer
{
    private readonly LbfgsFitSettings _settings;

    public PoissonRegressionTrainer(PoissonRegressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _settings = LbfgsFitSettings.From(options, 1.0);
    }

    public PoissonRegressionTrainer(double l2Regularization = LinearDefaults.L2Regularization)
        : this(new PoissonRegressionOptions { L2Regularization = l2Regularization })
    {
    }

    public string Name => "poisson";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default) =>
        GeneralizedLinearFit.Fit(Name, data, LinearLoss.Poisson, 1.0, _settings, cancellationToken);
}

/// <summary>
/// Tweedie regression with log link and variance power p ∈ [1, 2] (Jørgensen 1987; p = 1 Poisson, p = 2 gamma,
/// in between compound Poisson–gamma, for example insurance claims with exact zeros), fitted by L-BFGS on the
/// Tweedie deviance Σ weight_i·(−y_i·e^{(1−p)m_i}/(1−p) + e^{(2−p)m_i}/(2−p)) + ½λ₂‖w‖².
/// </summary>
public sealed class TweedieRegressionTrainer : ITrainer
{
    private readonly LbfgsFitSettings _settings;
    private readonly double _power;

    public TweedieRegressionTrainer(TweedieRegressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _settings = LbfgsFitSettings.From(options, 1.0);
        _power = options.TweediePower;
    }

    public TweedieRegressionTrainer(double tweediePower = LinearDefaults.TweediePower, double l2Regularization = LinearDefaults.L2Regularization)
        : this(new TweedieRegressionOptions { TweediePower = tweediePower, L2Regularization = l2Regularization })
    {
    }

    public string Name => "tweedie";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default) =>
        GeneralizedLinearFit.Fit(Name, data, _power == 1 ? LinearLoss.Poisson : LinearLoss.Tweedie, _power, _settings, cancellationToken);
}

internal static class GeneralizedLinearFit
{
    public static LinearPredictor Fit(string name, TrainingSet data, LinearLoss loss, double power, LbfgsFitSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearFit.EnsureTask(data, name, TaskKind.Regression);
        LinearFit.EnsureRows(data);
        LinearFit.EnsureFinite(data.Features);
        LinearFit.EnsureRegressionLabels(data, nonNegative: true);

        double sum = 0;
        var labels = data.Labels;
        for (var i = 0; i < labels.Length; i++)
        {
            sum += labels[i] * (data.Weights?[i] ?? 1f);
        }

        var mean = sum / LinearFit.WeightSum(data);
        var (weights, bias) = LinearFit.Minimize(data, loss, 1, [Math.Log(Math.Max(mean, 1e-10))], power, settings, cancellationToken);
        var x = data.Features;
        return new LinearPredictor(name, TaskKind.Regression, LinearLink.Exponential, x.ColumnCount, x.DenseColumnCount, weights, bias, settings.MaxDegreeOfParallelism);
    }
}
