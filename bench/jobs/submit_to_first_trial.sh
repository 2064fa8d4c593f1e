#!/usr/bin/env bash
# Time from POST /api/experiments to the sweep starting on a Worker and to its first trial, on the scale-out path:
# the API (Jobs:RunWorker=false) and one Worker process sharing a fresh PostgreSQL database (clustered Quartz store,
# IdleWaitTime 1 s). Submits N experiments one after another (credit-german, scenario auto, 5 s budget), waits for
# each, then reads the server-side timestamps (ms) from the registry: experiments.created_at (submit),
# experiment_attempts.started_at (the job started on the Worker), min(trials.created_at) (first trial recorded).
# Needs Release builds of EnterpriseML.Api and EnterpriseML.Worker, psql, curl, python3.
# Usage: bench/jobs/submit_to_first_trial.sh [experiments] ; PostgreSQL from EML_TEST_POSTGRES-style PG* variables.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-5}
PORT=${PORT:-5597}
PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-eml}; export PGPASSWORD=${PGPASSWORD:-eml}
DB=eml_submit_$(date +%s)
KEY=eml_bench_admin_key_0123456789abcdef
DATA=$(mktemp -d)
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "CREATE DATABASE $DB"
CONN="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Password=$PGPASSWORD;Database=$DB"
cleanup() {
  kill "$API_PID" "$WORKER_PID" 2>/dev/null || true; wait 2>/dev/null || true
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$DATA"
}
trap cleanup EXIT
common=(ConnectionStrings__Postgres="$CONN" Storage__DataDirectory="$DATA" Auth__BootstrapKey=$KEY Logging__LogLevel__Default=Warning Jobs__IdleWaitMilliseconds=1000)
env "${common[@]}" Jobs__RunWorker=false Jobs__NodeName=api ASPNETCORE_URLS=http://127.0.0.1:$PORT \
  dotnet src/EnterpriseML.Api/bin/Release/net10.0/EnterpriseML.Api.dll >"$DATA/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
env "${common[@]}" Jobs__NodeName=worker-1 dotnet src/EnterpriseML.Worker/bin/Release/net10.0/EnterpriseML.Worker.dll >"$DATA/worker.log" 2>&1 &
WORKER_PID=$!
sleep 5   # let the Worker join the cluster

DS=$(curl -sf -H "X-Api-Key: $KEY" -F file=@../shared/datasets/credit-german-statlog.csv "http://127.0.0.1:$PORT/api/datasets" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for i in $(seq "$N"); do
  ID=$(curl -sf -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' \
    -d "{\"datasetId\":\"$DS\",\"label\":\"class\",\"positiveClass\":\"bad\",\"scenario\":\"auto\",\"budgetSeconds\":5,\"modelName\":\"m$i\",\"seed\":$i}" \
    "http://127.0.0.1:$PORT/api/experiments" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 300); do
    S=$(curl -sf -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT/api/experiments/$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [ "$S" = queued ] || [ "$S" = running ] || break
    sleep 0.2
  done
  echo "experiment $i: $S"
done

psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -F ' | ' -Atc "
  SELECT e.model_name, a.node, a.started_at - e.created_at, (SELECT min(t.created_at) FROM trials t WHERE t.experiment_id = e.id) - e.created_at
  FROM experiments e JOIN experiment_attempts a ON a.experiment_id = e.id AND a.attempt = 1 ORDER BY e.created_at" \
  | python3 -c '
import statistics, sys
rows = [line.rstrip("\n").split(" | ") for line in sys.stdin if line.strip()]
print("| experiment | node | submit → sweep started (ms) | submit → first trial recorded (ms) |")
print("|---|---|---:|---:|")
for name, node, started, first in rows:
    print(f"| {name} | {node} | {started} | {first} |")
print(f"median: submit → sweep started {statistics.median(int(r[2]) for r in rows):.0f} ms, "
      f"submit → first trial recorded {statistics.median(int(r[3]) for r in rows):.0f} ms")'
