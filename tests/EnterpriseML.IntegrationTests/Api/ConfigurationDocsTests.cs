using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// The settings the code reads, appsettings.json, docker-compose.yml and README.md's configuration table agree: every
/// key the code binds or reads is documented with its default, every documented key is read by the code or set in
/// appsettings.json, and appsettings.json and docker-compose.yml set no key that nothing reads.
/// </summary>
public sealed partial class ConfigurationDocsTests
{
    /// <summary>The options classes: every class with a <c>Section</c> constant (as <c>StartupFailure</c> names a setting).</summary>
    private static IEnumerable<Type> OptionsTypes() =>
        new[] { typeof(Program).Assembly, typeof(JobsOptions).Assembly, typeof(StorageOptions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true });

    /// <summary>Each bound key (<c>Section:Property</c>) with its default as the code has it (null when it has none).</summary>
    private static Dictionary<string, object?> BoundKeys()
    {
        var keys = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var type in OptionsTypes())
        {
            var section = (string)type.GetField("Section")!.GetValue(null)!;
            var defaults = Activator.CreateInstance(type);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                keys[$"{section}:{property.Name}"] = property.GetValue(defaults);
            }
        }

        return keys;
    }

    /// <summary>Keys the code reads by name rather than through an options class (<c>configuration["Auth:BootstrapKey"]</c>, connection strings).</summary>
    private static HashSet<string> ReadByName()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            keys.UnionWith(ReadByIndexer().Matches(text).Select(m => m.Groups["key"].Value));
            keys.UnionWith(ReadByConnectionString().Matches(text).Select(m => "ConnectionStrings:" + m.Groups["name"].Value));
        }

        return keys;
    }

    /// <summary>README.md's configuration table: key → default cell, without backticks.</summary>
    private static Dictionary<string, string> DocumentedKeys()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var start = readme.IndexOf("\n## Configuration\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Configuration' section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var documented = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match row in ConfigurationRow().Matches(section))
        {
            Assert.True(documented.TryAdd(row.Groups["key"].Value, row.Groups["default"].Value.Trim().Trim('`')), $"README.md documents {row.Groups["key"].Value} twice.");
        }

        return documented;
    }

    /// <summary>appsettings.json's leaf keys with their values as configuration reads them (strings).</summary>
    private static Dictionary<string, string> AppSettings()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "appsettings.json")));
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(json.RootElement, "");
        return leaves;

        void Walk(JsonElement element, string prefix)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in element.EnumerateObject())
                {
                    Walk(p.Value, prefix.Length == 0 ? p.Name : prefix + ":" + p.Name);
                }
            }
            else
            {
                leaves[prefix] = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
            }
        }
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    [Fact]
    public void ReadmeTable_EveryKeyTheCodeReads_DocumentedWithItsDefault()
    {
        var bound = BoundKeys();
        var byName = ReadByName();
        var documented = DocumentedKeys();

        Assert.Contains("Jobs:MaxTrialSeconds", bound.Keys);
        Assert.Contains("Auth:BootstrapKey", byName);
        Assert.Contains("ConnectionStrings:Postgres", byName);
        var undocumented = bound.Keys.Concat(byName).Where(k => !documented.ContainsKey(k)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(undocumented.Count == 0, "Read by the code but not in README.md's configuration table: " + string.Join(", ", undocumented));

        var wrongDefaults = bound
            .Where(b => Format(b.Value) is { } value && documented[b.Key] != value)
            .Select(b => $"{b.Key}: README says '{documented[b.Key]}', the code's default is '{Format(b.Value)}'")
            .ToList();
        Assert.True(wrongDefaults.Count == 0, string.Join("; ", wrongDefaults));
    }

    [Fact]
    public void AppSettings_EveryKey_ReadByTheCodeAndDocumented()
    {
        var bound = BoundKeys();
        var byName = ReadByName();
        var documented = DocumentedKeys();
        var settings = AppSettings();

        Assert.NotEmpty(settings);
        var undocumented = settings.Keys.Where(k => !documented.ContainsKey(k)).ToList();
        Assert.True(undocumented.Count == 0, "In appsettings.json but not in README.md's configuration table: " + string.Join(", ", undocumented));

        // A key that no options class binds and the code does not read by name is one the framework reads (Logging,
        // AllowedHosts); anything else in appsettings.json would be silently ignored.
        var unread = settings.Keys.Where(k => !bound.ContainsKey(k) && !byName.Contains(k) && !k.StartsWith("Logging:", StringComparison.Ordinal) && k != "AllowedHosts").ToList();
        Assert.True(unread.Count == 0, "In appsettings.json but read by nothing: " + string.Join(", ", unread));

        // Where appsettings.json sets a bound key, it sets the default README documents (an empty string is no value).
        var differing = settings
            .Where(s => bound.TryGetValue(s.Key, out var d) && s.Value.Length > 0 && !string.Equals(s.Value, Format(d), StringComparison.Ordinal))
            .Select(s => $"{s.Key}: appsettings.json '{s.Value}', default '{Format(bound[s.Key])}'")
            .ToList();
        Assert.True(differing.Count == 0, string.Join("; ", differing));

        // Framework keys documented in README take their default from appsettings.json.
        var frameworkDefaults = settings.Where(s => !bound.ContainsKey(s.Key) && !byName.Contains(s.Key) && documented[s.Key] != s.Value)
            .Select(s => $"{s.Key}: README says '{documented[s.Key]}', appsettings.json '{s.Value}'").ToList();
        Assert.True(frameworkDefaults.Count == 0, string.Join("; ", frameworkDefaults));
    }

    [Fact]
    public void ReadmeTable_EveryDocumentedKey_ReadByTheCodeOrInAppSettings()
    {
        var bound = BoundKeys();
        var byName = ReadByName();
        var settings = AppSettings();

        var unknown = DocumentedKeys().Keys.Where(k => !bound.ContainsKey(k) && !byName.Contains(k) && !settings.ContainsKey(k)).ToList();
        Assert.True(unknown.Count == 0, "In README.md's configuration table but read by nothing: " + string.Join(", ", unknown));
    }

    [Fact]
    public async Task DockerCompose_EverySetting_ReadByTheCode()
    {
        var bound = BoundKeys();
        var byName = ReadByName();
        var compose = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "docker-compose.yml"));

        var keys = ComposeSetting().Matches(compose).Select(m => m.Groups["key"].Value.Replace("__", ":", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Contains("ConnectionStrings:Postgres", keys);
        var unread = keys.Where(k => !bound.ContainsKey(k) && !byName.Contains(k)).ToList();
        Assert.True(unread.Count == 0, "docker-compose.yml sets settings that nothing reads: " + string.Join(", ", unread));
    }

    [GeneratedRegex(@"onfiguration\[""(?<key>[A-Za-z]+:[A-Za-z:]+)""\]|GetValue<[^>]+>\(""(?<key>[A-Za-z]+:[A-Za-z:]+)""\)")]
    private static partial Regex ReadByIndexer();

    [GeneratedRegex(@"GetConnectionString\(""(?<name>[A-Za-z]+)""\)")]
    private static partial Regex ReadByConnectionString();

    [GeneratedRegex(@"^\| `(?<key>[A-Za-z][A-Za-z.:<>]*)` \| (?<default>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex ConfigurationRow();

    [GeneratedRegex(@"^\s+(?<key>[A-Z][A-Za-z]*__[A-Za-z_]+):", RegexOptions.Multiline)]
    private static partial Regex ComposeSetting();
}
