using System.Reflection;
using EnterpriseML.Engine.Scenarios.Recommendation;

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

    /// <summary>
    /// Every scenario a caller may name, sorted: <see cref="Names"/> and <see cref="RecommendationScenario.Name"/>,
    /// which ranks items for users from interactions and so is run by <see cref="RecommendationAutoMl"/> rather than
    /// through this catalog (the HTTP API and <c>eml automl</c> route it before they ask here).
    /// </summary>
    public static IReadOnlyList<string> KnownNames => [.. Names.Append(RecommendationScenario.Name).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The error for <paramref name="name"/>, a scenario nobody knows, listing <see cref="KnownNames"/>: one message for
    /// <see cref="Get"/>, the HTTP API and the command line.
    /// </summary>
    public static string UnknownScenario(string? name) => $"Unknown scenario '{name}'. Known: {string.Join(", ", KnownNames)}.";

    /// <summary>The scenario named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">
    /// Unknown name (the message lists the known ones), or <c>recommendation</c>, which is not a tabular scenario.
    /// </exception>
    public static IScenario Get(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Scenarios.Value.TryGetValue(name.ToLowerInvariant(), out var scenario))
        {
            return scenario;
        }

        throw string.Equals(name, RecommendationScenario.Name, StringComparison.OrdinalIgnoreCase)
            ? new ArgumentException($"Scenario '{RecommendationScenario.Name}' ranks items for users and is run by RecommendationAutoMl, not planned on a labelled table.", nameof(name))
            : new ArgumentException(UnknownScenario(name), nameof(name));
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
