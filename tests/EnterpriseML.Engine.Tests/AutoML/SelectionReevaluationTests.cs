using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using static EnterpriseML.Engine.Tests.AutoML.TestData;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>The finalists' fresh-fold re-evaluation that decides the winner and the tie test under k-fold CV.</summary>
public sealed class SelectionReevaluationTests
{
    private static SweepOptions Options(bool reevaluate, int finalists = 2, int repeats = 1) => new()
    {
        SelectionRepeats = repeats,
        BudgetSeconds = null,
        MaximumTrials = 8,
        Seed = 4,
        EnsembleSelection = false,
        EarlyStopping = false,
        SelectionReevaluation = reevaluate,
        SelectionFinalistsPerCandidate = finalists,
    };

    [Fact]
    public async Task RunAsync_CrossValidation_RescoresTwoFinalistsPerCandidateOnFreshFolds()
    {
        var general = new CentroidCandidate();
        var specialised = new CentroidCandidate("other", CandidateKind.Specialised);
        var result = await new SweepRunner(Options(reevaluate: true)).RunAsync(Request(general, specialised));

        // Every trial ran 5 folds; each candidate's 2 finalists ran 5 more; the winner was refitted once.
        var generalTrials = result.Trials.Count(t => t.Candidate == "centroid");
        var specialisedTrials = result.Trials.Count(t => t.Candidate == "other");
        Assert.True(generalTrials >= 2 && specialisedTrials >= 2, $"{generalTrials} / {specialisedTrials} trials");
        var refits = result.RefittedOnAllData ? 1 : 0;
        Assert.Equal((generalTrials * 5) + (2 * 5) + (result.Winner.Candidate == "centroid" ? refits : 0), general.Fits);
        Assert.Equal((specialisedTrials * 5) + (2 * 5) + (result.Winner.Candidate == "other" ? refits : 0), specialised.Fits);

        Assert.Contains("re-scored on the selection re-evaluation (5-fold stratified CV, fresh fold seed, validation hash ", result.WinnerReason);
        Assert.DoesNotContain(result.ValidationHash, result.WinnerReason);

        // The comparison is made on the fresh scores, which differ from the same trials' sweep scores, and says so.
        var comparison = Assert.IsType<KindComparison>(result.Comparison);
        var sweepGeneral = result.Trials.Single(t => t.Index == comparison.BestGeneral.Index);
        var sweepSpecialised = result.Trials.Single(t => t.Index == comparison.BestSpecialised.Index);
        Assert.NotEqual(sweepGeneral.ValidationScore, comparison.BestGeneral.ValidationScore);
        Assert.NotEqual(sweepSpecialised.ValidationScore, comparison.BestSpecialised.ValidationScore);
        Assert.Equal(comparison.BestSpecialised.ValidationScore - comparison.BestGeneral.ValidationScore, comparison.Difference, 12);
        Assert.Contains("on the selection re-evaluation", comparison.Sentence);
        Assert.InRange(comparison.BestGeneral.ValidationScore, 0.6, 0.9);

        // The winner reported is the sweep's own record of the chosen trial, not the re-scored copy.
        Assert.Same(result.Trials.Single(t => t.Index == result.Winner.Index), result.Winner);

        // Every finalist's fresh score is kept (2 per candidate), the compared ones among them.
        Assert.Equal(4, result.SelectionScores.Count);
        Assert.Equal(comparison.BestGeneral.ValidationScore, result.SelectionScores[comparison.BestGeneral.Index].Score);
        Assert.Equal(comparison.BestSpecialised.ValidationScore, result.SelectionScores[comparison.BestSpecialised.Index].Score);
        Assert.Equal(comparison.BestGeneral.ValidationSpread, result.SelectionScores[comparison.BestGeneral.Index].Spread);
    }

    [Fact]
    public async Task Report_LeaderboardShowsTheScoresThatChoseTheWinner()
    {
        var request = Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised));
        var result = await new SweepRunner(Options(reevaluate: true, finalists: 1, repeats: 2)).RunAsync(request);
        var report = SweepReport.Build(result, request.Plan);

        // One finalist per candidate: each leaderboard row is its candidate's finalist and carries its fresh score.
        Assert.All(report.Leaderboard, row => Assert.Equal(result.SelectionScores[row.Trial.Index], row.Selection));
        var comparison = result.Comparison!;
        var winnerRow = report.Leaderboard.Single(row => row.IsWinner);
        var other = report.Leaderboard.Single(row => !row.IsWinner);
        Assert.True(comparison.WithinNoise || winnerRow.Selection!.Score >= other.Selection!.Score,
            $"winner {winnerRow.Selection!.Score} vs {other.Selection!.Score}, outside noise");

        var json = System.Text.Json.JsonDocument.Parse(ReportJson.ToJson(report)).RootElement;
        var winner = json.GetProperty("winner");
        Assert.Equal(winnerRow.Selection!.Score, winner.GetProperty("selectionScore").GetDouble(), 5);
        Assert.Equal(winnerRow.Selection.Spread, winner.GetProperty("selectionSpread").GetDouble(), 5);
        Assert.All(json.GetProperty("leaderboard").EnumerateArray(), row => Assert.True(row.TryGetProperty("selectionScore", out _)));
        using var html = new StringWriter();
        ReportHtml.Write(report, html);
        Assert.Contains("<th>re-evaluated</th>", html.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Repeats_RescoreEachFinalistOnEveryFreshAssignmentAndAverage()
    {
        var general = new CentroidCandidate();
        var specialised = new CentroidCandidate("other", CandidateKind.Specialised);
        var repeated = await new SweepRunner(Options(reevaluate: true, repeats: 3)).RunAsync(Request(general, specialised));

        // Each candidate's 2 finalists ran 5 folds on each of 3 fresh assignments.
        var refits = repeated.RefittedOnAllData ? 1 : 0;
        Assert.Equal((repeated.Trials.Count(t => t.Candidate == "centroid") * 5) + (2 * 5 * 3) + (repeated.Winner.Candidate == "centroid" ? refits : 0), general.Fits);
        Assert.Contains("re-scored on the selection re-evaluation (5-fold stratified CV repeated 3 times, fresh fold seeds, validation hashes ", repeated.WinnerReason);
        var hashes = repeated.WinnerReason.Split("validation hashes ")[1].Split(')')[0].Split(", ");
        Assert.Equal(3, hashes.Distinct().Count());
        Assert.DoesNotContain("repeats finished", repeated.WinnerReason);

        // The first assignment is the single-repeat one; the mean over three differs from its score alone, and the
        // bootstrap interval of the averaged difference lies around it.
        var single = await new SweepRunner(Options(reevaluate: true, repeats: 1)).RunAsync(Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised)));
        Assert.Contains(hashes[0], single.WinnerReason);
        var a = Assert.IsType<KindComparison>(repeated.Comparison);
        var b = Assert.IsType<KindComparison>(single.Comparison);
        Assert.Equal(b.BestGeneral.Index, a.BestGeneral.Index);
        Assert.NotEqual(b.BestGeneral.ValidationScore, a.BestGeneral.ValidationScore);
        Assert.InRange(a.BestGeneral.ValidationScore, 0.6, 0.9);
        Assert.True(a.Lower <= a.Upper, $"[{a.Lower}, {a.Upper}]");
        Assert.InRange(a.Difference, a.Lower - 0.02, a.Upper + 0.02);
    }

    [Fact]
    public async Task RunAsync_Ensembles_AreRescoredAsBlendsOfTheirMembersFittedOnce()
    {
        // The credit scenario's candidates on German credit, seed 4: both kinds form an ensemble (SweepReportTests).
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var plan = ScenarioCatalog.Get("credit").Plan(new ScenarioContext(table, "class", TaskKind.Binary, "bad"));
        var counted = plan.Candidates.Select(c => new CountingCandidate(c)).ToArray();
        var data = LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad");
        var train = data.SelectRows(Enumerable.Range(0, data.RowCount).Where(i => i % 5 != 0).ToArray());
        const int Repeats = 2;
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 40, Seed = 4, EarlyStopping = false, SelectionRepeats = Repeats })
            .RunAsync(new SweepRequest(train, new ScenarioPlan(plan.Task, plan.PrimaryMetric, counted, plan.Columns, plan.Validation, plan.ReportMetrics), "credit"));

        var ensembles = result.Trials.Where(EnsembleCandidate.IsEnsemble).ToArray();
        Assert.Equal(2, ensembles.Length);
        Assert.All(ensembles, e => Assert.True(result.SelectionScores.ContainsKey(e.Index), $"{e.Candidate} was not re-scored"));
        Assert.Contains("re-scored on the selection re-evaluation", result.WinnerReason, StringComparison.Ordinal);

        // Per candidate: 5 folds per search trial; on each repeat, 5 folds for its finalist and for each other trial of
        // it that an ensemble draws on, once however many ensembles use it (an ensemble refits nothing there); the
        // winner's refit fits it once more per use.
        foreach (var candidate in counted)
        {
            var trials = result.Trials.Where(t => t.Candidate == candidate.Name).ToArray();
            var finalist = trials.Where(t => t.Status == TrialStatus.Succeeded && t.SampleFraction >= 1)
                .OrderByDescending(t => t.ValidationScore).ThenBy(t => t.ModelBytes).ThenBy(t => t.Index).First().Index;
            var used = ensembles.SelectMany(Members).Where(m => m.Candidate == candidate.Name).Select(m => m.Index).Append(finalist).Distinct().Count();
            var refits = !result.RefittedOnAllData ? 0
                : EnsembleCandidate.IsEnsemble(result.Winner) ? Members(result.Winner).Count(m => m.Candidate == candidate.Name)
                : result.Winner.Candidate == candidate.Name ? 1 : 0;
            Assert.Equal((trials.Length * 5) + (used * 5 * Repeats) + refits, candidate.Fits);
        }

        IEnumerable<TrialRecord> Members(TrialRecord ensemble) =>
            System.Text.RegularExpressions.Regex.Matches(ensemble.Parameters.Single(p => p.Key == "members").Value, @"#(\d+)×")
                .Select(m => result.Trials.Single(t => t.Index == int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Counts the fits of a real candidate.</summary>
    private sealed class CountingCandidate(ICandidate inner) : ICandidate
    {
        private int _fits;

        public int Fits => Volatile.Read(ref _fits);

        public string Name => inner.Name;

        public CandidateKind Kind => inner.Kind;

        public string Trainer => inner.Trainer;

        public EnterpriseML.Engine.Tuning.SearchSpace SearchSpace => inner.SearchSpace;

        public IFittedCandidate Fit(CandidateFitContext context, EnterpriseML.Engine.Tuning.ParameterSet parameters, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _fits);
            return inner.Fit(context, parameters, cancellationToken);
        }
    }

    [Fact]
    public async Task RunAsync_WithABudget_LeavesTimeForTheReevaluationToFinish()
    {
        // The search stops early enough for the finalists to be re-scored inside the budget (it used to run until
        // there was too little time left and the re-evaluation was always abandoned).
        var options = Options(reevaluate: true, finalists: 1);
        options.BudgetSeconds = 4;
        options.MaximumTrials = null;
        var result = await new SweepRunner(options).RunAsync(Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised)));

        Assert.Contains("re-scored on the selection re-evaluation", result.WinnerReason, StringComparison.Ordinal);
        Assert.DoesNotContain("did not finish", result.WinnerReason, StringComparison.Ordinal);
    }

    /// <summary>A winner's reason with each measured predict cost (a number before " µs/", or before " vs N µs/") written "t".</summary>
    private static string WithoutTimings(string reason) =>
        System.Text.RegularExpressions.Regex.Replace(reason, @"[0-9][0-9.E+-]*(?= µs/| vs [0-9][0-9.E+-]* µs/)", "t");

    [Fact]
    public async Task RunAsync_SameSeed_SameSelection()
    {
        var a = await new SweepRunner(Options(reevaluate: true, repeats: 3)).RunAsync(Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised)));
        var b = await new SweepRunner(Options(reevaluate: true, repeats: 3)).RunAsync(Request(new CentroidCandidate(), new CentroidCandidate("other", CandidateKind.Specialised)));
        Assert.Equal(a.Winner.Index, b.Winner.Index);
        // The reason quotes measured predict costs (µs/row), which no seed fixes; everything else in it must be the same.
        Assert.Equal(WithoutTimings(a.WinnerReason), WithoutTimings(b.WinnerReason));
        Assert.Equal(a.Comparison!.Lower, b.Comparison!.Lower);
        Assert.Equal(a.Comparison.Upper, b.Comparison.Upper);
    }

    [Fact]
    public async Task RunAsync_Disabled_OnlyTheSweepScoresDecide()
    {
        var general = new CentroidCandidate();
        var specialised = new CentroidCandidate("other", CandidateKind.Specialised);
        var request = Request(general, specialised);
        var result = await new SweepRunner(Options(reevaluate: false)).RunAsync(request);
        var refits = result.RefittedOnAllData ? 1 : 0;
        Assert.Equal(result.Trials.Count(t => t.Candidate == "centroid") * 5 + (result.Winner.Candidate == "centroid" ? refits : 0), general.Fits);
        Assert.DoesNotContain("re-evaluation", result.WinnerReason);
        var comparison = Assert.IsType<KindComparison>(result.Comparison);
        Assert.Equal(result.Trials.Single(t => t.Index == comparison.BestGeneral.Index).ValidationScore, comparison.BestGeneral.ValidationScore);
        Assert.Empty(result.SelectionScores);
        var json = System.Text.Json.JsonDocument.Parse(ReportJson.ToJson(SweepReport.Build(result, request.Plan))).RootElement;
        Assert.False(json.GetProperty("winner").TryGetProperty("selectionScore", out _));
    }

    [Fact]
    public async Task RunAsync_RandomHoldout_FinalistsRescoredOnAFreshHoldout()
    {
        var general = new CentroidCandidate();
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [general, new CentroidCandidate("other", CandidateKind.Specialised)],
            validation: new ValidationPolicy(ValidationKind.Holdout));
        var result = await new SweepRunner(Options(reevaluate: true)).RunAsync(new SweepRequest(TestData.CreditGerman, plan));

        Assert.Contains("re-scored on the selection re-evaluation (stratified holdout", result.WinnerReason, StringComparison.Ordinal);
        // One fit per trial on the sweep's holdout, one per finalist (2) on the fresh one, and the refit if it won.
        var refits = result.RefittedOnAllData && result.Winner.Candidate == "centroid" ? 1 : 0;
        Assert.Equal(result.Trials.Count(t => t.Candidate == "centroid") + 2 + refits, general.Fits);
    }

    [Fact]
    public async Task RunAsync_RandomHoldoutRepeats_EachFinalistOnEveryFreshHoldout()
    {
        var general = new CentroidCandidate();
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [general, new CentroidCandidate("other", CandidateKind.Specialised)],
            validation: new ValidationPolicy(ValidationKind.Holdout));
        var result = await new SweepRunner(Options(reevaluate: true, repeats: 3)).RunAsync(new SweepRequest(TestData.CreditGerman, plan));

        Assert.Contains("re-scored on the selection re-evaluation (stratified holdout 20 % repeated 3 times, fresh fold seeds, validation hashes ", result.WinnerReason, StringComparison.Ordinal);
        var refits = result.RefittedOnAllData && result.Winner.Candidate == "centroid" ? 1 : 0;
        Assert.Equal(result.Trials.Count(t => t.Candidate == "centroid") + (2 * 3) + refits, general.Fits);
        var comparison = Assert.IsType<KindComparison>(result.Comparison);
        Assert.True(comparison.Lower <= comparison.Upper && comparison.Resamples >= 100, $"[{comparison.Lower}, {comparison.Upper}] from {comparison.Resamples}");
    }

    [Theory]
    [InlineData(nameof(SweepOptions.SelectionFinalistsPerCandidate), 0)]
    [InlineData(nameof(SweepOptions.SelectionFinalistsPerCandidate), 4)]
    [InlineData(nameof(SweepOptions.SelectionRepeats), 0)]
    [InlineData(nameof(SweepOptions.SelectionRepeats), 11)]
    public void Options_OutOfRange_ThrowNamingTheOption(string option, int value)
    {
        var options = option == nameof(SweepOptions.SelectionRepeats)
            ? new SweepOptions { SelectionRepeats = value }
            : new SweepOptions { SelectionFinalistsPerCandidate = value };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SweepRunner(options));
        Assert.Equal(option, e.ParamName);
    }
}
