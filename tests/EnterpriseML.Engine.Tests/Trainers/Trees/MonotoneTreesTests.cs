using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

/// <summary>
/// Monotone GBDT and monotone random forest (the option the credit scenario's <c>monotone-gbdt</c> candidate and the
/// <c>credit-monotone</c> benchmark's forest set), through the catalog on real data: German credit with the
/// constraints the credit scenario infers from its WoE trends, diamonds with price rising in carat. The same seed
/// gives the same model file on 1, 2 and 4 threads, another seed another model, and the saved model loads to
/// bit-identical predictions and explanations.
/// </summary>
public sealed class MonotoneTreesTests
{
    private static readonly Lazy<CandidateData> Credit = new(() => LabelEncoding.Encode(ModelTestData.CreditGerman, "class", TaskKind.Binary, "bad"));
    private static readonly Lazy<CandidateData> Diamonds = new(() => LabelEncoding.Encode(ModelTestData.DiamondsHead, "price", TaskKind.Regression));

    public static TheoryData<string, TaskKind> Cases => new()
    {
        { "gbdt", TaskKind.Binary },
        { "gbdt", TaskKind.Regression },
        { "random-forest", TaskKind.Binary },
        { "random-forest", TaskKind.Regression },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_MonotoneSameSeedOneTwoFourThreads_SameModelFile_OtherSeedDiffers_SaveLoadIdentical(string trainer, TaskKind task)
    {
        var data = task == TaskKind.Binary ? Credit.Value : Diamonds.Value;
        var constraints = Constraints(data);
        Assert.Contains(constraints, c => c != 0);
        var reference = Fit(trainer, data, constraints, seed: 5, threads: 1);
        var bytes = ModelTestData.Bytes(reference);
        foreach (var threads in new[] { 2, 4 })
        {
            Assert.True(bytes.AsSpan().SequenceEqual(ModelTestData.Bytes(Fit(trainer, data, constraints, seed: 5, threads))), $"monotone {trainer} ({task}): the model file on {threads} threads differs.");
        }

        Assert.False(bytes.AsSpan().SequenceEqual(ModelTestData.Bytes(Fit(trainer, data, constraints, seed: 6, threads: 1))), $"monotone {trainer} ({task}): another seed gives the same model.");
        SaveLoadAssert.RoundTrip($"monotone {trainer} ({task})", reference, CatalogPropertyTests.Rows(data.Features, 60, ordinary: false));
    }

    /// <summary>Binary: the credit scenario's inferred constraints; regression: price rising in carat, falling in depth.</summary>
    private static int[] Constraints(CandidateData data)
    {
        var x = FeaturePipeline.Fit(data.Features, FeaturizerOptions.Trees).Transform(data.Features);
        if (data.Task == TaskKind.Binary)
        {
            return CreditScenario.InferMonotoneConstraints(x, data.Labels);
        }

        return [.. x.Features.Select(f => f.Name switch { "carat" => 1, "depth" => -1, _ => 0 })];
    }

    private static ModelPipeline Fit(string trainer, CandidateData data, int[] constraints, int seed, int threads)
    {
        var settings = new List<KeyValuePair<string, string>>
        {
            new("NumberOfTrees", "15"),
            new("MonotoneConstraints", string.Join(',', constraints)),
        };
        if (trainer == "gbdt")
        {
            // Row and feature subsampling, so the seed matters.
            settings.Add(new("RowSubsampleFraction", "0.8"));
            settings.Add(new("FeatureSubsampleFraction", "0.7"));
        }

        return TabularTraining.Fit(data, data.LabelColumn, TrainerCatalog.Create(trainer, settings, seed, threads), TrainerCatalog.Get(trainer).Featurization());
    }
}
