#!/usr/bin/env bash
# Runs every test of shangmi on a fresh Debian machine: installs what the
# suites need, then runs them in order, stopping at the first failure.
#   scripts/test.sh            everything
#   SKIP_INSTALL=1 scripts/test.sh   skip apt-get and rustup steps
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

if [ -z "${SKIP_INSTALL:-}" ]; then
  step "install system packages"
  need=()
  for p in openssl pkg-config gcc valgrind curl sqlite3; do
    command -v "$p" >/dev/null || need+=("$p")
  done
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
  # The benches link the system OpenSSL and libgcrypt (peers); clippy
  # builds them.
  [ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
  [ -f /usr/include/gcrypt.h ] || need+=(libgcrypt20-dev)
  [ -f /usr/include/valgrind/memcheck.h ] || need+=(valgrind)
  command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
  command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
  if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
  fi
  step "install pkilint and schemathesis (PyPI)"
  if [ ! -x target/pyenv/bin/lint_pkix_cert ] || [ ! -x target/pyenv/bin/schemathesis ]; then
    mkdir -p target
    [ -x target/pyenv/bin/pip ] || python3 -m venv target/pyenv
    target/pyenv/bin/pip install -q pkilint schemathesis
  fi
  step "install rust components and targets"
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  rustup target add thumbv7em-none-eabihf wasm32-unknown-unknown aarch64-unknown-linux-gnu
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "no_std builds of crates/shangmi (thumbv7em-none-eabihf, wasm32-unknown-unknown)"
RUSTFLAGS="-D warnings" cargo build -p shangmi --no-default-features --target thumbv7em-none-eabihf --locked
RUSTFLAGS="-D warnings" cargo build -p shangmi --no-default-features --target wasm32-unknown-unknown --locked
RUSTFLAGS="-D warnings" cargo build -p shangmi --no-default-features --features alloc --target thumbv7em-none-eabihf --locked

step "start PostgreSQL for the multi-node storage tests"
SHANGMI_TEST_PG=$(scripts/pg.sh)
export SHANGMI_TEST_PG
trap 'scripts/pg.sh stop' EXIT
echo "PostgreSQL at $SHANGMI_TEST_PG"

step "unit, integration and doc tests"
cargo test --workspace --locked --no-fail-fast 2>&1 | tee target/test-output.txt
grep -E "^test result:" target/test-output.txt | awk '{p+=$4; f+=$6; i+=$8} END {printf "\nrust: %d passed, %d failed, %d skipped\n", p, f, i}'

step "the CA's HTTPS API against its OpenAPI document (schemathesis)"
scripts/api-conformance.sh "${API_SECONDS:-45}"

step "fuzz every parser for a bounded time (cargo fuzz)"
scripts/fuzz.sh "${FUZZ_SECONDS:-15}"

step "core tests on AArch64 (cross-compiled, run under qemu-aarch64)"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
aarch64_test() {
  local cpu=$1; shift
  echo "-- qemu-aarch64 -cpu $cpu $*"
  # qemu-user passes the environment (SHANGMI_EXPECT_SM_INSNS) through.
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -cpu $cpu -L /usr/aarch64-linux-gnu" \
    cargo test -p shangmi --lib --locked --target aarch64-unknown-linux-gnu "$@"
}
# -cpu max: AES, PMULL, SM3 and SM4 instructions, so every kernel runs
# (and the tests fail if the SM3/SM4 instructions go undetected).
SHANGMI_EXPECT_SM_INSNS=1 aarch64_test max
# -cpu cortex-a72: AES and PMULL but no SM3/SM4 instructions.
aarch64_test cortex-a72
# Every extension off. qemu 7.2 cannot clear the AES/PMULL ID bits of its
# CPU models, so the portable kernels are forced by the feature instead.
aarch64_test max --features force-portable

step "constant-time check: secret-dependent operations under valgrind memcheck"
cargo build -p ct-check --profile ct --locked
if valgrind -q --error-exitcode=1 --suppressions=crates/ct-check/declassify.supp target/ct/ct-check leaky-control >target/ct-control.txt 2>&1; then
  echo "ct-check: the leaky control case was NOT caught: the check is broken" >&2
  exit 1
fi
echo "ct-check: leaky control caught, as it must be"
valgrind -q --error-exitcode=1 --suppressions=crates/ct-check/declassify.supp target/ct/ct-check
echo "ct-check: the kernels this CPU selects (under valgrind) are constant time"
# The same cases on the portable kernels, whatever the CPU offers.
cargo build -p ct-check --profile ct --locked --features force-portable
valgrind -q --error-exitcode=1 --suppressions=crates/ct-check/declassify.supp target/ct/ct-check
echo "ct-check: the portable kernels are constant time"

step "all suites passed"
