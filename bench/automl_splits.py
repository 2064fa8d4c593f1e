#!/usr/bin/env python3
"""Writes the 80/20 splits of ../shared/datasets/README.md as CSV files for `eml automl` benchmarks.

Stratified for classification, scikit-learn train_test_split(test_size=0.2, random_state=42) on the rows as read,
exactly like the reference figures; `--state N` writes the split of another random_state (for checks over several
splits). Usage: automl_splits.py DATASETS_DIR OUT_DIR [--state N]
"""
import argparse, os

import pandas as pd
from sklearn.model_selection import train_test_split

SETS = [
    ("credit-german", "credit-german-statlog.csv", "class", True),
    ("churn", "tabular-telco-churn.csv", "churn", True),
    ("fraud-caravan", "fraud-coil2000-caravan.csv", "CARAVAN", True),
    ("fraud-sensor", "fraud-sensor-anomaly-singlehop.csv", "label", True),
    ("sentiment", "sentiment-uci-labelled-sentences.csv", "label", True),
    ("diamonds", "tabular-diamonds.csv", "price", False),
]

parser = argparse.ArgumentParser()
parser.add_argument("datasets")
parser.add_argument("out")
parser.add_argument("--state", type=int, default=42)
args = parser.parse_args()
datasets, out = args.datasets, args.out
os.makedirs(out, exist_ok=True)
for name, file, label, stratify in SETS:
    df = pd.read_csv(os.path.join(datasets, file), keep_default_na=False, dtype=str)
    train, test = train_test_split(df, test_size=0.2, random_state=args.state, stratify=df[label] if stratify else None)
    train.to_csv(os.path.join(out, f"{name}.train.csv"), index=False)
    test.to_csv(os.path.join(out, f"{name}.test.csv"), index=False)
