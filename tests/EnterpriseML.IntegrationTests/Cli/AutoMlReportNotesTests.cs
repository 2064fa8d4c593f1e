using System.Net;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// <c>eml automl --out</c>'s report keeps the data warnings standard error prints: report.json's <c>notes</c> and
/// report.html list each, word for word. Before, only the rows left out for an empty label reached the report; an
/// identifier-like column, classes differing in letter case and a class too rare for every CV fold were on stderr only,
/// lost once the terminal was closed.
/// </summary>
public sealed class AutoMlReportNotesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-automl-notes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// 600 diamonds numbered by an order column, every tenth cut in capitals, two cuts emptied: each warning on stderr
    /// is a note of report.json and a paragraph of report.html.
    /// </summary>
    [Fact]
    public async Task DataWarnings_AreOnStderrAndInTheReportsNotes()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var cut = Array.IndexOf(lines[0].Split(','), "\"cut\"");
        var train = Path.Combine(_directory, "orders.csv");
        File.WriteAllLines(train, lines[1..601].Select((line, i) =>
        {
            var fields = line.Split(',');
            fields[cut] = i is 3 or 7 ? "" : i % 10 == 0 ? fields[cut].ToUpperInvariant() : fields[cut];
            return $"{500 + i}," + string.Join(',', fields);
        }).Prepend("order_id," + lines[0]));

        var (notes, html, stderr) = await RunAsync(train, "cut");

        var identifier = "column 'order_id' holds a different whole number in each of its 600 rows (500 to 1099), as an identifier does: " +
            "a model learns the file's row order from it, which leaks the label when the rows were sorted or numbered by something the label depends on; --ignore the column if it is an identifier.";
        var unlabelled = "Left out 2 training rows with no 'cut' value (orders.csv, lines 5, 9).";
        var caseVariants = Assert.Single(notes, n => n.StartsWith("Label 'cut' has classes that differ only in letter case: 'FAIR' (", StringComparison.Ordinal));
        Assert.Contains(identifier, notes);
        Assert.Contains(unlabelled, notes);
        Assert.Contains("eml: warning: " + identifier, stderr);
        Assert.Contains("eml automl: " + unlabelled, stderr);
        Assert.Contains("eml: warning: " + caseVariants, stderr);
        // Every data warning on stderr is a note; the report.html shows every note.
        Assert.All(stderr.Where(l => l.StartsWith("eml: warning: ", StringComparison.Ordinal)), l => Assert.Contains(l["eml: warning: ".Length..], notes));
        Assert.All(notes, n => Assert.Contains(WebUtility.HtmlEncode(n), html, StringComparison.Ordinal));
    }

    /// <summary>
    /// A multiclass label with a class of 2 rows among 600: the 5-fold CV validates 3 folds on no row of it, which eml
    /// automl did not say (eml train warns when its test rows lack a class). Now stderr and the report's notes say it.
    /// </summary>
    [Fact]
    public async Task MulticlassClassMissingFromCvFolds_WarnsAndIsANote()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var cut = Array.IndexOf(lines[0].Split(','), "\"cut\"");
        var train = Path.Combine(_directory, "cut.csv");
        File.WriteAllLines(train, lines[1..601].Select((line, i) =>
        {
            var fields = line.Split(',');
            fields[cut] = i is 10 or 20 ? "Flawless" : fields[cut];
            return string.Join(',', fields);
        }).Prepend(lines[0]));

        var (notes, html, stderr) = await RunAsync(train, "cut");

        var rare = Assert.Single(notes, n => n.Contains("'Flawless'", StringComparison.Ordinal));
        Assert.Equal("Some folds' validation rows (5-fold stratified CV) hold no row of class 'Flawless' (2 rows, missing from 3 of the 5 folds), " +
            "so the validation scores do not measure how the model finds it there; add rows of that class to measure it.", rare);
        Assert.Contains("eml: warning: " + rare, stderr);
        Assert.Contains(WebUtility.HtmlEncode(rare), html, StringComparison.Ordinal);
    }

    /// <summary>
    /// 600 diamonds with one depth written as "n/a": the reader takes the column as categorical and says so on stderr,
    /// naming the file, line and value. The warning is now a note of report.json and report.html as well; before, it
    /// was on stderr only, the one data warning the report left out.
    /// </summary>
    [Fact]
    public async Task NumbersWithAStrayValue_TypeWarningIsOnStderrAndInTheReportsNotes()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var depth = Array.IndexOf(lines[0].Split(','), "\"depth\"");
        var train = Path.Combine(_directory, "depths.csv");
        File.WriteAllLines(train, lines[1..601].Select((line, i) =>
        {
            var fields = line.Split(',');
            fields[depth] = i == 122 ? "n/a" : fields[depth];
            return string.Join(',', fields);
        }).Prepend(lines[0]));

        var (notes, html, stderr) = await RunAsync(train, "cut");

        var typeNote = "column 'depth' was read as categorical although 599 of 600 values are numbers: depths.csv, line 124 holds 'n/a', " +
            "which is not a number (or is beyond a 32-bit float); fix those values in the file, or --ignore the column.";
        AssertOnStderrAndInTheReport(typeNote, notes, html, stderr);
    }

    /// <summary>
    /// Churn with an order reference per row (<c>ORD-00017</c> up): stderr and the report's notes say the column looks
    /// like an identifier and what the featurizers make of it. Only numeric identifiers had been noted; a text one went
    /// into the sweep without a word.
    /// </summary>
    [Fact]
    public async Task TextIdInEveryRow_IsOnStderrAndInTheReportsNotes()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-telco-churn.csv"));
        var train = Path.Combine(_directory, "orders-churn.csv");
        File.WriteAllLines(train, lines[1..].Select((line, i) => $"ORD-{i + 17:D5},{line}").Prepend("order_ref," + lines[0]));

        var (notes, html, stderr) = await RunAsync(train, "churn");

        var identifier = "column 'order_ref' holds a different value in each of its 7,043 rows (such as 'ORD-00017'), as an identifier does: as a category each value " +
            "is in one row, fewer than the 2 a level needs, so every row with a value falls in the one 'other' level and the column is a constant that tells a model nothing; " +
            "--ignore the column if it is an identifier.";
        AssertOnStderrAndInTheReport(identifier, notes, html, stderr);
    }

    /// <summary>
    /// A copy of fraud-sensor with an added <c>TransactionDT</c> (each mote's reading number: a time by its name only)
    /// and <c>arrival</c> (1000 + row / 3: a time by its order only). The fraud sweep finds no time column, so stderr and
    /// the report's notes name both with the option that would use one; given <c>--timestamp arrival</c>, or under
    /// another scenario, they say nothing of time. Before, nothing said the split was not time-ordered.
    /// </summary>
    [Fact]
    public async Task FraudWithTimeLikeColumnsButNoTimestamp_NotesNameThemAndTheOption()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("fraud-sensor-anomaly-singlehop.csv"));
        var train = Path.Combine(_directory, "sensor.csv");
        File.WriteAllLines(train, lines.Skip(1).Select((line, i) => $"{line.Split(',')[0]},{1000 + (i / 3)},{line}").Prepend("TransactionDT,arrival," + lines[0]));

        var (notes, html, stderr) = await RunAsync(train, "label", "fraud");

        var dt = Assert.Single(notes, n => n.StartsWith("column 'TransactionDT' looks like a time (its name has the word 'DT'), ", StringComparison.Ordinal));
        var arrival = Assert.Single(notes, n => n.StartsWith("column 'arrival' looks like a time (its values never decrease in file order over all 18,914 rows, with 6,305 distinct values), ", StringComparison.Ordinal));
        Assert.EndsWith("if 'TransactionDT' orders the rows in time, pass --timestamp TransactionDT to validate on the latest rows.", dt, StringComparison.Ordinal);
        Assert.EndsWith("if 'arrival' orders the rows in time, pass --timestamp arrival to validate on the latest rows.", arrival, StringComparison.Ordinal);
        Assert.Contains("eml: warning: " + dt, stderr);
        Assert.Contains("eml: warning: " + arrival, stderr);
        Assert.Contains(WebUtility.HtmlEncode(arrival), html, StringComparison.Ordinal);

        foreach (var args in new[] { new[] { "fraud", "--timestamp", "arrival" }, ["credit"] })
        {
            var (others, _, otherStderr) = await RunAsync(train, "label", args);
            Assert.DoesNotContain(others, n => n.Contains("looks like a time", StringComparison.Ordinal));
            Assert.DoesNotContain(otherStderr, n => n.Contains("looks like a time", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Churn with a <c>notes</c> column empty in every row, then churn reduced to its label and an empty column: stderr
    /// and the report's notes say the column is used by no model, and in the second case that every model predicts the
    /// prior. The second had swept "successfully" to an AUC of 0.5 without a word.
    /// </summary>
    [Fact]
    public async Task ColumnsEmptyInEveryRow_AreOnStderrAndInTheReportsNotes()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-telco-churn.csv"));
        var churn = Array.IndexOf(lines[0].Split(','), "\"churn\"");
        var notes = Path.Combine(_directory, "notes-churn.csv");
        File.WriteAllLines(notes, lines[1..801].Select(line => "," + line).Prepend("notes," + lines[0]));
        var blank = Path.Combine(_directory, "blank-churn.csv");
        File.WriteAllLines(blank, lines[1..801].Select(line => line.Split(',')[churn] + ",").Prepend("churn,blank"));

        var (someNotes, someHtml, someStderr) = await RunAsync(notes, "churn");
        AssertOnStderrAndInTheReport("column 'notes' is empty in every training row, so no model uses it.", someNotes, someHtml, someStderr);

        var (allNotes, allHtml, allStderr) = await RunAsync(blank, "churn");
        AssertOnStderrAndInTheReport("every feature column ('blank') is empty in every training row, so there is nothing to learn from: every model " +
            "predicts the label's prior (an AUC of 0.5, or the mean value for regression); check the file's columns.", allNotes, allHtml, allStderr);
    }

    /// <summary>A data warning is on stderr as <c>eml: warning: …</c> and, word for word, a note of report.json and report.html.</summary>
    private static void AssertOnStderrAndInTheReport(string note, string[] notes, string html, string[] stderr)
    {
        Assert.Contains("eml: warning: " + note, stderr);
        Assert.Contains(note, notes);
        Assert.Contains(WebUtility.HtmlEncode(note), html, StringComparison.Ordinal);
    }

    private async Task<(string[] Notes, string Html, string[] Stderr)> RunAsync(string train, string label, params string[] scenario)
    {
        var output = Path.Combine(_directory, "out-" + Path.GetFileNameWithoutExtension(train) + "-" + string.Join('-', scenario));
        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["automl", "--train", train, "--label", label, "--scenario", .. (scenario.Length == 0 ? ["auto"] : scenario), "--budget", "300", "--max-trials", "1", "--threads", "1", "--json", "--out", output]);

        Assert.True(code == 0, stderr);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "report.json")));
        var notes = report.RootElement.TryGetProperty("notes", out var array) ? array.EnumerateArray().Select(n => n.GetString()!).ToArray() : [];
        return (notes, await File.ReadAllTextAsync(Path.Combine(output, "report.html")),
            stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
