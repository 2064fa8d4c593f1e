using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Recommendation;

/// <summary>
/// A <see cref="RecommendationCandidate"/> seen through the runner's <see cref="ICandidate"/> contract, so a
/// recommendation sweep's <see cref="SweepResult"/> names its winner like any other. <see cref="Fit"/> reads the user
/// and item columns named by <see cref="CandidateFitContext.Columns"/> (and the label as the rating for a regression
/// label) and fits the trainer on those interactions.
/// </summary>
public sealed class RecommenderCandidate : ICandidate
{
    private readonly RecommendationCandidate _candidate;
    private readonly float? _relevanceThreshold;

    internal RecommenderCandidate(RecommendationCandidate candidate, float? relevanceThreshold)
    {
        _candidate = candidate;
        _relevanceThreshold = relevanceThreshold;
    }

    public string Name => _candidate.Name;

    public CandidateKind Kind => _candidate.Kind;

    public string Trainer => _candidate.Name;

    public SearchSpace SearchSpace => _candidate.SearchSpace;

    /// <summary>The recommendation candidate behind this adapter.</summary>
    public RecommendationCandidate Candidate => _candidate;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The context names no user or item column, or the table lacks one.</exception>
    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameters);
        var columns = context.Columns;
        if (columns.UserColumn is null || columns.ItemColumn is null)
        {
            throw new ArgumentException("A recommendation candidate needs the scenario's UserColumn and ItemColumn.", nameof(context));
        }

        var features = context.Train.Features;
        var users = FittedRecommender.Ids(features, columns.UserColumn);
        var items = FittedRecommender.Ids(features, columns.ItemColumn);
        var ratings = context.Train.Task == TaskKind.Regression ? context.Train.Labels : null;
        var interactions = InteractionSet.FromIds(users, items, ratings);
        var trainer = _candidate.CreateTrainer(parameters, context.Seed, context.Threads);
        return new FittedRecommender(ImplicitFeedback.Fit(trainer, interactions, _relevanceThreshold, cancellationToken), columns.UserColumn, columns.ItemColumn);
    }
}

/// <summary>
/// A fitted <see cref="Recommender"/> seen through <see cref="IFittedCandidate"/>: <see cref="Save"/> writes the
/// recommender model file that <c>eml recommend</c> and the serving API load; <see cref="Score"/> gives, for each
/// (user, item) row, the model's ranking score of that item for that user (the fallback's score for a cold user; NaN
/// for an item the model never recommends, such as one without training interactions).
/// </summary>
public sealed class FittedRecommender : IFittedCandidate, IDescribedCandidate
{
    private readonly string _userColumn;
    private readonly string _itemColumn;

    public FittedRecommender(Recommender model, string userColumn, string itemColumn)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(userColumn);
        ArgumentException.ThrowIfNullOrEmpty(itemColumn);
        Model = model;
        _userColumn = userColumn;
        _itemColumn = itemColumn;
    }

    /// <summary>The recommender.</summary>
    public Recommender Model { get; }

    public string Pipeline => $"interactions({_userColumn} × {_itemColumn}) + {Model.Kind}";

    public IReadOnlyList<KeyValuePair<string, string>> Details =>
    [
        new("users", Model.Users.Count.ToString(CultureInfo.InvariantCulture)),
        new("items", Model.Items.Count.ToString(CultureInfo.InvariantCulture)),
        new("ratingPrediction", Model.SupportsRatingPrediction ? "yes" : "no"),
    ];

    public void Save(Stream stream) => Model.Save(stream);

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="rows"/> lacks the user or item column.</exception>
    public float[] Score(DataTable rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var users = Ids(rows, _userColumn);
        var items = Ids(rows, _itemColumn);
        var byUser = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var r = 0; r < users.Length; r++)
        {
            if (!byUser.TryGetValue(users[r], out var list))
            {
                byUser[users[r]] = list = [];
            }

            list.Add(r);
        }

        var scores = new float[rows.RowCount];
        var ranked = new ScoredItem[Model.Items.Count];
        var itemScores = new float[Model.Items.Count];
        foreach (var (user, list) in byUser)
        {
            var index = Model.Users.TryGetIndex(user, out var u) ? u : -1;
            Array.Fill(itemScores, float.NaN);
            var n = Model.Recommend(index, ranked, null, excludeSeen: false);
            for (var i = 0; i < n; i++)
            {
                itemScores[ranked[i].Item] = ranked[i].Score;
            }

            foreach (var r in list)
            {
                scores[r] = Model.Items.TryGetIndex(items[r], out var item) ? itemScores[item] : float.NaN;
            }
        }

        return scores;
    }

    /// <summary>A column's values as id strings (numbers in invariant culture, as <see cref="InteractionSet"/> reads them).</summary>
    internal static string[] Ids(DataTable table, string column)
    {
        if (!table.TryGetColumn(column, out var data))
        {
            throw new ArgumentException($"The table has no column '{column}'.", nameof(column));
        }

        var ids = new string[table.RowCount];
        for (var r = 0; r < ids.Length; r++)
        {
            ids[r] = data switch
            {
                StringColumn s => s.Values[r] ?? throw new ArgumentException($"Row {r + 1}: column '{column}' is empty.", nameof(column)),
                NumericColumn n => float.IsNaN(n.Values[r])
                    ? throw new ArgumentException($"Row {r + 1}: column '{column}' is empty.", nameof(column))
                    : n.Values[r].ToString(CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"Column '{column}' is {data.Type}; expected ids (text or integers).", nameof(column)),
            };
        }

        return ids;
    }
}
