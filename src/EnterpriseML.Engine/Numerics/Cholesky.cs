namespace EnterpriseML.Engine.Numerics;

/// <summary>Cholesky factorisation and solve of a symmetric positive-definite system (row-major, in double).</summary>
internal static class Cholesky
{
    /// <summary>
    /// Factorises <paramref name="a"/> (n × n, row-major, lower triangle used) in place into L with A = L·Lᵀ.
    /// Returns false when A is not numerically positive definite.
    /// </summary>
    public static bool TryFactor(Span<double> a, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var diag = a[j * n + j];
            for (var k = 0; k < j; k++)
            {
                diag -= a[j * n + k] * a[j * n + k];
            }

            if (!(diag > 0))
            {
                return false;
            }

            var ljj = Math.Sqrt(diag);
            a[j * n + j] = ljj;
            for (var i = j + 1; i < n; i++)
            {
                var v = a[i * n + j];
                for (var k = 0; k < j; k++)
                {
                    v -= a[i * n + k] * a[j * n + k];
                }

                a[i * n + j] = v / ljj;
            }
        }

        return true;
    }

    /// <summary>Solves L·Lᵀ·x = b in place given the factor from <see cref="TryFactor"/>.</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        for (var i = 0; i < n; i++)
        {
            var v = b[i];
            for (var k = 0; k < i; k++)
            {
                v -= l[i * n + k] * b[k];
            }

            b[i] = v / l[i * n + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var v = b[i];
            for (var k = i + 1; k < n; k++)
            {
                v -= l[k * n + i] * b[k];
            }

            b[i] = v / l[i * n + i];
        }
    }
}
