using System.CommandLine;
using System.CommandLine.Invocation;
using EnterpriseML.Cli.Commands;
using Spectre.Console;

namespace EnterpriseML.Cli;

internal static class Program
{
    /// <summary>
    /// Width given to Spectre for a file or a pipe, where no terminal says how wide a line may be: wide enough that no
    /// line (a trial with all its parameters, the winner's sentence) is broken, since a log is read and grepped a line at
    /// a time. Tables are sized to their content, not to this width.
    /// </summary>
    internal const int RedirectedWidth = 4096;

    /// <summary>
    /// How long Ctrl-C / SIGTERM waits for a command to stop by itself (it checks its cancellation token once per trial,
    /// epoch or file) and clean up its temporary files before the process exits anyway.
    /// </summary>
    internal static readonly TimeSpan TerminationTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // A file or a pipe gets plain text: no escape codes, and no line broken at the 80 columns Spectre assumes.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            AnsiConsole.Console.Profile.Width = RedirectedWidth;
        }

        var root = new RootCommand("eml: EnterpriseML from a terminal (train, predict, automl, recommend, migrate).");
        foreach (var type in typeof(Program).Assembly.GetTypes()
                     .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
                     .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            root.Subcommands.Add(((ICliCommand)Activator.CreateInstance(type)!).Create());
        }

        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // A mistyped command line is a user error like any other: one line per problem on stderr and exit code 2,
            // not the help text on stdout (where a script reading --json would get it).
            foreach (var line in CliErrors.DescribeParseErrors(parse))
            {
                await Console.Error.WriteLineAsync(line);
            }

            return 2;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TerminationTimeout });
    }
}
