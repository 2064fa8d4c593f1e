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
    /// The cached result of <paramref name="fit"/> for (<paramref name="table"/>, <paramref name="options"/>), fitting it
    /// on first use. A fit cancelled by one trial is not cached as a failure for the others (PublicationOnly, and the
    /// entry is dropped on cancellation).
    /// </summary>
    public static T Get<T>(ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, Lazy<T>>> cache, DataTable table, FeaturizerOptions options, Func<T> fit)
    {
        Lazy<T> lazy;
        var perTable = cache.GetValue(table, static _ => []);
        lock (perTable)
        {
            if (!perTable.TryGetValue(options, out lazy!))
            {
                lazy = new Lazy<T>(fit, LazyThreadSafetyMode.PublicationOnly);
                perTable[options] = lazy;
            }
        }

        try
        {
            return lazy.Value;
        }
        catch (OperationCanceledException)
        {
            lock (perTable)
            {
                perTable.Remove(options);
            }

            throw;
        }
    }
}
