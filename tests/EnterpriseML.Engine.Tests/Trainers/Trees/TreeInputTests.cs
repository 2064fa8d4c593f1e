using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

public sealed class TreeInputTests
{
    [Fact]
    public void Densify_WideSparseBlock_AppendsSparseColumnsAfterDense()
    {
        var features = WideSparse(3000, 500);
        var dense = TreeInput.Densify(features, "gbdt");
        Assert.Null(dense.Sparse);
        Assert.Equal(501, dense.ColumnCount);
        Assert.Equal(features.DenseColumn(0).ToArray(), dense.DenseColumn(0).ToArray());
        for (var i = 0; i < 3000; i += 7)
        {
            Assert.Equal(i + 1f, dense.DenseColumn(1 + (i % 500))[i]);
            Assert.Equal(0f, dense.DenseColumn(1 + ((i + 1) % 500))[i]);
        }
    }

    [Fact]
    public void Densify_CancelledToken_ThrowsBeforeReturning()
    {
        var features = WideSparse(3000, 500);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => TreeInput.Densify(features, "gbdt", cts.Token));
    }

    [Fact]
    public void Densify_DenseOnlyWithCancelledToken_ReturnsInputUnchanged()
    {
        // Nothing to densify: the matrix is returned as is, there is no work to stop.
        var features = FeatureMatrix.FromColumns([[1f, 2f, 3f]]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Same(features, TreeInput.Densify(features, "gbdt", cts.Token));
    }

    [Fact]
    public void Fit_WideSparseCancelled_Throws()
    {
        var features = WideSparse(3000, 500);
        var labels = new float[3000];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 2;
        }

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var data = new TrainingSet(features, labels, TaskKind.Binary);
        Assert.ThrowsAny<OperationCanceledException>(() => new GbdtTrainer().Fit(data, cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => new RandomForestTrainer().Fit(data, cts.Token));
    }

    /// <summary>One dense column and a sparse block where row i holds i + 1 in sparse column i mod width.</summary>
    private static FeatureMatrix WideSparse(int rows, int width)
    {
        var dense = new float[rows];
        var pointers = new int[rows + 1];
        var indices = new int[rows];
        var values = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            dense[i] = i * 0.5f;
            pointers[i + 1] = i + 1;
            indices[i] = i % width;
            values[i] = i + 1f;
        }

        var infos = new FeatureInfo[width + 1];
        infos[0] = new FeatureInfo("x");
        for (var j = 0; j < width; j++)
        {
            infos[j + 1] = new FeatureInfo($"t{j}");
        }

        return new FeatureMatrix(rows, dense, 1, new SparseMatrix(rows, width, pointers, indices, values), infos);
    }
}
