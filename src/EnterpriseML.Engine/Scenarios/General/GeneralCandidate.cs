using System.Globalization;
using System.Runtime.CompilerServices;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.General;

/// <summary>
/// A general-purpose candidate: the engine's feature pipeline (featurisation by column type, text by TF-IDF)
/// followed by one of the engine's trainers, whose options the tuner sets through <see cref="SearchSpace"/>. The
/// fitted model is a <see cref="ModelPipeline"/>, saved as the <c>.eml</c> file <c>eml predict</c> loads. The fitted
/// featurizers and featurised training rows are cached per training table, so trials that differ only in trainer
/// options (most of a sweep) do not featurise again.
/// </summary>
internal sealed class GeneralCandidate : ICandidate
{
    private static readonly ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, (FittedFeaturePipeline, FeatureMatrix)>> Cache = new();

    private readonly FeaturizerOptions _featurizer;
    private readonly Func<ParameterSet, int, int, ITrainer> _trainer;

    /// <param name="name">The candidate name.</param>
    /// <param name="trainer">The trainer's CLI name.</param>
    /// <param name="space">The trainer options to tune.</param>
    /// <param name="featurizer">Featurizer options; never modified after construction.</param>
    /// <param name="createTrainer">Builds the trainer from (parameters, seed, threads).</param>
    public GeneralCandidate(string name, string trainer, SearchSpace space, FeaturizerOptions featurizer, Func<ParameterSet, int, int, ITrainer> createTrainer)
    {
        featurizer.Validate();
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
        var (features, matrix) = Featurize(train.Features, cancellationToken);
        var trainer = _trainer(parameters, context.Seed, context.Threads);
        var set = new TrainingSet(matrix, train.Labels, train.Task, train.Task == TaskKind.Multiclass ? train.ClassNames.Count : 0);
        var predictor = trainer.Fit(set, cancellationToken);
        var schema = new ModelSchema(train.LabelColumn, train.Task, train.ClassNames, features.InputColumns);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trainer"] = Trainer,
            ["candidate"] = Name,
            ["parameters"] = parameters.ToString(),
        };
        return new FittedPipeline(new ModelPipeline(schema, features, predictor, metadata), Describe(features), []);
    }

    private string Describe(FittedFeaturePipeline features)
    {
        var o = _featurizer;
        var parts = new List<string>
        {
            o.NumericScaling switch
            {
                NumericScaling.None => "numeric(raw)",
                NumericScaling.MinMax => "numeric(median,minmax)",
                _ => "numeric(median,standardise)",
            },
            o.CategoricalEncoding == CategoricalEncoding.Codes ? "categorical(codes)" : "categorical(onehot)",
        };
        if (features.HasText)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"text(tfidf word 1-{o.Text.WordNgramMaximum}, char {o.Text.CharNgramMinimum}-{o.Text.CharNgramMaximum}, ≤{o.Text.MaximumVocabularySize} terms)"));
        }

        return string.Join(" + ", parts) + " → " + Trainer;
    }

    private (FittedFeaturePipeline, FeatureMatrix) Featurize(DataTable table, CancellationToken cancellationToken)
    {
        var options = _featurizer;
        return FeaturizationCache.Get(Cache, table, options, token =>
        {
            var f = FeaturePipeline.Fit(table, options, token);
            return (f, f.Transform(table, token));
        }, cancellationToken);
    }
}
