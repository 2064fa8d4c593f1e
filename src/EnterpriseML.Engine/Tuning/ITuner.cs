namespace EnterpriseML.Engine.Tuning;

/// <summary>
/// A hyperparameter tuner over the unit hypercube of one <see cref="SearchSpace"/>. It minimises one loss.
/// Not thread-safe: the runner calls it from one place, and feeds results back in proposal order so a seeded sweep
/// is reproducible (ML.NET AutoML ITuner, SMAC, FLAML).
/// </summary>
public interface ITuner
{
    /// <summary>The next unit point to evaluate, or null when the tuner has nothing left to propose (grid exhausted).</summary>
    double[]? Propose();

    /// <summary>Reports the outcome of a point this tuner proposed (or a recorded trial being replayed).</summary>
    void Update(TunerObservation observation);
}

/// <summary>What a tuner learns from one trial.</summary>
/// <param name="Point">The unit point that was evaluated.</param>
/// <param name="Loss">The loss to minimise (lower is better); ignored when <paramref name="Succeeded"/> is false.</param>
/// <param name="Cost">The trial's cost in seconds (fit CPU time); cost-aware tuners use it.</param>
/// <param name="Succeeded">False when the trial failed, was pruned or timed out.</param>
public readonly record struct TunerObservation(double[] Point, double Loss, double Cost, bool Succeeded);

/// <summary>The tuners the runner can use.</summary>
public enum TunerKind
{
    /// <summary>Uniform random points.</summary>
    Random,

    /// <summary>A shuffled full grid (per-dimension <see cref="SearchParameter.GridSteps"/>).</summary>
    Grid,

    /// <summary>Cost-frugal local search from the low-cost default (FLAML CFO).</summary>
    CostFrugal,

    /// <summary>Random-forest surrogate with expected improvement (SMAC).</summary>
    Smac,
}
