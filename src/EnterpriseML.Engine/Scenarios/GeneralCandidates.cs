using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>
/// The general-purpose candidates every scenario enters: the standard tabular pipelines (featurisation by inferred
/// column type, text by TF-IDF) with the general trainers, each with its search space. Scenarios add their
/// specialised candidates to this list.
/// </summary>
public static class GeneralCandidates
{
    /// <summary>The general candidates for <paramref name="task"/>.</summary>
    public static IReadOnlyList<ICandidate> For(TaskKind task, ScenarioColumns columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _ = task;

        // Filled with the tabular pipeline candidates as the trainers land (issue 3).
        return [];
    }
}
