using System.Runtime.CompilerServices;
using System.Text;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.General;

/// <summary>
/// A general-purpose candidate: featurisation by column type (<see cref="TabularFeaturizer"/>) followed by one of the
/// engine's trainers, whose options the tuner sets through <see cref="SearchSpace"/>. The fitted featurizer and the
/// featurised training rows are cached per training table, so trials that differ only in trainer options (most of
/// a sweep) do not featurise again.
/// </summary>
internal sealed class GeneralCandidate : ICandidate
{
    private static readonly ConditionalWeakTable<DataTable, Dictionary<FeaturizerSettings, Lazy<(TabularFeaturizer, FeatureMatrix)>>> Cache = new();

    private readonly FeaturizerSettings _featurizer;
    private readonly Func<ParameterSet, int, int, ITrainer> _trainer;

    public GeneralCandidate(string name, string trainer, SearchSpace space, FeaturizerSettings featurizer, Func<ParameterSet, int, int, ITrainer> createTrainer)
    {
        Name = name;
        Trainer = trainer;
        SearchSpace = space;
        _featurizer = featurizer;
        _trainer = createTrainer;
    }

    public string Name { get; }

    public CandidateKind Kind => CandidateKind.General;

    public string Trainer { get; }

    public SearchSpace SearchSpace { get; }

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameters);
        var train = context.Train;
        var (featurizer, features) = Featurize(train.Features, cancellationToken);
        var trainer = _trainer(parameters, context.Seed, context.Threads);
        var set = new TrainingSet(features, train.Labels, train.Task, train.Task == TaskKind.Multiclass ? train.ClassNames.Count : 0);
        var predictor = trainer.Fit(set, cancellationToken);
        return new Fitted(featurizer, predictor, $"{featurizer.Description} → {Trainer}");
    }

    private (TabularFeaturizer, FeatureMatrix) Featurize(DataTable table, CancellationToken cancellationToken)
    {
        Lazy<(TabularFeaturizer, FeatureMatrix)> lazy;
        var perTable = Cache.GetValue(table, static _ => []);
        lock (perTable)
        {
            if (!perTable.TryGetValue(_featurizer, out lazy!))
            {
                // PublicationOnly: a fit cancelled by one trial is not cached as a failure for the others.
                var settings = _featurizer;
                lazy = new Lazy<(TabularFeaturizer, FeatureMatrix)>(
                    () =>
                    {
                        var f = TabularFeaturizer.Fit(table, settings, cancellationToken);
                        return (f, f.Transform(table));
                    },
                    LazyThreadSafetyMode.PublicationOnly);
                perTable[_featurizer] = lazy;
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
                perTable.Remove(_featurizer);
            }

            throw;
        }
    }

    private sealed class Fitted(TabularFeaturizer featurizer, IPredictor predictor, string pipeline) : IFittedCandidate, IDescribedCandidate
    {
        public string Pipeline => pipeline;

        public IReadOnlyList<KeyValuePair<string, string>> Details => [];

        public float[] Score(DataTable rows)
        {
            var features = featurizer.Transform(rows);
            var output = new float[rows.RowCount * predictor.OutputWidth];
            predictor.PredictBatch(features, output);
            return output;
        }

        /// <summary>"EMLGEN1", the featurizer, then the predictor's format id and bytes.</summary>
        public void Save(Stream stream)
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write("EMLGEN1"u8);
            featurizer.Write(writer);
            if (predictor is IPersistablePredictor persistable)
            {
                writer.Write(persistable.FormatId);
                persistable.Write(writer);
            }
            else
            {
                throw new NotSupportedException($"Predictor {predictor.GetType().Name} cannot be saved.");
            }
        }
    }
}
