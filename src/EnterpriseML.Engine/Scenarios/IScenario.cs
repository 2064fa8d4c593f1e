using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>
/// A business scenario: it says what the columns mean, which metric decides, how to validate, and which general and
/// task-specialised candidates compete. Implementations have a public parameterless constructor and are discovered
/// by <see cref="ScenarioCatalog"/>: adding a scenario is adding one class.
/// </summary>
public interface IScenario
{
    /// <summary>The CLI name, for example <c>fraud</c>. Lower case, unique.</summary>
    string Name { get; }

    /// <summary>
    /// Plans a sweep on <paramref name="context"/>'s training table: the task, metric, column roles, validation and
    /// candidates (both kinds). Throws <see cref="ArgumentException"/> with a precise message when the data does not
    /// fit the scenario (for example a non-binary label for <c>credit</c>).
    /// </summary>
    ScenarioPlan Plan(ScenarioContext context);
}

/// <summary>What a scenario is told about the data before planning.</summary>
public sealed class ScenarioContext
{
    public ScenarioContext(DataTable train, string labelColumn, TaskKind inferredTask, string? positiveClass = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentException.ThrowIfNullOrEmpty(labelColumn);
        Train = train;
        LabelColumn = labelColumn;
        InferredTask = inferredTask;
        PositiveClass = positiveClass;
    }

    /// <summary>The training table, label included, ignored columns already removed.</summary>
    public DataTable Train { get; }

    public string LabelColumn { get; }

    /// <summary>The task inferred from the label's values (two distinct values → binary, and so on).</summary>
    public TaskKind InferredTask { get; }

    /// <summary>The positive class the user named (<c>--positive</c>), or null.</summary>
    public string? PositiveClass { get; }

    /// <summary>
    /// The time column the user named (<c>--timestamp</c>) for a scenario that validates in time order (fraud), or
    /// null to let the scenario find one.
    /// </summary>
    public string? TimestampColumn { get; init; }

    /// <summary>
    /// What the fraud scenario's alert threshold is chosen for (<c>eml automl --target-recall</c> or
    /// <c>--alert-budget</c>), or null for its default, 80 % recall. Validated when the scenario plans; the scenario keeps
    /// its own copy.
    /// </summary>
    public Fraud.AlertThresholdOptions? AlertThreshold { get; init; }
}

/// <summary>A scenario's plan for one sweep.</summary>
public sealed class ScenarioPlan
{
    public ScenarioPlan(TaskKind task, ScenarioMetric primaryMetric, IReadOnlyList<ICandidate> candidates,
        ScenarioColumns? columns = null, ValidationPolicy? validation = null, IReadOnlyList<ScenarioMetric>? reportMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(primaryMetric);
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("A plan needs at least one candidate.", nameof(candidates));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            if (!names.Add(candidate.Name))
            {
                throw new ArgumentException($"Duplicate candidate name '{candidate.Name}'.", nameof(candidates));
            }
        }

        Task = task;
        PrimaryMetric = primaryMetric;
        Candidates = candidates;
        Columns = columns ?? ScenarioColumns.None;
        Validation = validation ?? ValidationPolicy.Auto;
        ReportMetrics = reportMetrics ?? [];
    }

    public TaskKind Task { get; }

    /// <summary>The metric that picks the winner.</summary>
    public ScenarioMetric PrimaryMetric { get; }

    /// <summary>General and specialised candidates together (each says its <see cref="ICandidate.Kind"/>).</summary>
    public IReadOnlyList<ICandidate> Candidates { get; }

    public ScenarioColumns Columns { get; }

    public ValidationPolicy Validation { get; }

    /// <summary>Extra metrics the report shows for the winner (for credit: KS and Gini).</summary>
    public IReadOnlyList<ScenarioMetric> ReportMetrics { get; }

    /// <summary>
    /// This plan ranking by <paramref name="metric"/> instead of <see cref="PrimaryMetric"/> (an experiment's
    /// <c>metric</c>); the candidates, columns, validation and report metrics stay the same.
    /// </summary>
    public ScenarioPlan WithPrimaryMetric(ScenarioMetric metric) => new(Task, metric, Candidates, Columns, Validation, ReportMetrics);
}

/// <summary>How validation rows are chosen.</summary>
public enum ValidationKind
{
    /// <summary>
    /// k-fold CV up to <see cref="ValidationPolicy.CrossValidationMaxRows"/> training rows, and for a binary label
    /// whose holdout would hold fewer than <see cref="ValidationPolicy.MinimumHoldoutRareRows"/> rows of the rarer
    /// class, up to <see cref="ValidationPolicy.RareClassCrossValidationMaxRows"/>; else a holdout.
    /// </summary>
    Auto,

    /// <summary>One stratified random holdout.</summary>
    Holdout,

    /// <summary>Stratified k-fold cross-validation.</summary>
    CrossValidation,

    /// <summary>The latest rows by <see cref="ValidationPolicy.TimeColumn"/> are the validation rows.</summary>
    TimeOrdered,
}

/// <summary>A scenario's validation policy. The validation rows are fixed for a sweep and hashed in the report.</summary>
public sealed record ValidationPolicy(
    ValidationKind Kind,
    double HoldoutFraction = 0.2,
    int Folds = 5,
    int CrossValidationMaxRows = 3000,
    string? TimeColumn = null,
    int MinimumHoldoutRareRows = 200,
    int RareClassCrossValidationMaxRows = 50_000)
{
    /// <summary>CV on small data and on mid-sized data with a rare class, a 20 % holdout otherwise.</summary>
    public static ValidationPolicy Auto { get; } = new(ValidationKind.Auto);

    /// <summary>Time-ordered when <paramref name="timeColumn"/> is set, else <see cref="Auto"/>.</summary>
    public static ValidationPolicy TimeOrderedOr(string? timeColumn) =>
        timeColumn is null ? Auto : new(ValidationKind.TimeOrdered, TimeColumn: timeColumn);
}
