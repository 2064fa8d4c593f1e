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
}
