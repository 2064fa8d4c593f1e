#!/usr/bin/env python3
"""Two checks behind the credit-german notes in docs/benchmarks.md ("Credit-german over six splits ...").

1. How much scikit-learn's default forest (300 trees) moves with its own seed on the README's split (random_state 42):
   20 seeds, test AUC.
2. Whether monotone constraints help a random forest here (a candidate idea for the credit scenario): XGBoost's
   random-forest mode (300 trees, sqrt(F) features per split, 63.2 % row subsample, fully grown), with and without
   monotone constraints on the 7 numeric columns in the direction of their Spearman correlation with `bad` (|rho| >
   0.05; categoricals unconstrained, as in the monotone GBDT), three seeds per cell, on the six splits of
   bench/automl_resplits.py.

Usage: OMP_NUM_THREADS=2 /usr/bin/python3 bench/credit_forest_checks.py DATASETS_DIR
"""
import os, sys, warnings

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from trees_peers import featurise  # numeric median-imputed first, then strings one-hot


def main():
    warnings.filterwarnings("ignore")
    path = os.path.join(sys.argv[1], "credit-german-statlog.csv")
    typed = pd.read_csv(path)
    raw = pd.read_csv(path, keep_default_na=False, dtype=str)
    y = (raw["class"].values == "bad").astype(int)
    numeric = sum(pd.api.types.is_numeric_dtype(typed[c]) for c in typed.columns if c != "class")

    def split(state):
        train, test = train_test_split(np.arange(len(raw)), test_size=0.2, random_state=state, stratify=raw["class"])
        a, b = featurise(typed.iloc[train].drop(columns=["class"]), typed.iloc[test].drop(columns=["class"]))
        return np.asarray(a, dtype=float), np.asarray(b, dtype=float), y[train], y[test]

    a, b, ya, yb = split(42)
    seeds = [roc_auc_score(yb, RandomForestClassifier(n_estimators=300, n_jobs=2, random_state=s).fit(a, ya).predict_proba(b)[:, 1]) for s in range(20)]
    print(f"sklearn RF, split 42, 20 seeds: mean {np.mean(seeds):.4f}, sd {np.std(seeds):.4f}, min {min(seeds):.4f}, "
          f"max {max(seeds):.4f}, at or above 0.786: {sum(s >= 0.786 for s in seeds)} of 20")

    print("| split | forest | monotone forest |\n|---|---|---|")
    rows = []
    for state in [42, 1, 2, 3, 4, 5]:
        a, b, ya, yb = split(state)
        constraints = [0] * a.shape[1]
        for j in range(numeric):
            rho = spearmanr(a[:, j], ya).correlation
            constraints[j] = int(np.sign(rho)) if abs(rho) > 0.05 else 0
        row = []
        for monotone in (False, True):
            scores = []
            for seed in range(3):
                model = xgb.XGBRFClassifier(n_estimators=300, max_depth=0, grow_policy="lossguide", max_leaves=0, subsample=0.632,
                                            colsample_bynode=np.sqrt(a.shape[1]) / a.shape[1], min_child_weight=0.5, tree_method="hist",
                                            n_jobs=2, random_state=seed, monotone_constraints=tuple(constraints) if monotone else None)
                scores.append(roc_auc_score(yb, model.fit(a, ya).predict_proba(b)[:, 1]))
            row.append(np.mean(scores))
        rows.append(row)
        print(f"| {state} | {row[0]:.4f} | {row[1]:.4f} |", flush=True)
    mean = np.mean(rows, axis=0)
    print(f"| mean | {mean[0]:.4f} | {mean[1]:.4f} |")


if __name__ == "__main__":
    sys.exit(main())
