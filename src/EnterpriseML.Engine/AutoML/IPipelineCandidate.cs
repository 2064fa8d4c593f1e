using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.AutoML;

/// <summary>A fitted candidate whose model is a tabular <see cref="ModelPipeline"/> (so it can be an ensemble member that is saved).</summary>
public interface IPipelineCandidate
{
    ModelPipeline Model { get; }
}
