using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>The best-general vs best-specialised bootstrap under the sweep's deadline.</summary>
public sealed class BootstrapDeadlineTests
{
    private const int Rows = 500;

    [Fact]
    public void Bootstrap_NoDeadline_DrawsAllPlannedResamplesDeterministically()
    {
        var (rows, general, specialised) = Scores();
        var first = Run(rows, general, specialised, new StepClock(), null);
        var second = Run(rows, general, specialised, new StepClock(), null);

        Assert.Equal(1000, first.Planned);
        Assert.Equal(first.Planned, first.Resamples);
        Assert.True(first.Lower < first.Upper, $"[{first.Lower}, {first.Upper}]");
        Assert.Equal(first, second);
    }

    [Fact]
    public void Bootstrap_DeadlineNotReached_SameIntervalAsWithoutDeadline()
    {
        var (rows, general, specialised) = Scores();
        var free = Run(rows, general, specialised, new StepClock(), null);
        // 1 ms per clock reading, one reading per resample: 1000 resamples end well before 10 s.
        var timed = Run(rows, general, specialised, new StepClock(), TimeSpan.FromSeconds(10));
        Assert.Equal(free, timed);
    }

    [Fact]
    public void Bootstrap_DeadlinePassesMidway_StopsAndRecordsTheResamplesDrawn()
    {
        var (rows, general, specialised) = Scores();
        var full = Run(rows, general, specialised, new StepClock(), null);
        // The start is reading 1 (1 ms); the check before resample k is reading k + 2, elapsed k + 1 ms: resample 299
        // finds 300 ms elapsed and stops.
        var cut = Run(rows, general, specialised, new StepClock(), TimeSpan.FromMilliseconds(300));

        Assert.Equal(299, cut.Resamples);
        Assert.Equal(full.Planned, cut.Planned);
        Assert.True(double.IsFinite(cut.Lower) && double.IsFinite(cut.Upper) && cut.Lower <= cut.Upper, $"[{cut.Lower}, {cut.Upper}]");
        Assert.NotEqual((full.Lower, full.Upper), (cut.Lower, cut.Upper));
    }

    [Fact]
    public void Bootstrap_DeadlineLeavesFewerThanMinimum_GivesNoInterval()
    {
        var (rows, general, specialised) = Scores();
        var cut = Run(rows, general, specialised, new StepClock(), TimeSpan.FromMilliseconds(51));

        Assert.Equal(50, cut.Resamples);
        Assert.True(cut.Resamples < SweepFinisher.MinimumBootstrapResamples);
        Assert.True(double.IsNaN(cut.Lower) && double.IsNaN(cut.Upper));
    }

    [Fact]
    public void Bootstrap_DeadlineAlreadyPassed_DrawsNothing()
    {
        var (rows, general, specialised) = Scores();
        var clock = new StepClock();
        var started = clock.GetTimestamp();
        clock.Advance(TimeSpan.FromMinutes(5));
        var late = SweepFinisher.Bootstrap(rows, general, specialised, ScenarioMetric.Auc, 2, 1000, 11, clock, started, TimeSpan.FromMinutes(1));

        Assert.Equal(0, late.Resamples);
        Assert.True(double.IsNaN(late.Lower));
    }

    [Fact]
    public void NoiseClause_SaysWhenTheDeadlineCutTheBootstrap()
    {
        Assert.Equal("within noise (95% CI [-0.01, +0.02])", SweepFinisher.NoiseClause(new BootstrapInterval(-0.01, 0.02, 1000, 1000), true));
        Assert.Equal("outside noise (95% CI [+0.01, +0.02], from 299 of 1000 bootstrap resamples before the sweep's deadline)",
            SweepFinisher.NoiseClause(new BootstrapInterval(0.01, 0.02, 299, 1000), false));
        Assert.Equal("no bootstrap interval (only 50 of 1000 bootstrap resamples before the sweep's deadline, fewer than 100)",
            SweepFinisher.NoiseClause(new BootstrapInterval(double.NaN, double.NaN, 50, 1000), false));
        Assert.Equal("no bootstrap interval (validation scores unavailable)", SweepFinisher.NoiseClause(new BootstrapInterval(double.NaN, double.NaN, 0, 0), false));
    }

    private static BootstrapInterval Run(BootstrapRows rows, float[] general, float[] specialised, StepClock clock, TimeSpan? deadline) =>
        SweepFinisher.Bootstrap(rows, general, specialised, ScenarioMetric.Auc, 2, 1000, 11, clock, clock.GetTimestamp(), deadline);

    /// <summary>Binary labels and two noisy scorers of them, the specialised one slightly sharper.</summary>
    private static (BootstrapRows Rows, float[] General, float[] Specialised) Scores()
    {
        var random = new Random(5);
        var labels = new float[Rows];
        var general = new float[Rows];
        var specialised = new float[Rows];
        for (var i = 0; i < Rows; i++)
        {
            labels[i] = random.Next(2);
            general[i] = (float)((labels[i] * 0.6) + random.NextDouble());
            specialised[i] = (float)((labels[i] * 0.8) + random.NextDouble());
        }

        return (new BootstrapRows(labels, 1, [Rows], true), general, specialised);
    }

    /// <summary>A clock that moves 1 ms forward at every reading.</summary>
    private sealed class StepClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks += TimeSpan.TicksPerMillisecond;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
