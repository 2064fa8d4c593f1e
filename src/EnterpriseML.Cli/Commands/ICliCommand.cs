using System.CommandLine;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// One top-level `eml` sub-command. Implementations are discovered by <see cref="Program"/>, so adding a command
/// is adding one file.
/// </summary>
internal interface ICliCommand
{
    Command Create();
}
