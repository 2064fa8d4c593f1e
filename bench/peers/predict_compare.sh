#!/usr/bin/env bash
# Batch prediction side by side (issue 3): XGBoost (bench/peers/predict_peers.py) and eml for the same model shapes,
# one after the other in one run, 2 threads each, with the load average before each step.
#   bench/peers/predict_compare.sh
# flights-1m: 300 trees, 255 leaves (eml) / depth 8 ≤ 255 leaves (XGBoost), fitted on the first 100,000 training rows,
#   250,000 test rows; churn: 300 trees, 31 leaves, the rows repeated to 200,000.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release bench/EnterpriseML.Benchmarks >/dev/null
BENCH="dotnet bench/EnterpriseML.Benchmarks/bin/Release/net10.0/EnterpriseML.Benchmarks.dll"
step() { echo "# $(date -u +%FT%TZ) load:$(uptime | sed 's/.*load average://')  $*"; "$@"; }
step /usr/bin/python3 bench/peers/predict_peers.py flights-1m --train-rows 100000 --rounds 3
step $BENCH predict-batch --train-rows 100000 --rounds 3
step /usr/bin/python3 bench/peers/predict_peers.py churn --rows 200000 --rounds 3
step $BENCH trees-predict churn --trees 300 --rows 200000
echo "# $(date -u +%FT%TZ) load:$(uptime | sed 's/.*load average://')  done"
