using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Scenarios.Sentiment;
using EnterpriseML.Engine.Tests.Scenarios;
using EnterpriseML.Engine.Tests.Trainers;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>
/// A table of no rows (a CSV of its header alone) through a fitted feature pipeline and a predictor called directly, not
/// through <see cref="ModelPipeline.Predict"/>, which answers it before either runs: every featurizer gives a matrix of
/// no rows and every predictor writes no outputs. Sparse featurizers and some predictors assumed at least one row and
/// threw (an empty span they reduced, an index past the end).
/// </summary>
public sealed class EmptyTableTests
{
    public static IEnumerable<object[]> TrainerTasks() => ModelTestData.TrainerTasks();

    /// <summary>The mixed table has every column kind: numeric, boolean, categorical (dense and sparse one-hot, codes), text and timestamp.</summary>
    [Theory]
    [MemberData(nameof(TrainerTasks))]
    public void TransformAndPredictBatch_EveryCatalogTrainerNoRows_EmptyMatrixAndNoOutputs(string trainer, TaskKind task) =>
        AssertEmpty(MixedTable.Model(trainer, task), $"{trainer} ({task})");

    public static IEnumerable<object[]> SpecialisedCandidates()
    {
        var text = new ScenarioColumns(["note"]);
        foreach (var c in CreditScenario.SpecialisedCandidates(ScenarioColumns.None).Concat(FraudScenario.SpecialisedCandidates(ScenarioColumns.None))
                     .Concat(SentimentScenario.SpecialisedCandidates(text)))
        {
            yield return [c.Name];
        }
    }

    /// <summary>The scenarios' own predictors: the credit scorecard, fraud's candidates, sentiment's NB-SVM and lexicon models.</summary>
    [Theory]
    [MemberData(nameof(SpecialisedCandidates))]
    public void TransformAndPredictBatch_EverySpecialisedCandidateNoRows_EmptyMatrixAndNoOutputs(string name)
    {
        var text = new ScenarioColumns(["note"]);
        var candidate = CreditScenario.SpecialisedCandidates(ScenarioColumns.None).Concat(FraudScenario.SpecialisedCandidates(ScenarioColumns.None))
            .Concat(SentimentScenario.SpecialisedCandidates(text)).First(c => c.Name == name);
        var model = ScenarioTestData.FitPipeline(candidate, MixedTable.Data(TaskKind.Binary), columns: text);

        AssertEmpty(model, name);
        if (model.Predictor is ScorecardPredictor scorecard)
        {
            Assert.Empty(scorecard.PointsBatch(model.Features.Transform(MixedTable.Features.SelectRows([]))));
        }
    }

    [Fact]
    public void TransformAndPredictBatch_EnsembleNoRows_EmptyMatrixAndNoOutputs()
    {
        var ensemble = EnsemblePredictor.Combine(
            [MixedTable.Model("logistic-regression", TaskKind.Binary), MixedTable.Model("gbdt", TaskKind.Binary), MixedTable.Model("naive-bayes", TaskKind.Binary)],
            [2, 1, 1], ["lr", "gbdt", "nb"]);

        AssertEmpty(ensemble, "ensemble");
    }

    private static void AssertEmpty(ModelPipeline model, string what)
    {
        var none = MixedTable.Features.SelectRows([]);

        var features = model.Features.Transform(none);

        Assert.Equal(0, features.RowCount);
        Assert.Equal(model.Predictor.FeatureCount, features.ColumnCount);
        var output = Array.Empty<float>();
        var e = Record.Exception(() => model.Predictor.PredictBatch(features, output));
        Assert.True(e is null, $"{what}: PredictBatch on no rows threw {e}");
        Assert.Empty(model.Predict(none));
    }
}
