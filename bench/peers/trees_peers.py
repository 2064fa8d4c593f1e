#!/usr/bin/env python3
"""Peers of the tree benchmarks: XGBoost (hist) and scikit-learn's random forest on the shared datasets.

Usage: python3 bench/peers/trees_peers.py DATASET [--out DIR] [--models xgboost,rf]
Splits as ../shared/datasets/README.md says (80/20, stratified for classification, random_state=42), writes the
test row indices to DIR/DATASET.test.idx (so the C# bench uses the same rows), featurises like the README's reference
(numeric median-imputed, strings one-hot), fits with 2 threads and prints one JSON line per model.
"""
import argparse, json, os, sys, time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
import xgboost as xgb

SPECS = {
    "credit-german": ("credit-german-statlog.csv", "class", "bad"),
    "churn": ("tabular-telco-churn.csv", "churn", "Yes"),
    "fraud-caravan": ("fraud-coil2000-caravan.csv", "CARAVAN", "insurance"),
    "fraud-sensor": ("fraud-sensor-anomaly-singlehop.csv", "label", "1"),
    "diamonds": ("tabular-diamonds.csv", "price", None),
}
HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "datasets"))


def featurise(train, test):
    numeric = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
    strings = [c for c in train.columns if c not in numeric]
    medians = train[numeric].median()
    a = pd.get_dummies(train[numeric].fillna(medians).join(train[strings]), columns=strings, dtype=float)
    b = pd.get_dummies(test[numeric].fillna(medians).join(test[strings]), columns=strings, dtype=float)
    b = b.reindex(columns=a.columns, fill_value=0.0)
    a.columns = b.columns = [f"f{i}" for i in range(a.shape[1])]  # XGBoost rejects '<' and brackets in names
    return a, b


def emit(**row):
    print(json.dumps(row), flush=True)


def run_tabular(name, out, models):
    file, label, positive = SPECS[name]
    df = pd.read_csv(os.path.join(DATASETS, file))
    y_raw = df.pop(label)
    regression = positive is None
    y = y_raw.astype(float).to_numpy() if regression else (y_raw.astype(str) == positive).astype(int).to_numpy()
    idx = np.arange(len(df))
    train_idx, test_idx = train_test_split(idx, test_size=0.2, random_state=42, stratify=None if regression else y)
    if out:
        os.makedirs(out, exist_ok=True)
        np.savetxt(os.path.join(out, f"{name}.test.idx"), np.sort(test_idx), fmt="%d")
    x_train, x_test = featurise(df.iloc[train_idx], df.iloc[test_idx])
    y_train, y_test = y[train_idx], y[test_idx]
    for model in models:
        if model == "xgboost":
            est = (xgb.XGBRegressor if regression else xgb.XGBClassifier)(tree_method="hist", n_jobs=2, random_state=0)
        else:
            est = (RandomForestRegressor if regression else RandomForestClassifier)(n_estimators=300, n_jobs=2, random_state=0)
        start, cpu = time.perf_counter(), time.process_time()
        est.fit(x_train, y_train)
        fit, fit_cpu = time.perf_counter() - start, time.process_time() - cpu
        if regression:
            metric = {"rmse": round(float(np.sqrt(mean_squared_error(y_test, est.predict(x_test)))), 2)}
        else:
            metric = {"auc": round(float(roc_auc_score(y_test, est.predict_proba(x_test)[:, 1])), 4)}
        emit(dataset=name, trainer=model, fitSeconds=round(fit, 3), fitCpuSeconds=round(fit_cpu, 3), **metric)


def run_flights():
    train = pd.read_csv(os.path.join(DATASETS, "flights-1m.train.csv.gz"))
    test = pd.read_csv(os.path.join(DATASETS, "flights-1m.test.csv.gz"))
    y_train = (train.pop("delayed") == "yes").astype(int)
    y_test = (test.pop("delayed") == "yes").astype(int)
    for c in ("origin", "destination"):
        cats = pd.CategoricalDtype(sorted(train[c].unique()))
        train[c] = train[c].astype(cats)
        test[c] = test[c].astype(cats)
    est = xgb.XGBClassifier(tree_method="hist", n_estimators=300, max_depth=8, learning_rate=0.1, enable_categorical=True,
                            n_jobs=2, random_state=0)
    start, cpu = time.perf_counter(), time.process_time()
    est.fit(train, y_train)
    fit, fit_cpu = time.perf_counter() - start, time.process_time() - cpu
    auc = roc_auc_score(y_test, est.predict_proba(test)[:, 1])
    emit(dataset="flights-1m", trainer="xgboost", fitSeconds=round(fit, 3), fitCpuSeconds=round(fit_cpu, 3), auc=round(float(auc), 4))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--out", default="")
    parser.add_argument("--models", default="xgboost,rf")
    args = parser.parse_args()
    if args.dataset == "flights-1m":
        run_flights()
    else:
        run_tabular(args.dataset, args.out, [m for m in args.models.split(",") if m])


if __name__ == "__main__":
    sys.exit(main())
