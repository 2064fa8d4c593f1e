using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Experiments;

/// <summary>
/// Checks a <c>POST /api/experiments</c> body for scenario <c>recommendation</c> against the dataset's profile:
/// <c>userColumn</c> and <c>itemColumn</c> are required, distinct columns; <c>label</c>, when given, is the rating
/// column and must be numeric; <c>positiveClass</c> does not apply; <c>timestampColumn</c>, optional, is a
/// date-time or numeric column (the sweep then holds out each user's latest interactions); ignored columns must exist
/// and not be one of these; <c>testDatasetId</c>, when given, names a dataset of the tenant with the same columns.
/// </summary>
internal static class RecommendationExperimentValidation
{
    /// <summary>True when <paramref name="scenario"/> names the recommendation scenario (case-insensitive).</summary>
    public static bool Handles(string? scenario) => string.Equals(scenario, RecommendationScenario.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Null when valid, else (field, message). <paramref name="testDataset"/> is the dataset <c>testDatasetId</c> names,
    /// null when there is none in the tenant.
    /// </summary>
    public static (string Field, string Message)? Validate(ExperimentRequest request, DatasetRecord dataset, DatasetRecord? testDataset)
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

        if (request.TimestampColumn is { } time)
        {
            // With a timestamp the sweep holds out each user's latest interactions, as eml automl --timestamp does.
            var column = columns.FirstOrDefault(c => c.Name == time);
            if (column is null)
            {
                return ("timestampColumn", $"The dataset has no column '{time}'. Columns: {Known()}.");
            }

            if (time == request.UserColumn || time == request.ItemColumn || time == request.Label)
            {
                return ("timestampColumn", "The timestamp column must differ from the user, item and rating columns.");
            }

            if (column.Type is not (ColumnType.DateTime or ColumnType.Numeric))
            {
                return ("timestampColumn", $"'{time}' must hold dates and times or Unix seconds; it was read as {column.Type.ToString().ToLowerInvariant()}.");
            }
        }

        if (request.TestDatasetId is not null)
        {
            if (testDataset is null)
            {
                return ("testDatasetId", $"There is no dataset '{request.TestDatasetId}' in your tenant.");
            }

            var missing = new[] { request.UserColumn, request.ItemColumn, string.IsNullOrWhiteSpace(request.Label) ? null : request.Label, request.TimestampColumn }
                .FirstOrDefault(c => c is not null && testDataset.Profile.Columns.All(t => t.Name != c));
            if (missing is not null)
            {
                return ("testDatasetId", $"The test dataset '{testDataset.Name}' has no column '{missing}'. Columns: {string.Join(", ", testDataset.Profile.Columns.Select(c => c.Name))}.");
            }
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
