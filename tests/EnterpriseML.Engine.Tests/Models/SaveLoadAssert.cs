using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>What "a model survives save/load" means, checked the same way for every kind of tabular model.</summary>
internal static class SaveLoadAssert
{
    /// <summary>Saves <paramref name="model"/>, loads it and checks <see cref="SameEverywhere"/> on <paramref name="rows"/>; returns the loaded model.</summary>
    public static ModelPipeline RoundTrip(string what, ModelPipeline model, DataTable rows)
    {
        var bytes = ModelTestData.Bytes(model);
        var loaded = ModelPipeline.Load(new MemoryStream(bytes));
        Assert.True(bytes.AsSpan().SequenceEqual(ModelTestData.Bytes(loaded)), $"{what}: the loaded model saves to other bytes.");
        SameEverywhere(what, model, loaded, rows);
        return loaded;
    }

    /// <summary>
    /// <paramref name="loaded"/> (a saved <paramref name="model"/>, loaded) gives bit-identical batch predictions, metadata,
    /// scorecard points and reason codes, and row by row through the prediction engine the same outputs and, when
    /// the model explains, the same bias and contributions for every output.
    /// </summary>
    public static void SameEverywhere(string what, ModelPipeline model, ModelPipeline loaded, DataTable rows)
    {
        Assert.Equal(ModelTestData.Bits(model.Predict(rows)), ModelTestData.Bits(loaded.Predict(rows)));
        Assert.Equal(model.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal), loaded.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal));
        if (ScorecardPredictor.TryScore(model, rows, ScorecardPredictor.DefaultReasonCount, out var before))
        {
            Assert.True(ScorecardPredictor.TryScore(loaded, rows, ScorecardPredictor.DefaultReasonCount, out var after));
            for (var r = 0; r < before.Length; r++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(before[r].Points), BitConverter.DoubleToInt64Bits(after[r].Points));
                Assert.Equal(before[r].ReasonCodes, after[r].ReasonCodes);
            }
        }

        var explains = model.Predictor is IExplainablePredictor { CanExplain: true };
        var (a, b) = (model.CreateEngine(), loaded.CreateEngine());
        var (oa, ob) = (new float[model.OutputWidth], new float[model.OutputWidth]);
        var (ca, cb) = (new float[model.Predictor.FeatureCount], new float[model.Predictor.FeatureCount]);
        for (var r = 0; r < rows.RowCount; r++)
        {
            ModelTestData.SetRow(a, rows, r);
            ModelTestData.SetRow(b, rows, r);
            a.Predict(oa);
            b.Predict(ob);
            Assert.True(ModelTestData.Bits(oa).SequenceEqual(ModelTestData.Bits(ob)), $"{what} row {r}: {string.Join(", ", oa)} before saving, {string.Join(", ", ob)} after loading.");
            for (var k = 0; explains && k < model.OutputWidth; k++)
            {
                var biasA = ((IExplainablePredictor)model.Predictor).Explain(a.Featurize(), ca, k);
                var biasB = ((IExplainablePredictor)loaded.Predictor).Explain(b.Featurize(), cb, k);
                Assert.True(BitConverter.SingleToInt32Bits(biasA) == BitConverter.SingleToInt32Bits(biasB) && ModelTestData.Bits(ca).SequenceEqual(ModelTestData.Bits(cb)),
                    $"{what} row {r} output {k}: the explanation differs after loading.");
            }
        }
    }
}
