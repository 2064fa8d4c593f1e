#!/usr/bin/env bash
# Runs every test project. On a fresh Debian 12 machine with only the .NET 10 SDK it installs and starts what the
# tests need (PostgreSQL, Chromium), then prints one summary line: "N passed, N failed, N skipped".
#
#   scripts/test.sh               set up, build, run every test project
#   scripts/test.sh --setup-only  set up only, then print the environment a focused `dotnet test` needs
#
# Environment: EML_TEST_POSTGRES (a superuser connection string: use that server instead of the local cluster),
# EML_PG_PORT (the local cluster's port; default: the one pg_lsclusters shows), EML_CHROMIUM (a Chromium binary;
# default /usr/bin/chromium, installed when missing). Installing needs apt-get, as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

setup_only=false
case "${1:-}" in
  "") ;;
  --setup-only) setup_only=true ;;
  *) echo "scripts/test.sh: unknown option '$1'; the only option is --setup-only." >&2; exit 2 ;;
esac

export CI="${CI:-true}"                 # integration tests fail (never skip) when a required service is missing
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '\n== %s\n' "$*"; }
fail() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }
sudo_maybe() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fail "'$*' needs root, and sudo is not installed: run this script as root, or install sudo."
  fi
}
# apt_install WHY PACKAGE...: installs Debian packages, refreshing the package lists only when an install fails.
apt_install() {
  local why=$1; shift
  command -v apt-get >/dev/null 2>&1 \
    || fail "$why, and apt-get is not available (not a Debian or Ubuntu machine?): install the packages $* yourself and run again."
  sudo_maybe env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
    || { sudo_maybe apt-get update && sudo_maybe env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; } \
    || fail "apt-get could not install $* (see its output above)."
}

# --- .NET SDK ---------------------------------------------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || fail "dotnet is not on PATH: install the .NET 10 SDK (https://dot.net) and run again."
sdk="$(dotnet --version 2>/dev/null || true)"
[ "${sdk%%.*}" -ge 10 ] 2>/dev/null || fail "the .NET SDK on PATH is '${sdk:-unknown}'; the projects target net10.0: install the .NET 10 SDK."

# --- PostgreSQL -------------------------------------------------------------------------------------------------
# The server binaries are needed even with EML_TEST_POSTGRES set: some tests start a throwaway cluster of their own
# (initdb, pg_ctl) to stop and restart it under a running sweep.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing PostgreSQL"
  apt_install "PostgreSQL's server (initdb, pg_ctl under /usr/lib/postgresql) is not installed" postgresql postgresql-client
fi
if [ -z "${EML_TEST_POSTGRES:-}" ]; then
  PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$PG_VERSION main$"; then
    sudo_maybe pg_createcluster "$PG_VERSION" main
  fi
  PG_PORT="${EML_PG_PORT:-$(pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" {print $3}')}"
  PG_PORT="${PG_PORT:-5432}"
  log "starting PostgreSQL $PG_VERSION main on port $PG_PORT"
  rc=0; sudo_maybe pg_ctlcluster "$PG_VERSION" main start || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || fail "pg_ctlcluster $PG_VERSION main start failed with exit code $rc (its log: /var/log/postgresql/postgresql-$PG_VERSION-main.log)."   # 2 = already running
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p "$PG_PORT" -q && break; sleep 0.5; done
  pg_isready -h 127.0.0.1 -p "$PG_PORT" -q || fail "PostgreSQL $PG_VERSION main does not accept connections on 127.0.0.1:$PG_PORT after 30 s (its log: /var/log/postgresql/postgresql-$PG_VERSION-main.log)."
  sudo_maybe runuser -u postgres -- psql -p "$PG_PORT" -qtAc \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='eml') THEN CREATE ROLE eml LOGIN SUPERUSER PASSWORD 'eml'; END IF; END\$\$;" >/dev/null
  PGPASSWORD=eml psql -h 127.0.0.1 -p "$PG_PORT" -U eml -d postgres -qtAc "SELECT 1" >/dev/null \
    || fail "the role eml cannot log in to 127.0.0.1:$PG_PORT with the password 'eml' (a role eml made before, with another password?): run ALTER ROLE eml LOGIN SUPERUSER PASSWORD 'eml' as postgres, or set EML_TEST_POSTGRES to a superuser connection string."
  export EML_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=eml;Password=eml;Database=postgres;Pooling=true;Timeout=15"
fi

# --- Chromium (browser tests drive Debian's Chromium through Playwright) ----------------------------------------
if [ -n "${EML_CHROMIUM:-}" ]; then
  [ -x "$EML_CHROMIUM" ] || fail "EML_CHROMIUM is '$EML_CHROMIUM', which is not an executable file: point it at a Chromium binary, or unset it to use Debian's chromium (installed when missing)."
else
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Chromium"
    apt_install "Chromium (/usr/bin/chromium) is not installed" chromium
  fi
  export EML_CHROMIUM=/usr/bin/chromium
fi

if [ "$setup_only" = true ]; then
  log "ready; for a focused run: dotnet test tests/PROJECT --filter \"FullyQualifiedName~NAME\" with"
  printf "export CI=%s EML_TEST_POSTGRES='%s' EML_CHROMIUM='%s'\n" "$CI" "$EML_TEST_POSTGRES" "$EML_CHROMIUM"
  exit 0
fi

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
