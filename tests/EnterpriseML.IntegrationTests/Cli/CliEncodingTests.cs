using System.Text;
using EnterpriseML.Cli.Commands;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// <c>--encoding NAME</c> on every command that reads CSV, on the shared sentiment and MovieLens files written in
/// Windows-1252 by .NET's own encoder: a model trained from the Windows-1252 file is the model trained from its UTF-8
/// text; without the option the file is refused with an error naming the line, the field, the byte and the option;
/// an unknown name is a parse error listing the valid ones.
/// </summary>
public sealed class CliEncodingTests : IDisposable
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-encoding-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The sentiment file's text with its few misread characters put back (U+0080–U+009F as the Windows-1252
    /// characters they were: '–', '…', '—'), so that all of it is Windows-1252 text: é, å, ê and those three.
    /// </summary>
    internal static string SentimentText()
    {
        var text = File.ReadAllText(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv"), Encoding.UTF8).ToCharArray();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is >= '\u0080' and <= '\u009f')
            {
                text[i] = Windows1252.GetString([(byte)text[i]])[0];
            }
        }

        return new string(text);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 and as Windows-1252; returns both paths.</summary>
    private (string Utf8, string Windows1252) Write(string name, string text)
    {
        var utf8 = Path.Combine(_directory, name + ".utf8.csv");
        var cp1252 = Path.Combine(_directory, name + ".cp1252.csv");
        File.WriteAllBytes(utf8, Encoding.UTF8.GetBytes(text));
        File.WriteAllBytes(cp1252, Windows1252.GetBytes(text));
        Assert.NotEqual(File.ReadAllBytes(utf8), File.ReadAllBytes(cp1252));
        return (utf8, cp1252);
    }

    [Fact]
    public void Train_Windows1252File_SameModelAsFromUtf8()
    {
        var (utf8, cp1252) = Write("sentiment", SentimentText());
        TrainCommand.TrainArguments Args(string file, string? encoding, string model) => new(
            new FileInfo(file), null, "label", null, null, "logistic-regression", [], ["source"], [], [], 42, 1, new FileInfo(Path.Combine(_directory, model)), true, Encoding: encoding);

        var fromUtf8 = TrainCommand.Run(Args(utf8, null, "utf8.eml"), _ => { }, CancellationToken.None);
        var from1252 = TrainCommand.Run(Args(cp1252, "windows-1252", "cp1252.eml"), _ => { }, CancellationToken.None);

        Assert.Equal(fromUtf8.Metrics, from1252.Metrics);
        var modelUtf8 = ModelPipeline.Load(Path.Combine(_directory, "utf8.eml"));
        var model1252 = ModelPipeline.Load(Path.Combine(_directory, "cp1252.eml"));
        var rows = CsvTable.Read(utf8, new CsvOptions { ColumnTypes = modelUtf8.Schema.InputTypes, IgnoreUnknownColumnTypes = true });
        Assert.Equal(modelUtf8.Predict(rows), model1252.Predict(rows));

        // The rows that hold é, '–' or '…' are the ones an encoding mistake would change: they are among the predicted.
        var text = (StringColumn)rows["text"];
        Assert.Contains(text.Values.ToArray(), v => v is not null && v.Contains('–', StringComparison.Ordinal));
        Assert.Contains(text.Values.ToArray(), v => v is not null && v.Contains("Québec", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Predict_Windows1252Input_WithEncodingSameOutput_WithoutRefusedNamingTheOption()
    {
        var (utf8, cp1252) = Write("sentiment", SentimentText());
        var model = Path.Combine(_directory, "m.eml");
        var trained = await Processes.RunAsync(Processes.CliDll,
            ["train", "--train", cp1252, "--encoding", "Windows-1252", "--label", "label", "--ignore", "source", "--trainer", "logistic-regression", "--threads", "1", "--json", "--save", model]);
        Assert.True(trained.Code == 0, trained.Err);

        var fromUtf8 = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", utf8]);
        var from1252 = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", cp1252, "--encoding", "cp1252"]);
        var refused = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", cp1252]);

        Assert.True(fromUtf8.Code == 0, fromUtf8.Err);
        Assert.True(from1252.Code == 0, from1252.Err);
        Assert.Equal(3001, fromUtf8.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(fromUtf8.Out, from1252.Out);
        Assert.Equal(2, refused.Code);
        Assert.Equal(ExpectedNotUtf8("sentiment.cp1252.csv"), refused.Err.Trim());
    }

    /// <summary>
    /// eml automl reads --train and --test in the given encoding (credit-german with a city column of accented names,
    /// and a '€' in its header); without it the first non-UTF-8 byte is refused naming --encoding.
    /// </summary>
    [Fact]
    public async Task AutoMl_Windows1252TrainAndTest_ReadWithEncoding()
    {
        string[] cities = ["Zürich", "Köln", "Málaga", "Besançon", "Œiras"];
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var text = lines.Select((l, i) => i == 0 ? l + ",city €" : l + "," + cities[i % cities.Length]).ToArray();
        var (_, train) = Write("train", string.Join("\r\n", text[..801]) + "\r\n");
        var (_, test) = Write("test", text[0] + "\r\n" + string.Join("\r\n", text[801..]) + "\r\n");
        string[] command = ["automl", "--train", train, "--test", test, "--label", "class", "--budget", "20", "--max-trials", "2", "--threads", "1", "--json"];

        var read = await Processes.RunAsync(Processes.CliDll, [.. command, "--encoding", "windows-1252"]);
        var refused = await Processes.RunAsync(Processes.CliDll, command);

        Assert.True(read.Code == 0, read.Err);
        Assert.StartsWith("{", read.Out.Trim(), StringComparison.Ordinal);
        Assert.Equal(2, refused.Code);
        Assert.Equal(
            $"eml: error: train.cp1252.csv, line 1, column {lines[0].Length + 7}: the input is not UTF-8 text: field 22 holds byte 0x80 ('€' in Windows-1252) at byte offset {lines[0].Length + 6}; "
            + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set --encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8.",
            refused.Err.Trim());
    }

    [Theory]
    [InlineData("train", "--task", "recommendation", "--trainer", "popularity")]
    [InlineData("automl", "--scenario", "recommendation", "--budget", "10", "--max-trials", "1")]
    public async Task Recommendation_Windows1252File_ReadWithEncoding_RefusedWithout(params string[] command)
    {
        // MovieLens rows whose titles Windows-1252 can write (a few hold letters such as 'İ' that it cannot).
        var rows = File.ReadLines(TestPaths.Dataset("recsys-movielens-small.csv")).Take(20001).Where(l => Windows1252.GetString(Windows1252.GetBytes(l)) == l).ToArray();
        var text = string.Join('\n', rows) + "\n";
        Assert.Contains('é', text);
        var (_, cp1252) = Write("ratings", text);
        string[] args = [.. command, "--train", cp1252, "--user", "userId", "--item", "movieId", "--threads", "1", "--json"];

        var read = await Processes.RunAsync(Processes.CliDll, [.. args, "--encoding", "iso-8859-1"]);
        var refused = await Processes.RunAsync(Processes.CliDll, args);

        Assert.True(read.Code == 0, read.Err);
        Assert.Equal(2, refused.Code);
        Assert.Matches(@"^eml: error: ratings\.cp1252\.csv, line \d+, column \d+: the input is not UTF-8 text: field 2 holds byte 0x[0-9A-F]{2} \('.' in Windows-1252\) at byte offset \d+; .* set --encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8\.$", refused.Err.Trim());
    }

    /// <summary>
    /// credit-german with a city column of accented names and its classes spelled 'günstig' / 'ungünstig': the first
    /// 800 rows in UTF-8 for training, the other 200 (the test split) in Windows-1252, as Excel on Windows saves them.
    /// With <c>--test-encoding windows-1252</c> one run reads both, and scores as the run whose test file is UTF-8;
    /// without it the test file is refused naming <c>--test-encoding</c> (with <c>--encoding utf-8</c>, saying that
    /// its value came from there).
    /// </summary>
    [Theory]
    [InlineData("train", "--trainer", "gbdt")]
    [InlineData("automl", "--budget", "30", "--max-trials", "2")]
    public async Task TestEncoding_Utf8TrainWindows1252Test_OneRunReadsBoth(params string[] command)
    {
        string[] cities = ["Zürich", "Köln", "Málaga", "Besançon", "Œiras"];
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var text = lines.Select((l, i) => i == 0 ? l + ",city" : l[..l.LastIndexOf(',')] + (l.EndsWith(",good", StringComparison.Ordinal) ? ",günstig," : ",ungünstig,") + cities[i % cities.Length]).ToArray();
        var (train, _) = Write("train", string.Join("\r\n", text[..801]) + "\r\n");
        var (testUtf8, test1252) = Write("test", text[0] + "\r\n" + string.Join("\r\n", text[801..]) + "\r\n");
        string[] Args(string test, params string[] more) => [.. command, "--train", train, "--test", test, "--label", "class", "--threads", "1", "--json", .. more];

        var fromUtf8 = await Processes.RunAsync(Processes.CliDll, Args(testUtf8));
        var from1252 = await Processes.RunAsync(Processes.CliDll, Args(test1252, "--test-encoding", "windows-1252"));
        var bothNamed = await Processes.RunAsync(Processes.CliDll, Args(test1252, "--encoding", "utf-8", "--test-encoding", "Windows-1252"));
        var refused = await Processes.RunAsync(Processes.CliDll, Args(test1252));
        var inherited = await Processes.RunAsync(Processes.CliDll, Args(test1252, "--encoding", "utf-8"));

        Assert.True(fromUtf8.Code == 0, fromUtf8.Err);
        Assert.True(from1252.Code == 0, from1252.Err);
        Assert.True(bothNamed.Code == 0, bothNamed.Err);
        Assert.Equal(TestMetrics(fromUtf8.Out), TestMetrics(from1252.Out));
        Assert.Equal(TestMetrics(fromUtf8.Out), TestMetrics(bothNamed.Out));
        var at = Encoding.UTF8.GetByteCount(text[0] + "\r\n" + text[801]) - Encoding.UTF8.GetByteCount(text[801][text[801].IndexOf('ü')..]);
        var column = text[801].IndexOf('ü') + 1;
        var found = $"eml: error: test.cp1252.csv, line 2, column {column}: the input is not UTF-8 text: field 21 holds byte 0xFC ('ü' in Windows-1252) at byte offset {at}; ";
        Assert.Equal((2, found + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set --test-encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8."),
            (refused.Code, refused.Err.Trim()));
        Assert.Equal((2, found + "--test-encoding (unset, so --encoding's utf-8) says UTF-8; if the file is Windows-1252 or ISO-8859-1 text, set it to windows-1252 or iso-8859-1."),
            (inherited.Code, inherited.Err.Trim()));
    }

    /// <summary>The test metrics of a <c>--json</c> line (train's <c>metrics</c>, automl's <c>test</c>), without timings.</summary>
    private static string TestMetrics(string jsonLine)
    {
        using var json = System.Text.Json.JsonDocument.Parse(jsonLine);
        var root = json.RootElement;
        var metrics = root.TryGetProperty("test", out var test) ? test : root.GetProperty("metrics");
        var values = metrics.EnumerateObject().Where(p => p.Name != "predictMicrosecondsPerRow").Select(p => $"{p.Name}={p.Value.GetRawText()}").ToArray();
        Assert.NotEmpty(values);
        return string.Join(",", values);
    }

    /// <summary>
    /// The recommendation runs read a Windows-1252 <c>--test</c> file beside a UTF-8 <c>--train</c> file: MovieLens
    /// rows with the film's title as the item, so a title such as 'Amélie' must decode to the training file's spelling
    /// for the test interactions to meet the training items; the metrics equal those of the UTF-8 test file.
    /// </summary>
    [Theory]
    [InlineData("train", "--task", "recommendation", "--trainer", "popularity")]
    [InlineData("automl", "--scenario", "recommendation", "--budget", "20", "--max-trials", "1")]
    public async Task TestEncoding_Recommendation_Windows1252TestFile_ReadWithTestEncoding(params string[] command)
    {
        // Rows with a title (a few have none, which an item id may not lack) that Windows-1252 can write.
        var rows = File.ReadLines(TestPaths.Dataset("recsys-movielens-small.csv")).Take(20001)
            .Where(l => !l.Contains(",,", StringComparison.Ordinal) && Windows1252.GetString(Windows1252.GetBytes(l)) == l).ToArray();
        var (train, _) = Write("ratings-train", string.Join('\n', rows[..16001]) + "\n");
        var testText = rows[0] + "\n" + string.Join('\n', rows[16001..]) + "\n";
        Assert.Contains('é', testText);
        var (testUtf8, test1252) = Write("ratings-test", testText);
        string[] Args(string test, params string[] more) => [.. command, "--train", train, "--test", test, "--user", "userId", "--item", "title", "--label", "rating", "--threads", "1", "--seed", "1", "--json", .. more];

        var fromUtf8 = await Processes.RunAsync(Processes.CliDll, Args(testUtf8));
        var from1252 = await Processes.RunAsync(Processes.CliDll, Args(test1252, "--test-encoding", "cp1252"));
        var refused = await Processes.RunAsync(Processes.CliDll, Args(test1252));

        Assert.True(fromUtf8.Code == 0, fromUtf8.Err);
        Assert.True(from1252.Code == 0, from1252.Err);
        Assert.Equal(TestMetrics(fromUtf8.Out), TestMetrics(from1252.Out));
        Assert.Equal(2, refused.Code);
        Assert.Matches(@"^eml: error: ratings-test\.cp1252\.csv, line \d+, column \d+: the input is not UTF-8 text: field 2 holds byte 0x[0-9A-F]{2} \('.' in Windows-1252\) at byte offset \d+; .* set --test-encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8\.$", refused.Err.Trim());
    }

    [Theory]
    [InlineData("train", "--trainer", "gbdt")]
    [InlineData("automl", "--budget", "10")]
    public async Task TestEncoding_WithoutTest_ErrorNamingBothOptions(params string[] command)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            [.. command, "--train", TestPaths.Dataset("credit-german-statlog.csv"), "--label", "class", "--test-encoding", "cp1252"]);

        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal("eml: error: --test-encoding 'cp1252' sets the encoding of the --test file; there is no --test file (give one, or use --encoding for --train).", stderr.Trim());
    }

    /// <summary>A UTF-16 test file with its byte-order mark is read as UTF-16 beside a UTF-8 training file when neither option is given, as before.</summary>
    [Fact]
    public async Task TestEncoding_Unset_Utf16TestFileWithMark_StillRead()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var train = Path.Combine(_directory, "train.csv");
        var test = Path.Combine(_directory, "test.utf16.csv");
        File.WriteAllLines(train, lines[..801]);
        File.WriteAllText(test, string.Join("\n", lines[801..].Prepend(lines[0])) + "\n", new UnicodeEncoding(bigEndian: false, byteOrderMark: true));

        var read = await Processes.RunAsync(Processes.CliDll, ["train", "--train", train, "--test", test, "--label", "class", "--trainer", "gbdt", "--threads", "1", "--json"]);

        Assert.True(read.Code == 0, read.Err);
    }

    [Theory]
    [InlineData("train --train t.csv --label class --trainer gbdt --encoding ebcdic")]
    [InlineData("automl --train t.csv --label class --encoding utf-32")]
    [InlineData("predict --model m.eml --input t.csv --encoding ascii")]
    [InlineData("train --train t.csv --test v.csv --label class --trainer gbdt --test-encoding ebcdic")]
    [InlineData("automl --train t.csv --test v.csv --label class --test-encoding utf-32")]
    public async Task UnknownEncoding_ParseErrorListingTheNames_Exit2(string commandLine)
    {
        var (option, name) = (commandLine.Split(' ')[^2], commandLine.Split(' ')[^1]);

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, commandLine.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(
            $"eml: error: {option}: unknown text encoding '{name}'; the encodings are utf-8, utf-16, utf-16le, utf-16be, windows-1252 (or cp1252), iso-8859-1 (or latin1).",
            stderr.Split('\n', StringSplitOptions.TrimEntries));
    }

    /// <summary>
    /// The error for the sentiment file in Windows-1252 read as UTF-8: its first non-ASCII byte, the '–' (0x96) in
    /// the text (second) field of line 1020.
    /// </summary>
    private static string ExpectedNotUtf8(string file)
    {
        var text = SentimentText();
        var at = text.IndexOf(text.First(c => c >= 0x80));
        var line = text[..at].Count(c => c == '\n') + 1;
        var column = at - text.LastIndexOf('\n', at);
        Assert.Equal(('–', 1020), (text[at], line));
        return $"eml: error: {file}, line {line}, column {column}: the input is not UTF-8 text: field 2 holds byte 0x96 ('–' in Windows-1252) at byte offset {at}; "
            + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set --encoding to windows-1252 or iso-8859-1; otherwise save it as UTF-8.";
    }
}
