using System.Numerics.Tensors;

namespace EnterpriseML.Engine.Numerics;

/// <summary>A smooth function with its gradient.</summary>
internal interface IDifferentiableFunction
{
    int Dimension { get; }

    /// <summary>Returns f(x) and writes ∇f(x) into <paramref name="gradient"/>.</summary>
    double Evaluate(ReadOnlySpan<double> x, Span<double> gradient);
}

/// <summary>Immutable settings of <see cref="Lbfgs"/>.</summary>
/// <param name="MaximumIterations">Iteration cap.</param>
/// <param name="Tolerance">
/// Relative tolerance: stop when the average relative decrease of the objective over the last 5 iterations, or the
/// largest (pseudo-)gradient entry relative to max(1, |f|), falls below it.
/// </param>
/// <param name="HistorySize">Number of (s, y) pairs kept.</param>
/// <param name="L1">Per-coordinate L1 weights (null or all zero = plain L-BFGS; otherwise OWL-QN).</param>
internal sealed record LbfgsSettings(int MaximumIterations, double Tolerance, int HistorySize, double[]? L1 = null);

internal readonly record struct OptimizationResult(double Objective, int Iterations, bool Converged, int Evaluations);

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., Alg. 7.4 two-loop recursion) with a
/// backtracking Armijo line search, extended to L1-regularised objectives by OWL-QN (Andrew &amp; Gao, "Scalable
/// training of L1-regularized log-linear models", ICML 2007): pseudo-gradient, orthant projection of the direction and
/// of each trial point. Minimises f(x) + Σ_j L1[j]·|x_j|. Buffers are allocated once per call.
/// </summary>
internal static class Lbfgs
{
    private const double ArmijoC1 = 1e-4;
    // Step 1 halved 16 times is 1.5e-5: no Armijo decrease by then means the objective is at its noise floor.
    private const int MaxLineSearchSteps = 16;
    private const int ObjectiveWindow = 5;

    public static OptimizationResult Minimize(IDifferentiableFunction function, Span<double> x, LbfgsSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(settings);
        var n = function.Dimension;
        if (x.Length != n)
        {
            throw new ArgumentException($"Start point has {x.Length} entries; the function has dimension {n}.", nameof(x));
        }

        var l1 = settings.L1;
        var hasL1 = false;
        if (l1 is not null)
        {
            if (l1.Length != n)
            {
                throw new ArgumentException("L1 weights must match the dimension.", nameof(settings));
            }

            for (var j = 0; j < n; j++)
            {
                hasL1 |= l1[j] > 0;
            }
        }

        var m = settings.HistorySize;
        var s = new double[m][];
        var y = new double[m][];
        for (var i = 0; i < m; i++)
        {
            s[i] = new double[n];
            y[i] = new double[n];
        }

        var rho = new double[m];
        var alpha = new double[m];
        var g = new double[n];
        var gNew = new double[n];
        var pg = new double[n];
        var d = new double[n];
        var xNew = new double[n];
        var history = new double[ObjectiveWindow + 1];

        var f = function.Evaluate(x, g) + (hasL1 ? L1Norm(x, l1!) : 0);
        var evaluations = 1;
        var count = 0;
        var head = 0;
        history[0] = f;
        var iteration = 0;
        var converged = false;

        while (iteration < settings.MaximumIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (hasL1)
            {
                PseudoGradient(x, g, l1!, pg);
            }
            else
            {
                g.CopyTo(pg, 0);
            }

            var pgMax = MaxAbs(pg);
            if (pgMax <= settings.Tolerance * Math.Max(1.0, Math.Abs(f)) || pgMax == 0)
            {
                converged = true;
                break;
            }

            // Two-loop recursion: d = -H·pg.
            for (var j = 0; j < n; j++)
            {
                d[j] = -pg[j];
            }

            for (var k = 0; k < count; k++)
            {
                var idx = (head - 1 - k + m) % m;
                alpha[idx] = rho[idx] * Dot(s[idx], d);
                Axpy(-alpha[idx], y[idx], d);
            }

            if (count > 0)
            {
                var last = (head - 1 + m) % m;
                var gamma = Dot(s[last], y[last]) / Dot(y[last], y[last]);
                for (var j = 0; j < n; j++)
                {
                    d[j] *= gamma;
                }
            }

            for (var k = count - 1; k >= 0; k--)
            {
                var idx = (head - 1 - k + m) % m;
                var beta = rho[idx] * Dot(y[idx], d);
                Axpy(alpha[idx] - beta, s[idx], d);
            }

            if (hasL1)
            {
                // Keep only the components that agree in sign with the steepest descent direction.
                for (var j = 0; j < n; j++)
                {
                    if (d[j] * pg[j] >= 0)
                    {
                        d[j] = 0;
                    }
                }
            }

            var directional = Dot(d, pg);
            if (directional >= 0)
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                count = 0;
                for (var j = 0; j < n; j++)
                {
                    d[j] = -pg[j];
                }

                directional = Dot(d, pg);
            }

            var step = count == 0 ? Math.Min(1.0, 1.0 / Math.Sqrt(Math.Max(Dot(pg, pg), 1e-300))) : 1.0;
            var fNew = double.NaN;
            var accepted = false;
            for (var ls = 0; ls < MaxLineSearchSteps; ls++)
            {
                for (var j = 0; j < n; j++)
                {
                    var v = x[j] + step * d[j];
                    if (hasL1 && l1![j] > 0)
                    {
                        // Project onto the orthant of x (or of -pg where x is zero).
                        var orthant = x[j] != 0 ? Math.Sign(x[j]) : -Math.Sign(pg[j]);
                        if (Math.Sign(v) != orthant)
                        {
                            v = 0;
                        }
                    }

                    xNew[j] = v;
                }

                fNew = function.Evaluate(xNew, gNew) + (hasL1 ? L1Norm(xNew, l1!) : 0);
                evaluations++;
                double decrease = 0;
                for (var j = 0; j < n; j++)
                {
                    decrease += pg[j] * (xNew[j] - x[j]);
                }

                if (!double.IsNaN(fNew) && fNew <= f + ArmijoC1 * decrease)
                {
                    accepted = true;
                    break;
                }

                step *= 0.5;
            }

            if (!accepted)
            {
                // No decrease possible along the direction at machine precision: we are at the optimum.
                converged = true;
                break;
            }

            iteration++;
            var sy = 0.0;
            var slot = head;
            for (var j = 0; j < n; j++)
            {
                var sj = xNew[j] - x[j];
                var yj = gNew[j] - g[j];
                s[slot][j] = sj;
                y[slot][j] = yj;
                sy += sj * yj;
            }

            if (sy > 1e-12 * Math.Sqrt(Dot(y[slot], y[slot]) * Dot(s[slot], s[slot])))
            {
                rho[slot] = 1.0 / sy;
                head = (head + 1) % m;
                count = Math.Min(count + 1, m);
            }

            xNew.CopyTo(x);
            (g, gNew) = (gNew, g);
            f = fNew;

            history[iteration % (ObjectiveWindow + 1)] = f;
            if (iteration >= ObjectiveWindow)
            {
                var old = history[(iteration - ObjectiveWindow) % (ObjectiveWindow + 1)];
                if ((old - f) / ObjectiveWindow <= settings.Tolerance * Math.Max(1.0, Math.Abs(f)))
                {
                    converged = true;
                    break;
                }
            }
        }

        return new OptimizationResult(f, iteration, converged, evaluations);
    }

    /// <summary>The OWL-QN pseudo-gradient of f + Σ c_j|x_j| (the minimum-norm subgradient).</summary>
    internal static void PseudoGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> g, ReadOnlySpan<double> l1, Span<double> pg)
    {
        for (var j = 0; j < x.Length; j++)
        {
            var c = l1[j];
            if (c == 0)
            {
                pg[j] = g[j];
            }
            else if (x[j] > 0)
            {
                pg[j] = g[j] + c;
            }
            else if (x[j] < 0)
            {
                pg[j] = g[j] - c;
            }
            else if (g[j] + c < 0)
            {
                pg[j] = g[j] + c;
            }
            else if (g[j] - c > 0)
            {
                pg[j] = g[j] - c;
            }
            else
            {
                pg[j] = 0;
            }
        }
    }

    private static double L1Norm(ReadOnlySpan<double> x, double[] l1)
    {
        double sum = 0;
        for (var j = 0; j < x.Length; j++)
        {
            sum += l1[j] * Math.Abs(x[j]);
        }

        return sum;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => TensorPrimitives.Dot(a, b);

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    private static double MaxAbs(ReadOnlySpan<double> v)
    {
        double max = 0;
        for (var j = 0; j < v.Length; j++)
        {
            max = Math.Max(max, Math.Abs(v[j]));
        }

        return max;
    }
}
