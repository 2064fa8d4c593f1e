using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class LabelEncodingTests
{
    [Fact]
    public void InferTask_ByLabelValues()
    {
        Assert.Equal(TaskKind.Binary, LabelEncoding.InferTask(new StringColumn("y", ["a", "b", "a", null])));
        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTask(new StringColumn("y", ["a", "b", "c"])));
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(new NumericColumn("y", [1.5f, 2, 3])));
        Assert.Equal(TaskKind.Binary, LabelEncoding.InferTask(new NumericColumn("y", [0, 1, 1])));
        Assert.Throws<ArgumentException>(() => LabelEncoding.InferTask(new NumericColumn("y", [1, 1])));
    }

    [Fact]
    public void InferTask_WholeNumbersWithFewValues_AreClassCodes_OnRealColumns()
    {
        var credit = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var diamonds = CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv"));

        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTask(credit["installment_commitment"])); // codes 1–4, 1,000 rows
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(credit["age"])); // whole years, over 20 values
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(diamonds["price"])); // whole dollars, thousands of values
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(diamonds["carat"])); // decimals

        // Three codes need 60 rows (20 each on average); with fewer they read as a quantity.
        NumericColumn Codes(int rows) => new("y", [.. Enumerable.Range(0, rows).Select(i => (float)(i % 3))]);
        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTask(Codes(60)));
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(Codes(59)));
        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTask(new NumericColumn("y", [.. Enumerable.Range(0, 420).Select(i => (float)(i % 20))])));
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(new NumericColumn("y", [.. Enumerable.Range(0, 420).Select(i => (float)(i % 21))])));
    }

    [Fact]
    public void Encode_ClassCodes_InNumericOrder()
    {
        var table = new DataTable([new NumericColumn("y", [.. Enumerable.Range(0, 240).Select(i => (float)(i % 12))]), new NumericColumn("x", [.. Enumerable.Range(0, 240).Select(i => (float)i)])]);
        var data = LabelEncoding.Encode(table, "y", LabelEncoding.InferTask(table["y"]));

        Assert.Equal(TaskKind.Multiclass, data.Task);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"], data.ClassNames);
        Assert.Equal(10f, data.Labels[10]);
    }

    [Fact]
    public void InferTask_NumericLabelWithStrayText_NamesTheRowsInsteadOfStartingAThousandClassSweep()
    {
        // 300 prices, two of them "n/a": the reader keeps the column as text, which would otherwise be a 299-class label.
        var values = Enumerable.Range(0, 300).Select(i => (i * 17.5).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray<string?>();
        values[5] = "n/a";
        values[9] = "n/a";
        values[20] = null;
        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.InferTask(new StringColumn("price", values)));
        Assert.Contains("Label 'price' looks numeric, but 2 of its 299 values are not numbers (row 6: 'n/a', row 10: 'n/a'", e.Message);
        Assert.Contains("leave them empty", e.Message);
    }

    [Theory]
    [InlineData("Infinity")]
    [InlineData("-inf")]
    [InlineData("1e39")]
    public void InferTask_NumericLabelWithANumberTheReaderRefuses_NamesTheRow(string value)
    {
        // The CSV reader reads finite 32-bit floats only, so one infinite or too large price leaves the column as text;
        // that value is the one to name, not a 300-value class label ("too many for a class label").
        var values = Enumerable.Range(0, 300).Select(i => (i * 17.5).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray<string?>();
        values[5] = value;

        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.InferTask(new StringColumn("price", values)));

        Assert.Contains($"Label 'price' looks numeric, but 1 of its 300 values are not numbers (row 6: '{value}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InferTask_IdentifierAsLabel_IsRejected_ARealClassLabelIsNot()
    {
        var ids = Enumerable.Range(0, 400).Select(i => $"A{i:D5}").ToArray<string?>();
        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.InferTask(new StringColumn("applicant", ids)));
        Assert.Contains("Label 'applicant' has 400 distinct values in 400 rows ('A00000', 'A00001'", e.Message);

        // 60 classes of 10 rows each, some of them numbers: a class label.
        var classes = Enumerable.Range(0, 600).Select(i => i % 60 < 5 ? $"{i % 60}" : $"c{i % 60}").ToArray<string?>();
        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTask(new StringColumn("y", classes)));
    }

    [Fact]
    public void Encode_RowsWithoutLabel_AreLeftOutAndNamed()
    {
        var table = new DataTable([new StringColumn("y", ["good", null, "bad", "good", null]), new NumericColumn("x", [1, 2, 3, 4, 5])]);
        var data = LabelEncoding.Encode(table, "y", TaskKind.Binary);
        Assert.Equal(3, data.RowCount);
        Assert.Equal([1, 4], data.RowsWithoutLabel);
        Assert.Equal([1f, 3f, 4f], ((NumericColumn)data.Features["x"]).Values.ToArray());
        Assert.Equal("Left out 2 training rows with no 'y' value (data rows 2, 5, counted from 1 after the header).", LabelEncoding.RowsWithoutLabelNote(data, "training"));

        var complete = LabelEncoding.Encode(new DataTable([new StringColumn("y", ["a", "b"]), new NumericColumn("x", [1, 2])]), "y", TaskKind.Binary);
        Assert.Empty(complete.RowsWithoutLabel);
        Assert.Null(LabelEncoding.RowsWithoutLabelNote(complete, "training"));
    }

    [Fact]
    public void CaseVariantClassesNote_ClassesThatDifferInCaseOnly_NamesThemWithTheirRows()
    {
        string?[] values = ["Fair", "FAIR", "Good", "Fair", "Ideal", "ideal", "IDEAL", "Good"];
        var data = LabelEncoding.Encode(new DataTable([new StringColumn("cut", values), new NumericColumn("x", [.. values.Select((_, i) => (float)i)])]), "cut", TaskKind.Multiclass);

        Assert.Equal("Label 'cut' has classes that differ only in letter case: 'FAIR' (1 row) and 'Fair' (2 rows); 'IDEAL' (1 row) and 'Ideal' (1 row) and 'ideal' (1 row). " +
            "They are learned as 6 different classes; if they are one, spell them alike in the file.", LabelEncoding.CaseVariantClassesNote(data));
    }

    [Fact]
    public void CaseVariantClassesNote_DistinctClassesOrRegression_IsNull()
    {
        var classes = LabelEncoding.Encode(new DataTable([new StringColumn("cut", ["Fair", "Good", "Ideal"]), new NumericColumn("x", [1, 2, 3])]), "cut", TaskKind.Multiclass);
        var regression = LabelEncoding.Encode(new DataTable([new NumericColumn("price", [1, 2, 3.5f]), new NumericColumn("x", [1, 2, 3])]), "price", TaskKind.Regression);

        Assert.Null(LabelEncoding.CaseVariantClassesNote(classes));
        Assert.Null(LabelEncoding.CaseVariantClassesNote(regression));
    }

    /// <summary>
    /// A yes/no label read from a file keeps the file's words as class names (predictions say <c>Yes</c>, not 1); its
    /// true value is positive by default, any spelling of either value names the positive class, and a multiclass task
    /// on it orders the names as text.
    /// </summary>
    [Fact]
    public void Encode_BooleanLabelFromAFile_KeepsTheFilesWords()
    {
        var csv = "x,churn\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},{(i % 3 == 0 ? "Yes" : "No")}\n"));
        var table = CsvTable.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)));
        Assert.Equal(ColumnType.Boolean, table["churn"].Type);

        var byDefault = LabelEncoding.Encode(table, "churn", TaskKind.Binary);
        Assert.Equal(["No", "Yes"], byDefault.ClassNames);
        Assert.Equal([1f, 0f, 0f, 1f], byDefault.Labels[..4]);

        Assert.Equal(["Yes", "No"], LabelEncoding.Encode(table, "churn", TaskKind.Binary, "no").ClassNames);
        Assert.Equal(["No", "Yes"], LabelEncoding.Encode(table, "churn", TaskKind.Binary, "true").ClassNames);
        Assert.Equal(["No", "Yes"], LabelEncoding.Encode(table, "churn", TaskKind.Binary, "Yes").ClassNames);
        Assert.Equal(["No", "Yes"], LabelEncoding.Encode(table, "churn", TaskKind.Multiclass).ClassNames);

        // A test file that spells the values otherwise is encoded by value with the training names.
        var test = CsvTable.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes("x,churn\n1,yes\n2,no\n3,YES\n")));
        var encoded = LabelEncoding.Encode(test, "churn", TaskKind.Binary, classNames: byDefault.ClassNames);
        Assert.Equal([1f, 0f, 1f], encoded.Labels);
        Assert.Equal(["No", "Yes"], encoded.ClassNames);
    }

    /// <summary>The task read from a profile, as the rows would give it, and null where only the rows can tell.</summary>
    [Fact]
    public void InferTaskFromProfile_MatchesTheRowRule_NullWhenUndecided()
    {
        static ColumnProfile Profile(ColumnType type, long distinct, double? min = null, double? max = null) =>
            new("y", type, 0, distinct, min, max, null, null);

        Assert.Equal(TaskKind.Binary, LabelEncoding.InferTaskFromProfile(Profile(ColumnType.Categorical, 2), 100));
        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTaskFromProfile(Profile(ColumnType.Categorical, 5), 100));
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTaskFromProfile(Profile(ColumnType.Numeric, 300, 1, 900), 1000));
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTaskFromProfile(Profile(ColumnType.Numeric, 4, 0.5, 3), 1000));
        Assert.Null(LabelEncoding.InferTaskFromProfile(Profile(ColumnType.Numeric, 4, 1, 4), 1000));
        Assert.Null(LabelEncoding.InferTaskFromProfile(Profile(ColumnType.Categorical, 1), 100));
    }

    [Fact]
    public void Encode_Binary_MinorityIsPositiveUnlessNamed()
    {
        var table = new DataTable([new StringColumn("y", ["good", "bad", "good", null, "good"]), new NumericColumn("x", [1, 2, 3, 4, 5])]);
        var minority = LabelEncoding.Encode(table, "y", TaskKind.Binary);
        Assert.Equal(["good", "bad"], minority.ClassNames);
        Assert.Equal([0f, 1f, 0f, 0f], minority.Labels);
        Assert.Equal(4, minority.RowCount);
        Assert.False(minority.Features.TryGetColumn("y", out _));

        var named = LabelEncoding.Encode(table, "y", TaskKind.Binary, "good");
        Assert.Equal(["bad", "good"], named.ClassNames);
        Assert.Throws<ArgumentException>(() => LabelEncoding.Encode(table, "y", TaskKind.Binary, "ugly"));
    }

    [Fact]
    public void Encode_TestRowsWithTrainingClasses_UnknownClassThrows()
    {
        var train = LabelEncoding.Encode(new DataTable([new StringColumn("y", ["a", "b", "c"]), new NumericColumn("x", [1, 2, 3])]), "y", TaskKind.Multiclass);
        var test = new DataTable([new StringColumn("y", ["c", "d"]), new NumericColumn("x", [1, 2])]);
        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.Encode(test, "y", TaskKind.Multiclass, classNames: train.ClassNames));
        Assert.Contains("'d'", e.Message);
    }

    /// <summary>
    /// A file whose quoted fields span lines (CRLF in one, LF in another) before the rows with label problems: data rows
    /// and file lines part ways there. Label errors said "row N" (the data row) where every other CSV error names the
    /// line; they now give the line of the file, the one an editor shows.
    /// </summary>
    private const string MultiLineCsv =
        "x,note,y\n" +            // line 1
        "1,plain,good\n" +        // line 2
        "2,\"two\r\nlines\",bad\n" + // lines 3-4
        "3,\"three\n\nlines\",good\n" + // lines 5-7
        "4,ok,maybe\n" +          // line 8: not a training class
        "5,ok,\n" +               // line 9: no label
        "6,ok,bad\n";             // line 10

    [Fact]
    public void Encode_TestLabelNotATrainingClass_AfterMultiLineFields_NamesTheFileLineAndColumn()
    {
        var table = CsvTable.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(MultiLineCsv)));
        Assert.Equal(8, table["y"].LineOf(3));

        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.Encode(table, "y", TaskKind.Binary, "bad", ["good", "bad"]));

        Assert.Equal("line 8: label 'y' holds 'maybe', which is not one of the training classes (good, bad). (Parameter 'table')", e.Message);
    }

    [Fact]
    public void RowsWithoutLabelNote_AfterMultiLineFields_NamesTheFileLines()
    {
        var csv = MultiLineCsv.Replace("4,ok,maybe", "4,ok,", StringComparison.Ordinal);
        var data = LabelEncoding.Encode(CsvTable.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), new CsvOptions { SourceName = "train.csv" }), "y", TaskKind.Binary, "bad");

        Assert.Equal([3, 4], data.RowsWithoutLabel);
        Assert.Equal([8L, 9L], data.LinesWithoutLabel);
        Assert.Equal("Left out 2 training rows with no 'y' value (train.csv, lines 8, 9).", LabelEncoding.RowsWithoutLabelNote(data, "training"));
    }

    [Fact]
    public void InferTask_NumericLabelWithStrayText_AfterMultiLineField_NamesTheFileLines()
    {
        // 300 prices, two of them "n/a", below a note that spans three lines (so data row r starts on line r + 4).
        var lines = new List<string> { "note,price" };
        for (var i = 0; i < 300; i++)
        {
            var price = i is 5 or 9 ? "n/a" : (i * 17.5).ToString(System.Globalization.CultureInfo.InvariantCulture);
            lines.Add(i == 1 ? $"\"a note\non three\nlines\",{price}" : $"n{i},{price}");
        }

        var table = CsvTable.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));

        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.InferTask(table["price"]));

        Assert.Contains("Label 'price' looks numeric, but 2 of its 300 values are not numbers (line 9: 'n/a', line 13: 'n/a'), so it was read as text.", e.Message, StringComparison.Ordinal);
    }
}
