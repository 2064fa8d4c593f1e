using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.AutoML;

/// <summary>Stored sweep winners (a single pipeline or an ensemble container) load back and score exactly as fitted.</summary>
public sealed class StoredModelTests
{
    private static IFittedCandidate FitDefault(ICandidate candidate, CandidateData data) =>
        candidate.Fit(new CandidateFitContext(data, seed: 1, threads: 1, ScenarioColumns.None), candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint()));

    private static byte[] Saved(IFittedCandidate model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void Load_SinglePipelineAndEnsemble_ScoresIdenticallyToTheFittedModel()
    {
        var data = TestData.CreditGerman;
        var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None).Take(2).ToArray();
        var fitted = candidates.Select(c => FitDefault(c, data)).ToArray();
        var ensemble = new EnsembleCandidate(
            [new EnsembleMember(candidates[0], ParameterSet.Empty, 2, 0), new EnsembleMember(candidates[1], ParameterSet.Empty, 1, 1)],
            CandidateKind.General).FromFitted(fitted);

        foreach (var model in new[] { fitted[0], ensemble })
        {
            var bytes = Saved(model);
            var loaded = StoredModel.Load(bytes);
            Assert.Equal(model.Score(data.Features), loaded.Score(data.Features));
            Assert.Equal(["good", "bad"], loaded.Schema.ClassNames);
            Assert.Equal(bytes, Saved(loaded));
        }

        Assert.Equal(2, StoredModel.Load(Saved(ensemble)).MemberCount);
    }

    [Fact]
    public void Load_TruncatedEnsemble_ThrowsModelFormatException()
    {
        var data = TestData.CreditGerman;
        var candidate = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None)[0];
        var ensemble = new EnsembleCandidate([new EnsembleMember(candidate, ParameterSet.Empty, 1, 0)], CandidateKind.General).FromFitted([FitDefault(candidate, data)]);
        var bytes = Saved(ensemble);
        Assert.Throws<ModelFormatException>(() => StoredModel.Load(bytes[..(bytes.Length / 2)]));
        Assert.Throws<ModelFormatException>(() => StoredModel.Load("not a model"u8.ToArray()));
    }
}
