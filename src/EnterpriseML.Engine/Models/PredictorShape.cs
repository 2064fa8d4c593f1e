using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Sentiment;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;

namespace EnterpriseML.Engine.Models;

/// <summary>What a loaded predictor needs of the feature rows it is given, beyond their total width.</summary>
internal static class PredictorShape
{
    /// <summary>
    /// The dense features a predictor reads its weights or bins against, or null for one that takes any split of its
    /// features into dense and sparse (trees). A file whose featurizers make another number of dense features is corrupt.
    /// </summary>
    public static int? DenseFeatureCount(IPredictor predictor) => predictor switch
    {
        LinearPredictor linear => linear.DenseFeatureCount,
        TextLinearPredictor text => text.DenseFeatureCount,
        EnsemblePredictor ensemble => ensemble.DenseFeatureCount,
        ScorecardPredictor scorecard => scorecard.Bins.Count,
        _ => null,
    };
}
