using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class LabelEncodingBooleanTests
{
    [Fact]
    public void Encode_BooleanLabel_AcceptsYesNoAsPositive()
    {
        var table = new DataTable([new NumericColumn("churn", [1, 0, 0, 1], ColumnType.Boolean), new NumericColumn("x", [1, 2, 3, 4])]);
        var yes = LabelEncoding.Encode(table, "churn", TaskKind.Binary, "Yes");
        Assert.Equal([1f, 0f, 0f, 1f], yes.Labels);
        var no = LabelEncoding.Encode(table, "churn", TaskKind.Binary, "no");
        Assert.Equal([0f, 1f, 1f, 0f], no.Labels);
    }
}
