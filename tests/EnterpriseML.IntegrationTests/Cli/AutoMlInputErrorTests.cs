using EnterpriseML.Cli.Commands;

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
}
