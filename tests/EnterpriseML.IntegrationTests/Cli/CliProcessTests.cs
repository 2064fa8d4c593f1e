using System.Diagnostics;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// The <c>eml</c> executable as a user runs it, in its own process: a command line that does not parse, a signal in
/// the middle of the work, a database that cannot be reached. Exit codes and the two output streams are the contract.
/// </summary>
public sealed class CliProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("automl --train t.csv --label class --bugdet 5", "eml: error: Unrecognized command or argument '--bugdet'; did you mean '--budget'?", "See 'eml automl --help' for the options.")]
    [InlineData("automl --train t.csv --label class --budget abc", "eml: error: --budget: 'abc' is not a number.", "See 'eml automl --help' for the options.")]
    [InlineData("train --train t.csv --label class --trainer gbdt --seed 1.5", "eml: error: --seed: '1.5' is not a whole number.", "See 'eml train --help' for the options.")]
    [InlineData("train --train t.csv --label class --trainer gbdt --threads 0", "eml: error: --threads must be at least 1; got 0.", "See 'eml train --help' for the options.")]
    [InlineData("automl --train t.csv --label class --threads 0", "eml: error: --threads must be at least 1; got 0.", "See 'eml automl --help' for the options.")]
    [InlineData("automl --train t.csv --label class --max-trials 0", "eml: error: --max-trials must be at least 1; got 0.", "See 'eml automl --help' for the options.")]
    [InlineData("train --label class", "eml: error: Option '--train' is required.", "See 'eml train --help' for the options.")]
    [InlineData("trian", "eml: error: Unrecognized command or argument 'trian'; did you mean 'train'?", "See 'eml --help' for the commands.")]
    public async Task CommandLineThatDoesNotParse_OneErrorLinePerProblemOnStderr_Exit2_NothingOnStdout(string commandLine, string error, string lastLine)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, commandLine.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal("", stdout); // a script reading --json gets no help text
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(error, lines);
        Assert.All(lines[..^1], l => Assert.StartsWith("eml: error: ", l, StringComparison.Ordinal));
        Assert.Equal(lastLine, lines[^1]);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal); // no .NET type names
    }

    /// <summary>
    /// eml automl on a file with a numbered order column and a label spelt in two cases: it runs (exit 0, one JSON
    /// line), and standard error says both, as eml train does; neither was said before. (The capitals make a class of
    /// 2 rows, which some CV folds lack: said too.)
    /// </summary>
    [Fact]
    public async Task AutoMl_IdentifierColumnAndClassesDifferingInCase_WarnOnStderr()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var cut = Array.IndexOf(lines[0].Split(','), "\"cut\"");
        var train = Path.Combine(_directory, "orders.csv");
        File.WriteAllLines(train, lines[1..601].Select((line, i) =>
        {
            var fields = line.Split(',');
            fields[cut] = i % 10 == 0 ? fields[cut].ToUpperInvariant() : fields[cut];
            return $"{500 + i}," + string.Join(',', fields);
        }).Prepend("order_id," + lines[0]));

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["automl", "--train", train, "--label", "cut", "--scenario", "auto", "--budget", "30", "--max-trials", "1", "--threads", "1", "--json"]);

        Assert.True(code == 0, stderr);
        Assert.Equal("auto", System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("scenario").GetString());
        var warnings = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("eml: warning: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, warnings.Length);
        Assert.StartsWith("eml: warning: column 'order_id' holds a different whole number in each of its 600 rows (500 to 1099), as an identifier does", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("eml: warning: Label 'cut' has classes that differ only in letter case: 'FAIR' (", warnings[1], StringComparison.Ordinal);
        // The capitalised rare cut has too few rows for every CV fold to validate on one (AutoMlReportNotesTests).
        Assert.StartsWith("eml: warning: Some folds' validation rows (5-fold stratified CV) hold no row of class 'FAIR' (", warnings[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_StillPrintsUsageToStdout_Exit0()
    {
        var (code, stdout, _) = await Processes.RunAsync(Processes.CliDll, ["automl", "--help"]);

        Assert.Equal(0, code);
        Assert.Contains("--budget", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignalDuringAutoMl_StopsWithCancelledAnd130_LeavesNoOutDirectory()
    {
        var output = Path.Combine(_directory, "results", "run");
        using var process = Processes.Start(Processes.CliDll,
            ["automl", "--train", TestPaths.Dataset("tabular-diamonds.csv"), "--label", "price", "--budget", "120", "--threads", "1", "--out", output],
            new Dictionary<string, string?>());
        var stderr = process.StandardError.ReadToEndAsync();

        // Without a terminal each finished trial is one line on stdout: wait for the first, then signal mid-sweep.
        await WaitForLineAsync(process.StandardOutput, l => l.StartsWith('#'), "a trial line");
        var signalled = Stopwatch.StartNew();
        Signal(process, "TERM");
        var drain = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await drain;

        Assert.Equal(130, process.ExitCode);
        Assert.Equal("eml: cancelled.", (await stderr).Trim());
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(15), $"stopped {signalled.Elapsed} after the signal");
        Assert.False(Directory.Exists(Path.Combine(_directory, "results")), "--out was created by a run that never wrote it");
    }

    [Fact]
    public async Task SignalDuringTrain_StopsWithCancelledAnd130_LeavesNoModelFile()
    {
        var save = Path.Combine(_directory, "forest.eml");
        using var process = Processes.Start(Processes.CliDll,
            ["train", "--train", TestPaths.Dataset("tabular-diamonds.csv"), "--label", "price", "--trainer", "random-forest",
             "--set", "NumberOfTrees=2000", "--threads", "1", "--save", save],
            new Dictionary<string, string?>());
        var stdout = process.StandardOutput.ReadToEndAsync();

        // Without a terminal the steps go to stderr, one line each.
        var seen = await WaitForLineAsync(process.StandardError, l => l.StartsWith("Training random-forest", StringComparison.Ordinal), "the training step");
        Signal(process, "TERM");
        var rest = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, process.ExitCode);
        Assert.Equal("eml: cancelled.", rest.Trim());
        Assert.Contains("Reading tabular-diamonds.csv…", seen);
        Assert.Equal("", await stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory)); // neither the model nor its temporary file
    }

    [Fact]
    public async Task Train_RecommendationColumnOnATabularTask_IsAnError()
    {
        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--train", TestPaths.Dataset("credit-german-statlog.csv"), "--label", "class", "--trainer", "gbdt", "--user", "age"]);

        Assert.Equal(2, code);
        Assert.Equal("eml: error: --user applies to recommendation only, not to tabular training (--task recommendation trains a recommender).", stderr.Trim());
    }

    [Fact]
    public async Task Predict_InputWithoutAColumnTheModelNeeds_ErrorNamesTheFile_NoOutput()
    {
        var model = Path.Combine(_directory, "m.eml");
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, lines[..301]);
        var (trained, _, trainError) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--train", train, "--label", "class", "--trainer", "logistic-regression", "--save", model, "--json"]);
        Assert.True(trained == 0, trainError);
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => header[i] != "age").ToArray();
        var input = Path.Combine(_directory, "applicants.csv");
        File.WriteAllLines(input, lines[301..320].Prepend(lines[0]).Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))));
        var output = Path.Combine(_directory, "scores.csv");

        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", input, "--output", output]);

        Assert.Equal(2, code);
        Assert.Equal("eml: error: applicants.csv: Missing input column(s): age.", stderr.Trim());
        Assert.False(File.Exists(output));
    }

    /// <summary>
    /// A CSV of its header line alone is an empty batch, as the API answers it: the output (standard output or
    /// <c>--output</c>) is the header line the same model writes above its rows, standard error says the input held no
    /// rows, and the exit code is 0. It was refused ("the input has a header line but no data rows", exit 2). A header
    /// without a column the model needs is still an error naming the column, and writes nothing.
    /// </summary>
    [Fact]
    public async Task Predict_HeaderOnlyInput_WritesTheOutputHeaderAlone_SaysSo_Exit0()
    {
        var model = Path.Combine(_directory, "m.eml");
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "train.csv");
        File.WriteAllLines(train, lines[..301]);
        var (trained, _, trainError) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--train", train, "--label", "class", "--positive", "bad", "--trainer", "logistic-regression", "--save", model, "--json"]);
        Assert.True(trained == 0, trainError);
        var oneRow = Path.Combine(_directory, "one.csv");
        File.WriteAllLines(oneRow, [lines[0], lines[301]]);
        var scored = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", oneRow]);
        Assert.True(scored.Code == 0, scored.Err);
        var header = scored.Out.Split('\n')[0].TrimEnd('\r');
        Assert.Equal("label,probability", header);
        var input = Path.Combine(_directory, "applicants.csv");
        File.WriteAllText(input, lines[0] + "\n");
        const string Said = "eml: warning: applicants.csv holds a header line only, no data rows: the output is the header line alone.";

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", input]);

        Assert.True(code == 0, stderr);
        Assert.Equal(header + Environment.NewLine, stdout);
        Assert.Equal(Said, stderr.Trim());

        var output = Path.Combine(_directory, "scores.csv");
        (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", input, "--output", output]);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal(Said, stderr.Trim());
        Assert.Equal(header + Environment.NewLine, await File.ReadAllTextAsync(output));

        var header0 = lines[0].Split(',');
        File.WriteAllText(input, string.Join(',', header0.Where(h => h != "age")) + "\n");
        File.Delete(output);
        (code, _, stderr) = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", input, "--output", output]);
        Assert.Equal(2, code);
        Assert.Equal("eml: error: applicants.csv: Missing input column(s): age.", stderr.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Migrate_DatabaseNotReachable_OneErrorLine_Exit2()
    {
        // Port 1 on the loopback refuses at once: no server, and no wait for a timeout.
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["migrate", "--postgres", "Host=127.0.0.1;Port=1;Username=eml;Password=eml;Database=enterpriseml;Timeout=5"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("eml: error: Failed to connect to 127.0.0.1:1", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>--data-dir</c> overrides a configured PostgreSQL registry, as the README says both options override the
    /// connection: it migrated the configured PostgreSQL database instead (here unreachable, exit 2). Both options at
    /// once are an error naming them.
    /// </summary>
    [Fact]
    public async Task Migrate_DataDirWhilePostgresIsConfigured_MigratesTheSqliteRegistry_BothOptionsAreAnError()
    {
        var configured = new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=eml;Password=eml;Database=enterpriseml;Timeout=5" };
        var directory = Path.Combine(_directory, "registry");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["migrate", "--data-dir", directory], configured);

        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        Assert.StartsWith($"SQLite in {directory}: applied 0001_initial", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "registry.db")));

        var both = await Processes.RunAsync(Processes.CliDll, ["migrate", "--data-dir", directory, "--postgres", "Host=127.0.0.1;Port=1"]);
        Assert.Equal(2, both.Code);
        Assert.Equal("", both.Out);
        Assert.Equal("eml: error: --postgres and --data-dir name two registries (PostgreSQL, SQLite): give one of them.", both.Err.Trim());
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Reads lines until one matches (returning all read so far, joined), or fails after two minutes.</summary>
    private static async Task<string> WaitForLineAsync(StreamReader reader, Func<string, bool> match, string what)
    {
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            if (match(line))
            {
                return string.Join('\n', seen);
            }
        }

        throw new InvalidOperationException($"The process ended before {what}: {string.Join('\n', seen)}");
    }
}
