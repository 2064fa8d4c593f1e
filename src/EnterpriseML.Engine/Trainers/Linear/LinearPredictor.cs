using System.Buffers;
using System.Numerics.Tensors;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Trainers.Linear;

/// <summary>How the margin x·w + b of a linear model becomes its output.</summary>
public enum LinearLink
{
    /// <summary>Binary: P(positive) = sigmoid(margin).</summary>
    Logistic,

    /// <summary>Multiclass: softmax over K margins.</summary>
    Softmax,

    /// <summary>Regression: the margin itself.</summary>
    Identity,

    /// <summary>Regression with log link: exp(margin).</summary>
    Exponential,
}

/// <summary>
/// A fitted linear model (logistic regression, calibrated linear SVM, multinomial naive Bayes in log space, ridge,
/// Poisson and Tweedie regression): K heads of coefficients over the dense-then-sparse features, one intercept each,
/// and a link. Immutable and safe for concurrent use; single-row <see cref="Predict"/> allocates nothing.
/// <see cref="Explain"/> returns coefficient × feature value per feature and the intercept as the bias, in margin space.
/// </summary>
public sealed class LinearPredictor : IExplainablePredictor, IPersistablePredictor
{
    /// <summary>The format identifier written by <see cref="Write"/> and read by <see cref="Read"/>.</summary>
    public const string Format = "linear/1";

    private const int Magic = 0x4C494E31; // "LIN1"
    private const int BlockSize = VectorKernels.ChunkSize;

    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly int _maxDop;

    internal LinearPredictor(string trainerName, TaskKind task, LinearLink link, int featureCount, int denseFeatureCount, float[] weights, float[] bias, int maxDegreeOfParallelism = -1)
    {
        if (weights.Length != bias.Length * featureCount)
        {
            throw new ArgumentException($"{weights.Length} weights for {bias.Length} heads × {featureCount} features.", nameof(weights));
        }

        TrainerName = trainerName;
        Task = task;
        Link = link;
        FeatureCount = featureCount;
        DenseFeatureCount = denseFeatureCount;
        _weights = weights;
        _bias = bias;
        _maxDop = maxDegreeOfParallelism;
    }

    /// <summary>The CLI name of the trainer that produced the model, for example <c>logistic-regression</c>.</summary>
    public string TrainerName { get; }

    public TaskKind Task { get; }

    public LinearLink Link { get; }

    public int FeatureCount { get; }

    /// <summary>How many of the features are in the dense block (the rest are sparse).</summary>
    public int DenseFeatureCount { get; }

    public int OutputWidth => Link == LinearLink.Softmax ? _bias.Length : 1;

    /// <summary>The number of heads (K for softmax, else 1).</summary>
    public int HeadCount => _bias.Length;

    public string FormatId => Format;

    /// <summary>The coefficients of head <paramref name="head"/>, one per feature.</summary>
    public ReadOnlySpan<float> Coefficients(int head = 0) => _weights.AsSpan(head * FeatureCount, FeatureCount);

    /// <summary>The intercept of head <paramref name="head"/>.</summary>
    public float Intercept(int head = 0) => _bias[head];

    public void Predict(in FeatureRow row, Span<float> output)
    {
        CheckRow(row);
        if (output.Length < OutputWidth)
        {
            throw new ArgumentException($"Output needs {OutputWidth} entries.", nameof(output));
        }

        for (var k = 0; k < _bias.Length; k++)
        {
            output[k] = Margin(row, k);
        }

        ApplyLink(output[..OutputWidth]);
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount || features.DenseColumnCount != DenseFeatureCount)
        {
            throw new ArgumentException($"The model expects {DenseFeatureCount} dense + {FeatureCount - DenseFeatureCount} sparse features; got {features.DenseColumnCount} + {features.ColumnCount - features.DenseColumnCount}.", nameof(features));
        }

        var n = features.RowCount;
        var width = OutputWidth;
        if (output.Length < n * width)
        {
            throw new ArgumentException($"Output needs {n * width} entries.", nameof(output));
        }

        if (n == 0)
        {
            // No rows, no outputs: TensorPrimitives.Sigmoid refuses an empty span.
            return;
        }

        var heads = _bias.Length;
        var scratch = ArrayPool<float>.Shared.Rent(Math.Max(1, heads * n));
        try
        {
            var blocks = (n + BlockSize - 1) / BlockSize;
            var state = new BatchState(this, features, scratch);
            if (_maxDop == 1 || blocks <= 1)
            {
                for (var b = 0; b < blocks; b++)
                {
                    state.Block(b);
                }
            }
            else
            {
                Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _maxDop }, state.Block);
            }

            if (heads == 1)
            {
                scratch.AsSpan(0, n).CopyTo(output);
                ApplyScalarLink(output[..n]);
            }
            else
            {
                for (var i = 0; i < n; i++)
                {
                    var row = output.Slice(i * heads, heads);
                    for (var k = 0; k < heads; k++)
                    {
                        row[k] = scratch[k * n + i];
                    }

                    VectorKernels.SoftmaxInPlace(row);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0)
    {
        CheckRow(row);
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, _bias.Length);
        if (contributions.Length < FeatureCount)
        {
            throw new ArgumentException($"Contributions need {FeatureCount} entries.", nameof(contributions));
        }

        var w = Coefficients(outputIndex);
        TensorPrimitives.Multiply(row.Dense, w[..DenseFeatureCount], contributions[..DenseFeatureCount]);
        var sparse = contributions[DenseFeatureCount..FeatureCount];
        sparse.Clear();
        var sparseWeights = w[DenseFeatureCount..];
        for (var p = 0; p < row.SparseIndices.Length; p++)
        {
            var c = row.SparseIndices[p];
            sparse[c] += row.SparseValues[p] * sparseWeights[c];
        }

        return _bias[outputIndex];
    }

    public void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs)
    {
        if (margins.Length != OutputWidth || outputs.Length < OutputWidth)
        {
            throw new ArgumentException($"The model has {OutputWidth} outputs; got {margins.Length} margins and room for {outputs.Length} outputs.", nameof(margins));
        }

        var o = outputs[..OutputWidth];
        margins.CopyTo(o);
        switch (Link)
        {
            case LinearLink.Softmax:
                TensorPrimitives.SoftMax(o, o);
                break;
            case LinearLink.Logistic:
                for (var k = 0; k < o.Length; k++)
                {
                    o[k] = 1 / (1 + Math.Exp(-o[k]));
                }

                break;
            case LinearLink.Exponential:
                for (var k = 0; k < o.Length; k++)
                {
                    o[k] = Math.Exp(Math.Min(o[k], 80));
                }

                break;
            default:
                break;
        }
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Magic);
        writer.Write(TrainerName);
        writer.Write((int)Task);
        writer.Write((int)Link);
        writer.Write(FeatureCount);
        writer.Write(DenseFeatureCount);
        writer.Write(_bias.Length);
        foreach (var b in _bias)
        {
            writer.Write(b);
        }

        foreach (var w in _weights)
        {
            writer.Write(w);
        }
    }

    /// <summary>Reads a model written by <see cref="Write"/>; throws <see cref="InvalidDataException"/> on a bad payload.</summary>
    public static LinearPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"Not a {Format} model payload.");
        }

        var trainer = reader.ReadString();
        var task = (TaskKind)reader.ReadInt32();
        var link = (LinearLink)reader.ReadInt32();
        var featureCount = reader.ReadInt32();
        var dense = reader.ReadInt32();
        var heads = reader.ReadInt32();
        if (!Enum.IsDefined(task) || !Enum.IsDefined(link) || featureCount < 0 || dense < 0 || dense > featureCount || heads < 1
            || (link != LinearLink.Softmax && heads != 1) || (long)heads * featureCount > int.MaxValue)
        {
            throw new InvalidDataException($"Corrupt {Format} header (task {task}, link {link}, {featureCount} features, {dense} dense, {heads} heads).");
        }

        reader.CheckCount((long)heads * (featureCount + 1), $"The {Format} model's {heads} biases and {featureCount} weights each", 4);
        var bias = new float[heads];
        for (var k = 0; k < heads; k++)
        {
            bias[k] = reader.ReadSingle();
        }

        var weights = new float[heads * featureCount];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = reader.ReadSingle();
        }

        return new LinearPredictor(trainer, task, link, featureCount, dense, weights, bias);
    }

    private float Margin(in FeatureRow row, int head)
    {
        var w = Coefficients(head);
        var margin = _bias[head] + TensorPrimitives.Dot(row.Dense, w[..DenseFeatureCount])
            + VectorKernels.SparseDot(row.SparseIndices, row.SparseValues, w[DenseFeatureCount..]);
        if (float.IsFinite(margin))
        {
            return margin;
        }

        double sum = _bias[head];
        for (var j = 0; j < DenseFeatureCount; j++)
        {
            sum += (double)row.Dense[j] * w[j];
        }

        var sparseWeights = w[DenseFeatureCount..];
        for (var p = 0; p < row.SparseIndices.Length; p++)
        {
            sum += (double)row.SparseValues[p] * sparseWeights[row.SparseIndices[p]];
        }

        return Saturate(sum);
    }

    /// <summary>
    /// A margin the float sum could not hold: terms near the float limit (a model of targets near ±3e38) overflow
    /// to ∞ part way, and ∞ − ∞ is NaN, although the margin itself is in range. Summed again in double, in feature
    /// order, it is finite; one beyond the float range is held at ±<see cref="float.MaxValue"/>. Margins that were
    /// finite in float are left as they were.
    /// </summary>
    private static float Saturate(double margin) =>
        double.IsNaN(margin) ? float.NaN : (float)Math.Clamp(margin, -float.MaxValue, float.MaxValue);

    private void CheckRow(in FeatureRow row)
    {
        if (row.Dense.Length != DenseFeatureCount)
        {
            throw new ArgumentException($"The model expects {DenseFeatureCount} dense features; the row has {row.Dense.Length}.", nameof(row));
        }

        if (row.SparseIndices.Length != row.SparseValues.Length)
        {
            throw new ArgumentException("Sparse indices and values differ in length.", nameof(row));
        }
    }

    private void ApplyLink(Span<float> output)
    {
        if (Link == LinearLink.Softmax)
        {
            VectorKernels.SoftmaxInPlace(output);
        }
        else
        {
            ApplyScalarLink(output);
        }
    }

    private void ApplyScalarLink(Span<float> values)
    {
        switch (Link)
        {
            case LinearLink.Logistic:
                TensorPrimitives.Sigmoid(values, values);
                break;
            case LinearLink.Exponential:
                TensorPrimitives.Min(values, 80f, values);
                TensorPrimitives.Exp(values, values);
                break;
            default:
                break;
        }
    }

    private sealed class BatchState(LinearPredictor model, FeatureMatrix features, float[] scratch)
    {
        /// <summary>Row <paramref name="row"/>'s margin of head <paramref name="head"/> summed in double (see <see cref="Saturate"/>).</summary>
        private float DoubleMargin(int row, int head)
        {
            var n = features.RowCount;
            var w = model.Coefficients(head);
            double sum = model._bias[head];
            for (var j = 0; j < model.DenseFeatureCount; j++)
            {
                sum += (double)features.Dense[(j * n) + row] * w[j];
            }

            if (features.Sparse is { } sparse)
            {
                var indices = sparse.RowIndices(row);
                var values = sparse.RowValues(row);
                var sparseWeights = w[model.DenseFeatureCount..];
                for (var p = 0; p < indices.Length; p++)
                {
                    sum += (double)values[p] * sparseWeights[indices[p]];
                }
            }

            return Saturate(sum);
        }

        public void Block(int block)
        {
            var n = features.RowCount;
            var start = block * BlockSize;
            var length = Math.Min(BlockSize, n - start);
            var sparse = features.Sparse;
            for (var k = 0; k < model._bias.Length; k++)
            {
                var margins = scratch.AsSpan(k * n + start, length);
                var w = model.Coefficients(k);
                VectorKernels.DenseMargins(features.Dense, n, start, w[..model.DenseFeatureCount], model._bias[k], margins);
                if (sparse is not null)
                {
                    VectorKernels.AddSparseMargins(sparse.RowPointers, sparse.ColumnIndices, sparse.Values, start, w[model.DenseFeatureCount..], margins);
                }

                for (var i = 0; i < margins.Length; i++)
                {
                    if (!float.IsFinite(margins[i]))
                    {
                        margins[i] = DoubleMargin(start + i, k);
                    }
                }
            }
        }
    }
}
