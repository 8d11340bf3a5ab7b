#!/usr/bin/env bash
# Checks the CA's HTTPS API against its OpenAPI document with schemathesis
# (property-based requests; every check on, including "never a server
# error" and schema conformance of every response).
#   scripts/api-conformance.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
S=${SHANGMI_BIN:-target/debug/shangmi}
[ -x "$S" ] || cargo build --locked -p shangmi-cli
st=target/pyenv/bin/schemathesis
[ -x "$st" ] || { python3 -m venv target/pyenv; target/pyenv/bin/pip install -q schemathesis; }
w=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$w"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$S ca init --home "$w/ca" >/dev/null
$S ca serve --home "$w/ca" --listen "127.0.0.1:$port" --http-listen "127.0.0.1:$hport" >"$w/serve.log" 2>&1 & pid=$!
for _ in $(seq 100); do grep -q '^ready' "$w/serve.log" && break; sleep 0.1; done
grep -q '^ready' "$w/serve.log" || { cat "$w/serve.log" >&2; exit 1; }
admin=$($S ca admin-token create --home "$w/ca" --role admin)
# EST bodies are base64 PKCS#10, which schemathesis cannot build; the EST
# operations are exercised by real clients in the integration tests.
"$st" run crates/shangmi-ca/openapi.json --url "https://127.0.0.1:$port" \
  --tls-verify "$w/ca/certs/root-ecdsa.pem" -H "Authorization: Bearer $admin" \
  --checks all --exclude-path-regex '(simpleenroll|simplereenroll|serverkeygen)$' \
  -n 30 --max-time "$secs" --seed 20261125
