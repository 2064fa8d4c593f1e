using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers;

/// <summary>
/// Every catalog trainer on every task it offers: the same seed gives the same model file, whatever the thread count
/// (1, 2 or 4), and predictions bit-identical to the one-thread fit's.
/// </summary>
public sealed class CatalogDeterminismTests
{
    public static IEnumerable<object[]> TrainerTasks() => ModelTestData.TrainerTasks();

    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void Fit_SameSeedOneTwoFourThreads_SameModelBytesAndPredictions(string trainer, TaskKind task)
    {
        var reference = ModelTestData.TrainFresh(trainer, task, seed: 11, threads: 1, out var data);
        var referenceBytes = ModelTestData.Bytes(reference);
        var referencePredictions = ModelTestData.Bits(reference.Predict(data.Features));

        foreach (var threads in new[] { 1, 2, 4 })
        {
            var model = ModelTestData.TrainFresh(trainer, task, seed: 11, threads, out _);
            Assert.True(referenceBytes.AsSpan().SequenceEqual(ModelTestData.Bytes(model)), $"{trainer} ({task}): the model file on {threads} thread(s) differs from the one-thread fit's.");
            Assert.Equal(referencePredictions, ModelTestData.Bits(model.Predict(data.Features)));
        }
    }
}
