#!/usr/bin/env python3
"""`eml automl --scenario auto` against scikit-learn on data the engine was never tuned on, side by side in one run.

The data sets that ship inside Debian's scikit-learn package (`python3-sklearn`: breast cancer, wine, iris, digits,
diabetes) are written to CSV, split 80/20 (stratified for classification, random_state 42 unless --states says
otherwise), and on the same rows the script fits scikit-learn's defaults (random forest with 300 trees, logistic
regression on standardised columns or ridge, HistGradientBoosting; 2 threads) and runs `eml automl --scenario auto
--budget B --threads 2 --seed 0`. It prints one row per data set and split: the peers' test score, the eml winner's,
and the winner's score over the best peer's. Metrics: AUC (binary), accuracy (multiclass), RMSE (regression).
Class labels are written as c0, c1, ...; with --integer-labels as the data sets ship them (0, 1, 2, ...), which
`eml automl` must then read as class codes.

Usage (from the repository root, after `dotnet build -c Release src/EnterpriseML.Cli`):
  OMP_NUM_THREADS=2 /usr/bin/python3 bench/automl_unseen.py [--budget 30] [--states 42] [--datasets breast_cancer,wine,...]
      [--integer-labels]
"""
import argparse, json, os, subprocess, tempfile, time, warnings

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

LOADERS = {  # name: loader, task
    "breast_cancer": (datasets.load_breast_cancer, "binary"),
    "wine": (datasets.load_wine, "multiclass"),
    "iris": (datasets.load_iris, "multiclass"),
    "digits": (datasets.load_digits, "multiclass"),
    "diabetes": (datasets.load_diabetes, "regression"),
}


def peers(task):
    if task == "regression":
        return {"RF": RandomForestRegressor(n_estimators=300, n_jobs=2, random_state=0),
                "ridge": make_pipeline(StandardScaler(), Ridge()),
                "HistGB": HistGradientBoostingRegressor(random_state=0)}
    return {"RF": RandomForestClassifier(n_estimators=300, n_jobs=2, random_state=0),
            "LR": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
            "HistGB": HistGradientBoostingClassifier(random_state=0)}


def peer_score(task, model, x, y, xt, yt):
    model.fit(x, y)
    if task == "binary":
        return roc_auc_score(yt, model.predict_proba(xt)[:, 1])
    if task == "multiclass":
        return accuracy_score(yt, model.predict(xt))
    return mean_squared_error(yt, model.predict(xt)) ** 0.5


def main():
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", default="30")
    parser.add_argument("--states", default="42")
    parser.add_argument("--datasets", default=",".join(LOADERS))
    parser.add_argument("--integer-labels", action="store_true")
    args = parser.parse_args()
    eml = ["dotnet", "src/EnterpriseML.Cli/bin/Release/net10.0/eml.dll"]
    work = tempfile.mkdtemp()
    print("| data set | rows × columns | split | metric | sklearn RF | sklearn LR / ridge | sklearn HistGB | eml winner | eml | eml / best peer | eml process s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.datasets.split(","):
        loader, task = LOADERS[name]
        bunch = loader()
        x = pd.DataFrame(bunch.data, columns=[f"f{i}" if not isinstance(c, str) else c.replace(" ", "_") for i, c in enumerate(bunch.feature_names)])
        y = np.asarray(bunch.target)
        label = pd.Series(y if task == "regression" or args.integer_labels else [f"c{v}" for v in y], name="target")
        for state in [int(s) for s in args.states.split(",")]:
            tr, te = train_test_split(np.arange(len(x)), test_size=0.2, random_state=state, stratify=None if task == "regression" else y)
            train_csv, test_csv = os.path.join(work, f"{name}-{state}.train.csv"), os.path.join(work, f"{name}-{state}.test.csv")
            pd.concat([x.iloc[tr], label.iloc[tr]], axis=1).to_csv(train_csv, index=False)
            pd.concat([x.iloc[te], label.iloc[te]], axis=1).to_csv(test_csv, index=False)
            yb = (y == 1).astype(int) if task == "binary" else y  # binary: the positive class is target 1 (c1)
            scores = {k: peer_score(task, m, x.values[tr], yb[tr], x.values[te], yb[te]) for k, m in peers(task).items()}
            cmd = eml + ["automl", "--train", train_csv, "--test", test_csv, "--label", "target", "--scenario", "auto",
                         "--budget", args.budget, "--threads", "2", "--seed", "0", "--json"]
            if task == "binary":
                cmd += ["--positive", "1" if args.integer_labels else "c1"]
            start = time.time()
            out = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.time() - start
            if out.returncode != 0:
                print(f"| {name} | | {state} | eml failed: {out.stderr.strip()[:300]} |")
                continue
            report = json.loads(out.stdout.splitlines()[0])
            metric = {"binary": "auc", "multiclass": "accuracy", "regression": "rmse"}[task]
            if report["task"] != task:
                print(f"| {name} | | {state} | eml read the label as {report['task']}, not {task} |", flush=True)
                continue
            ours = report["test"][metric]
            best = min(scores.values()) if task == "regression" else max(scores.values())
            linear = scores.get("LR", scores.get("ridge"))
            print(f"| {name} | {x.shape[0]:,} × {x.shape[1]} | {state} | {metric} | {scores['RF']:.4f} | {linear:.4f} | {scores['HistGB']:.4f} | "
                  f"{report['winner']['candidate']} ({report['winner']['kind']}) | {ours:.4f} | {ours / best:.4f} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
