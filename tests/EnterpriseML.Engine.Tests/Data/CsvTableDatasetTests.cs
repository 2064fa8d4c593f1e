using System.IO.Compression;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Tests.Data;

/// <summary>Every shared real dataset reads with the row and column counts of ../shared/datasets/README.md.</summary>
public sealed class CsvTableDatasetTests
{
    [Theory]
    [InlineData("credit-german-statlog.csv", 1_000, 21)]
    [InlineData("fraud-sensor-anomaly-singlehop.csv", 18_914, 6)]
    [InlineData("fraud-coil2000-caravan.csv", 9_822, 86)]
    [InlineData("sentiment-uci-labelled-sentences.csv", 3_000, 3)]
    [InlineData("recsys-movielens-small.csv", 100_004, 7)]
    [InlineData("recsys-scotch-implicit.csv", 5_085, 2)]
    [InlineData("tabular-telco-churn.csv", 7_043, 20)]
    [InlineData("tabular-diamonds.csv", 53_940, 10)]
    [InlineData("flights-1m.test.csv.gz", 250_000, 8)]
    public void ReadAndProfile_SharedDataset_HaveReadmeShapeAndAgree(string file, int rows, int columns)
    {
        var profile = DatasetProfiler.Profile(TestPaths.Dataset(file));
        var table = CsvTable.Read(TestPaths.Dataset(file));

        Assert.Equal(rows, table.RowCount);
        Assert.Equal(columns, table.Columns.Count);
        Assert.Equal(rows, profile.RowCount);
        Assert.Equal(columns, profile.Columns.Count);
        Assert.Equal(',', profile.Delimiter);
        for (var i = 0; i < columns; i++)
        {
            Assert.Equal(table.Columns[i].Name, profile.Columns[i].Name);
            Assert.Equal(table.Columns[i].Type, profile.Columns[i].Type);
            var missing = 0;
            for (var r = 0; r < table.RowCount; r++)
            {
                missing += table.Columns[i].IsMissing(r) ? 1 : 0;
            }

            Assert.Equal(missing, profile.Columns[i].MissingCount);
        }
    }

    [Fact]
    public void Profile_FlightsTrainThroughGZipStream_HasReadmeShape()
    {
        using var file = File.OpenRead(TestPaths.Dataset("flights-1m.train.csv.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);

        var profile = DatasetProfiler.Profile(gzip, new CsvOptions { SourceName = "flights-1m.train.csv" }, label: "delayed");

        Assert.Equal(1_000_000, profile.RowCount);
        Assert.Equal(8, profile.Columns.Count);
        Assert.Equal(
            [ColumnType.Numeric, ColumnType.Numeric, ColumnType.Numeric, ColumnType.Numeric, ColumnType.Numeric,
             ColumnType.Categorical, ColumnType.Categorical, ColumnType.Boolean],
            profile.Columns.Select(c => c.Type));
        Assert.Equal((1d, 7d), (profile.Columns[0].Min!.Value, profile.Columns[0].Max!.Value)); // January to July 2001
        Assert.InRange(profile.Label!.Classes[1].Count / 1e6, 0.19, 0.21); // 20 % delayed (README)
    }

    [Fact]
    public void Read_CreditGerman_InfersTypesOfKnownColumns()
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));

        Assert.Equal(ColumnType.Categorical, table["purpose"].Type);
        Assert.Equal(ColumnType.Categorical, table["class"].Type);
        Assert.Equal(ColumnType.Numeric, table["duration"].Type);
        Assert.Equal(ColumnType.Numeric, table["credit_amount"].Type);
        Assert.Equal(ColumnType.Boolean, table["foreign_worker"].Type);
        var amount = ((NumericColumn)table["credit_amount"]).Values;
        Assert.Equal(1169f, amount[0]);
        Assert.Equal("radio/tv", ((StringColumn)table["purpose"]).Values[0]);
        var categorical = 0;
        foreach (var column in table.Columns)
        {
            categorical += column.Type == ColumnType.Categorical ? 1 : 0;
        }

        Assert.InRange(categorical, 10, 14);
    }

    [Fact]
    public void Read_Sentiment_TextColumnIsText()
    {
        var table = CsvTable.Read(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv"));

        Assert.Equal(ColumnType.Text, table["text"].Type);
        Assert.Equal(ColumnType.Categorical, table["source"].Type);
        Assert.Equal(ColumnType.Boolean, table["label"].Type);
        Assert.Equal("Good case, Excellent value.", ((StringColumn)table["text"]).Values[1]);
    }

    [Fact]
    public void Read_Churn_MissingTotalChargesAreNaN()
    {
        var table = CsvTable.Read(TestPaths.Dataset("tabular-telco-churn.csv"));

        var charges = (NumericColumn)table["total_charges"];
        var missing = 0;
        foreach (var value in charges.Values)
        {
            missing += float.IsNaN(value) ? 1 : 0;
        }

        Assert.Equal(11, missing);
        Assert.Equal(ColumnType.Boolean, table["churn"].Type);
        Assert.Equal(ColumnType.Numeric, table["monthly_charges"].Type);
        Assert.Equal(29.85f, ((NumericColumn)table["monthly_charges"]).Values[0]);
    }

    [Fact]
    public void Profile_CreditGerman_ReportsClassBalanceAndNumericStats()
    {
        using var stream = File.OpenRead(TestPaths.Dataset("credit-german-statlog.csv"));

        var profile = DatasetProfiler.Profile(stream, label: "class");

        Assert.NotNull(profile.Label);
        Assert.Equal("class", profile.Label.Column);
        Assert.Equal([new ValueCount("good", 700), new ValueCount("bad", 300)], profile.Label.Classes);
        var duration = profile.Columns[1];
        Assert.Equal("duration", duration.Name);
        Assert.Equal(4, duration.Min);
        Assert.Equal(72, duration.Max);
        Assert.InRange(duration.Mean!.Value, 20.9, 20.91); // 20.903 months (UCI documentation)
        Assert.Null(duration.TopValues);
        var purpose = profile.Columns[3];
        Assert.Equal(10, purpose.DistinctCount);
        Assert.Equal(0, purpose.MissingCount);
        Assert.NotNull(purpose.TopValues);
        Assert.Equal("radio/tv", purpose.TopValues[0].Value);
        Assert.Equal(280, purpose.TopValues[0].Count);
    }

    [Fact]
    public void Profile_FlightsTest_CountsLevelsOfAirports()
    {
        var profile = DatasetProfiler.Profile(TestPaths.Dataset("flights-1m.test.csv.gz"), label: "delayed");

        Assert.Equal(ColumnType.Categorical, profile.Columns[5].Type);
        Assert.InRange(profile.Columns[5].DistinctCount, 150, 229);
        Assert.True(profile.Columns[5].IsDistinctCountExact);
        Assert.NotNull(profile.Label);
        Assert.Equal(2, profile.Label.Classes.Count);
        Assert.Equal("no", profile.Label.Classes[0].Value);
        Assert.InRange(profile.Label.Classes[1].Count / 250_000.0, 0.17, 0.23);
    }
}
