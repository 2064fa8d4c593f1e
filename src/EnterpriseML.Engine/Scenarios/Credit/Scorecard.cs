using System.Globalization;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Scenarios.Credit;

/// <summary>Options of <see cref="ScorecardTrainer"/>. Validated once; the trainer keeps its own copy.</summary>
public sealed class ScorecardOptions
{
    /// <summary>The score at <see cref="BaseOdds"/>. Default 600; range [-1e6, 1e6].</summary>
    public double BaseScore { get; set; } = 600;

    /// <summary>The good:bad odds that score <see cref="BaseScore"/> points. Default 50 (50:1); range (0, 1e6].</summary>
    public double BaseOdds { get; set; } = 50;

    /// <summary>Points to double the odds (PDO): +PDO points means twice the good:bad odds. Default 20; range (0, 1000].</summary>
    public double PointsToDoubleOdds { get; set; } = 20;

    /// <summary>Features whose information value is below this are left out. Default 0.02; range [0, 10].</summary>
    public double MinimumInformationValue { get; set; } = 0.02;

    /// <summary>L2 penalty of the logistic regression on WoE features. Default 0.01; range [0, 1e4].</summary>
    public double L2Regularization { get; set; } = 0.01;

    /// <summary>
    /// Drop features whose fitted coefficient has the wrong sign (riskier WoE scoring more points) and refit once,
    /// as scorecard practice requires. Default true.
    /// </summary>
    public bool DropWrongSignFeatures { get; set; } = true;

    /// <summary>The WoE binning options.</summary>
    public WoeBinningOptions Binning { get; set; } = new();

    /// <summary>Threads of the logistic regression; −1 = all. Results do not depend on it. Default −1; −1 or [1, 1024].</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(BaseScore is >= -1e6 and <= 1e6))
        {
            throw new ArgumentOutOfRangeException(nameof(BaseScore), BaseScore, "Must be in [-1e6, 1e6].");
        }

        if (!(BaseOdds is > 0 and <= 1e6))
        {
            throw new ArgumentOutOfRangeException(nameof(BaseOdds), BaseOdds, "Must be in (0, 1e6].");
        }

        if (!(PointsToDoubleOdds is > 0 and <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(PointsToDoubleOdds), PointsToDoubleOdds, "Must be in (0, 1000].");
        }

        if (!(MinimumInformationValue is >= 0 and <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumInformationValue), MinimumInformationValue, "Must be in [0, 10].");
        }

        if (!(L2Regularization is >= 0 and <= 1e4))
        {
            throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, "Must be in [0, 1e4].");
        }

        if (MaxDegreeOfParallelism != -1 && MaxDegreeOfParallelism is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be -1 or in [1, 1024].");
        }

        ArgumentNullException.ThrowIfNull(Binning, nameof(Binning));
        Binning.Validate();
    }

    internal ScorecardOptions Clone()
    {
        var copy = (ScorecardOptions)MemberwiseClone();
        copy.Binning = Binning.Clone();
        return copy;
    }
}

/// <summary>A scored applicant: points (higher = safer) and the reason codes, largest point loss first.</summary>
public sealed record ScorecardResult(double Points, IReadOnlyList<ReasonCode> ReasonCodes);

/// <summary>One reason code: a feature that cost the applicant points relative to its best attainable bin.</summary>
/// <param name="Feature">The feature name.</param>
/// <param name="Bin">The applicant's bin, for example <c>(1, 4]</c> or <c>missing</c>.</param>
/// <param name="Points">The points the applicant's bin scores.</param>
/// <param name="MaximumPoints">The points of the feature's best bin.</param>
public readonly record struct ReasonCode(string Feature, string Bin, double Points, double MaximumPoints)
{
    /// <summary>Points lost against the best bin (≥ 0).</summary>
    public double PointsLost => MaximumPoints - Points;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Feature} {Bin}: {Points:F1} of {MaximumPoints:F1} points");
}

/// <summary>
/// Trains a credit scorecard: weight-of-evidence binning (<see cref="WoeBinner"/>), logistic regression on the WoE
/// values of the informative features, and the linear scaling of log-odds to points by points-to-double-odds
/// (Siddiqi, <i>Credit Risk Scorecards</i>, 2006, ch. 10): Factor = PDO / ln 2, Offset = BaseScore − Factor · ln(BaseOdds),
/// Score = Offset + Factor · ln(good:bad odds). Label 1 is the "bad" event. Deterministic (no randomness).
/// Input: the dense block of a feature pipeline with unscaled numerics (NaN = missing) and categorical codes.
/// </summary>
public sealed class ScorecardTrainer : ITrainer
{
    private readonly ScorecardOptions _options;

    public ScorecardTrainer(ScorecardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
    }

    public string Name => "scorecard";

    IPredictor ITrainer.Fit(TrainingSet data, CancellationToken cancellationToken) => Fit(data, cancellationToken);

    /// <summary>Fits the scorecard on binary <paramref name="data"/> (1 = bad).</summary>
    public ScorecardPredictor Fit(TrainingSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Task != TaskKind.Binary)
        {
            throw new ArgumentException($"A scorecard needs a binary task, not {data.Task}.", nameof(data));
        }

        var x = data.Features;
        var bins = WoeBinner.Fit(x, data.Labels, _options.Binning, cancellationToken);
        var use = new List<int>();
        for (var f = 0; f < bins.Length; f++)
        {
            if (bins[f].InformationValue >= _options.MinimumInformationValue && bins[f].BinCount + (bins[f].MissingWoe != 0 ? 1 : 0) > 1)
            {
                use.Add(f);
            }
        }

        var coefficients = new double[bins.Length];
        var intercept = 0.0;
        for (var round = 0; round < 2; round++)
        {
            Array.Clear(coefficients);
            intercept = FitLogistic(data, bins, use, coefficients, cancellationToken);
            if (!_options.DropWrongSignFeatures || round == 1)
            {
                break;
            }

            // Bads are label 1 and WoE is ln(good/bad): a sound feature has a negative coefficient.
            var kept = use.FindAll(f => coefficients[f] < 0);
            if (kept.Count == use.Count)
            {
                break;
            }

            use = kept;
        }

        return new ScorecardPredictor(x.ColumnCount, bins, coefficients, intercept,
            new ScorecardScaling(_options.BaseScore, _options.BaseOdds, _options.PointsToDoubleOdds));
    }

    private double FitLogistic(TrainingSet data, WoeFeature[] bins, List<int> use, double[] coefficients, CancellationToken cancellationToken)
    {
        var x = data.Features;
        var n = x.RowCount;
        if (use.Count == 0)
        {
            double bad = 0, total = 0;
            for (var i = 0; i < n; i++)
            {
                var w = data.Weights?[i] ?? 1f;
                bad += w * data.Labels[i];
                total += w;
            }

            var p = Math.Clamp(bad / total, 1e-6, 1 - 1e-6);
            return Math.Log(p / (1 - p));
        }

        var dense = new float[use.Count * n];
        for (var k = 0; k < use.Count; k++)
        {
            var column = x.DenseColumn(use[k]);
            var bin = bins[use[k]];
            var target = dense.AsSpan(k * n, n);
            for (var i = 0; i < n; i++)
            {
                target[i] = (float)bin.WoeOf(column[i]);
            }
        }

        var infos = new FeatureInfo[use.Count];
        for (var k = 0; k < use.Count; k++)
        {
            infos[k] = new FeatureInfo(bins[use[k]].Name);
        }

        var woe = new FeatureMatrix(n, dense, use.Count, null, infos);
        var trainer = new LogisticRegressionTrainer(new LogisticRegressionOptions
        {
            L2Regularization = _options.L2Regularization,
            MaximumNumberOfIterations = 200,
            MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism,
        });
        var model = (LinearPredictor)trainer.Fit(new TrainingSet(woe, data.Labels, TaskKind.Binary, weights: data.Weights), cancellationToken);
        var beta = model.Coefficients();
        for (var k = 0; k < use.Count; k++)
        {
            coefficients[use[k]] = beta[k];
        }

        return model.Intercept();
    }
}

/// <summary>The points scaling of a scorecard: Factor = PDO / ln 2, Offset = BaseScore − Factor · ln(BaseOdds).</summary>
public sealed record ScorecardScaling(double BaseScore, double BaseOdds, double PointsToDoubleOdds)
{
    public double Factor => PointsToDoubleOdds / Math.Log(2);

    public double Offset => BaseScore - (Factor * Math.Log(BaseOdds));

    /// <summary>The score of good:bad odds <paramref name="goodBadOdds"/>.</summary>
    public double ScoreOfOdds(double goodBadOdds) => Offset + (Factor * Math.Log(goodBadOdds));

    /// <summary>The good:bad odds a score stands for: BaseOdds · 2^((score − BaseScore) / PDO).</summary>
    public double OddsOfScore(double score) => BaseOdds * Math.Pow(2, (score - BaseScore) / PointsToDoubleOdds);
}

/// <summary>
/// A fitted credit scorecard (see <see cref="ScorecardTrainer"/>): P(bad) = sigmoid(b + Σ β_f · WoE_f(x_f)), and
/// points Score = Offset − Factor · (b + Σ β_f · WoE_f), split into base points and per-attribute points
/// −Factor · β_f · WoE(bin). Reason codes are the features whose bin scores furthest below that feature's best bin.
/// Immutable and safe for concurrent use. <see cref="Explain"/> gives β_f · WoE_f in log-odds space.
/// </summary>
public sealed class ScorecardPredictor : IExplainablePredictor, IPersistablePredictor
{
    /// <summary>The format identifier written by <see cref="Write"/>.</summary>
    public const string Format = "scorecard/1";

    /// <summary>Reason codes per applicant when none is asked for explicitly.</summary>
    public const int DefaultReasonCount = 4;

    private readonly WoeFeature[] _bins;
    private readonly double[] _coefficients;
    private readonly double[] _maximumPoints;

    internal ScorecardPredictor(int featureCount, WoeFeature[] bins, double[] coefficients, double intercept, ScorecardScaling scaling)
    {
        FeatureCount = featureCount;
        _bins = bins;
        _coefficients = coefficients;
        Intercept = intercept;
        Scaling = scaling;
        _maximumPoints = new double[bins.Length];
        for (var f = 0; f < bins.Length; f++)
        {
            var best = double.NegativeInfinity;
            foreach (var w in bins[f].Woe)
            {
                best = Math.Max(best, AttributePoints(f, w));
            }

            _maximumPoints[f] = Math.Max(best, AttributePoints(f, bins[f].MissingWoe));
        }
    }

    public TaskKind Task => TaskKind.Binary;

    public int FeatureCount { get; }

    public int OutputWidth => 1;

    public string FormatId => Format;

    /// <summary>The log-odds of bad at WoE 0 for every feature.</summary>
    public double Intercept { get; }

    public ScorecardScaling Scaling { get; }

    /// <summary>The WoE binning of each dense feature.</summary>
    public IReadOnlyList<WoeFeature> Bins => _bins;

    /// <summary>The logistic coefficient of each dense feature (0 = not in the scorecard).</summary>
    public ReadOnlySpan<double> Coefficients => _coefficients;

    /// <summary>Points every applicant gets: Offset − Factor · intercept.</summary>
    public double BasePoints => Scaling.Offset - (Scaling.Factor * Intercept);

    /// <summary>The log-odds of bad for one row.</summary>
    public double Margin(in FeatureRow row)
    {
        var margin = Intercept;
        var dense = row.Dense;
        for (var f = 0; f < _bins.Length; f++)
        {
            if (_coefficients[f] != 0)
            {
                margin += _coefficients[f] * _bins[f].WoeOf(dense[f]);
            }
        }

        return margin;
    }

    /// <summary>The score in points of one row (higher = safer).</summary>
    public double Points(in FeatureRow row) => Scaling.Offset - (Scaling.Factor * Margin(row));

    public void Predict(in FeatureRow row, Span<float> output) => output[0] = (float)Sigmoid(Margin(row));

    public void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(margins.Length, 1);
        outputs[0] = Sigmoid(margins[0]);
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        var n = features.RowCount;
        Span<double> margin = n <= 4096 ? stackalloc double[n] : new double[n];
        margin.Fill(Intercept);
        for (var f = 0; f < _bins.Length; f++)
        {
            var beta = _coefficients[f];
            if (beta == 0)
            {
                continue;
            }

            var column = features.DenseColumn(f);
            var bin = _bins[f];
            for (var i = 0; i < n; i++)
            {
                margin[i] += beta * bin.WoeOf(column[i]);
            }
        }

        for (var i = 0; i < n; i++)
        {
            output[i] = (float)Sigmoid(margin[i]);
        }
    }

    /// <summary>The score in points of every row.</summary>
    public double[] PointsBatch(FeatureMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var points = new double[features.RowCount];
        var dense = new float[features.DenseColumnCount];
        for (var i = 0; i < points.Length; i++)
        {
            for (var f = 0; f < dense.Length; f++)
            {
                dense[f] = features.Dense[(f * features.RowCount) + i];
            }

            points[i] = Points(new FeatureRow(dense));
        }

        return points;
    }

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0)
    {
        // One output, as any binary model; another index had been answered with output 0's explanation.
        ArgumentOutOfRangeException.ThrowIfNotEqual(outputIndex, 0);
        if (row.Dense.Length != _bins.Length)
        {
            throw new ArgumentException($"The scorecard expects {_bins.Length} dense features; the row has {row.Dense.Length}.", nameof(row));
        }

        if (contributions.Length < FeatureCount)
        {
            throw new ArgumentException($"Contributions need {FeatureCount} entries.", nameof(contributions));
        }

        contributions[..FeatureCount].Clear();
        var dense = row.Dense;
        for (var f = 0; f < _bins.Length; f++)
        {
            if (_coefficients[f] != 0)
            {
                contributions[f] = (float)(_coefficients[f] * _bins[f].WoeOf(dense[f]));
            }
        }

        return (float)Intercept;
    }

    /// <summary>
    /// The top <paramref name="count"/> reason codes of one row: the scorecard features whose bin loses the most points
    /// against the feature's best bin, largest loss first; features at their best bin are never listed.
    /// </summary>
    public IReadOnlyList<ReasonCode> ReasonCodes(in FeatureRow row, int count = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var codes = new List<ReasonCode>();
        var dense = row.Dense;
        for (var f = 0; f < _bins.Length; f++)
        {
            if (_coefficients[f] == 0)
            {
                continue;
            }

            var bin = _bins[f].Bin(dense[f]);
            var points = AttributePoints(f, bin < 0 ? _bins[f].MissingWoe : _bins[f].Woe[bin]);
            if (_maximumPoints[f] - points > 1e-9)
            {
                codes.Add(new ReasonCode(_bins[f].Name, _bins[f].DescribeBin(bin), points, _maximumPoints[f]));
            }
        }

        codes.Sort(static (a, b) =>
        {
            var c = b.PointsLost.CompareTo(a.PointsLost);
            return c != 0 ? c : string.CompareOrdinal(a.Feature, b.Feature);
        });
        return codes.Count > count ? codes.GetRange(0, count) : codes;
    }

    /// <summary>A copy whose categorical bins are named by <paramref name="levelNames"/> (per feature; null = keep).</summary>
    internal ScorecardPredictor WithLevelNames(string[]?[] levelNames)
    {
        var bins = (WoeFeature[])_bins.Clone();
        for (var f = 0; f < bins.Length; f++)
        {
            if (levelNames[f] is { } names)
            {
                bins[f] = bins[f].WithLevelNames(names);
            }
        }

        return new ScorecardPredictor(FeatureCount, bins, _coefficients, Intercept, Scaling);
    }

    /// <summary>
    /// Scores raw rows with a scorecard model: points and the top <paramref name="reasonCount"/> reason codes per row.
    /// Returns false when <paramref name="model"/> is not a scorecard (then <paramref name="results"/> is empty).
    /// </summary>
    public static bool TryScore(Models.ModelPipeline model, DataTable rows, int reasonCount, out ScorecardResult[] results)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        if (model.Predictor is not ScorecardPredictor scorecard)
        {
            results = [];
            return false;
        }

        var x = model.Features.Transform(rows);
        results = new ScorecardResult[x.RowCount];
        var dense = new float[x.DenseColumnCount];
        for (var i = 0; i < results.Length; i++)
        {
            for (var f = 0; f < dense.Length; f++)
            {
                dense[f] = x.Dense[(f * x.RowCount) + i];
            }

            var row = new FeatureRow(dense);
            results[i] = new ScorecardResult(scorecard.Points(row), scorecard.ReasonCodes(row, reasonCount));
        }

        return true;
    }

    /// <summary>The points of feature <paramref name="feature"/> at WoE <paramref name="woe"/>: −Factor · β · WoE.</summary>
    public double AttributePoints(int feature, double woe) => -Scaling.Factor * _coefficients[feature] * woe;

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FeatureCount);
        writer.Write(Intercept);
        writer.Write(Scaling.BaseScore);
        writer.Write(Scaling.BaseOdds);
        writer.Write(Scaling.PointsToDoubleOdds);
        writer.Write(_bins.Length);
        for (var f = 0; f < _bins.Length; f++)
        {
            _bins[f].Write(writer);
            writer.Write(_coefficients[f]);
        }
    }

    public static ScorecardPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var featureCount = reader.ReadInt32();
        var intercept = reader.ReadDouble();
        var scaling = new ScorecardScaling(reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
        var bins = new WoeFeature[reader.ReadCount($"The {Format} model's binned features", 16)];
        // The bins are the dense features; a table with a text column adds its sparse n-grams after them, which the
        // scorecard leaves out (it wrote such a model, then refused to load it).
        if (featureCount < bins.Length)
        {
            throw new InvalidDataException($"The {Format} model has {bins.Length} binned features for {featureCount} features; the binned (dense) features are at most all of them.");
        }

        var coefficients = new double[bins.Length];
        for (var f = 0; f < bins.Length; f++)
        {
            bins[f] = WoeFeature.Read(reader);
            coefficients[f] = reader.ReadDouble();
        }

        return new ScorecardPredictor(featureCount, bins, coefficients, intercept, scaling);
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
