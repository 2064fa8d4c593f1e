using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class LinearObjectiveTests
{
    private static TrainingSet WithLabels(TrainingSet data, Func<int, float> label, TaskKind task, int classCount = 0)
    {
        var labels = new float[data.Labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = label(i);
        }

        var weights = new float[labels.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = 0.5f + (i % 3);
        }

        return new TrainingSet(data.Features, labels, task, classCount, weights);
    }

    
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Evaluate_Gradient_MatchesFiniteDifferences(int lossCode)
    {
        var loss = (LinearLoss)lossCode;
        var baseData = LinearTestData.SyntheticBinary(300, 4, 6, seed: 5);
        var heads = loss == LinearLoss.Softmax ? 3 : 1;
        var data = loss switch
        {
            LinearLoss.Softmax => WithLabels(baseData, i => i % 3, TaskKind.Multiclass, 3),
            LinearLoss.Logistic => WithLabels(baseData, i => baseData.Labels[i], TaskKind.Binary),
            _ => WithLabels(baseData, i => (i % 4) * 0.7f, TaskKind.Regression),
        };
        var d = data.Features.ColumnCount;
        var l2 = Enumerable.Range(0, d).Select(j => 0.3 + j * 0.1).ToArray();
        var objective = new LinearObjective(data.Features, data.Labels, data.Weights, loss, heads, l2, 1.4, 1);
        var random = new Random(3);
        var x = new double[objective.Dimension];
        for (var j = 0; j < x.Length; j++)
        {
            x[j] = (random.NextDouble() - 0.5) * 0.6;
        }

        var gradient = new double[x.Length];
        var f = objective.Evaluate(x, gradient);
        Assert.True(double.IsFinite(f));
        var scratch = new double[x.Length];
        for (var j = 0; j < x.Length; j++)
        {
            const double h = 1e-3;
            var saved = x[j];
            x[j] = saved + h;
            var up = objective.Evaluate(x, scratch);
            x[j] = saved - h;
            var down = objective.Evaluate(x, scratch);
            x[j] = saved;
            var numeric = (up - down) / (2 * h);
            Assert.InRange(gradient[j] - numeric, -2e-3 * Math.Max(1, Math.Abs(numeric)), 2e-3 * Math.Max(1, Math.Abs(numeric)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Evaluate_AnyThreadCount_BitIdentical(int heads)
    {
        var baseData = LinearTestData.SyntheticBinary(9000, 5, 40, seed: 9);
        var data = heads == 1 ? baseData : WithLabels(baseData, i => i % 3, TaskKind.Multiclass, 3);
        var loss = heads == 1 ? LinearLoss.Logistic : LinearLoss.Softmax;
        var d = data.Features.ColumnCount;
        var l2 = Enumerable.Repeat(1.0, d).ToArray();
        var x = Enumerable.Range(0, heads * (d + 1)).Select(j => Math.Sin(j)).ToArray();
        double[]? reference = null;
        double referenceLoss = 0;
        foreach (var threads in new[] { 1, 2, 4 })
        {
            var objective = new LinearObjective(data.Features, data.Labels, data.Weights, loss, heads, l2, 0, threads, parallelWorkThreshold: 0);
            var g = new double[objective.Dimension];
            var f = objective.Evaluate(x, g);
            if (reference is null)
            {
                reference = g;
                referenceLoss = f;
            }
            else
            {
                Assert.Equal(referenceLoss, f);
                Assert.Equal(reference, g);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Evaluate_VectorisedLoss_MatchesScalarReference(int lossCode)
    {
        var loss = (LinearLoss)lossCode;
        var baseData = LinearTestData.SyntheticBinary(5000, 3, 0, seed: 21);
        var data = loss == LinearLoss.Logistic
            ? WithLabels(baseData, i => baseData.Labels[i], TaskKind.Binary)
            : WithLabels(baseData, i => (i % 5) * 0.9f, TaskKind.Regression);
        var x = data.Features;
        double[] parameters = [0.8, -1.7, 2.5, 0.3];
        var objective = new LinearObjective(x, data.Labels, data.Weights, loss, 1, new double[3], 1.3, 2);
        var gradient = new double[4];
        var actual = objective.Evaluate(parameters, gradient);
        double expected = 0;
        for (var i = 0; i < x.RowCount; i++)
        {
            var z = parameters[3];
            for (var j = 0; j < 3; j++)
            {
                z += parameters[j] * x.Dense[j * x.RowCount + i];
            }

            double y = data.Labels[i];
            var rowLoss = loss switch
            {
                LinearLoss.Logistic => Math.Log(1 + Math.Exp(z)) - y * z,
                LinearLoss.Squared => 0.5 * (z - y) * (z - y),
                LinearLoss.Poisson => Math.Exp(z) - y * z,
                _ => -y * Math.Exp(-0.3 * z) / -0.3 + Math.Exp(0.7 * z) / 0.7,
            };
            expected += data.Weights![i] * rowLoss;
        }

        Assert.Equal(1.0, actual / expected, 5);
    }

    [Fact]
    public void TweedieLoss_PowerOneAndTwo_MatchPoissonAndGamma()
    {
        var (poisson, dp) = LinearObjective.TweedieLoss(0.3, 2, 1);
        Assert.Equal(Math.Exp(0.3) - 0.6, poisson, 12);
        Assert.Equal(Math.Exp(0.3) - 2, dp, 12);
        var (gamma, dg) = LinearObjective.TweedieLoss(0.3, 2, 2);
        Assert.Equal(2 * Math.Exp(-0.3) + 0.3, gamma, 12);
        Assert.Equal(1 - 2 * Math.Exp(-0.3), dg, 12);
    }
}
