using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Specialised;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Linear;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Scenarios.Sentiment;

/// <summary>
/// The <c>sentiment</c> scenario: free text → a binary label, primary metric accuracy. The text columns are the
/// table's text columns (a lone categorical column with long values is not guessed: name it text in the data).
/// Specialised candidates: <c>nb-svm</c> (Wang &amp; Manning 2012), <c>negation-svm</c> (linear SVM on word 1–2 and
/// character 3–5 grams with negation marking, Das &amp; Chen 2001 / Pang, Lee &amp; Vaithyanathan 2002), and
/// <c>lexicon-lr</c> (logistic regression on the same n-grams plus <see cref="SentimentLexicon"/> features).
/// General candidates: <see cref="GeneralCandidates"/> with TF-IDF text featurisation.
/// </summary>
public sealed class SentimentScenario : IScenario
{
    /// <summary>NB-SVM: the count smoothing α, the classifier (logistic or SVM), its L2 and the interpolation β.</summary>
    internal static SearchSpace NbSvmSpace { get; } = new(
        SearchParameter.Float(nameof(NbSvmOptions.Smoothing), 0.1, 4, 1, SearchScale.Log),
        SearchParameter.Choice(nameof(NbSvmOptions.Classifier), ["logistic", "svm"], "logistic"),
        SearchParameter.Float(nameof(NbSvmOptions.L2Regularization), 1e-3, 30, 1, SearchScale.Log),
        SearchParameter.Float(nameof(NbSvmOptions.Interpolation), 0.5, 1, 1),
        SearchParameter.Int(nameof(NbSvmOptions.WordNgramMaximum), 1, 3, 2));

    /// <summary>The lexicon-augmented logistic regression: its L2.</summary>
    internal static SearchSpace LexiconSpace { get; } = new(
        SearchParameter.Float(nameof(LogisticRegressionOptions.L2Regularization), 1e-3, 30, 1, SearchScale.Log));

    public string Name => "sentiment";

    public ScenarioPlan Plan(ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.InferredTask != TaskKind.Binary)
        {
            throw new ArgumentException(
                $"The sentiment scenario needs a binary label; '{context.LabelColumn}' looks like {context.InferredTask}.", nameof(context));
        }

        var text = CreditScenario.TextColumnsOf(context);
        if (text.Count == 0)
        {
            var strings = context.Train.Columns.Where(c => c.Type == ColumnType.Categorical && c.Name != context.LabelColumn).Select(c => $"'{c.Name}'").ToArray();
            throw new ArgumentException("The sentiment scenario needs a free-text column; none of the columns was read as text " +
                $"(text averages 3 or more words of 20 or more bytes, mostly distinct).{(strings.Length == 0 ? "" : $" Categorical: {string.Join(", ", strings)}; `eml automl --text COL` reads one as text.")}", nameof(context));
        }

        var columns = new ScenarioColumns(text);
        var candidates = new List<ICandidate>(GeneralCandidates.For(TaskKind.Binary, columns));
        candidates.AddRange(SpecialisedCandidates(columns));
        return new ScenarioPlan(TaskKind.Binary, ScenarioMetric.Accuracy, candidates, columns, ValidationPolicy.Auto, [ScenarioMetric.Auc]);
    }

    /// <summary>The sentiment scenario's task-specialised candidates: <c>nb-svm</c>, <c>negation-svm</c>, <c>lexicon-lr</c>.</summary>
    public static IReadOnlyList<ICandidate> SpecialisedCandidates(ScenarioColumns columns) =>
        SpecialisedCandidates(columns, TextFeaturizer.CurrentTokenRules);

    /// <summary>
    /// The specialised candidates with the negation-marked featurizers on token rules <paramref name="tokenRules"/>
    /// (new fits use <see cref="TextFeaturizer.CurrentTokenRules"/>; rules 1 fits a model as engines before the rules
    /// were versioned did).
    /// </summary>
    internal static IReadOnlyList<ICandidate> SpecialisedCandidates(ScenarioColumns columns, int tokenRules)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var negation = FeaturizerOptions.Linear;
        negation.TextColumns = columns.TextColumns;
        negation.Text.MarkNegation = true;
        negation.Text.TokenRules = tokenRules;
        var candidates = new List<ICandidate>();
        candidates.Add(new NbSvmCandidate(columns));
        candidates.Add(new SpecialisedCandidate("negation-svm", "linear-svm", LinearSearchSpaces.LinearSvm, negation,
            "text(tfidf word 1-2 + char 3-5, negation marked) + numeric(standardise) + onehot → linear-svm",
            static (input, p, ct) => new SpecialisedFit(
                new LinearSvmTrainer(LinearSearchSpaces.ToLinearSvmOptions(p, input.Context.Seed, input.Context.Threads))
                    .Fit(new TrainingSet(input.Matrix, input.Context.Train.Labels, TaskKind.Binary), ct),
                [new("negation", "tokens after not/no/never/n't … up to punctuation are prefixed not_")])));
        candidates.Add(new SpecialisedCandidate("lexicon-lr", "logistic-regression", LexiconSpace, negation,
            "text(tfidf word 1-2 + char 3-5, negation marked) + lexicon(positive, negative, balance) → logistic-regression",
            static (input, p, ct) => FitLexicon(input, p, ct)));
        return candidates;
    }

    /// <summary>Fits logistic regression on the features plus <see cref="SentimentLexicon"/> features.</summary>
    internal static SpecialisedFit FitLexicon(SpecialisedInput input, ParameterSet parameters, CancellationToken cancellationToken)
    {
        var x = input.Matrix;
        var polarity = Polarities(x);
        var n = x.RowCount;
        var lexiconDense = x.DenseColumnCount + SentimentLexicon.FeatureCount;
        var dense = new float[n * lexiconDense];
        x.Dense.AsSpan().CopyTo(dense);
        Span<float> lexicon = stackalloc float[SentimentLexicon.FeatureCount];
        for (var i = 0; i < n; i++)
        {
            int positive = 0, negative = 0;
            if (x.Sparse is { } s)
            {
                foreach (var j in s.RowIndices(i))
                {
                    positive += polarity[j] > 0 ? 1 : 0;
                    negative += polarity[j] < 0 ? 1 : 0;
                }
            }

            SentimentLexicon.Features(positive, negative, lexicon);
            for (var k = 0; k < lexicon.Length; k++)
            {
                dense[((x.DenseColumnCount + k) * n) + i] = lexicon[k];
            }
        }

        var infos = new FeatureInfo[x.ColumnCount + SentimentLexicon.FeatureCount];
        x.Features.AsSpan(0, x.DenseColumnCount).CopyTo(infos);
        infos[x.DenseColumnCount] = new FeatureInfo("lexicon:positive");
        infos[x.DenseColumnCount + 1] = new FeatureInfo("lexicon:negative");
        infos[x.DenseColumnCount + 2] = new FeatureInfo("lexicon:balance");
        x.Features.AsSpan(x.DenseColumnCount).CopyTo(infos.AsSpan(lexiconDense));
        var augmented = new FeatureMatrix(n, dense, lexiconDense, x.Sparse, infos);
        var model = (LinearPredictor)new LogisticRegressionTrainer(LinearSearchSpaces.ToLogisticRegressionOptions(parameters, input.Context.Threads))
            .Fit(new TrainingSet(augmented, input.Context.Train.Labels, TaskKind.Binary), cancellationToken);
        var w = model.Coefficients();
        var weights = new float[x.ColumnCount];
        w[..x.DenseColumnCount].CopyTo(weights);
        w[lexiconDense..].CopyTo(weights.AsSpan(x.DenseColumnCount));
        var lexiconWeights = w.Slice(x.DenseColumnCount, SentimentLexicon.FeatureCount).ToArray();
        var marked = 0;
        foreach (var p in polarity)
        {
            marked += p != 0 ? 1 : 0;
        }

        var ci = CultureInfo.InvariantCulture;
        return new SpecialisedFit(new TextLinearPredictor(x.DenseColumnCount, weights, model.Intercept(), false, polarity, lexiconWeights),
        [
            new("lexiconTerms", marked.ToString(ci) + " vocabulary terms carry a lexicon polarity"),
            new("lexiconWeights", string.Join(", ", lexiconWeights.Select(v => v.ToString("F3", ci)))),
        ]);
    }

    /// <summary>The lexicon polarity of each sparse feature (word unigrams only: names <c>column:w:term</c> without a space).</summary>
    internal static sbyte[] Polarities(FeatureMatrix x)
    {
        var sparseCount = x.ColumnCount - x.DenseColumnCount;
        var polarity = new sbyte[sparseCount];
        for (var j = 0; j < sparseCount; j++)
        {
            var name = x.Features[x.DenseColumnCount + j].Name.AsSpan();
            var at = name.IndexOf(":w:", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var term = name[(at + 3)..];
            if (term.IndexOf(' ') < 0)
            {
                polarity[j] = (sbyte)SentimentLexicon.Polarity(term);
            }
        }

        return polarity;
    }
}
