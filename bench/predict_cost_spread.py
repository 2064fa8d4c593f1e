#!/usr/bin/env python3
"""Spread of the measured predict cost over the trials of `eml automl` sweeps, two builds side by side.

The trials of one candidate with the same featurisation should cost about the same per row (linear models exactly so;
trees in proportion to their size), so the spread of µs/row among them is the measurement's noise. For each report
pair (before, after) and candidate it prints the 10th / 50th / 90th percentile of µs/row over the successful trials
(trees per 100 trees) and p90/p10.

Usage: predict_cost_spread.py BEFORE_DIR AFTER_DIR NAME [NAME ...]
  where BEFORE_DIR/NAME/report.json and AFTER_DIR/NAME/report.json are `eml automl --out` reports.
"""
import json, os, sys

import numpy as np

CANDIDATES = ["logistic-regression", "linear-svm", "scorecard", "gbdt", "random-forest"]
TREES = {"gbdt", "random-forest"}


def spread(report, candidate):
    trials = [t for t in report["trialLog"] if t["candidate"] == candidate and t["status"] == "succeeded" and t.get("predictMicrosecondsPerRow")]
    if not trials:
        return None
    values = np.array([t["predictMicrosecondsPerRow"] / (t["parameters"]["NumberOfTrees"] / 100 if candidate in TREES else 1) for t in trials])
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    return f"{p10:.3g} / {p50:.3g} / {p90:.3g} ({p90 / p10:.1f}×)"


def main():
    before, after, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    print("| dataset | candidate | before: p10 / p50 / p90 µs/row (p90/p10) | after |")
    print("|---|---|---|---|")
    for name in names:
        reports = [json.load(open(os.path.join(d, name, "report.json"))) for d in (before, after)]
        for candidate in CANDIDATES:
            cells = [spread(r, candidate) for r in reports]
            if all(cells):
                label = candidate + (" (per 100 trees)" if candidate in TREES else "")
                print(f"| {name} | {label} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    sys.exit(main())
