using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// The rows held out of a sweep to score its winner on (an experiment's <c>holdoutFraction</c>). With a time-ordered
/// validation policy (fraud with a timestamp column) they are the latest rows by its time column, widened as its
/// validation is until they hold both classes; otherwise a seeded split, stratified by class for classification.
/// The same data, policy, fraction and seed always give the same rows.
/// </summary>
public static class TestHoldout
{
    /// <summary>Splits <paramref name="data"/>'s rows into the sweep's rows and the held-out test rows (both ascending).</summary>
    /// <param name="data">The encoded labelled rows.</param>
    /// <param name="policy">The scenario's validation policy (<see cref="ScenarioPlan.Validation"/>).</param>
    /// <param name="fraction">The share of rows to hold out. Valid: (0, 0.5].</param>
    /// <param name="seed">The random seed.</param>
    public static (int[] Train, int[] Test) Split(CandidateData data, ValidationPolicy policy, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(policy);
        if (!(fraction is > 0 and <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Must be in (0, 0.5].");
        }

        if (policy.Kind == ValidationKind.TimeOrdered && policy.TimeColumn is not null)
        {
            var split = ValidationSplit.Create(data, policy with { HoldoutFraction = fraction }, seed);
            return (split.TrainRows[0], split.ValidationRows[0]);
        }

        return DataSplits.TrainTest(data.RowCount, fraction, seed, data.Task == TaskKind.Regression ? default : data.Labels);
    }
}
