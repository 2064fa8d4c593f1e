namespace EnterpriseML.Engine.Tuning;

/// <summary>
/// Sequential model-based optimisation with a random-forest surrogate and expected improvement (SMAC: Hutter, Hoos
/// and Leyton-Brown, "Sequential Model-Based Optimization for General Algorithm Configuration", LION 2011).
/// The first proposals are the default point and random points; then each proposal maximises expected improvement
/// over random points and Gaussian perturbations of the best points seen, with one random point interleaved every
/// few proposals. Failed trials are imputed with the worst loss seen so the surrogate steers away from them.
/// </summary>
internal sealed class SmacTuner : ITuner
{
    private const int InitialRandomPoints = 4;
    private const int RandomInterleave = 4;
    private const int TreeCount = 16;
    private const int RandomCandidates = 400;
    private const int LocalCandidatesPerIncumbent = 40;
    private const int Incumbents = 4;

    private readonly int _dimension;
    private readonly double[] _default;
    private readonly Random _random;
    private readonly List<double[]> _points = [];
    private readonly List<double> _losses = [];
    private readonly List<double[]> _failed = [];
    private readonly List<double[]> _pending = [];
    private int _proposals;

    public SmacTuner(SearchSpace space, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        _dimension = space.Dimension;
        _default = space.DefaultPoint();
        _random = new Random(seed);
    }

    public double[]? Propose()
    {
        var index = _proposals++;
        double[] point;
        if (index == 0)
        {
            point = (double[])_default.Clone();
        }
        else if (_dimension == 0)
        {
            return null;
        }
        else if (_points.Count < InitialRandomPoints || index % RandomInterleave == 0)
        {
            point = RandomPoint();
        }
        else
        {
            point = MaximiseExpectedImprovement();
        }

        _pending.Add(point);
        return point;
    }

    public void Update(TunerObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation.Point);
        for (var i = 0; i < _pending.Count; i++)
        {
            if (_pending[i].AsSpan().SequenceEqual(observation.Point))
            {
                _pending.RemoveAt(i);
                break;
            }
        }

        if (observation.Succeeded && double.IsFinite(observation.Loss))
        {
            _points.Add((double[])observation.Point.Clone());
            _losses.Add(observation.Loss);
        }
        else
        {
            _failed.Add((double[])observation.Point.Clone());
        }
    }

    private double[] MaximiseExpectedImprovement()
    {
        var points = new List<double[]>(_points);
        var targets = new List<double>(_losses);
        var worst = double.NegativeInfinity;
        var best = double.PositiveInfinity;
        foreach (var loss in _losses)
        {
            worst = Math.Max(worst, loss);
            best = Math.Min(best, loss);
        }

        foreach (var failed in _failed)
        {
            points.Add(failed);
            targets.Add(worst);
        }

        var forest = SurrogateForest.Fit(points, targets, TreeCount, _random);

        // Candidates: uniform points, plus local perturbations of the best points (SMAC's local search).
        var order = new int[_losses.Count];
        var keys = _losses.ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        double[]? bestPoint = null;
        var bestImprovement = double.NegativeInfinity;
        var total = RandomCandidates + (Math.Min(Incumbents, order.Length) * LocalCandidatesPerIncumbent);
        for (var c = 0; c < total; c++)
        {
            double[] candidate;
            if (c < RandomCandidates)
            {
                candidate = RandomPoint();
            }
            else
            {
                var local = c - RandomCandidates;
                var centre = _points[order[local / LocalCandidatesPerIncumbent]];
                var scale = (local % 4) switch { 0 => 0.02, 1 => 0.05, 2 => 0.1, _ => 0.2 };
                candidate = new double[_dimension];
                for (var d = 0; d < _dimension; d++)
                {
                    candidate[d] = Math.Clamp(centre[d] + (scale * CostFrugalTuner.Gaussian(_random)), 0, 1);
                }
            }

            if (IsNearKnown(candidate))
            {
                continue;
            }

            var (mean, deviation) = forest.Predict(candidate);
            var improvement = ExpectedImprovement(best, mean, deviation);
            if (improvement > bestImprovement)
            {
                bestImprovement = improvement;
                bestPoint = candidate;
            }
        }

        return bestPoint ?? RandomPoint();
    }

    private bool IsNearKnown(double[] candidate)
    {
        const double MinimumDistanceSquared = 1e-6;
        foreach (var list in (ReadOnlySpan<List<double[]>>)[_points, _pending, _failed])
        {
            foreach (var p in list)
            {
                double distance = 0;
                for (var d = 0; d < _dimension; d++)
                {
                    var delta = p[d] - candidate[d];
                    distance += delta * delta;
                }

                if (distance < MinimumDistanceSquared)
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal static double ExpectedImprovement(double best, double mean, double deviation)
    {
        if (deviation < 1e-12)
        {
            return Math.Max(0, best - mean);
        }

        var z = (best - mean) / deviation;
        return ((best - mean) * NormalCdf(z)) + (deviation * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI));
    }

    private static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        // Numerical Recipes' erfc approximation (fractional error < 1.2e-7).
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = c[^1];
        for (var i = c.Length - 2; i >= 0; i--)
        {
            poly = c[i] + (t * poly);
        }

        var r = t * Math.Exp((-z * z) + poly);
        return x >= 0 ? r : 2 - r;
    }

    private double[] RandomPoint()
    {
        var point = new double[_dimension];
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = _random.NextDouble();
        }

        return point;
    }
}
