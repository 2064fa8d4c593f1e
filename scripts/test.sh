#!/usr/bin/env bash
# Runs every test project. On a fresh Debian 12 machine with only the .NET 10 SDK it installs and starts what the
# tests need (PostgreSQL, Chromium), then prints one summary line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-true}"                 # integration tests fail (never skip) when a required service is missing
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '\n== %s\n' "$*"; }
sudo_maybe() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  sudo_maybe env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
    || { sudo_maybe apt-get update && sudo_maybe env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

# --- PostgreSQL -------------------------------------------------------------------------------------------------
PG_PORT="${EML_PG_PORT:-5432}"
if [ -z "${EML_TEST_POSTGRES:-}" ]; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$PG_VERSION main$"; then
    sudo_maybe pg_createcluster "$PG_VERSION" main
  fi
  log "starting PostgreSQL $PG_VERSION"
  rc=0; sudo_maybe pg_ctlcluster "$PG_VERSION" main start || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || { echo "pg_ctlcluster failed with $rc"; exit 1; }   # 2 = already running
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p "$PG_PORT" -q && break; sleep 0.5; done
  pg_isready -h 127.0.0.1 -p "$PG_PORT" || { echo "PostgreSQL did not become ready"; exit 1; }
  sudo_maybe runuser -u postgres -- psql -p "$PG_PORT" -qtAc \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='eml') THEN CREATE ROLE eml LOGIN SUPERUSER PASSWORD 'eml'; END IF; END\$\$;" >/dev/null
  export EML_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=eml;Password=eml;Database=postgres;Pooling=true;Timeout=15"
fi

# --- Chromium (browser tests drive Debian's Chromium through Playwright) ----------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  log "installing Chromium"
  apt_install chromium
fi
export EML_CHROMIUM=/usr/bin/chromium

# --- Build once, then every test project ------------------------------------------------------------------------
log "building"
dotnet build EnterpriseML.sln -c Release -nologo -v:q

passed=0; failed=0; skipped=0; status=0
mkdir -p artifacts/test-results
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  log "testing $name"
  out="artifacts/test-results/$name.log"
  set +e
  dotnet test "$project" -c Release --no-build --nologo --results-directory artifacts/test-results \
    --logger "trx;LogFileName=$name.trx" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || status=1
  line="$(grep -E '^(Passed|Failed)!' "$out" | tail -1 || true)"
  if [ -z "$line" ]; then
    echo "no test summary from $name (exit code $rc)"; failed=$((failed + 1)); status=1; continue
  fi
  f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")
  s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
