using EnterpriseML.Cli.Commands;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// The mistakes a user makes on the command line, run as the user runs <c>eml</c> (its own process, the shared
/// credit-german and Scotch files): each is one <c>eml: error: ...</c> line naming the option and what was wrong, exit
/// code 2, nothing on standard output, and no file written or overwritten.
/// </summary>
public sealed class CliUserErrorTests : IDisposable
{
    private static readonly string Credit = TestPaths.Dataset("credit-german-statlog.csv");

    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-user-error-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A file that is not there names the option it was given to (before: "Could not find file '/…/nope.csv'.", which did not say which of --train and --test, or --model and --input).</summary>
    [Theory]
    [InlineData("train --label class --trainer gbdt --train {C} --test {D}/nope.csv", "--test '{D}/nope.csv': no such file.")]
    [InlineData("train --label class --trainer gbdt --train {D}/gone/nope.csv", "--train '{D}/gone/nope.csv': no such file; the directory '{D}/gone' does not exist.")]
    [InlineData("automl --label class --budget 10 --train {C} --test {D}/nope.csv", "--test '{D}/nope.csv': no such file.")]
    [InlineData("predict --model {D}/nope.eml --input {C}", "--model '{D}/nope.eml': no such file.")]
    [InlineData("train --task recommendation --user respondent --item brand --trainer popularity --train {D}/nope.csv", "--train '{D}/nope.csv': no such file.")]
    [InlineData("recommend --user 1 --model {D}/nope.eml", "--model '{D}/nope.eml': no such file.")]
    public async Task MissingFile_ErrorNamesTheOption(string commandLine, string error)
    {
        var (code, stdout, stderr) = await RunAsync(commandLine);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal("eml: error: " + Fill(error), LastLine(stderr));
    }

    /// <summary>
    /// An output that is one of the command's inputs is refused before any work, and the input is left as it was:
    /// <c>--save</c> over the training CSV (or a symbolic link to it) replaced the data with the model, and
    /// <c>--output</c> over the scored CSV or the model replaced it with predictions, exit 0.
    /// </summary>
    [Theory]
    [InlineData("train --label class --trainer gbdt --train {D}/data.csv --save {D}/data.csv", "--save '{D}/data.csv' is the --train file")]
    [InlineData("train --label class --trainer gbdt --train {D}/data.csv --save {D}/link.csv", "--save '{D}/link.csv' is the --train file")]
    [InlineData("train --label class --trainer gbdt --train {C} --test {D}/data.csv --save {D}/data.csv", "--save '{D}/data.csv' is the --test file")]
    [InlineData("predict --model {D}/m.eml --input {D}/data.csv --output {D}/data.csv", "--output '{D}/data.csv' is the --input file")]
    [InlineData("predict --model {D}/m.eml --input {D}/data.csv --output {D}/m.eml", "--output '{D}/m.eml' is the --model file")]
    [InlineData("train --task recommendation --user respondent --item brand --trainer popularity --train {D}/data.csv --save {D}/data.csv", "--save '{D}/data.csv' is the --train file")]
    [InlineData("recommend --all-users --model {D}/m.eml --output {D}/m.eml", "--output '{D}/m.eml' is the --model file")]
    public async Task OutputIsAnInput_RefusedBeforeAnyWork_InputUnchanged(string commandLine, string error)
    {
        var data = Path.Combine(_directory, "data.csv");
        var model = Path.Combine(_directory, "m.eml");
        File.Copy(commandLine.Contains("recommendation", StringComparison.Ordinal) ? TestPaths.Dataset("recsys-scotch-implicit.csv") : Credit, data);
        File.CreateSymbolicLink(Path.Combine(_directory, "link.csv"), data);
        var trained = commandLine.StartsWith("recommend ", StringComparison.Ordinal)
            ? await Processes.RunAsync(Processes.CliDll, ["train", "--task", "recommendation", "--train", TestPaths.Dataset("recsys-scotch-implicit.csv"), "--user", "respondent", "--item", "brand", "--trainer", "popularity", "--save", model, "--json"])
            : await Processes.RunAsync(Processes.CliDll, ["train", "--train", Credit, "--label", "class", "--trainer", "logistic-regression", "--save", model, "--json"]);
        Assert.True(trained.Code == 0, trained.Err);
        var (dataBefore, modelBefore) = (await File.ReadAllBytesAsync(data), await File.ReadAllBytesAsync(model));

        var (code, stdout, stderr) = await RunAsync(commandLine);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal($"eml: error: {Fill(error)}; writing there would overwrite the file it reads. Name another file.", LastLine(stderr));
        Assert.Equal(dataBefore, await File.ReadAllBytesAsync(data));
        Assert.Equal(modelBefore, await File.ReadAllBytesAsync(model));
        Assert.DoesNotContain("Training", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// An output in a directory that takes no file (here /proc, which refuses new files even to root, as a read-only
    /// mount or a directory without permission does) is refused before the work, naming the option and the directory:
    /// <c>eml train --save</c> trained first and then failed with "Cannot write '/proc/m.eml': Could not find file
    /// '/proc/m.eml.tmp-4242'.", naming a temporary file; <c>--out</c> named its probe file.
    /// </summary>
    [Theory]
    [InlineData("train --label class --trainer gbdt --train {C} --save /proc/m.eml", "--save '/proc/m.eml'")]
    [InlineData("train --task recommendation --user respondent --item brand --trainer popularity --train {S} --save /proc/m.eml", "--save '/proc/m.eml'")]
    [InlineData("predict --model {D}/m.eml --input {C} --output /proc/p.csv", "--output '/proc/p.csv'")]
    [InlineData("automl --label class --budget 10 --train {C} --out /proc/run", "--out '/proc/run'")]
    public async Task OutputWhereNoFileCanBeWritten_RefusedBeforeTheWork_NoTemporaryName(string commandLine, string option)
    {
        var trained = await Processes.RunAsync(Processes.CliDll, ["train", "--train", Credit, "--label", "class", "--trainer", "logistic-regression", "--save", Path.Combine(_directory, "m.eml"), "--json"]);
        Assert.True(trained.Code == 0, trained.Err);

        var (code, stdout, stderr) = await RunAsync(commandLine);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal($"eml: error: {option}: cannot write in '/proc' (the file system refused to create a file there).", stderr.Trim());
    }

    /// <summary>The atomic writer's own error (a write that fails after the checks) names the file asked for and no temporary.</summary>
    [Fact]
    public void AtomicWrite_DirectoryRefusingFiles_NamesTheFileNotItsTemporary()
    {

        var error = Assert.Throws<IOException>(() => Atomic.WriteFile("/proc/m.eml", s => s.Write("x"u8)));

        Assert.Equal("Cannot write '/proc/m.eml': the file system refused to create a file there", error.Message);
    }

    /// <summary>A column option naming a column that is not there suggests the nearest name (case or a typo), in every command that takes one.</summary>
    [Theory]
    [InlineData("train --trainer gbdt --train {C} --label Class", "--label 'Class': credit-german-statlog.csv has no column of that name; did you mean 'class'? Available: checking_status,")]
    [InlineData("train --trainer gbdt --train {C} --label class --ignore agee", "--ignore 'agee': credit-german-statlog.csv has no column of that name; did you mean 'age'? Available: checking_status,")]
    [InlineData("automl --budget 10 --train {C} --label clas", "--label 'clas': credit-german-statlog.csv has no column of that name; did you mean 'class'? Available: checking_status,")]
    [InlineData("automl --budget 10 --train {C} --label class --ignore Duration", "--ignore 'Duration': credit-german-statlog.csv has no column of that name; did you mean 'duration'? Available: checking_status,")]
    [InlineData("train --task recommendation --trainer popularity --train {S} --user respondent --item brnad", "--item 'brnad': recsys-scotch-implicit.csv has no column of that name; did you mean 'brand'? Columns: respondent, brand.")]
    [InlineData("train --trainer gbdt --train {C} --label colour", "--label 'colour': credit-german-statlog.csv has no column of that name. Available: checking_status,")]
    public async Task UnknownColumn_SuggestsTheClosestName(string commandLine, string start)
    {
        var (code, stdout, stderr) = await RunAsync(commandLine);

        Assert.Equal((2, ""), (code, stdout));
        Assert.StartsWith("eml: error: " + Fill(start), LastLine(stderr), StringComparison.Ordinal);
    }

    /// <summary>A <c>--positive</c> class spelled in other letter case says the file's spelling (classes are matched exactly).</summary>
    [Theory]
    [InlineData("train --trainer gbdt")]
    [InlineData("automl --budget 10")]
    public async Task PositiveInOtherCase_SaysTheFilesSpelling(string command)
    {
        var (code, stdout, stderr) = await RunAsync(command + " --train {C} --label class --positive Bad");

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal("eml: error: Positive class 'Bad' does not occur in label 'class' (values: bad, good); did you mean 'bad'? Classes are matched as the file spells them.", LastLine(stderr));
    }

    /// <summary>
    /// Tabular options given to <c>eml train --task recommendation</c> are an error, as <c>--user</c> is on a tabular
    /// task and as <c>eml automl --scenario recommendation</c> says: they were dropped without a word (an --ignore that
    /// ignored nothing, exit 0).
    /// </summary>
    [Theory]
    [InlineData("--ignore", "brand")]
    [InlineData("--positive", "1")]
    [InlineData("--text", "brand")]
    [InlineData("--categorical", "brand")]
    public async Task RecommendationTraining_TabularOption_IsAnError(string option, string value)
    {
        var (code, stdout, stderr) = await RunAsync($"train --task recommendation --trainer popularity --train {{S}} --user respondent --item brand {option} {value}");

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal($"eml: error: {option} applies to tabular training, not to --task recommendation: it reads only the --user, --item and --label columns (and --set timestamp=, weight=, segment=).", stderr.Trim());
    }

    /// <summary>
    /// A <c>--test</c> or <c>eml predict</c> file whose header spells a model column in other letter case ('Age' for
    /// 'age', as a spreadsheet's export may) is refused naming the column and saying what the file has: the error said
    /// only that 'age' was missing, from a file that plainly had an age column.
    /// </summary>
    [Fact]
    public async Task ColumnInOtherCase_TestAndPredictErrorsSayWhatTheFileHas()
    {
        var lines = File.ReadAllLines(Credit);
        var header = lines[0].Split(',');
        var train = Path.Combine(_directory, "train.csv");
        var test = Path.Combine(_directory, "test.csv");
        var model = Path.Combine(_directory, "m.eml");
        File.WriteAllLines(train, lines[..801]);
        File.WriteAllLines(test, lines[801..].Prepend(string.Join(',', header.Select(h => h == "age" ? "Age" : h))));
        var trained = await Processes.RunAsync(Processes.CliDll, ["train", "--train", train, "--label", "class", "--trainer", "logistic-regression", "--save", model, "--json"]);
        Assert.True(trained.Code == 0, trained.Err);

        var tested = await RunAsync($"train --train {train} --test {test} --label class --trainer logistic-regression");
        var predicted = await RunAsync($"predict --model {model} --input {test} --output {_directory}/p.csv");

        Assert.Equal((2, ""), (tested.Code, tested.Out));
        Assert.Equal("eml: error: test.csv: no column 'age' (it has 'Age'; names are matched as spelled), which train.csv has; the test rows need every training column (--ignore leaves one out of both).", LastLine(tested.Err));
        Assert.Equal((2, ""), (predicted.Code, predicted.Out));
        Assert.Equal("eml: error: test.csv: Missing input column(s): age (the input has 'Age'; names are matched as spelled).", predicted.Err.Trim());
        Assert.False(File.Exists(Path.Combine(_directory, "p.csv")));
    }

    /// <summary>
    /// A model file given where a CSV is expected (<c>--train m.eml</c>, typed for <c>--model m.eml</c>) says so: it
    /// was refused as "not UTF-8 text ... set --encoding to windows-1252", advice that sends the user the wrong way.
    /// </summary>
    [Theory]
    [InlineData("train --label class --trainer gbdt --train {D}/m.eml", "--train")]
    [InlineData("train --label class --trainer gbdt --train {C} --test {D}/m.eml", "--test")]
    [InlineData("automl --label class --budget 10 --train {D}/m.eml", "--train")]
    [InlineData("predict --model {D}/m.eml --input {D}/m.eml", "--input")]
    [InlineData("train --task recommendation --user respondent --item brand --trainer popularity --train {D}/m.eml", "--train")]
    public async Task ModelFileWhereACsvIsExpected_SaysSo(string commandLine, string option)
    {
        var trained = await Processes.RunAsync(Processes.CliDll, ["train", "--train", Credit, "--label", "class", "--trainer", "logistic-regression", "--save", Path.Combine(_directory, "m.eml"), "--json"]);
        Assert.True(trained.Code == 0, trained.Err);

        var (code, stdout, stderr) = await RunAsync(commandLine);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal($"eml: error: {option} '{_directory}/m.eml' is an EnterpriseML model file, not a CSV; {option} names a data file (a model is read by eml predict --model or eml recommend --model).", LastLine(stderr));
    }

    /// <summary>
    /// <c>--test</c> naming the <c>--train</c> file scores the model on the rows it was fitted on: the run goes on (it
    /// is a valid command) but says so on standard error, and eml automl keeps it in its report's notes; before, the
    /// training-set metrics were reported as test metrics without a word.
    /// </summary>
    [Theory]
    [InlineData("train --trainer gbdt --label class --train {D}/data.csv --test {D}/data.csv --json")]
    [InlineData("train --trainer gbdt --label class --train {D}/data.csv --test {D}/link.csv --json")]
    [InlineData("automl --budget 20 --max-trials 1 --threads 1 --label class --train {D}/data.csv --test {D}/data.csv --json --out {D}/run")]
    public async Task TestIsTheTrainFile_WarnsThatTheMetricsAreOfTrainingRows(string commandLine)
    {
        var data = Path.Combine(_directory, "data.csv");
        File.Copy(Credit, data);
        File.CreateSymbolicLink(Path.Combine(_directory, "link.csv"), data);
        var test = commandLine.Contains("link.csv", StringComparison.Ordinal) ? "link.csv" : "data.csv";
        var said = $"--test names the --train file ({test}): the test metrics are of rows the model was trained on, so they overstate how it does on rows it has not seen; leave --test out for a holdout of --train, or give a file of other rows.";

        var (code, stdout, stderr) = await RunAsync(commandLine);

        Assert.True(code == 0, stderr);
        Assert.StartsWith("{", stdout, StringComparison.Ordinal);
        Assert.Contains("eml: warning: " + said, stderr.Split('\n', StringSplitOptions.TrimEntries));
        if (commandLine.StartsWith("automl", StringComparison.Ordinal))
        {
            using var report = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "run", "report.json")));
            Assert.Contains(said, report.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));
        }
    }

    private Task<(int Code, string Out, string Err)> RunAsync(string commandLine) =>
        Processes.RunAsync(Processes.CliDll, commandLine.Split(' ').Select(Fill));

    private string Fill(string text) => text
        .Replace("{C}", Credit, StringComparison.Ordinal)
        .Replace("{S}", TestPaths.Dataset("recsys-scotch-implicit.csv"), StringComparison.Ordinal)
        .Replace("{D}", _directory, StringComparison.Ordinal);

    /// <summary>The error line (eml train writes its progress steps to standard error before it).</summary>
    private static string LastLine(string stderr) => stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
}
