using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios.Sentiment;

namespace EnterpriseML.Engine.Tests.Scenarios.Sentiment;

public sealed class TextLinearPredictorTests
{
    [Fact]
    public void Explain_BinarisedNbSvm_IsWeightTimesPresenceAndAddsUpToTheMargin()
    {
        // 2 dense + 3 sparse features; NB-SVM counts a present text feature as 1 whatever its TF-IDF value.
        var model = new TextLinearPredictor(2, [0.1f, 0.2f, 1f, 2f, 3f], 0.5f, binarizeSparse: true, new sbyte[3], []);
        var row = new FeatureRow([1f, 2f], [0, 2], [0.5f, 0.3f]);
        var contributions = new float[5];

        var bias = model.Explain(row, contributions);

        Assert.True(model.CanExplain);
        Assert.Equal(0.5f, bias);
        Assert.Equal([0.1f, 0.4f, 1f, 0f, 3f], contributions);
        var probability = new float[1];
        model.Predict(row, probability);
        Assert.Equal(1 / (1 + Math.Exp(-5.0)), probability[0], 1e-6);
    }

    [Fact]
    public void Explain_WithLexiconFeatures_IsRefusedWithTheReason()
    {
        var model = new TextLinearPredictor(0, [1f, 1f], 0f, binarizeSparse: false, [1, -1], [0.5f, 0.5f, 0.5f]);

        Assert.False(model.CanExplain);
        var e = Assert.Throws<NotSupportedException>(() => model.Explain(new FeatureRow([], [0], [1f]), new float[2]));
        Assert.Contains("lexicon", e.Message, StringComparison.Ordinal);
    }
}
