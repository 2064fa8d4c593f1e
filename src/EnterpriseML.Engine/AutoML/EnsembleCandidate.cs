using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>One member of an ensemble: a candidate, its parameters, its integer weight, and the trial it came from.</summary>
internal sealed record EnsembleMember(ICandidate Candidate, ParameterSet Parameters, int Weight, int TrialIndex);

/// <summary>
/// A weighted average of other candidates' scores, as chosen by Caruana ensemble selection. Entered in the leaderboard
/// as its own candidate; fitting it fits every member. The <c>ensemble</c> blends general candidates only; the
/// <c>specialised-ensemble</c> blends any candidates with at least one specialised member, so it needs the domain knowledge.
/// </summary>
internal sealed class EnsembleCandidate : ICandidate
{
    private readonly EnsembleMember[] _members;

    public EnsembleCandidate(IReadOnlyList<EnsembleMember> members, CandidateKind kind)
    {
        _members = [.. members];
        Kind = kind;
    }

    /// <summary>The <see cref="ICandidate.Trainer"/> of every ensemble, and so of its trial records.</summary>
    public const string TrainerName = "caruana-ensemble";

    public string Name => Kind == CandidateKind.Specialised ? "specialised-ensemble" : "ensemble";

    /// <summary>True for an ensemble's record (not a search trial).</summary>
    public static bool IsEnsemble(TrialRecord record) => record.Trainer == TrainerName;

    public CandidateKind Kind { get; }

    public string Trainer => TrainerName;

    public SearchSpace SearchSpace => SearchSpace.Empty;

    public IReadOnlyList<EnsembleMember> Members => _members;

    public IFittedCandidate Fit(CandidateFitContext context, ParameterSet parameters, CancellationToken cancellationToken = default)
    {
        var fitted = new IFittedCandidate[_members.Length];
        for (var m = 0; m < _members.Length; m++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            fitted[m] = _members[m].Candidate.Fit(context, _members[m].Parameters, cancellationToken);
        }

        return FromFitted(fitted);
    }

    /// <summary>The ensemble of already fitted members (in <see cref="Members"/> order).</summary>
    public IFittedCandidate FromFitted(IReadOnlyList<IFittedCandidate> fitted)
    {
        var weights = new int[_members.Length];
        var names = new string[_members.Length];
        for (var m = 0; m < weights.Length; m++)
        {
            weights[m] = _members[m].Weight;
            names[m] = _members[m].Candidate.Name;
        }

        return new FittedEnsemble([.. fitted], weights, names);
    }

    private sealed class FittedEnsemble(IFittedCandidate[] members, int[] weights, string[] names) : IFittedCandidate, IDescribedCandidate
    {
        public string Pipeline
        {
            get
            {
                var parts = new string[members.Length];
                for (var m = 0; m < parts.Length; m++)
                {
                    parts[m] = $"{weights[m]}×{names[m]}";
                }

                return "mean(" + string.Join(" + ", parts) + ")";
            }
        }

        public IReadOnlyList<KeyValuePair<string, string>> Details => [];

        public float[] Score(DataTable rows)
        {
            // In double, as the sweep blends and EnsemblePredictor predicts (a float sum overflows near ±3e38).
            double[]? sum = null;
            var total = 0;
            for (var m = 0; m < members.Length; m++)
            {
                var scores = members[m].Score(rows);
                sum ??= new double[scores.Length];
                for (var i = 0; i < scores.Length; i++)
                {
                    sum[i] += weights[m] * (double)scores[i];
                }

                total += weights[m];
            }

            var mean = new float[sum!.Length];
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] = (float)(sum[i] / total);
            }

            return mean;
        }

        /// <summary>
        /// Writes one ordinary <c>.eml</c> tabular pipeline (see <see cref="EnsemblePredictor"/>), so the registry,
        /// <c>eml predict</c> and the serving API load the ensemble like any single model.
        /// </summary>
        public void Save(Stream stream) => ToPipeline().Save(stream);

        public ModelPipeline ToPipeline()
        {
            var pipelines = new ModelPipeline[members.Length];
            for (var m = 0; m < members.Length; m++)
            {
                pipelines[m] = members[m] is IPipelineCandidate p
                    ? p.Model
                    : throw new NotSupportedException($"Ensemble member {names[m]} is not a tabular pipeline and cannot be saved in an ensemble.");
            }

            return EnsemblePredictor.Combine(pipelines, weights, names);
        }
    }
}
