namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>
/// Multinomial naive Bayes for non-negative features such as term counts or TF-IDF (McCallum &amp; Nigam, "A comparison
/// of event models for naive Bayes text classification", AAAI 1998 workshop), with additive smoothing. The posterior
/// is linear in log space, so the model is a <see cref="LinearPredictor"/>: per class, coefficients log θ_kj and
/// intercept log π_k (binary: the difference of the two classes, through a sigmoid). Binary and multiclass.
/// </summary>
public sealed class NaiveBayesTrainer : ITrainer
{
    private readonly double _smoothing;

    public NaiveBayesTrainer(NaiveBayesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _smoothing = options.Smoothing;
    }

    public NaiveBayesTrainer(double smoothing = LinearDefaults.NaiveBayesSmoothing)
        : this(new NaiveBayesOptions { Smoothing = smoothing })
    {
    }

    public string Name => "naive-bayes";

    public IPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearFit.EnsureTask(data, Name, TaskKind.Binary, TaskKind.Multiclass);
        LinearFit.EnsureRows(data);
        LinearFit.EnsureClassLabels(data);
        var x = data.Features;
        var n = x.RowCount;
        var d = x.ColumnCount;
        var dense = x.DenseColumnCount;
        var k = data.ClassCount;
        var labels = data.Labels;
        var sw = data.Weights;
        var counts = new double[k * d];
        var prior = new double[k];
        for (var i = 0; i < n; i++)
        {
            prior[(int)labels[i]] += sw?[i] ?? 1f;
        }

        for (var j = 0; j < dense; j++)
        {
            var column = x.DenseColumn(j);
            for (var i = 0; i < n; i++)
            {
                var v = column[i];
                if (!(v >= 0) || float.IsPositiveInfinity(v))
                {
                    throw new ArgumentException($"Feature '{x.Features[j].Name}' has value {v} at row {i}; multinomial naive Bayes needs finite, non-negative features.", nameof(data));
                }

                counts[((int)labels[i] * d) + j] += (sw?[i] ?? 1f) * v;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (x.Sparse is { } sparse)
        {
            for (var i = 0; i < n; i++)
            {
                var offset = ((int)labels[i] * d) + dense;
                var weight = sw?[i] ?? 1f;
                var indices = sparse.RowIndices(i);
                var values = sparse.RowValues(i);
                for (var p = 0; p < indices.Length; p++)
                {
                    var v = values[p];
                    if (!(v >= 0) || float.IsPositiveInfinity(v))
                    {
                        throw new ArgumentException($"Sparse feature '{x.Features[dense + indices[p]].Name}' has value {v} at row {i}; multinomial naive Bayes needs finite, non-negative features.", nameof(data));
                    }

                    counts[offset + indices[p]] += weight * v;
                }
            }
        }

        double priorTotal = 0;
        for (var c = 0; c < k; c++)
        {
            priorTotal += prior[c];
        }

        var logTheta = new double[k * d];
        var logPrior = new double[k];
        for (var c = 0; c < k; c++)
        {
            double classTotal = 0;
            for (var j = 0; j < d; j++)
            {
                classTotal += counts[(c * d) + j];
            }

            var denominator = Math.Log(classTotal + (_smoothing * d));
            for (var j = 0; j < d; j++)
            {
                logTheta[(c * d) + j] = Math.Log(counts[(c * d) + j] + _smoothing) - denominator;
            }

            // A class absent from the training rows gets a tiny prior instead of −∞.
            logPrior[c] = Math.Log(Math.Max(prior[c], 1e-3) / priorTotal);
        }

        if (data.Task == TaskKind.Binary)
        {
            var w = new float[d];
            for (var j = 0; j < d; j++)
            {
                w[j] = (float)(logTheta[d + j] - logTheta[j]);
            }

            return new LinearPredictor(Name, TaskKind.Binary, LinearLink.Logistic, d, dense, w, [(float)(logPrior[1] - logPrior[0])]);
        }

        var weights = new float[k * d];
        var bias = new float[k];
        for (var c = 0; c < k; c++)
        {
            for (var j = 0; j < d; j++)
            {
                weights[(c * d) + j] = (float)logTheta[(c * d) + j];
            }

            bias[c] = (float)logPrior[c];
        }

        return new LinearPredictor(Name, TaskKind.Multiclass, LinearLink.Softmax, d, dense, weights, bias);
    }
}
