using System.Text.Json;
using EnterpriseML.Cli.Commands;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>`eml train` and `eml predict` end to end on the shared credit-german and diamonds files, in process.</summary>
public sealed class TrainPredictCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static TrainCommand.TrainArguments Args(
        string file, string label, string trainer, string[]? settings = null, string? positive = null, string? task = null,
        FileInfo? save = null, FileInfo? test = null, string[]? ignore = null, string[]? text = null) =>
        new(new FileInfo(TestPaths.Dataset(file)), test, label, positive, task, trainer, settings ?? [], ignore ?? [], text ?? [], [], 42, 1, save, true);

    [Fact]
    public void Train_CreditGermanGbdt_HoldoutMetricsJsonAndSavedModelPredictsSame()
    {
        var model = new FileInfo(Path.Combine(_directory, "credit.eml"));
        var result = TrainCommand.Run(Args("credit-german-statlog.csv", "class", "gbdt", ["NumberOfTrees=50"], "bad", save: model), _ => { }, CancellationToken.None);

        Assert.Equal(TaskKind.Binary, result.Task);
        Assert.Equal(800, result.TrainRows);
        Assert.Equal(200, result.TestRows);
        Assert.InRange(result.Metrics["auc"], 0.70, 0.90);
        var json = JsonDocument.Parse(TrainCommand.JsonLine(result)).RootElement;
        Assert.Equal("binary", json.GetProperty("task").GetString());
        Assert.Equal("gbdt", json.GetProperty("trainer").GetString());
        foreach (var key in new[] { "auc", "auprc", "accuracy", "f1", "logLoss" })
        {
            Assert.True(json.GetProperty("metrics").TryGetProperty(key, out _), key);
        }

        Assert.True(json.GetProperty("fitSeconds").GetDouble() > 0);
        Assert.True(json.GetProperty("predictMicrosecondsPerRow").GetDouble() > 0);

        // eml predict on the same CSV (label column present, ignored) writes one probability per row.
        var loaded = ModelPipeline.Load(model.FullName);
        var table = Engine.Data.CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"), new Engine.Data.CsvOptions { ColumnTypes = loaded.Schema.InputTypes, IgnoreUnknownColumnTypes = true });
        var outputs = loaded.Predict(table);
        using var writer = new StringWriter();
        PredictCommand.Write(loaded, outputs, table.RowCount, writer);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("label,probability", lines[0]);
        Assert.Equal(1001, lines.Length);
        Assert.Matches("^(good|bad),[0-9.eE-]+$", lines[1]);
    }

    /// <summary>
    /// <c>eml train --test</c> with a label the training rows never had, below a quoted field that spans three lines:
    /// the error names the test file and the line the row starts on (8), not its data row (5).
    /// </summary>
    [Fact]
    public void Train_TestLabelNotATrainingClass_NamesTheFileAndTheLine()
    {
        var (train, test) = AutoMlInputErrorTests.WriteTrainAndTestWithUnknownLabel(_directory);
        var args = Args("credit-german-statlog.csv", "class", "logistic-regression", positive: "bad", test: new FileInfo(test)) with { Train = new FileInfo(train) };

        var error = Assert.Throws<ArgumentException>(() => TrainCommand.Run(args, _ => { }, CancellationToken.None));

        Assert.Equal("test.csv, line 8: label 'class' holds 'maybe', which is not one of the training classes (good, bad).", error.Message);
    }

    /// <summary>
    /// A numeric label with stray text below a quoted field that spans lines: the error lists the lines of the
    /// values that are not numbers (data rows 4 and 7 start on lines 7 and 10), where it had listed data rows.
    /// </summary>
    [Fact]
    public void Train_NumericLabelWithStrayText_NamesTheFileLines()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv")).Take(2001).ToArray();
        var header = lines[0].Split(',').Select(h => h.Trim('"')).ToArray();
        var price = Array.IndexOf(header, "price");
        var cut = Array.IndexOf(header, "cut");
        string Set(string line, int column, string value)
        {
            var fields = line.Split(',');
            fields[column] = value;
            return string.Join(',', fields);
        }

        lines[1] = Set(lines[1], cut, "\"Ideal\nbut\nnot quite\"");
        lines[4] = Set(lines[4], price, "n/a");
        lines[7] = Set(lines[7], price, "unknown");
        var file = Path.Combine(_directory, "prices.csv");
        File.WriteAllText(file, string.Join("\n", lines) + "\n");
        var args = Args("tabular-diamonds.csv", "price", "ridge") with { Train = new FileInfo(file) };

        var error = Assert.Throws<ArgumentException>(() => TrainCommand.Run(args, _ => { }, CancellationToken.None));

        Assert.StartsWith("prices.csv: Label 'price' looks numeric, but 2 of its 2000 values are not numbers (line 7: 'n/a', line 10: 'unknown'), so it was read as text.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_DiamondsCutRandomForestMulticlass_MetricsAndSavedModelPredictsSame()
    {
        // diamonds' cut (Fair, Good, Very Good, Premium, Ideal) from the other columns: a real five-class problem.
        var model = new FileInfo(Path.Combine(_directory, "cut.eml"));
        var result = TrainCommand.Run(Args("tabular-diamonds.csv", "cut", "random-forest", ["NumberOfTrees=20"], task: "multiclass", save: model), _ => { }, CancellationToken.None);

        Assert.Equal(TaskKind.Multiclass, result.Task);
        var json = JsonDocument.Parse(TrainCommand.JsonLine(result)).RootElement;
        Assert.Equal("random-forest", json.GetProperty("trainer").GetString());
        var metrics = json.GetProperty("metrics");
        foreach (var key in new[] { "accuracy", "macroAccuracy", "logLoss" })
        {
            Assert.True(metrics.TryGetProperty(key, out _), key);
        }

        // The majority class (Ideal) is 40 % of the rows; a random forest gets well past it (0.787 with 30 trees, seed 7).
        Assert.InRange(result.Metrics["accuracy"], 0.72, 0.85);

        var loaded = ModelPipeline.Load(model.FullName);
        Assert.Equal(5, loaded.OutputWidth);
        var table = Engine.Data.CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv"), new Engine.Data.CsvOptions { ColumnTypes = loaded.Schema.InputTypes, IgnoreUnknownColumnTypes = true })
            .SelectRows([.. Enumerable.Range(0, 500)]);
        var batch = loaded.Predict(table);
        var engine = loaded.CreateEngine();
        var single = new float[5];
        for (var r = 0; r < 500; r += 50)
        {
            engine.Clear();
            for (var i = 0; i < engine.Inputs.Count; i++)
            {
                switch (table[engine.Inputs[i].Name])
                {
                    case Engine.Data.NumericColumn n: engine.SetNumber(i, n.Values[r]); break;
                    case Engine.Data.StringColumn t: engine.SetText(i, t.Values[r]); break;
                }
            }

            engine.Predict(single);
            Assert.Equal(batch.AsSpan(r * 5, 5).ToArray(), single);
            Assert.Equal(1.0, single.Sum(), 5);
        }
    }

    [Fact]
    public void Train_DiamondsRidgeWithTestFile_RegressionMetrics()
    {
        var result = TrainCommand.Run(Args("tabular-diamonds.csv", "price", "ridge"), _ => { }, CancellationToken.None);
        Assert.Equal(TaskKind.Regression, result.Task);
        Assert.InRange(result.Metrics["r2"], 0.85, 0.95);
        var metrics = JsonDocument.Parse(TrainCommand.JsonLine(result)).RootElement.GetProperty("metrics");
        Assert.True(metrics.TryGetProperty("rmse", out _));
        Assert.True(metrics.TryGetProperty("mae", out _));
    }

    [Fact]
    public void Train_SentimentTextInferred_LogisticRegressionAccuracy()
    {
        var result = TrainCommand.Run(Args("sentiment-uci-labelled-sentences.csv", "label", "logistic-regression", ignore: ["source"]), _ => { }, CancellationToken.None);
        Assert.InRange(result.Metrics["accuracy"], 0.80, 0.90);
    }

    [Theory]
    [InlineData("xgboost", null, "Unknown trainer 'xgboost'")]
    [InlineData("gbdt", "NumTrees=3", "has no option 'NumTrees'")]
    [InlineData("gbdt", "NumberOfTrees=lots", "expected an integer")]
    [InlineData("ridge", null, "does not support binary")]
    public void Train_UserErrors_PreciseArgumentException(string trainer, string? setting, string expected)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "class", trainer, setting is null ? null : [setting]), _ => { }, CancellationToken.None));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_SaveOrTrainIsADirectory_ErrorNamesTheOptionBeforeTraining()
    {
        var save = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "class", "gbdt") with { Save = new FileInfo(_directory) }, _ => { }, CancellationToken.None));
        Assert.Equal($"--save '{_directory}' is a directory; --save names the file to write.", save.Message);

        var train = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "class", "gbdt") with { Train = new FileInfo(_directory) }, _ => { }, CancellationToken.None));
        Assert.Equal($"--train '{_directory}' is a directory; --train names a file to read.", train.Message);
    }

    [Fact]
    public void Train_RidgeOnClassCodes_SaysHowToTreatThemAsAQuantity()
    {
        // installment_commitment holds 1–4: class codes by default, which ridge cannot fit; --task regression can.
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "installment_commitment", "ridge", ignore: ["class"]), _ => { }, CancellationToken.None));
        Assert.Equal("Trainer 'ridge' does not support multiclass tasks (it supports regression); 'installment_commitment' holds a few whole numbers, read as class codes: --task regression treats them as a quantity.", e.Message);

        var result = TrainCommand.Run(Args("credit-german-statlog.csv", "installment_commitment", "ridge", ignore: ["class"]) with { Task = "regression" }, _ => { }, CancellationToken.None);
        Assert.Equal(TaskKind.Regression, result.Task);
        Assert.True(double.IsFinite(result.Metrics["rmse"]));
    }

    [Theory]
    [InlineData("class", "regression", "--task 'regression' needs a numeric label; 'class' was read as categorical.")]
    [InlineData("installment_commitment", "binary", "--task 'binary' needs a label with two values; 'installment_commitment' has 4.")]
    public void Train_TaskTheLabelCannotBe_IsTheAutoMlCommandsError(string label, string task, string expected)
    {
        // The same check and words as `eml automl --task` (LabelEncoding.TaskMismatch), before anything is fitted.
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", label, "gbdt", ignore: label == "class" ? [] : ["class"]) with { Task = task }, _ => { }, CancellationToken.None));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Train_TestFileWithoutATrainingColumn_FailsBeforeTraining_NamingBothFiles()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => header[i] != "checking_status").ToArray();
        var test = Path.Combine(_directory, "test.csv");
        File.WriteAllLines(test, lines[801..].Prepend(lines[0]).Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))));
        var steps = new List<string>();

        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "class", "gbdt") with { Test = new FileInfo(test) }, steps.Add, CancellationToken.None));

        Assert.Equal("test.csv: no column 'checking_status', which credit-german-statlog.csv has; the test rows need every training column (--ignore leaves one out of both).", e.Message);
        Assert.DoesNotContain(steps, s => s.StartsWith("Training", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_IgnoreLeavesNoFeature_SaysSo()
    {
        var file = Path.Combine(_directory, "tiny.csv");
        File.WriteAllLines(file, ["a,y", .. Enumerable.Range(0, 20).Select(i => $"{i},{i % 2}")]);
        var args = Args("credit-german-statlog.csv", "y", "gbdt", ignore: ["a"]) with { Train = new FileInfo(file) };

        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(args, _ => { }, CancellationToken.None));

        Assert.Equal("tiny.csv has no column to learn from: besides the label 'y' and the ignored 'a', there is none.", e.Message);
    }

    [Fact]
    public void Train_SaveBelowAFile_ErrorNamesTheOptionBeforeTraining()
    {
        var file = Path.Combine(_directory, "afile");
        File.WriteAllText(file, "x");
        var steps = new List<string>();

        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "class", "gbdt") with { Save = new FileInfo(Path.Combine(file, "m.eml")) }, steps.Add, CancellationToken.None));

        Assert.Equal($"--save '{Path.Combine(file, "m.eml")}': '{file}' is a file, so nothing can be written below it.", e.Message);
        Assert.Empty(steps);
    }

    [Fact]
    public void Train_OneRowOfAClass_HoldoutIsRefusedBeforeTraining()
    {
        var file = Path.Combine(_directory, "rare.csv");
        File.WriteAllLines(file, ["a,fraud", .. Enumerable.Range(0, 200).Select(i => $"{i % 17},{(i == 70 ? 1 : 0)}")]);
        var steps = new List<string>();

        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(Args("credit-german-statlog.csv", "fraud", "gbdt") with { Train = new FileInfo(file) }, steps.Add, CancellationToken.None));

        Assert.Equal("Label 'fraud' has 1 row of class '1' among 200: a 20 % holdout of a binary label needs at least 2 rows of each class (one to train on, one to test); add rows of that class or give --test.", e.Message);
        Assert.DoesNotContain(steps, s => s.StartsWith("Training", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_MulticlassWithAOneRowClass_TrainsOnIt()
    {
        var file = Path.Combine(_directory, "rare-multi.csv");
        File.WriteAllLines(file, ["a,kind", .. Enumerable.Range(0, 201).Select(i => $"{i % 13},{(i == 200 ? "rare" : i % 2 == 0 ? "x" : "y")}")]);

        var result = TrainCommand.Run(Args("credit-german-statlog.csv", "kind", "gbdt") with { Train = new FileInfo(file) }, _ => { }, CancellationToken.None);

        Assert.Equal(TaskKind.Multiclass, result.Task);
        Assert.True(double.IsFinite(result.Metrics["accuracy"]));
        // Its row is for training, so the holdout cannot score it: said, where the metrics had covered two of three classes silently.
        Assert.Equal("the test rows hold no row of class 'rare' (1 training row), so the metrics do not measure how the model finds it; macroAccuracy averages the 2 classes they hold.",
            Assert.Single(result.Warnings));
    }

    /// <summary>EarlyStoppingRounds was accepted and silently did nothing (eml train passes no validation rows).</summary>
    [Fact]
    public void Train_GbdtEarlyStoppingRounds_WarnsItHasNoEffect()
    {
        var result = TrainCommand.Run(Args("credit-german-statlog.csv", "class", "gbdt", ["NumberOfTrees=5", "earlystoppingrounds=3"], positive: "bad"), _ => { }, CancellationToken.None);

        Assert.Equal("--set earlystoppingrounds=3 has no effect: GBDT stops early only on validation rows, and eml train holds none out, so every tree is fitted.", Assert.Single(result.Warnings));
        Assert.Empty(TrainCommand.Run(Args("credit-german-statlog.csv", "class", "gbdt", ["NumberOfTrees=5", "EarlyStoppingRounds=0"], positive: "bad"), _ => { }, CancellationToken.None).Warnings);
    }

    [Fact]
    public void Train_TestFileWithOneClass_MetricsThatNeedBothAreNaNAndSaidSo()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("credit-german-statlog.csv"));
        var classColumn = Array.IndexOf(lines[0].Split(','), "class");
        var test = Path.Combine(_directory, "good-only.csv");
        File.WriteAllLines(test, lines[801..].Where(l => l.Split(',')[classColumn] == "good").Prepend(lines[0]));

        var result = TrainCommand.Run(Args("credit-german-statlog.csv", "class", "logistic-regression", positive: "bad") with { Test = new FileInfo(test) }, _ => { }, CancellationToken.None);

        Assert.True(double.IsNaN(result.Metrics["auc"]));
        Assert.True(double.IsFinite(result.Metrics["accuracy"]));
        Assert.Equal("the test rows hold no row of class 'bad', so auc, auprc, ks and gini are undefined (NaN; null in --json).", Assert.Single(result.Warnings));
    }

    [Theory]
    [InlineData("poisson")]
    [InlineData("tweedie")]
    public void Train_LogLinkOnNegativeTargets_NamesTheFileAndTheValues(string trainer)
    {
        var file = Path.Combine(_directory, "claims.csv");
        File.WriteAllLines(file, ["x,claims", .. Enumerable.Range(0, 300).Select(i => $"{i % 7},{(i is 250 or 260 ? -1 : i % 4)}")]);

        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(Args("credit-german-statlog.csv", "claims", trainer, task: "regression") with { Train = new FileInfo(file), Task = "regression" }, _ => { }, CancellationToken.None));

        Assert.Equal($"claims.csv: label 'claims' holds 2 negative values (the first: -1); {trainer} regression needs targets of 0 or more (counts, amounts).", e.Message);
    }

    [Fact]
    public void Train_NumericFeatureWithAStrayValue_WarnsNamingTheLine()
    {
        var file = Path.Combine(_directory, "stray.csv");
        var random = new Random(1);
        File.WriteAllLines(file, ["x,label", .. Enumerable.Range(0, 300).Select(i =>
        {
            var x = random.NextDouble() - 0.5;
            return $"{(i == 10 ? "\"1,234\"" : x.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture))},{(x > 0 ? "yes" : "no")}";
        })]);

        var result = TrainCommand.Run(Args("credit-german-statlog.csv", "label", "gbdt") with { Train = new FileInfo(file) }, _ => { }, CancellationToken.None);

        Assert.Equal("column 'x' was read as categorical although 299 of 300 values are numbers: stray.csv, line 12 holds '1,234', which is not a number (or is beyond a 32-bit float); fix those values in the file, or --ignore the column.",
            Assert.Single(result.Warnings));
    }

    /// <summary>
    /// The first <paramref name="rows"/> rows of diamonds with unquoted fields, each row passed through
    /// <paramref name="edit"/> (its fields by header name, and its 0-based data row), written as <paramref name="name"/>.
    /// </summary>
    private string Diamonds(string name, int rows, Action<Dictionary<string, string>, int>? edit = null, string[]? header = null)
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var columns = lines[0].Split(',').Select(h => h.Trim('"')).ToArray();
        var output = header ?? columns;
        var file = Path.Combine(_directory, name);
        File.WriteAllLines(file, lines[1..(rows + 1)].Select((line, r) =>
        {
            var fields = columns.Zip(line.Split(',').Select(f => f.Trim('"'))).ToDictionary(p => p.First, p => p.Second);
            edit?.Invoke(fields, r);
            return string.Join(',', output.Select(c => fields[c]));
        }).Prepend(string.Join(',', output)));
        return file;
    }

    /// <summary>
    /// eml train left rows with an empty label out without a word (eml automl names them): 2 of 1,000 rows vanished
    /// from the train/test counts. Now it warns with their lines, for the training file and for --test.
    /// </summary>
    [Fact]
    public void Train_RowsWithoutALabel_WarnsNamingTheirLines()
    {
        var train = Diamonds("cut.csv", 1000, (fields, r) => fields["cut"] = r is 3 or 7 ? "" : fields["cut"]);
        var test = Diamonds("cut-test.csv", 300, (fields, r) => fields["cut"] = r == 0 ? "" : fields["cut"]);

        var holdout = TrainCommand.Run(Args("tabular-diamonds.csv", "cut", "gbdt", ["NumberOfTrees=5"]) with { Train = new FileInfo(train) }, _ => { }, CancellationToken.None);
        var tested = TrainCommand.Run(Args("tabular-diamonds.csv", "cut", "gbdt", ["NumberOfTrees=5"]) with { Train = new FileInfo(train), Test = new FileInfo(test) }, _ => { }, CancellationToken.None);

        Assert.Equal(998, holdout.TrainRows + holdout.TestRows);
        Assert.Equal("Left out 2 training rows with no 'cut' value (cut.csv, lines 5, 9).", Assert.Single(holdout.Warnings));
        Assert.Equal(299, tested.TestRows);
        Assert.Equal(["Left out 2 training rows with no 'cut' value (cut.csv, lines 5, 9).", "Left out 1 test row with no 'cut' value (cut-test.csv, line 2)."], tested.Warnings);
    }

    /// <summary>
    /// A numbered order column in a file sorted by price leaks the price: gbdt scored R² 0.999 on the holdout from the
    /// number alone, without a word. It still trains (the number could be a measurement), but says so, and the
    /// column's --ignore brings the honest score back without the warning.
    /// </summary>
    [Fact]
    public void Train_NumericIdentifierColumn_WarnsThatItCanLeakTheLabel()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("tabular-diamonds.csv"));
        var price = Array.IndexOf(lines[0].Split(',').Select(h => h.Trim('"')).ToArray(), "price");
        var sorted = lines[1..2001].OrderBy(l => int.Parse(l.Split(',')[price], System.Globalization.CultureInfo.InvariantCulture)).Select((l, i) => $"{10000 + i},{l}");
        var file = Path.Combine(_directory, "orders.csv");
        File.WriteAllLines(file, sorted.Prepend("order_id," + lines[0]));

        var leaky = TrainCommand.Run(Args("tabular-diamonds.csv", "price", "gbdt") with { Train = new FileInfo(file) }, _ => { }, CancellationToken.None);
        var honest = TrainCommand.Run(Args("tabular-diamonds.csv", "price", "gbdt", ignore: ["order_id"]) with { Train = new FileInfo(file) }, _ => { }, CancellationToken.None);

        Assert.Equal("column 'order_id' holds a different whole number in each of its 2,000 rows (10000 to 11999), as an identifier does: " +
            "a model learns the file's row order from it, which leaks the label when the rows were sorted or numbered by something the label depends on; --ignore the column if it is an identifier.",
            Assert.Single(leaky.Warnings));
        Assert.Empty(honest.Warnings);
        Assert.True(leaky.Metrics["r2"] > honest.Metrics["r2"], $"leaky {leaky.Metrics["r2"]}, honest {honest.Metrics["r2"]}");
    }

    /// <summary>'Fair' and 'FAIR' were two classes of ten without a word; they still are (a file may mean it), but it is said.</summary>
    [Fact]
    public void Train_LabelClassesDifferingInCase_Warn()
    {
        var file = Diamonds("cut-case.csv", 1000, (fields, r) => fields["cut"] = r % 10 == 0 ? fields["cut"].ToUpperInvariant() : fields["cut"]);

        var result = TrainCommand.Run(Args("tabular-diamonds.csv", "cut", "gbdt", ["NumberOfTrees=5"]) with { Train = new FileInfo(file) }, _ => { }, CancellationToken.None);

        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("Label 'cut' has classes that differ only in letter case: 'FAIR' (", warning, StringComparison.Ordinal);
        Assert.Contains("'IDEAL' (", warning, StringComparison.Ordinal);
        Assert.Contains(" and 'Ideal' (", warning, StringComparison.Ordinal);
        Assert.EndsWith("They are learned as 10 different classes; if they are one, spell them alike in the file.", warning, StringComparison.Ordinal);
        Assert.Empty(TrainCommand.Run(Args("tabular-diamonds.csv", "cut", "gbdt", ["NumberOfTrees=5"]) with { Train = new FileInfo(Diamonds("cut-plain.csv", 1000)) }, _ => { }, CancellationToken.None).Warnings);
    }

    /// <summary>
    /// A column empty in every training row (an export's unused 'notes') was an input of the saved model: eml predict
    /// refused a file without it (<c>Missing input column(s): notes.</c>) and one with text in it (read as a number).
    /// Now the model does not read it, so both files predict, alike.
    /// </summary>
    [Fact]
    public void TrainThenPredict_ColumnEmptyInTraining_IsNotNeededToPredict()
    {
        string[] columns = ["carat", "cut", "color", "clarity", "depth", "table", "price", "x", "y", "z"];
        var train = Diamonds("notes.csv", 1000, (fields, _) => fields["notes"] = "", [.. columns, "notes"]);
        var filled = Diamonds("filled.csv", 50, (fields, r) => fields["notes"] = r % 2 == 0 ? "call back" : "", [.. columns, "notes"]);
        var without = Diamonds("without.csv", 50);
        var model = new FileInfo(Path.Combine(_directory, "notes.eml"));

        TrainCommand.Run(Args("tabular-diamonds.csv", "price", "gbdt", ["NumberOfTrees=20"], save: model) with { Train = new FileInfo(train) }, _ => { }, CancellationToken.None);

        var loaded = ModelPipeline.Load(model.FullName);
        Assert.DoesNotContain("notes", loaded.Schema.InputTypes.Keys);
        float[] Predict(string file) => loaded.Predict(Engine.Data.CsvTable.Read(file, new Engine.Data.CsvOptions { ColumnTypes = loaded.Schema.InputTypes, IgnoreUnknownColumnTypes = true }));
        Assert.Equal(Predict(without), Predict(filled));
        Assert.Equal(50, Predict(without).Length);
    }

    [Fact]
    public void Train_PositiveClassOfARegressionLabel_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(
            Args("credit-german-statlog.csv", "duration", "ridge") with { Positive = "12" }, _ => { }, CancellationToken.None));
        Assert.Equal("--positive '12' names the positive class of a binary label; 'duration' is a regression label.", e.Message);
    }

    [Fact]
    public void Train_UnknownLabel_ErrorListsColumns()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(Args("credit-german-statlog.csv", "klass", "gbdt"), _ => { }, CancellationToken.None));
        Assert.Contains("'klass'", e.Message, StringComparison.Ordinal);
        Assert.Contains("checking_status", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A column name that is not in the file names the option it came from, in eml automl's words (eml train said
    /// only "has no column 'purpse'", which does not tell an --ignore from a --text or the label).
    /// </summary>
    [Theory]
    [InlineData("text")]
    [InlineData("categorical")]
    [InlineData("ignore")]
    [InlineData("label")]
    public void Train_UnknownTypedColumn_ErrorNamesItInTheCliWords(string option)
    {
        var args = option switch
        {
            "text" => Args("credit-german-statlog.csv", "class", "gbdt", text: ["purpse"]),
            "categorical" => Args("credit-german-statlog.csv", "class", "gbdt") with { Categorical = ["purpse"] },
            "ignore" => Args("credit-german-statlog.csv", "class", "gbdt", ignore: ["purpse"]),
            _ => Args("credit-german-statlog.csv", "purpse", "gbdt"),
        };
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.Run(args, _ => { }, CancellationToken.None));
        Assert.StartsWith($"--{option} 'purpse': credit-german-statlog.csv has no column of that name; did you mean 'purpose'? Available: checking_status,", e.Message, StringComparison.Ordinal);
        Assert.EndsWith(", class.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliErrors_UserError_ExitCodeTwoNoStackTrace()
    {
        var previous = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var code = await CliErrors.RunAsync(_ => throw new ArgumentException("bad thing"), CancellationToken.None);
            Assert.Equal(2, code);
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Contains("eml: error: bad thing", captured.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", captured.ToString(), StringComparison.Ordinal);
    }
}
