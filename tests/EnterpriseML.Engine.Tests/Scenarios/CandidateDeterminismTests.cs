using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tests.Models;
using EnterpriseML.Engine.Tests.Trainers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.Scenarios;

/// <summary>
/// Every candidate a tabular scenario plans (general and specialised: scorecard, monotone and cost-sensitive GBDT,
/// NB-SVM with either classifier, the negation SVM, the lexicon model) and the Caruana ensembles, fitted through the
/// sweep's own <see cref="ICandidate.Fit"/> on real data: the same seed gives the same model file on 1, 2 and 4
/// threads; another seed gives another model exactly when the candidate draws random numbers (so the first check
/// cannot pass because the seed is ignored, and a candidate without randomness shows none); and the saved model,
/// loaded again, scores, explains and gives reason codes bit-identically, and saves to the same bytes.
/// The catalog trainers on multiclass and regression tables: <see cref="CatalogDeterminismTests"/>.
/// </summary>
public sealed class CandidateDeterminismTests
{
    private const int Seed = 11;

    /// <summary>
    /// One case per candidate (scenario/candidate[:variant]) and whether it is randomised at the parameters
    /// <see cref="ParametersFor"/> gives. A GBDT subsamples rows and features there, so its seed matters.
    /// </summary>
    private static readonly Dictionary<string, bool> Randomised = new(StringComparer.Ordinal)
    {
        ["auto-multiclass/gbdt"] = true,
        ["auto-multiclass/random-forest"] = true,
        ["auto-multiclass/logistic-regression"] = false,
        ["auto-regression/gbdt"] = true,
        ["auto-regression/random-forest"] = true,
        ["auto-regression/ridge"] = false,
        ["credit/gbdt"] = true,
        ["credit/random-forest"] = true,
        ["credit/logistic-regression"] = false,
        ["credit/linear-svm"] = true,
        ["credit/scorecard"] = false,
        ["credit/monotone-gbdt"] = true,
        ["credit/ensemble"] = true,
        ["credit/specialised-ensemble"] = true,
        ["fraud/gbdt"] = true,
        ["fraud/random-forest"] = true,
        ["fraud/logistic-regression"] = false,
        ["fraud/linear-svm"] = true,
        ["fraud/cost-sensitive-gbdt"] = true,
        ["sentiment/gbdt"] = true,
        ["sentiment/random-forest"] = true,
        ["sentiment/logistic-regression"] = false,
        ["sentiment/linear-svm"] = true,
        ["sentiment/naive-bayes"] = false,
        ["sentiment/nb-svm"] = false,
        ["sentiment/nb-svm:svm"] = true,
        ["sentiment/negation-svm"] = true,
        ["sentiment/lexicon-lr"] = false,
        ["sentiment/specialised-ensemble"] = false,
    };

    /// <summary>The ensembles' members (candidate name × selection weight), as Caruana selection would give them.</summary>
    private static readonly Dictionary<string, (string Candidate, int Weight)[]> Ensembles = new(StringComparer.Ordinal)
    {
        ["credit/ensemble"] = [("gbdt", 2), ("logistic-regression", 1)],
        ["credit/specialised-ensemble"] = [("scorecard", 1), ("monotone-gbdt", 2), ("random-forest", 1)],
        ["sentiment/specialised-ensemble"] = [("nb-svm", 1), ("lexicon-lr", 2), ("naive-bayes", 1)],
    };

    private static readonly Dictionary<string, Lazy<Planned>> Scenarios = new(StringComparer.Ordinal)
    {
        // German credit's housing (own, rent, free) as a multiclass label, diamonds' price as a regression target.
        ["auto-multiclass"] = new(() => Planned.Load("auto", "credit-german-statlog.csv", "housing", TaskKind.Multiclass, null, 1000)),
        ["auto-regression"] = new(() => Planned.Load("auto", "tabular-diamonds.csv", "price", TaskKind.Regression, null, 3000)),
        ["credit"] = new(() => Planned.Load("credit", "credit-german-statlog.csv", "class", TaskKind.Binary, "bad", 1000)),
        ["fraud"] = new(() => Planned.Load("fraud", "fraud-coil2000-caravan.csv", "CARAVAN", TaskKind.Binary, "insurance", 3000)),
        // 2,000 sentences: the linear objective's parallel path (2^18 multiply-adds) is taken on the text features.
        ["sentiment"] = new(() => Planned.Load("sentiment", "sentiment-uci-labelled-sentences.csv", "label", TaskKind.Binary, "1", 2000, "source")),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IFittedCandidate>> OneThread = new(StringComparer.Ordinal);

    public static TheoryData<string> Cases => [.. Randomised.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void Cases_EveryScenarioAndEveryCandidateItPlans_Covered()
    {
        Assert.Equal(ScenarioCatalog.Names, Scenarios.Keys.Select(k => k.Split('-')[0]).Distinct().Order(StringComparer.Ordinal));
        foreach (var (name, planned) in Scenarios)
        {
            var planCandidates = planned.Value.Plan.Candidates.Select(c => c.Name).Order(StringComparer.Ordinal);
            var covered = Randomised.Keys.Where(k => k.StartsWith(name + "/", StringComparison.Ordinal))
                .Select(k => k[(name.Length + 1)..].Split(':')[0]).Where(c => !Ensembles.ContainsKey(name + "/" + c)).Distinct().Order(StringComparer.Ordinal);
            Assert.Equal(planCandidates, covered);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_SameSeedOneTwoFourThreads_SameModelFile_OtherSeedDiffersWhenRandomised(string id)
    {
        var reference = Bytes(Reference(id));
        foreach (var threads in new[] { 2, 4 })
        {
            Assert.True(reference.AsSpan().SequenceEqual(Bytes(Fit(id, Seed, threads))), $"{id}: the model file on {threads} threads differs from the one-thread fit's.");
        }

        Assert.True(reference.AsSpan().SequenceEqual(Bytes(Fit(id, Seed, 1))), $"{id}: a second one-thread fit with the same seed differs.");
        var other = Bytes(Fit(id, Seed + 1, 1));
        Assert.True(Randomised[id] != reference.AsSpan().SequenceEqual(other), Randomised[id]
            ? $"{id}: another seed gives the same model file, so the seed is not used."
            : $"{id}: another seed changes the model file of a candidate that should draw no random numbers.");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SaveLoad_EveryCandidate_ScoresExplanationsAndReasonCodesBitIdentical(string id)
    {
        var fitted = Reference(id);
        var bytes = Bytes(fitted);
        var loaded = ModelPipeline.Load(new MemoryStream(bytes));
        var rows = CatalogPropertyTests.Rows(Scenario(id).Data.Features, 60, ordinary: false);

        // What the sweep scored (the ensemble's blend included) is what the loaded model predicts.
        Assert.Equal(ModelTestData.Bits(fitted.Score(rows)), ModelTestData.Bits(loaded.Predict(rows)));
        Assert.True(bytes.AsSpan().SequenceEqual(ModelTestData.Bytes(loaded)), $"{id}: the loaded model saves to other bytes.");
        if (fitted is not IPipelineCandidate { Model: var model })
        {
            return;
        }

        SaveLoadAssert.SameEverywhere(id, model, loaded, rows);
    }

    private static Planned Scenario(string id) => Scenarios[id.Split('/')[0]].Value;

    private static IFittedCandidate Reference(string id) => OneThread.GetOrAdd(id, key => new(() => Fit(key, Seed, 1))).Value;

    private static IFittedCandidate Fit(string id, int seed, int threads)
    {
        var planned = Scenario(id);
        var context = new CandidateFitContext(planned.Data, seed, threads, planned.Plan.Columns);
        var name = id.Split('/')[1];
        if (!Ensembles.TryGetValue(id, out var members))
        {
            var (single, singleParameters) = planned.Candidate(name);
            return single.Fit(context, singleParameters);
        }

        var list = new List<EnsembleMember>();
        foreach (var (member, weight) in members)
        {
            var (candidate, parameters) = planned.Candidate(member);
            list.Add(new EnsembleMember(candidate, parameters, weight, list.Count));
        }

        var ensemble = new EnsembleCandidate(list, name.StartsWith("specialised", StringComparison.Ordinal) ? CandidateKind.Specialised : CandidateKind.General);
        return ensemble.Fit(context, ParameterSet.Empty);
    }

    private static byte[] Bytes(IFittedCandidate fitted)
    {
        using var stream = new MemoryStream();
        fitted.Save(stream);
        return stream.ToArray();
    }

    /// <summary>A scenario's plan on a slice of a shared dataset, and the encoded rows its candidates fit on.</summary>
    internal sealed record Planned(ScenarioPlan Plan, CandidateData Data)
    {
        public static Planned Load(string scenario, string file, string label, TaskKind task, string? positive, int rows, params string[] drop)
        {
            var table = ModelTestData.Head(CsvTable.Read(TestPaths.Dataset(file)).WithoutColumns(drop), rows);
            var plan = ScenarioCatalog.Get(scenario).Plan(new ScenarioContext(table, label, task, positive));
            return new Planned(plan, LabelEncoding.Encode(table, label, task, positive));
        }

        /// <summary>The candidate named <c>name[:variant]</c> and its parameters.</summary>
        public (ICandidate Candidate, ParameterSet Parameters) Candidate(string name)
        {
            var parts = name.Split(':');
            var candidate = Plan.Candidates.Single(c => c.Name == parts[0]);
            return (candidate, ParametersFor(candidate.SearchSpace, parts.Length > 1 ? parts[1] : null));
        }
    }

    /// <summary>
    /// The space's defaults, with 12 trees, row and feature subsampling (so a GBDT draws random numbers), leaves of
    /// at least 10 rows (a fully grown forest on text features takes tens of seconds in a Debug build), and
    /// <paramref name="classifier"/> as NB-SVM's classifier when given.
    /// </summary>
    internal static ParameterSet ParametersFor(SearchSpace space, string? classifier)
    {
        var defaults = space.ToParameters(space.DefaultPoint());
        return new ParameterSet(defaults.Values.Select(p => p.Key switch
        {
            "NumberOfTrees" => new KeyValuePair<string, ParameterValue>(p.Key, ParameterValue.FromNumber(12)),
            "RowSubsampleFraction" => new(p.Key, ParameterValue.FromNumber(0.8)),
            "FeatureSubsampleFraction" when p.Value.Number >= 1 => new(p.Key, ParameterValue.FromNumber(0.7)),
            "MinimumExampleCountPerLeaf" when p.Value.Number < 10 => new(p.Key, ParameterValue.FromNumber(10)),
            "Classifier" when classifier is not null => new(p.Key, ParameterValue.FromChoice(classifier)),
            _ => p,
        }));
    }
}
