using EnterpriseML.Engine.Numerics;

namespace EnterpriseML.Engine.Tests.Numerics;

public sealed class HistogramsTests
{
    private static (byte[] Bins, float[] G, float[] H, int[] Rows) Sample(int n, int binCount, int seed)
    {
        var random = new Random(seed);
        var bins = new byte[n];
        var g = new float[n];
        var h = new float[n];
        for (var i = 0; i < n; i++)
        {
            bins[i] = (byte)random.Next(binCount);
            g[i] = (float)(random.NextDouble() - 0.5);
            h[i] = (float)random.NextDouble();
        }

        var rows = Enumerable.Range(0, n).Where(i => random.NextDouble() < 0.4).ToArray();
        return (bins, g, h, rows);
    }

    [Fact]
    public void BuildAll_RandomBins_MatchesScalarReference()
    {
        var (bins, g, h, _) = Sample(5000, 200, 1);
        var hist = new double[256 * Histograms.Stride];
        Histograms.BuildAll(bins, g, h, hist);
        var reference = new double[256 * Histograms.Stride];
        for (var i = 0; i < bins.Length; i++)
        {
            reference[bins[i] * 3] += g[i];
            reference[(bins[i] * 3) + 1] += h[i];
            reference[(bins[i] * 3) + 2] += 1;
        }

        Assert.Equal(reference, hist);
    }

    [Fact]
    public void BuildGathered_NodeRows_MatchesScalarReference()
    {
        var (bins, g, h, rows) = Sample(5000, 256, 2);
        var og = new float[rows.Length];
        var oh = new float[rows.Length];
        Histograms.Gather(g, rows, og);
        Histograms.Gather(h, rows, oh);
        var hist = new double[256 * Histograms.Stride];
        Histograms.BuildGathered(bins, rows, og, oh, hist);
        var reference = new double[256 * Histograms.Stride];
        foreach (var r in rows)
        {
            reference[bins[r] * 3] += g[r];
            reference[(bins[r] * 3) + 1] += h[r];
            reference[(bins[r] * 3) + 2] += 1;
        }

        Assert.Equal(reference, hist);
    }

    [Fact]
    public void SubtractInPlace_ParentMinusChild_MatchesScalarReference()
    {
        var random = new Random(3);
        var parent = Enumerable.Range(0, 1003).Select(_ => random.NextDouble()).ToArray();
        var child = Enumerable.Range(0, 1003).Select(_ => random.NextDouble()).ToArray();
        var expected = parent.Select((p, i) => p - child[i]).ToArray();
        Histograms.SubtractInPlace(parent, child);
        Assert.Equal(expected, parent);
    }

    [Fact]
    public void Gather_OutOfRangeRow_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Histograms.Gather(new float[3], new[] { 0, 3 }, new float[2]));
    }

    [Fact]
    public void Logistic_Margins_MatchScalarReference()
    {
        var random = new Random(4);
        var n = 777;
        var scores = Enumerable.Range(0, n).Select(_ => (random.NextDouble() - 0.5) * 20).ToArray();
        var labels = Enumerable.Range(0, n).Select(_ => (float)random.Next(2)).ToArray();
        var weights = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var g = new float[n];
        var h = new float[n];
        TreeGradients.Logistic(scores, labels, weights, new double[n], g, h);
        for (var i = 0; i < n; i++)
        {
            var p = 1 / (1 + Math.Exp(-scores[i]));
            Assert.Equal((float)((p - labels[i]) * weights[i]), g[i], 1e-6f);
            Assert.Equal((float)(Math.Max(p * (1 - p), 1e-16) * weights[i]), h[i], 1e-6f);
        }
    }

    [Fact]
    public void Softmax_Margins_MatchScalarReference()
    {
        var random = new Random(5);
        const int n = 50, k = 4;
        var scores = Enumerable.Range(0, n * k).Select(_ => (random.NextDouble() - 0.5) * 6).ToArray();
        var labels = Enumerable.Range(0, n).Select(_ => (float)random.Next(k)).ToArray();
        var g = new float[n * k];
        var h = new float[n * k];
        TreeGradients.Softmax(scores, labels, [], k, new double[k], g, h);
        for (var i = 0; i < n; i++)
        {
            var sum = 0.0;
            for (var c = 0; c < k; c++)
            {
                sum += Math.Exp(scores[(c * n) + i]);
            }

            for (var c = 0; c < k; c++)
            {
                var p = Math.Exp(scores[(c * n) + i]) / sum;
                Assert.Equal((float)(p - (labels[i] == c ? 1 : 0)), g[(c * n) + i], 1e-6f);
                Assert.Equal((float)(k / (k - 1.0) * p * (1 - p)), h[(c * n) + i], 1e-6f);
            }
        }
    }
}
