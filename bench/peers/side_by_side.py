#!/usr/bin/env python3
"""Side-by-side run of `eml train --json` against scikit-learn 1.2 and XGBoost 1.7 on the same 80/20 splits.

Usage: python3 bench/peers/side_by_side.py --eml EML_COMMAND [--out DIR] [--datasets a,b] [--markdown FILE]

For each shared dataset it makes the split exactly as ../shared/datasets/README.md describes (80/20,
`train_test_split(random_state=42)`, stratified on the label for classification), writes DIR/NAME.train.csv and
DIR/NAME.test.csv, fits the peers on them (numeric columns median-imputed, string columns one-hot; logistic
regression and ridge also standardise; text: TF-IDF word 1-2-grams + char_wb 3-5-grams, sublinear tf, C=10), then
runs `EML_COMMAND train --train .. --test .. --json --threads 2` for each of our trainers on the same two files and
prints one Markdown table (ours vs the peer of the same family: metric, delta, fit seconds and their ratio).
Peers use 2 threads where they can. Our fit time is the trainer's fit (featurise + fit, as `fitSeconds` reports);
the peers' is the estimator's fit on the already featurised matrix except for text, where it includes TF-IDF.
"""
import argparse, json, os, shlex, subprocess, sys, time

import numpy as np
import pandas as pd
import scipy.sparse as sp
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "datasets"))

# name, file, label, positive (None = regression), extra eml args, [(our trainer, peer)], metric
SPECS = [
    ("credit-german", "credit-german-statlog.csv", "class", "bad", [],
     [("gbdt", "xgboost"), ("random-forest", "sklearn-rf"), ("logistic-regression", "sklearn-lr")], "auc"),
    ("churn", "tabular-telco-churn.csv", "churn", "Yes", [],
     [("gbdt", "xgboost"), ("random-forest", "sklearn-rf"), ("logistic-regression", "sklearn-lr")], "auc"),
    ("fraud-caravan", "fraud-coil2000-caravan.csv", "CARAVAN", "insurance", [],
     [("gbdt", "xgboost"), ("random-forest", "sklearn-rf"), ("logistic-regression", "sklearn-lr")], "auc"),
    ("fraud-sensor", "fraud-sensor-anomaly-singlehop.csv", "label", "1", [],
     [("gbdt", "xgboost"), ("random-forest", "sklearn-rf"), ("logistic-regression", "sklearn-lr")], "auc"),
    ("diamonds", "tabular-diamonds.csv", "price", None, [],
     [("gbdt", "xgboost"), ("random-forest", "sklearn-rf"), ("ridge", "sklearn-ridge")], "rmse"),
    ("sentiment", "sentiment-uci-labelled-sentences.csv", "label", "1", ["--ignore", "source"],
     [("logistic-regression", "sklearn-tfidf-lr")], "accuracy"),
]


def split(name, file, label, positive, out):
    df = pd.read_csv(os.path.join(DATASETS, file))
    y = df[label]
    stratify = None if positive is None else y.astype(str)
    train_idx, test_idx = train_test_split(np.arange(len(df)), test_size=0.2, random_state=42, stratify=stratify)
    train, test = df.iloc[train_idx], df.iloc[test_idx]
    paths = (os.path.join(out, f"{name}.train.csv"), os.path.join(out, f"{name}.test.csv"))
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    return train, test, paths


def tabular_matrix(train, test, scale):
    numeric = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
    strings = [c for c in train.columns if c not in numeric]
    medians = train[numeric].median()
    a = pd.get_dummies(train[numeric].fillna(medians).join(train[strings]), columns=strings, dtype=float)
    b = pd.get_dummies(test[numeric].fillna(medians).join(test[strings]), columns=strings, dtype=float)
    b = b.reindex(columns=a.columns, fill_value=0.0)
    if scale:
        mean, std = a[numeric].mean(), a[numeric].std(ddof=0).replace(0, 1)
        a[numeric] = (a[numeric] - mean) / std
        b[numeric] = (b[numeric] - mean) / std
    a.columns = b.columns = [f"f{i}" for i in range(a.shape[1])]
    return a.to_numpy(), b.to_numpy()


def run_peer(peer, train, test, label, positive):
    regression = positive is None
    y_train = train[label].astype(float).to_numpy() if regression else (train[label].astype(str) == positive).astype(int).to_numpy()
    y_test = test[label].astype(float).to_numpy() if regression else (test[label].astype(str) == positive).astype(int).to_numpy()
    x_train_df, x_test_df = train.drop(columns=[label]), test.drop(columns=[label])
    start = None
    if peer == "sklearn-tfidf-lr":
        start = time.perf_counter()
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        text_train = x_train_df["text"].fillna("")
        x_train = sp.hstack([words.fit_transform(text_train), chars.fit_transform(text_train)]).tocsr()
        est = LogisticRegression(C=10, max_iter=1000).fit(x_train, y_train)
        fit = time.perf_counter() - start
        text_test = x_test_df["text"].fillna("")
        x_test = sp.hstack([words.transform(text_test), chars.transform(text_test)]).tocsr()
    else:
        x_train, x_test = tabular_matrix(x_train_df, x_test_df, scale=peer in ("sklearn-lr", "sklearn-ridge"))
        est = {
            "xgboost": lambda: (xgb.XGBRegressor if regression else xgb.XGBClassifier)(tree_method="hist", n_jobs=2, random_state=0),
            "sklearn-rf": lambda: (RandomForestRegressor if regression else RandomForestClassifier)(n_estimators=300, n_jobs=2, random_state=0),
            "sklearn-lr": lambda: LogisticRegression(),
            "sklearn-ridge": lambda: Ridge(),
        }[peer]()
        start = time.perf_counter()
        est.fit(x_train, y_train)
        fit = time.perf_counter() - start
    if regression:
        return {"rmse": float(np.sqrt(mean_squared_error(y_test, est.predict(x_test))))}, fit
    p = est.predict_proba(x_test)[:, 1]
    return {"auc": float(roc_auc_score(y_test, p)), "accuracy": float(accuracy_score(y_test, p >= 0.5))}, fit


def run_ours(eml, trainer, paths, label, positive, extra):
    cmd = shlex.split(eml) + ["train", "--train", paths[0], "--test", paths[1], "--label", label, "--trainer", trainer,
                              "--threads", "2", "--seed", "42", "--json"] + extra
    if positive is not None:
        cmd += ["--positive", positive, "--task", "binary"]
    else:
        cmd += ["--task", "regression"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--eml", required=True, help="how to run eml, e.g. 'bin/eml' or 'dotnet run -c Release --project src/EnterpriseML.Cli --'")
    parser.add_argument("--out", default=os.path.join("/tmp", "eml-side-by-side"))
    parser.add_argument("--datasets", default=None, help="comma-separated subset of: " + ",".join(s[0] for s in SPECS))
    parser.add_argument("--markdown", default=None, help="also write the table to this file")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    only = set(args.datasets.split(",")) if args.datasets else None
    rows = ["| dataset | metric | ours | ours | peer | peer | Δ (ours − peer) | fit s ours | fit s peer | fit-time ratio | predict µs/row ours |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, file, label, positive, extra, pairs, metric in SPECS:
        if only and name not in only:
            continue
        train, test, paths = split(name, file, label, positive, args.out)
        for trainer, peer in pairs:
            peer_metrics, peer_fit = run_peer(peer, train, test, label, positive)
            ours = run_ours(args.eml, trainer, paths, label, positive, extra)
            o, p = ours["metrics"][metric], peer_metrics[metric]
            rows.append(f"| {name} | {metric} | {trainer} | {o:.4f} | {peer} | {p:.4f} | {o - p:+.4f} | "
                        f"{ours['fitSeconds']:.3f} | {peer_fit:.3f} | {ours['fitSeconds'] / peer_fit:.2f}× | {ours['predictMicrosecondsPerRow']:.2f} |")
            print(rows[-1], file=sys.stderr, flush=True)
    table = "\n".join(rows)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
