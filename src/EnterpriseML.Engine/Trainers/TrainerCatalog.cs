using System.Globalization;
using System.Reflection;
using EnterpriseML.Engine.Featurizers;

namespace EnterpriseML.Engine.Trainers;

/// <summary>One trainer the CLI and the AutoML runner can name.</summary>
public sealed class TrainerDescriptor
{
    internal TrainerDescriptor(string name, string family, Type trainerType, Type optionsType, IReadOnlyList<TaskKind> tasks, string summary)
    {
        Name = name;
        Family = family;
        TrainerType = trainerType;
        OptionsType = optionsType;
        Tasks = tasks;
        Summary = summary;
    }

    /// <summary>The CLI name, for example <c>gbdt</c>.</summary>
    public string Name { get; }

    /// <summary><c>trees</c> or <c>linear</c>: decides the featurisation (<see cref="Featurization"/>).</summary>
    public string Family { get; }

    public Type TrainerType { get; }

    public Type OptionsType { get; }

    public IReadOnlyList<TaskKind> Tasks { get; }

    public string Summary { get; }

    /// <summary>
    /// The featurizer options this trainer wants: codes and raw numerics for trees, one-hot and standardised for linear
    /// ones, one-hot and min-max (non-negative, as multinomial counts must be) for naive Bayes. A new object each call.
    /// </summary>
    public FeaturizerOptions Featurization()
    {
        if (Family == "trees")
        {
            return FeaturizerOptions.Trees;
        }

        var linear = FeaturizerOptions.Linear;
        if (Name == "naive-bayes")
        {
            linear.NumericScaling = NumericScaling.MinMax;
        }

        return linear;
    }

    /// <summary>The public settable option names, for help and error messages.</summary>
    public IReadOnlyList<string> OptionNames =>
        OptionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
}

/// <summary>
/// The trainers by CLI name (<c>logistic-regression</c>, <c>linear-svm</c>, <c>gbdt</c>, <c>random-forest</c>,
/// <c>naive-bayes</c>, <c>ridge</c>, <c>poisson</c>, <c>tweedie</c>), and option setting by name from
/// <c>--set Name=Value</c> (case-insensitive; arrays as comma-separated values).
/// </summary>
public static class TrainerCatalog
{
    private static readonly (string Name, string Family, string Trainer, string Options, TaskKind[] Tasks, string Summary)[] Entries =
    [
        ("logistic-regression", "linear", "Linear.LogisticRegressionTrainer", "Linear.LogisticRegressionOptions", [TaskKind.Binary, TaskKind.Multiclass], "L-BFGS / OWL-QN logistic regression (multinomial for multiclass)"),
        ("linear-svm", "linear", "Linear.LinearSvmTrainer", "Linear.LinearSvmOptions", [TaskKind.Binary], "linear SVM trained with SDCA, Platt-calibrated"),
        ("gbdt", "trees", "Trees.GbdtTrainer", "Trees.GbdtOptions", [TaskKind.Binary, TaskKind.Multiclass, TaskKind.Regression], "histogram gradient-boosted trees"),
        ("random-forest", "trees", "Trees.RandomForestTrainer", "Trees.RandomForestOptions", [TaskKind.Binary, TaskKind.Multiclass, TaskKind.Regression], "random forest"),
        ("naive-bayes", "linear", "Linear.NaiveBayesTrainer", "Linear.NaiveBayesOptions", [TaskKind.Binary, TaskKind.Multiclass], "multinomial naive Bayes"),
        ("ridge", "linear", "Linear.RidgeTrainer", "Linear.RidgeOptions", [TaskKind.Regression], "ridge regression"),
        ("poisson", "linear", "Linear.PoissonRegressionTrainer", "Linear.PoissonRegressionOptions", [TaskKind.Regression], "Poisson regression (log link)"),
        ("tweedie", "linear", "Linear.TweedieRegressionTrainer", "Linear.TweedieRegressionOptions", [TaskKind.Regression], "Tweedie regression (log link)"),
    ];

    private static readonly Lazy<Dictionary<string, TrainerDescriptor>> Descriptors = new(Resolve);

    /// <summary>Every available trainer.</summary>
    public static IReadOnlyCollection<TrainerDescriptor> All => Descriptors.Value.Values;

    /// <summary>The trainer named <paramref name="name"/>; the error lists the valid names.</summary>
    public static TrainerDescriptor Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Descriptors.Value.TryGetValue(name, out var d)
            ? d
            : throw new ArgumentException($"Unknown trainer '{name}'. Valid trainers: {string.Join(", ", Descriptors.Value.Keys)}.", nameof(name));
    }

    /// <summary>
    /// Creates the trainer with its options set from <paramref name="settings"/> (name → value text), then
    /// <c>Seed</c> and <c>MaxDegreeOfParallelism</c> when the options have them and they are given.
    /// </summary>
    public static ITrainer Create(string name, IEnumerable<KeyValuePair<string, string>>? settings = null, int? seed = null, int? threads = null)
    {
        var descriptor = Get(name);
        var options = Activator.CreateInstance(descriptor.OptionsType)!;
        if (seed is not null)
        {
            descriptor.OptionsType.GetProperty("Seed")?.SetValue(options, seed.Value);
        }

        if (threads is not null)
        {
            descriptor.OptionsType.GetProperty("MaxDegreeOfParallelism")?.SetValue(options, threads.Value);
        }

        foreach (var (key, value) in settings ?? [])
        {
            Set(descriptor, options, key, value);
        }

        try
        {
            return (ITrainer)Activator.CreateInstance(descriptor.TrainerType, options)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>Parses <c>Name=Value</c> pairs as given on the command line.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseSettings(IEnumerable<string> assignments)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var a in assignments)
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"'--set {a}': expected Option=Value.", nameof(assignments));
            }

            var name = a[..eq].Trim();
            if (result.FirstOrDefault(r => string.Equals(r.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } earlier)
            {
                // Option names are case-insensitive; a second value would silently win over the first.
                throw new ArgumentException($"'--set {a}': option '{name}' is already set to '{earlier.Value}'; give each option once.", nameof(assignments));
            }

            result.Add(new(name, a[(eq + 1)..].Trim()));
        }

        return result;
    }

    private static void Set(TrainerDescriptor descriptor, object options, string key, string value)
    {
        var property = descriptor.OptionsType.GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || !property.CanWrite)
        {
            throw new ArgumentException($"Trainer '{descriptor.Name}' has no option '{key}'. Valid options: {string.Join(", ", descriptor.OptionNames)}.", nameof(key));
        }

        try
        {
            property.SetValue(options, Parse(property.PropertyType, value));
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ArgumentException($"Option {property.Name}={value}: expected {Describe(property.PropertyType)}.", nameof(value), e);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new ArgumentException($"Option {property.Name}={value}: {e.InnerException.Message}", nameof(value), e.InnerException);
        }
    }

    private static object? Parse(Type type, string value)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return value.Length == 0 || value.Equals("null", StringComparison.OrdinalIgnoreCase) ? null : Parse(underlying, value);
        }

        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var array = Array.CreateInstance(element, parts.Length);
            for (var i = 0; i < parts.Length; i++)
            {
                array.SetValue(Parse(element, parts[i]), i);
            }

            return array;
        }

        if (type.IsEnum)
        {
            return Enum.Parse(type, value, ignoreCase: true);
        }

        if (type == typeof(bool))
        {
            return bool.Parse(value);
        }

        if (type == typeof(string))
        {
            return value;
        }

        return Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    private static string Describe(Type type) =>
        type.IsArray ? $"comma-separated values, each {Describe(type.GetElementType()!)}"
        : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
        : Nullable.GetUnderlyingType(type) is { } u ? Describe(u)
        : type == typeof(int) ? "an integer"
        : type == typeof(bool) ? "true or false"
        : type == typeof(double) || type == typeof(float) ? "a number"
        : type.Name;

    private static Dictionary<string, TrainerDescriptor> Resolve()
    {
        var assembly = typeof(TrainerCatalog).Assembly;
        var result = new Dictionary<string, TrainerDescriptor>(StringComparer.Ordinal);
        foreach (var e in Entries)
        {
            var trainer = assembly.GetType("EnterpriseML.Engine.Trainers." + e.Trainer);
            var options = assembly.GetType("EnterpriseML.Engine.Trainers." + e.Options);
            if (trainer is null || options is null)
            {
                continue;
            }

            result[e.Name] = new TrainerDescriptor(e.Name, e.Family, trainer, options, e.Tasks, e.Summary);
        }

        return result;
    }
}
