using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>
/// The <c>auto</c> scenario: the task is inferred from the label (two values → binary, a categorical label with more
/// → multiclass, a numeric one → regression), only general-purpose candidates compete, and the metric is the
/// task's usual one (AUC, accuracy, RMSE).
/// </summary>
public sealed class AutoScenario : IScenario
{
    public string Name => "auto";

    public ScenarioPlan Plan(ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var task = context.InferredTask;
        var text = new List<string>();
        foreach (var column in context.Train.Columns)
        {
            if (column.Type == ColumnType.Text && column.Name != context.LabelColumn)
            {
                text.Add(column.Name);
            }
        }

        var columns = new ScenarioColumns(text);
        var metric = task switch
        {
            TaskKind.Binary => ScenarioMetric.Auc,
            TaskKind.Multiclass => ScenarioMetric.Accuracy,
            _ => ScenarioMetric.Rmse,
        };
        return new ScenarioPlan(task, metric, GeneralCandidates.For(task, columns), columns);
    }
}
