using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Api.Serving;

/// <summary>
/// What serving needs of a tabular model besides the model itself, built once when the version is loaded: the input
/// columns by name (looked up from request spans without allocating), the JSON-encoded class names, and a pool of
/// single-row engines so a request does not build one.
/// </summary>
internal sealed class ServedTabular
{
    private const int MaxPooledEngines = 64;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _inputLookup;
    private readonly ConcurrentBag<PredictionEngine> _engines = [];

    public ServedTabular(ModelPipeline model)
    {
        Model = model;
        Inputs = model.Features.InputColumns;
        var index = new Dictionary<string, int>(Inputs.Count, StringComparer.Ordinal);
        for (var i = 0; i < Inputs.Count; i++)
        {
            index[Inputs[i].Name] = i;
        }

        _inputLookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
        Label = model.Schema.LabelColumn;
        ClassNames = [.. model.Schema.ClassNames.Select(c => JsonEncodedText.Encode(c))];
        CsvClassNames = [.. model.Schema.ClassNames.Select(c => Encoding.UTF8.GetBytes(CsvPredictions.Quote(c)))];
        SchemaInputs = [.. model.Schema.Inputs.Select(i => i.Name)];

        // Explanations are reported per feature name: an ensemble's members each featurise the same columns, so
        // the same name stands at several indices and their contributions add up. With ?explainBy=column, per input
        // column: every feature made from one column (its one-hot levels, missing indicator, n-grams) adds up too.
        (FeatureGroup, GroupNames) = Groups([.. model.Features.Features.Select(f => f.Name)]);
        (ColumnGroup, ColumnNames) = Groups(model.Features.FeatureColumns);

        var predictor = model.Predictor as Engine.Trainers.IExplainablePredictor;
        Explainer = predictor is { CanExplain: true } ? predictor : null;
        WhyNoExplanation = Explainer is not null
            ? null
            : predictor?.WhyNot ?? $"a {model.Metadata.GetValueOrDefault("trainer", model.Predictor.GetType().Name)} model has no per-feature contributions";
        AlertThreshold = Engine.Scenarios.Fraud.FraudScenario.AlertThresholdOf(model);
    }

    /// <summary>
    /// A fraud model's alert threshold (its metadata's <c>alertThreshold</c>, chosen by the sweep for a target recall or
    /// alert budget): a row is an alert when its probability is at or above it. Null for other models.
    /// </summary>
    public float? AlertThreshold { get; }

    /// <summary>Feature index → index into <see cref="GroupNames"/> (features sharing a name share a group).</summary>
    public int[] FeatureGroup { get; }

    /// <summary>The distinct feature names, in first-seen order.</summary>
    public string[] GroupNames { get; }

    /// <summary>Feature index → index into <see cref="ColumnNames"/> (features made from one input column share a group).</summary>
    public int[] ColumnGroup { get; }

    /// <summary>The input columns that features are made from, in first-seen order.</summary>
    public string[] ColumnNames { get; }

    /// <summary>The model's explainer, or null when it cannot explain (see <see cref="WhyNoExplanation"/>).</summary>
    public Engine.Trainers.IExplainablePredictor? Explainer { get; }

    /// <summary>Why <c>?explain=true</c> gives no contributions for this model; null when it does.</summary>
    public string? WhyNoExplanation { get; }

    public ModelPipeline Model { get; }

    /// <summary>The engine's inputs, in <see cref="PredictionEngine.Set"/> order.</summary>
    public IReadOnlyList<(string Name, ColumnType Type)> Inputs { get; }

    /// <summary>The schema's input names (what a CSV must hold).</summary>
    public string[] SchemaInputs { get; }

    public string Label { get; }

    public JsonEncodedText[] ClassNames { get; }

    /// <summary>Class names as CSV fields (quoted when needed), UTF-8.</summary>
    public byte[][] CsvClassNames { get; }

    /// <summary>Index → group (equal keys share one, numbered in first-seen order) and each group's key.</summary>
    private static (int[] Group, string[] Names) Groups(string[] keys)
    {
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        var group = new int[keys.Length];
        for (var j = 0; j < keys.Length; j++)
        {
            if (!groups.TryGetValue(keys[j], out var g))
            {
                g = groups.Count;
                groups[keys[j]] = g;
            }

            group[j] = g;
        }

        var names = new string[groups.Count];
        foreach (var (name, g) in groups)
        {
            names[g] = name;
        }

        return (group, names);
    }

    /// <summary>The engine input index of a column, or -1.</summary>
    public int IndexOf(ReadOnlySpan<char> column) => _inputLookup.TryGetValue(column, out var i) ? i : -1;

    public PredictionEngine RentEngine() => _engines.TryTake(out var engine) ? engine : Model.CreateEngine();

    public void ReturnEngine(PredictionEngine engine)
    {
        if (_engines.Count < MaxPooledEngines)
        {
            _engines.Add(engine);
        }
    }
}
