namespace EnterpriseML.Cli.Commands;

/// <summary>What `eml train --task recommendation ...` passes to the recommendation trainer runner.</summary>
internal sealed record RecommendationTrainRequest(
    string Train,
    string? Test,
    string User,
    string Item,
    string? Label,
    string Trainer,
    IReadOnlyList<string> Settings,
    int Seed,
    int? Threads,
    string? Save,
    bool Json);

/// <summary>Runs `eml train --task recommendation`. Owned by the recommendation work (issue 5).</summary>
internal static class RecommendationTraining
{
    public static Task<int> RunAsync(RecommendationTrainRequest request, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        throw new NotSupportedException("Recommendation training is being implemented (issue 5).");
    }
}
