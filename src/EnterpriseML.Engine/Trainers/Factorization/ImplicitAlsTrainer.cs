using System.Numerics.Tensors;
using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Trainers.Factorization;

/// <summary>How <see cref="ImplicitAlsTrainer"/> solves each user's or item's regularised least-squares system.</summary>
public enum AlsSolver
{
    /// <summary>A few warm-started conjugate-gradient steps (Takács, Pilászy and Tikk, RecSys 2011): O(f²) per row.</summary>
    ConjugateGradient,

    /// <summary>An exact Cholesky factorisation of the f × f system: O(f³) per row.</summary>
    Cholesky,
}

/// <summary>Options of <see cref="ImplicitAlsTrainer"/>.</summary>
public sealed class ImplicitAlsOptions
{
    /// <summary>The number of latent factors. Default 64; valid range [1, 1024].</summary>
    public int NumberOfFactors { get; set; } = ImplicitAlsTrainer.Defaults.NumberOfFactors;

    /// <summary>Alternating sweeps (users, then items). Default 15; valid range [1, 1000].</summary>
    public int NumberOfIterations { get; set; } = ImplicitAlsTrainer.Defaults.NumberOfIterations;

    /// <summary>Confidence scaling α in <c>c = 1 + α·r</c>, r the summed interaction weight. Default 1; valid range (0, 10000].</summary>
    public double Alpha { get; set; } = ImplicitAlsTrainer.Defaults.Alpha;

    /// <summary>L2 penalty λ on every factor vector. Default 20; valid range [0, 10000].</summary>
    public double L2Regularization { get; set; } = ImplicitAlsTrainer.Defaults.L2Regularization;

    /// <summary>The per-row solver. Default <see cref="AlsSolver.ConjugateGradient"/>.</summary>
    public AlsSolver Solver { get; set; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and sweep (ignored by Cholesky). Default 3; valid range [1, 100].</summary>
    public int ConjugateGradientSteps { get; set; } = ImplicitAlsTrainer.Defaults.ConjugateGradientSteps;

    /// <summary>Half-life in days of the cold-start popularity fallback (0 = no decay). Default 0; valid range [0, 36500].</summary>
    public double ColdStartHalfLifeDays { get; set; }

    /// <summary>Threads used for the per-row solves; null = all cores. Results do not depend on it. Valid range [1, 1024] or null.</summary>
    public int? MaxDegreeOfParallelism { get; set; }

    /// <summary>Seed of the initial factors. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (NumberOfFactors is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfFactors), NumberOfFactors, "Must be in [1, 1024].");
        }

        if (NumberOfIterations is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfIterations), NumberOfIterations, "Must be in [1, 1000].");
        }

        if (!(Alpha > 0 && Alpha <= 10_000))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Must be in (0, 10000].");
        }

        if (!(L2Regularization >= 0 && L2Regularization <= 10_000))
        {
            throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, "Must be in [0, 10000].");
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Must be ConjugateGradient or Cholesky.");
        }

        if (ConjugateGradientSteps is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(ConjugateGradientSteps), ConjugateGradientSteps, "Must be in [1, 100].");
        }

        if (!(ColdStartHalfLifeDays >= 0 && ColdStartHalfLifeDays <= 36_500))
        {
            throw new ArgumentOutOfRangeException(nameof(ColdStartHalfLifeDays), ColdStartHalfLifeDays, "Must be in [0, 36500].");
        }

        if (MaxDegreeOfParallelism is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be in [1, 1024] or null.");
        }
    }
}

/// <summary>
/// Weighted alternating least squares for implicit feedback (Hu, Koren and Volinsky, "Collaborative Filtering for
/// Implicit Feedback Datasets", ICDM 2008): every user–item cell has preference p = 1 if observed else 0 and
/// confidence c = 1 + α·r, and the factors minimise Σ c (p − xᵀy)² + λ(‖x‖² + ‖y‖²). Each half-sweep solves
/// (YᵀY + Yᵀ(Cᵤ − I)Y + λI) xᵤ = YᵀCᵤpᵤ for every user (then every item) using the precomputed Gram matrix YᵀY,
/// with conjugate gradient (Takács et al. 2011) or Cholesky. Rows are solved in parallel; each row's solve reads only
/// the other side's factors, so the result is the same on any number of threads.
/// </summary>
public sealed class ImplicitAlsTrainer : IRecommenderTrainer
{
    /// <summary>The CLI name.</summary>
    public const string TrainerName = "implicit-als";

    private readonly Settings _settings;

    /// <summary>Creates the trainer with the most-tuned options; the rest keep their defaults.</summary>
    public ImplicitAlsTrainer(int numberOfFactors = Defaults.NumberOfFactors, int numberOfIterations = Defaults.NumberOfIterations, int seed = 0)
        : this(new ImplicitAlsOptions { NumberOfFactors = numberOfFactors, NumberOfIterations = numberOfIterations, Seed = seed })
    {
    }

    /// <summary>Creates the trainer from options, validated and copied.</summary>
    public ImplicitAlsTrainer(ImplicitAlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _settings = new Settings(options.NumberOfFactors, options.NumberOfIterations, (float)options.Alpha, (float)options.L2Regularization,
            options.Solver, options.ConjugateGradientSteps, options.ColdStartHalfLifeDays, options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, options.Seed);
    }

    public string Name => TrainerName;

    public Recommender Fit(InteractionSet train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var s = _settings;
        var k = s.Factors;
        var state = RecommenderState.FromTraining(train, s.ColdStartHalfLifeDays);
        var byUser = state.Seen;
        var byItem = byUser.Transpose();
        var random = new Random(s.Seed);
        var userFactors = new float[train.Users.Count * k];
        var itemFactors = new float[train.Items.Count * k];
        RecommenderKinds.FillNormal(userFactors, random, 0.01);
        RecommenderKinds.FillNormal(itemFactors, random, 0.01);
        var gram = new float[k * k];
        for (var iteration = 0; iteration < s.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SolveSide(byUser, userFactors, itemFactors, gram, s, cancellationToken);
            SolveSide(byItem, itemFactors, userFactors, gram, s, cancellationToken);
        }

        return new ImplicitAlsModel(state, k, userFactors, itemFactors);
    }

    /// <summary>Re-solves every row of <paramref name="solved"/> against the fixed factors <paramref name="fixedFactors"/>.</summary>
    private static void SolveSide(UserItemMatrix rows, float[] solved, float[] fixedFactors, float[] gram, Settings s, CancellationToken cancellationToken)
    {
        var k = s.Factors;
        Gram(fixedFactors, k, gram, s.MaxDegreeOfParallelism);
        var options = new ParallelOptions { MaxDegreeOfParallelism = s.MaxDegreeOfParallelism, CancellationToken = cancellationToken };

        // A fixed partition into blocks; each row's solve depends only on its own data, so block boundaries and thread
        // scheduling cannot change the result.
        const int blockSize = 64;
        var blocks = (rows.RowCount + blockSize - 1) / blockSize;
        Parallel.For(0, blocks, options, () => new Workspace(k), (block, _, workspace) =>
        {
            var end = Math.Min(rows.RowCount, (block + 1) * blockSize);
            for (var row = block * blockSize; row < end; row++)
            {
                var x = solved.AsSpan(row * k, k);
                if (rows.RowLength(row) == 0)
                {
                    x.Clear();
                    continue;
                }

                if (s.Solver == AlsSolver.Cholesky)
                {
                    SolveCholesky(rows.RowColumns(row), rows.RowValues(row), fixedFactors, gram, s, x, workspace);
                }
                else
                {
                    SolveConjugateGradient(rows.RowColumns(row), rows.RowValues(row), fixedFactors, gram, s, x, workspace);
                }
            }

            return workspace;
        }, static _ => { });
    }

    /// <summary>G = YᵀY, row a of G computed independently (Σ over rows of Y in order), so it is thread-count independent.</summary>
    private static void Gram(float[] factors, int k, float[] gram, int maxDegreeOfParallelism)
    {
        var rows = factors.Length / k;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, k, options, a =>
        {
            var g = gram.AsSpan(a * k, k);
            g.Clear();
            for (var r = 0; r < rows; r++)
            {
                var y = factors.AsSpan(r * k, k);
                var ya = y[a];
                if (ya != 0f)
                {
                    TensorPrimitives.MultiplyAdd(y, ya, g, g);
                }
            }
        });
    }

    /// <summary>A·v = (G + λI) v + Σᵢ (cᵢ − 1)(yᵢ·v) yᵢ.</summary>
    private static void Apply(ReadOnlySpan<int> columns, ReadOnlySpan<float> values, float[] fixedFactors, float[] gram, Settings s, ReadOnlySpan<float> v, Span<float> result)
    {
        var k = s.Factors;
        for (var a = 0; a < k; a++)
        {
            result[a] = TensorPrimitives.Dot(gram.AsSpan(a * k, k), v) + (s.L2 * v[a]);
        }

        for (var j = 0; j < columns.Length; j++)
        {
            var y = fixedFactors.AsSpan(columns[j] * k, k);
            var weight = s.Alpha * values[j] * TensorPrimitives.Dot(y, v);
            TensorPrimitives.MultiplyAdd(y, weight, result, result);
        }
    }

    private static void SolveConjugateGradient(ReadOnlySpan<int> columns, ReadOnlySpan<float> values, float[] fixedFactors, float[] gram, Settings s, Span<float> x, Workspace w)
    {
        var k = s.Factors;
        var r = w.Residual.AsSpan(0, k);
        var p = w.Direction.AsSpan(0, k);
        var ap = w.Product.AsSpan(0, k);

        // r = b − A x with b = Σ cᵢ yᵢ.
        Apply(columns, values, fixedFactors, gram, s, x, ap);
        TensorPrimitives.Negate(ap, r);
        for (var j = 0; j < columns.Length; j++)
        {
            TensorPrimitives.MultiplyAdd(fixedFactors.AsSpan(columns[j] * k, k), 1f + (s.Alpha * values[j]), r, r);
        }

        r.CopyTo(p);
        var rs = TensorPrimitives.Dot(r, r);
        for (var step = 0; step < s.ConjugateGradientSteps && rs > 1e-20f; step++)
        {
            Apply(columns, values, fixedFactors, gram, s, p, ap);
            var denominator = TensorPrimitives.Dot(p, ap);
            if (!(denominator > 0))
            {
                break;
            }

            var alpha = rs / denominator;
            TensorPrimitives.MultiplyAdd(p, alpha, x, x);
            TensorPrimitives.MultiplyAdd(ap, -alpha, r, r);
            var next = TensorPrimitives.Dot(r, r);
            TensorPrimitives.MultiplyAdd(p, next / rs, r, p);
            rs = next;
        }
    }

    private static void SolveCholesky(ReadOnlySpan<int> columns, ReadOnlySpan<float> values, float[] fixedFactors, float[] gram, Settings s, Span<float> x, Workspace w)
    {
        var k = s.Factors;
        var accumulated = w.FloatMatrix.AsSpan(0, k * k);
        var a = w.Matrix.AsSpan(0, k * k);
        var b = w.RightHandSide.AsSpan(0, k);
        gram.AsSpan(0, k * k).CopyTo(accumulated);
        b.Clear();
        for (var j = 0; j < columns.Length; j++)
        {
            // A gains (c − 1) y yᵀ, one vectorised row update per factor; b gains c y.
            var y = fixedFactors.AsSpan(columns[j] * k, k);
            var extra = s.Alpha * values[j];
            for (var i = 0; i < k; i++)
            {
                var target = accumulated.Slice(i * k, k);
                TensorPrimitives.MultiplyAdd(y, extra * y[i], target, target);
                b[i] += (1.0 + extra) * y[i];
            }
        }

        for (var i = 0; i < k * k; i++)
        {
            a[i] = accumulated[i];
        }

        for (var i = 0; i < k; i++)
        {
            a[(i * k) + i] += s.L2;
        }

        // In-place Cholesky A = L Lᵀ (lower triangle), then forward and back substitution.
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[(i * k) + j];
                for (var m = 0; m < j; m++)
                {
                    sum -= a[(i * k) + m] * a[(j * k) + m];
                }

                if (i == j)
                {
                    a[(i * k) + i] = Math.Sqrt(Math.Max(sum, 1e-12));
                }
                else
                {
                    a[(i * k) + j] = sum / a[(j * k) + j];
                }
            }
        }

        for (var i = 0; i < k; i++)
        {
            var sum = b[i];
            for (var m = 0; m < i; m++)
            {
                sum -= a[(i * k) + m] * b[m];
            }

            b[i] = sum / a[(i * k) + i];
        }

        for (var i = k - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var m = i + 1; m < k; m++)
            {
                sum -= a[(m * k) + i] * b[m];
            }

            b[i] = sum / a[(i * k) + i];
            x[i] = (float)b[i];
        }
    }

    /// <summary>Default option values.</summary>
    public static class Defaults
    {
        public const int NumberOfFactors = 64;
        public const int NumberOfIterations = 15;
        public const double Alpha = 1;
        public const double L2Regularization = 20;
        public const int ConjugateGradientSteps = 3;
    }

    private sealed record Settings(
        int Factors,
        int Iterations,
        float Alpha,
        float L2,
        AlsSolver Solver,
        int ConjugateGradientSteps,
        double ColdStartHalfLifeDays,
        int MaxDegreeOfParallelism,
        int Seed);

    /// <summary>Per-thread scratch, allocated once per worker and sweep.</summary>
    private sealed class Workspace(int k)
    {
        public float[] Residual { get; } = new float[k];

        public float[] Direction { get; } = new float[k];

        public float[] Product { get; } = new float[k];

        public double[] Matrix { get; } = new double[k * k];

        public float[] FloatMatrix { get; } = new float[k * k];

        public double[] RightHandSide { get; } = new double[k];
    }
}

/// <summary>A fitted implicit-feedback factorisation: a user's score for an item is xᵤᵀyᵢ (predicted preference).</summary>
public sealed class ImplicitAlsModel : Recommender
{
    private readonly int _rank;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly float[] _itemNorms;

    internal ImplicitAlsModel(RecommenderState state, int rank, float[] userFactors, float[] itemFactors)
        : base(state)
    {
        _rank = rank;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _itemNorms = RowNorms(itemFactors, rank, state.Items.Count);
    }

    public override string Kind => ImplicitAlsTrainer.TrainerName;

    private protected override Recommender WithState(RecommenderState state) => new ImplicitAlsModel(state, _rank, _userFactors, _itemFactors);

    /// <summary>The number of latent factors.</summary>
    public int NumberOfFactors => _rank;

    protected override void ScoreItems(int user, Span<float> scores)
    {
        ReadOnlySpan<float> x = _userFactors.AsSpan(user * _rank, _rank);
        ReadOnlySpan<float> items = _itemFactors;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(x, items.Slice(i * _rank, _rank));
        }
    }

    protected override void ScoreSimilarItems(int item, Span<float> scores) => CosineScores(_itemFactors, _itemNorms, _rank, item, scores);

    private protected override void WritePayload(BinaryWriter writer)
    {
        writer.Write(_rank);
        RecommenderKinds.WriteFloats(writer, _userFactors);
        RecommenderKinds.WriteFloats(writer, _itemFactors);
    }

    internal static ImplicitAlsModel ReadPayload(RecommenderState state, BinaryReader reader)
    {
        var rank = reader.ReadInt32();
        if (rank is < 1 or > 1024)
        {
            throw new InvalidDataException($"Stored factor count {rank} is out of range.");
        }

        var userFactors = RecommenderKinds.ReadFloats(reader, (long)state.Users.Count * rank);
        var itemFactors = RecommenderKinds.ReadFloats(reader, (long)state.Items.Count * rank);
        return new ImplicitAlsModel(state, rank, userFactors, itemFactors);
    }
}
