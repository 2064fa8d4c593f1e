using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// <c>eml automl</c> without <c>--json</c>, its output going to a pipe (a log file, CI): plain text, one line per trial,
/// and a leaderboard whose candidate names are not broken across lines.
/// </summary>
public sealed class AutoMlConsoleOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-automl-console-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Redirected_PrintsPlainTrialLinesAndAnUnbrokenLeaderboard()
    {
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"))[..801]);

        // Ten trials end it (every candidate's first); the budget is only the limit on a loaded machine.
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["automl", "--train", train, "--label", "class", "--positive", "bad", "--scenario", "credit", "--budget", "30", "--max-trials", "10", "--threads", "1", "--seed", "0"]);

        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\u001b', stdout); // no terminal escape codes in a file
        var lines = stdout.Split('\n');
        var trialLines = lines.Where(l => l.StartsWith('#')).ToArray();
        Assert.NotEmpty(trialLines);
        Assert.Contains(trialLines, l => l.Contains(" auc 0.", StringComparison.Ordinal) && l.Contains(" ok ", StringComparison.Ordinal));
        // Each trial whole on its line, however many parameters it has: its end (time left, best so far) is on it too.
        Assert.All(trialLines, l => Assert.Matches(@" \d+ s left · best \S+\r?$", l));
        // Live-table redraws would repeat the header; a pipe gets each trial once.
        Assert.Equal(trialLines.Length, trialLines.Select(l => l.Split(' ')[0]).Distinct().Count());
        var board = lines.SkipWhile(l => !l.Contains("Leaderboard (auc", StringComparison.Ordinal)).TakeWhile(l => !l.StartsWith("Winner:", StringComparison.Ordinal)).ToArray();
        Assert.Contains(board, l => l.Contains(" scorecard ", StringComparison.Ordinal) && l.Contains(" specialised ", StringComparison.Ordinal));
        Assert.Contains(board, l => l.Contains(" logistic-regression ", StringComparison.Ordinal) && l.Contains(" general ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Winner: ", StringComparison.Ordinal));
    }
}
