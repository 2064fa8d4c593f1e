using System.Runtime.CompilerServices;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Specialised;

/// <summary>What a specialised fit produces besides the featurizers: the predictor and facts for the report.</summary>
internal sealed record SpecialisedFit(IPredictor Predictor, IReadOnlyList<KeyValuePair<string, string>> Details);

/// <summary>The featurised training rows a specialised fit works on.</summary>
internal sealed record SpecialisedInput(CandidateFitContext Context, FittedFeaturePipeline Features, FeatureMatrix Matrix, DataTable Table);

/// <summary>
/// A task-specialised candidate built on the engine's feature pipeline: its own featurizer options, its own fit
/// (scorecard, monotone GBDT, cost-sensitive GBDT with an alert threshold, NB-SVM ...), and a
/// <see cref="ModelPipeline"/> as the fitted model, so <c>eml predict</c> and the API load it like any tabular model.
/// The scenario's timestamp column is not a feature. Featurisation is cached per training table and options.
/// </summary>
internal sealed class SpecialisedCandidate : ICandidate
{
    private static readonly ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, (FittedFeaturePipeline, FeatureMatrix, DataTable)>> Cache = new();

    private readonly FeaturizerOptions _featurizer;
    private readonly Func<SpecialisedInput, ParameterSet, CancellationToken, SpecialisedFit> _fit;
    private readonly string _pipeline;

    public SpecialisedCandidate(string name, string trainer, SearchSpace space, FeaturizerOptions featurizer, string pipeline,
        Func<SpecialisedInput, ParameterSet, CancellationToken, SpecialisedFit> fit)
    {
        featurizer.Validate();
        Name = name;
        Trainer = trainer;
        SearchSpace = space;
        _featurizer = featurizer;
        _pipeline = pipeline;
        _fit = fit;
    }

    public string Name { get; }

    public CandidateKind Kind => CandidateKind.Specialised;

    public string Trainer { get; }

    public SearchSpace SearchSpace { get; }

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameters);
        var train = context.Train;
        var (features, matrix, table) = Featurize(train.Features, context.Columns.TimestampColumn, cancellationToken);
        var fit = _fit(new SpecialisedInput(context, features, matrix, table), parameters, cancellationToken);
        var schema = new ModelSchema(train.LabelColumn, train.Task, train.ClassNames, features.InputColumns);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trainer"] = Trainer,
            ["candidate"] = Name,
            ["kind"] = "specialised",
            ["parameters"] = parameters.ToString(),
        };
        foreach (var (key, value) in fit.Details)
        {
            metadata[key] = value;
        }

        return new FittedPipeline(new ModelPipeline(schema, features, fit.Predictor, metadata), _pipeline, fit.Details);
    }

    private (FittedFeaturePipeline, FeatureMatrix, DataTable) Featurize(DataTable table, string? timestamp, CancellationToken cancellationToken)
    {
        var options = _featurizer;
        return FeaturizationCache.Get(Cache, table, options, token =>
        {
            var input = timestamp is not null && table.TryGetColumn(timestamp, out _) ? table.WithoutColumns([timestamp]) : table;
            var f = FeaturePipeline.Fit(input, options, token);
            return (f, f.Transform(input, token), input);
        }, cancellationToken);
    }
}

/// <summary>Row selection on featurised matrices (dense column-major block and CSR block).</summary>
internal static class FeatureRows
{
    public static FeatureMatrix Select(FeatureMatrix x, ReadOnlySpan<int> rows)
    {
        var m = rows.Length;
        var dense = new float[x.DenseColumnCount * m];
        for (var f = 0; f < x.DenseColumnCount; f++)
        {
            var source = x.DenseColumn(f);
            var target = dense.AsSpan(f * m, m);
            for (var i = 0; i < m; i++)
            {
                target[i] = source[rows[i]];
            }
        }

        SparseMatrix? sparse = null;
        if (x.Sparse is { } s)
        {
            var pointers = new int[m + 1];
            for (var i = 0; i < m; i++)
            {
                pointers[i + 1] = pointers[i] + (s.RowPointers[rows[i] + 1] - s.RowPointers[rows[i]]);
            }

            var indices = new int[pointers[m]];
            var values = new float[pointers[m]];
            for (var i = 0; i < m; i++)
            {
                s.RowIndices(rows[i]).CopyTo(indices.AsSpan(pointers[i]));
                s.RowValues(rows[i]).CopyTo(values.AsSpan(pointers[i]));
            }

            sparse = new SparseMatrix(m, s.ColumnCount, pointers, indices, values);
        }

        return new FeatureMatrix(m, dense, x.DenseColumnCount, sparse, x.Features);
    }

    public static float[] Select(float[] values, ReadOnlySpan<int> rows)
    {
        var result = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = values[rows[i]];
        }

        return result;
    }
}
