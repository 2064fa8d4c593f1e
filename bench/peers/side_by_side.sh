#!/usr/bin/env bash
# Publishes eml once (Release) and runs bench/peers/side_by_side.py with it: ours vs scikit-learn 1.2 / XGBoost 1.7
# on the same 80/20 splits of ../shared/datasets. Extra arguments go to the Python script (--datasets a,b, --markdown F).
# Needs Debian's python3-sklearn, python3-xgboost and python3-pandas (run with /usr/bin/python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
publish="${EML_PUBLISH_DIR:-$(mktemp -d)/eml}"
dotnet publish "$root/src/EnterpriseML.Cli" -c Release -o "$publish" -v q -nologo >&2
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec /usr/bin/python3 "$root/bench/peers/side_by_side.py" --eml "$publish/eml" "$@"
