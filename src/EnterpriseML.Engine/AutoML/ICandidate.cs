using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>Whether a candidate is a general-purpose pipeline or one built with domain knowledge of the scenario.</summary>
public enum CandidateKind
{
    /// <summary>A standard pipeline (featurisation by column type + a general trainer).</summary>
    General,

    /// <summary>A task-specialised model (NB-SVM, scorecard, cost-sensitive GBDT, ...).</summary>
    Specialised,
}

/// <summary>
/// One entry of a sweep: a model family with its search space. The runner's tuner proposes parameters from
/// <see cref="SearchSpace"/>; <see cref="Fit"/> turns training rows and those parameters into a fitted model.
/// Implementations are immutable and safe to <see cref="Fit"/> concurrently from several trials.
/// </summary>
public interface ICandidate
{
    /// <summary>A unique, stable name within a scenario, for example <c>gbdt</c> or <c>nb-svm</c>.</summary>
    string Name { get; }

    CandidateKind Kind { get; }

    /// <summary>The trainer or model family shown in the leaderboard, for example <c>gbdt</c> or <c>scorecard</c>.</summary>
    string Trainer { get; }

    /// <summary>
    /// The hyperparameters to tune. Its defaults are the low-cost starting point (the first trial of this candidate).
    /// </summary>
    SearchSpace SearchSpace { get; }

    /// <summary>
    /// Fits on <paramref name="context"/>'s rows with <paramref name="parameters"/>. Synchronous, deterministic under
    /// <see cref="CandidateFitContext.Seed"/> and independent of <see cref="CandidateFitContext.Threads"/>; checks
    /// <paramref name="cancellationToken"/> once per iteration (tree, epoch, step). Throws on failure: the runner
    /// records the error and the sweep goes on.
    /// </summary>
    IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default);
}

/// <summary>
/// A fitted candidate: it scores raw rows (the training table's feature columns, label absent) and saves itself.
/// Immutable and safe for concurrent <see cref="Score"/>. A tabular <c>Models.ModelPipeline</c> is wrapped by one;
/// a scorecard or recommender can bring its own model.
/// </summary>
public interface IFittedCandidate
{
    /// <summary>
    /// Scores every row of <paramref name="rows"/>. Row-major, length RowCount × width, where width is 1 for binary
    /// (P(positive class)) and regression (the value), K for multiclass (class probabilities in
    /// <see cref="CandidateData.ClassNames"/> order).
    /// </summary>
    float[] Score(DataTable rows);

    /// <summary>
    /// Writes the model. For tabular pipelines this is the <c>.eml</c> model file that <c>eml predict</c> loads.
    /// The runner also uses the length of what is written as the model's size.
    /// </summary>
    void Save(Stream stream);
}

/// <summary>
/// Optional: a fitted candidate that describes itself beyond its parameters, for the report (the pipeline's
/// featurizers, a fraud alert threshold and its operating point, a scorecard's points-to-double-odds ...).
/// </summary>
public interface IDescribedCandidate
{
    /// <summary>A one-line pipeline description, for example <c>numeric(median,standardise) + onehot + gbdt</c>.</summary>
    string Pipeline { get; }

    /// <summary>Extra named facts for the report (may be empty).</summary>
    IReadOnlyList<KeyValuePair<string, string>> Details { get; }
}

/// <summary>Labelled rows: the feature columns (label and ignored columns removed) and the encoded labels.</summary>
public sealed class CandidateData
{
    public CandidateData(DataTable features, float[] labels, TaskKind task, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (labels.Length != features.RowCount)
        {
            throw new ArgumentException($"{labels.Length} labels for {features.RowCount} rows.", nameof(labels));
        }

        if (task != TaskKind.Regression && classNames.Count < 2)
        {
            throw new ArgumentException($"A {task} task needs at least 2 class names.", nameof(classNames));
        }

        Features = features;
        Labels = labels;
        Task = task;
        ClassNames = classNames;
    }

    /// <summary>The feature columns, typed (numeric, categorical, text, datetime). Never contains the label.</summary>
    public DataTable Features { get; }

    /// <summary>Binary: 0/1 (1 = positive class). Multiclass: class index. Regression: the target.</summary>
    public float[] Labels { get; }

    public TaskKind Task { get; }

    /// <summary>Class names by label code (binary: [negative, positive]); empty for regression.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int RowCount => Features.RowCount;

    /// <summary>The label column's name in the user's data (for model schemas). Default <c>label</c>.</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>Rows of the table <see cref="LabelEncoding.Encode"/> read that it left out because their label was empty (0-based, ascending).</summary>
    public IReadOnlyList<int> RowsWithoutLabel { get; init; } = [];

    /// <summary>
    /// The file lines of <see cref="RowsWithoutLabel"/> (1-based, as the CSV reader's errors number them), when the
    /// table was read from a file; empty otherwise.
    /// </summary>
    public IReadOnlyList<long> LinesWithoutLabel { get; init; } = [];

    /// <summary>The name of the file the label was read from (as the CSV reader's errors name it), or null.</summary>
    public string? LabelSourceName { get; init; }

    /// <summary>The given rows, in that order.</summary>
    public CandidateData SelectRows(ReadOnlySpan<int> rows)
    {
        var labels = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            labels[i] = Labels[rows[i]];
        }

        return new CandidateData(Features.SelectRows(rows), labels, Task, ClassNames) { LabelColumn = LabelColumn };
    }
}

/// <summary>Everything a candidate's <see cref="ICandidate.Fit"/> gets besides its parameters.</summary>
public sealed class CandidateFitContext
{
    public CandidateFitContext(CandidateData train, int seed, int threads, ScenarioColumns columns)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Train = train;
        Seed = seed;
        Threads = threads;
        Columns = columns;
    }

    /// <summary>The training rows. A candidate that needs held-out rows (early stopping, a threshold) splits them off itself.</summary>
    public CandidateData Train { get; }

    /// <summary>The seed for every random choice of the fit.</summary>
    public int Seed { get; }

    /// <summary>The thread budget of this trial (pass it as the trainer's <c>MaxDegreeOfParallelism</c>).</summary>
    public int Threads { get; }

    /// <summary>What the scenario says the columns mean.</summary>
    public ScenarioColumns Columns { get; }
}

/// <summary>Column roles a scenario assigns (beyond the label), so specialised candidates find their inputs.</summary>
/// <param name="TextColumns">Free-text columns (sentiment's <c>text</c>).</param>
/// <param name="TimestampColumn">The event-time column, if any (used for time-ordered validation, not as a raw feature).</param>
/// <param name="UserColumn">Recommendation: the user id column.</param>
/// <param name="ItemColumn">Recommendation: the item id column.</param>
public sealed record ScenarioColumns(
    IReadOnlyList<string> TextColumns,
    string? TimestampColumn = null,
    string? UserColumn = null,
    string? ItemColumn = null)
{
    /// <summary>No special roles.</summary>
    public static ScenarioColumns None { get; } = new([]);
}
