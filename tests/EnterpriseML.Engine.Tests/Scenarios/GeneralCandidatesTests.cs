using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tests.AutoML;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Scenarios;

public sealed class GeneralCandidatesTests
{
    [Fact]
    public void For_EachTask_ListsGeneralCandidatesWithTheirSpaces()
    {
        var binary = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None);
        Assert.Equal(["gbdt", "random-forest", "logistic-regression", "linear-svm"], binary.Select(c => c.Name));
        Assert.All(binary, c => Assert.Equal(CandidateKind.General, c.Kind));
        Assert.All(binary, c => Assert.True(c.SearchSpace.Dimension > 0));
        Assert.Contains("ridge", GeneralCandidates.For(TaskKind.Regression, ScenarioColumns.None).Select(c => c.Name));
        Assert.Contains("naive-bayes", GeneralCandidates.For(TaskKind.Multiclass, new ScenarioColumns(["text"])).Select(c => c.Name));
    }

    [Fact]
    public void Fit_DefaultPointOnCredit_ScoresWellAndSavesALoadablePipeline()
    {
        var data = TestData.CreditGerman;
        var rows = Enumerable.Range(0, data.RowCount).ToArray();
        var train = data.SelectRows(rows.Where(i => i % 4 != 0).ToArray());
        var valid = data.SelectRows(rows.Where(i => i % 4 == 0).ToArray());
        foreach (var candidate in GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None))
        {
            var parameters = candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint());
            var fitted = candidate.Fit(new CandidateFitContext(train, seed: 1, threads: 1, ScenarioColumns.None), parameters);
            var scores = fitted.Score(valid.Features);
            Assert.All(scores, p => Assert.InRange(p, 0f, 1f));
            Assert.InRange(ScenarioMetric.Auc.Compute(valid.Labels, scores), 0.70, 0.90);

            using var file = new MemoryStream();
            fitted.Save(file);
            file.Position = 0;
            var loaded = ModelPipeline.Load(file);
            Assert.Equal(scores, loaded.Predict(valid.Features));
            Assert.Equal("class", loaded.Schema.LabelColumn);
        }
    }
}
