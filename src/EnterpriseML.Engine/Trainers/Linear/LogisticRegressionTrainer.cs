namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>
/// Binary logistic regression and, for <see cref="TaskKind.Multiclass"/>, multinomial (softmax) logistic regression,
/// fitted by L-BFGS (Nocedal &amp; Wright 2006) with L2, or OWL-QN (Andrew &amp; Gao, ICML 2007) when L1 is set.
/// Sparse-aware: the CSR block (for example TF-IDF) is used as is. The intercept is not penalised.
/// </summary>
public sealed class LogisticRegressionTrainer : ITrainer
{
    private readonly LbfgsFitSettings _settings;

    public LogisticRegressionTrainer(LogisticRegressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _settings = LbfgsFitSettings.From(options, options.SparseRegularizationScale);
    }

    /// <summary>A trainer with the given penalties and every other option at its default.</summary>
    public LogisticRegressionTrainer(double l2Regularization = LinearDefaults.L2Regularization, double l1Regularization = LinearDefaults.L1Regularization, int maximumNumberOfIterations = LinearDefaults.MaximumNumberOfIterations)
        : this(new LogisticRegressionOptions { L2Regularization = l2Regularization, L1Regularization = l1Regularization, MaximumNumberOfIterations = maximumNumberOfIterations })
    {
    }

    public string Name => "logistic-regression";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearFit.EnsureTask(data, Name, TaskKind.Binary, TaskKind.Multiclass);
        LinearFit.EnsureRows(data);
        LinearFit.EnsureFinite(data.Features);
        LinearFit.EnsureClassLabels(data);

        var k = data.ClassCount;
        var binary = data.Task == TaskKind.Binary;
        var heads = binary ? 1 : k;
        var counts = new double[k];
        var labels = data.Labels;
        for (var i = 0; i < labels.Length; i++)
        {
            counts[(int)labels[i]] += data.Weights?[i] ?? 1f;
        }

        var total = LinearFit.WeightSum(data);
        var initialBias = new double[heads];
        if (binary)
        {
            var p = Math.Clamp(counts[1] / total, 1e-6, 1 - 1e-6);
            initialBias[0] = Math.Log(p / (1 - p));
        }
        else
        {
            for (var c = 0; c < k; c++)
            {
                initialBias[c] = Math.Log(Math.Max(counts[c] / total, 1e-6));
            }
        }

        var (weights, bias) = LinearFit.Minimize(data, binary ? LinearLoss.Logistic : LinearLoss.Softmax, heads, initialBias, 0, _settings, cancellationToken);
        var x = data.Features;
        return new LinearPredictor(Name, data.Task, binary ? LinearLink.Logistic : LinearLink.Softmax, x.ColumnCount, x.DenseColumnCount, weights, bias, _settings.MaxDegreeOfParallelism);
    }
}
