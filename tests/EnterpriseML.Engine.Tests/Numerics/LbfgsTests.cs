using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Tests.Numerics;

public sealed class LbfgsTests
{
    private sealed class Quadratic(double[] diagonal, double[] center) : IDifferentiableFunction
    {
        public int Dimension => diagonal.Length;

        public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
        {
            double f = 0;
            for (var j = 0; j < x.Length; j++)
            {
                var r = x[j] - center[j];
                f += 0.5 * diagonal[j] * r * r;
                gradient[j] = diagonal[j] * r;
            }

            return f;
        }
    }

    private sealed class Rosenbrock : IDifferentiableFunction
    {
        public int Dimension => 2;

        public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
        {
            var a = 1 - x[0];
            var b = x[1] - x[0] * x[0];
            gradient[0] = -2 * a - 400 * x[0] * b;
            gradient[1] = 200 * b;
            return a * a + 100 * b * b;
        }
    }

    [Fact]
    public void Minimize_IllConditionedQuadratic_ReachesCenter()
    {
        var diagonal = new[] { 1.0, 10, 100, 1000, 0.1 };
        var center = new[] { 1.0, -2, 3, -4, 5 };
        var x = new double[5];
        var result = Lbfgs.Minimize(new Quadratic(diagonal, center), x, new LbfgsSettings(500, 1e-12, 10));
        Assert.True(result.Converged);
        for (var j = 0; j < 5; j++)
        {
            Assert.InRange(x[j], center[j] - 1e-4, center[j] + 1e-4);
        }
    }

    [Fact]
    public void Minimize_Rosenbrock_ReachesGlobalMinimum()
    {
        var x = new[] { -1.2, 1.0 };
        var result = Lbfgs.Minimize(new Rosenbrock(), x, new LbfgsSettings(1000, 1e-14, 5));
        Assert.InRange(x[0], 1 - 1e-3, 1 + 1e-3);
        Assert.InRange(x[1], 1 - 2e-3, 1 + 2e-3);
        Assert.True(result.Objective < 1e-6);
    }

    [Fact]
    public void Minimize_StrongL1_ProducesExactZerosAndSoftThreshold()
    {
        // min ½(x−c)² + λ|x| has the closed form sign(c)·max(|c| − λ, 0) per coordinate.
        var center = new[] { 3.0, -0.5, 0.2, -4.0, 1.0 };
        var l1 = new[] { 1.0, 1.0, 1.0, 1.0, 1.0 };
        var x = new double[5];
        Lbfgs.Minimize(new Quadratic([1, 1, 1, 1, 1], center), x, new LbfgsSettings(200, 1e-12, 10, l1));
        Assert.Equal(0.0, x[1]);
        Assert.Equal(0.0, x[2]);
        Assert.Equal(0.0, x[4]);
        Assert.InRange(x[0], 2 - 1e-6, 2 + 1e-6);
        Assert.InRange(x[3], -3 - 1e-6, -3 + 1e-6);
    }

    [Fact]
    public void Minimize_L1OnlyOnSomeCoordinates_LeavesOthersFree()
    {
        var center = new[] { 0.5, 0.5 };
        var x = new double[2];
        Lbfgs.Minimize(new Quadratic([1, 1], center), x, new LbfgsSettings(200, 1e-12, 10, [0.0, 1.0]));
        Assert.InRange(x[0], 0.5 - 1e-6, 0.5 + 1e-6);
        Assert.Equal(0.0, x[1]);
    }

    [Fact]
    public void PseudoGradient_AtZero_IsZeroInsideTheSubdifferential()
    {
        var pg = new double[4];
        Lbfgs.PseudoGradient([0, 0, 0, 1], [0.5, 2, -2, 0.5], [1, 1, 1, 1], pg);
        Assert.Equal([0, 1, -1, 1.5], pg);
    }

    [Fact]
    public void Minimize_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var x = new double[2];
        Assert.Throws<OperationCanceledException>(() => Lbfgs.Minimize(new Rosenbrock(), x, new LbfgsSettings(10, 1e-9, 5), cts.Token));
    }

    [Fact]
    public void Minimize_WrongStartLength_Throws()
    {
        var x = new double[3];
        Assert.Throws<ArgumentException>(() => Lbfgs.Minimize(new Rosenbrock(), x, new LbfgsSettings(10, 1e-9, 5)));
    }
}
