using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Experiments;

/// <summary>
/// Checks a <c>POST /api/experiments</c> body for scenario <c>recommendation</c> against the dataset's profile:
/// <c>userColumn</c> and <c>itemColumn</c> are required, distinct columns; <c>label</c>, when given, is the rating
/// column and must be numeric; <c>positiveClass</c> does not apply; ignored columns must exist and not be one of these.
/// </summary>
internal static class RecommendationExperimentValidation
{
    /// <summary>True when <paramref name="scenario"/> names the recommendation scenario (case-insensitive).</summary>
    public static bool Handles(string? scenario) => string.Equals(scenario, RecommendationScenario.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when valid, else (field, message).</summary>
    public static (string Field, string Message)? Validate(ExperimentRequest request, DatasetRecord dataset)
    {
        var columns = dataset.Profile.Columns;
        string Known() => string.Join(", ", columns.Select(c => c.Name));
        if (string.IsNullOrWhiteSpace(request.UserColumn))
        {
            return ("userColumn", "Scenario 'recommendation' needs userColumn (the user id column).");
        }

        if (columns.All(c => c.Name != request.UserColumn))
        {
            return ("userColumn", $"The dataset has no column '{request.UserColumn}'. Columns: {Known()}.");
        }

        if (string.IsNullOrWhiteSpace(request.ItemColumn))
        {
            return ("itemColumn", "Scenario 'recommendation' needs itemColumn (the item id column).");
        }

        if (columns.All(c => c.Name != request.ItemColumn))
        {
            return ("itemColumn", $"The dataset has no column '{request.ItemColumn}'. Columns: {Known()}.");
        }

        if (request.ItemColumn == request.UserColumn)
        {
            return ("itemColumn", "The item column must differ from the user column.");
        }

        if (!string.IsNullOrWhiteSpace(request.Label))
        {
            var rating = columns.FirstOrDefault(c => c.Name == request.Label);
            if (rating is null)
            {
                return ("label", $"The dataset has no column '{request.Label}' (for recommendation, label is the optional rating column). Columns: {Known()}.");
            }

            if (rating.Type is not (ColumnType.Numeric or ColumnType.Boolean))
            {
                return ("label", $"The rating column '{request.Label}' is {rating.Type}; expected numbers.");
            }

            if (rating.Name == request.UserColumn || rating.Name == request.ItemColumn)
            {
                return ("label", "The rating column must differ from the user and item columns.");
            }
        }

        if (request.PositiveClass is not null)
        {
            return ("positiveClass", "Does not apply to scenario 'recommendation' (ratings of 4 and above are relevant).");
        }

        foreach (var ignored in request.IgnoreColumns ?? [])
        {
            if (columns.All(c => c.Name != ignored))
            {
                return ("ignoreColumns", $"The dataset has no column '{ignored}'.");
            }

            if (ignored == request.UserColumn || ignored == request.ItemColumn || ignored == request.Label)
            {
                return ("ignoreColumns", $"'{ignored}' is used by the recommendation sweep and cannot be ignored.");
            }
        }

        return null;
    }
}
