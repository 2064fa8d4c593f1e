using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Trainers;
using Xunit;

namespace EnterpriseML.Engine.Tests.Scenarios.Fraud;

public sealed class AlertThresholdTests
{
    [Fact]
    public void Choose_TargetRecall_HighestThresholdThatCatchesEnough()
    {
        float[] y = [1, 0, 1, 0, 0, 1, 0, 0, 1, 0];
        float[] s = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.05f];
        var point = AlertThreshold.Choose(y, s, new AlertThresholdOptions { TargetRecall = 0.75 });
        Assert.Equal(0.4f, point.Threshold);
        Assert.Equal(0.75, point.Recall);
        Assert.Equal(0.5, point.Precision);
        Assert.Equal(600, point.AlertsPerThousand);
    }

    [Fact]
    public void Choose_TiesAtTheCut_StillMeetRecall()
    {
        float[] y = [1, 1, 0, 0, 1, 0];
        float[] s = [0.5f, 0.5f, 0.5f, 0.5f, 0.2f, 0.1f];
        var point = AlertThreshold.Choose(y, s, new AlertThresholdOptions { TargetRecall = 0.5 });
        Assert.Equal(0.5f, point.Threshold);
        Assert.True(point.Recall >= 0.5);
        Assert.Equal(4, point.Alerts);
    }

    [Fact]
    public void Choose_AlertBudget_NeverExceedsBudgetEvenWithTies()
    {
        float[] y = [1, 0, 1, 0, 0, 1, 0, 0, 1, 0];
        float[] s = [0.9f, 0.8f, 0.7f, 0.7f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.05f];
        var three = AlertThreshold.Choose(y, s, new AlertThresholdOptions { Target = AlertTarget.AlertBudget, AlertsPerThousand = 300 });
        Assert.Equal(2, three.Alerts); // the tie at 0.7 would make 4 alerts: the cut moves above it
        Assert.Equal(0.8f, three.Threshold);
        var four = AlertThreshold.Choose(y, s, new AlertThresholdOptions { Target = AlertTarget.AlertBudget, AlertsPerThousand = 400 });
        Assert.Equal(4, four.Alerts);
        var none = AlertThreshold.Choose(y, s, new AlertThresholdOptions { Target = AlertTarget.AlertBudget, AlertsPerThousand = 50 });
        Assert.Equal(0, none.Alerts);
        Assert.True(double.IsNaN(none.Precision));
    }

    [Theory]
    [InlineData(nameof(AlertThresholdOptions.TargetRecall), 0)]
    [InlineData(nameof(AlertThresholdOptions.TargetRecall), 1.01)]
    [InlineData(nameof(AlertThresholdOptions.AlertsPerThousand), 0)]
    [InlineData(nameof(AlertThresholdOptions.AlertsPerThousand), 1001)]
    [InlineData(nameof(AlertThresholdOptions.HoldoutFraction), 0.04)]
    [InlineData(nameof(AlertThresholdOptions.HoldoutFraction), 0.51)]
    public void Validate_OptionOutOfRange_Throws(string option, double value)
    {
        var o = new AlertThresholdOptions();
        typeof(AlertThresholdOptions).GetProperty(option)!.SetValue(o, value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(o.Validate);
        Assert.Equal(option, e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => FraudScenario.SpecialisedCandidates(ScenarioColumns.None, o));
    }

    [Fact]
    public void Validate_UndefinedTarget_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(new AlertThresholdOptions { Target = (AlertTarget)7 }.Validate);
        Assert.Equal(nameof(AlertThresholdOptions.Target), e.ParamName);
    }
}

public sealed class FraudScenarioTests
{
    private static readonly Lazy<(CandidateData Train, CandidateData Test)> Caravan = new(() =>
        ScenarioTestData.Split(ScenarioTestData.Load("fraud-coil2000-caravan.csv", "CARAVAN", "insurance"), 42));

    [Fact]
    public void CostSensitiveGbdt_Caravan_MeetsRequestedRecallOnItsValidationRows()
    {
        var (train, test) = Caravan.Value;
        var rule = new AlertThresholdOptions { TargetRecall = 0.7 };
        var candidate = FraudScenario.SpecialisedCandidates(ScenarioColumns.None, rule)[0];
        var model = ScenarioTestData.FitPipeline(candidate, train, seed: 3);
        var threshold = float.Parse(model.Metadata["alertThreshold"], CultureInfo.InvariantCulture);

        // Recompute the operating point on the held-out rows the threshold was chosen on.
        var (_, holdout, _) = FraudScenario.HoldoutSplit(train, null, rule.HoldoutFraction, 3);
        var held = train.SelectRows(holdout);
        var point = AlertThreshold.Evaluate(held.Labels, model.Predict(held.Features), threshold);
        Assert.True(point.Recall >= 0.7, point.ToString());
        Assert.Equal(point.Recall, double.Parse(model.Metadata["recallAtThreshold"], CultureInfo.InvariantCulture), 4);
        Assert.Equal(point.AlertsPerThousand, double.Parse(model.Metadata["alertsPerThousand"], CultureInfo.InvariantCulture), 2);

        // On unseen rows the model ranks rare positives well above the 6 % base rate.
        var scores = model.Predict(test.Features);
        var metrics = BinaryMetrics.Compute(test.Labels, scores);
        Assert.InRange(metrics.Auprc, 0.10, 0.25);
        Assert.InRange(metrics.Auc, 0.66, 0.80);
        Assert.Equal(scores, ScenarioTestData.RoundTrip(model).Predict(test.Features));
    }

    [Fact]
    public void Plan_AlertBudgetInTheContext_ThresholdKeepsItOnItsValidationRows()
    {
        // The context's threshold rule (eml automl --alert-budget) reaches the planned candidate: before, Plan always
        // gave the default 80 % recall rule, which alerted on about half of caravan's rows.
        var (train, _) = Caravan.Value;
        var table = CsvTable.Read(TestPaths.Dataset("fraud-coil2000-caravan.csv"));
        var rule = new AlertThresholdOptions { Target = AlertTarget.AlertBudget, AlertsPerThousand = 50 };
        var plan = new FraudScenario().Plan(new ScenarioContext(table, "CARAVAN", TaskKind.Binary, "insurance") { AlertThreshold = rule });
        var candidate = plan.Candidates.Single(c => c.Name == "cost-sensitive-gbdt");
        var fitted = candidate.Fit(new CandidateFitContext(train, 3, 1, ScenarioColumns.None), candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint()));
        Assert.EndsWith("alert threshold (≤ 50 alerts per 1,000)", ((IDescribedCandidate)fitted).Pipeline, StringComparison.Ordinal);
        var model = ((FittedPipeline)fitted).Model;
        var threshold = float.Parse(model.Metadata["alertThreshold"], CultureInfo.InvariantCulture);

        var (_, holdout, _) = FraudScenario.HoldoutSplit(train, null, rule.HoldoutFraction, 3);
        var held = train.SelectRows(holdout);
        var point = AlertThreshold.Evaluate(held.Labels, model.Predict(held.Features), threshold);
        Assert.InRange(point.AlertsPerThousand, 25, 50);
        Assert.Equal(point.AlertsPerThousand, double.Parse(model.Metadata["alertsPerThousand"], CultureInfo.InvariantCulture), 2);
        Assert.Equal(point.Recall, double.Parse(model.Metadata["recallAtThreshold"], CultureInfo.InvariantCulture), 4);
    }

    [Fact]
    public void Plan_AlertRuleOutOfRangeInTheContext_ThrowsNamingTheOption()
    {
        var table = CsvTable.Read(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FraudScenario().Plan(
            new ScenarioContext(table, "label", TaskKind.Binary, "1") { AlertThreshold = new AlertThresholdOptions { TargetRecall = 1.5 } }));
        Assert.Equal(nameof(AlertThresholdOptions.TargetRecall), e.ParamName);
    }

    [Fact]
    public async Task Report_CostSensitiveWinnerWithTestRows_StatesTheOperatingPointOnThem()
    {
        // The details give the alert threshold's operating point on held-out training rows; the test metrics also
        // give it on the test rows (before, only the metrics at the 0.5 cut: F1 0 for a fraud winner).
        var (train, test) = Caravan.Value;
        var candidate = FraudScenario.SpecialisedCandidates(ScenarioColumns.None)[0];
        var plan = new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Auprc, [candidate], reportMetrics: [ScenarioMetric.Auc]);
        var result = await new SweepRunner(new SweepOptions { BudgetSeconds = null, MaximumTrials = 1, EnsembleSelection = false, Seed = 5 })
            .RunAsync(new SweepRequest(train, plan, "fraud"));
        var report = SweepReport.Build(result, plan, test);

        var threshold = float.Parse(result.WinnerDetails.Single(d => d.Key == "alertThreshold").Value, CultureInfo.InvariantCulture);
        var point = AlertThreshold.Evaluate(test.Labels, result.Model.Score(test.Features), threshold);
        var metrics = report.TestMetrics.ToDictionary(m => m.Key, m => m.Value);
        Assert.Equal(point.Precision, metrics["precisionAtThreshold"]);
        Assert.Equal(point.Recall, metrics["recallAtThreshold"]);
        Assert.Equal(point.AlertsPerThousand, metrics["alertsPerThousand"]);
        Assert.InRange(point.Recall, 0.5, 1);
        Assert.InRange(point.AlertsPerThousand, 50, 900);
        using var doc = System.Text.Json.JsonDocument.Parse(ReportJson.ToJson(report));
        Assert.Equal(Math.Round(point.Recall, 6), doc.RootElement.GetProperty("test").GetProperty("recallAtThreshold").GetDouble());
        Assert.Equal("cost-sensitive-gbdt", doc.RootElement.GetProperty("winner").GetProperty("candidate").GetString());
    }

    [Fact]
    public void Plan_TimestampColumn_TimeOrderedValidationAndHoldoutIsLatest()
    {
        const int n = 200;
        var ticks = new long[n];
        var amount = new float[n];
        var label = new string?[n];
        for (var i = 0; i < n; i++)
        {
            // File order is not time order.
            ticks[i] = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours((i * 37) % n).Ticks;
            amount[i] = i % 13;
            label[i] = i % 10 == 0 ? "fraud" : "ok";
        }

        var table = new DataTable([new DateTimeColumn("event_time", ticks), new NumericColumn("amount", amount), new StringColumn("label", label)]);
        var plan = new FraudScenario().Plan(new ScenarioContext(table, "label", TaskKind.Binary, "fraud"));
        Assert.Equal("auprc", plan.PrimaryMetric.Name);
        Assert.Equal(ValidationKind.TimeOrdered, plan.Validation.Kind);
        Assert.Equal("event_time", plan.Validation.TimeColumn);
        Assert.Equal("event_time", plan.Columns.TimestampColumn);
        Assert.Contains(plan.Candidates, c => c.Kind == CandidateKind.General);
        Assert.Contains(plan.Candidates, c => c.Name == "cost-sensitive-gbdt" && c.Kind == CandidateKind.Specialised
            && c.SearchSpace.Parameters.Any(p => p.Name == "ScalePositiveWeight"));

        var data = LabelEncoding.Encode(table, "label", TaskKind.Binary, "fraud");
        var (fit, holdout, _) = FraudScenario.HoldoutSplit(data, "event_time", 0.2, 1);
        Assert.Equal(40, holdout.Length);
        var latestFit = long.MinValue;
        foreach (var r in fit)
        {
            latestFit = Math.Max(latestFit, ticks[r]);
        }

        foreach (var r in holdout)
        {
            Assert.True(ticks[r] > latestFit);
        }
    }

    [Fact]
    public void HoldoutSplit_RareRowsAllInTheLatestFifth_StratifiedSoTheFitRowsKeepThem()
    {
        // 25 positives, all among the latest 50 of 500 rows: the latest 20 % would take every one of them.
        var data = TimeOrderedRows(500, i => i >= 450 && i % 2 == 0);
        var (fit, holdout, latest) = FraudScenario.HoldoutSplit(data, "time", 0.2, 1);
        Assert.False(latest);
        Assert.Equal(5, holdout.Count(r => data.Labels[r] > 0.5f));
        Assert.Equal(20, fit.Count(r => data.Labels[r] > 0.5f));
        Assert.Equal(100, holdout.Length);
        Assert.Equal(500, fit.Length + holdout.Length);
    }

    [Fact]
    public void HoldoutSplit_NoRareRowInTheLatestFifth_WidenedBackInTime()
    {
        // 25 positives among the first 350 of 500 rows: none in the latest 100.
        var data = TimeOrderedRows(500, i => i < 350 && i % 14 == 0);
        var (fit, holdout, latest) = FraudScenario.HoldoutSplit(data, "time", 0.2, 1);
        Assert.True(latest);
        Assert.Equal(5, holdout.Count(r => data.Labels[r] > 0.5f));
        Assert.Equal(20, fit.Count(r => data.Labels[r] > 0.5f));
        Assert.True(holdout.Length > 100);
        var time = ((NumericColumn)data.Features["time"]).Values.ToArray();
        Assert.True(holdout.Min(r => time[r]) > fit.Max(r => time[r]), "the holdout is still the latest rows");
    }

    [Fact]
    public void CostSensitiveGbdt_FraudSensorByReading_RanksTheSweepsValidationRows()
    {
        // The README's fraud-sensor sweep (--timestamp reading): the training fold's anomalies all lie in its latest
        // fifth, which the candidate used to hold out whole, fitting on normal rows only (a constant model: AUC 0.5,
        // AUPRC 0.003, the base rate; now 0.89 and 0.34).
        var table = CsvTable.Read(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var plan = new FraudScenario().Plan(new ScenarioContext(table, "label", TaskKind.Binary, "1") { TimestampColumn = "reading" });
        var data = LabelEncoding.Encode(table, "label", TaskKind.Binary, "1");
        var split = ValidationSplit.Create(data, plan.Validation, 0);
        var train = data.SelectRows(split.TrainRows[0]);
        var valid = data.SelectRows(split.ValidationRows[0]);
        var candidate = plan.Candidates.Single(c => c.Name == "cost-sensitive-gbdt");
        var model = ScenarioTestData.FitPipeline(candidate, train, columns: plan.Columns);
        var metrics = BinaryMetrics.Compute(valid.Labels, model.Predict(valid.Features));
        Assert.InRange(metrics.Auprc, 0.2, 1);
        Assert.InRange(metrics.Auc, 0.8, 1);
        Assert.InRange(double.Parse(model.Metadata["recallAtThreshold"], CultureInfo.InvariantCulture), 0.8, 1);
        Assert.InRange(double.Parse(model.Metadata["alertsPerThousand"], CultureInfo.InvariantCulture), 0, 500);
    }

    private static CandidateData TimeOrderedRows(int n, Func<int, bool> positive)
    {
        var time = new float[n];
        var x = new float[n];
        var label = new string?[n];
        for (var i = 0; i < n; i++)
        {
            // File order is not time order.
            var t = (i * 37) % n;
            time[i] = t;
            x[i] = t % 7;
            label[i] = positive(t) ? "fraud" : "ok";
        }

        var table = new DataTable([new NumericColumn("time", time), new NumericColumn("x", x), new StringColumn("label", label)]);
        return LabelEncoding.Encode(table, "label", TaskKind.Binary, "fraud");
    }

    [Fact]
    public void Plan_NoTimestamp_AutoValidation()
    {
        var table = CsvTable.Read(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var plan = new FraudScenario().Plan(new ScenarioContext(table, "label", TaskKind.Binary, "1"));
        Assert.Equal(ValidationKind.Auto, plan.Validation.Kind);
        Assert.Null(plan.Columns.TimestampColumn);
        Assert.Same(typeof(FraudScenario), ScenarioCatalog.Get("fraud").GetType());
    }

    [Fact]
    public void Plan_NamedTimeColumn_OrdersTheValidationByIt()
    {
        // fraud-sensor has no date-time column, so nothing is found; `reading` is a running number the user can name.
        var table = CsvTable.Read(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var plan = new FraudScenario().Plan(new ScenarioContext(table, "label", TaskKind.Binary, "1") { TimestampColumn = "reading" });
        Assert.Equal(ValidationKind.TimeOrdered, plan.Validation.Kind);
        Assert.Equal("reading", plan.Validation.TimeColumn);
        Assert.Equal("reading", plan.Columns.TimestampColumn);
    }

    [Theory]
    [InlineData("mote", "Time column 'mote' is not a feature column of the training rows.")]
    [InlineData("label", "Time column 'label' is not a feature column of the training rows.")]
    public void Plan_NamedTimeColumnThatIsNotThere_IsAnError(string column, string expected)
    {
        var table = CsvTable.Read(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var e = Assert.Throws<ArgumentException>(() => new FraudScenario().Plan(new ScenarioContext(table, "label", TaskKind.Binary, "1") { TimestampColumn = column }));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NamedTimeColumnOfText_IsAnErrorSayingWhatItHolds()
    {
        var table = new DataTable([new StringColumn("when", ["mon", "tue", "wed", "thu"]), new NumericColumn("x", [1, 2, 3, 4]), new StringColumn("label", ["a", "b", "a", "b"])]);
        var e = Assert.Throws<ArgumentException>(() => new FraudScenario().Plan(new ScenarioContext(table, "label", TaskKind.Binary, "b") { TimestampColumn = "when" }));
        Assert.StartsWith("Time column 'when' must hold dates and times or numbers (such as Unix seconds); it was read as", e.Message, StringComparison.Ordinal);
    }
}
