using System.Runtime.CompilerServices;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>A candidate's fitted model when it is a <see cref="ModelPipeline"/>: general and specialised candidates alike.</summary>
internal sealed class FittedPipeline(ModelPipeline model, string pipeline, IReadOnlyList<KeyValuePair<string, string>> details)
    : IFittedCandidate, IDescribedCandidate, IPipelineCandidate
{
    public ModelPipeline Model => model;

    public string Pipeline => pipeline;

    public IReadOnlyList<KeyValuePair<string, string>> Details => details;

    public float[] Score(DataTable rows) => model.Predict(rows);

    public void Save(Stream stream) => model.Save(stream);
}

/// <summary>
/// Featurisation cached per training table and featurizer options, so the trials of a sweep that differ only in
/// trainer options (most of them) featurise once. Entries go with their table.
/// </summary>
internal static class FeaturizationCache
{
    /// <summary>
    /// The cached result for (<paramref name="table"/>, <paramref name="options"/>), or <paramref name="fit"/>'s,
    /// run with the caller's own <paramref name="cancellationToken"/> and cached when no other caller's finished
    /// first. Trials that start together may each featurise, but every one of them stops at its own deadline: a
    /// shared computation would run under the token of the trial that started it, so another trial waiting on it
    /// neither stopped at its time cap nor kept going when that first trial was cancelled.
    /// </summary>
    public static T Get<T>(ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, T>> cache, DataTable table, FeaturizerOptions options,
        Func<CancellationToken, T> fit, CancellationToken cancellationToken)
    {
        var perTable = cache.GetValue(table, static _ => []);
        lock (perTable)
        {
            if (perTable.TryGetValue(options, out var cached))
            {
                return cached;
            }
        }

        var value = fit(cancellationToken);
        lock (perTable)
        {
            // The first result stored is the one every trial uses.
            return perTable.TryAdd(options, value) ? value : perTable[options];
        }
    }
}
