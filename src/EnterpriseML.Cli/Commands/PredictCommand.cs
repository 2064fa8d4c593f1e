using System.CommandLine;
using System.Globalization;
using System.Text;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Scenarios.Fraud;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Cli.Commands;

/// <summary><c>eml predict</c>: score a CSV with a saved tabular model.</summary>
internal sealed class PredictCommand : ICliCommand
{
    public Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A model saved by eml train --save or eml automl --out.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "CSV with the model's input columns (extra columns are ignored).", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "Write predictions here (default: standard output)." };
        var maxColumns = CliOptions.MaxColumns();
        var encoding = CliOptions.Encoding();
        var command = new Command("predict", "Score a CSV with a saved model.") { model, input, output, maxColumns, encoding };
        command.SetAction((parse, ct) => CliErrors.RunAsync(async token =>
        {
            var target = parse.GetValue(output);
            if (target is not null)
            {
                CliPaths.Output(target.FullName, "--output");
                CliPaths.NotAnInput(target.FullName, "--output", ("--input", parse.GetValue(input)!.FullName), ("--model", parse.GetValue(model)!.FullName));
            }

            var limits = CliOptions.CsvLimits(parse.GetValue(maxColumns), parse.GetValue(encoding));
            var pipeline = ModelPipeline.Load(CliPaths.Input(parse.GetValue(model)!.FullName, "--model"));
            var file = parse.GetValue(input)!;
            CliPaths.CsvInput(file.FullName, "--input");
            // A header line alone is an empty batch, as the API answers it: the output's header line and no rows.
            var table = CsvTable.Read(file.FullName, new CsvOptions { SourceName = file.Name, ColumnTypes = pipeline.Schema.InputTypes, IgnoreUnknownColumnTypes = true, AllowHeaderOnly = true, MaxColumns = limits.MaxColumns, MaxColumnsSetting = limits.MaxColumnsSetting, Encoding = limits.Encoding, EncodingSetting = limits.EncodingSetting }, token);
            // An error about the rows (a column the model needs that the file lacks) names the file.
            var outputs = CliPaths.InFile(file.FullName, () => pipeline.Predict(table, token));
            if (table.RowCount == 0)
            {
                await Console.Error.WriteLineAsync($"eml: warning: {file.Name} holds a header line only, no data rows: the output is the header line alone.");
            }
            if (target is null)
            {
                Write(pipeline, outputs, table.RowCount, Console.Out);
            }
            else
            {
                Atomic.WriteFile(target.FullName, stream =>
                {
                    using var writer = new StreamWriter(stream, new UTF8Encoding(false));
                    Write(pipeline, outputs, table.RowCount, writer);
                });
            }

            return 0;
        }, ct));
        return command;
    }

    /// <summary>
    /// CSV: binary <c>label,probability</c>, and a third column <c>alert</c> (<c>true</c> when the probability is at or
    /// above the model's alert threshold, else <c>false</c>) for a model with one (fraud's cost-sensitive GBDT; its
    /// label stays at 0.5); multiclass <c>label,p_CLASS...</c>; regression <c>value</c>.
    /// </summary>
    internal static void Write(ModelPipeline pipeline, float[] outputs, int rows, TextWriter writer)
    {
        var schema = pipeline.Schema;
        var inv = CultureInfo.InvariantCulture;
        switch (schema.Task)
        {
            case TaskKind.Binary:
                var threshold = FraudScenario.AlertThresholdOf(pipeline);
                writer.WriteLine(threshold is null ? "label,probability" : "label,probability,alert");
                for (var i = 0; i < rows; i++)
                {
                    var p = outputs[i];
                    writer.Write(Csv(schema.ClassNames[p >= 0.5f ? 1 : 0]));
                    writer.Write(',');
                    writer.Write(p.ToString("R", inv));
                    if (threshold is { } t)
                    {
                        writer.Write(p >= t ? ",true" : ",false");
                    }

                    writer.WriteLine();
                }

                break;
            case TaskKind.Multiclass:
                var k = schema.ClassNames.Count;
                writer.WriteLine("label," + string.Join(',', schema.ClassNames.Select(c => Csv("p_" + c))));
                for (var i = 0; i < rows; i++)
                {
                    var row = outputs.AsSpan(i * k, k);
                    var best = 0;
                    for (var c = 1; c < k; c++)
                    {
                        if (row[c] > row[best])
                        {
                            best = c;
                        }
                    }

                    writer.Write(Csv(schema.ClassNames[best]));
                    foreach (var p in row)
                    {
                        writer.Write(',');
                        writer.Write(p.ToString("R", inv));
                    }

                    writer.WriteLine();
                }

                break;
            default:
                writer.WriteLine("value");
                for (var i = 0; i < rows; i++)
                {
                    writer.WriteLine(outputs[i].ToString("R", inv));
                }

                break;
        }
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
