#!/usr/bin/env bash
# Enrollment throughput of the CA on this machine, over loopback, with the
# release build: one node on SQLite, then two nodes sharing PostgreSQL.
# Each enrollment is a fresh TLS connection, an SM2 CSR checked, a
# certificate linted, signed and stored with its audit entry.
#   benches/ca_load.sh [COUNT] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000}
conc=${2:-32}
cargo build --release --locked -p shangmi-cli >/dev/null
S=$PWD/target/release/shangmi
w=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$w"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hash=$(printf 'load-pass\n' | $S ca hash-password)
prov=$(printf '[[provisioners]]\nname = "load"\nkind = "basic"\nusername = "load"\npassword_hash = "%s"\n' "$hash")
setup() { # home https http
  python3 - "$1/config.toml" "$2" "$3" <<'PY'
import sys, re
p, hp, pp = sys.argv[1:]
s = open(p).read()
s = re.sub(r'^listen = .*$', f'listen = "127.0.0.1:{hp}"', s, flags=re.M)
s = re.sub(r'^http_listen = .*$', f'http_listen = "127.0.0.1:{pp}"', s, flags=re.M)
s = re.sub(r'^public_url = .*$', f'public_url = "http://127.0.0.1:{pp}"', s, flags=re.M)
open(p, "w").write(s)
PY
  printf '%s\n' "$prov" >> "$1/config.toml"
}
serve() { # home
  : > "$1.log"; $S ca serve --home "$1" > "$1.log" 2>&1 & pids+=($!)
  for _ in $(seq 100); do grep -q '^ready' "$1.log" && return; sleep 0.1; done
  cat "$1.log" >&2; exit 1
}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"

$S ca init --home "$w/sqlite" >/dev/null
h1=$(free_port); p1=$(free_port); setup "$w/sqlite" "$h1" "$p1"; serve "$w/sqlite"
echo "SQLite, 1 node:"
$S est load --server "https://127.0.0.1:$h1" --cacert "$w/sqlite/certs/root-ecdsa.pem" --user load --password load-pass --count "$count" --concurrency "$conc"

url=$(scripts/pg.sh)
db="load_$(date +%s)_$$"
psql "$url" -qc "CREATE DATABASE $db"
pgurl="${url%/*}/$db"
$S ca init --home "$w/pg-a" --database "$pgurl" >/dev/null
mkdir -p "$w/pg-b"; cp -a "$w/pg-a/config.toml" "$w/pg-a/passphrase" "$w/pg-a/keys" "$w/pg-a/certs" "$w/pg-b/"
ha=$(free_port); pa=$(free_port); hb=$(free_port); pb=$(free_port)
setup "$w/pg-a" "$ha" "$pa"; setup "$w/pg-b" "$hb" "$pb"
serve "$w/pg-a"; serve "$w/pg-b"
echo "PostgreSQL, 2 nodes:"
$S est load --server "https://127.0.0.1:$ha" --also "https://127.0.0.1:$hb" --cacert "$w/pg-a/certs/root-ecdsa.pem" --user load --password load-pass --count "$count" --concurrency "$conc"
echo "PostgreSQL, 1 node (for scale):"
$S est load --server "https://127.0.0.1:$ha" --cacert "$w/pg-a/certs/root-ecdsa.pem" --user load --password load-pass --count "$count" --concurrency "$conc"
$S ca audit verify --home "$w/pg-a"
psql "$url" -qc "DROP DATABASE $db" >/dev/null 2>&1 || true
