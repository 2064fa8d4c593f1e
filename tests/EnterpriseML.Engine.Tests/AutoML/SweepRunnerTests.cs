using System.Diagnostics;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;
using static EnterpriseML.Engine.Tests.AutoML.TestData;

namespace EnterpriseML.Engine.Tests.AutoML;

[Collection(TimingCollection.Name)]
public sealed class SweepRunnerTests
{
    [Fact]
    public async Task RunAsync_FailingCandidate_IsRecordedAndSweepGoesOn()
    {
        var good = new CentroidCandidate();
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 10, Seed = 1 });
        var result = await runner.RunAsync(Request(new FailingCandidate(), good));

        Assert.Equal("centroid", result.Winner.Candidate);
        var failed = result.Trials.Where(t => t.Candidate == "failing").ToArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, t => Assert.Equal(TrialStatus.Failed, t.Status));
        Assert.All(failed, t => Assert.Contains("always fails", t.Error));
        Assert.InRange(result.Winner.ValidationScore, 0.6, 0.9);
        Assert.True(result.RefittedOnAllData);
    }

    [Fact]
    public async Task RunAsync_TrialOutOfMemory_IsAFailedTrialAndSweepGoesOn()
    {
        var hungry = new CentroidCandidate("hungry", CandidateKind.Specialised) { DuringFit = OutOfMemoryAfter(0) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 10, Seed = 1 });
        var result = await runner.RunAsync(Request(hungry, new CentroidCandidate()));

        Assert.Equal("centroid", result.Winner.Candidate);
        var failed = result.Trials.Where(t => t.Candidate == "hungry").ToArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, t => Assert.Equal(TrialStatus.Failed, t.Status));
        Assert.All(failed, t => Assert.StartsWith("OutOfMemoryException: the trial needed more memory", t.Error));
    }

    [Fact]
    public async Task RunAsync_FinalistOutOfMemoryInReevaluation_DropsOutAndTheSweepFinishes()
    {
        // Five trials × 5 folds succeed; from then on (the selection re-evaluation) this candidate runs out of memory.
        var late = new CentroidCandidate("late", CandidateKind.Specialised) { DuringFit = OutOfMemoryAfter(25) };
        var options = new SweepOptions { BudgetSeconds = null, MaximumTrials = 10, Seed = 1, EnsembleSelection = false, EarlyStopping = false };
        var result = await new SweepRunner(options).RunAsync(Request(late, new CentroidCandidate()));

        Assert.Equal(5, result.Trials.Count(t => t.Candidate == "late" && t.Status == TrialStatus.Succeeded));
        Assert.True(late.Fits > 25, "the re-evaluation fitted the finalist again");
        Assert.Equal("centroid", result.Winner.Candidate);
        Assert.True(result.RefittedOnAllData);
    }

    [Fact]
    public async Task RunAsync_RefitOutOfMemory_KeepsTheFoldModel()
    {
        // Five trials × 5 folds, then the refit on all rows runs out of memory.
        var candidate = new CentroidCandidate { DuringFit = OutOfMemoryAfter(25) };
        var options = new SweepOptions { BudgetSeconds = 30, MaximumTrials = 5, Seed = 1, EnsembleSelection = false, EarlyStopping = false, SelectionReevaluation = false };
        var result = await new SweepRunner(options).RunAsync(Request(candidate));

        Assert.Equal(26, candidate.Fits);
        Assert.False(result.RefittedOnAllData);
        Assert.Equal(result.Winner.ValidationScore, result.Trials.Max(t => t.ValidationScore));
        Assert.Equal(TestData.CreditGerman.RowCount, result.Model.Score(TestData.CreditGerman.Features).Length);
    }

    [Fact]
    public async Task RunAsync_EveryTrialFails_ThrowsWithTheErrors()
    {
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4 });
        var e = await Assert.ThrowsAsync<SweepFailedException>(() => runner.RunAsync(Request(new FailingCandidate())));
        Assert.Contains("always fails", e.Message);
        Assert.NotEmpty(e.Trials);
    }

    [Fact]
    public async Task RunAsync_TimeBudget_FinishesWithinFivePercent()
    {
        // Each fit takes ~40 ms and checks its token per "iteration" (10 ms).
        var slow = new CentroidCandidate { DuringFit = t => TestWork.Spin(40, t) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = 2, Seed = 3, EnsembleSelection = false });
        SettleHost();
        var watch = Stopwatch.StartNew();
        var result = await runner.RunAsync(Request(slow));
        Assert.InRange(result.Elapsed.TotalSeconds, 1.0, 2.1);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.0, 2.4);
        Assert.True(result.Trials.Count >= 3);
    }

    [Fact]
    public async Task RunAsync_ReportRows_LeavesTimeToScoreThemWithinTheBudget()
    {
        // The caller will score 10 million test rows at ≥ 20 µs/row with the leaderboard: far more than the budget,
        // so the reserve is capped at a tenth of it (0.4 s). Without the reserve the sweep ran to 3.9 s.
        var slowPredict = new CentroidCandidate { DuringFit = t => TestWork.Spin(40, t), PredictDelayMicroseconds = 20 };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = 4, Seed = 3, EnsembleSelection = false, SelectionReevaluation = false, ReportRows = 10_000_000,
        });
        SettleHost();
        var result = await runner.RunAsync(Request(slowPredict));
        Assert.InRange(result.Elapsed.TotalSeconds, 2.5, 3.65);
        Assert.True(result.Trials.Count >= 3);
    }

    [Fact]
    public async Task RunAsync_SavesModel_LeavesTimeToWriteTheWinnerWithinTheBudget()
    {
        // The caller will save a 100 MB model: 2.5 s at the assumed write rate, more than the budget allows, so the
        // reserve is capped at a tenth of it (0.4 s). Without the reserve the sweep ran to 3.9 s.
        var large = new CentroidCandidate { DuringFit = t => TestWork.Spin(40, t), PaddingBytes = 100_000_000 };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = 4, Seed = 3, EnsembleSelection = false, SelectionReevaluation = false, SavesModel = true,
        });
        SettleHost();
        var result = await runner.RunAsync(Request(large));
        Assert.InRange(result.Elapsed.TotalSeconds, 2.5, 3.65);
        Assert.True(result.Trials.Count >= 3);
        Assert.True(result.Winner.ModelBytes > 100_000_000);
    }

    [Fact]
    public async Task RunAsync_RunawayTrial_IsAbandonedAtTheDeadline()
    {
        // The second candidate ignores cancellation for 20 s: the sweep must not wait for it.
        var runaway = new CentroidCandidate("runaway", CandidateKind.Specialised) { DuringFit = _ => Thread.Sleep(20_000) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = 3, Seed = 3, EnsembleSelection = false });
        SettleHost();
        var watch = Stopwatch.StartNew();
        var result = await runner.RunAsync(Request(new CentroidCandidate(), runaway));

        // 5 % of the budget; the sweep's own clock, since the test host itself can be starved on a shared machine.
        Assert.InRange(result.Elapsed.TotalSeconds, 1.5, 3.15);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.5, 3.5);
        Assert.Contains(result.Trials, t => t.Candidate == "runaway" && t.Status == TrialStatus.TimedOut);
        Assert.Equal("centroid", result.Winner.Candidate);

        // The first runaway trial starts at about 0.05 s and is abandoned at its 1 s cap plus the grace period, not
        // whenever a starved thread pool gets round to the watchdog (that was 1.5–1.8 s).
        var first = result.Trials.Where(t => t.Candidate == "runaway").MinBy(t => t.Index)!;
        Assert.InRange(first.FinishedAtSeconds, 1.0, 1.45);
    }

    [Fact]
    public async Task RunAsync_AbandonedTrial_KeepsItsSlotUntilItsThreadStops()
    {
        // The runaway ignores its token for 2.5 s; it is abandoned at its 0.3 s cap plus the grace period, and its
        // thread sleeps on. Two slots: while it runs, one other fit at a time, never two beside it.
        var fitting = 0;
        var most = 0;
        void Enter()
        {
            var now = Interlocked.Increment(ref fitting);
            int seen;
            while (now > (seen = Volatile.Read(ref most)) && Interlocked.CompareExchange(ref most, now, seen) != seen)
            {
            }
        }

        var runaway = new CentroidCandidate("runaway", CandidateKind.Specialised)
        {
            DuringFit = _ =>
            {
                Enter();
                Thread.Sleep(2_500);
                Interlocked.Decrement(ref fitting);
            },
        };
        var quick = new CentroidCandidate
        {
            DuringFit = t =>
            {
                Enter();
                try
                {
                    TestWork.Spin(40, t);
                }
                finally
                {
                    Interlocked.Decrement(ref fitting);
                }
            },
        };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = null, MaximumTrials = 40, MaximumTrialSeconds = 0.3, MaximumDegreeOfParallelism = 2, EnsembleSelection = false,
            SelectionReevaluation = false,
        });

        var result = await runner.RunAsync(Request(quick, runaway));

        Assert.Contains(result.Trials, t => t.Candidate == "runaway" && t.Status == TrialStatus.TimedOut && t.Error!.StartsWith("Abandoned", StringComparison.Ordinal));
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task RunAsync_PerTrialCap_StopsALongTrial()
    {
        var slow = new CentroidCandidate("slow", CandidateKind.Specialised) { DuringFit = t => TestWork.Spin(5_000, t) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4, MaximumTrialSeconds = 0.3, EnsembleSelection = false });
        var watch = Stopwatch.StartNew();
        var result = await runner.RunAsync(Request(new CentroidCandidate(), slow));
        Assert.True(watch.Elapsed.TotalSeconds < 3, $"{watch.Elapsed.TotalSeconds} s");
        Assert.Contains(result.Trials, t => t.Candidate == "slow" && t.Status == TrialStatus.TimedOut);
    }

    [Fact]
    public async Task RunAsync_FinalistIgnoresItsTokenInTheReevaluation_SweepEndsWithinTheBudget()
    {
        // The search's 4 trials are quick; once they have finished, every fit of "runaway" (the selection
        // re-evaluation's and the refit's) holds its thread without looking at its token until the test ends. Its
        // finalist holds a slot in each repeat, so the re-evaluation waits for a slot until its deadline; it then
        // waited as long again for the finalists (a 6 s sweep ended after 9–11 s).
        using var release = new ManualResetEventSlim();
        var finished = 0;
        var runaway = new CentroidCandidate("runaway", CandidateKind.Specialised)
        {
            DuringFit = _ =>
            {
                if (Volatile.Read(ref finished) >= 4)
                {
                    release.Wait(TimeSpan.FromSeconds(60), CancellationToken.None);
                }
            },
        };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = 6, MaximumTrials = 4, MaximumDegreeOfParallelism = 2, Seed = 4, EnsembleSelection = false,
        });
        var progress = new SynchronousProgress(e =>
        {
            if (e.Kind == SweepEventKind.TrialFinished)
            {
                Interlocked.Increment(ref finished);
            }
        });

        var watch = Stopwatch.StartNew();
        try
        {
            var result = await runner.RunAsync(Request(new CentroidCandidate(), runaway), progress: progress);
            var took = watch.Elapsed.TotalSeconds;

            // Budget × 1.05 plus a loaded machine's margin; the bug took half as long again or more.
            Assert.True(took < 7.5, $"{took:0.00} s for a 6 s budget");
            Assert.Equal(4, result.SearchTrialCount);
            Assert.Contains(result.Trials, t => t.Candidate == "runaway" && t.Status == TrialStatus.Succeeded);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task RunAsync_MemoryCap_StopsATrialThatHoldsTooMuch()
    {
        // The hog holds 256 MB while it fits (checking its token), four times the 64 MB cap.
        var hog = new CentroidCandidate("hog", CandidateKind.Specialised)
        {
            DuringFit = t =>
            {
                var held = new byte[256 << 20];
                Array.Fill(held, (byte)1);
                TestWork.Spin(3_000, t);
                GC.KeepAlive(held);
            },
        };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = null, MaximumTrials = 6, MaximumTrialMemoryBytes = 64 << 20, EnsembleSelection = false, SelectionReevaluation = false,
        });

        var result = await runner.RunAsync(Request(new CentroidCandidate(), hog));

        var stopped = result.Trials.Where(t => t.Candidate == "hog").ToArray();
        Assert.NotEmpty(stopped);
        Assert.All(stopped, t => Assert.Equal(TrialStatus.Pruned, t.Status));
        Assert.All(stopped, t => Assert.StartsWith("Stopped: managed memory grew past the per-trial cap", t.Error, StringComparison.Ordinal));
        // The reason is in the cap's own unit and says what was measured: it had read "the per-trial cap of 67108864
        // bytes." and nothing of how far past it the trial had gone.
        Assert.All(stopped, t =>
        {
            var reason = System.Text.RegularExpressions.Regex.Match(t.Error!, @"^Stopped: managed memory grew past the per-trial cap of 64\.0 MB: the live heap had grown by ([0-9,]+\.[0-9]) MB, ([0-9]+\.[0-9]{2}) s into the trial\.$");
            Assert.True(reason.Success, t.Error);
            Assert.InRange(double.Parse(reason.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 64, 100_000);
        });
        // A stopped trial is charged the wall time it ran, as a timed-out one is (it had been charged 0 s, a free
        // candidate to the scheduler's cost estimate).
        Assert.All(stopped, t => Assert.True(t.FitSeconds > 0, $"#{t.Index}: {t.FitSeconds} s"));
        Assert.Equal("centroid", result.Winner.Candidate);
    }

    [Fact]
    public async Task RunAsync_MemoryCap_DoesNotCountTheModelsTheSweepKeeps()
    {
        // Each fitted model holds 16 MB; a trial holds up to three at a time (its first fold's, the last one and the one
        // being fitted), under the 64 MB cap. The sweep keeps the three best trials' first-fold models (48 MB): they
        // are not the running trial's, nor is the garbage of earlier trials' other folds.
        var candidate = new HoldingCandidate(new CentroidCandidate { DuringFit = t => TestWork.Spin(60, t) }, 16 << 20);
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = null, MaximumTrials = 8, MaximumTrialMemoryBytes = 64 << 20, EnsembleSelection = false, SelectionReevaluation = false,
            EarlyStopping = false,
        });

        var result = await runner.RunAsync(Request(candidate));

        Assert.All(result.Trials, t => Assert.True(t.Status == TrialStatus.Succeeded, $"#{t.Index}: {t.Status} {t.Error}"));
        Assert.Equal(8, result.SearchTrialCount);
    }

    [Fact]
    public async Task RunAsync_TrialFinishedPastItsCapBeforeTheTimerFired_IsTimedOutNotCounted()
    {
        // The clock jumps a minute while the late candidate fits: by the sweep's clock its trial ran far past the 30 s
        // cap, though the cap's timer (real time) never fired. The cap is judged by the clock, as on a loaded machine
        // whose timer callbacks run late: the trial does not count.
        var clock = new JumpClock();
        var late = new CentroidCandidate("late", CandidateKind.Specialised) { DuringFit = _ => clock.JumpOnce(TimeSpan.FromMinutes(1)) };
        var runner = new SweepRunner(
            new SweepOptions
            {
                BudgetSeconds = null, MaximumTrials = 4, MaximumTrialSeconds = 30, MaximumDegreeOfParallelism = 1, EnsembleSelection = false,
                SelectionReevaluation = false,
            },
            clock);

        var result = await runner.RunAsync(Request(new CentroidCandidate(), late));

        var stopped = Assert.Single(result.Trials, t => t.Candidate == "late" && t.Status != TrialStatus.Succeeded);
        Assert.Equal(TrialStatus.TimedOut, stopped.Status);
        Assert.Matches(@"^Finished after 6\d\.\d{3} s, past the per-trial cap of 30\.0 s: not counted\.$", stopped.Error);
        Assert.Equal("centroid", result.Winner.Candidate);
    }

    /// <summary>A clock that jumps ahead once, when asked.</summary>
    private sealed class JumpClock : TimeProvider
    {
        private long _offset;
        private int _jumped;

        public override long GetTimestamp() => base.GetTimestamp() + Interlocked.Read(ref _offset);

        public void JumpOnce(TimeSpan by)
        {
            if (Interlocked.Exchange(ref _jumped, 1) == 0)
            {
                Interlocked.Add(ref _offset, (long)(by.TotalSeconds * TimestampFrequency));
            }
        }
    }

    [Fact]
    public async Task RunAsync_TimedOutTrial_CostsTheTimeItRan()
    {
        // The slow candidate never finishes its first fold within the 0.3 s cap: its trials cost the sweep 0.3 s or
        // more each, which the scheduler must see (they were recorded as costing nothing, the folds they completed).
        var slow = new CentroidCandidate("slow", CandidateKind.Specialised) { DuringFit = t => TestWork.Spin(5_000, t) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4, MaximumTrialSeconds = 0.3, EnsembleSelection = false });

        var result = await runner.RunAsync(Request(new CentroidCandidate(), slow));

        var timedOut = result.Trials.Where(t => t.Status == TrialStatus.TimedOut).ToArray();
        Assert.NotEmpty(timedOut);
        // At least the cap, less the cap timer's millisecond granularity.
        Assert.All(timedOut, t => Assert.True(t.FitSeconds >= 0.29, $"#{t.Index} recorded {t.FitSeconds} s"));
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsPromptly()
    {
        var slow = new CentroidCandidate { DuringFit = t => TestWork.Spin(100, t) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = 30 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(Request(slow), cancellationToken: cancel.Token));
        Assert.True(watch.Elapsed.TotalSeconds < 2, $"{watch.Elapsed.TotalSeconds} s");
    }

    [Fact]
    public async Task RunAsync_Resumed_SkipsRecordedTrials()
    {
        var store = new InMemoryTrialStore();
        var first = new CentroidCandidate();
        var options = new SweepOptions { BudgetSeconds = null, MaximumTrials = 6, Seed = 9, EnsembleSelection = false, EarlyStopping = false };
        var before = await new SweepRunner(options).RunAsync(Request(first), store);
        Assert.Equal(6, store.Trials.Count);

        var second = new CentroidCandidate();
        options.MaximumTrials = 10;
        var after = await new SweepRunner(options).RunAsync(Request(second), store);

        // Four new trials × 5 folds + the refit; the six recorded ones are replayed, not refitted.
        Assert.Equal((4 * 5) + 1, second.Fits);
        Assert.Equal(10, store.Trials.Count);
        Assert.Equal(10, after.Trials.Count);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(before.Trials[i].ValidationScore, after.Trials[i].ValidationScore);
        }

        // The continued sweep is the one an uninterrupted 10-trial sweep would have run.
        var straight = await new SweepRunner(options).RunAsync(Request(new CentroidCandidate()));
        Assert.Equal(Describe(straight), Describe(after));
    }

    [Fact]
    public async Task RunAsync_ResumedTrialAtAnotherPoint_WinnerIsRefittedWithTheRecordedParameters()
    {
        // The store holds trial 0 of centroid at another point than the low-cost default proposed now at index 0 (a
        // sweep with measured costs feeds recorded trials back in another order than they finished, so its proposals
        // on resumption can differ). It scored best, so it wins: the refit must fit what it ran.
        var candidate = new CentroidCandidate();
        var recordedPoint = new[] { 0.9, 0.8 };
        var recorded = candidate.SearchSpace.ToParameters(recordedPoint);
        Assert.NotEqual(candidate.SearchSpace.DefaultPoint(), recordedPoint);
        var store = new InMemoryTrialStore();
        await store.RecordAsync(new TrialRecord
        {
            Index = 0, Candidate = "centroid", Kind = CandidateKind.General, Trainer = "centroid", Point = recordedPoint,
            Parameters = [.. recorded.AsStrings()], Status = TrialStatus.Succeeded, ValidationScore = 0.99, ModelBytes = 100,
        });
        var options = new SweepOptions { BudgetSeconds = null, MaximumTrials = 3, EnsembleSelection = false, SelectionReevaluation = false };

        var result = await new SweepRunner(options).RunAsync(Request(candidate), store);

        Assert.Equal(0, result.Winner.Index);
        Assert.Equal(recorded.GetInt("Features"), result.WinnerParameters.GetInt("Features"));
        Assert.Equal(recorded.GetDouble("Slope"), result.WinnerParameters.GetDouble("Slope"));
    }

    [Fact]
    public async Task RunAsync_ParallelTrialsFixedCount_IsDeterministic()
    {
        var options = new SweepOptions
        {
            BudgetSeconds = null,
            MaximumTrials = 14,
            Seed = 5,
            MaximumDegreeOfParallelism = 2,
            ParallelTrials = 2,
        };
        var a = await new SweepRunner(options).RunAsync(Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised) { DuringFit = t => TestWork.Spin(3, t) }));
        var b = await new SweepRunner(options).RunAsync(Request(new CentroidCandidate() { DuringFit = t => TestWork.Spin(4, t) }, new CentroidCandidate("other", CandidateKind.Specialised)));
        Assert.Equal(Describe(a), Describe(b));
        Assert.Equal(a.ValidationHash, b.ValidationHash);
        Assert.NotNull(a.Comparison);
        Assert.Equal(a.Comparison!.Difference, b.Comparison!.Difference);
        Assert.Equal(a.Comparison.Lower, b.Comparison.Lower);
        Assert.Equal(a.Comparison.Upper, b.Comparison.Upper);
    }

    [Fact]
    public async Task RunAsync_FixedProposalLag_SameTrialsOnOneAndTwoParallelTrials()
    {
        // With the default lag (the parallel trials) one slot proposes each trial after its predecessor's result, two
        // slots one result earlier, so the tuners' trials differ; a fixed lag makes the thread count irrelevant.
        static SweepOptions Options(int threads) => new()
        {
            BudgetSeconds = null, MaximumTrials = 14, Seed = 5, MaximumDegreeOfParallelism = threads, ProposalLag = 2,
        };
        static SweepRequest Sweep() => Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised, defaultFeatures: 3));

        var one = await new SweepRunner(Options(1)).RunAsync(Sweep());
        var two = await new SweepRunner(Options(2)).RunAsync(Sweep());

        Assert.Equal(14, one.SearchTrialCount);
        Assert.Equal(Describe(one), Describe(two));
    }

    [Fact]
    public async Task RunAsync_LatencyCap_PrunesSlowPredictors()
    {
        var slow = new CentroidCandidate("slow-predict", CandidateKind.Specialised) { PredictDelayMicroseconds = 300 };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 8, MaximumPredictMicrosecondsPerRow = 100, EnsembleSelection = false });
        var result = await runner.RunAsync(Request(new CentroidCandidate(), slow));
        var pruned = result.Trials.Where(t => t.Candidate == "slow-predict").ToArray();
        Assert.NotEmpty(pruned);
        Assert.All(pruned, t => Assert.Equal(TrialStatus.Pruned, t.Status));
        Assert.All(pruned, t => Assert.EndsWith(" µs/row, over the 100.0 µs/row cap.", t.Error, StringComparison.Ordinal));
        Assert.Equal("centroid", result.Winner.Candidate);
    }

    [Fact]
    public async Task RunAsync_LatencyCap_NoEnsembleWhoseMembersTogetherBreakIt()
    {
        // Each candidate sleeps 30 µs a row when it predicts (measured at 28–30), under the 45 µs/row cap; a blend of
        // the two costs their sum.
        static SweepRequest Sweep() => Request(
            new CentroidCandidate { PredictDelayMicroseconds = 30 },
            new CentroidCandidate("other", CandidateKind.Specialised, defaultFeatures: 3) { PredictDelayMicroseconds = 30 });
        static SweepOptions Options(double? cap) => new()
        {
            BudgetSeconds = null, MaximumTrials = 12, Seed = 2, SelectionReevaluation = false, MaximumPredictMicrosecondsPerRow = cap,
        };

        var free = await new SweepRunner(Options(null)).RunAsync(Sweep());
        var capped = await new SweepRunner(Options(45)).RunAsync(Sweep());

        Assert.Contains(free.Trials, t => EnsembleCandidate.IsEnsemble(t) && t.PredictMicrosecondsPerRow > 45);
        Assert.Contains(capped.Trials, t => t.Status == TrialStatus.Succeeded);
        Assert.DoesNotContain(capped.Trials, EnsembleCandidate.IsEnsemble);
        Assert.False(EnsembleCandidate.IsEnsemble(capped.Winner));
    }

    [Fact]
    public async Task RunAsync_LatencyCapPrunesEveryTrialThatPredicts_OthersTimedOut_SaysItIsTheCap()
    {
        // What a tiny --max-predict-us gives on real data: the quick candidates are pruned for the cap, the slow one
        // runs into the per-trial cap before its predict cost is measured. It had read "All N trials failed: ..., and
        // #1 stuck: Stopped at the per-trial cap of 0.3 s, after 0.300 s.; ...", with no word on raising the cap.
        var slow = new CentroidCandidate("slow-predict") { PredictDelayMicroseconds = 50 };
        var stuck = new CentroidCandidate("stuck", CandidateKind.Specialised) { DuringFit = t => TestWork.Spin(30_000, t) };
        var runner = new SweepRunner(new SweepOptions
        {
            BudgetSeconds = null, MaximumTrials = 6, MaximumTrialSeconds = 0.3, MaximumPredictMicrosecondsPerRow = 10, EnsembleSelection = false,
        });

        var error = await Assert.ThrowsAsync<SweepFailedException>(() => runner.RunAsync(Request(slow, stuck)));

        Assert.Matches(@"^No candidate predicts within the latency cap: [0-9]+ of [0-9]+ trials were pruned for it; the fastest, slow-predict \(trial #[0-9]+\), predicted at [0-9.]+ µs/row, over the 10\.0 µs/row cap\. The other [0-9]+ ran out of time before their predict cost was measured \(#[0-9]+ stuck: Stopped at the per-trial cap of 0\.3 s, after [0-9.]+ s[;)]", error.Message);
        Assert.EndsWith("Raise the cap (--max-predict-us) or leave it out.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LatencyCapNoCandidateMeets_SaysSoWithTheFastest()
    {
        var slow = new CentroidCandidate("slow-predict") { PredictDelayMicroseconds = 50 };
        var slower = new CentroidCandidate("slower-predict", CandidateKind.Specialised) { PredictDelayMicroseconds = 400 };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 6, MaximumPredictMicrosecondsPerRow = 10, EnsembleSelection = false });

        var error = await Assert.ThrowsAsync<SweepFailedException>(() => runner.RunAsync(Request(slow, slower)));

        Assert.StartsWith("No candidate predicts within the latency cap: all 6 trials were pruned for it; the fastest, slow-predict (trial #", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(" µs/row, over the 10.0 µs/row cap. Raise the cap (--max-predict-us) or leave it out.", error.Message, StringComparison.Ordinal);
        Assert.All(error.Trials, t => Assert.Equal(TrialStatus.Pruned, t.Status));
    }

    [Fact]
    public async Task RunAsync_EveryTrialTimesOut_SaysTheTimeWasTooShort()
    {
        // Every fit needs 5 s and the cap is 0.2 s: the candidates did not fail, the time given was too short.
        var slow = new CentroidCandidate("slow") { DuringFit = t => TestWork.Spin(5_000, t) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 3, MaximumTrialSeconds = 0.2, EnsembleSelection = false });

        var error = await Assert.ThrowsAsync<SweepFailedException>(() => runner.RunAsync(Request(slow)));

        Assert.StartsWith("No trial finished in time: all 3 ran into the per-trial cap of 0.2 s; the longest ran ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(" s. A larger budget or per-trial cap gives them the time (eml automl --budget, --max-trial-seconds; in the service, budgetSeconds and Jobs:MaxTrialSeconds).", error.Message, StringComparison.Ordinal);
        Assert.All(error.Trials, t => Assert.Equal(TrialStatus.TimedOut, t.Status));
    }

    [Fact]
    public async Task RunAsync_SubMicrosecondLatencyCap_IsShownAsGiven()
    {
        var slow = new CentroidCandidate("slow-predict") { PredictDelayMicroseconds = 50 };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, MaximumPredictMicrosecondsPerRow = 0.004, EnsembleSelection = false });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => runner.RunAsync(Request(slow)));

        Assert.Contains("over the 0.004 µs/row cap.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Progress_ReportsStartFinishBestAndCompletion()
    {
        var events = new List<SweepEvent>();
        var progress = new SynchronousProgress(events.Add);
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 5 });
        await runner.RunAsync(Request(new CentroidCandidate()), progress: progress);
        Assert.Equal(5, events.Count(e => e.Kind == SweepEventKind.TrialStarted));
        Assert.Equal(5, events.Count(e => e.Kind == SweepEventKind.TrialFinished));
        Assert.Contains(events, e => e.Kind == SweepEventKind.NewBest);
        Assert.Equal(SweepEventKind.Completed, events[^1].Kind);
    }

    [Fact]
    public void SweepOptions_OutOfRange_ThrowsNamingTheOption()
    {
        Assert.Throws<ArgumentOutOfRangeException>("BudgetSeconds", () => new SweepRunner(new SweepOptions { BudgetSeconds = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaximumTrials", () => new SweepRunner(new SweepOptions { MaximumTrials = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaximumTrials", () => new SweepRunner(new SweepOptions { BudgetSeconds = null }));
        Assert.Throws<ArgumentOutOfRangeException>("MaximumTrialSeconds", () => new SweepRunner(new SweepOptions { MaximumTrialSeconds = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaximumTrialMemoryBytes", () => new SweepRunner(new SweepOptions { MaximumTrialMemoryBytes = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaximumPredictMicrosecondsPerRow", () => new SweepRunner(new SweepOptions { MaximumPredictMicrosecondsPerRow = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("MaximumDegreeOfParallelism", () => new SweepRunner(new SweepOptions { MaximumDegreeOfParallelism = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("ParallelTrials", () => new SweepRunner(new SweepOptions { ParallelTrials = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>("SubsampleThresholdRows", () => new SweepRunner(new SweepOptions { SubsampleThresholdRows = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>("SubsampleRows", () => new SweepRunner(new SweepOptions { SubsampleRows = 30_000 }));
        Assert.Throws<ArgumentOutOfRangeException>("BootstrapResamples", () => new SweepRunner(new SweepOptions { BootstrapResamples = 5 }));
        Assert.Throws<ArgumentOutOfRangeException>("Tuner", () => new SweepRunner(new SweepOptions { Tuner = (TunerKind)99 }));
        Assert.Throws<ArgumentOutOfRangeException>("ReportRows", () => new SweepRunner(new SweepOptions { ReportRows = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>("ProposalLag", () => new SweepRunner(new SweepOptions { ProposalLag = 0 }));
    }

    private static string Describe(SweepResult result) => string.Join("\n", result.Trials.Select(t =>
        $"{t.Index} {t.Candidate} {string.Join(",", t.Parameters.Select(p => p.Key + "=" + p.Value))} {t.Status} {t.ValidationScore:R}"))
        + $"\nwinner {result.Winner.Index}";

    /// <summary>A fit hook that lets the first <paramref name="fits"/> fits through, then runs out of memory.</summary>
    private static Action<CancellationToken> OutOfMemoryAfter(int fits)
    {
        var seen = 0;
        return _ =>
        {
            if (Interlocked.Increment(ref seen) > fits)
            {
#pragma warning disable CA2201 // Stands in for the runtime's out-of-memory error.
                throw new OutOfMemoryException();
#pragma warning restore CA2201
            }
        };
    }

    /// <summary>
    /// Collects the garbage the test host's earlier tests left, so a full blocking collection of their heap does not
    /// land inside a budget measurement.
    /// </summary>
    private static void SettleHost()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
