using EnterpriseML.Engine.Scenarios;

namespace EnterpriseML.Engine.Tests.Scenarios;

public sealed class ScenarioCatalogTests
{
    [Fact]
    public void Get_Auto_IsDiscovered()
    {
        Assert.Contains("auto", ScenarioCatalog.Names);
        Assert.IsType<AutoScenario>(ScenarioCatalog.Get("AUTO"));
    }

    [Fact]
    public void Get_Unknown_ListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ScenarioCatalog.Get("weather"));
        Assert.Contains("auto", e.Message);
    }

    [Fact]
    public void Get_Unknown_ListsRecommendationAmongTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ScenarioCatalog.Get("magic"));
        Assert.StartsWith("Unknown scenario 'magic'. Known: auto, credit, fraud, recommendation, sentiment.", e.Message, StringComparison.Ordinal);
        Assert.Equal("Unknown scenario 'magic'. Known: auto, credit, fraud, recommendation, sentiment.", ScenarioCatalog.UnknownScenario("magic"));
    }

    [Fact]
    public void Get_Recommendation_SaysItIsNotATabularScenario()
    {
        Assert.DoesNotContain("recommendation", ScenarioCatalog.Names);
        var e = Assert.Throws<ArgumentException>(() => ScenarioCatalog.Get("Recommendation"));
        Assert.StartsWith("Scenario 'recommendation' ranks items for users", e.Message, StringComparison.Ordinal);
    }
}
