using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Trainers;

/// <summary>
/// The "Default X" that each option's XML documentation states (the text users read in the IDE, and the source of the
/// option tables) is the value a new options object has, for every catalog trainer and every recommendation trainer.
/// </summary>
public sealed partial class OptionDefaultsDocTests
{
    private static readonly Lazy<Dictionary<string, string>> Summaries = new(() =>
    {
        var path = Path.ChangeExtension(typeof(TrainerCatalog).Assembly.Location, ".xml");
        return XDocument.Load(path).Descendants("member")
            .Where(m => ((string?)m.Attribute("name"))?.StartsWith("P:", StringComparison.Ordinal) == true)
            .ToDictionary(m => ((string)m.Attribute("name")!)[2..], m => Normalize(m.Element("summary")?.Value ?? ""), StringComparer.Ordinal);
    });

    public static IEnumerable<object[]> OptionsTypes() =>
        TrainerCatalog.All.Select(d => d.OptionsType)
            .Concat([typeof(ImplicitAlsOptions), typeof(MatrixFactorizationOptions), typeof(ItemKnnOptions), typeof(PopularityOptions)])
            .Distinct()
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new object[] { t.Name });

    [Theory]
    [MemberData(nameof(OptionsTypes))]
    public void Options_DocumentedDefault_IsTheValueOfANewObject(string typeName)
    {
        var type = typeof(TrainerCatalog).Assembly.GetTypes().Single(t => t.Name == typeName);
        var instance = Activator.CreateInstance(type)!;
        var checkedCount = 0;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            // Inherited properties are documented on the declaring type.
            var key = $"{property.DeclaringType!.FullName}.{property.Name}";
            if (!Summaries.Value.TryGetValue(key, out var summary) || DefaultPattern().Match(summary) is not { Success: true } match)
            {
                continue;
            }

            var documented = match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal).Replace('−', '-');
            var actual = property.GetValue(instance);
            if (documented == "null")
            {
                Assert.True(actual is null, $"{typeName}.{property.Name}: documented default null, actual {actual}.");
            }
            else if (actual is bool b)
            {
                Assert.True(bool.Parse(documented) == b, $"{typeName}.{property.Name}: documented default {documented}, actual {b}.");
            }
            else
            {
                var value = Convert.ToDouble(actual, CultureInfo.InvariantCulture);
                Assert.True(double.Parse(documented, CultureInfo.InvariantCulture) == value, $"{typeName}.{property.Name}: documented default {documented}, actual {value}.");
            }

            checkedCount++;
        }

        Assert.True(checkedCount > 0, $"{typeName}: no documented default found.");
    }

    private static string Normalize(string text) => WhitespacePattern().Replace(text, " ").Trim();

    [GeneratedRegex(@"Default (null|true|false|[−-]?[0-9][0-9,]*(?:\.[0-9]+)?(?:e[−-]?[0-9]+)?)(?=[;.\s(]|$)")]
    private static partial Regex DefaultPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
