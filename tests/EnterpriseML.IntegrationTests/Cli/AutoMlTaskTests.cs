using System.Text.Json;
using EnterpriseML.Cli.Commands;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary><c>eml automl</c>'s task: inferred from the label (whole-number class codes are classes), or <c>--task</c>.</summary>
public sealed class AutoMlTaskTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-automl-task-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Train()
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..801]);
        return train;
    }

    /// <summary>
    /// Eight trials end the sweep. The budget is far beyond what they take even on a loaded machine: <c>--max-trials</c>
    /// gives all N trials only when they finish within <c>--budget</c> (automl.md), and at 60 s a busy machine had
    /// reached the sweep's deadline after 7.
    /// </summary>
    private static AutoMlRequest Request(string train, string label, string? task, string scenario = "auto") =>
        new(train, null, label, null, scenario, Budget: 900, Seed: 0, Ignore: ["class"], Out: null, Json: true, Threads: 1,
            MaxTrials: 8, null, "cost-frugal", Task: task);

    /// <summary>
    /// German credit's installment rate is a code 1–4: read as classes by default (accuracy over four classes), as a
    /// quantity with <c>--task regression</c>.
    /// </summary>
    [Theory]
    [InlineData(null, "multiclass", "accuracy")]
    [InlineData("regression", "regression", "rmse")]
    [InlineData("Multiclass", "multiclass", "accuracy")]
    public async Task ClassCodes_AreMulticlassUnlessTaskSaysOtherwise(string? task, string expectedTask, string expectedMetric)
    {
        using var writer = new StringWriter();
        Assert.Equal(0, await AutoMlCommand.RunAsync(Request(Train(), "installment_commitment", task), writer, CancellationToken.None));

        using var report = JsonDocument.Parse(writer.ToString());
        Assert.Equal(expectedTask, report.RootElement.GetProperty("task").GetString());
        Assert.Equal(expectedMetric, report.RootElement.GetProperty("metric").GetString());
        Assert.Equal(8, report.RootElement.GetProperty("trials").GetInt32());
    }

    /// <summary>
    /// A multiclass sweep's test block has the metrics eml train reports for the task, macroF1 included (it had
    /// accuracy, macroAccuracy and logLoss only), each equal to the metric recomputed from the saved model's
    /// predictions on the test file: diamonds' cut, five classes.
    /// </summary>
    [Fact]
    public async Task Multiclass_TestMetrics_AreEmlTrainsAndMatchTheSavedModel()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var train = Path.Combine(_directory, "cut-train.csv");
        var test = Path.Combine(_directory, "cut-test.csv");
        File.WriteAllLines(train, lines[..1501]);
        File.WriteAllLines(test, lines[20001..20601].Prepend(lines[0]));
        var output = Path.Combine(_directory, "out");
        var request = new AutoMlRequest(train, test, "cut", null, "auto", Budget: 900, Seed: 0, Ignore: [], Out: output, Json: true, Threads: 1,
            MaxTrials: 2, null, "cost-frugal");

        using var writer = new StringWriter();
        Assert.Equal(0, await AutoMlCommand.RunAsync(request, writer, CancellationToken.None));

        using var report = JsonDocument.Parse(writer.ToString());
        var reported = report.RootElement.GetProperty("test");
        var model = Engine.Models.ModelPipeline.Load(Path.Combine(output, "model.eml"));
        var table = Engine.Data.CsvTable.Read(test, new Engine.Data.CsvOptions { ColumnTypes = model.Schema.InputTypes, IgnoreUnknownColumnTypes = true });
        var classes = model.Schema.ClassNames.ToList();
        var labels = ((Engine.Data.StringColumn)table["cut"]).Values.ToArray().Select(v => (float)classes.IndexOf(v!)).ToArray();
        var expected = Engine.Evaluation.MulticlassMetrics.Compute(labels, model.Predict(table), classes.Count);
        // The report rounds to 6 places.
        Assert.Equal(expected.Accuracy, reported.GetProperty("accuracy").GetDouble(), tolerance: 1e-5);
        Assert.Equal(expected.MacroAccuracy, reported.GetProperty("macroAccuracy").GetDouble(), tolerance: 1e-5);
        Assert.Equal(expected.LogLoss, reported.GetProperty("logLoss").GetDouble(), tolerance: 1e-5);
        Assert.Equal(expected.MacroF1, reported.GetProperty("macroF1").GetDouble(), tolerance: 1e-5);
    }

    [Theory]
    [InlineData("purpose", "regression", "--task 'regression' needs a numeric label; 'purpose' was read as categorical.")]
    [InlineData("installment_commitment", "binary", "--task 'binary' needs a label with two values; 'installment_commitment' has 4.")]
    public async Task TaskTheLabelCannotBe_FailsBeforeTheSweep(string label, string task, string expected)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(Request(Train(), label, task), TextWriter.Null, CancellationToken.None));

        Assert.Equal(expected, error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"failed after {started.Elapsed}: the sweep ran first");
    }

    [Theory]
    [InlineData("recommendation", "auto", "--task recommendation: expected binary, multiclass or regression (for recommendations: the recommendation scenario).")]
    [InlineData("ordinal", "auto", "--task ordinal: expected binary, multiclass or regression.")]
    [InlineData("regression", "recommendation", "--task does not apply to --scenario recommendation (it ranks items for users).")]
    public async Task BadTask_FailsBeforeTheSweep_NamingTheOption(string task, string scenario, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            AutoMlCommand.RunAsync(Request(Path.Combine(_directory, "not-read.csv"), "installment_commitment", task, scenario), TextWriter.Null, CancellationToken.None));

        Assert.Equal(expected, error.Message);
    }

    /// <summary>
    /// <c>--max-trials</c> asks for a reproducible sweep: two runs with the same seed on two threads (so the trials
    /// interleave differently) give the same leaderboard, parameters, scores and winner.
    /// </summary>
    [Fact]
    public async Task MaxTrials_SameSeedTwice_SameLeaderboardAndWinner()
    {
        var request = new AutoMlRequest(Train(), null, "class", "bad", "credit", Budget: 900, Seed: 5, Ignore: [], Out: null, Json: true, Threads: 2,
            MaxTrials: 16, null, "cost-frugal");
        var runs = new List<JsonElement>();
        for (var run = 0; run < 2; run++)
        {
            using var writer = new StringWriter();
            Assert.Equal(0, await AutoMlCommand.RunAsync(request, writer, CancellationToken.None));
            runs.Add(JsonDocument.Parse(writer.ToString()).RootElement.Clone());
        }

        static string Board(JsonElement report) => string.Join('\n', report.GetProperty("leaderboard").EnumerateArray().Select(e =>
            $"{e.GetProperty("candidate").GetString()} {e.GetProperty("parameters")} {e.GetProperty("validationScore").GetDouble():R}"));

        Assert.Equal(16, runs[0].GetProperty("trials").GetInt32());
        Assert.Equal(Board(runs[0]), Board(runs[1]));
        Assert.Equal(runs[0].GetProperty("winner").GetProperty("candidate").GetString(), runs[1].GetProperty("winner").GetProperty("candidate").GetString());
    }

    /// <summary>
    /// The same holds across thread counts: with <c>--threads 1</c> each trial used to be proposed after its
    /// predecessor's result and with <c>--threads 2</c> one result earlier, so from trial 11 on the tuners proposed
    /// other points and another candidate won (random-forest against scorecard).
    /// </summary>
    [Fact]
    public async Task MaxTrials_OneAndTwoThreads_SameTrialsAndWinner()
    {
        var runs = new List<JsonElement>();
        foreach (var threads in new[] { 1, 2 })
        {
            var request = new AutoMlRequest(Train(), null, "class", "bad", "credit", Budget: 900, Seed: 5, Ignore: [], Out: null, Json: true, Threads: threads,
                MaxTrials: 16, null, "cost-frugal");
            using var writer = new StringWriter();
            Assert.Equal(0, await AutoMlCommand.RunAsync(request, writer, CancellationToken.None));
            runs.Add(JsonDocument.Parse(writer.ToString()).RootElement.Clone());
        }

        static string Board(JsonElement report) => string.Join('\n', report.GetProperty("leaderboard").EnumerateArray().Select(e =>
            $"{e.GetProperty("candidate").GetString()} {e.GetProperty("parameters")} {e.GetProperty("validationScore").GetDouble():R} {e.GetProperty("modelBytes").GetInt64()}"));

        Assert.Equal(16, runs[1].GetProperty("trials").GetInt32());
        Assert.Equal(Board(runs[0]), Board(runs[1]));
        Assert.Equal(runs[0].GetProperty("winner").GetProperty("candidate").GetString(), runs[1].GetProperty("winner").GetProperty("candidate").GetString());
    }
}
