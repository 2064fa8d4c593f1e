using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>A proposed trial: which candidate, at which point, with which parameters.</summary>
internal sealed record Proposal(ICandidate Candidate, double[] Point, ParameterSet Parameters, bool FirstOfCandidate);

/// <summary>
/// Decides which candidate gets the next trial and asks that candidate's tuner for a point. Every candidate first
/// gets one trial at its low-cost default; then, for the cost-frugal and SMAC tuners, a candidate is drawn with
/// probability inversely proportional to its estimated cost for improvement (ECI: Wang, Wu, Weimer and Zhu, "FLAML: A
/// Fast and Lightweight AutoML Library", MLSys 2021): the time it would need to beat its own best, or to catch up
/// with the overall best at its observed rate of improvement. Random and grid search draw candidates uniformly.
/// </summary>
internal sealed class CandidateScheduler
{
    private readonly State[] _states;
    private readonly State[] _warmUp;
    private readonly TunerKind _tuner;
    private readonly Random _random;

    public CandidateScheduler(IReadOnlyList<ICandidate> candidates, TunerKind tuner, int seed)
    {
        _tuner = tuner;
        _random = new Random(unchecked(seed * 31) + 17);
        _states = new State[candidates.Count];
        for (var i = 0; i < _states.Length; i++)
        {
            _states[i] = new State(candidates[i], Tuners.Create(tuner, candidates[i].SearchSpace, unchecked(seed + (7919 * (i + 1)))));
        }

        _warmUp = WarmUpOrder(_states);
    }

    /// <summary>
    /// The warm-up order: general and specialised candidates alternately, each kind in the plan's order (the plan's
    /// order when there is one kind). Scenarios plan their general candidates first, and a sweep whose budget ran out
    /// during the warm-up (a short or busy sentiment sweep: five general candidates, some timing out) had tried no
    /// specialised one, so the report had no comparison.
    /// </summary>
    private static State[] WarmUpOrder(State[] states)
    {
        var general = new List<State>();
        var specialised = new List<State>();
        foreach (var s in states)
        {
            (s.Candidate.Kind == CandidateKind.Specialised ? specialised : general).Add(s);
        }

        var order = new State[states.Length];
        int g = 0, k = 0;
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = k >= specialised.Count || (g < general.Count && g <= k) ? general[g++] : specialised[k++];
        }

        return order;
    }

    public ICandidate? Find(string name)
    {
        foreach (var s in _states)
        {
            if (string.Equals(s.Candidate.Name, name, StringComparison.Ordinal))
            {
                return s.Candidate;
            }
        }

        return null;
    }

    /// <summary>The next trial, or null when every tuner is exhausted.</summary>
    public Proposal? Next()
    {
        // Warm-up: each candidate's default configuration once, the two kinds alternately.
        foreach (var s in _warmUp)
        {
            if (s.Proposed == 0 && !s.Exhausted)
            {
                var proposal = ProposeFrom(s);
                if (proposal is not null)
                {
                    return proposal;
                }
            }
        }

        while (true)
        {
            var state = Choose();
            if (state is null)
            {
                return null;
            }

            var proposal = ProposeFrom(state);
            if (proposal is not null)
            {
                return proposal;
            }
        }
    }

    /// <summary>
    /// Feeds a finished trial back to its candidate's tuner and to the ECI statistics. <paramref name="failed"/> says
    /// the trial gave no score at all (an error, a time-out, a latency or memory prune) rather than being stopped early
    /// as hopeless: only those count towards retiring a candidate that has never succeeded.
    /// </summary>
    public void Update(string candidate, TunerObservation observation, bool failed)
    {
        State? state = null;
        foreach (var s in _states)
        {
            if (string.Equals(s.Candidate.Name, candidate, StringComparison.Ordinal))
            {
                state = s;
            }
        }

        if (state is null)
        {
            return;
        }

        state.Tuner.Update(observation);
        state.TotalCost += observation.Cost;
        state.Finished++;
        if (observation.Succeeded && double.IsFinite(observation.Loss))
        {
            if (double.IsNaN(state.FirstLoss))
            {
                state.FirstLoss = observation.Loss;
            }

            if (double.IsNaN(state.BestLoss) || observation.Loss < state.BestLoss)
            {
                state.PreviousBestLoss = double.IsNaN(state.BestLoss) ? observation.Loss : state.BestLoss;
                state.CostAtPreviousBest = state.CostAtBest;
                state.BestLoss = observation.Loss;
                state.CostAtBest = state.TotalCost;
                state.BestTrialCost = observation.Cost;
            }
        }
        else if (failed)
        {
            state.Failures++;
        }
    }

    private Proposal? ProposeFrom(State state)
    {
        if (state.Exhausted)
        {
            return null;
        }

        // A candidate without hyperparameters, or whose every dimension holds one value, has one configuration only:
        // its tuner proposes it once, then null (Tuners.Create).
        var point = state.Tuner.Propose();
        if (point is null)
        {
            state.Exhausted = true;
            return null;
        }

        var first = state.Proposed == 0;
        state.Proposed++;
        return new Proposal(state.Candidate, point, state.Candidate.SearchSpace.ToParameters(point), first);
    }

    private State? Choose()
    {
        var live = new List<State>(_states.Length);
        foreach (var s in _states)
        {
            // A candidate that has only ever failed gets no more trials after three attempts.
            if (!s.Exhausted && !(double.IsNaN(s.BestLoss) && s.Failures >= 3))
            {
                live.Add(s);
            }
        }

        if (live.Count == 0)
        {
            return null;
        }

        if (_tuner is TunerKind.Random or TunerKind.Grid)
        {
            return live[_random.Next(live.Count)];
        }

        var globalBest = double.NaN;
        foreach (var s in live)
        {
            if (!double.IsNaN(s.BestLoss) && (double.IsNaN(globalBest) || s.BestLoss < globalBest))
            {
                globalBest = s.BestLoss;
            }
        }

        var weights = new double[live.Count];
        double total = 0;
        for (var i = 0; i < live.Count; i++)
        {
            weights[i] = 1.0 / Math.Max(1e-9, EstimatedCostForImprovement(live[i], globalBest));
            total += weights[i];
        }

        var draw = _random.NextDouble() * total;
        for (var i = 0; i < live.Count; i++)
        {
            draw -= weights[i];
            if (draw <= 0)
            {
                return live[i];
            }
        }

        return live[^1];
    }

    private static double EstimatedCostForImprovement(State s, double globalBest)
    {
        var meanCost = s.Finished == 0 ? 1 : s.TotalCost / s.Finished;
        if (double.IsNaN(s.BestLoss))
        {
            // Still waiting for its first result (or failing): as costly as a few of its trials.
            return 4 * meanCost;
        }

        // Cost to improve on its own best: at least the time since it last improved, and twice its best trial.
        var own = Math.Max(s.TotalCost - s.CostAtBest, 2 * s.BestTrialCost);
        if (s.BestLoss <= globalBest)
        {
            return own;
        }

        // Cost to catch up with the leader at the rate of its latest improvement (FLAML's speed: the loss gained
        // between its last two bests over the cost spent between them), so a learner whose early gains have dried up
        // is not credited with them; before a second best, the rate from its first result.
        var improvement = s.PreviousBestLoss - s.BestLoss;
        var rate = improvement > 0
            ? improvement / Math.Max(1e-9, s.CostAtBest - s.CostAtPreviousBest)
            : (s.FirstLoss - s.BestLoss) / Math.Max(1e-9, s.CostAtBest);
        var gap = s.BestLoss - globalBest;
        var catchUp = rate > 0 ? gap / rate : 2 * own * (1 + (gap / Math.Max(1e-9, Math.Abs(globalBest))));
        return Math.Max(own, catchUp);
    }

    private sealed class State(ICandidate candidate, ITuner tuner)
    {
        public ICandidate Candidate { get; } = candidate;

        public ITuner Tuner { get; } = tuner;

        public int Proposed { get; set; }

        public int Finished { get; set; }

        public int Failures { get; set; }

        public bool Exhausted { get; set; }

        public double TotalCost { get; set; }

        public double CostAtBest { get; set; }

        public double BestTrialCost { get; set; }

        public double FirstLoss { get; set; } = double.NaN;

        public double BestLoss { get; set; } = double.NaN;

        public double PreviousBestLoss { get; set; } = double.NaN;

        public double CostAtPreviousBest { get; set; }
    }
}
