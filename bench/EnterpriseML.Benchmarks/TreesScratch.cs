using System.Diagnostics;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Benchmarks;

internal sealed class TreesScratch : IBenchCommand
{
    public string Name => "trees-scratch";

    public int Run(string[] args)
    {
        var spec = TreesData.Specs.Single(s => s.Name == "credit-german");
        var (x, y) = TreesData.Featurise(spec, TreesData.ReadTable(Path.Combine(TreesData.DatasetsDirectory(), spec.File)))[0];
        var model = (GbdtModel)new GbdtTrainer(new GbdtOptions { NumberOfTrees = 20, MaxDegreeOfParallelism = 1 }).Fit(new TrainingSet(x, y, TaskKind.Binary));
        var output = new float[x.RowCount];
        var w = Stopwatch.StartNew();
        for (var r = 0; r < 100; r++)
        {
            model.PredictBatch(x, output);
        }

        Console.WriteLine($"depth {model.Core.Ensemble.MaximumDepth} nodes {model.Core.Ensemble.Nodes.Length}");
        Console.WriteLine($"batch: {100.0 * x.RowCount / w.Elapsed.TotalSeconds:F0} rows/s");
        var row = new float[x.ColumnCount];
        for (var j = 0; j < row.Length; j++)
        {
            row[j] = x.Dense[j * x.RowCount];
        }

        w.Restart();
        for (var r = 0; r < 100000; r++)
        {
            model.Predict(new FeatureRow(row), output);
        }

        Console.WriteLine($"single: {w.Elapsed.TotalMilliseconds * 1000 / 100000:F3} us/row");
        return 0;
    }
}
