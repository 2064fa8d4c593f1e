using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tests.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>A Caruana ensemble is saved as one ordinary tabular pipeline that predicts exactly what the sweep scored.</summary>
public sealed class EnsembleModelTests
{
    [Fact]
    public void Save_TabularEnsemble_LoadsAsPipelineWithIdenticalBatchAndSingleRowPredictions()
    {
        var (train, test) = ScenarioTestData.German;
        AssertSavedEnsembleMatches(train, test, ScenarioColumns.None, "gbdt", "logistic-regression");
    }

    [Fact]
    public void Save_TextEnsemble_SlicesDenseAndSparseBlocksPerMember()
    {
        // source (categorical, dense) + text (TF-IDF, sparse): both members have both blocks at different offsets.
        var data = ScenarioTestData.Load("sentiment-uci-labelled-sentences.csv", "label", "1");
        var (train, test) = ScenarioTestData.Split(data, 42);
        AssertSavedEnsembleMatches(train, test.SelectRows([.. Enumerable.Range(0, 200)]), new ScenarioColumns(["text"]), "logistic-regression", "naive-bayes", "gbdt");
    }

    [Fact]
    public void Combine_MembersOfDifferentTasks_IsRejectedNamingTheMember()
    {
        var (train, _) = ScenarioTestData.German;
        var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None);
        var lr = Fit(candidates.Single(c => c.Name == "logistic-regression"), train);
        var other = new ModelPipeline(
            new ModelSchema("other", TaskKind.Binary, lr.Schema.ClassNames, lr.Schema.Inputs), lr.Features, lr.Predictor);
        var e = Assert.Throws<ArgumentException>(() => EnsemblePredictor.Combine([lr, other], [1, 1], ["lr", "other"]));
        Assert.Contains("member 1 (other)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => EnsemblePredictor.Combine([lr, lr], [1, 0], ["a", "b"]));
    }

    private static void AssertSavedEnsembleMatches(CandidateData train, CandidateData test, ScenarioColumns columns, params string[] names)
    {
        var all = GeneralCandidates.For(TaskKind.Binary, columns);
        var members = names.Select((n, i) => new EnsembleMember(all.Single(c => c.Name == n), Defaults(all.Single(c => c.Name == n)), i + 1, i)).ToArray();
        var ensemble = new EnsembleCandidate(members, CandidateKind.General);
        var fitted = ensemble.Fit(new CandidateFitContext(train, 7, 1, columns), ParameterSet.Empty);
        var expected = fitted.Score(test.Features);

        using var stream = new MemoryStream();
        fitted.Save(stream);
        stream.Position = 0;
        var loaded = ModelPipeline.Load(stream);
        Assert.Equal("caruana-ensemble", loaded.Metadata["trainer"]);
        Assert.Equal(expected, loaded.Predict(test.Features));

        // Single-row engine: the batch value row by row (members' single-row paths agree with batch to 1e-6, as the
        // pipeline tests require of every trainer).
        var engine = loaded.CreateEngine();
        var output = new float[1];
        for (var r = 0; r < test.RowCount; r++)
        {
            Models.ModelTestData.SetRow(engine, test.Features, r);
            engine.Predict(output);
            Assert.InRange(output[0], expected[r] - 1e-6f, expected[r] + 1e-6f);
        }

        // And it beats neither nothing nor chance: a real model.
        Assert.InRange(ScenarioTestData.Auc(test, expected), 0.7, 1.0);
    }

    private static ModelPipeline Fit(ICandidate candidate, CandidateData train) =>
        ((IPipelineCandidate)candidate.Fit(new CandidateFitContext(train, 7, 1, ScenarioColumns.None), Defaults(candidate))).Model;

    private static ParameterSet Defaults(ICandidate candidate) => candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint());
}
