using System.Text;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// <c>--max-columns N</c> on every command that reads CSV: a file wider than the limit is refused with an error that
/// names the flag, the same file is read once the flag raises the limit, and a bad value is a parse error.
/// </summary>
public sealed class CliMaxColumnsTests : IDisposable
{
    private const int ExtraColumns = 2000;

    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-columns-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("train --train t.csv --label class --trainer gbdt --max-columns 0", "eml: error: --max-columns must be in [1, 1000000]; got 0.")]
    [InlineData("automl --train t.csv --label class --max-columns 1000001", "eml: error: --max-columns must be in [1, 1000000]; got 1000001.")]
    [InlineData("predict --model m.eml --input t.csv --max-columns -5", "eml: error: --max-columns must be in [1, 1000000]; got -5.")]
    public async Task MaxColumnsOutOfRange_ParseErrorNamingTheFlag_Exit2(string commandLine, string error)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, commandLine.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(error, stderr.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task TrainAndPredict_WiderThanDefault_RefusedNamingTheFlag_ReadWithTheFlag()
    {
        var wide = WideCreditGerman();
        var columns = 21 + ExtraColumns;
        var tooMany = $"eml: error: credit-wide.csv, line 1: the header has {columns} columns, more than the limit of 2000 (--max-columns).";
        var model = Path.Combine(_directory, "wide.eml");
        string[] train = ["train", "--train", wide, "--label", "class", "--trainer", "logistic-regression", "--threads", "1", "--json", "--save", model];

        var refused = await Processes.RunAsync(Processes.CliDll, train);
        Assert.Equal(2, refused.Code);
        Assert.Equal(tooMany, refused.Err.Trim());
        Assert.False(File.Exists(model));

        var trained = await Processes.RunAsync(Processes.CliDll, [.. train, "--max-columns", columns.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(trained.Code == 0, trained.Err);
        Assert.Contains("\"trainer\":\"logistic-regression\"", trained.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(model));

        var predictRefused = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", wide]);
        Assert.Equal(2, predictRefused.Code);
        Assert.Equal(tooMany, predictRefused.Err.Trim());

        var predicted = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", wide, "--max-columns", "1000000"]);
        Assert.True(predicted.Code == 0, predicted.Err);
        var lines = predicted.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("label,probability", lines[0]);
        Assert.Equal(301, lines.Length);
    }

    [Fact]
    public async Task AutoMl_LimitBelowTheFile_RefusedNamingTheFlag()
    {
        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["automl", "--train", TestPaths.Dataset("credit-german-statlog.csv"), "--label", "class", "--budget", "5", "--max-columns", "20"]);

        Assert.Equal(2, code);
        Assert.Equal("eml: error: credit-german-statlog.csv, line 1: the header has 21 columns, more than the limit of 20 (--max-columns).", stderr.Trim());
    }

    [Theory]
    [InlineData("automl", "--scenario", "recommendation")]
    [InlineData("train", "--task", "recommendation", "--trainer", "popularity")]
    public async Task Recommendation_LimitBelowTheFile_RefusedNamingTheFlag(params string[] command)
    {
        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll,
            [.. command, "--train", TestPaths.Dataset("recsys-movielens-small.csv"), "--user", "userId", "--item", "movieId", "--max-columns", "6"]);

        Assert.Equal(2, code);
        Assert.Equal("eml: error: recsys-movielens-small.csv, line 1: the header has 7 columns, more than the limit of 6 (--max-columns).", stderr.Trim());
    }

    /// <summary>The first 300 rows of credit-german with <see cref="ExtraColumns"/> more columns, each a copy of credit_amount.</summary>
    private string WideCreditGerman()
    {
        var lines = File.ReadLines(TestPaths.Dataset("credit-german-statlog.csv")).Take(301).ToArray();
        var header = lines[0].Split(',');
        var amount = Array.IndexOf(header, "credit_amount");
        Assert.True(amount >= 0);
        var path = Path.Combine(_directory, "credit-wide.csv");
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write(lines[0]);
        for (var j = 0; j < ExtraColumns; j++)
        {
            writer.Write($",amount_{j}");
        }

        writer.WriteLine();
        foreach (var line in lines.Skip(1))
        {
            // credit-german has no quoted fields, so a plain split finds credit_amount.
            var value = line.Split(',')[amount];
            writer.Write(line);
            for (var j = 0; j < ExtraColumns; j++)
            {
                writer.Write(',');
                writer.Write(value);
            }

            writer.WriteLine();
        }

        return path;
    }
}
