using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.AutoML;

public sealed class LabelEncodingTests
{
    [Fact]
    public void InferTask_ByLabelValues()
    {
        Assert.Equal(TaskKind.Binary, LabelEncoding.InferTask(new StringColumn("y", ["a", "b", "a", null])));
        Assert.Equal(TaskKind.Multiclass, LabelEncoding.InferTask(new StringColumn("y", ["a", "b", "c"])));
        Assert.Equal(TaskKind.Regression, LabelEncoding.InferTask(new NumericColumn("y", [1.5f, 2, 3])));
        Assert.Equal(TaskKind.Binary, LabelEncoding.InferTask(new NumericColumn("y", [0, 1, 1])));
        Assert.Throws<ArgumentException>(() => LabelEncoding.InferTask(new NumericColumn("y", [1, 1])));
    }

    [Fact]
    public void Encode_Binary_MinorityIsPositiveUnlessNamed()
    {
        var table = new DataTable([new StringColumn("y", ["good", "bad", "good", null, "good"]), new NumericColumn("x", [1, 2, 3, 4, 5])]);
        var minority = LabelEncoding.Encode(table, "y", TaskKind.Binary);
        Assert.Equal(["good", "bad"], minority.ClassNames);
        Assert.Equal([0f, 1f, 0f, 0f], minority.Labels);
        Assert.Equal(4, minority.RowCount);
        Assert.False(minority.Features.TryGetColumn("y", out _));

        var named = LabelEncoding.Encode(table, "y", TaskKind.Binary, "good");
        Assert.Equal(["bad", "good"], named.ClassNames);
        Assert.Throws<ArgumentException>(() => LabelEncoding.Encode(table, "y", TaskKind.Binary, "ugly"));
    }

    [Fact]
    public void Encode_TestRowsWithTrainingClasses_UnknownClassThrows()
    {
        var train = LabelEncoding.Encode(new DataTable([new StringColumn("y", ["a", "b", "c"]), new NumericColumn("x", [1, 2, 3])]), "y", TaskKind.Multiclass);
        var test = new DataTable([new StringColumn("y", ["c", "d"]), new NumericColumn("x", [1, 2])]);
        var e = Assert.Throws<ArgumentException>(() => LabelEncoding.Encode(test, "y", TaskKind.Multiclass, classNames: train.ClassNames));
        Assert.Contains("'d'", e.Message);
    }
}
