using System.Runtime.InteropServices;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// CPU time of the calling thread (user + system), for the leaderboard's fit CPU-seconds. A trial that runs on one
/// thread does all its fitting on the thread that calls <c>Fit</c> (the trainers' parallel loops run inline at one
/// degree of parallelism), so the difference of two readings around the fit is its CPU time even while other trials
/// run beside it; wall-clock time would count the time the thread waited for a core.
/// </summary>
internal static partial class CpuClock
{
    private const int LinuxThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID in <time.h> on Linux
    private const int MacThreadCpuClock = 16; // CLOCK_THREAD_CPUTIME_ID on macOS

    /// <summary>Seconds of CPU the calling thread has used, or null where the platform does not say.</summary>
    public static double? ThreadSeconds()
    {
        try
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                var clock = OperatingSystem.IsLinux() ? LinuxThreadCpuClock : MacThreadCpuClock;
                return ClockGetTime(clock, out var now) == 0 ? now.Seconds + (now.Nanoseconds * 1e-9) : null;
            }

            if (OperatingSystem.IsWindows())
            {
                // FILETIMEs count 100 ns ticks.
                return GetThreadTimes(GetCurrentThread(), out _, out _, out var kernel, out var user) ? (kernel + user) * 1e-7 : null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        return null;
    }

    /// <summary>Seconds of CPU the whole process has used (every thread, the runtime's included).</summary>
    public static double ProcessSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [LibraryImport("kernel32")]
    private static partial nint GetCurrentThread();

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetThreadTimes(nint thread, out long creation, out long exit, out long kernel, out long user);
}

/// <summary>
/// Sums the CPU seconds of a trial's fits. A trial on one thread reads that thread's clock, exact however many trials
/// run beside it; a trial on several threads reads the process clock, which is its own only when it is the one trial
/// running. Otherwise, or where the platform has no thread clock, <see cref="Seconds"/> is NaN.
/// </summary>
internal struct FitCpuClock(int threads, int parallelTrials)
{
    private readonly bool _thread = threads == 1;
    private readonly bool _process = threads > 1 && parallelTrials == 1;
    private double _started = double.NaN;
    private double _sum;

    public readonly double Seconds => _thread || _process ? _sum : double.NaN;

    public void Start() => _started = Read() ?? double.NaN;

    public void Stop()
    {
        if (Read() is { } now && double.IsFinite(_started))
        {
            _sum += now - _started;
        }
        else
        {
            _sum = double.NaN;
        }
    }

    private readonly double? Read() => _thread ? CpuClock.ThreadSeconds() : _process ? CpuClock.ProcessSeconds() : null;
}
