using System.Text.RegularExpressions;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// Every command's <c>--help</c> lists the options of its synopsis in the docs (docs/cli.md, docs/automl.md,
/// docs/recommendation.md), and the synopsis names no option the command lacks.
/// </summary>
public sealed partial class CliHelpDocsTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("predict")]
    [InlineData("recommend")]
    [InlineData("migrate")]
    [InlineData("automl")]
    public async Task Help_Options_AreTheDocumentedSynopsis(string command)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, [command, "--help"]);
        Assert.True(code == 0, stderr);
        var help = HelpOption().Matches(stdout).Select(m => m.Groups["name"].Value).Where(n => n != "--help").ToHashSet();

        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "cli.md", "automl.md", "recommendation.md" })
        {
            var inCode = false;
            var inSynopsis = false;
            foreach (var line in await File.ReadAllLinesAsync(Path.Combine(TestPaths.RepositoryRoot, "docs", file)))
            {
                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    inCode = !inCode;
                    inSynopsis = false;
                    continue;
                }

                if (!inCode)
                {
                    continue;
                }

                if (line.StartsWith("eml ", StringComparison.Ordinal))
                {
                    inSynopsis = line == $"eml {command}" || line.StartsWith($"eml {command} ", StringComparison.Ordinal);
                }
                else if (!line.StartsWith(' '))
                {
                    inSynopsis = false;
                }

                if (inSynopsis)
                {
                    documented.UnionWith(SynopsisOption().Matches(line).Select(m => m.Value));
                }
            }
        }

        Assert.NotEmpty(help);
        Assert.Equal(documented.Order(StringComparer.Ordinal), help.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The parser prints each option's default (<c>[default: 60]</c>); a description that says it again
    /// (<c>Wall-clock budget in seconds (default 60). [default: 60]</c>) reads as noise, and the two drift apart.
    /// </summary>
    [Theory]
    [InlineData("train")]
    [InlineData("predict")]
    [InlineData("recommend")]
    [InlineData("automl")]
    public async Task Help_EachDefault_StatedOnce(string command)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, [command, "--help"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("[default: ", stdout, StringComparison.Ordinal);
        var twice = stdout.Split('\n').Where(l => l.Contains("[default: ", StringComparison.Ordinal) && l.Contains("default", StringComparison.OrdinalIgnoreCase)
            && l[..l.IndexOf("[default: ", StringComparison.Ordinal)].Contains("default", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(twice.Count == 0, "Help lines that state their default twice:\n" + string.Join("\n", twice));
    }

    [GeneratedRegex(@"^\s+(?:-\S, )*(?<name>--[a-z][a-z-]*)", RegexOptions.Multiline)]
    private static partial Regex HelpOption();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex SynopsisOption();
}
