using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers;

/// <summary>
/// Every catalog trainer on every task it offers: the same seed gives the same model file, whatever the thread count
/// (1, 2, 3 or 8: an odd count splits the work unevenly, and 8 is more threads than the CI machine's cores), and
/// predictions bit-identical to the one-thread fit's. The tables are large enough for the trainers' parallel paths
/// (the linear objective runs on one thread below 2^18 multiply-adds), and the churn table has missing values,
/// categorical and boolean columns, the sentiment one free text.
/// </summary>
public sealed class CatalogDeterminismTests
{
    private static readonly Lazy<DataTable> Churn = new(() => CsvTable.Read(TestPaths.Dataset("tabular-telco-churn.csv")));
    private static readonly Lazy<DataTable> Sentiment = new(() =>
        CsvTable.Read(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv")).WithoutColumns(["source"]));
    private static readonly Lazy<DataTable> Diamonds = new(() => ModelTestData.Head(CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv")), 20_000));

    public static IEnumerable<object[]> TrainerTasks() => ModelTestData.TrainerTasks();

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void Fit_SameSeedOneTwoThreeEightThreads_SameModelBytesAndPredictions(string trainer, TaskKind task)
    {
        var data = Encode(trainer, task, out var label);
        var reference = Fit(trainer, data, label, threads: 1);
        var referenceBytes = ModelTestData.Bytes(reference);
        var referencePredictions = ModelTestData.Bits(reference.Predict(data.Features));

        foreach (var threads in new[] { 1, 2, 3, 8 })
        {
            var model = Fit(trainer, data, label, threads);
            Assert.True(referenceBytes.AsSpan().SequenceEqual(ModelTestData.Bytes(model)), $"{trainer} ({task}): the model file on {threads} thread(s) differs from the one-thread fit's.");
            Assert.Equal(referencePredictions, ModelTestData.Bits(model.Predict(data.Features)));
        }
    }

    private static CandidateData Encode(string trainer, TaskKind task, out string label)
    {
        (var table, label, var positive) = (trainer, task) switch
        {
            (_, TaskKind.Regression) => (Diamonds.Value, "price", (string?)null),
            (_, TaskKind.Multiclass) => (Churn.Value, "contract", null),
            ("naive-bayes" or "linear-svm", _) => (Sentiment.Value, "label", "1"),
            _ => (Churn.Value, "churn", "Yes"),
        };

        return LabelEncoding.Encode(table, label, task, positive);
    }

    private static ModelPipeline Fit(string trainer, CandidateData data, string label, int threads)
    {
        var instance = TrainerCatalog.Create(trainer, ModelTestData.FastSettings(trainer), seed: 11, threads);
        return TabularTraining.Fit(data, label, instance, TrainerCatalog.Get(trainer).Featurization(), new Dictionary<string, string> { ["trainer"] = trainer });
    }
}
