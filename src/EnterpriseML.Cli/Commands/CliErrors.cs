using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// Turns user errors (bad input, and the file system refusing a path) into one precise line on stderr and exit code 2;
/// anything else is a bug and keeps its stack trace.
/// </summary>
internal static partial class CliErrors
{
    /// <summary>
    /// Runs a command's work: user errors become one line <c>eml: error: ...</c> and exit code 2; Ctrl-C (the token)
    /// becomes <c>eml: cancelled.</c> and 130. The work runs on the thread pool, so that the command line's signal
    /// handler is in place while it runs: much of it (reading, fitting, saving) is synchronous, and a signal that
    /// arrived before the first await would otherwise kill the process mid-write instead of cancelling the token.
    /// </summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(() => action(cancellationToken), CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("eml: cancelled.");
            return 130;
        }
        catch (Exception e) when (e is CsvFormatException or ModelFormatException or ArgumentException or FormatException or IOException
                                       or UnauthorizedAccessException or KeyNotFoundException or NotSupportedException or InvalidOperationException
                                       or SweepFailedException or DbException)
        {
            // DbException: the database named by --postgres refused or could not be reached; its message says which.
            await Console.Error.WriteLineAsync("eml: error: " + Describe(e));
            return 2;
        }
    }

    /// <summary>
    /// The lines for a command line that does not parse (an unknown option, a value of the wrong type, a missing
    /// required option): each error in the user's terms, a suggestion for a mistyped option or command, and where the
    /// usage is.
    /// </summary>
    public static IEnumerable<string> DescribeParseErrors(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
            .Concat(command.Subcommands.Select(c => c.Name))
            .Where(n => !n.StartsWith("-?", StringComparison.Ordinal) && n != "-h")
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        foreach (var error in parse.Errors)
        {
            var message = error.Message;
            if (TypeError().Match(message) is { Success: true } typed)
            {
                message = $"{typed.Groups["option"].Value}: '{typed.Groups["value"].Value}' is not {Expected(typed.Groups["type"].Value)}.";
            }
            else if (Unrecognized().Match(message) is { Success: true } unknown && Closest(unknown.Groups["token"].Value, names) is { } suggestion)
            {
                message = $"{message.TrimEnd('.')}; did you mean '{suggestion}'?";
            }

            yield return "eml: error: " + message;
        }

        var path = parse.CommandResult.Command == parse.RootCommandResult.Command ? "eml" : $"eml {command.Name}";
        yield return $"See '{path} --help' for the {(command.Subcommands.Count > 0 ? "commands" : "options")}.";
    }

    /// <summary>What a value of <paramref name="typeName"/> (as System.CommandLine spells it) must look like.</summary>
    private static string Expected(string typeName) => typeName.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']') switch
    {
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.IO.FileInfo" => "a file path",
        "System.IO.DirectoryInfo" => "a directory path",
        var other => $"a value of type {other}",
    };

    /// <summary>The name within edit distance 2 (and under a third of its length) of <paramref name="token"/>, closest first.</summary>
    internal static string? Closest(string token, IReadOnlyCollection<string> names) => names
        .Select(n => (Name: n, Distance: EditDistance(token, n)))
        .Where(c => c.Distance <= Math.Min(2, Math.Max(1, c.Name.Length / 3)))
        .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
        .Select(c => c.Name)
        .FirstOrDefault();

    /// <summary>Levenshtein distance, with a swap of two neighbouring characters counting as one edit (Damerau's rule).</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.$")]
    private static partial Regex TypeError();

    [GeneratedRegex(@"^Unrecognized command or argument '(?<token>.+)'\.$")]
    private static partial Regex Unrecognized();

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
    /// <summary>
    /// A file to read: a directory of that name, or no file at all, is an error naming the option and the path (and,
    /// for a path whose directory is missing, the first directory that is).
    /// </summary>
    public static string Input(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{option} '{path}' is a directory; {option} names a file to read.");
        }

        if (!File.Exists(path))
        {
            var full = Path.GetFullPath(path);
            var missing = Path.GetDirectoryName(full);
            while (missing is not null && Path.GetDirectoryName(missing) is { } parent && !Directory.Exists(parent))
            {
                missing = parent;
            }

            throw new FileNotFoundException(missing is not null && !Directory.Exists(missing)
                ? $"{option} '{path}': no such file; the directory '{missing}' does not exist."
                : $"{option} '{path}': no such file.", path);
        }

        return path;
    }

    /// <summary>
    /// A CSV file to read (<see cref="Input"/>): a model file given where data is expected (<c>--train m.eml</c> for
    /// <c>--model m.eml</c>) is an error saying so, not the reader's "not UTF-8 text" at the first byte of its payload.
    /// </summary>
    public static string CsvInput(string path, string option)
    {
        Input(path, option);
        Span<byte> head = stackalloc byte[4];
        using (var file = File.OpenRead(path))
        {
            if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || !head.SequenceEqual("EMLM"u8))
            {
                return path;
            }
        }

        throw new ArgumentException($"{option} '{path}' is an EnterpriseML model file, not a CSV; {option} names a data file (a model is read by eml predict --model or eml recommend --model).");
    }

    /// <summary>
    /// An output file must not be one of the command's input files: writing a model over its training CSV, or
    /// predictions over the CSV they score, would destroy the data (the atomic write would do it without a word).
    /// Paths are compared after resolving symbolic links, so a link to the input is the input.
    /// </summary>
    public static void NotAnInput(string output, string outputOption, params (string Option, string? Path)[] inputs)
    {
        var target = Resolved(output);
        foreach (var (option, path) in inputs)
        {
            if (path is not null && string.Equals(Resolved(path), target, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{outputOption} '{output}' is the {option} file; writing there would overwrite the file it reads. Name another file.");
            }
        }
    }

    /// <summary>
    /// The warning for a <c>--test</c> file that is the <c>--train</c> file (or a link to it), or null: its metrics are
    /// of rows the model was fitted on, which a user comparing them with a holdout's would not guess.
    /// </summary>
    public static string? TestIsTrainNote(string train, string? test) =>
        test is not null && string.Equals(Resolved(train), Resolved(test), StringComparison.Ordinal)
            ? $"--test names the --train file ({Path.GetFileName(test)}): the test metrics are of rows the model was trained on, so they overstate how it does on rows it has not seen; leave --test out for a holdout of --train, or give a file of other rows."
            : null;

    private static string Resolved(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return File.Exists(full) && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : full;
        }
        catch (IOException)
        {
            return full; // a link loop: the path itself, which the write would fail on anyway
        }
    }

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
            throw new ArgumentException(Prefixed(path, e), e);
        }
    }

    /// <summary>
    /// The error with the file's name before it: <c>f.csv: ...</c>, or <c>f.csv, line 7: ...</c> for an error that
    /// starts with its line, as the CSV reader's errors read.
    /// </summary>
    private static string Prefixed(string path, ArgumentException e)
    {
        var message = CliErrors.Describe(e);
        return message.StartsWith("line ", StringComparison.Ordinal)
            ? $"{Path.GetFileName(path)}, {message}"
            : $"{Path.GetFileName(path)}: {message}";
    }

    /// <summary>As <see cref="InFile{T}"/> for work that awaits (a sweep, whose validation split reads the rows first).</summary>
    public static async Task<T> InFileAsync<T>(string path, Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(Prefixed(path, e), e);
        }
    }

    /// <summary>
    /// A file to write: a directory of that name, or a file where one of its parent directories should be, is an error
    /// naming the option, before any work is done (missing parent directories are created when the file is written).
    /// </summary>
    public static string Output(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{option} '{path}' is a directory; {option} names the file to write.");
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        for (; parent is not null && !Directory.Exists(parent); parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
            {
                throw new ArgumentException($"{option} '{path}': '{parent}' is a file, so nothing can be written below it.");
            }
        }

        // Before the work, not after it: a directory that takes no file (no permission, a read-only or virtual file
        // system) is found now rather than when the model or predictions are ready to be written.
        if (parent is not null && WriteProblem(parent) is { } problem)
        {
            throw new ArgumentException($"{option} '{path}': cannot write in '{parent}' ({problem}).");
        }

        return path;
    }

    /// <summary>
    /// Why no file can be created in the existing <paramref name="directory"/>, or null when one can: a probe file is
    /// created there and deleted at once. The reason does not name the probe, whose name means nothing to the user.
    /// </summary>
    public static string? WriteProblem(string directory)
    {
        var probe = Path.Combine(directory, $".eml-write-check-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (IOException e)
        {
            return WithoutPath(e.Message, probe);
        }
    }

    /// <summary>
    /// A file system message without the name of the temporary or probe file it was about (<c>Could not find file
    /// '/proc/x.eml.tmp-42'.</c> becomes <c>the file system refused to create a file there</c>; <c>Read-only file
    /// system : '/mnt/x.tmp-42'</c> becomes <c>Read-only file system</c>).
    /// </summary>
    internal static string WithoutPath(string message, string path)
    {
        if (!message.Contains(path, StringComparison.Ordinal))
        {
            return message.TrimEnd('.');
        }

        var cut = message.Replace($" : '{path}'", "", StringComparison.Ordinal).Replace($"'{path}'", "", StringComparison.Ordinal).Replace(path, "", StringComparison.Ordinal).Trim().TrimEnd('.').Trim();
        // "Could not find file ''" of a virtual file system that takes no new file says nothing once the name is cut.
        return cut.StartsWith("Could not find file", StringComparison.Ordinal) || cut.Length == 0
            ? "the file system refused to create a file there"
            : cut;
    }
}

/// <summary>Checks of option combinations that more than one command takes.</summary>
internal static class CliOptions
{
    /// <summary>The option that raises the CSV column limit; the reader's too-many-columns error names it.</summary>
    public const string MaxColumnsName = "--max-columns";

    /// <summary>
    /// <c>--max-columns N</c> of the commands that read CSV: the most columns a file may have (default
    /// <see cref="CsvOptions.DefaultMaxColumns"/>). Outside [1, <see cref="CsvOptions.MaximumMaxColumns"/>] it is a
    /// parse error naming the option.
    /// </summary>
    public static Option<int> MaxColumns()
    {
        var option = new Option<int>(MaxColumnsName)
        {
            Description = string.Create(CultureInfo.InvariantCulture,
                $"Most columns a CSV file may have (1 to {CsvOptions.MaximumMaxColumns})."),
            DefaultValueFactory = _ => CsvOptions.DefaultMaxColumns,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > CsvOptions.MaximumMaxColumns)
            {
                result.AddError(CheckMaxColumnsMessage(value));
            }
        });
        return option;
    }

    /// <summary>
    /// The reader's limits under <c>--max-columns</c> and its encoding under <c>--encoding</c> (null: UTF-8, or UTF-16
    /// by its byte-order mark); throws naming the option when either is invalid.
    /// </summary>
    public static CsvOptions CsvLimits(int maxColumns, string? encoding = null)
    {
        if (maxColumns is < 1 or > CsvOptions.MaximumMaxColumns)
        {
            throw new ArgumentOutOfRangeException(nameof(maxColumns), maxColumns, CheckMaxColumnsMessage(maxColumns));
        }

        CsvEncoding? parsed = null;
        if (encoding is not null)
        {
            parsed = CsvEncodings.TryParse(encoding, out var e) ? e : throw new ArgumentException(CsvEncodings.UnknownMessage(encoding, EncodingName));
        }

        return new CsvOptions { MaxColumns = maxColumns, MaxColumnsSetting = MaxColumnsName, Encoding = parsed, EncodingSetting = EncodingName };
    }

    /// <summary>The name of the option that sets the text encoding of the CSV files a command reads.</summary>
    public const string EncodingName = "--encoding";

    /// <summary>The name of the option that sets the text encoding of the <c>--test</c> file alone.</summary>
    public const string TestEncodingName = "--test-encoding";

    /// <summary>
    /// <c>--encoding NAME</c> of the commands that read CSV: the files' text encoding (default: UTF-8, or UTF-16 when
    /// a file starts with a UTF-16 byte-order mark). An unknown name is a parse error listing the valid ones.
    /// </summary>
    public static Option<string?> Encoding() => EncodingOption(EncodingName,
        "Text encoding of the CSV files: " + string.Join(", ", CsvEncodings.Names) + " (default: utf-8, or utf-16 by its byte-order mark).");

    /// <summary>
    /// <c>--test-encoding NAME</c> of the commands that read a <c>--test</c> file: its text encoding when it differs
    /// from the training file's (default: <c>--encoding</c>'s). An unknown name is a parse error listing the valid ones.
    /// </summary>
    public static Option<string?> TestEncoding() => EncodingOption(TestEncodingName,
        "Text encoding of the --test file, the names of --encoding (default: --encoding's).");

    private static Option<string?> EncodingOption(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !CsvEncodings.TryParse(value, out _))
            {
                result.AddError(CsvEncodings.UnknownMessage(value, name));
            }
        });
        return option;
    }

    /// <summary>
    /// The reader's limits and encoding for the <c>--test</c> file: <c>--test-encoding</c> when given, else
    /// <c>--encoding</c>'s (null for both: UTF-8, or UTF-16 by its byte-order mark). The reader's encoding errors name
    /// <c>--test-encoding</c>, the option that changes this file's encoding alone, and say when its value came from
    /// <c>--encoding</c>. A <c>--test-encoding</c> without a <c>--test</c> file is an error, not ignored.
    /// </summary>
    public static CsvOptions TestCsvLimits(int maxColumns, string? encoding, string? testEncoding, string? testPath)
    {
        if (testEncoding is not null && testPath is null)
        {
            throw new ArgumentException($"{TestEncodingName} '{testEncoding}' sets the encoding of the --test file; there is no --test file (give one, or use {EncodingName} for --train).");
        }

        var limits = CsvLimits(maxColumns, encoding);
        if (testEncoding is null)
        {
            return new CsvOptions
            {
                MaxColumns = limits.MaxColumns, MaxColumnsSetting = limits.MaxColumnsSetting, Encoding = limits.Encoding,
                EncodingSetting = encoding is null ? TestEncodingName : $"{TestEncodingName} (unset, so {EncodingName}'s {CsvEncodings.NameOf(limits.Encoding!.Value)})",
            };
        }

        var parsed = CsvEncodings.TryParse(testEncoding, out var e) ? e : throw new ArgumentException(CsvEncodings.UnknownMessage(testEncoding, TestEncodingName));
        return new CsvOptions { MaxColumns = limits.MaxColumns, MaxColumnsSetting = limits.MaxColumnsSetting, Encoding = parsed, EncodingSetting = TestEncodingName };
    }

    private static string CheckMaxColumnsMessage(int value) => string.Create(CultureInfo.InvariantCulture,
        $"{MaxColumnsName} must be in [1, {CsvOptions.MaximumMaxColumns}]; got {value}.");

    /// <summary>A thread count below 1 is a parse error naming the option (the engine's own check would name its property).</summary>
    public static Option<int?> AtLeastOne(this Option<int?> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var value)
            {
                result.AddError($"{option.Name} must be at least 1; got {value}.");
            }
        });
        return option;
    }

    /// <summary>
    /// A <c>--test</c> file must hold every column of the training file (after <c>--ignore</c>): checked as soon as it
    /// is read, naming both files, rather than failing when the fitted model first meets the test rows.
    /// </summary>
    public static void TestHasTrainingColumns(DataTable train, DataTable test, string trainPath, string testPath)
    {
        var missing = train.Columns.Select(c => c.Name).Where(name => !test.TryGetColumn(name, out _)).ToArray();
        if (missing.Length > 0)
        {
            string Named(string m) => test.Columns.FirstOrDefault(c => string.Equals(c.Name, m, StringComparison.OrdinalIgnoreCase)) is { } other
                ? $"'{m}' (it has '{other.Name}'; names are matched as spelled)"
                : $"'{m}'";
            throw new ArgumentException($"{Path.GetFileName(testPath)}: no column{(missing.Length == 1 ? "" : "s")} {string.Join(", ", missing.Select(Named))}, which {Path.GetFileName(trainPath)} has; the test rows need every training column (--ignore leaves one out of both).");
        }
    }

    /// <summary>
    /// The reader's notes on feature columns whose type may not be what the file meant (numbers with a few strays read
    /// as categorical), as warnings that say what to do; the label has its own checks, ignored columns do not matter.
    /// </summary>
    public static IEnumerable<string> TypeNotes(DataTable table, string label, IEnumerable<string> ignore) =>
        SweepDataNotes.ColumnTypes(table.WithoutColumns(ignore), label, "--ignore the column");

    /// <summary>
    /// Feature columns that look like row identifiers (<see cref="IdentifierColumns"/>), as warnings that say what to
    /// do; they are still used, since a number in every row may as well be a measurement.
    /// </summary>
    public static IEnumerable<string> IdentifierNotes(DataTable table, string label, IEnumerable<string> ignore) =>
        SweepDataNotes.Identifiers(table.WithoutColumns(ignore), label, "--ignore the column");

    /// <summary>Feature columns empty in every row (<see cref="SweepDataNotes.EmptyColumns"/>), as warnings.</summary>
    public static IEnumerable<string> EmptyColumnNotes(DataTable table, string label, IEnumerable<string> ignore) =>
        SweepDataNotes.EmptyColumns(table.WithoutColumns(ignore), label);

    /// <summary>
    /// The message for an option naming a column <paramref name="file"/> lacks: the option, the name, the closest
    /// column when one is near (the same name in other letter case, or within <see cref="CliErrors.Closest"/>'s edit
    /// distance: <c>did you mean 'class'?</c>) and the file's columns after <paramref name="listLabel"/>.
    /// </summary>
    public static string NoSuchColumn(string option, string name, string file, IReadOnlyList<string> columns, string listLabel = "Available")
    {
        var closest = columns.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase))
                      ?? CliErrors.Closest(name, columns);
        var suggestion = closest is null ? "" : $"; did you mean '{closest}'?";
        return $"{option} '{name}': {file} has no column of that name{suggestion}{(closest is null ? "." : "")} {listLabel}: {string.Join(", ", columns)}.";
    }

    /// <summary>Options that only a recommendation run reads are an error elsewhere, not silently ignored.</summary>
    public static void OnlyForRecommendation(string what, params (string Option, object? Value)[] options)
    {
        foreach (var (option, value) in options)
        {
            if (value is not null)
            {
                throw new ArgumentException($"{option} applies to recommendation only, not to {what}.");
            }
        }
    }

    /// <summary><c>--positive</c> names a class of a binary label: with any other task it is an error, not ignored.</summary>
    public static void PositiveNeedsBinary(string? positive, string label, TaskKind task)
    {
        if (positive is not null && task != TaskKind.Binary)
        {
            throw new ArgumentException($"--positive '{positive}' names the positive class of a binary label; '{label}' is a {task.ToString().ToLowerInvariant()} label.");
        }
    }
}
