#!/usr/bin/env bash
# Runs shangmi beside its peers on this machine and writes
# benches/RESULTS.md and benches/results.svg.
#   benches/run.sh            RustCrypto, libsm, OpenSSL, libgcrypt
#   benches/run.sh --gmssl    also GmSSL, built from source (needs cmake and libclang-dev)
set -euo pipefail
cd "$(dirname "$0")/.."
features=()
if [ "${1:-}" = "--gmssl" ]; then
  features=(--features gmssl)
  for p in cmake libclang-dev; do dpkg -s "$p" >/dev/null 2>&1 || sudo_apt=1; done
  if [ -n "${sudo_apt:-}" ]; then apt-get install -y -qq cmake libclang-dev; fi
fi
for p in libssl-dev libgcrypt20-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || apt-get install -y -qq "$p"
done
rm -rf target/criterion
cargo bench --locked -p shangmi-benches --bench compare "${features[@]}"
python3 benches/report.py "benches/run.sh $*"
