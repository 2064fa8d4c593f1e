using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace EnterpriseML.Jobs;

/// <summary>
/// Leaves a start-up failure that <see cref="StartupFailure"/> explains to the host's Program.cs: the .NET host logs its
/// own "Hosting failed to start" entry with the exception and its stack trace before rethrowing, and Program.cs then
/// prints the one line an operator needs. That one entry is dropped; every other entry, and that entry for an exception
/// <see cref="StartupFailure"/> does not explain (a bug), is logged as before.
/// </summary>
public static class StartupFailureLogging
{
    /// <summary>The category of the .NET host's own log entries.</summary>
    internal const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The host's "Hosting failed to start" event (Microsoft.Extensions.Hosting's LoggerEventIds).</summary>
    internal static readonly EventId HostedServiceStartupFaulted = new(11, "HostedServiceStartupFaulted");

    /// <summary>Drops the host's "Hosting failed to start" entry for a failure Program.cs explains in one line.</summary>
    public static ILoggingBuilder LeaveExplainedStartupFailuresToProgram(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        // The logger factory, not a provider, is wrapped: a wrapped provider would lose its alias ("Console") and with
        // it the Logging:Console:* filter settings.
        logging.Services.TryAddSingleton<LoggerFactory>();
        logging.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(
            services => new ExplainedStartupFailureLoggerFactory(services.GetRequiredService<LoggerFactory>())));
        return logging;
    }

    /// <summary>Whether the host's entry is one that Program.cs replaces with its own line.</summary>
    internal static bool IsExplainedStartupFailure(EventId eventId, Exception? exception) =>
        eventId.Id == HostedServiceStartupFaulted.Id
        && eventId.Name == HostedServiceStartupFaulted.Name
        && exception is not null
        && StartupFailure.Describe(exception) is not null;

    /// <summary>The service provider's logger factory, with the host's category filtered.</summary>
    private sealed class ExplainedStartupFailureLoggerFactory(LoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName == HostCategory ? new HostLogger(logger) : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The container disposes the LoggerFactory it created.
        public void Dispose()
        {
        }
    }

    private sealed class HostLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsExplainedStartupFailure(eventId, exception))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
