using System.Collections.Concurrent;
using System.Net.Sockets;
using EnterpriseML.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// <see cref="StartupFailureLogging"/> drops exactly one log entry, the .NET host's "Hosting failed to start", and only
/// for a failure that <see cref="StartupFailure"/> explains in the one line Program.cs prints; a real host (the generic
/// host the Worker runs) starts a hosted service that fails, and every other entry reaches the logging providers.
/// </summary>
public sealed class StartupFailureLoggingTests
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Start_UnreachableDatabase_HostsEntryDroppedOnlyWithTheFilterAndOthersKept(bool filtered)
    {
        var failure = new SocketException((int)SocketError.ConnectionRefused);

        var (entries, thrown) = await StartFailingHostAsync(failure, filtered);

        Assert.Same(failure, thrown);
        Assert.NotNull(StartupFailure.Describe(thrown));
        Assert.Equal(!filtered, entries.Any(e => e.Category == HostCategory && e.EventId.Id == 11));
        Assert.Contains(entries, e => e.Category == HostCategory && e.EventId.Id == 9 && ReferenceEquals(e.Exception, failure));
        Assert.Contains(entries, e => e.Message == "starting the failing service");
    }

    [Fact]
    public async Task Start_Bug_HostsEntryKeptWithItsException()
    {
        var bug = new InvalidOperationException("a bug, not a setting");

        var (entries, thrown) = await StartFailingHostAsync(bug, filtered: true);

        Assert.Same(bug, thrown);
        Assert.Null(StartupFailure.Describe(thrown));
        var entry = Assert.Single(entries, e => e.Category == HostCategory && e.EventId.Id == 11);
        Assert.Equal("Hosting failed to start", entry.Message);
        Assert.Same(bug, entry.Exception);
    }

    private static async Task<(IReadOnlyList<Entry> Entries, Exception Thrown)> StartFailingHostAsync(Exception failure, bool filtered)
    {
        var recorder = new Recorder();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(recorder);
        if (filtered)
        {
            builder.Logging.LeaveExplainedStartupFailuresToProgram();
        }

        builder.Services.AddHostedService(services => new FailingService(failure, services.GetRequiredService<ILogger<FailingService>>()));
        using var host = builder.Build();
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        // Another entry of the host's category with the same exception, as the host writes when a background service
        // fails: only the start-up failure entry is Program.cs's to replace.
        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(HostCategory)
            .LogError(new EventId(9, "BackgroundServiceFaulted"), failure, "BackgroundService failed");
        return ([.. recorder.Entries], thrown);
    }

    private sealed record Entry(string Category, EventId EventId, string Message, Exception? Exception);

    private sealed class FailingService(Exception failure, ILogger<FailingService> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogInformation("starting the failing service");
            return Task.FromException(failure);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A logging provider that keeps every entry it is given.</summary>
    private sealed class Recorder : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(Recorder recorder, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                recorder.Entries.Enqueue(new Entry(category, eventId, formatter(state, exception), exception));
        }
    }
}
