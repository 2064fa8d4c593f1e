using System.Numerics.Tensors;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Trainers.Factorization;

/// <summary>Options of <see cref="MatrixFactorizationTrainer"/>.</summary>
public sealed class MatrixFactorizationOptions
{
    /// <summary>The number of latent factors per user and item. Default 64; valid range [1, 1024].</summary>
    public int NumberOfFactors { get; set; } = MatrixFactorizationTrainer.Defaults.NumberOfFactors;

    /// <summary>Passes of SGD over the training ratings. Default 100; valid range [1, 10000].</summary>
    public int NumberOfEpochs { get; set; } = MatrixFactorizationTrainer.Defaults.NumberOfEpochs;

    /// <summary>The SGD step size of the first epoch. Default 0.005; valid range (0, 1].</summary>
    public double LearningRate { get; set; } = MatrixFactorizationTrainer.Defaults.LearningRate;

    /// <summary>Multiplies the learning rate after every epoch. Default 0.99; valid range (0, 1].</summary>
    public double LearningRateDecay { get; set; } = MatrixFactorizationTrainer.Defaults.LearningRateDecay;

    /// <summary>L2 penalty on user and item factor vectors. Default 0.07; valid range [0, 10].</summary>
    public double L2RegularizationFactors { get; set; } = MatrixFactorizationTrainer.Defaults.L2RegularizationFactors;

    /// <summary>L2 penalty on user and item biases. Default 0.02; valid range [0, 10].</summary>
    public double L2RegularizationBiases { get; set; } = MatrixFactorizationTrainer.Defaults.L2RegularizationBiases;

    /// <summary>Standard deviation of the normal initial factors. Default 0.05; valid range (0, 10].</summary>
    public double InitialStandardDeviation { get; set; } = MatrixFactorizationTrainer.Defaults.InitialStandardDeviation;

    /// <summary>
    /// Adds a per-(user, UTC day) bias b_u,t (the day-specific user bias of timeSVD, Koren 2009) that captures a
    /// user's rating mood in one session; used only when the ratings have timestamps and the prediction's day was
    /// seen in training. Default true.
    /// </summary>
    public bool UseDailyUserBias { get; set; } = MatrixFactorizationTrainer.Defaults.UseDailyUserBias;

    /// <summary>L2 penalty on the daily user biases. Default 0.2; valid range [0, 10].</summary>
    public double L2RegularizationDailyBiases { get; set; } = MatrixFactorizationTrainer.Defaults.L2RegularizationDailyBiases;

    /// <summary>Half-life in days of the cold-start popularity fallback (0 = no decay). Default 0; valid range [0, 36500].</summary>
    public double ColdStartHalfLifeDays { get; set; }

    /// <summary>Seed of the initial factors and of the per-epoch shuffles. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (NumberOfFactors is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfFactors), NumberOfFactors, "Must be in [1, 1024].");
        }

        if (NumberOfEpochs is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfEpochs), NumberOfEpochs, "Must be in [1, 10000].");
        }

        if (!(LearningRate > 0 && LearningRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be in (0, 1].");
        }

        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, "Must be in (0, 1].");
        }

        if (!(L2RegularizationFactors >= 0 && L2RegularizationFactors <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(L2RegularizationFactors), L2RegularizationFactors, "Must be in [0, 10].");
        }

        if (!(L2RegularizationBiases >= 0 && L2RegularizationBiases <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(L2RegularizationBiases), L2RegularizationBiases, "Must be in [0, 10].");
        }

        if (!(L2RegularizationDailyBiases >= 0 && L2RegularizationDailyBiases <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(L2RegularizationDailyBiases), L2RegularizationDailyBiases, "Must be in [0, 10].");
        }

        if (!(InitialStandardDeviation > 0 && InitialStandardDeviation <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStandardDeviation), InitialStandardDeviation, "Must be in (0, 10].");
        }

        if (!(ColdStartHalfLifeDays >= 0 && ColdStartHalfLifeDays <= 36_500))
        {
            throw new ArgumentOutOfRangeException(nameof(ColdStartHalfLifeDays), ColdStartHalfLifeDays, "Must be in [0, 36500].");
        }
    }
}

/// <summary>
/// Biased matrix factorisation for explicit ratings, <c>r̂ = μ + b_u + b_i + p_uᵀq_i</c>, trained by stochastic gradient
/// descent on the regularised squared error (Koren, Bell and Volinsky, "Matrix Factorization Techniques for Recommender
/// Systems", IEEE Computer 2009; Funk 2006). Each epoch visits the ratings in a seeded random order. SGD is sequential
/// by construction, so the model is a pure function of the data and the seed on any number of threads.
/// </summary>
public sealed class MatrixFactorizationTrainer : IRecommenderTrainer
{
    /// <summary>The CLI name.</summary>
    public const string TrainerName = "matrix-factorization";

    private readonly Settings _settings;

    /// <summary>Creates the trainer with the most-tuned options; the rest keep their defaults.</summary>
    public MatrixFactorizationTrainer(int numberOfFactors = Defaults.NumberOfFactors, int numberOfEpochs = Defaults.NumberOfEpochs, int seed = 0)
        : this(new MatrixFactorizationOptions { NumberOfFactors = numberOfFactors, NumberOfEpochs = numberOfEpochs, Seed = seed })
    {
    }

    /// <summary>Creates the trainer from options, validated and copied.</summary>
    public MatrixFactorizationTrainer(MatrixFactorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _settings = new Settings(options.NumberOfFactors, options.NumberOfEpochs, (float)options.LearningRate, (float)options.LearningRateDecay,
            (float)options.L2RegularizationFactors, (float)options.L2RegularizationBiases, options.InitialStandardDeviation,
            options.UseDailyUserBias, (float)options.L2RegularizationDailyBiases, options.ColdStartHalfLifeDays, options.Seed);
    }

    public string Name => TrainerName;

    /// <summary>Fits on <paramref name="train"/>, which must carry ratings.</summary>
    /// <exception cref="ArgumentException">The set has no ratings or no rows.</exception>
    public Recommender Fit(InteractionSet train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!train.HasRatings || train.Count == 0)
        {
            throw new ArgumentException("Matrix factorisation needs at least one explicit rating; pass a rating column.", nameof(train));
        }

        var s = _settings;
        var k = s.Factors;
        var users = train.UserIndices;
        var items = train.ItemIndices;
        var ratings = train.Ratings;
        var globalMean = (float)TensorPrimitives.Sum(ratings) / ratings.Length;
        var minRating = TensorPrimitives.Min(ratings);
        var maxRating = TensorPrimitives.Max(ratings);

        var random = new Random(s.Seed);
        var userFactors = new float[train.Users.Count * k];
        var itemFactors = new float[train.Items.Count * k];
        RecommenderKinds.FillNormal(userFactors, random, s.InitialStandardDeviation);
        RecommenderKinds.FillNormal(itemFactors, random, s.InitialStandardDeviation);
        var userBias = new float[train.Users.Count];
        var itemBias = new float[train.Items.Count];
        var order = new int[train.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Daily user biases: one slot per distinct (user, day) of the training rows, keys sorted for binary search.
        var useDaily = s.DailyBias && train.HasTimestamps;
        var rowSlots = Array.Empty<int>();
        var dayKeys = useDaily ? DailyKeys(train, out rowSlots) : [];
        var dailyBias = new float[dayKeys.Length];

        var previousUser = new float[k];
        var learningRate = s.LearningRate;
        for (var epoch = 0; epoch < s.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            random.Shuffle(order);
            var factorShrink = 1f - (learningRate * s.L2Factors);
            foreach (var row in order)
            {
                var u = users[row];
                var i = items[row];
                var p = userFactors.AsSpan(u * k, k);
                var q = itemFactors.AsSpan(i * k, k);
                var slot = useDaily ? rowSlots[row] : -1;
                var daily = slot >= 0 ? dailyBias[slot] : 0f;
                var error = ratings[row] - (globalMean + userBias[u] + itemBias[i] + daily + TensorPrimitives.Dot(p, q));
                if (slot >= 0)
                {
                    dailyBias[slot] += learningRate * (error - (s.L2Daily * daily));
                }

                userBias[u] += learningRate * (error - (s.L2Biases * userBias[u]));
                itemBias[i] += learningRate * (error - (s.L2Biases * itemBias[i]));
                var step = learningRate * error;
                p.CopyTo(previousUser);

                // p ← (1 − ηλ) p + ηe q ;  q ← (1 − ηλ) q + ηe p_old
                TensorPrimitives.Multiply(p, factorShrink, p);
                TensorPrimitives.MultiplyAdd(q, step, p, p);
                TensorPrimitives.Multiply(q, factorShrink, q);
                TensorPrimitives.MultiplyAdd(previousUser, step, q, q);
            }

            learningRate *= s.LearningRateDecay;
        }

        var state = RecommenderState.FromTraining(train, s.ColdStartHalfLifeDays);
        return new MatrixFactorizationModel(state, k, globalMean, minRating, maxRating, userBias, itemBias, userFactors, itemFactors, dayKeys, dailyBias);
    }

    /// <summary>
    /// The key of a (user, UTC day) pair. The day number goes through <see cref="long"/> so that days before 1970
    /// (negative) wrap to distinct low words; a negative double cast straight to uint saturates to 0, which merged them.
    /// </summary>
    internal static long DayKey(int user, long timestampSeconds) =>
        ((long)user << 32) | unchecked((uint)(long)Math.Floor(timestampSeconds / 86_400.0));

    private static long[] DailyKeys(InteractionSet train, out int[] rowSlots)
    {
        var keys = new long[train.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = DayKey(train.UserIndices[i], train.Timestamps[i]);
        }

        var distinct = keys.ToArray();
        Array.Sort(distinct);
        var n = 0;
        for (var i = 0; i < distinct.Length; i++)
        {
            if (n == 0 || distinct[n - 1] != distinct[i])
            {
                distinct[n++] = distinct[i];
            }
        }

        distinct = distinct[..n];
        rowSlots = new int[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            rowSlots[i] = Array.BinarySearch(distinct, keys[i]);
        }

        return distinct;
    }

    /// <summary>Default option values.</summary>
    public static class Defaults
    {
        public const int NumberOfFactors = 64;
        public const int NumberOfEpochs = 100;
        public const double LearningRate = 0.005;
        public const double LearningRateDecay = 0.99;
        public const double L2RegularizationFactors = 0.07;
        public const double L2RegularizationBiases = 0.02;
        public const double InitialStandardDeviation = 0.05;
        public const bool UseDailyUserBias = true;
        public const double L2RegularizationDailyBiases = 0.2;
    }

    private sealed record Settings(
        int Factors,
        int Epochs,
        float LearningRate,
        float LearningRateDecay,
        float L2Factors,
        float L2Biases,
        double InitialStandardDeviation,
        bool DailyBias,
        float L2Daily,
        double ColdStartHalfLifeDays,
        int Seed);
}

/// <summary>
/// A fitted biased matrix factorisation. Ratings are clamped to the training range; cold users or items drop their
/// missing terms (a cold user on a known item gets <c>μ + b_i</c>). Top-N ranks items by predicted rating.
/// </summary>
public sealed class MatrixFactorizationModel : Recommender
{
    private readonly int _rank;
    private readonly float _globalMean;
    private readonly float _minRating;
    private readonly float _maxRating;
    private readonly float[] _userBias;
    private readonly float[] _itemBias;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly float[] _itemNorms;
    private readonly long[] _dayKeys;
    private readonly float[] _dailyBias;

    internal MatrixFactorizationModel(RecommenderState state, int rank, float globalMean, float minRating, float maxRating, float[] userBias, float[] itemBias, float[] userFactors, float[] itemFactors, long[] dayKeys, float[] dailyBias)
        : base(state)
    {
        _dayKeys = dayKeys;
        _dailyBias = dailyBias;
        _rank = rank;
        _globalMean = globalMean;
        _minRating = minRating;
        _maxRating = maxRating;
        _userBias = userBias;
        _itemBias = itemBias;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _itemNorms = RowNorms(itemFactors, rank, state.Items.Count);
    }

    public override string Kind => MatrixFactorizationTrainer.TrainerName;

    private protected override Recommender WithState(RecommenderState state) =>
        new MatrixFactorizationModel(state, _rank, _globalMean, _minRating, _maxRating, _userBias, _itemBias, _userFactors, _itemFactors, _dayKeys, _dailyBias);

    /// <summary>The number of latent factors.</summary>
    public int NumberOfFactors => _rank;

    /// <summary>The mean training rating μ.</summary>
    public float GlobalMean => _globalMean;

    public override bool SupportsRatingPrediction => true;

    public override float PredictRating(int user, int item)
    {
        var prediction = _globalMean;
        var knownUser = IsKnownUser(user);
        var knownItem = IsKnownItem(item);
        if (knownUser)
        {
            prediction += _userBias[user];
        }

        if (knownItem)
        {
            prediction += _itemBias[item];
        }

        if (knownUser && knownItem)
        {
            prediction += TensorPrimitives.Dot(_userFactors.AsSpan(user * _rank, _rank), _itemFactors.AsSpan(item * _rank, _rank));
        }

        return Math.Clamp(prediction, _minRating, _maxRating);
    }

    /// <summary>As <see cref="PredictRating(int, int)"/>, plus the user's bias for that UTC day when it was seen in training.</summary>
    public override float PredictRating(int user, int item, long timestampSeconds)
    {
        var slot = _dayKeys.Length == 0 || !IsKnownUser(user) ? -1 : Array.BinarySearch(_dayKeys, MatrixFactorizationTrainer.DayKey(user, timestampSeconds));
        var prediction = PredictRating(user, item);
        return slot < 0 ? prediction : Math.Clamp(prediction + _dailyBias[slot], _minRating, _maxRating);
    }

    protected override void ScoreItems(int user, Span<float> scores)
    {
        ReadOnlySpan<float> p = _userFactors.AsSpan(user * _rank, _rank);
        ReadOnlySpan<float> itemFactors = _itemFactors;
        var offset = _globalMean + _userBias[user];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = offset + _itemBias[i] + TensorPrimitives.Dot(p, itemFactors.Slice(i * _rank, _rank));
        }
    }

    protected override void ScoreSimilarItems(int item, Span<float> scores) => CosineScores(_itemFactors, _itemNorms, _rank, item, scores);

    private protected override void WritePayload(BinaryWriter writer)
    {
        writer.Write(_rank);
        writer.Write(_globalMean);
        writer.Write(_minRating);
        writer.Write(_maxRating);
        RecommenderKinds.WriteFloats(writer, _userBias);
        RecommenderKinds.WriteFloats(writer, _itemBias);
        RecommenderKinds.WriteFloats(writer, _userFactors);
        RecommenderKinds.WriteFloats(writer, _itemFactors);
        writer.Write(_dayKeys.Length);
        for (var i = 0; i < _dayKeys.Length; i++)
        {
            writer.Write(_dayKeys[i]);
            writer.Write(_dailyBias[i]);
        }
    }

    internal static MatrixFactorizationModel ReadPayload(RecommenderState state, BinaryReader reader)
    {
        var rank = reader.ReadInt32();
        if (rank is < 1 or > 1024)
        {
            throw new InvalidDataException($"Stored factor count {rank} is out of range.");
        }

        var mean = reader.ReadSingle();
        var min = reader.ReadSingle();
        var max = reader.ReadSingle();
        // Predictions clamp to [min, max] (Math.Clamp throws when min > max) around the mean.
        if (!float.IsFinite(mean) || !float.IsFinite(min) || !float.IsFinite(max) || min > max)
        {
            throw new InvalidDataException(
                $"The matrix-factorization ratings: mean {mean}, range {min} to {max}; expected finite values with the minimum at most the maximum.");
        }

        var userBias = RecommenderKinds.ReadFloats(reader, state.Users.Count);
        var itemBias = RecommenderKinds.ReadFloats(reader, state.Items.Count);
        var userFactors = RecommenderKinds.ReadFloats(reader, (long)state.Users.Count * rank);
        var itemFactors = RecommenderKinds.ReadFloats(reader, (long)state.Items.Count * rank);
        var days = reader.ReadCount("Daily biases", 12);

        var dayKeys = new long[days];
        var dailyBias = new float[days];
        for (var i = 0; i < days; i++)
        {
            dayKeys[i] = reader.ReadInt64();
            dailyBias[i] = reader.ReadSingle();

            // PredictRating finds a (user, day) by binary search: out of order, a stored day would not be found.
            if (i > 0 && dayKeys[i] <= dayKeys[i - 1])
            {
                throw new InvalidDataException(
                    $"The matrix-factorization daily biases: key {i} (0x{dayKeys[i]:X16}) follows key 0x{dayKeys[i - 1]:X16}; the keys strictly increase.");
            }
        }

        return new MatrixFactorizationModel(state, rank, mean, min, max, userBias, itemBias, userFactors, itemFactors, dayKeys, dailyBias);
    }
}
