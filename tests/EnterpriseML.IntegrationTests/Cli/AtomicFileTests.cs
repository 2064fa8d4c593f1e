using EnterpriseML.Cli.Commands;

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
