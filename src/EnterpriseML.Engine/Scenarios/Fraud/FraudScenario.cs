using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Specialised;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Fraud;

/// <summary>
/// The <c>fraud</c> scenario: rare positives, primary metric AUPRC. A timestamp column (the first date-time column,
/// or a numeric one named like a time) makes validation time-ordered and is not a feature of the specialised model.
/// Specialised candidate <c>cost-sensitive-gbdt</c>: GBDT whose positive-class weight <c>ScalePositiveWeight</c> is a
/// search dimension, boosted with early stopping on a held-out slice of the training rows, on which an alert threshold
/// is then chosen for a target recall or an alert budget (<see cref="AlertThreshold"/>); the operating point (precision,
/// recall, alerts per 1,000) is reported and saved in the model's metadata. General candidates: <see cref="GeneralCandidates"/>.
/// </summary>
public sealed class FraudScenario : IScenario
{
    /// <summary>The cost-sensitive GBDT's space: the general GBDT dimensions plus the positive-class weight (log scale).</summary>
    internal static SearchSpace CostSensitiveGbdtSpace { get; } = new(
        [.. GeneralCandidates.GbdtSpace.Parameters,
        SearchParameter.Float(nameof(GbdtOptions.ScalePositiveWeight), 1, 200, 4, SearchScale.Log)]);

    public string Name => "fraud";

    /// <summary>The detail (and model metadata) key of the cost-sensitive GBDT's alert threshold: a row alerts when its score is at or above it.</summary>
    public const string AlertThresholdKey = "alertThreshold";

    /// <summary>
    /// A binary model's alert threshold (its metadata's <see cref="AlertThresholdKey"/>, a finite float), or null for a
    /// model without one. What the API's JSON <c>alert</c> and the CSV <c>alert</c> column of <c>eml predict</c> and the
    /// API compare each probability with.
    /// </summary>
    public static float? AlertThresholdOf(Models.ModelPipeline model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Schema.Task == TaskKind.Binary
            && model.Metadata.TryGetValue(AlertThresholdKey, out var text)
            && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold)
            && float.IsFinite(threshold)
                ? threshold
                : null;
    }

    /// <summary>The detail key of the share of alerts that are positives at the threshold.</summary>
    public const string PrecisionAtThresholdKey = "precisionAtThreshold";

    /// <summary>The detail key of the share of positives alerted at the threshold.</summary>
    public const string RecallAtThresholdKey = "recallAtThreshold";

    /// <summary>The detail key of the alerts per 1,000 rows at the threshold.</summary>
    public const string AlertsPerThousandKey = "alertsPerThousand";

    public ScenarioPlan Plan(ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.InferredTask != TaskKind.Binary)
        {
            throw new ArgumentException(
                $"The fraud scenario needs a binary label; '{context.LabelColumn}' looks like {context.InferredTask}.", nameof(context));
        }

        var timestamp = context.TimestampColumn ?? FindTimestamp(context.Train, context.LabelColumn);
        if (context.TimestampColumn is { } named)
        {
            if (!context.Train.TryGetColumn(named, out var column) || named == context.LabelColumn)
            {
                throw new ArgumentException($"Time column '{named}' is not a feature column of the training rows.", nameof(context));
            }

            if (column.Type is not (ColumnType.DateTime or ColumnType.Numeric))
            {
                throw new ArgumentException($"Time column '{named}' must hold dates and times or numbers (such as Unix seconds); it was read as {column.Type.ToString().ToLowerInvariant()}. Dates are read in the forms {SchemaInference.DateForms}.", nameof(context));
            }
        }

        var columns = new ScenarioColumns(CreditScenario.TextColumnsOf(context), timestamp);
        var candidates = new List<ICandidate>(GeneralCandidates.For(TaskKind.Binary, columns));
        candidates.AddRange(SpecialisedCandidates(columns, context.AlertThreshold));
        return new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auprc, candidates, columns,
            ValidationPolicy.TimeOrderedOr(timestamp), [ScenarioMetric.Auc]);
    }

    /// <summary>The fraud scenario's task-specialised candidates, with the threshold rule <paramref name="threshold"/> (default: 80 % recall).</summary>
    public static IReadOnlyList<ICandidate> SpecialisedCandidates(ScenarioColumns columns, AlertThresholdOptions? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var rule = (threshold ?? new AlertThresholdOptions()).Clone();
        rule.Validate();
        var raw = FeaturizerOptions.Trees;
        raw.TextColumns = columns.TextColumns;
        var target = rule.Target == AlertTarget.Recall
            ? string.Create(CultureInfo.InvariantCulture, $"recall ≥ {rule.TargetRecall:G3}")
            : string.Create(CultureInfo.InvariantCulture, $"≤ {rule.AlertsPerThousand:G4} alerts per 1,000");
        return
        [
            new SpecialisedCandidate("cost-sensitive-gbdt", "gbdt", CostSensitiveGbdtSpace, raw,
                "numeric(raw) + categorical(codes) → gbdt(positive weight, early stopping) → alert threshold (" + target + ")",
                (input, parameters, ct) => FitCostSensitive(input, parameters, rule, ct)),
        ];
    }

    /// <summary>
    /// The training rows held out for early stopping and the threshold: the latest <paramref name="fraction"/> by
    /// <paramref name="timestamp"/> when given (<c>Latest</c>), widened back in time until it holds that share of the
    /// rarer class; else, or when the latest rows cannot give both sides their share of it, a stratified random sample
    /// under <paramref name="seed"/>.
    /// </summary>
    internal static (int[] Fit, int[] Holdout, bool Latest) HoldoutSplit(CandidateData train, string? timestamp, double fraction, int seed)
    {
        var n = train.RowCount;
        if (timestamp is not null && train.Features.TryGetColumn(timestamp, out var column))
        {
            var keys = new double[n];
            for (var i = 0; i < n; i++)
            {
                keys[i] = column switch
                {
                    DateTimeColumn d => d.IsMissing(i) ? double.NegativeInfinity : d.Ticks[i],
                    NumericColumn v => float.IsNaN(v.Values[i]) ? double.NegativeInfinity : v.Values[i],
                    _ => i,
                };
            }

            // Stable: equal times keep file order.
            var keyed = new (double Key, int Row)[n];
            for (var i = 0; i < n; i++)
            {
                keyed[i] = (keys[i], i);
            }

            Array.Sort(keyed);
            if (FitTimeHoldout(keyed, train.Labels, Math.Clamp((int)Math.Ceiling(fraction * n), 1, n - 1), fraction) is { } holdout)
            {
                var fit = new int[n - holdout];
                var held = new int[holdout];
                for (var i = 0; i < n; i++)
                {
                    if (i < fit.Length)
                    {
                        fit[i] = keyed[i].Row;
                    }
                    else
                    {
                        held[i - fit.Length] = keyed[i].Row;
                    }
                }

                Array.Sort(fit);
                Array.Sort(held);
                return (fit, held, true);
            }
        }

        var (a, b) = DataSplits.TrainTest(n, fraction, seed, train.Labels);
        Array.Sort(a);
        Array.Sort(b);
        return (a, b, false);
    }

    /// <summary>
    /// The size of the latest-rows holdout among <paramref name="keyed"/> (ascending by time), starting from
    /// <paramref name="size"/> rows and widened back in time (up to half the rows) until it holds
    /// <paramref name="fraction"/> of the rarer class, which clusters in time; null when it then holds fewer, or the
    /// rows before it keep fewer than that share. Before, a training fold whose rare rows all lay in its latest fifth
    /// (fraud-sensor by <c>reading</c>) was fitted on rows of one class: a constant model, AUPRC at the base rate.
    /// </summary>
    private static int? FitTimeHoldout((double Key, int Row)[] keyed, float[] labels, int size, double fraction)
    {
        var n = keyed.Length;
        var positives = 0;
        foreach (var y in labels)
        {
            positives += y > 0.5f ? 1 : 0;
        }

        var rarerIsPositive = positives <= n - positives;
        var rarer = rarerIsPositive ? positives : n - positives;
        var wanted = Math.Max(1, (int)Math.Ceiling(fraction * rarer));
        if (rarer < 2 * wanted)
        {
            return size;
        }

        bool IsRarer(int k) => labels[keyed[k].Row] > 0.5f == rarerIsPositive;
        var inWindow = 0;
        for (var k = n - size; k < n; k++)
        {
            inWindow += IsRarer(k) ? 1 : 0;
        }

        var limit = Math.Max(size, n / 2);
        while (inWindow < wanted && size < limit)
        {
            size++;
            inWindow += IsRarer(n - size) ? 1 : 0;
        }

        return inWindow >= wanted && rarer - inWindow >= wanted ? size : null;
    }

    private static SpecialisedFit FitCostSensitive(SpecialisedInput input, ParameterSet parameters, AlertThresholdOptions rule, CancellationToken cancellationToken)
    {
        var context = input.Context;
        var (fitRows, holdRows, latest) = HoldoutSplit(context.Train, context.Columns.TimestampColumn, rule.HoldoutFraction, context.Seed);
        var x = input.Matrix;
        var labels = context.Train.Labels;
        var fitX = FeatureRows.Select(x, fitRows);
        var holdX = FeatureRows.Select(x, holdRows);
        var fitY = FeatureRows.Select(labels, fitRows);
        var holdY = FeatureRows.Select(labels, holdRows);
        var options = GeneralCandidates.ToGbdtOptions(parameters, context.Seed, context.Threads);
        options.ScalePositiveWeight = parameters.GetDouble(nameof(GbdtOptions.ScalePositiveWeight));
        options.EarlyStoppingRounds = 25;
        var set = new TrainingSet(fitX, fitY, TaskKind.Binary) { Validation = new TrainingSet(holdX, holdY, TaskKind.Binary) };
        var model = new GbdtTrainer(options).Fit(set, cancellationToken);
        var scores = new float[holdX.RowCount];
        model.PredictBatch(holdX, scores);
        var point = AlertThreshold.Choose(holdY, scores, rule);
        var ci = CultureInfo.InvariantCulture;
        return new SpecialisedFit(model,
        [
            new(AlertThresholdKey, point.Threshold.ToString("R", ci)),
            new("operatingPoint", point.ToString() + " on " + point.Rows.ToString(ci) + " held-out training rows"
                + (latest ? " (latest by " + context.Columns.TimestampColumn + ")" : "")),
            new(PrecisionAtThresholdKey, point.Precision.ToString("F4", ci)),
            new(RecallAtThresholdKey, point.Recall.ToString("F4", ci)),
            new(AlertsPerThousandKey, point.AlertsPerThousand.ToString("F2", ci)),
        ]);
    }

    /// <summary>The first date-time column, else the first numeric column whose name says it is a time; null when none.</summary>
    internal static string? FindTimestamp(DataTable table, string label)
    {
        foreach (var column in table.Columns)
        {
            if (column.Name != label && column.Type == ColumnType.DateTime)
            {
                return column.Name;
            }
        }

        foreach (var column in table.Columns)
        {
            var name = column.Name.ToLowerInvariant();
            if (column.Name != label && column.Type == ColumnType.Numeric
                && (name is "time" or "timestamp" or "datetime" or "event_time" or "unix_time" || name.EndsWith("_at", StringComparison.Ordinal)))
            {
                return column.Name;
            }
        }

        return null;
    }
}
