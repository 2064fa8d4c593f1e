using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Tests.Numerics;

public sealed class CholeskyTests
{
    [Fact]
    public void FactorAndSolve_SpdSystem_RecoversSolution()
    {
        double[] a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
        double[] x = [1, -2, 3];
        var b = new double[3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                b[i] += a[i * 3 + j] * x[j];
            }
        }

        Assert.True(Cholesky.TryFactor(a, 3));
        Assert.Equal(2, a[0], 12);
        Cholesky.Solve(a, 3, b);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(x[i], b[i], 9);
        }
    }

    [Fact]
    public void TryFactor_Indefinite_ReturnsFalse()
    {
        double[] a = [1, 2, 2, 1];
        Assert.False(Cholesky.TryFactor(a, 2));
    }
}
