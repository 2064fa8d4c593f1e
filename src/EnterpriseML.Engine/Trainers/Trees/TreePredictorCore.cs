using System.Buffers;
using System.Numerics.Tensors;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Trainers.Trees;

/// <summary>What the GBDT and random-forest models share: margins → outputs, batch and single-row paths, SHAP.</summary>
internal sealed class TreePredictorCore
{
    private const int StackLimit = 256;

    public TreePredictorCore(TreeEnsemble ensemble, TaskKind task, OutputTransform transform)
    {
        Ensemble = ensemble;
        Task = task;
        Transform = transform;
        var expected = task == TaskKind.Multiclass ? ensemble.OutputCount : 1;
        if (ensemble.OutputCount != expected || (task == TaskKind.Multiclass && expected < 2))
        {
            throw new InvalidDataException($"A {task} tree model cannot have {ensemble.OutputCount} outputs.");
        }
    }

    public TreeEnsemble Ensemble { get; }

    public TaskKind Task { get; }

    public OutputTransform Transform { get; }

    public int FeatureCount => Ensemble.FeatureCount;

    public int OutputWidth => Ensemble.OutputCount;

    public void Predict(in FeatureRow row, Span<float> output)
    {
        var k = OutputWidth;
        if (output.Length < k)
        {
            throw new ArgumentException($"Output needs {k} values.", nameof(output));
        }

        Span<double> margins = k <= StackLimit ? stackalloc double[k] : new double[k];
        Ensemble.PredictRaw(row, margins);
        Apply(margins, output);
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output, int maxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount)
        {
            throw new ArgumentException($"The matrix has {features.ColumnCount} features; the model expects {FeatureCount}.", nameof(features));
        }

        var k = OutputWidth;
        var n = features.RowCount;
        if (output.Length < n * k)
        {
            throw new ArgumentException($"Output needs {n * k} values.", nameof(output));
        }

        var margins = ArrayPool<double>.Shared.Rent(n * k);
        try
        {
            Ensemble.PredictRawBatch(features, margins.AsSpan(0, n * k), maxDegreeOfParallelism);
            for (var i = 0; i < n; i++)
            {
                Apply(margins.AsSpan(i * k, k), output.Slice(i * k, k));
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(margins);
        }
    }

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex)
    {
        if ((uint)outputIndex >= (uint)OutputWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(outputIndex), outputIndex, $"Must be in [0, {OutputWidth}).");
        }

        if (contributions.Length < FeatureCount)
        {
            throw new ArgumentException($"Contributions need {FeatureCount} values.", nameof(contributions));
        }

        var buffer = TreeInput.RentIfSparse(row, FeatureCount, out var length);
        var phi = ArrayPool<double>.Shared.Rent(FeatureCount);
        try
        {
            var values = buffer is null ? row.Dense : buffer.AsSpan(0, length);
            var bias = Ensemble.Explain(values, phi, outputIndex);
            for (var j = 0; j < FeatureCount; j++)
            {
                contributions[j] = (float)phi[j];
            }

            return (float)bias;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(phi);
            if (buffer is not null)
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The outputs of raw margins (one per output), as <see cref="Predict"/> computes them, in double.</summary>
    public void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs)
    {
        if (margins.Length != OutputWidth || outputs.Length < OutputWidth)
        {
            throw new ArgumentException($"The model has {OutputWidth} outputs; got {margins.Length} margins and room for {outputs.Length} outputs.", nameof(margins));
        }

        margins.CopyTo(outputs);
        Link(outputs[..OutputWidth]);
    }

    private void Apply(Span<double> margins, Span<float> output)
    {
        Link(margins);
        for (var c = 0; c < margins.Length; c++)
        {
            output[c] = (float)margins[c];
        }
    }

    /// <summary>Turns raw margins into outputs, in place.</summary>
    private void Link(Span<double> margins)
    {
        switch (Transform)
        {
            case OutputTransform.Sigmoid:
                margins[0] = 1 / (1 + Math.Exp(-margins[0]));
                break;
            case OutputTransform.Softmax:
                TensorPrimitives.SoftMax(margins, margins);
                break;
            case OutputTransform.NormalizedProbabilities:
                var total = 0.0;
                for (var c = 0; c < margins.Length; c++)
                {
                    total += Math.Max(0, margins[c]);
                }

                for (var c = 0; c < margins.Length; c++)
                {
                    margins[c] = total > 0 ? Math.Max(0, margins[c]) / total : 1.0 / margins.Length;
                }

                break;
            case OutputTransform.Probability:
                for (var c = 0; c < margins.Length; c++)
                {
                    margins[c] = Math.Clamp(margins[c], 0, 1);
                }

                break;
            default:
                break;
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write((byte)Task);
        writer.Write((byte)Transform);
        Ensemble.Write(writer);
    }

    public static TreePredictorCore Read(BinaryReader reader)
    {
        var task = (TaskKind)reader.ReadByte();
        var transform = (OutputTransform)reader.ReadByte();
        if (!Enum.IsDefined(task) || !Enum.IsDefined(transform))
        {
            throw new InvalidDataException("Tree model header is corrupt (task or output transform).");
        }

        return new TreePredictorCore(TreeEnsemble.Read(reader), task, transform);
    }
}

/// <summary>How raw margins become outputs.</summary>
internal enum OutputTransform : byte
{
    Identity = 0,
    Sigmoid = 1,
    Softmax = 2,
    Probability = 3,

    /// <summary>Class frequencies averaged over per-class trees, clamped at 0 and scaled to sum to 1 (random-forest multiclass).</summary>
    NormalizedProbabilities = 4,
}
