#!/usr/bin/env python3
"""Batch prediction throughput of XGBoost for the model shapes of eml's prediction benchmarks (issue 3).

Usage: python3 bench/peers/predict_peers.py flights-1m [--train-rows N] [--rounds N]
       python3 bench/peers/predict_peers.py churn [--rows N] [--rounds N]
flights-1m: 300 trees, hist, max_depth 8 / max_leaves 255, rate 0.1, native categoricals, fitted on the first
N training rows (default 100,000), scoring the 250,000 test rows (as `predict-batch --train-rows 100000`).
churn: 300 trees, hist, leaf-wise with 31 leaves (lossguide, max_leaves 31, no depth limit), rate 0.1, native
categoricals, fitted on every row, scoring the rows repeated to N (default 200,000; as `trees-predict churn`).
Both with 2 threads. Prints one JSON line: the best of the rounds for predict on a ready DMatrix (model only) and for
DMatrix construction + predict, as rows/s of wall time, with the CPU seconds of the best round. Each timed predict
gets a DMatrix it has not seen (XGBoost caches predictions per DMatrix).
"""
import argparse, json, os, sys, time

import numpy as np
import pandas as pd
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "datasets"))
THREADS = 2


def categorise(frames, columns):
    """String columns as pandas categoricals with the levels of the first frame (the training rows)."""
    for c in columns:
        levels = pd.CategoricalDtype(sorted(frames[0][c].dropna().unique()))
        for f in frames:
            f[c] = f[c].astype(levels)


def flights(train_rows):
    train = pd.read_csv(os.path.join(DATASETS, "flights-1m.train.csv.gz"), nrows=train_rows)
    test = pd.read_csv(os.path.join(DATASETS, "flights-1m.test.csv.gz"))
    y = (train.pop("delayed") == "yes").astype(int)
    test.pop("delayed")
    categorise([train, test], [c for c in train.columns if train[c].dtype == object])
    params = {"tree_method": "hist", "max_depth": 8, "max_leaves": 255, "eta": 0.1, "objective": "binary:logistic",
              "nthread": THREADS, "seed": 0}
    return params, train, y, test, "300 trees, depth 8 / 255 leaves, flights-1m test"


def churn(rows):
    df = pd.read_csv(os.path.join(DATASETS, "tabular-telco-churn.csv"))
    y = (df.pop("churn").astype(str) == "Yes").astype(int)
    categorise([df], [c for c in df.columns if df[c].dtype == object])
    test = df.iloc[np.arange(rows) % len(df)].reset_index(drop=True)
    params = {"tree_method": "hist", "grow_policy": "lossguide", "max_leaves": 31, "max_depth": 0, "eta": 0.1,
              "objective": "binary:logistic", "nthread": THREADS, "seed": 0}
    return params, df, y, test, "300 trees, 31 leaves, churn rows repeated"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", choices=["flights-1m", "churn"])
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    params, x, y, test, shape = flights(args.train_rows) if args.dataset == "flights-1m" else churn(args.rows)

    start = time.perf_counter()
    booster = xgb.train(params, xgb.DMatrix(x, label=y, enable_categorical=True, nthread=THREADS), num_boost_round=300)
    fit = time.perf_counter() - start

    # XGBoost caches the predictions of a DMatrix it has seen, so every timed predict gets a fresh (prebuilt) one.
    matrices = [xgb.DMatrix(test, enable_categorical=True, nthread=THREADS) for _ in range(args.rounds + 1)]
    booster.predict(matrices.pop())  # warm-up
    best_model = best_model_cpu = best_total = best_total_cpu = float("inf")
    for _ in range(args.rounds):
        matrix = matrices.pop()
        start, cpu = time.perf_counter(), time.process_time()
        booster.predict(matrix)
        wall = time.perf_counter() - start
        if wall < best_model:
            best_model, best_model_cpu = wall, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        booster.predict(xgb.DMatrix(test, enable_categorical=True, nthread=THREADS))
        wall = time.perf_counter() - start
        if wall < best_total:
            best_total, best_total_cpu = wall, time.process_time() - cpu

    leaves = [t.count("leaf=") for t in booster.get_dump()]
    n = len(test)
    print(json.dumps({
        "peer": f"xgboost {xgb.__version__}", "dataset": args.dataset, "shape": shape, "rows": n, "threads": THREADS,
        "trees": len(leaves), "meanLeaves": round(float(np.mean(leaves)), 1), "maxLeaves": int(max(leaves)),
        "fitSeconds": round(fit, 2),
        "predictRowsPerSecond": round(n / best_model), "predictCpuSeconds": round(best_model_cpu, 3),
        "dmatrixPlusPredictRowsPerSecond": round(n / best_total), "dmatrixPlusPredictCpuSeconds": round(best_total_cpu, 3),
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
