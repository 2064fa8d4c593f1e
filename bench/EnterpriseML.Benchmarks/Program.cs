using BenchmarkDotNet.Running;
using EnterpriseML.Benchmarks;

// `dotnet run -c Release --project bench/EnterpriseML.Benchmarks -- <command> [args]` runs a plain measurement
// (see IBenchCommand implementations); anything else goes to BenchmarkDotNet's switcher.
var commands = typeof(IBenchCommand).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchCommand).IsAssignableFrom(t))
    .Select(t => (IBenchCommand)Activator.CreateInstance(t)!)
    .ToDictionary(c => c.Name, StringComparer.Ordinal);
if (args.Length > 0 && commands.TryGetValue(args[0], out var command))
{
    return command.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(IBenchCommand).Assembly).Run(args);
return 0;
