using System.Text.Json;
using EnterpriseML.Engine.AutoML;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class FitCpuTimeTests
{
    [Fact]
    public void ThreadClock_CountsWork_NotWaiting()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS());
        var start = CpuClock.ThreadSeconds();
        Assert.NotNull(start);
        Thread.Sleep(200);
        var slept = CpuClock.ThreadSeconds()!.Value - start.Value;
        Burn(0.1);
        var burnt = CpuClock.ThreadSeconds()!.Value - start.Value - slept;
        Assert.InRange(slept, 0, 0.05);
        Assert.InRange(burnt, 0.1, 10);
    }

    [Fact]
    public async Task Sweep_OneThreadPerTrial_ReportsFitCpuSeconds_BesideTheWallTime()
    {
        // Two trials at once, one thread each: each trial reads its own thread's clock. The sleeper waits 60 ms per
        // fold and uses almost no CPU; the burner uses at least 40 ms of CPU per fold.
        var sleeper = new CentroidCandidate("sleeper") { DuringFit = _ => Thread.Sleep(60) };
        var burner = new CentroidCandidate("burner", CandidateKind.Specialised) { DuringFit = _ => Burn(0.04) };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = null, MaximumTrials = 4, MaximumDegreeOfParallelism = 2, EnsembleSelection = false, SelectionReevaluation = false,
        });
        var request = TestData.Request(sleeper, burner);
        var result = await runner.RunAsync(request);

        var trials = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).ToArray();
        Assert.Contains(trials, t => t.Candidate == "sleeper");
        Assert.Contains(trials, t => t.Candidate == "burner");
        Assert.All(trials.Where(t => t.Candidate == "sleeper"), t =>
        {
            Assert.True(t.FitSeconds >= 5 * 0.06, $"wall {t.FitSeconds}");
            Assert.True(t.FitCpuSeconds < t.FitSeconds / 2, $"cpu {t.FitCpuSeconds}, wall {t.FitSeconds}");
        });
        Assert.All(trials.Where(t => t.Candidate == "burner"), t => Assert.True(t.FitCpuSeconds >= 5 * 0.04, $"cpu {t.FitCpuSeconds}"));

        // The report's fitSeconds is the CPU time (the "fit CPU-seconds"); fitWallSeconds the wall time.
        var json = JsonDocument.Parse(ReportJson.ToJson(SweepReport.Build(result, request.Plan))).RootElement;
        foreach (var row in json.GetProperty("leaderboard").EnumerateArray())
        {
            var (candidate, cpu, wall) = (row.GetProperty("candidate").GetString(), row.GetProperty("fitSeconds").GetDouble(), row.GetProperty("fitWallSeconds").GetDouble());
            Assert.True(cpu < wall || candidate == "burner", $"{candidate}: {cpu} CPU s, {wall} wall s");
            Assert.Contains(trials, t => t.Candidate == candidate && Math.Abs(t.FitCpuSeconds - cpu) < 1e-6 && Math.Abs(t.FitSeconds - wall) < 1e-6);
        }
    }

    [Theory]
    [InlineData(2, 1, true)] // one trial at a time on two threads: the process clock is the trial's
    [InlineData(4, 2, false)] // two trials of two threads each: their CPU time cannot be told apart
    public async Task Sweep_SeveralThreadsPerTrial_MeasuresOnlyWhenAlone(int threads, int parallel, bool measured)
    {
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = null, MaximumTrials = 2, MaximumDegreeOfParallelism = threads, ParallelTrials = parallel,
            EnsembleSelection = false, SelectionReevaluation = false,
        });
        var result = await runner.RunAsync(TestData.Request(new CentroidCandidate()));
        var trial = result.Trials.First(t => t.Status == TrialStatus.Succeeded);
        Assert.Equal(measured, double.IsFinite(trial.FitCpuSeconds));
        Assert.Equal(measured ? trial.FitCpuSeconds : trial.FitSeconds, trial.ReportedFitSeconds());
    }

    /// <summary>Keeps the calling thread busy until it has used <paramref name="seconds"/> of CPU.</summary>
    private static void Burn(double seconds)
    {
        var start = CpuClock.ThreadSeconds()!.Value;
        var x = 1.0;
        while (CpuClock.ThreadSeconds()!.Value - start < seconds)
        {
            for (var i = 0; i < 10_000; i++)
            {
                x = Math.Sqrt(x + i);
            }
        }

        GC.KeepAlive(x);
    }
}
