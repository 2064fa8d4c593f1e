using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>
/// Every catalog trainer on every task it offers, on telco churn rows with every column kind the featurizers have
/// (numeric with missing values, booleans, categoricals, a timestamp): after save and load, predictions on rows with
/// missing values, unseen levels and missing timestamps are finite, bit-identical to the saved model's, and the
/// single-row engine agrees with the batch path.
/// </summary>
public sealed class MixedInputParityTests
{
    private static readonly Lazy<DataTable> Churn = new(() =>
    {
        var table = ModelTestData.Head(CsvTable.Read(TestPaths.Dataset("tabular-telco-churn.csv")), 1500);
        // A timestamp column derived from the tenure (months since a fixed start), so DateTime featurisation is fitted too.
        var tenure = ((NumericColumn)table["tenure"]).Values;
        var start = new DateTime(2015, 1, 1, 9, 0, 0, DateTimeKind.Utc);
        var ticks = new long[tenure.Length];
        for (var i = 0; i < ticks.Length; i++)
        {
            ticks[i] = i % 37 == 0 ? DateTimeColumn.Missing : start.AddMonths((int)tenure[i]).AddHours(i % 24).Ticks;
        }

        return new DataTable([.. table.Columns, new DateTimeColumn("signup", ticks)]);
    });

    public static IEnumerable<object[]> TrainerTasks() => ModelTestData.TrainerTasks();

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void SaveLoad_MixedColumnsWithMissingAndUnseenValues_FiniteIdenticalAndEngineMatchesBatch(string trainer, TaskKind task)
    {
        var (label, positive) = task switch
        {
            TaskKind.Regression => ("monthly_charges", (string?)null),
            TaskKind.Multiclass => ("contract", null),
            _ => ("churn", "Yes"),
        };
        var data = LabelEncoding.Encode(Churn.Value, label, task, positive);
        var instance = TrainerCatalog.Create(trainer, ModelTestData.FastSettings(trainer), seed: 3, threads: 1);
        var model = TabularTraining.Fit(data, label, instance, TrainerCatalog.Get(trainer).Featurization(), new Dictionary<string, string> { ["trainer"] = trainer });
        foreach (var kind in new[] { ColumnType.Numeric, ColumnType.Boolean, ColumnType.Categorical, ColumnType.DateTime })
        {
            Assert.Contains(model.Schema.Inputs, input => input.Type == kind);
        }

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = ModelPipeline.Load(stream);

        var rows = Damaged(ModelTestData.Head(data.Features, 60));
        var before = model.Predict(rows);
        var after = loaded.Predict(rows);
        Assert.Equal(ModelTestData.Bits(before), ModelTestData.Bits(after));
        Assert.All(after, v => Assert.True(float.IsFinite(v), $"{trainer} ({task}): a prediction is {v}."));

        var engine = loaded.CreateEngine();
        var width = loaded.OutputWidth;
        var output = new float[width];
        for (var row = 0; row < rows.RowCount; row++)
        {
            ModelTestData.SetRow(engine, rows, row);
            engine.Predict(output);
            for (var k = 0; k < width; k++)
            {
                var expected = after[(row * width) + k];
                Assert.True(MathF.Abs(expected - output[k]) <= 1e-5f * MathF.Max(1f, MathF.Abs(expected)),
                    $"{trainer} ({task}) row {row} output {k}: batch {expected}, single-row {output[k]}.");
            }
        }
    }

    /// <summary>Every third row loses each value, every fifth gets levels never seen in training.</summary>
    private static DataTable Damaged(DataTable rows)
    {
        var columns = new List<DataColumn>();
        foreach (var c in rows.Columns)
        {
            columns.Add(c switch
            {
                NumericColumn n => new NumericColumn(n.Name, [.. n.Values.ToArray().Select((v, i) => i % 3 == 0 ? float.NaN : v)], n.Type),
                StringColumn s => new StringColumn(s.Name, [.. s.Values.ToArray().Select((v, i) => i % 3 == 0 ? null : i % 5 == 0 ? "never seen ✓" : v)], s.Type),
                DateTimeColumn d => new DateTimeColumn(d.Name, [.. d.Ticks.ToArray().Select((v, i) => i % 3 == 0 ? DateTimeColumn.Missing : v)]),
                _ => c,
            });
        }

        return new DataTable(columns);
    }
}
