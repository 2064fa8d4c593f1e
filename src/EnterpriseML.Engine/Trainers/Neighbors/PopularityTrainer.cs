using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Trainers.Neighbors;

/// <summary>Options of <see cref="PopularityTrainer"/>.</summary>
public sealed class PopularityOptions
{
    /// <summary>
    /// Half-life of an interaction's weight, in days, measured back from the latest training timestamp
    /// (ignored without timestamps). 0 disables decay. Default 0; valid range [0, 36500].
    /// </summary>
    public double TimeDecayHalfLifeDays { get; set; } = PopularityTrainer.Defaults.TimeDecayHalfLifeDays;

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (!(TimeDecayHalfLifeDays >= 0 && TimeDecayHalfLifeDays <= 36_500))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeDecayHalfLifeDays), TimeDecayHalfLifeDays, "Must be in [0, 36500].");
        }
    }
}

/// <summary>
/// The non-personalised baseline every recommender must beat: items ranked by the (optionally exponentially
/// time-decayed) sum of interaction weights, with already-seen items removed per user. Its cold-start fallback is
/// itself, so segment rankings apply to cold users.
/// </summary>
public sealed class PopularityTrainer : IRecommenderTrainer
{
    /// <summary>The CLI name.</summary>
    public const string TrainerName = "popularity";

    private readonly double _halfLifeDays;

    /// <summary>Creates the trainer with a decay half-life in days (0 = none).</summary>
    public PopularityTrainer(double timeDecayHalfLifeDays = Defaults.TimeDecayHalfLifeDays)
        : this(new PopularityOptions { TimeDecayHalfLifeDays = timeDecayHalfLifeDays })
    {
    }

    /// <summary>Creates the trainer from validated options (copied).</summary>
    public PopularityTrainer(PopularityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _halfLifeDays = options.TimeDecayHalfLifeDays;
    }

    public string Name => TrainerName;

    public Recommender Fit(InteractionSet train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        cancellationToken.ThrowIfCancellationRequested();
        return new PopularityModel(RecommenderState.FromTraining(train, _halfLifeDays));
    }

    /// <summary>Default option values.</summary>
    public static class Defaults
    {
        public const double TimeDecayHalfLifeDays = 0;
    }
}

/// <summary>A fitted popularity ranking (the same for every user, minus what they have seen).</summary>
public sealed class PopularityModel : Recommender
{
    internal PopularityModel(RecommenderState state)
        : base(state)
    {
    }

    public override string Kind => PopularityTrainer.TrainerName;

    private protected override Recommender WithState(RecommenderState state) => new PopularityModel(state);

    protected override void ScoreItems(int user, Span<float> scores) => Fallback.Scores.CopyTo(scores);

    protected override void ScoreSimilarItems(int item, Span<float> scores) => Fallback.Scores.CopyTo(scores);

    private protected override void WritePayload(BinaryWriter writer)
    {
    }
}
