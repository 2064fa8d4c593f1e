using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// Turns user errors (bad input, and the file system refusing a path) into one precise line on stderr and exit code 2;
/// anything else is a bug and keeps its stack trace.
/// </summary>
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
        catch (Exception e) when (e is CsvFormatException or ModelFormatException or ArgumentException or FormatException or IOException or UnauthorizedAccessException or KeyNotFoundException or NotSupportedException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("eml: error: " + Describe(e));
            return 2;
        }
    }

    /// <summary>
    /// ArgumentException appends "(Parameter 'x')". Options validated by the engine use their PascalCase option name as
    /// the parameter, which the user typed in <c>--set</c>: lead with it. A camelCase C# parameter name means nothing
    /// to the user: drop it.
    /// </summary>
    internal static string Describe(Exception e)
    {
        if (e is not ArgumentException { ParamName: { Length: > 0 } name })
        {
            return e.Message;
        }

        var message = e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal).ReplaceLineEndings(" ");
        return char.IsUpper(name[0]) && !message.Contains(name, StringComparison.Ordinal) ? $"{name}: {message}" : message;
    }
}

/// <summary>Checks of the files the options name, before any work: errors name the option and the path.</summary>
internal static class CliPaths
{
    /// <summary>A file to read: a directory of that name is an error naming the option (a missing file is left to the reader's message).</summary>
    public static string Input(string path, string option) => Directory.Exists(path)
        ? throw new ArgumentException($"{option} '{path}' is a directory; {option} names a file to read.")
        : path;

    /// <summary>
    /// Runs <paramref name="read"/> on rows of <paramref name="path"/>: an <see cref="ArgumentException"/> about those
    /// rows (a label value the training rows do not have) gets the file's name in front, since the training file's
    /// rows say the same thing in the same words.
    /// </summary>
    public static T InFile<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Path.GetFileName(path)}: {CliErrors.Describe(e)}", e);
        }
    }

    /// <summary>A file to write: a directory of that name is an error naming the option.</summary>
    public static string Output(string path, string option) => Directory.Exists(path)
        ? throw new ArgumentException($"{option} '{path}' is a directory; {option} names the file to write.")
        : path;
}

/// <summary>Checks of option combinations that more than one command takes.</summary>
internal static class CliOptions
{
    /// <summary><c>--positive</c> names a class of a binary label: with any other task it is an error, not ignored.</summary>
    public static void PositiveNeedsBinary(string? positive, string label, TaskKind task)
    {
        if (positive is not null && task != TaskKind.Binary)
        {
            throw new ArgumentException($"--positive '{positive}' names the positive class of a binary label; '{label}' is a {task.ToString().ToLowerInvariant()} label.");
        }
    }
}
