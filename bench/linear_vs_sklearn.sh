#!/usr/bin/env bash
# Linear models and text vs scikit-learn (docs/benchmarks.md, "Linear models and text").
# Run from the repository root: bench/linear_vs_sklearn.sh [DATASETS_DIR]
set -euo pipefail
datasets="${1:-../shared/datasets}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python="$(command -v /usr/bin/python3 || command -v python3)"
OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$python" bench/peers/linear_sklearn.py --datasets "$datasets" --out "$work" > "$work/peer.log"
dotnet run -c Release --project bench/EnterpriseML.Benchmarks -- linear --datasets "$datasets" --splits "$work" --threads 2
