#!/usr/bin/env python3
"""Do credit's monotone constraints cost accuracy because of how the bounds are drawn, or because of the data?

The engine's GBDT (like XGBoost and LightGBM's "basic" method) bounds both subtrees of a split on a constrained
feature at the midpoint of the two children's outputs, and keeps those bounds for the rest of the tree. That is
stricter than monotonicity needs. The loosest exact rule bounds a leaf only by the leaves it can be compared with: a
leaf B constrains leaf A on an increasing feature f when their regions overlap on every other feature and B lies
wholly above A in f (then out(A) <= out(B)). Every leaf's bounds are recomputed from the current leaves after each
split, and leaves whose bounds moved are searched again (in the spirit of LightGBM's "intermediate" method).

This is a small leaf-wise Newton GBDT in NumPy (quantile bins, one-hot categoricals, L2 on the leaves, minimum rows
per leaf), grown three ways: without constraints, with midpoint bounds, and with the exact comparable-leaf bounds,
with the constraints the credit scenario infers on German credit (duration, credit_amount and
installment_commitment rising, age falling). It prints each split's test AUC and the mean.

Usage (splits from bench/automl_splits.py, one folder per random_state: DIR/state42, DIR/state1, ...):
  /usr/bin/python3 bench/credit_monotone_bounds.py DIR none|midpoint|exact TREES LEAVES RATE FEATURE_FRACTION ROW_FRACTION
"""
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

CONSTRAINTS = {"duration": 1, "credit_amount": 1, "installment_commitment": 1, "age": -1}
L2, MIN_ROWS, MAX_BINS = 0.001, 20, 32


def binned(train, test, label="class", positive="bad"):
    y = (train[label] == positive).astype(float).values
    y_test = (test[label] == positive).astype(float).values
    bins, bins_test, direction = [], [], []
    for column in train.columns:
        if column == label:
            continue
        try:
            values, values_test = train[column].astype(float).values, test[column].astype(float).values
        except ValueError:
            for level in sorted(train[column].unique()):
                bins.append((train[column] == level).values.astype(int))
                bins_test.append((test[column] == level).values.astype(int))
                direction.append(0)
            continue
        cuts = np.unique(np.quantile(values, np.linspace(0, 1, MAX_BINS + 1)[1:-1]))
        bins.append(np.searchsorted(cuts, values, side="right"))
        bins_test.append(np.searchsorted(cuts, values_test, side="right"))
        direction.append(CONSTRAINTS.get(column, 0))
    return np.array(bins), y, np.array(bins_test), y_test, np.array(direction)


class Leaf:
    def __init__(self, rows, low, high, value):
        self.rows, self.low, self.high, self.value = rows, low, high, value
        self.bounds, self.split = (-np.inf, np.inf), (0.0, None)


def comparable_bounds(leaf, leaves, direction):
    lower, upper = -np.inf, np.inf
    for other in leaves:
        if other is leaf:
            continue
        apart = np.nonzero((other.high < leaf.low) | (other.low > leaf.high))[0]
        if len(apart) != 1 or direction[apart[0]] == 0:
            continue
        f = apart[0]
        other_below = other.high[f] < leaf.low[f]
        if (direction[f] > 0) == other_below:
            lower = max(lower, other.value)
        else:
            upper = min(upper, other.value)
    return lower, upper


def output(g, h, lower, upper):
    return min(max(-g / (h + L2), lower), upper)


def loss(g, h, w):
    return 2 * g * w + (h + L2) * w * w


def best_split(leaf, bins, g, h, features, bin_counts, direction):
    rows, (lower, upper) = leaf.rows, leaf.bounds
    total_g, total_h = g[rows].sum(), h[rows].sum()
    parent = loss(total_g, total_h, output(total_g, total_h, lower, upper))
    best = (0.0, None)
    for f in features:
        if leaf.high[f] <= leaf.low[f]:
            continue
        x = bins[f, rows]
        cg = np.cumsum(np.bincount(x, g[rows], bin_counts[f]))
        ch = np.cumsum(np.bincount(x, h[rows], bin_counts[f]))
        cc = np.cumsum(np.bincount(x, None, bin_counts[f]))
        for k in range(leaf.low[f], leaf.high[f]):
            if cc[k] < MIN_ROWS or len(rows) - cc[k] < MIN_ROWS:
                continue
            left = output(cg[k], ch[k], lower, upper)
            right = output(total_g - cg[k], total_h - ch[k], lower, upper)
            if direction[f] * (left - right) > 0:
                continue
            gain = parent - loss(cg[k], ch[k], left) - loss(total_g - cg[k], total_h - ch[k], right)
            if gain > best[0] + 1e-12:
                best = (gain, (f, k, left, right))
    return best


def grow(bins, g, h, rows, features, bin_counts, direction, max_leaves, method):
    root = Leaf(rows, np.zeros(bins.shape[0], int), bin_counts - 1, output(g[rows].sum(), h[rows].sum(), -np.inf, np.inf))
    root.split = best_split(root, bins, g, h, features, bin_counts, direction)
    leaves = [root]
    while len(leaves) < max_leaves:
        parent = max(leaves, key=lambda leaf: leaf.split[0])
        gain, split = parent.split
        if split is None:
            break
        f, k, left_value, right_value = split
        goes_left = bins[f, parent.rows] <= k
        left = Leaf(parent.rows[goes_left], parent.low.copy(), parent.high.copy(), left_value)
        right = Leaf(parent.rows[~goes_left], parent.low.copy(), parent.high.copy(), right_value)
        left.high[f], right.low[f] = k, k + 1
        leaves.remove(parent)
        leaves += [left, right]
        if method == "exact":
            for leaf in leaves:
                bounds = comparable_bounds(leaf, leaves, direction)
                if leaf is left or leaf is right or bounds != leaf.bounds:
                    leaf.bounds = bounds
                    leaf.split = best_split(leaf, bins, g, h, features, bin_counts, direction)
            continue
        left.bounds = right.bounds = parent.bounds
        if direction[f] != 0:
            middle, (lower, upper) = (left_value + right_value) / 2, parent.bounds
            below, above = (lower, min(upper, middle)), (max(lower, middle), upper)
            left.bounds, right.bounds = (below, above) if direction[f] > 0 else (above, below)
        for leaf in (left, right):
            leaf.split = best_split(leaf, bins, g, h, features, bin_counts, direction)
    return [(leaf.low, leaf.high, leaf.value) for leaf in leaves]


def score(trees, base, rate, bins):
    total = np.full(bins.shape[1], base)
    for tree in trees:
        for low, high, value in tree:
            inside = np.all((bins >= low[:, None]) & (bins <= high[:, None]), axis=0)
            total[inside] += rate * value
    return total


def fit(bins, y, bin_counts, direction, trees, max_leaves, rate, feature_fraction, row_fraction, method, seed=0):
    random = np.random.default_rng(seed)
    n, width = len(y), bins.shape[0]
    base = np.log(y.mean() / (1 - y.mean()))
    margin, model = np.full(n, base), []
    for _ in range(trees):
        p = 1 / (1 + np.exp(-margin))
        g, h = p - y, p * (1 - p)
        rows = np.sort(random.choice(n, int(n * row_fraction), replace=False)) if row_fraction < 1 else np.arange(n)
        features = np.sort(random.choice(width, max(1, int(width * feature_fraction)), replace=False)) \
            if feature_fraction < 1 else np.arange(width)
        tree = grow(bins, g, h, rows, features, bin_counts, direction, max_leaves, method)
        model.append(tree)
        margin = margin + score([tree], 0.0, rate, bins)
    return base, model


def main():
    folder, method = sys.argv[1], sys.argv[2]
    trees, leaves = int(sys.argv[3]), int(sys.argv[4])
    rate, feature_fraction, row_fraction = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
    aucs = []
    for state in [42, 1, 2, 3, 4, 5]:
        train = pd.read_csv(f"{folder}/state{state}/credit-german.train.csv", dtype=str, keep_default_na=False)
        test = pd.read_csv(f"{folder}/state{state}/credit-german.test.csv", dtype=str, keep_default_na=False)
        bins, y, bins_test, y_test, direction = binned(train, test)
        if method == "none":
            direction = direction * 0
        bin_counts = bins.max(axis=1) + 1
        bins_test = np.minimum(bins_test, bin_counts[:, None] - 1)
        base, model = fit(bins, y, bin_counts, direction, trees, leaves, rate, feature_fraction, row_fraction,
                          "exact" if method == "exact" else "midpoint")
        aucs.append(roc_auc_score(y_test, score(model, base, rate, bins_test)))
        print(f"split {state}: {aucs[-1]:.4f}", flush=True)
    print(f"{method}: mean {np.mean(aucs):.4f}")


if __name__ == "__main__":
    main()
