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
