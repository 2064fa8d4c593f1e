using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Scenarios.Recommendation;

namespace EnterpriseML.Jobs;

/// <summary>
/// The <c>experiment</c> object of a schedule: an experiment request whose dataset is either fixed
/// (<c>datasetId</c>) or the newest upload of a name at each fire (<c>datasetName</c>).
/// </summary>
public sealed record ScheduledExperiment(
    string? DatasetId, string? DatasetName, string Label, string? PositiveClass, string Scenario, double BudgetSeconds, string ModelName,
    IReadOnlyList<string>? IgnoreColumns = null, int? Seed = null, string? Metric = null, double? HoldoutFraction = null, string? TestDatasetId = null,
    string? TimestampColumn = null, string? Task = null, int? MaxTrials = null, double? TargetRecall = null, double? AlertBudget = null)
{
    /// <summary>The share of the latest dataset held out to score champion and challenger when none is given.</summary>
    public const double DefaultHoldoutFraction = 0.2;

    /// <summary>Reads the stored JSON; throws <see cref="ArgumentException"/> naming the field when it is unusable.</summary>
    public static ScheduledExperiment Parse(string json)
    {
        ScheduledExperiment? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ScheduledExperiment>(json, SweepJob.Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"experiment: {e.Message}", e);
        }

        if (spec is null)
        {
            throw new ArgumentException("experiment: an object is required.");
        }

        spec.Validate();
        return spec;
    }

    /// <summary>The checks that need no dataset; throws <see cref="ArgumentException"/> whose message starts with the field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatasetId) == string.IsNullOrWhiteSpace(DatasetName))
        {
            throw new ArgumentException("experiment.datasetName: give exactly one of datasetId (a fixed dataset) or datasetName (the newest dataset of that name at each refresh).");
        }

        if (string.IsNullOrWhiteSpace(Label))
        {
            throw new ArgumentException("experiment.label: the label column is required.");
        }

        if (string.IsNullOrWhiteSpace(ModelName))
        {
            throw new ArgumentException("experiment.modelName: a model name is required.");
        }

        if (!(BudgetSeconds is > 0 and <= 86_400))
        {
            throw new ArgumentException(BudgetSeconds == 0
                ? "experiment.budgetSeconds: required, the sweep's wall-clock budget in seconds, in (0, 86400]; missing or 0."
                : $"experiment.budgetSeconds: must be in (0, 86400] seconds; found {BudgetSeconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (string.Equals(Scenario, RecommendationScenario.Name, StringComparison.OrdinalIgnoreCase))
        {
            // A refresh compares champion and challenger on a labelled holdout, which a recommender does not have.
            throw new ArgumentException($"experiment.scenario: a schedule refreshes a tabular scenario ({string.Join(", ", ScenarioCatalog.Names)}); '{RecommendationScenario.Name}' runs as a one-off experiment.");
        }

        if (!ScenarioCatalog.Names.Contains(Scenario?.ToLowerInvariant() ?? ""))
        {
            throw new ArgumentException($"experiment.scenario: unknown scenario '{Scenario}'. Known: {string.Join(", ", ScenarioCatalog.Names)}.");
        }

        if (ExperimentRequest.MaxTrialsProblem(MaxTrials) is { } badTrials)
        {
            throw new ArgumentException("experiment.maxTrials: " + char.ToLowerInvariant(badTrials[0]) + badTrials[1..]);
        }

        if (HoldoutFraction is { } h && !(h is > 0 and <= 0.5))
        {
            throw new ArgumentException($"experiment.holdoutFraction: must be in (0, 0.5]; found {h.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (Task is not null && !LabelEncoding.TryParseTask(Task, out _))
        {
            throw new ArgumentException($"experiment.task: '{Task}': {LabelEncoding.UnknownTask(Task)}");
        }

        if (TimestampColumn is not null && !string.Equals(Scenario, "fraud", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"experiment.timestampColumn: applies to the fraud scenario (its time-ordered validation), not '{Scenario}'.");
        }

        if (AlertThresholdOptions.RequestProblem(Scenario, TargetRecall, AlertBudget, "targetRecall", "alertBudget", "the fraud scenario") is { } alertRule)
        {
            throw new ArgumentException($"experiment.{alertRule.Name}: {alertRule.Problem}");
        }
    }

    /// <summary>The experiment request for one refresh on <paramref name="datasetId"/>.</summary>
    public ExperimentRequest ToRequest(string datasetId) => new(
        datasetId, Label, PositiveClass, Scenario.ToLowerInvariant(), BudgetSeconds, ModelName.Trim(), IgnoreColumns, Seed, Metric, HoldoutFraction ?? DefaultHoldoutFraction, TestDatasetId,
        TimestampColumn: TimestampColumn, Task: Task, MaxTrials: MaxTrials, TargetRecall: TargetRecall, AlertBudget: AlertBudget);
}

/// <summary>The <c>promotion</c> object of a schedule.</summary>
/// <param name="Metric">The metric champion and challenger are compared on; null = the scenario's metric.</param>
/// <param name="MinimumImprovement">How much better (in metric units, in the metric's direction) the challenger must be. At least 0.</param>
/// <param name="EvaluateOn">Where they are compared; only <c>latest-dataset-holdout</c>.</param>
public sealed record PromotionPolicy(string? Metric, double MinimumImprovement, string EvaluateOn)
{
    public const string LatestDatasetHoldout = "latest-dataset-holdout";

    /// <summary>Every metric name a policy may name (each task accepts a subset).</summary>
    public static IReadOnlyList<string> MetricNames { get; } =
        [.. new[] { Engine.Trainers.TaskKind.Binary, Engine.Trainers.TaskKind.Multiclass, Engine.Trainers.TaskKind.Regression }
            .SelectMany(ScenarioMetric.ForTask).Select(m => m.Name).Distinct(StringComparer.Ordinal)];

    /// <summary>Reads and validates the object (null = defaults); throws <see cref="ArgumentException"/> whose message starts with the field.</summary>
    public static PromotionPolicy Parse(JsonObject? promotion)
    {
        if (promotion is null)
        {
            return new PromotionPolicy(null, 0, LatestDatasetHoldout);
        }

        string? metric = null;
        double minimum = 0;
        var evaluateOn = LatestDatasetHoldout;
        try
        {
            metric = promotion["metric"]?.GetValue<string>();
            minimum = promotion["minimumImprovement"]?.GetValue<double>() ?? 0;
            evaluateOn = promotion["evaluateOn"]?.GetValue<string>() ?? LatestDatasetHoldout;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"promotion: {e.Message} (metric and evaluateOn are strings, minimumImprovement a number).", e);
        }

        if (metric is not null && !MetricNames.Contains(metric, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"promotion.metric: unknown metric '{metric}'. Known: {string.Join(", ", MetricNames)}.");
        }

        if (!double.IsFinite(minimum) || minimum < 0)
        {
            throw new ArgumentException($"promotion.minimumImprovement: must be a number ≥ 0 in metric units; found {minimum.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (evaluateOn != LatestDatasetHoldout)
        {
            throw new ArgumentException($"promotion.evaluateOn: only '{LatestDatasetHoldout}' is supported; found '{evaluateOn}'.");
        }

        return new PromotionPolicy(metric, minimum, evaluateOn);
    }

    /// <summary>The policy as stored (defaults written out).</summary>
    public JsonObject ToJson() => new() { ["metric"] = Metric, ["minimumImprovement"] = MinimumImprovement, ["evaluateOn"] = EvaluateOn };

    /// <summary>The metric to compare on for a plan: the named one (it must suit the task), else the plan's primary metric.</summary>
    public ScenarioMetric ResolveMetric(ScenarioPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (Metric is null)
        {
            return plan.PrimaryMetric;
        }

        return ScenarioMetric.ForTask(plan.Task).FirstOrDefault(m => string.Equals(m.Name, Metric, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"promotion.metric: {MetricProblem(plan.Task)}");
    }

    /// <summary>
    /// Why the named metric cannot compare models of <paramref name="task"/>; null when it can (or none is named). The
    /// same words when the schedule is created (the task read from the dataset's profile) and when a refresh plans it.
    /// </summary>
    public string? MetricProblem(Engine.Trainers.TaskKind task)
    {
        var valid = ScenarioMetric.ForTask(task);
        return Metric is null || valid.Any(m => string.Equals(m.Name, Metric, StringComparison.OrdinalIgnoreCase))
            ? null
            : $"'{Metric}' does not apply to a {task.ToString().ToLowerInvariant()} task. Use one of {string.Join(", ", valid.Select(m => m.Name))}.";
    }
}

/// <summary>What a refresh decided, and the sentence that says why.</summary>
/// <param name="Promote">Whether the challenger becomes champion.</param>
/// <param name="Improvement">Challenger minus champion in the metric's direction (positive = challenger better); null without a champion.</param>
/// <param name="Sentence">The reason, with both scores, the difference and the threshold.</param>
public sealed record PromotionDecision(bool Promote, double? Improvement, string Sentence)
{
    /// <summary>
    /// Compares the two holdout scores. The challenger is promoted only when it is strictly better and better by at
    /// least <paramref name="minimumImprovement"/>, in the metric's direction (for rmse, lower is better). A score that
    /// is not a number never wins.
    /// </summary>
    public static PromotionDecision Decide(ScenarioMetric metric, int championVersion, double championScore, int challengerVersion, double challengerScore,
        double minimumImprovement, int holdoutRows, string datasetName)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumImprovement);
        var direction = metric.HigherIsBetter ? "higher" : "lower";
        var on = $"on {holdoutRows} holdout rows of '{datasetName}'";
        if (!double.IsFinite(challengerScore) || !double.IsFinite(championScore))
        {
            return new PromotionDecision(false, null, string.Create(CultureInfo.InvariantCulture,
                $"Challenger v{challengerVersion} {metric.Name} {F(challengerScore)} vs champion v{championVersion} {F(championScore)} {on}: a score is not a number, so nothing is promoted; v{challengerVersion} stays a candidate."));
        }

        var improvement = metric.HigherIsBetter ? challengerScore - championScore : championScore - challengerScore;
        var promote = improvement > 0 && improvement >= minimumImprovement;
        var verdict = promote
            ? $"improvement {F(improvement)} ≥ minimum {F(minimumImprovement)}: v{challengerVersion} promoted to champion."
            : minimumImprovement > 0
                ? $"improvement {F(improvement)} < minimum {F(minimumImprovement)}: champion v{championVersion} kept, v{challengerVersion} stays a candidate."
                : $"improvement {F(improvement)} is not above 0: champion v{championVersion} kept, v{challengerVersion} stays a candidate.";
        return new PromotionDecision(promote, improvement, string.Create(CultureInfo.InvariantCulture,
            $"Challenger v{challengerVersion} {metric.Name} {F(challengerScore)} vs champion v{championVersion} {F(championScore)} ({direction} is better) {on}; {verdict}"));
    }

    /// <summary>The decision when there is no champion yet.</summary>
    public static PromotionDecision NoChampion(ScenarioMetric metric, int challengerVersion, double challengerScore, int holdoutRows, string datasetName)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return new PromotionDecision(true, null, string.Create(CultureInfo.InvariantCulture,
            $"No champion yet: challenger v{challengerVersion} ({metric.Name} {F(challengerScore)} on {holdoutRows} holdout rows of '{datasetName}') becomes champion."));
    }

    private static string F(double value) => double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
}
