#!/usr/bin/env python3
"""scikit-learn peers of the EnterpriseML linear trainers (issue 3, "Linear models and text").

Makes the stratified 80/20 split (random_state=42) of each dataset, writes the test-row indices to
OUT/split-NAME.txt so the C# bench uses exactly the same rows, fits the peer and writes OUT/peer.json.
Tabular: numeric columns median-imputed and standardised, string columns one-hot (fit on the training rows);
fit time excludes featurisation. Text: TF-IDF word 1-2-grams + char_wb 3-5-grams (sublinear tf, L2), C=10;
the time includes featurisation. Times are the best of 7 runs after one warm-up run (the
bench machine is shared; the minimum is the least noisy estimate).
"""
import argparse, json, os, time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

TABULAR = [
    ("credit-german", "credit-german-statlog.csv", "class", "bad"),
    ("churn", "tabular-telco-churn.csv", "churn", "Yes"),
    ("fraud-caravan", "fraud-coil2000-caravan.csv", "CARAVAN", "insurance"),
]


def timed(fn, repeats=7):
    fn()
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def split(n, y, stratify, out, name):
    idx = np.arange(n)
    train, test = train_test_split(idx, test_size=0.2, random_state=42, stratify=y if stratify else None)
    with open(os.path.join(out, f"split-{name}.txt"), "w") as f:
        f.write("\n".join(str(i) for i in sorted(test)))
    return train, test


def tabular_matrix(frame, train, test):
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    strings = [c for c in frame.columns if c not in numeric]
    transformer = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore"), strings),
    ], sparse_threshold=0)
    xtr = transformer.fit_transform(frame.iloc[train])
    xte = transformer.transform(frame.iloc[test])
    return xtr, xte


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = {}

    for name, file, label, positive in TABULAR:
        df = pd.read_csv(os.path.join(args.datasets, file))
        y = (df[label].astype(str) == positive).astype(int).to_numpy()
        train, test = split(len(df), y, True, args.out, name)
        xtr, xte = tabular_matrix(df.drop(columns=[label]), train, test)
        seconds, model = timed(lambda: LogisticRegression().fit(xtr, y[train]))
        p = model.predict_proba(xte)[:, 1]
        results[f"logistic-regression/{name}"] = {
            "auc": roc_auc_score(y[test], p), "logLoss": log_loss(y[test], p),
            "accuracy": accuracy_score(y[test], p >= 0.5), "fitSeconds": seconds}

    df = pd.read_csv(os.path.join(args.datasets, "sentiment-uci-labelled-sentences.csv"))
    y = df["label"].to_numpy()
    text = df["text"].astype(str).to_numpy()
    train, test = split(len(df), y, True, args.out, "sentiment")

    def featurise():
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        xtr = sp.hstack([words.fit_transform(text[train]), chars.fit_transform(text[train])]).tocsr()
        xte = sp.hstack([words.transform(text[test]), chars.transform(text[test])]).tocsr()
        return xtr, xte

    for trainer, make in [
        ("logistic-regression", lambda: LogisticRegression(C=10)),
        ("linear-svm", lambda: LinearSVC(C=1.0)),
        ("naive-bayes", lambda: MultinomialNB(alpha=1.0)),
    ]:
        def run():
            xtr, xte = featurise()
            return make().fit(xtr, y[train]), xte
        seconds, (model, xte) = timed(run)
        if hasattr(model, "predict_proba"):
            p = model.predict_proba(xte)[:, 1]
        else:
            p = model.decision_function(xte)
        results[f"{trainer}/sentiment"] = {
            "auc": roc_auc_score(y[test], p),
            "accuracy": accuracy_score(y[test], model.predict(xte)), "featuriseFitSeconds": seconds}

    df = pd.read_csv(os.path.join(args.datasets, "tabular-diamonds.csv"))
    y = df["price"].to_numpy(dtype=float)
    train, test = split(len(df), None, False, args.out, "diamonds")
    xtr, xte = tabular_matrix(df.drop(columns=["price"]), train, test)
    seconds, model = timed(lambda: Ridge(alpha=1.0).fit(xtr, y[train]))
    results["ridge/diamonds"] = {"rmse": mean_squared_error(y[test], model.predict(xte)) ** 0.5, "fitSeconds": seconds}

    with open(os.path.join(args.out, "peer.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
