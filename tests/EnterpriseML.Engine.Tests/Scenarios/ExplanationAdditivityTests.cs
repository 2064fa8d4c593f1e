using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Sentiment;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Tests.Trainers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;
using EnterpriseML.Engine.Trainers.Trees;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.Scenarios;

/// <summary>
/// Explanations of every kind of model a sweep can serve, fitted through the candidates' own <see cref="ICandidate.Fit"/>
/// on real rows (German credit, telco churn, the UCI sentences, diamonds' price and, as a five-class label, its cut, and the
/// CoIL 2000 caravan file for the fraud scenario's cost-sensitive GBDT):
/// the bias plus every contribution (not only the top ones the API lists) is the model's raw score, computed here
/// without the explainer (the trees' margins, the linear sum in double, the scorecard's log-odds, and for an ensemble
/// its output itself: its members' predictions, fitted alone, weighted), for every class of a multiclass model; that raw score is the one README.md
/// documents (its link gives the prediction); and every feature is named after the input column
/// <c>&amp;explainBy=column</c> sums it into; a saved model, loaded again, explains bit-identically, and so do four
/// threads explaining at once. Rows include an all-missing row, unseen levels, empty and unseen text, infinities and
/// the largest floats (a row whose contributions a float cannot hold is left out, as the API leaves out its
/// explanation). Two tables are altered to reach more kinds of features: German credit with purpose read as free
/// text, and the sentences with their source kept as a categorical.
/// </summary>
public sealed class ExplanationAdditivityTests
{
    private const int Seed = 5;

    private static readonly Dictionary<string, Lazy<CandidateDeterminismTests.Planned>> Scenarios = new(StringComparer.Ordinal)
    {
        ["credit"] = new(() => CandidateDeterminismTests.Planned.Load("credit", "credit-german-statlog.csv", "class", TaskKind.Binary, "bad", 1000)),
        ["churn"] = new(() => CandidateDeterminismTests.Planned.Load("auto", "tabular-telco-churn.csv", "churn", TaskKind.Binary, "Yes", 2000)),
        ["sentiment"] = new(() => CandidateDeterminismTests.Planned.Load("sentiment", "sentiment-uci-labelled-sentences.csv", "label", TaskKind.Binary, "1", 1500, "source")),
        ["diamonds-price"] = new(() => CandidateDeterminismTests.Planned.Load("auto", "tabular-diamonds.csv", "price", TaskKind.Regression, null, 2000)),
        ["diamonds-cut"] = new(() => CandidateDeterminismTests.Planned.Load("auto", "tabular-diamonds.csv", "cut", TaskKind.Multiclass, null, 2000)),
        ["fraud"] = new(() => CandidateDeterminismTests.Planned.Load("fraud", "fraud-coil2000-caravan.csv", "CARAVAN", TaskKind.Binary, "insurance", 3000)),

        // German credit with purpose read as free text: the specialised candidates see sparse n-grams beside their dense features.
        ["credit-text"] = new(CreditWithText),

        // The sentences with their source kept: a categorical dense feature beside the text.
        ["sentiment-source"] = new(() => CandidateDeterminismTests.Planned.Load("sentiment", "sentiment-uci-labelled-sentences.csv", "label", TaskKind.Binary, "1", 1500)),
    };

    /// <summary>The ensembles' members (candidate × selection weight).</summary>
    private static readonly Dictionary<string, (string Candidate, int Weight)[]> Ensembles = new(StringComparer.Ordinal)
    {
        ["credit/ensemble"] = [("gbdt", 2), ("random-forest", 1), ("logistic-regression", 1)],
        ["credit/specialised-ensemble"] = [("scorecard", 1), ("monotone-gbdt", 2)],
        ["sentiment/specialised-ensemble"] = [("nb-svm", 1), ("naive-bayes", 1), ("gbdt", 1)],
        ["diamonds-price/ensemble"] = [("gbdt", 1), ("random-forest", 1), ("ridge", 2)],
        ["diamonds-cut/ensemble"] = [("gbdt", 1), ("random-forest", 1), ("logistic-regression", 1)],
        ["credit-text/specialised-ensemble"] = [("scorecard", 1), ("monotone-gbdt", 1), ("logistic-regression", 1)],
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<ModelPipeline>> Fitted = new(StringComparer.Ordinal);

    public static TheoryData<string> Cases =>
    [
        "credit/gbdt", "credit/random-forest", "credit/logistic-regression", "credit/linear-svm", "credit/scorecard",
        "credit/monotone-gbdt", "credit/ensemble", "credit/specialised-ensemble",
        "churn/gbdt", "churn/random-forest", "churn/logistic-regression", "churn/linear-svm",
        "sentiment/gbdt", "sentiment/random-forest", "sentiment/logistic-regression", "sentiment/linear-svm",
        "sentiment/naive-bayes", "sentiment/nb-svm", "sentiment/nb-svm:svm", "sentiment/negation-svm", "sentiment/specialised-ensemble",
        "diamonds-price/gbdt", "diamonds-price/random-forest", "diamonds-price/ridge", "diamonds-price/ensemble",
        "diamonds-cut/gbdt", "diamonds-cut/random-forest", "diamonds-cut/logistic-regression", "diamonds-cut/ensemble",
        "fraud/cost-sensitive-gbdt",
        "credit-text/scorecard", "credit-text/monotone-gbdt", "credit-text/logistic-regression", "credit-text/specialised-ensemble",
        "sentiment-source/nb-svm", "sentiment-source/negation-svm", "sentiment-source/naive-bayes", "sentiment-source/gbdt",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Explain_RealRows_BiasPlusAllContributionsIsTheRawScoreOfEveryOutput(string id)
    {
        var model = Model(id);
        var explainer = Assert.IsAssignableFrom<IExplainablePredictor>(model.Predictor);
        Assert.True(explainer.CanExplain, $"{id}: {explainer.WhyNot}");
        var members = Ensembles.TryGetValue(id, out var list)
            ? list.Select(m => (Model: Model(id.Split('/')[0] + "/" + m.Candidate), m.Weight)).ToArray()
            : null;
        var rows = CatalogPropertyTests.Rows(Scenario(id).Data.Features, 150, ordinary: false);
        var engine = model.CreateEngine();
        var memberEngines = members?.Select(m => m.Model.CreateEngine()).ToArray();
        var width = model.OutputWidth;
        var output = new float[width];
        var contributions = new float[model.Predictor.FeatureCount];
        var raw = new double[width];
        var explained = new double[width];
        var checkedRows = 0;
        for (var r = 0; r < rows.RowCount; r++)
        {
            ModelTestData.SetRow(engine, rows, r);
            engine.Predict(output);
            var row = engine.Featurize();
            if (members is null)
            {
                RawScores(model.Predictor, row, raw);
            }
            else
            {
                EnsembleRawScores(members, memberEngines!, rows, r, output, raw);
            }

            var finite = true;
            var scale = new double[width];
            for (var k = 0; k < width; k++)
            {
                explained[k] = explainer.Explain(row, contributions, k);
                scale[k] = Math.Abs(explained[k]) + Math.Abs(raw[k]);
                foreach (var c in contributions)
                {
                    finite &= float.IsFinite(c);
                    explained[k] += c;
                    scale[k] += Math.Abs(c);
                }
            }

            if (!finite)
            {
                // The API answers explanationUnavailable for such a row (README.md); only rows of huge inputs get here.
                Assert.True(r < rows.RowCount - 150, $"{id} row {r}: an ordinary row has a contribution a float cannot hold.");
                continue;
            }

            checkedRows++;
            for (var k = 0; k < width; k++)
            {
                Assert.True(Math.Abs(explained[k] - raw[k]) <= (1e-5 * scale[k]) + 1e-6,
                    $"{id} row {r} output {k}: bias + contributions = {explained[k]:R}, the raw score is {raw[k]:R}.");
            }

            AssertDocumentedLink(id, model, raw, output);
        }

        Assert.True(checkedRows >= 150, $"{id}: only {checkedRows} rows explained.");
    }

    /// <summary>
    /// Explaining the same rows from four threads at once (as concurrent requests do, each with its own engine) gives
    /// every bias and contribution bit-identical to explaining them one after another on one thread: the explainers'
    /// scratch is rented per call and their shared state (tree expectations) is computed once.
    /// </summary>
    [Theory]
    [InlineData("credit/gbdt")]
    [InlineData("credit/specialised-ensemble")]
    [InlineData("credit/scorecard")]
    [InlineData("sentiment/nb-svm")]
    [InlineData("diamonds-cut/random-forest")]
    public void Explain_FourThreadsAtOnce_BitIdenticalToOneThread(string id)
    {
        var model = Model(id);
        var explainer = (IExplainablePredictor)model.Predictor;
        var rows = CatalogPropertyTests.Rows(Scenario(id).Data.Features, 120, ordinary: true);
        var width = model.OutputWidth;
        var features = model.Predictor.FeatureCount;
        int[] Bits(int r, PredictionEngine engine)
        {
            ModelTestData.SetRow(engine, rows, r);
            var row = engine.Featurize();
            var bits = new int[width * (features + 1)];
            var contributions = new float[features];
            for (var k = 0; k < width; k++)
            {
                bits[k * (features + 1)] = BitConverter.SingleToInt32Bits(explainer.Explain(row, contributions, k));
                for (var j = 0; j < features; j++)
                {
                    bits[(k * (features + 1)) + 1 + j] = BitConverter.SingleToInt32Bits(contributions[j]);
                }
            }

            return bits;
        }

        var one = model.CreateEngine();
        var sequential = Enumerable.Range(0, rows.RowCount).Select(r => Bits(r, one)).ToArray();
        var concurrent = new int[rows.RowCount][];
        Parallel.For(0, rows.RowCount, new ParallelOptions { MaxDegreeOfParallelism = 4 }, () => model.CreateEngine(),
            (r, _, engine) =>
            {
                concurrent[r] = Bits(r, engine);
                return engine;
            },
            _ => { });
        for (var r = 0; r < rows.RowCount; r++)
        {
            Assert.True(sequential[r].AsSpan().SequenceEqual(concurrent[r]), $"{id} row {r}: explained differently on four threads.");
        }
    }

    /// <summary>The saved model, loaded again, predicts and explains bit-identically (<see cref="SaveLoadAssert"/>).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void SaveLoad_EveryCase_PredictionsAndExplanationsBitIdentical(string id) =>
        SaveLoadAssert.RoundTrip(id, Model(id), CatalogPropertyTests.Rows(Scenario(id).Data.Features, 40, ordinary: false));

    [Theory]
    [MemberData(nameof(Cases))]
    public void FeatureColumns_EveryFeature_NamedAfterTheColumnExplainByColumnSumsItInto(string id)
    {
        AssertFeaturesNamedAfterTheirColumns(id, Model(id));
    }

    /// <summary>
    /// The same on <see cref="MixedTable"/>, whose columns give every kind of feature: one-hot levels, missing
    /// indicators, hashed levels, text n-grams and date parts (<c>seen.year</c> ... <c>seen.hour</c>).
    /// </summary>
    [Theory]
    [MemberData(nameof(CatalogPropertyTests.TrainerTasks), MemberType = typeof(CatalogPropertyTests))]
    public void FeatureColumns_MixedTable_EveryFeatureNamedAfterTheColumnExplainByColumnSumsItInto(string trainer, TaskKind task)
    {
        var model = MixedTable.Model(trainer, task);
        AssertFeaturesNamedAfterTheirColumns($"{trainer} ({task})", model);
        Assert.Equal(MixedTable.Features.Columns.Select(c => c.Name).Order(StringComparer.Ordinal),
            model.Features.FeatureColumns.Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(model.Features.Features, f => f.Name.StartsWith("seen.", StringComparison.Ordinal));
        Assert.Contains(model.Features.Features, f => f.Name.StartsWith("note:", StringComparison.Ordinal));
    }

    private static void AssertFeaturesNamedAfterTheirColumns(string id, ModelPipeline model)
    {
        var columns = model.Features.FeatureColumns;
        var inputs = model.Schema.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        for (var j = 0; j < columns.Length; j++)
        {
            var name = model.Features.Features[j].Name;
            Assert.Contains(columns[j], inputs);
            Assert.True(name == columns[j] || (name.StartsWith(columns[j], StringComparison.Ordinal) && name[columns[j].Length] is '=' or ':' or '.' or '#'),
                $"{id}: feature {j} '{name}' is summed into column '{columns[j]}'.");
        }
    }

    /// <summary>
    /// The raw score README.md documents turns into the prediction through the model's link: the sigmoid of the
    /// log-odds, the softmax of the class margins, a forest's probability itself (per class scaled to sum to 1), the
    /// regression value itself; an ensemble explains its averaged probability or value, so its link is the identity.
    /// </summary>
    private static void AssertDocumentedLink(string id, ModelPipeline model, double[] raw, float[] output)
    {
        var implied = Link(model.Predictor, raw);
        for (var k = 0; k < output.Length; k++)
        {
            Assert.True(Math.Abs(implied[k] - output[k]) <= 1e-5 * Math.Max(1, Math.Abs(output[k])),
                $"{id} output {k}: the raw score {raw[k]:R} implies {implied[k]:R}, the model predicts {output[k]:R}.");
        }
    }

    private static double[] Link(IPredictor predictor, double[] raw)
    {
        if (predictor is EnsemblePredictor)
        {
            return [.. raw];
        }

        var forest = predictor is RandomForestModel;
        if (predictor.Task == TaskKind.Regression)
        {
            return predictor is LinearPredictor { Link: LinearLink.Exponential } ? [Math.Exp(Math.Min(raw[0], 80))] : [.. raw];
        }

        if (forest)
        {
            if (predictor.Task != TaskKind.Multiclass)
            {
                return [Math.Clamp(raw[0], 0, 1)];
            }

            var total = raw.Sum(v => Math.Max(0, v));
            return [.. raw.Select(v => total > 0 ? Math.Max(0, v) / total : 1.0 / raw.Length)];
        }

        if (predictor.Task == TaskKind.Binary)
        {
            return [1 / (1 + Math.Exp(-raw[0]))];
        }

        var max = raw.Max();
        var e = raw.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return [.. e.Select(v => v / sum)];
    }

    /// <summary>A single model's raw scores of one featurised row, computed without its explainer.</summary>
    private static void RawScores(IPredictor predictor, in FeatureRow row, double[] raw)
    {
        switch (predictor)
        {
            case TreeModel trees:
                trees.Core.Ensemble.PredictRaw(row, raw);
                break;
            case LinearPredictor linear:
                for (var k = 0; k < linear.HeadCount; k++)
                {
                    raw[k] = Dot(linear.Coefficients(k), linear.DenseFeatureCount, row, binarize: false) + linear.Intercept(k);
                }

                break;
            case TextLinearPredictor text:
                raw[0] = Dot(text.Weights, text.DenseFeatureCount, row, text.BinarizeSparse) + text.Bias;
                break;
            case ScorecardPredictor scorecard:
                raw[0] = scorecard.Margin(row);
                break;
            default:
                throw new InvalidOperationException($"No raw score for a {predictor.GetType().Name}.");
        }
    }

    /// <summary>
    /// An ensemble's raw score: the space it explains in is the one it averages in, so it is its members' predictions
    /// (each member's own pipeline, fitted alone as the sweep fits it, on the same row), weighted by selection weight,
    /// which are also checked to be the ensemble's prediction. Their raw scores (log-odds beside a forest's probability)
    /// are not what it explains.
    /// </summary>
    private static void EnsembleRawScores((ModelPipeline Model, int Weight)[] members, PredictionEngine[] engines, DataTable rows, int r, float[] ensembleOutput, double[] raw)
    {
        Array.Clear(raw);
        var blended = new double[raw.Length];
        var total = members.Sum(m => m.Weight);
        var memberOutput = new float[raw.Length];
        for (var m = 0; m < members.Length; m++)
        {
            ModelTestData.SetRow(engines[m], rows, r);
            engines[m].Predict(memberOutput);
            for (var k = 0; k < raw.Length; k++)
            {
                blended[k] += members[m].Weight * (double)memberOutput[k] / total;
            }
        }

        blended.CopyTo(raw, 0);

        for (var k = 0; k < raw.Length; k++)
        {
            Assert.True(Math.Abs(blended[k] - ensembleOutput[k]) <= 1e-5 * Math.Max(1, Math.Abs(blended[k])),
                $"row {r} output {k}: the members fitted alone blend to {blended[k]:R}, the ensemble predicts {ensembleOutput[k]:R}.");
        }
    }

    private static double Dot(ReadOnlySpan<float> weights, int dense, in FeatureRow row, bool binarize)
    {
        var sum = 0.0;
        for (var j = 0; j < dense; j++)
        {
            sum += (double)weights[j] * row.Dense[j];
        }

        for (var p = 0; p < row.SparseIndices.Length; p++)
        {
            var value = binarize ? (row.SparseValues[p] != 0 ? 1f : 0f) : row.SparseValues[p];
            sum += (double)weights[dense + row.SparseIndices[p]] * value;
        }

        return sum;
    }

    private static CandidateDeterminismTests.Planned CreditWithText()
    {
        var table = CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        table = new DataTable([.. table.Columns.Select(c => c.Name == "purpose" ? new StringColumn(c.Name, ((StringColumn)c).Values.ToArray(), ColumnType.Text) : c)]);
        var plan = ScenarioCatalog.Get("credit").Plan(new ScenarioContext(table, "class", TaskKind.Binary, "bad"));
        Assert.Equal(["purpose"], plan.Columns.TextColumns);
        return new CandidateDeterminismTests.Planned(plan, LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad"));
    }

    private static CandidateDeterminismTests.Planned Scenario(string id) => Scenarios[id.Split('/')[0]].Value;

    private static ModelPipeline Model(string id) => Fitted.GetOrAdd(id, key => new(() => Fit(key))).Value;

    private static ModelPipeline Fit(string id)
    {
        var planned = Scenario(id);
        var context = new CandidateFitContext(planned.Data, Seed, 1, planned.Plan.Columns);
        var name = id.Split('/')[1];
        IFittedCandidate fitted;
        if (Ensembles.TryGetValue(id, out var members))
        {
            var list = new List<EnsembleMember>();
            foreach (var (member, weight) in members)
            {
                var (candidate, parameters) = planned.Candidate(member);
                list.Add(new EnsembleMember(candidate, parameters, weight, list.Count));
            }

            fitted = new EnsembleCandidate(list, name.StartsWith("specialised", StringComparison.Ordinal) ? CandidateKind.Specialised : CandidateKind.General)
                .Fit(context, ParameterSet.Empty);
        }
        else
        {
            var (single, parameters) = planned.Candidate(name);
            fitted = single.Fit(context, parameters);
        }

        if (fitted is IPipelineCandidate { Model: var model })
        {
            return model;
        }

        // An ensemble is served as the one pipeline it saves (EnsemblePredictor.Combine).
        using var stream = new MemoryStream();
        fitted.Save(stream);
        stream.Position = 0;
        return ModelPipeline.Load(stream);
    }
}
