using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers;

public sealed class TrainerCatalogTests
{
    [Theory]
    [InlineData("logistic-regression")]
    [InlineData("linear-svm")]
    [InlineData("gbdt")]
    [InlineData("random-forest")]
    [InlineData("naive-bayes")]
    [InlineData("ridge")]
    [InlineData("poisson")]
    [InlineData("tweedie")]
    public void Get_IssueTrainerNames_AreRegisteredAndCreatable(string name)
    {
        var descriptor = TrainerCatalog.Get(name);
        Assert.Equal(name, descriptor.Name);
        Assert.NotEmpty(descriptor.Tasks);
        Assert.Equal(name, TrainerCatalog.Create(name).Name);
    }

    [Fact]
    public void Get_UnknownTrainer_ListsValidNames()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainerCatalog.Get("xgboost"));
        Assert.Contains("'xgboost'", e.Message, StringComparison.Ordinal);
        Assert.Contains("gbdt", e.Message, StringComparison.Ordinal);
        Assert.Contains("logistic-regression", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_OptionNameCaseInsensitive_SetsIt()
    {
        var trainer = TrainerCatalog.Create("gbdt", TrainerCatalog.ParseSettings(["numberoftrees=17", "LearningRate = 0.25", "MonotoneConstraints=1,0,-1"]));
        var options = OptionsOf(trainer);
        Assert.Equal(17, options.NumberOfTrees);
        Assert.Equal(0.25, options.LearningRate);
        Assert.Equal([1, 0, -1], options.MonotoneConstraints!);
    }

    [Fact]
    public void Create_SeedAndThreads_AppliedToOptions()
    {
        var options = OptionsOf(TrainerCatalog.Create("gbdt", seed: 123, threads: 2));
        Assert.Equal(123, options.Seed);
        Assert.Equal(2, options.MaxDegreeOfParallelism);
    }

    [Fact]
    public void Create_UnknownOption_ErrorListsValidOptions()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainerCatalog.Create("gbdt", [new("NumTrees", "10")]));
        Assert.Contains("'NumTrees'", e.Message, StringComparison.Ordinal);
        Assert.Contains("NumberOfTrees", e.Message, StringComparison.Ordinal);
        Assert.Contains("LearningRate", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NumberOfTrees", "many", "an integer")]
    [InlineData("LearningRate", "fast", "a number")]
    [InlineData("NumberOfTrees", "1.5", "an integer")]
    public void Create_UnparsableValue_ErrorSaysWhatWasExpected(string option, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => TrainerCatalog.Create("gbdt", [new(option, value)]));
        Assert.Contains(option + "=" + value, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_OutOfRangeValue_ErrorNamesTheOption()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => TrainerCatalog.Create("gbdt", [new("LearningRate", "-1")]));
        Assert.Contains("LearningRate", e.ParamName + e.Message, StringComparison.Ordinal);
    }

    public static IEnumerable<object[]> NumericOptions()
    {
        foreach (var d in TrainerCatalog.All.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            foreach (var p in d.OptionsType.GetProperties().Where(p => p.CanWrite).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var type = p.PropertyType;
                if (p.Name != "Seed" && (type == typeof(double) || type == typeof(float) || type == typeof(int) || type == typeof(float[]) || type == typeof(int[])))
                {
                    yield return [d.Name, p.Name];
                }
            }
        }
    }

    /// <summary>
    /// Every numeric option of every catalog trainer refuses a value no option allows (NaN for reals, the smallest
    /// integer, an array holding one), naming the option and its valid range.
    /// </summary>
    [Theory]
    [MemberData(nameof(NumericOptions))]
    public void Create_AbsurdValueOfAnyNumericOption_RefusedNamingOptionAndRange(string trainer, string option)
    {
        var type = TrainerCatalog.Get(trainer).OptionsType.GetProperty(option)!.PropertyType;
        var value = type == typeof(int) || type == typeof(int[]) ? int.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : "NaN";
        var e = Assert.ThrowsAny<ArgumentException>(() => TrainerCatalog.Create(trainer, [new(option, value)]));
        Assert.Contains(option, e.Message, StringComparison.Ordinal);
        Assert.Contains("must", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ParseSettings_WithoutEquals_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainerCatalog.ParseSettings(["NumberOfTrees"]));
        Assert.Contains("Option=Value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseSettings_SameOptionTwice_RejectedNamingBothValues()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainerCatalog.ParseSettings(["NumberOfTrees=5", "numberoftrees=7"]));
        Assert.StartsWith("'--set numberoftrees=7': option 'numberoftrees' is already set to '5'; give each option once.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BadArrayElement_SaysWhatEachElementMustBe()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => TrainerCatalog.Create("gbdt", [new("MonotoneConstraints", "1,0,x")]));
        Assert.Contains("comma-separated values, each an integer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Featurization_TreesGetCodes_LinearGetsOneHotStandardised()
    {
        var trees = TrainerCatalog.Get("gbdt").Featurization();
        Assert.Equal(CategoricalEncoding.Codes, trees.CategoricalEncoding);
        Assert.Equal(NumericScaling.None, trees.NumericScaling);
        var linear = TrainerCatalog.Get("logistic-regression").Featurization();
        Assert.Equal(CategoricalEncoding.OneHot, linear.CategoricalEncoding);
        Assert.Equal(NumericScaling.Standardize, linear.NumericScaling);
        Assert.Equal(NumericScaling.MinMax, TrainerCatalog.Get("naive-bayes").Featurization().NumericScaling);
        Assert.Contains(TaskKind.Multiclass, TrainerCatalog.Get("random-forest").Tasks);
    }

    [Fact]
    public void Create_DoesNotShareOptionsBetweenCalls()
    {
        var a = OptionsOf(TrainerCatalog.Create("gbdt", [new("NumberOfTrees", "5")]));
        var b = OptionsOf(TrainerCatalog.Create("gbdt"));
        Assert.Equal(5, a.NumberOfTrees);
        Assert.NotEqual(5, b.NumberOfTrees);
    }

    private static GbdtOptions OptionsOf(ITrainer trainer)
    {
        var field = trainer.GetType().GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
            .FirstOrDefault(f => f.FieldType == typeof(GbdtOptions));
        Assert.NotNull(field);
        return (GbdtOptions)field.GetValue(trainer)!;
    }
}
