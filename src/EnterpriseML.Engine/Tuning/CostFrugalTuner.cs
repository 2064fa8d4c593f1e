namespace EnterpriseML.Engine.Tuning;

/// <summary>
/// Cost-frugal randomised direct search (FLOW2, the local search inside CFO: Wu, Wang and Huang, "Frugal Optimization
/// for Cost-related Hyperparameters", AAAI 2021; the idea behind FLAML and ML.NET's EciCostFrugalTuner).
/// It starts at the search space's default, which candidates declare as their low-cost configuration, and moves
/// along random unit directions: try <c>x + δu</c>, and if that does not improve, <c>x − δu</c>. Because it only
/// moves to a neighbour when the loss improves, cost (trees, leaves, epochs) grows only as far as it pays for
/// itself; when two points tie on loss, the cheaper one is kept. After a run of non-improving directions the step
/// shrinks; when it falls below its floor the search restarts from a random point, keeping the global best.
/// Tolerates several outstanding proposals (parallel trials): each is matched to its direction on update.
/// Right after the start point it evaluates the space's <see cref="SearchSpace.WarmStartPoints"/> once each (known-good
/// library defaults, as FLAML's <c>points_to_evaluate</c>); the best of all becomes the incumbent, so the local search
/// starts where the evidence is, while cost still decides ties and grows only when it pays.
/// <para>
/// Choice dimensions are not ordered, and a unit-cube step of δ ≈ 0.1–0.2 rarely carries a choice coordinate into
/// another choice's bucket, so a plain FLOW2 would hardly ever leave the default choice (for example the <c>l2</c>
/// penalty of logistic regression). So after the start and warm-start points, and again after every restart, each
/// other choice of every choice dimension is probed once from the incumbent of that moment (that coordinate moved
/// to the middle of the choice's bucket, the rest unchanged); a probe that improves becomes the incumbent like any
/// other point.
/// </para>
/// <para>
/// Local search alone only finds what is connected to its start by improving steps, and on small, noisy validation
/// sets a lucky far-away configuration can beat it. So one local step in five is replaced by a uniform random point
/// (the global half of BlendSearch: Wang, Wu, Huang and Wu, "Economical Hyperparameter Optimization with Blended
/// Search Strategy", ICLR 2021); a random point that beats the incumbent becomes the incumbent, and the local
/// search continues from there.
/// </para>
/// </summary>
internal sealed class CostFrugalTuner : ITuner
{
    /// <summary>Relative loss difference under which two points count as tied (then the cheaper wins).</summary>
    private const double TieTolerance = 1e-9;
    private const double StepShrink = 0.7;

    /// <summary>One local-search step in this many is replaced by a uniform random point.</summary>
    private const int GlobalEvery = 5;

    private readonly int _dimension;
    private readonly Random _random;
    private readonly double _initialStep;
    private readonly double _minimumStep;
    private readonly int _patience;
    private readonly List<Pending> _pending = [];
    private readonly Queue<(double[] Direction, int Version)> _reverse = new();
    private readonly Queue<double[]> _warmStart = new();
    private readonly (int Dimension, int Count)[] _choiceDimensions;
    private readonly Queue<(int Dimension, int Choice, int Count)> _choiceProbes = new();

    private double[] _incumbent;
    private double _incumbentLoss = double.PositiveInfinity;
    private double _incumbentCost = double.PositiveInfinity;
    private int _version;
    private double _step;
    private int _failures;
    private bool _proposedStart;
    private long _localSteps;

    public CostFrugalTuner(SearchSpace space, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        _dimension = space.Dimension;
        _random = new Random(seed);
        _incumbent = space.DefaultPoint();
        _initialStep = 0.1 * Math.Sqrt(Math.Max(1, _dimension));
        _minimumStep = 0.002 * Math.Sqrt(Math.Max(1, _dimension));
        _step = _initialStep;
        foreach (var point in space.WarmStartPoints)
        {
            _warmStart.Enqueue((double[])point.Clone());
        }

        var choices = new List<(int, int)>();
        for (var d = 0; d < space.Parameters.Count; d++)
        {
            if (space.Parameters[d] is { Kind: SearchParameterKind.Choice, Choices.Count: > 1 } parameter)
            {
                choices.Add((d, parameter.Choices.Count));
            }
        }

        _choiceDimensions = [.. choices];
        QueueChoiceProbes();

        // FLOW2 shrinks after 2^(d-1) failed directions; capped so short sweeps still refine.
        _patience = Math.Clamp(1 << Math.Min(Math.Max(_dimension - 1, 0), 10), 1, 2 * Math.Max(1, _dimension));
    }

    /// <summary>The best point seen so far (the start point before any update).</summary>
    public IReadOnlyList<double> Incumbent => _incumbent;

    /// <summary>The loss of <see cref="Incumbent"/>, +∞ before any success.</summary>
    public double IncumbentLoss => _incumbentLoss;

    /// <summary>The current step size in the unit hypercube.</summary>
    public double Step => _step;

    public double[]? Propose()
    {
        if (!_proposedStart)
        {
            _proposedStart = true;
            var start = (double[])_incumbent.Clone();
            _pending.Add(new Pending(start, null, +1, _version));
            return start;
        }

        if (_dimension == 0)
        {
            return null;
        }

        if (_warmStart.TryDequeue(out var warm))
        {
            _pending.Add(new Pending(warm, null, +1, _version));
            return (double[])warm.Clone();
        }

        while (_choiceProbes.TryDequeue(out var probe))
        {
            var point = (double[])_incumbent.Clone();
            if (ChoiceOf(point[probe.Dimension], probe.Count) == probe.Choice)
            {
                continue;
            }

            point[probe.Dimension] = (probe.Choice + 0.5) / probe.Count;
            _pending.Add(new Pending(point, null, +1, _version));
            return (double[])point.Clone();
        }

        // Every GlobalEvery-th step is a uniform random point instead: the global half of BlendSearch.
        if (++_localSteps % GlobalEvery == 0)
        {
            var global = new double[_dimension];
            for (var i = 0; i < global.Length; i++)
            {
                global[i] = _random.NextDouble();
            }

            _pending.Add(new Pending(global, null, +1, _version));
            return (double[])global.Clone();
        }

        while (_reverse.Count > 0)
        {
            var (direction, version) = _reverse.Dequeue();
            if (version == _version)
            {
                return Emit(direction, -1);
            }
        }

        return Emit(RandomDirection(), +1);
    }

    public void Update(TunerObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation.Point);
        var index = FindPending(observation.Point);
        Pending? pending = index >= 0 ? _pending[index] : null;
        if (index >= 0)
        {
            _pending.RemoveAt(index);
        }

        var loss = observation.Succeeded && double.IsFinite(observation.Loss) ? observation.Loss : double.PositiveInfinity;
        if (IsImprovement(loss, observation.Cost))
        {
            _incumbent = (double[])observation.Point.Clone();
            _incumbentLoss = loss;
            _incumbentCost = observation.Cost;
            _version++;
            _failures = 0;
            _reverse.Clear();
            return;
        }

        if (pending is { Direction: not null } p && p.Version == _version)
        {
            if (p.Sign > 0)
            {
                // The opposite direction gets its chance before the direction counts as failed.
                _reverse.Enqueue((p.Direction, p.Version));
                return;
            }

            _failures++;
            if (_failures >= _patience)
            {
                _failures = 0;
                _step *= StepShrink;
                if (_step < _minimumStep)
                {
                    Restart();
                }
            }
        }
    }

    private bool IsImprovement(double loss, double cost)
    {
        if (!double.IsFinite(loss))
        {
            return false;
        }

        if (!double.IsFinite(_incumbentLoss))
        {
            return true;
        }

        var tolerance = TieTolerance * Math.Max(1, Math.Abs(_incumbentLoss));
        return loss < _incumbentLoss - tolerance || (Math.Abs(loss - _incumbentLoss) <= tolerance && cost < _incumbentCost);
    }

    private void Restart()
    {
        // A fresh random start; the runner keeps the global best, the tuner keeps exploring.
        for (var i = 0; i < _incumbent.Length; i++)
        {
            _incumbent[i] = _random.NextDouble();
        }

        _incumbentLoss = double.PositiveInfinity;
        _incumbentCost = double.PositiveInfinity;
        _step = _initialStep;
        _version++;
        _reverse.Clear();
        _proposedStart = false;
        QueueChoiceProbes();
    }

    /// <summary>Queues one probe of every choice of every choice dimension (those equal to the incumbent's are skipped when proposed).</summary>
    private void QueueChoiceProbes()
    {
        _choiceProbes.Clear();
        foreach (var (d, count) in _choiceDimensions)
        {
            for (var c = 0; c < count; c++)
            {
                _choiceProbes.Enqueue((d, c, count));
            }
        }
    }

    private static int ChoiceOf(double unit, int count) => Math.Min((int)(unit * count), count - 1);

    private double[] Emit(double[] direction, int sign)
    {
        var point = new double[_dimension];
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = Math.Clamp(_incumbent[i] + (sign * _step * direction[i]), 0, 1);
        }

        _pending.Add(new Pending(point, direction, sign, _version));
        return point;
    }

    private double[] RandomDirection()
    {
        var direction = new double[_dimension];
        double norm = 0;
        while (norm < 1e-12)
        {
            norm = 0;
            for (var i = 0; i < direction.Length; i++)
            {
                direction[i] = Gaussian(_random);
                norm += direction[i] * direction[i];
            }
        }

        norm = Math.Sqrt(norm);
        for (var i = 0; i < direction.Length; i++)
        {
            direction[i] /= norm;
        }

        return direction;
    }

    private int FindPending(double[] point)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            if (_pending[i].Point.AsSpan().SequenceEqual(point))
            {
                return i;
            }
        }

        return -1;
    }

    internal static double Gaussian(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private sealed record Pending(double[] Point, double[]? Direction, int Sign, int Version);
}
