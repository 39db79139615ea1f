#!/usr/bin/env bash
# Conformance against the reference server, as independent clients see it:
#  1. Svix's official Python SDK (pinned) drives it (tests/conformance/python_sdk_check.py);
#  2. schemathesis (pinned 4.x) checks it against openapi.json: all checks, 50 examples per
#     operation, the stateful phase, a fixed seed and a bounded wall time. Zero failures allowed;
#     a failure prints the request that reproduces it.
# Installs what it needs into a venv (default target/conformance-venv), starts the server on a
# free loopback port with a throw-away database, and stops it on exit.
# Usage: tests/conformance/run.sh            (env: MAX_TIME=seconds for schemathesis, default 240;
#        CONFORMANCE_DATABASE=postgres://… to run the server on PostgreSQL, default :memory:)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
venv="${VENV:-$root/target/conformance-venv}"
max_time="${MAX_TIME:-240}"
database="${CONFORMANCE_DATABASE:-:memory:}"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/conformance/requirements.txt

cargo build --quiet -p svix-auth-reference-server
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
admin="sk_admin_conformance_0123456789_$(date +%s)"
log="$root/target/conformance-server.log"
SVIX_AUTH_ADMIN_TOKEN="$admin" "${CARGO_TARGET_DIR:-$root/target}/debug/svix-auth-reference-server" \
  --listen "127.0.0.1:$port" --database "$database" --rate-limit 1000000 --rate-limit-burst 1000000 \
  --auth-failure-rate 1000000 --auth-failure-burst 1000000 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  "$venv/bin/python" -c "import urllib.request, sys; urllib.request.urlopen('$base/api/v1/health')" 2>/dev/null && break
  sleep 0.1
done

status=0
echo "-- official Svix Python SDK"
"$venv/bin/python" tests/conformance/python_sdk_check.py "$base" "$admin" || status=1

echo "-- schemathesis (seed 42, 50 examples per operation, stateful, max ${max_time}s)"
SCHEMATHESIS_HOOKS=tests.conformance.hooks PYTHONPATH="$root" "$venv/bin/schemathesis" run openapi.json --url "$base" \
  --header "Authorization: Bearer $admin" \
  --checks all --max-examples 50 --seed 42 --max-time "$max_time" \
  --phases examples,coverage,fuzzing,stateful --no-color || status=1

if [ "$status" -ne 0 ]; then
  echo "-- server log (last 50 lines)"; tail -n 50 "$log"
fi
exit "$status"
