using System.Data.Common;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace EnterpriseML.Jobs;

/// <summary>
/// What an operator needs to read when a host (the API or the Worker) cannot start: the setting or the database, without
/// a stack trace.
/// </summary>
public static partial class StartupFailure
{
    /// <summary>
    /// The reason <paramref name="e"/> stopped the start, one line per problem; null for an exception that is not a
    /// configuration or connection problem (a bug), which keeps its stack trace.
    /// </summary>
    public static string? Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        IEnumerable<Exception> problems = e is AggregateException all ? all.Flatten().InnerExceptions : [e];
        var lines = new List<string>();
        foreach (var problem in problems)
        {
            switch (problem)
            {
                case OptionsValidationException invalid when invalid.OptionsType.Namespace?.StartsWith("EnterpriseML", StringComparison.Ordinal) == true:
                    lines.AddRange(invalid.Failures.Select(f => Setting(invalid.OptionsType, f)));
                    break;
                case OptionsValidationException:
                    // A library's own check of a value an EnterpriseML setting fed it (Quartz's idle wait from
                    // Jobs:IdleWaitMilliseconds) repeats a failure already named by its setting above.
                    break;
                case InvalidOperationException binding when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                    // "Failed to convert configuration value 'abc' at 'Jobs:MaxConcurrentSweeps' to type 'System.Int32'."
                    var key = BindingKey().Match(binding.Message) is { Success: true } at ? at.Groups["key"].Value : null;
                    lines.Add(key is null ? binding.Message : $"{binding.Message} Fix {key} in appsettings.json, the environment variable {key.Replace(":", "__", StringComparison.Ordinal)} or --{key}=.");
                    break;
                case DbException or SocketException or TimeoutException:
                    lines.Add($"the database cannot be reached (ConnectionStrings:Postgres, or Storage:DataDirectory for SQLite): {problem.Message}");
                    break;
                default:
                    return null;
            }
        }

        return lines.Count == 0 ? null : string.Join(Environment.NewLine + "  ", lines);
    }

    /// <summary>
    /// A data-annotation failure ("DataAnnotation validation failed for 'JobsOptions' members: 'IdleWaitMilliseconds'
    /// with the error: '…'.") as the setting an operator writes: "Jobs:IdleWaitMilliseconds: …".
    /// </summary>
    private static string Setting(Type options, string failure)
    {
        var match = DataAnnotationFailure().Match(failure);
        if (!match.Success)
        {
            return failure;
        }

        var section = options.GetField("Section")?.GetValue(null) as string ?? options.Name.Replace("Options", "", StringComparison.Ordinal);
        return $"{section}:{match.Groups["member"].Value}: {match.Groups["error"].Value}";
    }

    [GeneratedRegex(@" at '(?<key>[^']+)' to type ")]
    private static partial Regex BindingKey();

    [GeneratedRegex(@"members: '(?<member>[^']+)' with the error: '(?<error>.*)'\.$")]
    private static partial Regex DataAnnotationFailure();
}
