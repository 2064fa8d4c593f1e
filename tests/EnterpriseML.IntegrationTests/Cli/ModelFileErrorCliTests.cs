using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// A damaged <c>--model</c> file is one line on stderr that names the file and what is wrong, and exit code 2, for
/// <c>eml predict</c> and <c>eml recommend</c> alike (the message had not said which file).
/// </summary>
public sealed class ModelFileErrorCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-model-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("predict")]
    [InlineData("recommend")]
    public async Task DamagedModel_ErrorNamesTheFileAndTheDamage_Exit2(string command)
    {
        var input = Path.Combine(_directory, "rows.csv");
        await File.WriteAllTextAsync(input, "a,b\n1,2\n");
        var cases = new (string File, byte[] Bytes, string Error)[]
        {
            ("empty.eml", [], "empty.eml: Not an EnterpriseML model file: it is empty."),
            ("rows.eml", "a,b\n1,2\n"u8.ToArray(), "rows.eml: Not an EnterpriseML model file (bad magic bytes)."),
            ("cut.eml", "EMLM\u0001\0\0\0\u0010tabular-pip"u8.ToArray(), "cut.eml: Truncated model file: it ends inside the header."),
        };

        foreach (var (file, bytes, error) in cases)
        {
            var model = Path.Combine(_directory, file);
            await File.WriteAllBytesAsync(model, bytes);
            string[] arguments = command == "predict" ? ["predict", "--model", model, "--input", input] : ["recommend", "--model", model, "--user", "1"];
            var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, arguments);

            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Equal("eml: error: " + error, stderr.Trim());
        }
    }
}
