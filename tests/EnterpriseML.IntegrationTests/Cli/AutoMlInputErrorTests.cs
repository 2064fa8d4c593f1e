using EnterpriseML.Cli.Commands;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary><c>eml automl</c> on bad input: the error names the file and what is wrong, before any budget is spent.</summary>
public sealed class AutoMlInputErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-automl-input-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TestFileWithoutATrainingColumn_FailsAtOnce_NamingFileAndColumns()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, lines[..801]);
        // The test file lacks 'age' and 'job'.
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => header[i] is not ("age" or "job")).ToArray();
        var test = Path.Combine(_directory, "test.csv");
        File.WriteAllLines(test, lines[801..].Prepend(lines[0]).Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))));

        var request = new AutoMlRequest(train, test, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal");
        using var writer = new StringWriter();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, writer, CancellationToken.None));

        Assert.Equal("test.csv: no columns 'age', 'job', which train.csv has; the test rows need every training column (--ignore leaves one out of both).", error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: the sweep ran first");
        Assert.Empty(writer.ToString());
    }

    [Fact]
    public async Task TestValueThatDoesNotFitItsTrainingColumn_FailsAtOnce_NamingFileLineAndColumn()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, lines[..801]);
        // 'duration' is numeric in training; the test file's third row (line 4) spells it out.
        var column = Array.IndexOf(lines[0].Split(','), "duration");
        var testLines = lines[801..].Prepend(lines[0]).ToArray();
        var fields = testLines[3].Split(',');
        fields[column] = "twelve";
        testLines[3] = string.Join(',', fields);
        var test = Path.Combine(_directory, "test.csv");
        File.WriteAllLines(test, testLines);

        var request = new AutoMlRequest(train, test, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal");
        using var writer = new StringWriter();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CsvFormatException>(() => AutoMlCommand.RunAsync(request, writer, CancellationToken.None));

        Assert.Equal("test.csv, line 4: column 'duration' is set to Numeric but holds 'twelve', which is not a number.", error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: the sweep ran first");
        Assert.Empty(writer.ToString());
    }

    [Fact]
    public async Task LabelWithOneClass_FailsBeforeTheSweep_NamingFileAndValue()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "good-only.csv");
        File.WriteAllLines(train, lines.Take(1).Concat(lines.Skip(1).Where(l => l.EndsWith(",good", StringComparison.Ordinal)).Take(300)));
        var request = new AutoMlRequest(train, null, "class", null, "credit", Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal("good-only.csv: Label 'class' has one value only, 'good' in all 300 rows with a label; a label needs at least two distinct values (classes to tell apart, or a quantity that varies).", CliErrors.Describe(error));
    }

    [Fact]
    public async Task TooFewRows_FailsBeforeTheSweep_NamingTheFile()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "three.csv");
        // Three rows, both classes among them.
        File.WriteAllLines(train, lines[..4]);
        var output = Path.Combine(_directory, "out");
        var request = new AutoMlRequest(train, null, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: output, Json: true, Threads: 1,
            null, null, "cost-frugal");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal("three.csv: 3 training rows with a 'class' value; a sweep needs at least 10.", error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task BinaryClassOfOneRow_FailsNamingTheFile()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "one-bad.csv");
        File.WriteAllLines(train, lines.Take(1)
            .Concat(lines.Skip(1).Where(l => l.EndsWith(",good", StringComparison.Ordinal)).Take(200))
            .Concat(lines.Skip(1).Where(l => l.EndsWith(",bad", StringComparison.Ordinal)).Take(1)));
        var output = Path.Combine(_directory, "out");
        var request = new AutoMlRequest(train, null, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: output, Json: true, Threads: 1,
            null, null, "cost-frugal");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.StartsWith("one-bad.csv: Label 'class' has 1 training row of class 'bad' among 201:", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData(null, 0.5, "--max-trial-memory must be in [1, 1000000000] MB.")]
    [InlineData(0.0, null, "--max-trial-seconds must be in (0, 604800] seconds.")]
    [InlineData(-3.0, null, "--max-trial-seconds must be in (0, 604800] seconds.")]
    public async Task TrialCapOutOfRange_FailsBeforeTheSweep_NamingTheOption(double? seconds, double? megabytes, string expected)
    {
        var request = new AutoMlRequest(Path.Combine(_directory, "not-read.csv"), null, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: null,
            Json: true, Threads: 1, null, null, "cost-frugal", MaxTrialSeconds: seconds, MaxTrialMemoryMegabytes: megabytes);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.StartsWith(expected, CliErrors.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutIsAFile_FailsBeforeTheSweep_NamingTheOption()
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..201]);
        var output = Path.Combine(_directory, "results");
        File.WriteAllText(output, "not a directory");
        var request = new AutoMlRequest(train, null, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: output, Json: true, Threads: 1,
            null, null, "cost-frugal");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal($"--out '{output}' is a file; --out names a directory (created when missing).", error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: the sweep ran first");
        Assert.Equal("not a directory", File.ReadAllText(output));
    }

    [Fact]
    public void PrepareOutputDirectory_ChecksWithoutCreatingAnything()
    {
        var output = Path.Combine(_directory, "a", "b");

        AutoMlCommand.PrepareOutputDirectory(output);

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory)); // the outputs create it; a failed run leaves nothing
    }

    [Fact]
    public void PrepareOutputDirectory_AFileOnThePath_NamesIt()
    {
        var file = Path.Combine(_directory, "afile");
        File.WriteAllText(file, "x");

        var error = Assert.Throws<ArgumentException>(() => AutoMlCommand.PrepareOutputDirectory(Path.Combine(file, "run")));

        Assert.Equal($"--out '{Path.Combine(file, "run")}': '{file}' is a file, so no directory can be created below it.", error.Message);
    }

    [Fact]
    public async Task RunThatFails_LeavesNoOutDirectory()
    {
        var output = Path.Combine(_directory, "results");
        var request = new AutoMlRequest(Path.Combine(_directory, "missing.csv"), null, "class", null, "credit", Budget: 30, Seed: 0, Ignore: [], Out: output, Json: true, Threads: 1,
            null, null, "cost-frugal");

        await Assert.ThrowsAnyAsync<IOException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("--user")]
    [InlineData("--relevance-threshold")]
    public async Task RecommendationOptionOnATabularScenario_IsAnError(string option)
    {
        var request = new AutoMlRequest(TestPaths.Dataset("credit-german-statlog.csv"), null, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal", User: option == "--user" ? "age" : null, RelevanceThreshold: option == "--user" ? null : 3);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal($"{option} applies to recommendation only, not to --scenario credit.", error.Message);
    }

    /// <summary>
    /// The sentiment scenario needs a text column: without one the error names the categorical columns and --text; with
    /// <c>--text</c> a column is read as text and the sweep runs; an unknown <c>--text</c> names the file's columns.
    /// </summary>
    [Fact]
    public async Task Text_ReadsAColumnAsText_ForTheSentimentScenario()
    {
        var train = Path.Combine(_directory, "train.csv");
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => header[i] is "purpose" or "duration" or "class").ToArray();
        File.WriteAllLines(train, lines[..401].Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))));
        AutoMlRequest Request(string[] text) => new(train, null, "class", "bad", "sentiment", Budget: 60, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            MaxTrials: 4, null, "cost-frugal", Text: text);

        var none = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(Request([]), TextWriter.Null, CancellationToken.None));
        Assert.StartsWith("The sentiment scenario needs a free-text column; none of the columns was read as text (text averages 3 or more words of 20 or more bytes, mostly distinct). Categorical: 'purpose'; `eml automl --text COL` reads one as text.", none.Message, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(Request(["purpse"]), TextWriter.Null, CancellationToken.None));
        Assert.Equal("--text 'purpse': train.csv has no column of that name; did you mean 'purpose'? Available: duration, purpose, class.", unknown.Message);

        using var writer = new StringWriter();
        Assert.Equal(0, await AutoMlCommand.RunAsync(Request(["purpose"]), writer, CancellationToken.None));
        using var report = System.Text.Json.JsonDocument.Parse(writer.ToString());
        Assert.Equal("sentiment", report.RootElement.GetProperty("scenario").GetString());
        Assert.Equal(4, report.RootElement.GetProperty("trials").GetInt32());
    }

    [Fact]
    public async Task IgnoreWithTheRecommendationScenario_IsAnError()
    {
        var request = new AutoMlRequest(TestPaths.Dataset("recsys-scotch-implicit.csv"), null, null, null, "recommendation", Budget: 30, Seed: 0, Ignore: ["brand"], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal", User: "respondent", Item: "brand");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal("--ignore does not apply to --scenario recommendation: it reads only the --user, --item, --label and --timestamp columns.", error.Message);
    }

    /// <summary>
    /// A test label the training rows never had is named by the file's line, as the reader's own errors are: the test
    /// file has a quoted field spanning three lines above the bad row, so its data row (5) and its line (8) differ; the
    /// error had said "row 5".
    /// </summary>
    [Fact]
    public async Task TestLabelValueThatTrainingNeverHad_NamesTheFileAndTheLine()
    {
        var (train, test) = WriteTrainAndTestWithUnknownLabel(_directory);
        var request = new AutoMlRequest(train, test, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal("test.csv, line 8: label 'class' holds 'maybe', which is not one of the training classes (good, bad).", error.Message);
    }

    /// <summary>
    /// credit-german's first 800 rows as train.csv, the other 200 as test.csv with a quoted three-line <c>purpose</c> in
    /// data row 2 (lines 3–5) and the label 'maybe' in data row 5, which starts on line 8.
    /// </summary>
    internal static (string Train, string Test) WriteTrainAndTestWithUnknownLabel(string directory)
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var header = lines[0].Split(',');
        var train = Path.Combine(directory, "train.csv");
        File.WriteAllLines(train, lines[..801]);
        var testLines = lines[801..].Prepend(lines[0]).ToArray();
        var multiLine = testLines[2].Split(',');
        multiLine[Array.IndexOf(header, "purpose")] = "\"radio\nand\r\ntv\"";
        testLines[2] = string.Join(',', multiLine);
        var fields = testLines[5].Split(',');
        fields[Array.IndexOf(header, "class")] = "maybe";
        testLines[5] = string.Join(',', fields);
        var test = Path.Combine(directory, "test.csv");
        File.WriteAllText(test, string.Join("\n", testLines) + "\n");
        return (train, test);
    }

    public static TheoryData<string[], int?, int?, double?, string> OptionErrors => new()
    {
        { [], 0, null, null, "--threads must be at least 1." },
        { [], null, 0, null, "--max-trials must be at least 1." },
        { [], null, null, -1.0, "--max-predict-us must be > 0 microseconds per row." },
        { ["class"], null, null, null, "--ignore 'class' is the label column; a sweep cannot leave out what it learns." },
        { ["sourc"], null, null, null, "--ignore 'sourc': train.csv has no column of that name. Available: checking_status, duration," },
        { File.ReadLines(TestPaths.Dataset("credit-german-statlog.csv")).First().Split(',').Where(c => c != "class").ToArray(), null, null, null,
            "train.csv has no column to learn from: besides the label 'class' and the ignored 'checking_status', 'duration'," },
    };

    [Theory]
    [InlineData("duration", "auto", "--positive 'bad' names the positive class of a binary label; 'duration' is a regression label.")]
    [InlineData("purpose", "auto", "--positive 'bad' names the positive class of a binary label; 'purpose' is a multiclass label.")]
    public async Task PositiveClassOfALabelThatIsNotBinary_FailsBeforeTheSweep(string label, string scenario, string expected)
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..201]);
        var request = new AutoMlRequest(train, null, label, "bad", scenario, Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [MemberData(nameof(OptionErrors))]
    public async Task BadOption_FailsBeforeTheSweep_NamingTheOption(string[] ignore, int? threads, int? maxTrials, double? maxPredictUs, string expected)
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..201]);
        var request = new AutoMlRequest(train, null, "class", "bad", "credit", Budget: 30, Seed: 0, Ignore: ignore, Out: null, Json: true, Threads: threads,
            maxTrials, maxPredictUs, "cost-frugal");
        using var writer = new StringWriter();
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, writer, CancellationToken.None));

        Assert.StartsWith(expected, CliErrors.Describe(error), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: the sweep ran first");
        Assert.Empty(writer.ToString());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    [InlineData(double.NaN)]
    [InlineData(1e9)] // over a week: the engine's limit, named as the option
    public async Task BadBudget_NamesTheOptionAndItsRange(double budget)
    {
        var request = new AutoMlRequest(Path.Combine(_directory, "not-read.csv"), null, "class", "bad", "credit", Budget: budget, Seed: 0, Ignore: [], Out: null,
            Json: true, Threads: 1, null, null, "cost-frugal");

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.StartsWith("--budget must be in (0, 604800] seconds (at most a week).", CliErrors.Describe(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("credit", "duration", new string[0], "--timestamp applies to --scenario fraud (its time-ordered validation) and recommendation, not credit.")]
    [InlineData("fraud", "when", new string[0], "--timestamp 'when': train.csv has no column of that name. Available: checking_status,")]
    [InlineData("fraud", "duration", new[] { "duration" }, "--ignore names 'duration', the --timestamp column that orders the validation.")]
    [InlineData("fraud", "purpose", new string[0], "Time column 'purpose' must hold dates and times or numbers (such as Unix seconds); it was read as categorical. Dates are read in the forms yyyy-MM-dd or yyyy/MM/dd, or MM/dd/yyyy (month first), each optionally followed by a time (HH:mm[:ss]) and an offset (Z, ±hh:mm).")]
    public async Task BadTimestamp_FailsBeforeTheSweep_NamingWhatIsWrong(string scenario, string timestamp, string[] ignore, string expected)
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..201]);
        var request = new AutoMlRequest(train, null, "class", "bad", scenario, Budget: 30, Seed: 0, Ignore: ignore, Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal", Timestamp: timestamp);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.StartsWith(expected, CliErrors.Describe(error), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: the sweep ran first");
    }

    [Fact]
    public async Task UnknownLabel_NamesTheOptionTheFileAndTheColumns()
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..201]);
        var request = new AutoMlRequest(train, null, "klass", null, "credit", Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.StartsWith("--label 'klass': train.csv has no column of that name; did you mean 'class'? Available: checking_status,", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(", class.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fraud", 1.5, null, "--target-recall must be in (0, 1], the share of the positives the alerts must catch; got 1.5.")]
    [InlineData("fraud", 0.0, null, "--target-recall must be in (0, 1], the share of the positives the alerts must catch; got 0.")]
    [InlineData("fraud", null, 0.0, "--alert-budget must be in (0, 1000] alerts per 1,000 rows; got 0.")]
    [InlineData("fraud", null, 1500.0, "--alert-budget must be in (0, 1000] alerts per 1,000 rows; got 1500.")]
    [InlineData("fraud", 0.9, 20.0, "--target-recall and --alert-budget choose the fraud alert threshold two ways (a share of the positives to catch, a number of alerts to raise); give one.")]
    [InlineData("credit", 0.9, null, "--target-recall applies to --scenario fraud (it chooses the alert threshold), not credit.")]
    [InlineData("auto", null, 20.0, "--alert-budget applies to --scenario fraud (it chooses the alert threshold), not auto.")]
    [InlineData("recommendation", null, 20.0, "--alert-budget applies to --scenario fraud (it chooses the alert threshold), not recommendation.")]
    public async Task BadAlertRule_FailsBeforeTheSweep_NamingTheOption(string scenario, double? targetRecall, double? alertBudget, string expected)
    {
        // Before, the fraud threshold was always chosen for 80 % recall: there was no option to ask for another rule.
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..201]);
        var request = new AutoMlRequest(train, null, "class", "bad", scenario, Budget: 30, Seed: 0, Ignore: [], Out: null, Json: true, Threads: 1,
            null, null, "cost-frugal", TargetRecall: targetRecall, AlertBudget: alertBudget);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Equal(expected, CliErrors.Describe(error));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"failed after {started.Elapsed}: the sweep ran first");
    }
}
