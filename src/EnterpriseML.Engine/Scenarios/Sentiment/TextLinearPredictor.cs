using System.Numerics.Tensors;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Scenarios.Sentiment;

/// <summary>
/// The fitted model of the sentiment scenario's specialised linear candidates: P(positive) = sigmoid(b + w_d · dense
/// + w_s · sparse' + v · lexicon(sparse)), where sparse' is the text block either as is or binarised (NB-SVM), and
/// lexicon(sparse) are the <see cref="SentimentLexicon"/> features counted from the polarity of the word-unigram terms a
/// row contains. Immutable and safe for concurrent use; single-row <see cref="Predict"/> allocates nothing.
/// Explanations are weight × (binarised) value per feature, as for any linear model; a model with lexicon features
/// cannot be explained that way (a lexicon feature is a function of the counts of all polar terms in the row, so it
/// belongs to no single input feature) and says so through <see cref="CanExplain"/>.
/// </summary>
public sealed class TextLinearPredictor : IPersistablePredictor, IExplainablePredictor
{
    /// <summary>The format identifier written by <see cref="Write"/>.</summary>
    public const string Format = "text-linear/1";

    private readonly float[] _weights;
    private readonly sbyte[] _polarity;
    private readonly float[] _lexiconWeights;

    internal TextLinearPredictor(int denseCount, float[] weights, float bias, bool binarizeSparse, sbyte[] polarity, float[] lexiconWeights)
    {
        if (polarity.Length != weights.Length - denseCount || (lexiconWeights.Length != 0 && lexiconWeights.Length != SentimentLexicon.FeatureCount))
        {
            throw new ArgumentException("Inconsistent text-linear model sizes.", nameof(weights));
        }

        DenseFeatureCount = denseCount;
        _weights = weights;
        Bias = bias;
        BinarizeSparse = binarizeSparse;
        _polarity = polarity;
        _lexiconWeights = lexiconWeights;
    }

    public TaskKind Task => TaskKind.Binary;

    public int FeatureCount => _weights.Length;

    public int DenseFeatureCount { get; }

    public int OutputWidth => 1;

    public string FormatId => Format;

    public float Bias { get; }

    /// <summary>True when text features count as present/absent (NB-SVM's binarised features).</summary>
    public bool BinarizeSparse { get; }

    /// <summary>The effective weight of each feature (for NB-SVM: the classifier weight times the log-count ratio).</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>The weights of the lexicon features (empty when the model has none).</summary>
    public ReadOnlySpan<float> LexiconWeights => _lexiconWeights;

    public void Predict(in FeatureRow row, Span<float> output) => output[0] = Sigmoid(Margin(row));

    public bool CanExplain => _lexiconWeights.Length == 0;

    public string? WhyNot => CanExplain ? null : "its lexicon features count the polar words of the whole text, so they belong to no single feature";

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0)
    {
        if (!CanExplain)
        {
            throw new NotSupportedException($"This model cannot be explained: {WhyNot}.");
        }

        ArgumentOutOfRangeException.ThrowIfNotEqual(outputIndex, 0);
        if (contributions.Length < FeatureCount)
        {
            throw new ArgumentException($"Contributions need {FeatureCount} entries.", nameof(contributions));
        }

        TensorPrimitives.Multiply(row.Dense, _weights.AsSpan(0, DenseFeatureCount), contributions[..DenseFeatureCount]);
        var sparse = contributions[DenseFeatureCount..FeatureCount];
        sparse.Clear();
        var weights = _weights.AsSpan(DenseFeatureCount);
        for (var k = 0; k < row.SparseIndices.Length; k++)
        {
            var j = row.SparseIndices[k];
            sparse[j] += weights[j] * (BinarizeSparse ? (row.SparseValues[k] != 0 ? 1f : 0f) : row.SparseValues[k]);
        }

        return Bias;
    }

    public void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(margins.Length, 1);
        outputs[0] = 1 / (1 + Math.Exp(-margins[0]));
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.DenseColumnCount != DenseFeatureCount || features.ColumnCount != FeatureCount)
        {
            throw new ArgumentException($"The model expects {DenseFeatureCount} dense + {FeatureCount - DenseFeatureCount} sparse features.", nameof(features));
        }

        var n = features.RowCount;
        Span<float> dense = DenseFeatureCount <= 256 ? stackalloc float[DenseFeatureCount] : new float[DenseFeatureCount];
        for (var i = 0; i < n; i++)
        {
            for (var f = 0; f < dense.Length; f++)
            {
                dense[f] = features.Dense[(f * n) + i];
            }

            var row = features.Sparse is { } s ? new FeatureRow(dense, s.RowIndices(i), s.RowValues(i)) : new FeatureRow(dense);
            output[i] = Sigmoid(Margin(row));
        }
    }

    private float Margin(in FeatureRow row)
    {
        var margin = Bias + TensorPrimitives.Dot(row.Dense, _weights.AsSpan(0, DenseFeatureCount));
        var sparse = _weights.AsSpan(DenseFeatureCount);
        var indices = row.SparseIndices;
        var values = row.SparseValues;
        int positive = 0, negative = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var j = indices[k];
            margin += sparse[j] * (BinarizeSparse ? (values[k] != 0 ? 1f : 0f) : values[k]);
            var p = _polarity[j];
            positive += p > 0 ? 1 : 0;
            negative += p < 0 ? 1 : 0;
        }

        if (_lexiconWeights.Length != 0)
        {
            Span<float> lexicon = stackalloc float[SentimentLexicon.FeatureCount];
            SentimentLexicon.Features(positive, negative, lexicon);
            margin += TensorPrimitives.Dot(lexicon, _lexiconWeights);
        }

        return margin;
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(DenseFeatureCount);
        writer.Write(_weights.Length);
        foreach (var w in _weights)
        {
            writer.Write(w);
        }

        writer.Write(Bias);
        writer.Write(BinarizeSparse);
        var marked = 0;
        foreach (var p in _polarity)
        {
            marked += p != 0 ? 1 : 0;
        }

        writer.Write(marked);
        for (var j = 0; j < _polarity.Length; j++)
        {
            if (_polarity[j] != 0)
            {
                writer.Write(j);
                writer.Write(_polarity[j]);
            }
        }

        writer.Write(_lexiconWeights.Length);
        foreach (var v in _lexiconWeights)
        {
            writer.Write(v);
        }
    }

    public static TextLinearPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var denseCount = reader.ReadInt32();
        var weights = new float[reader.ReadCount($"The {Format} model's weights", 4)];
        if (denseCount < 0 || denseCount > weights.Length)
        {
            throw new InvalidDataException($"The {Format} model has {denseCount} dense features of {weights.Length}.");
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = reader.ReadSingle();
        }

        var bias = reader.ReadSingle();
        var binarize = reader.ReadBoolean();
        var polarity = new sbyte[weights.Length - denseCount];
        var marked = reader.ReadCount($"The {Format} model's marked terms", 5, polarity.Length);
        for (var k = 0; k < marked; k++)
        {
            var j = reader.ReadIndex($"The {Format} model's marked term {k}", polarity.Length);
            polarity[j] = reader.ReadSByte();
        }

        var lexicon = new float[reader.ReadCount($"The {Format} model's lexicon weights", 4)];
        if (lexicon.Length != 0 && lexicon.Length != SentimentLexicon.FeatureCount)
        {
            throw new InvalidDataException($"The {Format} model has {lexicon.Length} lexicon weights; expected 0 or {SentimentLexicon.FeatureCount}.");
        }

        for (var i = 0; i < lexicon.Length; i++)
        {
            lexicon[i] = reader.ReadSingle();
        }

        return new TextLinearPredictor(denseCount, weights, bias, binarize, polarity, lexicon);
    }

    private static float Sigmoid(float z) => z >= 0 ? 1f / (1f + MathF.Exp(-z)) : MathF.Exp(z) / (1f + MathF.Exp(z));
}
