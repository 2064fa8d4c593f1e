using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Models;

/// <summary>Fits featurizers and a trainer on labelled rows and returns the whole pipeline; evaluates pipelines on labelled rows.</summary>
public static class TabularTraining
{
    /// <summary>Featurises <paramref name="train"/> with <paramref name="featurization"/>, fits <paramref name="trainer"/>, and wraps both with the schema.</summary>
    public static ModelPipeline Fit(
        CandidateData train,
        string labelColumn,
        ITrainer trainer,
        FeaturizerOptions featurization,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(trainer);
        var features = FeaturePipeline.Fit(train.Features, featurization, cancellationToken);
        var matrix = features.Transform(train.Features, cancellationToken);
        var set = new TrainingSet(matrix, train.Labels, train.Task, train.Task == TaskKind.Multiclass ? train.ClassNames.Count : 0);
        var predictor = trainer.Fit(set, cancellationToken);
        var schema = new ModelSchema(labelColumn, train.Task, train.ClassNames, features.InputColumns);
        return new ModelPipeline(schema, features, predictor, metadata);
    }

    /// <summary>
    /// Every metric of the task, keyed as in the CLI's JSON (<c>auc</c>, <c>auprc</c>, <c>accuracy</c>, <c>f1</c>,
    /// <c>logLoss</c>, <c>precision</c>, <c>recall</c>, <c>ks</c>, <c>gini</c> | <c>accuracy</c>, <c>macroAccuracy</c>,
    /// <c>logLoss</c>, <c>macroF1</c> | <c>rmse</c>, <c>mae</c>, <c>r2</c>).
    /// </summary>
    public static IReadOnlyDictionary<string, double> Metrics(TaskKind task, ReadOnlySpan<float> labels, ReadOnlySpan<float> outputs, int classCount)
    {
        switch (task)
        {
            case TaskKind.Binary:
                var b = BinaryMetrics.Compute(labels, outputs);
                return new Dictionary<string, double>
                {
                    ["auc"] = b.Auc, ["auprc"] = b.Auprc, ["accuracy"] = b.Accuracy, ["f1"] = b.F1, ["logLoss"] = b.LogLoss,
                    ["precision"] = b.Precision, ["recall"] = b.Recall, ["ks"] = b.Ks, ["gini"] = b.Gini,
                };
            case TaskKind.Multiclass:
                var m = MulticlassMetrics.Compute(labels, outputs, classCount);
                return new Dictionary<string, double>
                {
                    ["accuracy"] = m.Accuracy, ["macroAccuracy"] = m.MacroAccuracy, ["logLoss"] = m.LogLoss, ["macroF1"] = m.MacroF1,
                };
            default:
                var r = RegressionMetrics.Compute(labels, outputs);
                return new Dictionary<string, double> { ["rmse"] = r.Rmse, ["mae"] = r.Mae, ["r2"] = r.R2 };
        }
    }
}
