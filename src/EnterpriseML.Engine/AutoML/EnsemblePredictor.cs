using System.Buffers;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// The saved form of a Caruana ensemble: one <see cref="ModelPipeline"/> whose featurizers are the members' featurizers
/// side by side and whose predictor averages the members' outputs with their integer weights. Because it is an ordinary
/// pipeline, <c>eml predict</c>, the registry and the serving API load an ensemble like any other tabular model.
/// </summary>
/// <remarks>
/// Each member reads its own slice of the concatenated feature row: a contiguous range of the dense block and a
/// contiguous range of the sparse block (rebased to start at zero, as the member was trained). Outputs are summed in
/// member order as <c>weight × output</c> in double and divided by the total weight, the same arithmetic as the
/// ensemble's scoring during the sweep, so the saved model predicts exactly what was validated (a float sum had
/// overflowed to ∞ for regression members near the float limit, ±3e38, whose weighted mean is a float).
/// <para>
/// Explanations: when every member explains itself, <see cref="Explain"/> returns the weighted mean of the members'
/// contributions and biases (weights = selection weights / total), each member's placed on its own feature slice and
/// first carried from its raw-score space (log-odds, softmax margins) into the space the ensemble averages in, its
/// probability or value (<see cref="Rescale"/>). So bias + Σ contributions is the ensemble's own output. Averaging the
/// members' raw scores instead had added a forest's probability to a GBDT's log-odds: a sum that was neither.
/// </para>
/// </remarks>
internal sealed class EnsemblePredictor : IPersistablePredictor, IExplainablePredictor
{
    public const string Format = "ensemble/1";

    private const int StackIndexLimit = 512;

    private readonly Member[] _members;
    private readonly int _totalWeight;
    private readonly int _denseWidth;
    private readonly int _widestMember;

    private EnsemblePredictor(TaskKind task, int outputWidth, Member[] members)
    {
        Task = task;
        OutputWidth = outputWidth;
        _members = members;
        foreach (var m in members)
        {
            _totalWeight += m.Weight;
            FeatureCount += m.Predictor.FeatureCount;
            _denseWidth += m.DenseWidth;
            _widestMember = Math.Max(_widestMember, m.Predictor.FeatureCount);
        }

        // Each member that cannot explain is named by its place and kind, with its own reason: "TextLinear has no
        // per-feature contributions" named a class, not which member, and dropped the member's own explanation.
        var unexplained = members.Select((m, i) => (Index: i, m.Predictor)).Where(m => m.Predictor is not IExplainablePredictor { CanExplain: true }).ToList();
        CanExplain = unexplained.Count == 0;
        WhyNot = CanExplain
            ? null
            : "an ensemble explains only when every member does, and " + string.Join("; ", unexplained.Select(m =>
                $"member {m.Index + 1} of {members.Length} ({m.Predictor.GetType().Name.Replace("Predictor", "", StringComparison.Ordinal).Replace("Model", "", StringComparison.Ordinal)}) cannot: "
                + ((m.Predictor as IExplainablePredictor)?.WhyNot ?? "it has no per-feature contributions")));
    }

    public bool CanExplain { get; }

    /// <summary>The dense features of all members together (the members' sparse features follow them).</summary>
    internal int DenseFeatureCount => _denseWidth;

    public string? WhyNot { get; }

    public TaskKind Task { get; }

    public int FeatureCount { get; }

    public int OutputWidth { get; }

    public string FormatId => Format;

    /// <summary>Combines fitted member pipelines (same label, task and classes) into one pipeline.</summary>
    public static ModelPipeline Combine(IReadOnlyList<ModelPipeline> pipelines, IReadOnlyList<int> weights, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        if (pipelines.Count == 0 || pipelines.Count != weights.Count || pipelines.Count != names.Count)
        {
            throw new ArgumentException("An ensemble needs at least one member, with one weight and one name each.", nameof(pipelines));
        }

        var first = pipelines[0].Schema;
        var members = new Member[pipelines.Count];
        int dense = 0, sparse = 0;
        var inputs = new List<(string Name, ColumnType Type)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var m = 0; m < pipelines.Count; m++)
        {
            var p = pipelines[m];
            if (p.Schema.Task != first.Task || p.Schema.LabelColumn != first.LabelColumn || !p.Schema.ClassNames.SequenceEqual(first.ClassNames))
            {
                throw new ArgumentException($"Ensemble member {m} ({names[m]}) predicts a different label, task or class set than member 0.", nameof(pipelines));
            }

            if (weights[m] <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), weights[m], $"Ensemble member {m} ({names[m]}) must have a positive weight.");
            }

            members[m] = new Member(p.Predictor, weights[m], dense, p.Features.DenseWidth, sparse, p.Features.SparseWidth);
            dense += p.Features.DenseWidth;
            sparse += p.Features.SparseWidth;
            foreach (var input in p.Schema.Inputs)
            {
                if (seen.Add(input.Name))
                {
                    inputs.Add(input);
                }
            }
        }

        var features = FittedFeaturePipeline.Concat([.. pipelines.Select(p => p.Features)]);
        var predictor = new EnsemblePredictor(first.Task, pipelines[0].OutputWidth, members);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trainer"] = EnsembleCandidate.TrainerName,
            ["members"] = string.Join(" + ", names.Select((n, i) => $"{weights[i]}×{n}")),
        };
        return new ModelPipeline(new ModelSchema(first.LabelColumn, first.Task, first.ClassNames, inputs), features, predictor, metadata);
    }

    public void Predict(in FeatureRow row, Span<float> output)
    {
        Span<float> member = stackalloc float[OutputWidth];
        var total = row.SparseIndices.Length;
        int[]? rented = total > StackIndexLimit ? ArrayPool<int>.Shared.Rent(total) : null;
        Span<int> scratch = rented is null ? stackalloc int[total] : rented.AsSpan(0, total);
        double[]? rentedSums = OutputWidth > StackIndexLimit ? ArrayPool<double>.Shared.Rent(OutputWidth) : null;
        Span<double> sums = rentedSums is null ? stackalloc double[OutputWidth] : rentedSums.AsSpan(0, OutputWidth);
        sums.Clear();
        try
        {
            foreach (var m in _members)
            {
                m.Predictor.Predict(MemberRow(row, m, scratch), member);
                for (var j = 0; j < member.Length; j++)
                {
                    sums[j] += m.Weight * (double)member[j];
                }
            }

            for (var j = 0; j < sums.Length; j++)
            {
                output[j] = (float)(sums[j] / _totalWeight);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }

            if (rentedSums is not null)
            {
                ArrayPool<double>.Shared.Return(rentedSums);
            }
        }
    }

    public float Explain(in FeatureRow row, Span<float> contributions, int outputIndex = 0)
    {
        if (!CanExplain)
        {
            throw new NotSupportedException($"This model cannot be explained: {WhyNot}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, OutputWidth);
        if (contributions.Length < FeatureCount)
        {
            throw new ArgumentException($"Contributions need {FeatureCount} entries.", nameof(contributions));
        }

        var width = OutputWidth;
        var total = row.SparseIndices.Length;
        var rentedIndices = total > StackIndexLimit ? ArrayPool<int>.Shared.Rent(total) : null;
        var rentedContributions = ArrayPool<float>.Shared.Rent(_widestMember * width);
        var rentedLink = ArrayPool<double>.Shared.Rent(4 * width);
        Span<int> scratch = rentedIndices is null ? stackalloc int[total] : rentedIndices.AsSpan(0, total);
        var biases = rentedLink.AsSpan(0, width);
        var path = rentedLink.AsSpan(width, width);
        var outputs = rentedLink.AsSpan(2 * width, width);
        var multipliers = rentedLink.AsSpan(3 * width, width);
        contributions[..FeatureCount].Clear();
        var bias = 0.0;
        try
        {
            foreach (var m in _members)
            {
                var explainer = (IExplainablePredictor)m.Predictor;
                var count = m.Predictor.FeatureCount;
                var memberRow = MemberRow(row, m, scratch);

                // Every output's contributions: a multiclass member's probability of one class moves with every class's margin.
                for (var j = 0; j < width; j++)
                {
                    var member = rentedContributions.AsSpan(j * count, count);
                    member.Clear();
                    biases[j] = explainer.Explain(memberRow, member, j);
                }

                var share = (double)m.Weight / _totalWeight;
                bias += share * Rescale(explainer, rentedContributions, count, biases, path, outputs, multipliers, outputIndex);
                for (var j = 0; j < width; j++)
                {
                    var member = rentedContributions.AsSpan(j * count, count);
                    var scale = (float)(share * multipliers[j]);
                    if (scale == 0)
                    {
                        continue;
                    }

                    for (var f = 0; f < m.DenseWidth; f++)
                    {
                        contributions[m.DenseOffset + f] += scale * member[f];
                    }

                    for (var s = 0; s < m.SparseWidth; s++)
                    {
                        contributions[_denseWidth + m.SparseOffset + s] += scale * member[m.DenseWidth + s];
                    }
                }
            }
        }
        finally
        {
            if (rentedIndices is not null)
            {
                ArrayPool<int>.Shared.Return(rentedIndices);
            }

            ArrayPool<float>.Shared.Return(rentedContributions);
            ArrayPool<double>.Shared.Return(rentedLink);
        }

        return (float)bias;
    }

    /// <summary>
    /// Carries one member's explanation (every output's contributions, <paramref name="count"/> each, and
    /// <paramref name="biases"/>) from its raw-score space into the space the ensemble averages in: output
    /// <paramref name="outputIndex"/>'s probability, or value. The margins move from the biases to the row's margins one
    /// output at a time, in output order; each step's change in the output, divided by the change in that margin, is
    /// the multiplier of that output's contributions (the rescale rule of DeepLIFT, Shrikumar, Greenside and Kundaje
    /// 2017, through the member's link). So the contributions keep their signs and proportions within each output, and
    /// the returned bias (the output at the biases) plus the rescaled contributions is the output at the row's margins.
    /// A member whose output is its raw score (a forest's probability, a regression value) gets multipliers of 1.
    /// </summary>
    private static double Rescale(IExplainablePredictor member, float[] contributions, int count, Span<double> biases, Span<double> path,
        Span<double> outputs, Span<double> multipliers, int outputIndex)
    {
        biases.CopyTo(path);
        member.OutputsOf(path, outputs);
        var start = outputs[outputIndex];
        var before = start;
        for (var j = 0; j < biases.Length; j++)
        {
            var delta = 0.0;
            foreach (var c in contributions.AsSpan(j * count, count))
            {
                delta += c;
            }

            if (delta == 0)
            {
                // The output's contributions cancel: any multiplier keeps the sum; the slope keeps their proportions.
                const double Step = 1e-4;
                path[j] += Step;
                member.OutputsOf(path, outputs);
                multipliers[j] = (outputs[outputIndex] - before) / Step;
                path[j] -= Step;
                continue;
            }

            path[j] += delta;
            member.OutputsOf(path, outputs);
            multipliers[j] = (outputs[outputIndex] - before) / delta;
            before = outputs[outputIndex];
        }

        return start;
    }

    /// <summary>An ensemble explains in the space it averages its members' outputs in, so its link is the identity.</summary>
    public void OutputsOf(ReadOnlySpan<double> margins, Span<double> outputs)
    {
        if (margins.Length != OutputWidth || outputs.Length < OutputWidth)
        {
            throw new ArgumentException($"The model has {OutputWidth} outputs; got {margins.Length} margins and room for {outputs.Length} outputs.", nameof(margins));
        }

        margins.CopyTo(outputs);
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        var rows = features.RowCount;
        var member = new float[output.Length];
        var sums = new double[output.Length];
        foreach (var m in _members)
        {
            var dense = features.Dense.AsSpan(m.DenseOffset * rows, m.DenseWidth * rows).ToArray();
            var sparse = m.SparseWidth == 0 || features.Sparse is null ? null : Slice(features.Sparse, m.SparseOffset, m.SparseWidth);
            var infos = features.Features.AsSpan(m.DenseOffset, m.DenseWidth).ToArray()
                .Concat(features.Features.AsSpan(features.DenseColumnCount + m.SparseOffset, m.SparseWidth).ToArray()).ToArray();
            m.Predictor.PredictBatch(new FeatureMatrix(rows, dense, m.DenseWidth, sparse, infos), member);
            for (var i = 0; i < sums.Length; i++)
            {
                sums[i] += m.Weight * (double)member[i];
            }
        }

        for (var i = 0; i < sums.Length; i++)
        {
            output[i] = (float)(sums[i] / _totalWeight);
        }
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write((byte)Task);
        writer.Write(OutputWidth);
        writer.Write(_members.Length);
        foreach (var m in _members)
        {
            writer.Write(m.Weight);
            writer.Write(m.DenseOffset);
            writer.Write(m.DenseWidth);
            writer.Write(m.SparseOffset);
            writer.Write(m.SparseWidth);
            PredictorCodec.Write(writer, m.Predictor);
        }
    }

    public static EnsemblePredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var task = reader.ReadByteEnum<TaskKind>("The ensemble's task");
        var width = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (count is < 1 or > 10_000 || width < 1 || width > 1 << 16)
        {
            throw new ModelFormatException($"Corrupt ensemble: {count} members with output width {width}.");
        }

        reader.CheckCount(count, "Ensemble members", 24);
        var members = new Member[count];
        long dense = 0, sparse = 0, totalWeight = 0;
        for (var m = 0; m < count; m++)
        {
            var weight = reader.ReadInt32();
            var denseOffset = reader.ReadInt32();
            var denseWidth = reader.ReadInt32();
            var sparseOffset = reader.ReadInt32();
            var sparseWidth = reader.ReadInt32();
            var predictor = PredictorCodec.Read(reader);
            if (weight <= 0 || predictor.FeatureCount != (long)denseWidth + sparseWidth || predictor.OutputWidth != width)
            {
                throw new ModelFormatException($"Corrupt ensemble: member {m} has weight {weight}, {predictor.FeatureCount} features for a {denseWidth}+{sparseWidth} slice, output width {predictor.OutputWidth} (expected {width}).");
            }

            // The members' slices lie side by side, in order, as Combine lays them out.
            if (denseOffset != dense || sparseOffset != sparse || denseWidth < 0 || sparseWidth < 0)
            {
                throw new ModelFormatException(
                    $"Corrupt ensemble: member {m} reads dense features {denseOffset}+{denseWidth} and sparse {sparseOffset}+{sparseWidth}; the members before it end at {dense} and {sparse}.");
            }

            if (predictor is EnsemblePredictor || predictor.Task != task || PredictorShape.DenseFeatureCount(predictor) is { } d && d != denseWidth)
            {
                throw new ModelFormatException($"Corrupt ensemble: member {m} is a {predictor.Task} {predictor.GetType().Name} that does not fit its {denseWidth} dense features.");
            }

            dense += denseWidth;
            sparse += sparseWidth;
            totalWeight += weight;
            if (dense + sparse > int.MaxValue || totalWeight > int.MaxValue)
            {
                throw new ModelFormatException($"Corrupt ensemble: the members up to {m} have {dense + sparse} features and weigh {totalWeight} in all.");
            }

            members[m] = new Member(predictor, weight, denseOffset, denseWidth, sparseOffset, sparseWidth);
        }

        return new EnsemblePredictor(task, width, members);
    }

    /// <summary>
    /// Member <paramref name="m"/>'s slice of an ensemble row: its dense range, and its run of sparse entries rebased
    /// to start at zero (written into <paramref name="scratch"/>, at least as long as the row's sparse entries).
    /// </summary>
    private static FeatureRow MemberRow(in FeatureRow row, Member m, Span<int> scratch)
    {
        var (start, count) = SparseRun(row.SparseIndices, m.SparseOffset, m.SparseWidth);
        var indices = scratch[..count];
        var source = row.SparseIndices.Slice(start, count);
        for (var k = 0; k < count; k++)
        {
            indices[k] = source[k] - m.SparseOffset;
        }

        return new FeatureRow(row.Dense.Slice(m.DenseOffset, m.DenseWidth), indices, row.SparseValues.Slice(start, count));
    }

    /// <summary>The run of a row's (sorted) sparse indices that falls in [offset, offset + width).</summary>
    private static (int Start, int Count) SparseRun(ReadOnlySpan<int> indices, int offset, int width)
    {
        if (width == 0 || indices.IsEmpty)
        {
            return (0, 0);
        }

        var start = LowerBound(indices, offset);
        var end = LowerBound(indices, offset + width);
        return (start, end - start);
    }

    private static int LowerBound(ReadOnlySpan<int> values, int target)
    {
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (values[mid] < target)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static SparseMatrix Slice(SparseMatrix sparse, int offset, int width)
    {
        var rows = sparse.RowCount;
        var pointers = new int[rows + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (var r = 0; r < rows; r++)
        {
            var rowIndices = sparse.RowIndices(r);
            var rowValues = sparse.RowValues(r);
            var (start, count) = SparseRun(rowIndices, offset, width);
            for (var k = start; k < start + count; k++)
            {
                indices.Add(rowIndices[k] - offset);
                values.Add(rowValues[k]);
            }

            pointers[r + 1] = indices.Count;
        }

        return new SparseMatrix(rows, width, pointers, [.. indices], [.. values]);
    }

    private sealed record Member(IPredictor Predictor, int Weight, int DenseOffset, int DenseWidth, int SparseOffset, int SparseWidth);
}
