#!/usr/bin/env bash
# AutoML goals (docs/benchmarks.md, "Tuners and AutoML sweeps"): `eml automl` with a 60 s budget on the 80/20 splits of
# ../shared/datasets/README.md, 2 threads. Run from the repository root: bench/automl_goals.sh [DATASETS_DIR] [SCENARIO_OVERRIDE]
set -euo pipefail
datasets="${1:-../shared/datasets}"
work="$(mktemp -d)"
python="$(command -v /usr/bin/python3 || command -v python3)"
"$python" bench/automl_splits.py "$datasets" "$work"
dotnet build -c Release src/EnterpriseML.Cli > /dev/null
eml="dotnet src/EnterpriseML.Cli/bin/Release/net10.0/eml.dll"
run() { # name label positive scenario [extra...]
  local name=$1 label=$2 positive=$3 scenario=$4; shift 4
  local start=$(date +%s.%N)
  $eml automl --train "$work/$name.train.csv" --test "$work/$name.test.csv" --label "$label" ${positive:+--positive "$positive"} \
    --scenario "${SCENARIO_OVERRIDE:-$scenario}" --budget 60 --threads 2 --seed 0 --json --out "$work/out-$name" "$@" > "$work/$name.json"
  local end=$(date +%s.%N)
  "$python" - "$work/$name.json" "$name" "$start" "$end" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
wall = float(sys.argv[4]) - float(sys.argv[3])
kinds = sorted({x["kind"] for x in r["leaderboard"]})
test = ", ".join(f"{k} {v:.4f}" for k, v in r["test"].items() if k != "predictMicrosecondsPerRow")
print(f"| {sys.argv[2]} | {r['scenario']} | {r['metric']} | {r['trials']} | {r['elapsedSeconds']:.1f} s / {wall:.1f} s | {r['winner']['candidate']} ({r['winner']['kind']}) | {'/'.join(kinds)} | {test} |")
PY
}
echo "| dataset | scenario | metric | trials | sweep / process wall time | winner | kinds on leaderboard | winner on test |"
echo "|---|---|---|---|---|---|---|---|"
run credit-german class bad credit
run churn churn Yes auto
run fraud-caravan CARAVAN insurance fraud
run fraud-sensor label 1 fraud
run sentiment label 1 sentiment --ignore source
run diamonds price "" auto
echo "reports: $work"
