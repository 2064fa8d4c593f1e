#!/usr/bin/env python3
"""Reference biased matrix factorisation in numpy, for the side-by-side in docs/benchmarks.md.

Reads MovieLens-small, makes the 80/20 random split exactly as scikit-learn's train_test_split(random_state=42) would
(numpy RandomState(42).permutation, first ceil(20 %) rows are the test part), writes both parts as CSV so the C#
benchmark uses the same rows, then fits

    r_hat(u, i) = mu + b_u + b_i + p_u . q_i

by alternating ridge regressions (each user's [b_u, p_u] given the items, then each item's [b_i, q_i] given the
users; penalty lambda * n per row, as in Zhou et al. 2008 "Large-scale parallel collaborative filtering for the
Netflix prize"), and prints one JSON line with the test RMSE, MAE and fit time (wall clock and process CPU). Needs only numpy (Debian
python3-numpy): run it with Debian's python3.
"""
import argparse
import csv
import json
import math
import os
import time

import numpy as np


def read_ratings(path):
    users, items, ratings, stamps = [], [], [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for row in reader:
            users.append(row["userId"])
            items.append(row["movieId"])
            ratings.append(float(row["rating"]))
            stamps.append(row["timestamp"])
    return users, items, np.asarray(ratings, dtype=np.float64), stamps


def write_part(path, rows, users, items, ratings, stamps):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["userId", "movieId", "rating", "timestamp"])
        for r in rows:
            w.writerow([users[r], items[r], repr(float(ratings[r])), stamps[r]])


def group(index, count):
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(count + 1))
    return order, bounds


def fit_als(u, i, r, n_users, n_items, factors, iterations, lam, seed):
    rng = np.random.RandomState(seed)
    mu = r.mean()
    P = rng.normal(0, 0.1, (n_users, factors))
    Q = rng.normal(0, 0.1, (n_items, factors))
    bu = np.zeros(n_users)
    bi = np.zeros(n_items)
    u_order, u_bounds = group(u, n_users)
    i_order, i_bounds = group(i, n_items)
    eye = np.eye(factors + 1)
    for _ in range(iterations):
        for (order, bounds, own, other, own_b, other_b, own_idx, other_idx) in (
            (u_order, u_bounds, P, Q, bu, bi, u, i),
            (i_order, i_bounds, Q, P, bi, bu, i, u),
        ):
            for row in range(len(bounds) - 1):
                rows = order[bounds[row]:bounds[row + 1]]
                if rows.size == 0:
                    continue
                partners = other_idx[rows]
                X = np.hstack([np.ones((rows.size, 1)), other[partners]])
                y = r[rows] - mu - other_b[partners]
                A = X.T @ X + lam * rows.size * eye
                A[0, 0] -= lam * rows.size * 0.9  # lighter penalty on the bias term
                sol = np.linalg.solve(A, X.T @ y)
                own_b[row] = sol[0]
                own[row] = sol[1:]
    return mu, bu, bi, P, Q


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join("..", "shared", "datasets", "recsys-movielens-small.csv"))
    parser.add_argument("--out-dir", default=None, help="write train.csv / test.csv of the split here")
    parser.add_argument("--factors", type=int, default=32)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--lam", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    users, items, ratings, stamps = read_ratings(args.data)
    n = len(ratings)
    perm = np.random.RandomState(42).permutation(n)
    n_test = int(math.ceil(0.2 * n))
    test_rows, train_rows = perm[:n_test], perm[n_test:]
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        write_part(os.path.join(args.out_dir, "train.csv"), train_rows, users, items, ratings, stamps)
        write_part(os.path.join(args.out_dir, "test.csv"), test_rows, users, items, ratings, stamps)

    user_ids = {x: k for k, x in enumerate(dict.fromkeys(users[r] for r in train_rows))}
    item_ids = {x: k for k, x in enumerate(dict.fromkeys(items[r] for r in train_rows))}
    u = np.array([user_ids[users[r]] for r in train_rows])
    i = np.array([item_ids[items[r]] for r in train_rows])
    r = ratings[train_rows]
    lo, hi = r.min(), r.max()

    start, cpu_start = time.perf_counter(), time.process_time()
    mu, bu, bi, P, Q = fit_als(u, i, r, len(user_ids), len(item_ids), args.factors, args.iterations, args.lam, args.seed)
    fit_seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

    errors = []
    for row in test_rows:
        ku, ki = user_ids.get(users[row]), item_ids.get(items[row])
        pred = mu + (bu[ku] if ku is not None else 0.0) + (bi[ki] if ki is not None else 0.0)
        if ku is not None and ki is not None:
            pred += P[ku] @ Q[ki]
        errors.append(ratings[row] - min(max(pred, lo), hi))
    errors = np.asarray(errors)
    print(json.dumps({
        "peer": "numpy-biased-als",
        "factors": args.factors,
        "iterations": args.iterations,
        "lambda": args.lam,
        "rmse": round(float(np.sqrt(np.mean(errors ** 2))), 4),
        "mae": round(float(np.mean(np.abs(errors))), 4),
        "fitSeconds": round(fit_seconds, 2),
        "fitCpuSeconds": round(cpu_seconds, 2),
        "trainRows": int(train_rows.size),
        "testRows": int(test_rows.size),
    }))


if __name__ == "__main__":
    main()
