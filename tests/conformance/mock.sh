#!/usr/bin/env bash
# Schemathesis against the generated mock of each document given (default: openapi.json and a
# corpus sample): all checks (response schemas, status codes, content types, positive and
# negative data acceptance, ignored auth), a fixed seed, a bounded wall time per document. Zero
# failures allowed; a failure prints the request that reproduces it and the mock's log.
# Each mock is built with `cargo xtask mock --build-only` and served on a free loopback port.
# Usage: tests/conformance/mock.sh [DOC [HEADER]]...   (env: MAX_TIME seconds per document,
#        default 60; a DOC may be followed by one `Name: value` credential header to send)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
venv="${VENV:-$root/target/conformance-venv}"
max_time="${MAX_TIME:-60}"
corpus="$root/target/corpus/package/api"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/conformance/requirements.txt

if [ "$#" -eq 0 ]; then
  [ -d "$corpus" ] || { echo "no corpus at $corpus: run \`cargo xtask corpus --sample 1\` first" >&2; exit 1; }
  # openapi.json (bearer), and corpus documents of other vendors: Azure (OAuth2, sent as a
  # bearer token), Mastercard, a geo API, a currency API (no credentials); 1Password's events
  # (request bodies whose `oneOf` branches overlap), Bing News Search (an API key header;
  # recursive optional properties), HubSpot's OAuth (form bodies, errors declared for `*/*`),
  # 1Password Connect (uuid path parameters, whose format the router checks).
  set -- openapi.json "Authorization: Bearer testsk_mock" \
    "$corpus/azure.com/hdinsight-locations.json" "Authorization: Bearer tok123" \
    "$corpus/mastercard.com/SpendingPulse.json" "" \
    "$corpus/wyjyt-geo-calculate.azurewebsites.net.json" "" \
    "$corpus/exchangerate-api.com.json" "" \
    "$corpus/1password.com/events.json" "Authorization: Bearer tok123" \
    "$corpus/microsoft.com/cognitiveservices-NewsSearch.json" "Ocp-Apim-Subscription-Key: key123" \
    "$corpus/hubapi.com/auth.json" "" \
    "$corpus/1password.local/connect.json" "Authorization: Bearer tok123"
fi

cargo build --quiet --release -p xtask
status=0
while [ "$#" -gt 0 ]; do
  doc="$1"; header="${2:-}"; shift; [ "$#" -gt 0 ] && shift
  binary=$("$root/target/release/xtask" mock --spec "$doc" --build-only)
  port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log="$root/target/mock-$(basename "$doc").log"
  # The credential sent is the only one the mock accepts: schemathesis's invalid ones get 401.
  secret=""
  if [ -n "$header" ]; then
    secret=$(printf '%s' "$header" | sed -E 's/^[^:]*:[[:space:]]*//; s/^Bearer[[:space:]]+//')
    case "$secret" in
      Basic\ *) secret=$(printf '%s' "${secret#Basic }" | base64 -d | cut -d: -f2-) ;;
    esac
  fi
  credential=()
  [ -n "$secret" ] && credential=(--credential "$secret")
  "$binary" --listen "127.0.0.1:$port" --seed 7 "${credential[@]}" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.1
  done
  echo "-- schemathesis against the mock of $doc (seed 42, max ${max_time}s)"
  auth=()
  [ -n "$header" ] && auth=(--header "$header")
  if ! "$venv/bin/schemathesis" run "$doc" --url "http://127.0.0.1:$port" "${auth[@]}" \
      --checks all --max-examples 30 --seed 42 --max-time "$max_time" \
      --phases examples,coverage,fuzzing --no-color; then
    status=1
    echo "-- the mock's log (last 40 lines)"; tail -n 40 "$log"
  fi
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
done
exit "$status"
