using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Cli.Commands;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>The CLI's output files (models, reports) are written whole or not at all.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-atomic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void WriteFile_FailingMidway_KeepsTheEarlierFileAndLeavesNoTemporary()
    {
        var path = Path.Combine(_directory, "out", "model.eml");
        Atomic.WriteFile(path, stream => stream.Write("first run"u8));

        var error = Assert.Throws<IOException>(() => Atomic.WriteFile(path, stream =>
        {
            stream.Write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));

        Assert.Equal($"Cannot write '{Path.GetFullPath(path)}': No space left on device", error.Message);
        Assert.Equal("first run", File.ReadAllText(path));
        Assert.Equal(["model.eml"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    /// <summary>
    /// <c>eml automl --out</c> wrote its model and two reports one after the other, each atomically: a failure on the
    /// second left the new model beside the earlier run's reports. Now the set is renamed into place only once every
    /// file is written.
    /// </summary>
    [Fact]
    public void WriteFiles_OneFailingMidway_KeepsEveryEarlierFileOfTheSet()
    {
        var model = Path.Combine(_directory, "out", "model.eml");
        var report = Path.Combine(_directory, "out", "report.json");
        var html = Path.Combine(_directory, "out", "report.html");
        Atomic.WriteFiles([(model, s => s.Write("model 1"u8)), (report, s => s.Write("report 1"u8)), (html, s => s.Write("html 1"u8))]);

        var error = Assert.Throws<IOException>(() => Atomic.WriteFiles(
            [(model, s => s.Write("model 2"u8)), (report, _ => throw new IOException("No space left on device")), (html, s => s.Write("html 2"u8))]));

        Assert.Equal($"Cannot write '{Path.GetFullPath(report)}': No space left on device", error.Message);
        Assert.Equal(["model 1", "report 1", "html 1"], new[] { model, report, html }.Select(File.ReadAllText));
        Assert.Equal(["model.eml", "report.html", "report.json"], Directory.GetFiles(Path.GetDirectoryName(model)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        Assert.Equal([Path.GetFullPath(model), Path.GetFullPath(report), Path.GetFullPath(html)],
            Atomic.WriteFiles([(model, s => s.Write("model 3"u8)), (report, s => s.Write("report 3"u8)), (html, s => s.Write("html 3"u8))]));
        Assert.Equal(["model 3", "report 3", "html 3"], new[] { model, report, html }.Select(File.ReadAllText));
    }

    /// <summary>
    /// An <c>eml</c> killed while it writes leaves its partial <c>NAME.tmp-PID</c> behind; it stayed for good (the
    /// docs said to delete it by hand). The next <c>eml</c> writing the same name removes it once that process is gone,
    /// and keeps the temporary file of a process that is still running (its write under way).
    /// </summary>
    [Fact]
    public async Task EmlTrainSave_StaleTemporaryOfADeadProcess_RemovedAndALiveOnesKept()
    {
        using var ended = Process.Start(new ProcessStartInfo("sleep", "0") { UseShellExecute = false })!;
        await ended.WaitForExitAsync();
        using var running = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            var model = Path.Combine(_directory, "m.eml");
            var stale = $"{model}.tmp-{ended.Id.ToString(CultureInfo.InvariantCulture)}";
            var live = $"{model}.tmp-{running.Id.ToString(CultureInfo.InvariantCulture)}";
            var other = Path.Combine(_directory, $"other.eml.tmp-{ended.Id.ToString(CultureInfo.InvariantCulture)}");
            foreach (var path in new[] { stale, live, other })
            {
                await File.WriteAllBytesAsync(path, new byte[4096]);
            }

            var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
                ["train", "--task", "recommendation", "--train", TestPaths.Dataset("recsys-scotch-implicit.csv"), "--user", "respondent", "--item", "brand",
                 "--trainer", "popularity", "--seed", "7", "--threads", "1", "--save", model, "--json"]);
            Assert.True(code == 0, $"eml train failed ({code}): {stdout}\n{stderr}");

            Assert.False(File.Exists(stale), $"{stale} (process {ended.Id} has ended) was left beside the model.");
            Assert.True(File.Exists(live), $"{live} (process {running.Id} is running) was removed.");
            // Another name's temporary file is not this write's to remove.
            Assert.True(File.Exists(other), other);
            Assert.Equal(["m.eml", Path.GetFileName(live), Path.GetFileName(other)],
                Directory.GetFiles(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            running.Kill();
            await running.WaitForExitAsync();
        }
    }

    [Fact]
    public void WriteFile_WhereNoDirectoryCanBe_NamesThePathAskedForNotTheTemporary()
    {
        var blocker = Path.Combine(_directory, "blocker");
        File.WriteAllText(blocker, "a file where a directory would go");
        var path = Path.Combine(blocker, "model.eml");

        var error = Assert.Throws<IOException>(() => Atomic.WriteFile(path, stream => stream.Write("x"u8)));

        Assert.StartsWith($"Cannot write '{path}': ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp-", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFile_Succeeding_ReplacesTheFileAndCreatesItsDirectory()
    {
        var path = Path.Combine(_directory, "new", "deeper", "report.json");
        Assert.Equal(Path.GetFullPath(path), Atomic.WriteFile(path, stream => stream.Write("{}"u8)));
        Atomic.WriteFile(path, stream => stream.Write("{\"v\":2}"u8));
        Assert.Equal("{\"v\":2}", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
