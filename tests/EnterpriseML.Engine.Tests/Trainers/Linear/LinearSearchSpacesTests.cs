using EnterpriseML.Engine.Trainers.Linear;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.Trainers.Linear;

public sealed class LinearSearchSpacesTests
{
    private static ParameterSet At(SearchSpace space, double unit) =>
        new(space.Parameters.Select(p => new KeyValuePair<string, ParameterValue>(p.Name, p.FromUnit(unit))));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Spaces_AnyPointOfTheUnitCube_GiveValidOptions(double unit)
    {
        Assert.NotNull(new LogisticRegressionTrainer(LinearSearchSpaces.ToLogisticRegressionOptions(At(LinearSearchSpaces.LogisticRegression, unit))));
        Assert.NotNull(new LinearSvmTrainer(LinearSearchSpaces.ToLinearSvmOptions(At(LinearSearchSpaces.LinearSvm, unit))));
        Assert.NotNull(new NaiveBayesTrainer(LinearSearchSpaces.ToNaiveBayesOptions(At(LinearSearchSpaces.NaiveBayes, unit))));
        Assert.NotNull(new RidgeTrainer(LinearSearchSpaces.ToRidgeOptions(At(LinearSearchSpaces.Ridge, unit))));
        Assert.NotNull(new TweedieRegressionTrainer(LinearSearchSpaces.ToTweedieOptions(At(LinearSearchSpaces.Tweedie, unit))));
    }

    [Fact]
    public void LogisticRegression_DefaultPoint_IsTheTrainerDefault()
    {
        var space = LinearSearchSpaces.LogisticRegression;
        var defaults = new ParameterSet(space.Parameters.Select(p => new KeyValuePair<string, ParameterValue>(p.Name, p.FromUnit(p.DefaultUnit))));
        var options = LinearSearchSpaces.ToLogisticRegressionOptions(defaults);
        Assert.Equal(LinearDefaults.L2Regularization, options.L2Regularization, 9);
        Assert.Equal(0.0, options.L1Regularization);
    }
}
