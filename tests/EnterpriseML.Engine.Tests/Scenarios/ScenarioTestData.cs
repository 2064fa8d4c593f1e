using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Specialised;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.Scenarios;

/// <summary>Real shared datasets, encoded and split 80/20 (stratified, fixed seed), cached per test run.</summary>
internal static class ScenarioTestData
{
    private static readonly Lazy<(CandidateData Train, CandidateData Test)> GermanSplit = new(() => Split(Load("credit-german-statlog.csv", "class", "bad"), 42));

    public static (CandidateData Train, CandidateData Test) German => GermanSplit.Value;

    public static CandidateData Load(string file, string label, string? positive, params string[] drop)
    {
        var table = CsvTable.Read(TestPaths.Dataset(file));
        if (drop.Length > 0)
        {
            table = table.WithoutColumns(drop);
        }

        var data = LabelEncoding.Encode(table, label, TaskKind.Binary, positive);
        return data;
    }

    public static (CandidateData Train, CandidateData Test) Split(CandidateData data, int seed, double testFraction = 0.2)
    {
        var (train, test) = DataSplits.TrainTest(data.RowCount, testFraction, seed, data.Labels);
        return (data.SelectRows(train), data.SelectRows(test));
    }

    public static ModelPipeline FitPipeline(ICandidate candidate, CandidateData train, ParameterSet? parameters = null, int seed = 7, ScenarioColumns? columns = null, int threads = 1)
    {
        var fitted = candidate.Fit(new CandidateFitContext(train, seed, threads, columns ?? ScenarioColumns.None),
            parameters ?? candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint()));
        return ((FittedPipeline)fitted).Model;
    }

    public static ModelPipeline RoundTrip(ModelPipeline model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        return ModelPipeline.Load(stream);
    }

    public static double Auc(CandidateData data, float[] scores) => BinaryMetrics.Compute(data.Labels, scores).Auc;
}
