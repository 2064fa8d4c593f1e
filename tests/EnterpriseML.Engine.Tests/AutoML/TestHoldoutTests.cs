using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class TestHoldoutTests
{
    [Fact]
    public void Split_Classification_StratifiedSeededAndDisjoint()
    {
        var data = TestData.CreditGerman;
        var (train, test) = TestHoldout.Split(data, ValidationPolicy.Auto, 0.25, seed: 3);
        Assert.Equal(250, test.Length);
        Assert.Equal(750, train.Length);
        Assert.Empty(train.Intersect(test));
        // German credit is 30 % 'bad': the held-out rows keep that share.
        Assert.Equal(75, test.Count(r => data.Labels[r] == 1));

        var (_, again) = TestHoldout.Split(data, ValidationPolicy.Auto, 0.25, seed: 3);
        var (_, other) = TestHoldout.Split(data, ValidationPolicy.Auto, 0.25, seed: 4);
        Assert.Equal(test, again);
        Assert.NotEqual(test, other);
    }

    [Fact]
    public void Split_TimeOrderedPolicy_HoldsOutTheLatestRows()
    {
        const int N = 200;
        var ticks = Enumerable.Range(0, N).Select(i => new DateTime(2021, 1, 1).AddDays((i * 37) % N).Ticks).ToArray();
        var labels = Enumerable.Range(0, N).Select(i => i % 4 == 0 ? 1f : 0f).ToArray();
        var data = new CandidateData(new DataTable([new DateTimeColumn("when", ticks), new NumericColumn("x", new float[N])]), labels, TaskKind.Binary, ["no", "yes"]);

        var (train, test) = TestHoldout.Split(data, ValidationPolicy.TimeOrderedOr("when"), 0.3, seed: 0);
        Assert.Equal(60, test.Length);
        Assert.True(train.Max(r => ticks[r]) < test.Min(r => ticks[r]));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.51)]
    [InlineData(double.NaN)]
    public void Split_FractionOutsideTheRange_Throws(double fraction)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TestHoldout.Split(TestData.CreditGerman, ValidationPolicy.Auto, fraction, 0));
        Assert.Equal("fraction", e.ParamName);
    }
}
