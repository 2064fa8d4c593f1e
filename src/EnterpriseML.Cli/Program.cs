using System.CommandLine;
using EnterpriseML.Cli.Commands;

namespace EnterpriseML.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("eml: EnterpriseML from a terminal (train, evaluate, predict, automl, recommend, migrate).");
        foreach (var type in typeof(Program).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
                     .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            root.Subcommands.Add(((ICliCommand)Activator.CreateInstance(type)!).Create());
        }

        return await root.Parse(args).InvokeAsync();
    }
}
