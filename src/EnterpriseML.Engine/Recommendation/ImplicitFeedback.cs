using EnterpriseML.Engine.Trainers.Factorization;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>
/// How explicit ratings become implicit feedback: implicit-feedback trainers learn from the interactions rated at or
/// above a relevance threshold, while every interaction the user had (whatever its rating) stays excluded from their
/// recommendations. Matrix factorisation learns from every rating.
/// </summary>
public static class ImplicitFeedback
{
    /// <summary>The rows <paramref name="trainer"/> learns from: all of them for matrix factorisation, no threshold or no ratings; else the relevant ones.</summary>
    public static InteractionSet TrainingRows(IRecommenderTrainer trainer, InteractionSet data, float? threshold)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(data);
        return threshold is null || !data.HasRatings || trainer is MatrixFactorizationTrainer ? data : data.WithRatingAtLeast(threshold.Value);
    }

    /// <summary>
    /// Fits <paramref name="trainer"/> on <see cref="TrainingRows"/> of <paramref name="data"/> and, when rows were left
    /// out, excludes them from recommendations too, so an item a user rated below the threshold is never recommended
    /// back to them.
    /// </summary>
    public static Recommender Fit(IRecommenderTrainer trainer, InteractionSet data, float? threshold, CancellationToken cancellationToken = default)
    {
        var rows = TrainingRows(trainer, data, threshold);
        var model = trainer.Fit(rows, cancellationToken);
        if (!ReferenceEquals(rows, data) && rows.Count != data.Count)
        {
            model.ExcludeAlso(data);
        }

        return model;
    }
}
