namespace EnterpriseML.Engine.Tuning;

/// <summary>
/// Random search: independent uniform points of the unit hypercube (Bergstra and Bengio, "Random Search for
/// Hyper-Parameter Optimization", JMLR 2012). The baseline the other tuners are measured against.
/// </summary>
internal sealed class RandomTuner : ITuner
{
    private readonly int _dimension;
    private readonly Random _random;

    public RandomTuner(SearchSpace space, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        _dimension = space.Dimension;
        _random = new Random(seed);
    }

    public double[]? Propose()
    {
        var point = new double[_dimension];
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = _random.NextDouble();
        }

        return point;
    }

    public void Update(TunerObservation observation)
    {
        // Random search does not learn.
    }
}

/// <summary>
/// Grid search: the Cartesian product of each dimension's <see cref="SearchParameter.GridUnits"/>, visited in a seeded
/// random order (so a truncated grid is still spread out), then exhausted. A grid larger than the point limit is
/// sampled: that many distinct grid points drawn uniformly from the whole product, not its first points in counting
/// order (which held the last dimensions at their first value).
/// </summary>
internal sealed class GridTuner : ITuner
{
    private readonly double[][] _axes;
    private readonly long[]? _order;
    private readonly long _size;
    private readonly long _total;
    private readonly Random? _sampler;
    private readonly Dictionary<long, long>? _swapped;
    private readonly HashSet<string>? _seen;
    private long _next;

    public GridTuner(SearchSpace space, int seed, long maximumPoints = 100_000)
    {
        ArgumentNullException.ThrowIfNull(space);
        _axes = new double[space.Dimension][];
        double total = 1;
        for (var i = 0; i < _axes.Length; i++)
        {
            _axes[i] = space.Parameters[i].GridUnits();
            total *= _axes[i].Length;
        }

        if (total <= maximumPoints)
        {
            _size = (long)total;
            _order = new long[_size];
            for (var i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }

            new Random(seed).Shuffle(_order);
            return;
        }

        _size = maximumPoints;
        _sampler = new Random(seed);
        if (total <= 1L << 62)
        {
            // A partial Fisher–Yates shuffle of the codes 0 … total − 1, with only the swapped entries stored.
            _total = (long)total;
            _swapped = [];
        }
        else
        {
            // Too many points to count in a long: draw each axis independently, and redraw a point already proposed
            // (rare, with at least 2^62 points to choose from).
            _seen = new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>The number of grid points proposed before the grid is exhausted.</summary>
    public long Size => _size;

    public double[]? Propose()
    {
        if (_next >= _size)
        {
            return null;
        }

        var point = new double[_axes.Length];
        if (_seen is not null)
        {
            var indices = new int[_axes.Length];
            do
            {
                for (var i = 0; i < point.Length; i++)
                {
                    indices[i] = _sampler!.Next(_axes[i].Length);
                }
            }
            while (!_seen.Add(string.Join(',', indices)));

            _next++;
            for (var i = 0; i < point.Length; i++)
            {
                point[i] = _axes[i][indices[i]];
            }

            return point;
        }

        var code = _order is not null ? _order[_next] : Draw(_next);
        _next++;
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = _axes[i][code % _axes[i].Length];
            code /= _axes[i].Length;
        }

        return point;
    }

    public void Update(TunerObservation observation)
    {
        // Grid search does not learn.
    }

    private long Draw(long position)
    {
        var swapped = _swapped!;
        var swapWith = position + _sampler!.NextInt64(_total - position);
        var atPosition = swapped.GetValueOrDefault(position, position);
        var code = swapped.GetValueOrDefault(swapWith, swapWith);
        swapped[swapWith] = atPosition;
        swapped.Remove(position);
        return code;
    }
}

/// <summary>
/// The tuner of a space with one configuration (<see cref="SearchSpace.HasOneConfiguration"/>): that configuration
/// once, then nothing. Every unit point of such a space is the same configuration, so a tuner of any kind would
/// propose it again and again (other points, the same parameters) and a sweep would refit it trial after trial. It
/// counts as tried once proposed or once a trial of it is reported, for a sweep that starts each candidate at its
/// defaults without asking the tuner (the recommendation sweeps) or replays a recorded trial.
/// </summary>
internal sealed class OneConfigurationTuner : ITuner
{
    private readonly double[] _point;
    private bool _tried;

    public OneConfigurationTuner(SearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        _point = space.DefaultPoint();
    }

    public double[]? Propose()
    {
        if (_tried)
        {
            return null;
        }

        _tried = true;
        return (double[])_point.Clone();
    }

    public void Update(TunerObservation observation) => _tried = true;
}

/// <summary>Creates tuners by kind.</summary>
public static class Tuners
{
    /// <summary>
    /// A tuner of <paramref name="kind"/> over <paramref name="space"/>, seeded. Whatever the kind, a space with one
    /// configuration (<see cref="SearchSpace.HasOneConfiguration"/>) gets a tuner that proposes it once: nothing more
    /// after it was proposed or a trial of it was reported.
    /// </summary>
    public static ITuner Create(TunerKind kind, SearchSpace space, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown tuner.");
        }

        if (space.HasOneConfiguration)
        {
            return new OneConfigurationTuner(space);
        }

        return kind switch
        {
            TunerKind.Random => new RandomTuner(space, seed),
            TunerKind.Grid => new GridTuner(space, seed),
            TunerKind.CostFrugal => new CostFrugalTuner(space, seed),
            TunerKind.Smac => new SmacTuner(space, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown tuner."),
        };
    }
}
