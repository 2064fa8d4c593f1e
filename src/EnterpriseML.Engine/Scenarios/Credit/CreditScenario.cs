using System.Globalization;
using System.Text;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios.Specialised;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Credit;

/// <summary>
/// The <c>credit</c> scenario: a binary good/bad label (the positive class is the "bad" event), primary metric AUC,
/// with KS and Gini reported. Specialised candidates: a WoE + logistic-regression scorecard scaled to points
/// (<see cref="ScorecardTrainer"/>), and GBDT with monotone constraints inferred from each numeric feature's WoE trend.
/// The general candidates are <see cref="GeneralCandidates"/>.
/// </summary>
public sealed class CreditScenario : IScenario
{
    public string Name => "credit";

    /// <summary>The scorecard's search space: the logistic L2 and the binning granularity.</summary>
    internal static SearchSpace ScorecardSpace { get; } = new(
        SearchParameter.Float(nameof(ScorecardOptions.L2Regularization), 1e-4, 10, 0.01, SearchScale.Log),
        SearchParameter.Int(nameof(WoeBinningOptions.MaximumPreBinCount), 4, 40, 20, SearchScale.Log),
        SearchParameter.Float(nameof(WoeBinningOptions.MinimumBinFraction), 0.02, 0.15, 0.05),
        SearchParameter.Float(nameof(ScorecardOptions.MinimumInformationValue), 0, 0.1, 0.02));

    public ScenarioPlan Plan(ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.InferredTask != TaskKind.Binary)
        {
            throw new ArgumentException(
                $"The credit scenario needs a binary good/bad label; '{context.LabelColumn}' looks like {context.InferredTask}.", nameof(context));
        }

        var columns = new ScenarioColumns(TextColumnsOf(context));
        var candidates = new List<ICandidate>(GeneralCandidates.For(TaskKind.Binary, columns));
        candidates.AddRange(SpecialisedCandidates(columns));
        return new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, candidates, columns,
            ValidationPolicy.Auto, [ScenarioMetric.Ks, ScenarioMetric.Gini]);
    }

    /// <summary>The credit scenario's task-specialised candidates: <c>scorecard</c> and <c>monotone-gbdt</c>.</summary>
    public static IReadOnlyList<ICandidate> SpecialisedCandidates(ScenarioColumns columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var raw = FeaturizerOptions.Trees;
        raw.TextColumns = columns.TextColumns;
        return
        [
            new SpecialisedCandidate("scorecard", "scorecard", ScorecardSpace, raw,
                "numeric(raw) + categorical(codes) → WoE bins → logistic regression → points (PDO)", FitScorecard),
            new SpecialisedCandidate("monotone-gbdt", "gbdt", GeneralCandidates.GbdtSpace, raw,
                "numeric(raw) + categorical(codes) → gbdt with monotone constraints from WoE trends", FitMonotoneGbdt),
        ];
    }

    /// <summary>Maps a scorecard parameter set to options (unset dimensions keep their defaults).</summary>
    public static ScorecardOptions ToScorecardOptions(ParameterSet parameters, int threads = -1)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var options = new ScorecardOptions { MaxDegreeOfParallelism = threads };
        if (parameters.TryGet(nameof(options.L2Regularization), out var l2))
        {
            options.L2Regularization = l2.Number;
        }

        if (parameters.TryGet(nameof(options.MinimumInformationValue), out var iv))
        {
            options.MinimumInformationValue = iv.Number;
        }

        if (parameters.TryGet(nameof(WoeBinningOptions.MaximumPreBinCount), out var bins))
        {
            options.Binning.MaximumPreBinCount = (int)Math.Round(bins.Number);
        }

        if (parameters.TryGet(nameof(WoeBinningOptions.MinimumBinFraction), out var fraction))
        {
            options.Binning.MinimumBinFraction = fraction.Number;
        }

        options.Validate();
        return options;
    }

    /// <summary>
    /// The monotone constraint of each feature for a model of P(positive): the numeric features' WoE risk trend
    /// (+1 bad rate rising with the value, −1 falling) when their information value reaches
    /// <paramref name="minimumInformationValue"/>, else 0; categorical and sparse features are free.
    /// </summary>
    public static int[] InferMonotoneConstraints(FeatureMatrix features, ReadOnlySpan<float> labels, WoeBinningOptions? binning = null,
        double minimumInformationValue = 0.02, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        var bins = WoeBinner.Fit(features, labels, binning ?? new WoeBinningOptions(), cancellationToken);
        var constraints = new int[features.ColumnCount];
        for (var f = 0; f < bins.Length; f++)
        {
            if (!bins[f].IsCategorical && bins[f].InformationValue >= minimumInformationValue)
            {
                constraints[f] = bins[f].RiskTrend;
            }
        }

        return constraints;
    }

    private static SpecialisedFit FitScorecard(SpecialisedInput input, ParameterSet parameters, CancellationToken cancellationToken)
    {
        var options = ToScorecardOptions(parameters, input.Context.Threads);
        var scorecard = new ScorecardTrainer(options).Fit(
            new TrainingSet(input.Matrix, input.Context.Train.Labels, TaskKind.Binary), cancellationToken);
        scorecard = scorecard.WithLevelNames(LevelNames(input));
        var used = 0;
        foreach (var c in scorecard.Coefficients)
        {
            used += c != 0 ? 1 : 0;
        }

        var ci = CultureInfo.InvariantCulture;
        return new SpecialisedFit(scorecard,
        [
            new("scaling", Scaling(options, input.Context.Train.ClassNames)),
            new("basePoints", scorecard.BasePoints.ToString("F2", ci)),
            new("features", used.ToString(ci) + " of " + scorecard.Bins.Count.ToString(ci) + " (information value ≥ " + options.MinimumInformationValue.ToString("G3", ci) + ", right coefficient sign)"),
        ]);
    }

    /// <summary>
    /// The points scaling in the report's words, naming the classes: the positive class is the bad event the points
    /// score against, so a label whose positive class is the good outcome (a 0/1 label with 1 = repaid) is visible here
    /// as points that rise with the odds of the bad one.
    /// </summary>
    internal static string Scaling(ScorecardOptions options, IReadOnlyList<string> classNames) => string.Create(CultureInfo.InvariantCulture,
        $"{options.BaseScore:G6} points at {options.BaseOdds:G6}:1 good:bad odds, {options.PointsToDoubleOdds:G6} points to double the odds; good = '{classNames[0]}', bad = '{classNames[1]}' (the positive class)");

    /// <summary>How a scorecard's reason codes name a categorical feature's last code, where rare and unseen levels go.</summary>
    public const string OtherLevelsName = "(rare or unseen level)";

    /// <summary>The raw level behind each categorical code, read back from the training rows (the last code is <see cref="OtherLevelsName"/>).</summary>
    private static string[]?[] LevelNames(SpecialisedInput input)
    {
        var x = input.Matrix;
        var names = new string[]?[x.DenseColumnCount];
        for (var f = 0; f < names.Length; f++)
        {
            var info = x.Features[f];
            if (!info.IsCategorical || info.Cardinality < 1 || !input.Table.TryGetColumn(info.Name, out var column) || column is not StringColumn text)
            {
                continue;
            }

            var levels = new string[info.Cardinality];
            var codes = x.DenseColumn(f);
            for (var i = 0; i < codes.Length; i++)
            {
                if (!float.IsNaN(codes[i]) && (int)codes[i] < levels.Length - 1 && levels[(int)codes[i]] is null)
                {
                    levels[(int)codes[i]] = text.Values[i] ?? "";
                }
            }

            // Not "other": German credit's purpose has a level of that name, and a reason code must tell them apart.
            levels[^1] = OtherLevelsName;
            for (var k = 0; k < levels.Length; k++)
            {
                levels[k] ??= "";
            }

            names[f] = levels;
        }

        return names;
    }

    private static SpecialisedFit FitMonotoneGbdt(SpecialisedInput input, ParameterSet parameters, CancellationToken cancellationToken)
    {
        var labels = input.Context.Train.Labels;
        var constraints = InferMonotoneConstraints(input.Matrix, labels, cancellationToken: cancellationToken);
        var options = GeneralCandidates.ToGbdtOptions(parameters, input.Context.Seed, input.Context.Threads);
        options.MonotoneConstraints = constraints;
        var model = new GbdtTrainer(options).Fit(new TrainingSet(input.Matrix, labels, TaskKind.Binary), cancellationToken);
        var text = new StringBuilder();
        for (var f = 0; f < constraints.Length; f++)
        {
            if (constraints[f] != 0)
            {
                text.Append(text.Length == 0 ? "" : ", ").Append(input.Matrix.Features[f].Name).Append(constraints[f] > 0 ? " ↑" : " ↓");
            }
        }

        return new SpecialisedFit(model, [new("monotone", text.Length == 0 ? "none" : text.ToString())]);
    }

    internal static List<string> TextColumnsOf(ScenarioContext context)
    {
        var text = new List<string>();
        foreach (var column in context.Train.Columns)
        {
            if (column.Type == ColumnType.Text && column.Name != context.LabelColumn)
            {
                text.Add(column.Name);
            }
        }

        return text;
    }
}
