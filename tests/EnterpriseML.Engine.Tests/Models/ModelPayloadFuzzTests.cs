using System.Buffers.Binary;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Sentiment;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Tests.Scenarios;
using EnterpriseML.Engine.Tests.Trainers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>
/// Model payloads edited under a valid checksum: for a saved model of every kind (each catalog trainer and task, the
/// scorecard, the sentiment text models, an ensemble, each recommender), bytes flipped, the payload cut short, runs
/// zeroed and large or negative numbers written over the payload's counts and indices, then the SHA-256 recomputed so
/// the edit passes the hash. Loading such a file from its path either gives a model that predicts without throwing or
/// a <see cref="ModelFormatException"/> that names the file; never another exception, an allocation far beyond the
/// file's size, or a hang.
/// </summary>
public sealed class ModelPayloadFuzzTests : IDisposable
{
    private const int Mutations = 200;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("eml-model-fuzz-");

    public void Dispose() => _directory.Delete(recursive: true);

    public static IEnumerable<object[]> Kinds()
    {
        foreach (var pair in ModelTestData.TrainerTasks())
        {
            yield return [$"{pair[0]}/{pair[1]}"];
        }

        yield return ["scorecard"];
        yield return ["nb-svm"];
        yield return ["lexicon-lr"];
        yield return ["ensemble"];
        foreach (var trainer in new[] { "popularity", "item-knn", "implicit-als", "matrix-factorization" })
        {
            yield return ["recommender/" + trainer];
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_PayloadEditedUnderValidChecksum_LoadsAndPredictsOrModelFormatExceptionNamingTheFile(string kind)
    {
        var (clean, predict) = Saved(kind);
        var (payloadStart, payloadLength) = ModelFileLayout.PayloadRange(clean);
        Assert.Equal(clean, ModelFileLayout.Rehashed(clean, payloadStart, clean.AsSpan(payloadStart, payloadLength).ToArray()));
        var path = Path.Combine(_directory.FullName, "fuzzed.eml");
        File.WriteAllBytes(path, clean);
        predict(Load(kind, path));

        // A valid file may ask for more than it holds (2^20 hashed one-hot columns from one integer), but not gigabytes.
        var allowance = (64L * clean.Length) + (64L << 20);
        var random = new Random(StableSeed(kind));
        var counts = CountOffsets(clean.AsSpan(payloadStart, payloadLength));
        var failures = new List<string>();
        for (var m = 0; m < Mutations && failures.Count < 5; m++)
        {
            var (what, payload) = Mutate(clean.AsSpan(payloadStart, payloadLength), counts, random);
            File.WriteAllBytes(path, ModelFileLayout.Rehashed(clean, payloadStart, payload));
            var outcome = Attempt(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var loaded = Load(kind, path);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated > allowance)
                {
                    return $"loading allocated {allocated:N0} bytes for a {clean.Length:N0}-byte file";
                }

                predict(loaded);
                return null;
            });
            if (outcome is not null)
            {
                failures.Add($"{what}: {outcome}");
            }
        }

        Assert.True(failures.Count == 0, $"{kind}: {string.Join(Environment.NewLine, failures)}");
    }

    /// <summary>
    /// Runs <paramref name="loadAndPredict"/> on its own thread; null when it succeeds or throws the documented
    /// exception naming the file, else what went wrong.
    /// </summary>
    private static string? Attempt(Func<string?> loadAndPredict)
    {
        string? outcome = null;
        var thread = new Thread(() =>
        {
            try
            {
                outcome = loadAndPredict();
            }
            catch (ModelFormatException e) when (e.Message.StartsWith("fuzzed.eml: ", StringComparison.Ordinal))
            {
                outcome = e.Message.Length > 400 ? $"message of {e.Message.Length} characters: {e.Message[..200]}" : null;
            }
            catch (Exception e)
            {
                outcome = $"{e.GetType().Name}: {e.Message}{Environment.NewLine}{e.StackTrace?.Split('\n').FirstOrDefault()}";
            }
        })
        { IsBackground = true };
        thread.Start();
        return thread.Join(Deadline) ? outcome : $"no answer within {Deadline.TotalSeconds} s";
    }

    private static int StableSeed(string kind)
    {
        var seed = 20_261_207;
        foreach (var c in kind)
        {
            seed = (seed * 31) + c;
        }

        return seed & 0x7FFFFFFF;
    }

    /// <summary>Offsets of the 32-bit values in 1..100,000: most are counts, lengths and indices.</summary>
    private static int[] CountOffsets(ReadOnlySpan<byte> payload)
    {
        var offsets = new List<int>();
        for (var i = 0; i + 4 <= payload.Length; i++)
        {
            var v = BinaryPrimitives.ReadInt32LittleEndian(payload[i..]);
            if (v is >= 1 and <= 100_000)
            {
                offsets.Add(i);
            }
        }

        return [.. offsets];
    }

    private static (string What, byte[] Payload) Mutate(ReadOnlySpan<byte> clean, int[] counts, Random random)
    {
        var payload = clean.ToArray();
        var choice = random.Next(10);
        if (choice < 3 || counts.Length == 0)
        {
            var at = random.Next(payload.Length);
            var mask = (byte)random.Next(1, 256);
            payload[at] ^= mask;
            return ($"byte {at} ^ 0x{mask:X2}", payload);
        }

        if (choice == 3)
        {
            var length = random.Next(payload.Length);
            return ($"payload cut to {length} of {payload.Length} bytes", payload[..length]);
        }

        if (choice == 4)
        {
            var at = random.Next(payload.Length);
            var length = Math.Min(random.Next(1, 17), payload.Length - at);
            payload.AsSpan(at, length).Clear();
            return ($"bytes {at}..{at + length} zeroed", payload);
        }

        var offset = counts[random.Next(counts.Length)];
        var old = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(offset));
        int[] values = [int.MaxValue, int.MinValue, -1, 0, old + 1, old - 1, (old * 2) + 1, 1 << 20, 1 << 28, 0x7FFF_FFF0, old * 1000];
        var value = values[random.Next(values.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(offset), value);
        return ($"int at {offset}: {old} -> {value}", payload);
    }

    private static object Load(string kind, string path) =>
        kind.StartsWith("recommender/", StringComparison.Ordinal) ? Recommender.Load(path) : ModelPipeline.Load(path);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<(byte[], Action<object>)>> SavedModels = new();

    /// <summary>A saved model of <paramref name="kind"/> and how to exercise a loaded one.</summary>
    private static (byte[] File, Action<object> Predict) Saved(string kind) =>
        SavedModels.GetOrAdd(kind, k => new(() => SaveUncached(k))).Value;

    private static (byte[] File, Action<object> Predict) SaveUncached(string kind)
    {
        using var stream = new MemoryStream();
        if (kind.StartsWith("recommender/", StringComparison.Ordinal))
        {
            IRecommenderTrainer trainer = kind["recommender/".Length..] switch
            {
                "popularity" => new PopularityTrainer(),
                "item-knn" => new ItemKnnTrainer(20),
                "implicit-als" => new ImplicitAlsTrainer(new ImplicitAlsOptions { NumberOfFactors = 4, NumberOfIterations = 2, Seed = 2 }),
                _ => new MatrixFactorizationTrainer(new MatrixFactorizationOptions { NumberOfFactors = 4, NumberOfEpochs = 2, Seed = 2 }),
            };
            var data = RecommendationData.MovieLens.Select([.. Enumerable.Range(0, 2500)]);
            var model = ImplicitFeedback.Fit(trainer, data, 4f);
            model.Save(stream);
            var users = model.Users.Ids.Take(3).Append("no-such-user").ToArray();
            var items = model.Items.Ids.Take(2).ToArray();
            return (stream.ToArray(), loaded => Recommend((Recommender)loaded, users, items));
        }

        var (pipeline, rows) = Pipeline(kind);
        pipeline.Save(stream);
        return (stream.ToArray(), loaded => Predict((ModelPipeline)loaded, rows));
    }

    private static (ModelPipeline Model, DataTable Rows) Pipeline(string kind)
    {
        switch (kind)
        {
            case "scorecard":
                return (ScenarioTestData.FitPipeline(CreditScenario.SpecialisedCandidates(ScenarioColumns.None)[0], ScenarioTestData.German.Train),
                    ModelTestData.Head(ModelTestData.CreditGerman, 8));
            case "nb-svm" or "lexicon-lr":
                var text = new ScenarioColumns(["text"]);
                var data = LabelEncoding.Encode(ModelTestData.SentimentHead, "label", TaskKind.Binary, "1");
                var candidate = SentimentScenario.SpecialisedCandidates(text).Single(c => c.Name == kind);
                return (ScenarioTestData.FitPipeline(candidate, data, columns: text), ModelTestData.Head(ModelTestData.SentimentHead, 8));
            case "ensemble":
                var members = new[] { MixedTable.Model("logistic-regression", TaskKind.Binary), MixedTable.Model("gbdt", TaskKind.Binary) };
                return (EnsemblePredictor.Combine(members, [2, 1], ["lr", "gbdt"]), ModelTestData.Head(MixedTable.Features, 8));
            default:
                var parts = kind.Split('/');
                return (MixedTable.Model(parts[0], Enum.Parse<TaskKind>(parts[1])), ModelTestData.Head(MixedTable.Features, 8));
        }
    }

    /// <summary>
    /// Batch and single-row predictions on rows shaped as the loaded model's own schema says: the source rows' columns
    /// where the name and type still match, else a column of the expected type (a file may rename or retype an input
    /// and still be a model).
    /// </summary>
    private static void Predict(ModelPipeline model, DataTable source)
    {
        var columns = new List<DataColumn>();
        foreach (var (name, type) in model.Schema.Inputs)
        {
            if (columns.Any(c => c.Name == name))
            {
                continue;
            }

            var existing = source.Columns.FirstOrDefault(c => c.Name == name && c.Type == type);
            columns.Add(existing ?? Column(name, type, source.RowCount));
        }

        var rows = new DataTable(columns);
        var batch = model.Predict(rows);
        Assert.Equal(rows.RowCount * model.OutputWidth, batch.Length);
        var engine = model.CreateEngine();
        var output = new float[model.OutputWidth];
        for (var r = 0; r < Math.Min(3, rows.RowCount); r++)
        {
            ModelTestData.SetRow(engine, rows, r);
            engine.Predict(output);
        }
    }

    private static DataColumn Column(string name, ColumnType type, int rows) => type switch
    {
        ColumnType.Numeric or ColumnType.Boolean => new NumericColumn(name, [.. Enumerable.Range(0, rows).Select(i => i % 3 == 0 ? float.NaN : i % 2)], type),
        ColumnType.DateTime => new DateTimeColumn(name, [.. Enumerable.Range(0, rows).Select(i => new DateTime(2024, 1 + i % 12, 1, 0, 0, 0, DateTimeKind.Utc).Ticks)]),
        _ => new StringColumn(name, [.. Enumerable.Range(0, rows).Select(i => i % 3 == 0 ? null : "level " + i)], type),
    };

    private static void Recommend(Recommender model, string[] users, string[] items)
    {
        foreach (var user in users)
        {
            model.Recommend(user, 10);
        }

        foreach (var item in items)
        {
            model.SimilarItems(item, 5);
        }
    }
}
