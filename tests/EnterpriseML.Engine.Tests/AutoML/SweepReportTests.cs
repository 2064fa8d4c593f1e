using System.Text.Json;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class SweepReportTests
{
    private static async Task<(SweepReport Report, SweepResult Result)> BuildAsync()
    {
        var data = TestData.CreditGerman;
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var train = data.SelectRows(rows.Where(i => i % 5 != 0).ToArray());
        var test = data.SelectRows(rows.Where(i => i % 5 == 0).ToArray());
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate(), new CentroidCandidate("centroid-special", CandidateKind.Specialised)],
            reportMetrics: [ScenarioMetric.Ks, ScenarioMetric.Gini]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 12, Seed = 2 })
            .RunAsync(new SweepRequest(train, plan, "credit"));
        return (SweepReport.Build(result, plan, test), result);
    }

    [Fact]
    public async Task Notes_NameTheRowsLeftOutForAnEmptyLabel_InJsonAndHtml()
    {
        // German credit with the label of rows 3 and 10 blanked: the encoding leaves them out and the report says so.
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var labels = ((StringColumn)table["class"]).Values.ToArray();
        labels[2] = null;
        labels[9] = null;
        var blanked = new DataTable([.. table.Columns.Where(c => c.Name != "class"), new StringColumn("class", labels)]);
        var train = LabelEncoding.Encode(blanked, "class", TaskKind.Binary, "bad");
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate()]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false }).RunAsync(new SweepRequest(train, plan));

        var report = SweepReport.Build(result, plan, train: train);
        var note = "Left out 2 training rows with no 'class' value (data rows 3, 10, counted from 1 after the header).";
        Assert.Equal([note], report.Notes);
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report));
        Assert.Equal(note, Assert.Single(doc.RootElement.GetProperty("notes").EnumerateArray()).GetString());
        using var html = new StringWriter();
        ReportHtml.Write(report, html);
        Assert.Contains("data rows 3, 10, counted from 1", html.ToString());

        // Nothing left out: no notes key.
        var (complete, _) = await BuildAsync();
        Assert.False(JsonDocument.Parse(ReportJson.ToJson(complete)).RootElement.TryGetProperty("notes", out _));
    }

    [Fact]
    public async Task Notes_TestRowsOfOneClass_SayWhichMetricsAreUndefined()
    {
        // The test rows are German credit's 'good' ones only: AUC and AUPRC on them are undefined, and the report says
        // so rather than leaving nulls unexplained.
        var data = TestData.CreditGerman;
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var train = data.SelectRows(rows.Where(i => i % 5 != 0).ToArray());
        var test = data.SelectRows(rows.Where(i => i % 5 == 0 && data.Labels[i] == 0).ToArray());
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate()]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false }).RunAsync(new SweepRequest(train, plan));

        var report = SweepReport.Build(result, plan, test);

        var note = "The test rows hold no row of class 'bad', so auc, auprc, ks and gini on them are undefined (null in JSON, – in tables).";
        Assert.Equal([note], report.Notes);
        Assert.True(double.IsNaN(report.TestMetrics.Single(m => m.Key == "auc").Value));
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report));
        Assert.Equal(note, Assert.Single(doc.RootElement.GetProperty("notes").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Notes_CandidateWithoutASuccessfulTrial_SaysWhatBecameOfItAndThatThereIsNoComparison()
    {
        // A specialised candidate that only fails: the leaderboard is general only and has no comparison, and the
        // report says why (before, it said nothing and the specialised side simply was not there).
        var (train, test) = (TestData.CreditGerman, TestData.CreditGerman);
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate(), new FailingCandidate()]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 8, EnsembleSelection = false }).RunAsync(new SweepRequest(train, plan));
        var failures = result.Trials.Count(t => t.Candidate == "failing");
        Assert.InRange(failures, 1, 3);
        Assert.Null(result.Comparison);

        var report = SweepReport.Build(result, plan, test);
        var note = $"Not on the leaderboard, for want of a successful trial: failing ({failures} failed). The trial log has each trial's error. "
            + "No specialised candidate succeeded, so there is no general vs specialised comparison.";
        Assert.Equal([note], report.Notes);
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report));
        Assert.Equal(note, Assert.Single(doc.RootElement.GetProperty("notes").EnumerateArray()).GetString());
        using var html = new StringWriter();
        ReportHtml.Write(report, html);
        Assert.Contains("for want of a successful trial: failing (", html.ToString());

        // A candidate that never got a trial (the trial count ran out first) is named too.
        var one = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 1, EnsembleSelection = false }).RunAsync(new SweepRequest(train, plan));
        Assert.Equal(
            "Not on the leaderboard, for want of a successful trial: failing (no trial started within the sweep's limit of 1 trial). "
            + "No specialised candidate succeeded, so there is no general vs specialised comparison.",
            Assert.Single(SweepReport.Build(one, plan).Notes));
    }

    [Fact]
    public void Curves_FewDistinctScores_KeepEveryCornerOfTheRoc()
    {
        // 20 blocks of 50 tied scores, the bad rate falling block by block (a coarse model: a small forest, a
        // scorecard's points). Every block's end is a corner of the ROC; the plotted curve must be the real one, so its
        // area is the AUC. Before, a corner was kept only at a row index divisible by n / 200 = 5, which no block end
        // (49, 99, ...) is: the plot was the diagonal, area 0.5.
        var labels = new float[1000];
        var scores = new float[1000];
        for (var i = 0; i < labels.Length; i++)
        {
            var block = i / 50;
            scores[i] = 1 - (block / 20f);
            labels[i] = i % 50 < 2 * (20 - block) ? 1 : 0;
        }

        var (roc, pr) = SweepReport.Curves(labels, scores);
        Assert.Equal(21, roc.Length);
        Assert.Equal(20, pr.Length);
        double area = 0;
        for (var i = 1; i < roc.Length; i++)
        {
            area += (roc[i].X - roc[i - 1].X) * (roc[i].Y + roc[i - 1].Y) / 2;
        }

        Assert.Equal(EnterpriseML.Engine.Evaluation.BinaryMetrics.Compute(labels, scores).Auc, area, 9);
        // The first precision-recall point is the first block's: 40 of the 420 positives, at precision 40 / 50.
        Assert.Equal(40.0 / 420, pr[0].X, 9);
        Assert.Equal(0.8, pr[0].Y, 9);
    }

    [Fact]
    public async Task Json_OneLine_HasTheCliShapeAndBothKinds()
    {
        var (report, result) = await BuildAsync();
        var text = ReportJson.ToJson(report);
        Assert.DoesNotContain('\n', text);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal("credit", root.GetProperty("scenario").GetString());
        Assert.Equal("binary", root.GetProperty("task").GetString());
        Assert.Equal("auc", root.GetProperty("metric").GetString());
        Assert.Equal(12, root.GetProperty("trials").GetInt32());
        var board = root.GetProperty("leaderboard").EnumerateArray().ToArray();
        Assert.Contains(board, r => r.GetProperty("kind").GetString() == "general");
        Assert.Contains(board, r => r.GetProperty("kind").GetString() == "specialised");
        foreach (var row in board)
        {
            foreach (var key in new[] { "rank", "candidate", "kind", "trainer", "parameters", "validationScore", "fitSeconds", "predictMicrosecondsPerRow", "modelBytes", "testScore" })
            {
                Assert.True(row.TryGetProperty(key, out _), key);
            }
        }

        var winner = root.GetProperty("winner");
        Assert.Equal(result.Winner.Candidate, winner.GetProperty("candidate").GetString());
        var test = root.GetProperty("test");
        foreach (var key in new[] { "auc", "auprc", "accuracy", "f1", "logLoss", "ks", "gini" })
        {
            Assert.InRange(test.GetProperty(key).GetDouble(), 0, 10);
        }

        Assert.InRange(test.GetProperty("auc").GetDouble(), 0.55, 0.9);
        Assert.Equal(2 * test.GetProperty("auc").GetDouble() - 1, test.GetProperty("gini").GetDouble(), 5);
        Assert.Equal(32, root.GetProperty("validation").GetProperty("rowsHash").GetString()!.Length);
    }

    /// <summary>
    /// Each leaderboard row and the winner name their trial by the trial log's index (the experiment's trial number),
    /// with the same candidate and score there: a stored version's leaderboard says which trials produced it. The rows
    /// had no trial number, so two trials of one candidate could not be told apart.
    /// </summary>
    [Fact]
    public async Task Json_LeaderboardRowsAndWinner_NameTheirTrialInTheTrialLog()
    {
        var (report, _) = await BuildAsync();
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report, includeTrials: true));
        var root = doc.RootElement;
        var log = root.GetProperty("trialLog").EnumerateArray().ToDictionary(t => t.GetProperty("index").GetInt32());
        var rows = root.GetProperty("leaderboard").EnumerateArray().Append(root.GetProperty("winner")).ToArray();
        foreach (var row in rows)
        {
            var trial = row.GetProperty("trial").GetInt32();
            if (row.GetProperty("trainer").GetString() == EnsembleCandidate.TrainerName && !log.ContainsKey(trial))
            {
                continue;
            }

            var entry = log[trial];
            Assert.Equal(entry.GetProperty("candidate").GetString(), row.GetProperty("candidate").GetString());
            Assert.Equal(entry.GetProperty("validationScore").GetRawText(), row.GetProperty("validationScore").GetRawText());
        }

        Assert.Equal(rows.Length - 1, root.GetProperty("leaderboard").EnumerateArray().Select(r => r.GetProperty("trial").GetInt32()).Distinct().Count());
    }

    /// <summary>
    /// A holdout has one fold, so a trial's score has no spread: the report says none (null, –) rather than 0.000,
    /// which read as a perfectly stable score. Under k-fold CV the spread over the folds is reported.
    /// </summary>
    [Theory]
    [InlineData(3000, 5)]
    [InlineData(100, 1)]
    public async Task Spread_OnlyWithMoreThanOneFold(int crossValidationMaxRows, int folds)
    {
        var data = TestData.CreditGerman;
        var validation = ValidationPolicy.Auto with { CrossValidationMaxRows = crossValidationMaxRows, MinimumHoldoutRareRows = 1 };
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc, [new CentroidCandidate()], validation: validation);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false }).RunAsync(new SweepRequest(data, plan));
        var report = SweepReport.Build(result, plan);

        Assert.Equal(folds, result.ValidationFolds);
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report, includeTrials: true));
        var root = doc.RootElement;
        Assert.Equal(folds, root.GetProperty("validation").GetProperty("folds").GetInt32());
        var spreads = root.GetProperty("leaderboard").EnumerateArray().Select(r => r.GetProperty("validationSpread"))
            .Concat(root.GetProperty("trialLog").EnumerateArray().Select(t => t.GetProperty("validationSpread"))).ToList();
        Assert.All(spreads, s => Assert.Equal(folds > 1 ? JsonValueKind.Number : JsonValueKind.Null, s.ValueKind));
        if (folds > 1)
        {
            Assert.Contains(spreads, s => s.GetDouble() > 0);
        }
    }

    /// <summary>
    /// The selection re-evaluation's spread follows the validation spread's rule: none from a single fold. A holdout
    /// re-scored once had written selectionSpread 0, as if the score could not move.
    /// </summary>
    [Theory]
    [InlineData(1, JsonValueKind.Null)]
    [InlineData(2, JsonValueKind.Number)]
    public async Task SelectionSpread_HoldoutRepeats_NullFromASingleFold(int repeats, JsonValueKind expected)
    {
        var validation = ValidationPolicy.Auto with { CrossValidationMaxRows = 100, MinimumHoldoutRareRows = 1 };
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate(), new CentroidCandidate("centroid-special", CandidateKind.Specialised)], validation: validation);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 4, EnsembleSelection = false, SelectionRepeats = repeats })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan));
        Assert.Equal(1, result.ValidationFolds);

        using var doc = JsonDocument.Parse(ReportJson.ToJson(SweepReport.Build(result, plan)));
        var rescored = doc.RootElement.GetProperty("leaderboard").EnumerateArray().Where(r => r.TryGetProperty("selectionSpread", out _)).ToList();
        Assert.Equal(2, rescored.Count);
        Assert.All(rescored, r => Assert.Equal(expected, r.GetProperty("selectionSpread").ValueKind));
    }

    [Fact]
    public async Task Leaderboard_ExactTie_SmallerModelRanksFirstAsTheWinnerReasonSays()
    {
        // Two candidates with the same scores, the earlier one 50 kB larger (fraud-sensor: a forest and the
        // cost-sensitive GBDT both at AUPRC 1). The sweep ranks the smaller first and the reason says so; the
        // leaderboard ranked by trial index and put the larger model at rank 1.
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auc,
            [new CentroidCandidate("large") { PaddingBytes = 50_000 }, new CentroidCandidate("small", CandidateKind.Specialised)]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 2, EnsembleSelection = false, SelectionReevaluation = false })
            .RunAsync(new SweepRequest(TestData.CreditGerman, plan));
        var report = SweepReport.Build(result, plan);

        Assert.Equal(report.Leaderboard[0].Trial.ValidationScore, report.Leaderboard[1].Trial.ValidationScore);
        Assert.Equal("small", result.Winner.Candidate);
        Assert.Contains("the smallest model ranks first", result.WinnerReason, StringComparison.Ordinal);
        Assert.Equal(["small", "large"], report.Leaderboard.Select(r => r.Trial.Candidate));
        Assert.True(report.Leaderboard[0].IsWinner);
    }

    [Fact]
    public async Task Comparison_Sentence_IsTrueToItsNumbers()
    {
        var (report, _) = await BuildAsync();
        var c = report.Result.Comparison!;
        Assert.Equal(c.BestSpecialised.ValidationScore - c.BestGeneral.ValidationScore, c.Difference, 12);
        Assert.Contains(c.Difference.ToString("+0.####;-0.####;0", System.Globalization.CultureInfo.InvariantCulture), c.Sentence);
        // The ratio is of the costs printed beside it, so a reader can recompute it (CostSentencePropertyTests).
        var (s, g) = (SweepFinisher.FormatCost(c.BestSpecialised.PredictMicrosecondsPerRow), SweepFinisher.FormatCost(c.BestGeneral.PredictMicrosecondsPerRow));
        var ratio = SweepFinisher.Printed(c.BestSpecialised.PredictMicrosecondsPerRow) / SweepFinisher.Printed(c.BestGeneral.PredictMicrosecondsPerRow);
        Assert.Contains($"{SweepFinisher.FormatRatio(ratio)}× the predict cost ({s} vs {g} µs/row)", c.Sentence, StringComparison.Ordinal);
        var size = c.BestSpecialised.ModelBytes / (double)c.BestGeneral.ModelBytes;
        Assert.Contains($"{SweepFinisher.FormatRatio(size)}× the model size ({c.BestSpecialised.ModelBytes} vs {c.BestGeneral.ModelBytes} bytes)", c.Sentence, StringComparison.Ordinal);
        Assert.Equal(c.Lower <= 0 && c.Upper >= 0, c.WithinNoise);
        Assert.Contains(c.WithinNoise ? "within noise" : "outside noise", c.Sentence);

        // No deadline (BudgetSeconds null): every planned resample is drawn, and the JSON records both counts.
        Assert.Equal(c.PlannedResamples, c.Resamples);
        Assert.InRange(c.Resamples, SweepFinisher.MinimumBootstrapResamples, 1000);
        Assert.DoesNotContain("before the sweep's deadline", c.Sentence, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(ReportJson.ToJson(report));
        var json = doc.RootElement.GetProperty("comparison");
        Assert.Equal(c.Resamples, json.GetProperty("bootstrapResamples").GetInt32());
        Assert.Equal(c.PlannedResamples, json.GetProperty("bootstrapResamplesPlanned").GetInt32());
    }

    [Theory]
    [InlineData(3.14159, "3.14")]
    [InlineData(1, "1.0")]
    [InlineData(0.25, "0.25")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.0999, "0.1")]
    [InlineData(0.0024213, "0.0024")]
    [InlineData(0.000123, "0.00012")]
    [InlineData(0, "0.0")]
    public void FormatRatio_SmallRatios_KeepTwoSignificantDigits(double ratio, string expected) =>
        Assert.Equal(expected, SweepFinisher.FormatRatio(ratio));

    [Fact]
    public async Task Html_SelfContained_HasPlotsAndLeaderboard()
    {
        var (report, _) = await BuildAsync();
        using var writer = new StringWriter();
        ReportHtml.Write(report, writer);
        var html = writer.ToString();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Equal(3, html.Split("<svg").Length - 1);
        Assert.Contains("ROC of the winner (test)", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("centroid-special", html);
    }

    [Fact]
    public async Task Ensemble_ThatDoesNotWin_StillGetsATestScoreFromItsMembersFoldModels()
    {
        // Seed 1: the ensemble leads on validation but ties with the cheaper logistic regression, which wins.
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var plan = ScenarioCatalog.Get("credit").Plan(new ScenarioContext(table, "class", TaskKind.Binary, "bad"));
        var data = LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad");
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var train = data.SelectRows(rows.Where(i => i % 5 != 0).ToArray());
        var test = data.SelectRows(rows.Where(i => i % 5 == 0).ToArray());
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 24, Seed = 1, SelectionReevaluation = false })
            .RunAsync(new SweepRequest(train, plan, "credit"));
        var report = SweepReport.Build(result, plan, test);

        var ensemble = Assert.Single(report.Leaderboard, r => r.Trial.Candidate == "ensemble");
        Assert.NotEqual("ensemble", result.Winner.Candidate);
        Assert.InRange(ensemble.TestScore, 0.55, 0.95);
        Assert.All(report.Leaderboard, r => Assert.False(double.IsNaN(r.TestScore), r.Trial.Candidate));
    }

    [Fact]
    public async Task Ensembles_OnePerKind_GeneralBlendsGeneralOnly_SpecialisedUsesASpecialisedMember()
    {
        // Both sides of the general vs specialised comparison can blend: "ensemble" from general candidates only,
        // "specialised-ensemble" from any candidates but with at least one specialised member.
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var plan = ScenarioCatalog.Get("credit").Plan(new ScenarioContext(table, "class", TaskKind.Binary, "bad"));
        var data = LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad");
        var train = data.SelectRows(Enumerable.Range(0, data.RowCount).Where(i => i % 5 != 0).ToArray());
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 40, Seed = 4, SelectionReevaluation = false })
            .RunAsync(new SweepRequest(train, plan, "credit"));

        var ensembles = result.Trials.Where(EnsembleCandidate.IsEnsemble).ToArray();
        Assert.Equal(["ensemble", "specialised-ensemble"], ensembles.Select(e => e.Candidate).Order(StringComparer.Ordinal));
        Assert.Equal(40, result.SearchTrialCount);
        foreach (var ensemble in ensembles)
        {
            Assert.Equal(ensemble.Candidate == "ensemble" ? CandidateKind.General : CandidateKind.Specialised, ensemble.Kind);
            var members = System.Text.RegularExpressions.Regex.Matches(ensemble.Parameters.Single(p => p.Key == "members").Value, @"#(\d+)×")
                .Select(m => result.Trials.Single(t => t.Index == int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
                .ToArray();
            Assert.True(members.Length >= 2, ensemble.Candidate);
            if (ensemble.Kind == CandidateKind.General)
            {
                Assert.All(members, m => Assert.Equal(CandidateKind.General, m.Kind));
            }
            else
            {
                Assert.Contains(members, m => m.Kind == CandidateKind.Specialised);
            }
        }

        // What a stored version's lineage names as the winner's trials: an ensemble's members as candidate#trial.
        Assert.True(EnsembleCandidate.IsEnsemble(result.Winner), result.Winner.Candidate);
        Assert.Equal(
            System.Text.RegularExpressions.Regex.Matches(result.Winner.Parameters.Single(p => p.Key == "members").Value, @"([^ ]+#\d+)×").Select(m => m.Groups[1].Value),
            result.WinnerMembers);
    }
}
