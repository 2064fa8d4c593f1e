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

    [Fact]
    /// <summary>
    /// An ensemble of a logistic regression and a GBDT explains its own probability: each member's log-odds
    /// contributions are carried into probability by the rescale rule (scaled by the change in the member's probability
    /// over the change in its log-odds, so signs and proportions stay), weighted by the member's share, and the bias is
    /// the weighted mean of the members' probabilities at their biases. It had returned the weighted mean of the members'
    /// log-odds, a number the ensemble's probability does not follow from.
    /// </summary>
    public void Explain_ExplainableMembers_AddUpToTheEnsemblesProbabilityMemberByMember()
    {
        var (train, test) = ScenarioTestData.German;
        var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None);
        var lr = Fit(candidates.Single(c => c.Name == "logistic-regression"), train);
        var gbdt = Fit(candidates.Single(c => c.Name == "gbdt"), train);
        var saved = new MemoryStream();
        EnsemblePredictor.Combine([lr, gbdt], [2, 1], ["lr", "gbdt"]).Save(saved);
        saved.Position = 0;
        var ensemble = ModelPipeline.Load(saved);
        var explainer = Assert.IsAssignableFrom<IExplainablePredictor>(ensemble.Predictor);
        Assert.True(explainer.CanExplain);
        Assert.Null(explainer.WhyNot);

        var engines = new[] { ensemble.CreateEngine(), lr.CreateEngine(), gbdt.CreateEngine() };
        var contributions = new float[ensemble.Predictor.FeatureCount];
        var lrContributions = new float[lr.Predictor.FeatureCount];
        var gbdtContributions = new float[gbdt.Predictor.FeatureCount];
        var lrDense = lr.Features.DenseWidth;
        var gbdtDense = gbdt.Features.DenseWidth;
        for (var r = 0; r < 40; r++)
        {
            foreach (var e in engines)
            {
                Models.ModelTestData.SetRow(e, test.Features, r);
            }

            var bias = explainer.Explain(engines[0].Featurize(), contributions);
            var lrBias = ((IExplainablePredictor)lr.Predictor).Explain(engines[1].Featurize(), lrContributions);
            var gbdtBias = ((IExplainablePredictor)gbdt.Predictor).Explain(engines[2].Featurize(), gbdtContributions);

            var lrP = new float[1];
            var gbdtP = new float[1];
            var blended = new float[1];
            engines[0].Predict(blended);
            engines[1].Predict(lrP);
            engines[2].Predict(gbdtP);

            // The bias: the members' probabilities at their biases, weighted.
            Assert.Equal((2.0 / 3 * Sigmoid(lrBias)) + (1.0 / 3 * Sigmoid(gbdtBias)), bias, 1e-5);

            // Each member's contributions land on its own dense slice, scaled by its share and its rescale multiplier.
            var lrScale = 2.0 / 3 * (lrP[0] - Sigmoid(lrBias)) / lrContributions.Sum(c => (double)c);
            var gbdtScale = 1.0 / 3 * (gbdtP[0] - Sigmoid(gbdtBias)) / gbdtContributions.Sum(c => (double)c);
            Assert.True(lrScale > 0 && gbdtScale > 0, $"row {r}: multipliers {lrScale}, {gbdtScale}");
            for (var j = 0; j < lrDense; j++)
            {
                Assert.Equal(lrScale * lrContributions[j], contributions[j], 1e-5);
            }

            for (var j = 0; j < gbdtDense; j++)
            {
                Assert.Equal(gbdtScale * gbdtContributions[j], contributions[lrDense + j], 1e-5);
            }

            // And they add up to the ensemble's probability, the weighted mean of the members'.
            Assert.Equal((2.0 / 3 * lrP[0]) + (1.0 / 3 * gbdtP[0]), blended[0], 1e-6);
            Assert.Equal(blended[0], bias + contributions.Sum(c => (double)c), 1e-5);
        }
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void Explain_MemberWithoutContributions_SaysWhichAndThrows()
    {
        var (train, test) = ScenarioTestData.German;
        var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None);
        var lr = Fit(candidates.Single(c => c.Name == "logistic-regression"), train);
        // A lexicon-augmented text model (the sentiment scenario's lexicon-lr) has features no input owns.
        var width = lr.Features.DenseWidth;
        var lexicon = new EnterpriseML.Engine.Scenarios.Sentiment.TextLinearPredictor(width, new float[width], 0.1f, false, [], [0.5f, -0.5f, 0.1f]);
        Assert.False(lexicon.CanExplain);
        var other = new ModelPipeline(lr.Schema, lr.Features, lexicon);
        var ensemble = EnsemblePredictor.Combine([lr, other], [1, 1], ["lr", "lexicon-lr"]);
        var explainer = Assert.IsAssignableFrom<IExplainablePredictor>(ensemble.Predictor);

        Assert.False(explainer.CanExplain);
        // Which member cannot, and its own reason.
        Assert.Equal($"an ensemble explains only when every member does, and member 2 of 2 (TextLinear) cannot: {lexicon.WhyNot}", explainer.WhyNot);
        var engine = ensemble.CreateEngine();
        Models.ModelTestData.SetRow(engine, test.Features, 0);
        var e = Assert.Throws<NotSupportedException>(() => explainer.Explain(engine.Featurize(), new float[ensemble.Predictor.FeatureCount]));
        Assert.Contains("every member", e.Message, StringComparison.Ordinal);
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
