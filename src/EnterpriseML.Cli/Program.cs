using System.CommandLine;
using EnterpriseML.Cli.Commands;
using Spectre.Console;

namespace EnterpriseML.Cli;

internal static class Program
{
    /// <summary>Width of tables written to a file or a pipe, where no terminal says how wide a line may be.</summary>
    internal const int RedirectedWidth = 160;

    public static async Task<int> Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // A file or a pipe gets plain text: no escape codes, and tables at a fixed width instead of the 80 columns
            // Spectre assumes, which broke candidate names across lines.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            AnsiConsole.Console.Profile.Width = RedirectedWidth;
        }

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
