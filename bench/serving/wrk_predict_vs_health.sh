#!/usr/bin/env bash
# Serving throughput side by side in one run: wrk on GET /health vs POST /api/models/credit/predict (one row, GBDT
# credit model, 100 trees) on the champion route and pinned with ?version=1, then batch CSV scoring rows/s with curl. Needs wrk (apt-get install -y wrk), sqlite3,
# Release builds of EnterpriseML.Api and EnterpriseML.Cli. Usage: bench/serving/wrk_predict_vs_health.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-10}
CONNECTIONS=${2:-32}
PORT=${PORT:-5599}
DATA=$(mktemp -d)
KEY=eml_bench_admin_key_0123456789abcdef
DATASET=../shared/datasets/credit-german-statlog.csv
trap 'kill $API_PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

dotnet src/EnterpriseML.Cli/bin/Release/net10.0/eml.dll train --train "$DATASET" --label class --trainer gbdt --seed 7 --save "$DATA/credit.eml" --json >/dev/null

Storage__DataDirectory=$DATA Auth__BootstrapKey=$KEY Jobs__RunWorker=false Serving__RequestsPerSecondPerKey=1000000 \
  Logging__LogLevel__Default=Warning ASPNETCORE_URLS=http://127.0.0.1:$PORT \
  dotnet src/EnterpriseML.Api/bin/Release/net10.0/EnterpriseML.Api.dll >"$DATA/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done

TENANT=$(curl -sf -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' -d '{"name":"bench"}' "http://127.0.0.1:$PORT/api/tenants")
TENANT_ID=$(echo "$TENANT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
TENANT_KEY=$(echo "$TENANT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')
NOW=$(date +%s%3N)
sqlite3 "$DATA/registry.db" "PRAGMA busy_timeout=5000; INSERT INTO models VALUES ('$TENANT_ID','credit','binary',$NOW);
  INSERT INTO model_versions (tenant_id, model_name, version, stage, artifact, artifact_sha256, metrics, parameters, leaderboard, lineage, created_at)
  VALUES ('$TENANT_ID','credit',1,'champion',readfile('$DATA/credit.eml'),'bench','{}','{}',NULL,'{}',$NOW);"

ROW=$(python3 - "$DATASET" <<'PY'
import csv, json, sys
r = next(csv.DictReader(open(sys.argv[1])))
r.pop("class")
print(json.dumps({"rows": [{k: (float(v) if v.replace('.', '', 1).isdigit() else v) for k, v in r.items()}]}))
PY
)
cat > "$DATA/predict.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = "$TENANT_KEY"
wrk.body = [[$ROW]]
LUA
curl -sf -H "X-Api-Key: $TENANT_KEY" -H 'Content-Type: application/json' -d "$ROW" "http://127.0.0.1:$PORT/api/models/credit/predict"; echo

echo "== warm-up"; wrk -t2 -c"$CONNECTIONS" -d3s -s "$DATA/predict.lua" "http://127.0.0.1:$PORT/api/models/credit/predict" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d3s "http://127.0.0.1:$PORT/health" >/dev/null
echo "== /health"; wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency "http://127.0.0.1:$PORT/health"
PREDICT="http://127.0.0.1:$PORT/api/models/credit/predict"
echo "== predict (1 row)"; wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$DATA/predict.lua" "$PREDICT"
# The pinned route, in the order pinned / pinned / champion so that drift in the machine's load falls on both.
echo "== predict (1 row, ?version=1)"; wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$DATA/predict.lua" "$PREDICT?version=1"
echo "== predict (1 row, ?version=1, again)"; wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$DATA/predict.lua" "$PREDICT?version=1"
echo "== predict (1 row, again)"; wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s "$DATA/predict.lua" "$PREDICT"

# Batch CSV: credit-german repeated to 200,000 rows.
{ head -1 "$DATASET"; for _ in $(seq 200); do tail -n +2 "$DATASET"; done; } > "$DATA/batch.csv"
ROWS=$(( $(wc -l < "$DATA/batch.csv") - 1 ))
for run in 1 2 3; do
  T=$(curl -sf -o "$DATA/out.csv" -w '%{time_total}' -H "X-Api-Key: $TENANT_KEY" -H 'Content-Type: text/csv' --data-binary @"$DATA/batch.csv" "http://127.0.0.1:$PORT/api/models/credit/predict")
  echo "batch CSV run $run: $ROWS rows in ${T}s = $(python3 -c "print(round($ROWS/$T))") rows/s ($(($(wc -l < "$DATA/out.csv") - 1)) predictions)"
done
