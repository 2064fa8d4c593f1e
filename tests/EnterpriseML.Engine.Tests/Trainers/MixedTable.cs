using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers;

/// <summary>
/// A small synthetic table with every column kind the featurizers have, so every catalog trainer sees dense and sparse
/// features: numerics (one with missing values), a boolean, a categorical of 6 levels (some missing), one of 120 levels
/// (sparse one-hot for linear models, codes for trees), free text (sparse n-grams) and a timestamp. Labels for each
/// task follow from the columns, so the models learn something; the regression target is positive (Poisson, Tweedie).
/// </summary>
internal static class MixedTable
{
    public const int Rows = 480;

    private static readonly string[] Regions = ["north", "south", "east", "west", "centre", "islands"];
    private static readonly string[] Words = ["late", "fee", "refund", "great", "service", "broken", "thanks", "again", "bill", "card"];
    private static readonly Lazy<DataTable> Table = new(() => Build(Rows));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, TaskKind), Lazy<ModelPipeline>> Trained = new();

    public static DataTable Features => Table.Value;

    public static float[] Labels(DataTable t, TaskKind task)
    {
        var amount = ((NumericColumn)t["amount"]).Values;
        var score = ((NumericColumn)t["score"]).Values;
        var region = ((StringColumn)t["region"]).Values;
        var labels = new float[t.RowCount];
        for (var i = 0; i < labels.Length; i++)
        {
            var a = float.IsNaN(amount[i]) ? 50f : amount[i];
            var z = (a / 40f) + score[i] + (region[i] is "north" or "east" ? 1.5f : 0f) + (i % 7 == 0 ? 1f : 0f);
            labels[i] = task switch
            {
                TaskKind.Binary => z > 2.4f ? 1f : 0f,
                TaskKind.Multiclass => z < 1.6f ? 0f : z < 3.0f ? 1f : 2f,
                _ => MathF.Round(MathF.Max(0f, 4f + (z * 3f)), 2),
            };
        }

        return labels;
    }

    public static IReadOnlyList<string> ClassNames(TaskKind task) => task switch
    {
        TaskKind.Binary => ["no", "yes"],
        TaskKind.Multiclass => ["low", "mid", "high"],
        _ => [],
    };

    public static CandidateData Data(TaskKind task) => new(Table.Value, Labels(Table.Value, task), task, ClassNames(task));

    /// <summary>The catalog trainer fitted on the table (cached; models are immutable).</summary>
    public static ModelPipeline Model(string trainer, TaskKind task) =>
        Trained.GetOrAdd((trainer, task), key => new(() => Fit(key.Item1, key.Item2, threads: 1))).Value;

    /// <summary>Fits the catalog trainer on <paramref name="table"/> (default: the cached table) with the given thread count.</summary>
    public static ModelPipeline Fit(string trainer, TaskKind task, int threads, DataTable? table = null) =>
        TabularTraining.Fit(table is null ? Data(task) : new CandidateData(table, Labels(table, task), task, ClassNames(task)), "target", TrainerCatalog.Create(trainer, ModelTestData.FastSettings(trainer), seed: 13, threads),
            TrainerCatalog.Get(trainer).Featurization(), new Dictionary<string, string> { ["trainer"] = trainer });

    /// <summary>The table with <paramref name="n"/> rows (the first rows of any size are the same).</summary>
    public static DataTable Build(int n)
    {
        var amount = new float[n];
        var score = new float[n];
        var flag = new float[n];
        var region = new string?[n];
        var sku = new string?[n];
        var note = new string?[n];
        var seen = new long[n];
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < n; i++)
        {
            var h = (uint)((i * 2654435761u) >> 7);
            amount[i] = i % 11 == 0 ? float.NaN : 5f + (h % 1000) / 10f;
            score[i] = MathF.Sin(i * 0.37f) * 1.5f;
            flag[i] = (h >> 3) % 2;
            region[i] = i % 13 == 0 ? null : Regions[(h >> 5) % Regions.Length];
            sku[i] = "sku-" + ((i * 7) % 120).ToString(System.Globalization.CultureInfo.InvariantCulture);
            note[i] = i % 17 == 0 ? null : string.Join(' ', Words[h % 10], Words[(h >> 4) % 10], Words[(h >> 8) % 10]);
            seen[i] = i % 19 == 0 ? DateTimeColumn.Missing : start.AddHours(h % 9000).Ticks;
        }

        return new DataTable([
            new NumericColumn("amount", amount),
            new NumericColumn("score", score),
            new NumericColumn("flag", flag, ColumnType.Boolean),
            new StringColumn("region", region),
            new StringColumn("sku", sku),
            new StringColumn("note", note, ColumnType.Text),
            new DateTimeColumn("seen", seen),
        ]);
    }
}
