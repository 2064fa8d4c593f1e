using System.Globalization;
using EnterpriseML.Engine.AutoML;
using Spectre.Console;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// One console line per finished trial: the progress of a sweep where a live table cannot redraw (the recommendation
/// sweep, and <c>eml automl</c> writing to a file or a pipe). The sweep reports from other threads; Spectre's console
/// writes whole lines safely.
/// </summary>
internal sealed class TrialLines(string metricName) : IProgress<SweepEvent>
{
    public void Report(SweepEvent value)
    {
        if (value.Kind != SweepEventKind.TrialFinished || value.Trial is not { } t)
        {
            return;
        }

        var status = StatusMarkup(t);
        var left = value.Remaining is { } r ? r.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s left" : string.Empty;
        var score = double.IsFinite(t.ValidationScore) ? t.ValidationScore.ToString("0.0000", CultureInfo.InvariantCulture) : "–";
        var kind = KindMarkup(t) + (t.Kind == CandidateKind.General ? "    " : "");
        var parameters = Markup.Escape(string.Join(" ", t.Parameters.Select(p => p.Key + "=" + p.Value)));
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"#{t.Index,-3} {Markup.Escape(t.Candidate),-22} {kind} {status} {Markup.Escape(metricName)} {score}  fit {t.ReportedFitSeconds():0.00} CPU s  {parameters}  [grey]{left} · best {Markup.Escape(value.Best?.Candidate ?? "–")}[/]"));
    }

    /// <summary>A trial's kind, coloured as everywhere in the CLI.</summary>
    internal static string KindMarkup(TrialRecord t) => t.Kind == CandidateKind.General ? "[blue]general[/]" : "[darkorange]specialised[/]";

    /// <summary>A trial's status: <c>ok</c> in green, anything else in red.</summary>
    internal static string StatusMarkup(TrialRecord t) =>
        t.Status == TrialStatus.Succeeded ? "[green]ok[/]" : $"[red]{t.Status.ToString().ToLowerInvariant()}[/]";
}
