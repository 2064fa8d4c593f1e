using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios.Specialised;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Sentiment;

/// <summary>The linear classifier NB-SVM trains on the log-count-ratio-scaled features.</summary>
public enum NbSvmClassifier
{
    /// <summary>L2-regularised logistic regression (L-BFGS).</summary>
    Logistic,

    /// <summary>L2-regularised linear SVM (Platt-calibrated).</summary>
    Svm,
}

/// <summary>Options of <see cref="NbSvmTrainer"/>. Validated once; the trainer keeps its own copy.</summary>
public sealed class NbSvmOptions
{
    /// <summary>The pseudo-count α added to every feature's class counts. Default 1; range (0, 100].</summary>
    public double Smoothing { get; set; } = 1;

    /// <summary>The classifier on the scaled features. Default <see cref="NbSvmClassifier.Logistic"/>.</summary>
    public NbSvmClassifier Classifier { get; set; } = NbSvmClassifier.Logistic;

    /// <summary>The classifier's L2 penalty. Default 1; range [0, 1e4].</summary>
    public double L2Regularization { get; set; } = 1;

    /// <summary>β of the interpolation w' = (1 − β) · mean|w| + β · w of the text weights (1 = none). Default 1; range [0, 1].</summary>
    public double Interpolation { get; set; } = 1;

    /// <summary>Longest word n-gram of the candidate's featurisation (the trainer itself takes any features). Default 2; range [1, 3].</summary>
    public int WordNgramMaximum { get; set; } = 2;

    /// <summary>Seed of the SVM's coordinate order. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Threads of the classifier; −1 = all. Results do not depend on it. Default −1; −1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(Smoothing is > 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "Must be in (0, 100].");
        }

        if (!Enum.IsDefined(Classifier))
        {
            throw new ArgumentOutOfRangeException(nameof(Classifier), Classifier, "Must be a defined classifier.");
        }

        if (!(L2Regularization is >= 0 and <= 1e4))
        {
            throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, "Must be in [0, 1e4].");
        }

        if (!(Interpolation is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Interpolation), Interpolation, "Must be in [0, 1].");
        }

        if (WordNgramMaximum is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(WordNgramMaximum), WordNgramMaximum, "Must be in [1, 3].");
        }

        if (MaxDegreeOfParallelism != -1 && MaxDegreeOfParallelism is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be -1 or in [1, 1024].");
        }
    }

    internal NbSvmOptions Clone() => (NbSvmOptions)MemberwiseClone();
}

/// <summary>
/// NB-SVM (Wang &amp; Manning, "Baselines and Bigrams: Simple, Good Sentiment and Topic Classification", ACL 2012):
/// the sparse (text) features are binarised, x̂ = 1[x ≠ 0]; the log-count ratio r = ln((p / ‖p‖₁) / (q / ‖q‖₁)), with
/// p = α + Σ_{positive rows} x̂ and q = α + Σ_{negative rows} x̂, scales them; a linear classifier is fitted on r ∘ x̂,
/// optionally interpolated towards its mean weight magnitude (β). Dense features pass through unscaled. The result
/// is a <see cref="TextLinearPredictor"/> with r folded into the weights. Deterministic under the seed.
/// </summary>
public sealed class NbSvmTrainer : ITrainer
{
    private readonly NbSvmOptions _options;

    public NbSvmTrainer(NbSvmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
    }

    public string Name => "nb-svm";

    IPredictor ITrainer.Fit(TrainingSet data, CancellationToken cancellationToken) => Fit(data, cancellationToken);

    public TextLinearPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Task != TaskKind.Binary)
        {
            throw new ArgumentException($"NB-SVM needs a binary task, not {data.Task}.", nameof(data));
        }

        var x = data.Features;
        var ratio = LogCountRatio(x, data.Labels, _options.Smoothing);
        var scaled = x;
        if (x.Sparse is { } s)
        {
            var values = new float[s.Values.Length];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = s.Values[k] != 0 ? ratio[s.ColumnIndices[k]] : 0f;
            }

            scaled = new FeatureMatrix(x.RowCount, x.Dense, x.DenseColumnCount,
                new SparseMatrix(s.RowCount, s.ColumnCount, s.RowPointers, s.ColumnIndices, values), x.Features);
        }

        cancellationToken.ThrowIfCancellationRequested();
        ITrainer inner = _options.Classifier == NbSvmClassifier.Logistic
            ? new LogisticRegressionTrainer(new LogisticRegressionOptions { L2Regularization = _options.L2Regularization, MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism })
            : new LinearSvmTrainer(new LinearSvmOptions { L2Regularization = _options.L2Regularization, Seed = _options.Seed, MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism });
        var model = (LinearPredictor)inner.Fit(new TrainingSet(scaled, data.Labels, TaskKind.Binary, weights: data.Weights), cancellationToken);
        var w = model.Coefficients();
        var weights = new float[x.ColumnCount];
        w[..x.DenseColumnCount].CopyTo(weights);
        var beta = (float)_options.Interpolation;
        var mean = 0f;
        for (var j = x.DenseColumnCount; j < w.Length; j++)
        {
            mean += MathF.Abs(w[j]);
        }

        mean /= Math.Max(1, w.Length - x.DenseColumnCount);
        for (var j = 0; j < ratio.Length; j++)
        {
            var wj = w[x.DenseColumnCount + j];
            weights[x.DenseColumnCount + j] = (((1 - beta) * mean) + (beta * wj)) * ratio[j];
        }

        return new TextLinearPredictor(x.DenseColumnCount, weights, model.Intercept(), true, new sbyte[ratio.Length], []);
    }

    /// <summary>The log-count ratio r of every sparse feature (binarised counts, pseudo-count <paramref name="smoothing"/>).</summary>
    public static float[] LogCountRatio(FeatureMatrix x, ReadOnlySpan<float> labels, double smoothing)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Sparse is not { } s)
        {
            return [];
        }

        var p = new double[s.ColumnCount];
        var q = new double[s.ColumnCount];
        Array.Fill(p, smoothing);
        Array.Fill(q, smoothing);
        for (var i = 0; i < s.RowCount; i++)
        {
            var target = labels[i] > 0.5f ? p : q;
            var values = s.RowValues(i);
            var indices = s.RowIndices(i);
            for (var k = 0; k < indices.Length; k++)
            {
                if (values[k] != 0)
                {
                    target[indices[k]]++;
                }
            }
        }

        double pSum = 0, qSum = 0;
        for (var j = 0; j < p.Length; j++)
        {
            pSum += p[j];
            qSum += q[j];
        }

        var r = new float[p.Length];
        for (var j = 0; j < r.Length; j++)
        {
            r[j] = (float)Math.Log((p[j] / pSum) / (q[j] / qSum));
        }

        return r;
    }
}

/// <summary>
/// The <c>nb-svm</c> candidate: binarised word n-grams (1 to <c>WordNgramMaximum</c>, no character n-grams, as in the
/// paper) through <see cref="NbSvmTrainer"/>. One featurisation per n-gram length, each cached across trials.
/// </summary>
internal sealed class NbSvmCandidate : ICandidate
{
    private readonly SpecialisedCandidate[] _byNgram;

    public NbSvmCandidate(ScenarioColumns columns)
    {
        _byNgram = new SpecialisedCandidate[3];
        for (var n = 1; n <= 3; n++)
        {
            var options = FeaturizerOptions.Linear;
            options.TextColumns = columns.TextColumns;
            options.Text.WordNgramMaximum = n;
            options.Text.CharNgramMaximum = 0;
            options.Text.SublinearTf = false;
            _byNgram[n - 1] = new SpecialisedCandidate(Name, Trainer, SentimentScenario.NbSvmSpace, options,
                "text(binary word 1-" + n.ToString(CultureInfo.InvariantCulture) + " grams) × log-count ratio → linear classifier", Fit);
        }
    }

    public string Name => "nb-svm";

    public CandidateKind Kind => CandidateKind.Specialised;

    public string Trainer => "nb-svm";

    public SearchSpace SearchSpace => SentimentScenario.NbSvmSpace;

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var n = parameters.TryGet(nameof(NbSvmOptions.WordNgramMaximum), out var v) ? Math.Clamp((int)Math.Round(v.Number), 1, 3) : 2;
        return _byNgram[n - 1].Fit(context, parameters, cancellationToken);
    }

    /// <summary>Maps a parameter set to options (unset dimensions keep their defaults).</summary>
    public static NbSvmOptions ToOptions(ParameterSet parameters, int seed, int threads)
    {
        var options = new NbSvmOptions { Seed = seed, MaxDegreeOfParallelism = threads };
        if (parameters.TryGet(nameof(options.Smoothing), out var a))
        {
            options.Smoothing = a.Number;
        }

        if (parameters.TryGet(nameof(options.Classifier), out var c))
        {
            options.Classifier = c.Choice == "svm" ? NbSvmClassifier.Svm : NbSvmClassifier.Logistic;
        }

        if (parameters.TryGet(nameof(options.L2Regularization), out var l2))
        {
            options.L2Regularization = l2.Number;
        }

        if (parameters.TryGet(nameof(options.Interpolation), out var beta))
        {
            options.Interpolation = beta.Number;
        }

        if (parameters.TryGet(nameof(options.WordNgramMaximum), out var ngram))
        {
            options.WordNgramMaximum = (int)Math.Round(ngram.Number);
        }

        options.Validate();
        return options;
    }

    private static SpecialisedFit Fit(SpecialisedInput input, ParameterSet parameters, CancellationToken cancellationToken)
    {
        var options = ToOptions(parameters, input.Context.Seed, input.Context.Threads);
        var model = new NbSvmTrainer(options).Fit(new TrainingSet(input.Matrix, input.Context.Train.Labels, TaskKind.Binary), cancellationToken);
        return new SpecialisedFit(model, [new("classifier", options.Classifier == NbSvmClassifier.Svm ? "linear-svm" : "logistic-regression")]);
    }
}
