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
/// random order (so a truncated grid is still spread out), then exhausted.
/// </summary>
internal sealed class GridTuner : ITuner
{
    private readonly double[][] _axes;
    private readonly long[] _order;
    private long _next;

    public GridTuner(SearchSpace space, int seed, long maximumPoints = 100_000)
    {
        ArgumentNullException.ThrowIfNull(space);
        _axes = new double[space.Dimension][];
        long size = 1;
        for (var i = 0; i < _axes.Length; i++)
        {
            _axes[i] = space.Parameters[i].GridUnits();
            size = Math.Min(maximumPoints, size * _axes[i].Length);
        }

        _order = new long[size];
        for (var i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }

        new Random(seed).Shuffle(_order);
    }

    /// <summary>The number of grid points.</summary>
    public long Size => _order.Length;

    public double[]? Propose()
    {
        if (_next >= _order.Length)
        {
            return null;
        }

        var code = _order[_next++];
        var point = new double[_axes.Length];
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
}

/// <summary>Creates tuners by kind.</summary>
public static class Tuners
{
    /// <summary>A tuner of <paramref name="kind"/> over <paramref name="space"/>, seeded.</summary>
    public static ITuner Create(TunerKind kind, SearchSpace space, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
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
