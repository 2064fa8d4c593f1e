using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Cli.Commands;

/// <summary>Turns user errors into one precise line on stderr and exit code 2; anything else is a bug and keeps its stack trace.</summary>
internal static class CliErrors
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("eml: cancelled.");
            return 130;
        }
        catch (Exception e) when (e is CsvFormatException or ModelFormatException or ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException or NotSupportedException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("eml: error: " + e.Message);
            return 2;
        }
    }
}
