using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Models;

/// <summary>What a tabular model was trained on and predicts: label, task, class names (label mapping) and inputs.</summary>
public sealed class ModelSchema
{
    public ModelSchema(string labelColumn, TaskKind task, IReadOnlyList<string> classNames, IReadOnlyList<(string Name, ColumnType Type)> inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(labelColumn);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(inputs);
        if (task != TaskKind.Regression && classNames.Count < 2)
        {
            throw new ArgumentException($"A {task} model needs at least two class names.", nameof(classNames));
        }

        LabelColumn = labelColumn;
        Task = task;
        ClassNames = [.. classNames];
        Inputs = [.. inputs];
    }

    public string LabelColumn { get; }

    public TaskKind Task { get; }

    /// <summary>Class names by label code; binary: [negative, positive]. Empty for regression.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The raw input columns, in order, with the type each is read as.</summary>
    public IReadOnlyList<(string Name, ColumnType Type)> Inputs { get; }

    /// <summary>The positive class of a binary model.</summary>
    public string? PositiveClass => Task == TaskKind.Binary ? ClassNames[1] : null;

    /// <summary>The input column types, as CSV reading overrides (so prediction files parse like training ones).</summary>
    public IReadOnlyDictionary<string, ColumnType> InputTypes => Inputs.ToDictionary(i => i.Name, i => i.Type, StringComparer.Ordinal);

    internal void Write(BinaryWriter writer)
    {
        writer.Write(LabelColumn);
        writer.Write((byte)Task);
        writer.Write(ClassNames.Count);
        foreach (var c in ClassNames)
        {
            writer.Write(c);
        }

        writer.Write(Inputs.Count);
        foreach (var (name, type) in Inputs)
        {
            writer.Write(name);
            writer.Write((byte)type);
        }
    }

    internal static ModelSchema Read(BinaryReader reader)
    {
        var label = reader.ReadString();
        var task = reader.ReadByteEnum<TaskKind>("The schema's task");
        var classes = new string[reader.ReadCount("The schema's class names", 1)];
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = reader.ReadString();
        }

        if (label.Length == 0 || (task != TaskKind.Regression && classes.Length < 2))
        {
            throw new InvalidDataException($"The schema of a {task} model has a label name of {label.Length} characters and {classes.Length} class names.");
        }

        var inputs = new (string, ColumnType)[reader.ReadCount("The schema's inputs", 2)];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (reader.ReadString(), reader.ReadByteEnum<ColumnType>($"The type of input {i}"));
            if (!names.Add(inputs[i].Item1))
            {
                throw new InvalidDataException($"The schema names input {PayloadReader.Quote(inputs[i].Item1)} twice.");
            }
        }

        return new ModelSchema(label, task, classes, inputs);
    }
}

/// <summary>
/// A fitted tabular model: schema + fitted featurizers + predictor (+ named extra payloads such as scorecard points or
/// an alert threshold). Immutable and thread-safe; <see cref="Save"/>/<see cref="Load(Stream)"/> round-trip gives
/// bit-identical predictions.
/// </summary>
public sealed class ModelPipeline
{
    /// <summary>The <see cref="ModelFile"/> kind of a tabular pipeline.</summary>
    public const string Kind = "tabular-pipeline";

    private readonly Dictionary<string, byte[]> _extras;

    public ModelPipeline(ModelSchema schema, FittedFeaturePipeline features, IPredictor predictor, IReadOnlyDictionary<string, string>? metadata = null, IReadOnlyDictionary<string, byte[]>? extras = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(predictor);
        if (predictor.FeatureCount != features.Features.Length)
        {
            throw new ArgumentException($"The predictor expects {predictor.FeatureCount} features; the featurizers produce {features.Features.Length}.", nameof(predictor));
        }

        Schema = schema;
        Features = features;
        Predictor = predictor;
        Metadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        _extras = new Dictionary<string, byte[]>(extras ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
    }

    public ModelSchema Schema { get; }

    public FittedFeaturePipeline Features { get; }

    public IPredictor Predictor { get; }

    /// <summary>Free-form facts (trainer name, parameters as JSON ...).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Named extra payloads (for example a scorecard or an alert threshold), saved with the model.</summary>
    public IReadOnlyDictionary<string, byte[]> Extras => _extras;

    public int OutputWidth => Predictor.OutputWidth;

    /// <summary>
    /// Predicts every row; row-major, RowCount × <see cref="OutputWidth"/>. A table of no rows (a CSV of its header
    /// alone) gives no outputs once its columns are checked.
    /// </summary>
    public float[] Predict(DataTable rows, CancellationToken cancellationToken = default)
    {
        if (rows is { RowCount: 0 })
        {
            // Answered here so the columns are still checked (featurizers and predictors also give nothing for no rows).
            Features.CheckColumns(rows);
            return [];
        }

        var features = Features.Transform(rows, cancellationToken);
        var output = new float[features.RowCount * OutputWidth];
        Predictor.PredictBatch(features, output);
        return output;
    }

    /// <summary>A reusable single-row predictor (not thread-safe; create one per thread). Allocation-free for numeric and categorical inputs.</summary>
    public PredictionEngine CreateEngine() => new(this);

    public void Save(Stream stream) => ModelFile.Write(stream, Kind, Write);

    /// <summary>Loads a model written by <see cref="Save"/>.</summary>
    /// <exception cref="ModelFormatException">The file is empty, truncated, corrupt, of another kind or of an unsupported version.</exception>
    public static ModelPipeline Load(Stream stream)
    {
        var content = ModelFile.Read(stream, Kind);
        using var reader = content.OpenPayload();
        try
        {
            return Read(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException("Corrupt model file: the payload ends early.", e);
        }
        catch (Exception e) when (PayloadReader.IsPayloadError(e))
        {
            // Payload readers report inconsistent payloads this way; callers see one exception type.
            throw new ModelFormatException("Corrupt model file: " + e.Message, e);
        }
    }

    /// <summary>Loads the model file at <paramref name="path"/>; a <see cref="ModelFormatException"/> names the file.</summary>
    public static ModelPipeline Load(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelFile.NamingFile(path, () => Load(stream));
    }

    private void Write(BinaryWriter writer)
    {
        Schema.Write(writer);
        Features.Write(writer);
        PredictorCodec.Write(writer, Predictor);
        writer.Write(Metadata.Count);
        foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Write(k);
            writer.Write(v);
        }

        writer.Write(_extras.Count);
        foreach (var (k, v) in _extras.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Write(k);
            writer.Write(v.Length);
            writer.Write(v);
        }
    }

    private static ModelPipeline Read(BinaryReader reader)
    {
        var schema = ModelSchema.Read(reader);
        var features = FittedFeaturePipeline.Read(reader);
        CheckInputs(schema, features);
        var predictor = PredictorCodec.Read(reader);
        CheckPredictor(schema, features, predictor);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var n = reader.ReadCount("Metadata entries", 2);
        for (var i = 0; i < n; i++)
        {
            metadata[reader.ReadString()] = reader.ReadString();
        }

        var extras = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        n = reader.ReadCount("Extra payloads", 5);
        for (var i = 0; i < n; i++)
        {
            var key = reader.ReadString();
            extras[key] = reader.ReadBytes(reader.ReadCount($"Extra payload {PayloadReader.Quote(key)}", 1));
        }

        return new ModelPipeline(schema, features, predictor, metadata, extras);
    }

    /// <summary>
    /// Every column a featurizer reads is an input of the schema, of a type it converts from without parsing: rows read
    /// with the schema's types must featurise.
    /// </summary>
    private static void CheckInputs(ModelSchema schema, FittedFeaturePipeline features)
    {
        var inputs = schema.InputTypes;
        foreach (var (name, type) in features.InputColumns)
        {
            if (!inputs.TryGetValue(name, out var given))
            {
                throw new InvalidDataException($"A featurizer reads column {PayloadReader.Quote(name)}, which is not an input of the schema.");
            }

            if (Family(given) != Family(type))
            {
                throw new InvalidDataException($"A featurizer reads column {PayloadReader.Quote(name)} as {type}; the schema gives it as {given}.");
            }
        }

        static int Family(ColumnType type) => type switch
        {
            ColumnType.Numeric or ColumnType.Boolean => 0,
            ColumnType.Categorical or ColumnType.Text => 1,
            _ => 2,
        };
    }

    /// <summary>The predictor takes the features the featurizers make and gives the outputs the schema's task has.</summary>
    private static void CheckPredictor(ModelSchema schema, FittedFeaturePipeline features, IPredictor predictor)
    {
        var width = schema.Task == TaskKind.Multiclass ? schema.ClassNames.Count : 1;
        if (predictor.Task != schema.Task || predictor.OutputWidth != width)
        {
            throw new InvalidDataException(
                $"The predictor is a {predictor.Task} model with {predictor.OutputWidth} outputs; the schema is a {schema.Task} model with {schema.ClassNames.Count} classes.");
        }

        if (predictor.FeatureCount != features.Features.Length)
        {
            throw new InvalidDataException($"The predictor expects {predictor.FeatureCount} features; the featurizers produce {features.Features.Length}.");
        }

        if (PredictorShape.DenseFeatureCount(predictor) is { } dense && dense != features.DenseWidth)
        {
            throw new InvalidDataException($"The predictor expects {dense} dense features; the featurizers produce {features.DenseWidth}.");
        }
    }
}
