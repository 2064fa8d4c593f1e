#!/usr/bin/env bash
# Side-by-side tree benchmark: XGBoost (hist) and scikit-learn's random forest vs eml gbdt / random-forest on the
# same 80/20 splits (the Python script writes the test rows; the C# bench reads them). One JSON line per model.
#   bench/peers/trees_compare.sh                   # the small datasets
#   DATASETS=flights-1m bench/peers/trees_compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-${TMPDIR:-/tmp}/eml-trees}
mkdir -p "$OUT"
dotnet build -c Release bench/EnterpriseML.Benchmarks >/dev/null
BENCH="dotnet bench/EnterpriseML.Benchmarks/bin/Release/net10.0/EnterpriseML.Benchmarks.dll"
for d in ${DATASETS:-credit-german churn fraud-caravan fraud-sensor diamonds}; do
  if [ "$d" = flights-1m ]; then
    /usr/bin/python3 bench/peers/trees_peers.py flights-1m
    $BENCH trees flights-1m --set NumberOfTrees=300 --set NumberOfLeaves=255 --set LearningRate=0.1
  else
    /usr/bin/python3 bench/peers/trees_peers.py "$d" --out "$OUT"
    $BENCH trees "$d" --split "$OUT/$d.test.idx"
    $BENCH trees "$d" --split "$OUT/$d.test.idx" --trainer random-forest
  fi
done
