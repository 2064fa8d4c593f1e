using System.Reflection;

namespace EnterpriseML.Engine.Scenarios;

/// <summary>
/// The scenarios of the engine, discovered by reflection: every public non-abstract <see cref="IScenario"/> class with
/// a public parameterless constructor in this assembly. Adding a scenario is adding one class; nobody edits this file.
/// </summary>
public static class ScenarioCatalog
{
    private static readonly Lazy<Dictionary<string, IScenario>> Scenarios = new(Discover);

    /// <summary>The scenario names, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. Scenarios.Value.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The scenario named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static IScenario Get(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Scenarios.Value.TryGetValue(name.ToLowerInvariant(), out var scenario)
            ? scenario
            : throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));
    }

    private static Dictionary<string, IScenario> Discover()
    {
        var found = new Dictionary<string, IScenario>(StringComparer.Ordinal);
        foreach (var type in typeof(ScenarioCatalog).Assembly.GetTypes())
        {
            if (!type.IsClass || type.IsAbstract || !typeof(IScenario).IsAssignableFrom(type)
                || type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is null)
            {
                continue;
            }

            var scenario = (IScenario)Activator.CreateInstance(type)!;
            if (!found.TryAdd(scenario.Name.ToLowerInvariant(), scenario))
            {
                throw new InvalidOperationException($"Two scenarios are named '{scenario.Name}'.");
            }
        }

        return found;
    }
}
