using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class PredictTimingTests
{
    [Fact]
    public void Batch_CyclesFewRows_TakesTheFirstOfMany_NullWhenEmpty()
    {
        var six = Table(6);
        var batch = PredictTiming.Batch(six)!;
        Assert.Equal(PredictTiming.BatchRows, batch.RowCount);
        var values = ((NumericColumn)batch["x"]).Values;
        for (var i = 0; i < batch.RowCount; i++)
        {
            Assert.Equal(i % 6, values[i]);
        }

        var many = PredictTiming.Batch(Table(1000))!;
        Assert.Equal(PredictTiming.BatchRows, many.RowCount);
        Assert.Equal(Enumerable.Range(0, PredictTiming.BatchRows).Select(i => (float)i), ((NumericColumn)many["x"]).Values.ToArray());

        Assert.Null(PredictTiming.Batch(Table(0)));
    }

    [Fact]
    public void MicrosecondsPerRow_OneDisturbedPass_IsNotTheMeasurement()
    {
        // The first timed pass stalls for 200 ms (a collection, a busy core); the others score at once. One pass
        // would say 781 µs/row; the measurement is the undisturbed pass.
        var model = new Scripted(pass => pass == 0 ? 200 : 0);
        var microseconds = PredictTiming.MicrosecondsPerRow(model, PredictTiming.Batch(Table(6))!);
        Assert.True(microseconds < 100, $"{microseconds} µs/row");
        Assert.Equal(PredictTiming.MinimumPasses, model.Passes);
    }

    [Fact]
    public void MicrosecondsPerRow_ASlowModel_IsMeasuredAtLeastAsSlowAsItIs_InTwoPasses()
    {
        // 40 ms a pass: over EnoughSeconds after two passes, so no third. Sleep never returns early, so the
        // measurement is at least 40 ms / 256 rows.
        var model = new Scripted(_ => 40);
        var microseconds = PredictTiming.MicrosecondsPerRow(model, PredictTiming.Batch(Table(300))!);
        Assert.True(microseconds >= 40_000.0 / PredictTiming.BatchRows, $"{microseconds} µs/row");
        Assert.Equal(PredictTiming.MinimumPasses, model.Passes);
    }

    [Fact]
    public void MicrosecondsPerRow_AFastModel_TakesTheMostPasses_AndHonoursCancellation()
    {
        var model = new Scripted(_ => 0);
        PredictTiming.MicrosecondsPerRow(model, PredictTiming.Batch(Table(10))!);
        Assert.Equal(PredictTiming.MaximumPasses, model.Passes);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => PredictTiming.MicrosecondsPerRow(model, PredictTiming.Batch(Table(10))!, cancelled.Token));
    }

    [Fact]
    public async Task Sweep_OnTinyValidationFolds_MeasuresPredictCostOnAFullBatch()
    {
        // 40 training rows, 5-fold CV: 8 validation rows in fold 0. A candidate that costs 1 ms a call whatever the
        // row count used to be timed at 125 µs/row from that one call; on a 256-row batch it is about 4 µs/row.
        var rows = Enumerable.Range(0, TestData.CreditGerman.RowCount).Where(i => i % 25 == 0).ToArray();
        var tiny = TestData.CreditGerman.SelectRows(rows);
        var candidate = new CentroidCandidate { PredictCallMilliseconds = 1 };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 3, EnsembleSelection = false, SelectionReevaluation = false });
        var result = await runner.RunAsync(new SweepRequest(tiny, new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [candidate])));
        var succeeded = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).ToArray();
        Assert.NotEmpty(succeeded);
        Assert.All(succeeded, t => Assert.InRange(t.PredictMicrosecondsPerRow, 1_000.0 / PredictTiming.BatchRows, 60));
    }

    [Fact]
    public async Task Sweep_TimesTheKeptModelsAgainAfterTheSearch()
    {
        // Scoring costs 10 ms a call (39 µs/row on a 256-row batch) while the search runs, as on a core shared with
        // other trials, and nothing once the last trial has finished. The kept fold models (each candidate's best
        // three) are timed again before the winner is chosen, so the leaderboard and the tie rule see the quiet cost.
        var searching = true;
        var candidate = new CentroidCandidate { PredictCallMilliseconds = 10, Busy = () => Volatile.Read(ref searching) };
        var runner = new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 6, EnsembleSelection = false, SelectionReevaluation = false });
        var finished = 0;
        var progress = new SynchronousProgress(e =>
        {
            if (e.Kind == SweepEventKind.TrialFinished && ++finished == 6)
            {
                Volatile.Write(ref searching, false);
            }
        });
        var result = await runner.RunAsync(TestData.Request(candidate), progress: progress);

        var busy = 10_000.0 / PredictTiming.BatchRows;
        // Each candidate keeps its best three trials in the sweep's order: the score, then the smaller model (TrialOrder).
        var succeeded = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).OrderByDescending(t => t.ValidationScore).ThenBy(t => t.ModelBytes).ThenBy(t => t.Index).ToArray();
        Assert.Equal(6, succeeded.Length);
        Assert.True(result.Winner.PredictMicrosecondsPerRow < busy / 2, $"winner: {result.Winner.PredictMicrosecondsPerRow} µs/row");
        Assert.All(succeeded.Take(3), t => Assert.True(t.PredictMicrosecondsPerRow < busy / 2, $"kept #{t.Index}: {t.PredictMicrosecondsPerRow} µs/row"));
        Assert.All(succeeded.Skip(3), t => Assert.True(t.PredictMicrosecondsPerRow >= busy, $"not kept #{t.Index}: {t.PredictMicrosecondsPerRow} µs/row"));
    }

    private static DataTable Table(int rows) =>
        new([new NumericColumn("x", Enumerable.Range(0, rows).Select(i => (float)i).ToArray())]);

    /// <summary>A model that sleeps <c>millisecondsForPass(n)</c> on its n-th call.</summary>
    private sealed class Scripted(Func<int, int> millisecondsForPass) : IFittedCandidate
    {
        public int Passes { get; private set; }

        public float[] Score(DataTable rows)
        {
            var milliseconds = millisecondsForPass(Passes++);
            if (milliseconds > 0)
            {
                Thread.Sleep(milliseconds);
            }

            return new float[rows.RowCount];
        }

        public void Save(Stream stream)
        {
        }
    }
}
