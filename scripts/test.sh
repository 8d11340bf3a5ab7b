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
  step "install valgrind for arm64 (run by qemu-aarch64 for the AArch64 constant-time check)"
  # Debian's arm64 valgrind with the arm64 libc (and its debug info, which
  # memcheck needs and which must match that ld.so) and libgcc_s, unpacked
  # into a root that qemu-aarch64 -L uses; nothing is installed system-wide.
  vg_root=target/arm64-valgrind/root
  if [ ! -x "$vg_root/usr/libexec/valgrind/memcheck-arm64-linux" ] \
    || [ ! -e "$vg_root/lib/aarch64-linux-gnu/libgcc_s.so.1" ] \
    || [ ! -d "$vg_root/usr/lib/debug" ]; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
      $SUDO dpkg --add-architecture arm64
    fi
    if ! apt-cache policy valgrind:arm64 libc6-dbg:arm64 2>/dev/null | grep -q "Candidate: [0-9]"; then
      $SUDO apt-get update -qq
    fi
    rm -rf target/arm64-valgrind
    mkdir -p target/arm64-valgrind/debs "$vg_root"
    (cd target/arm64-valgrind/debs && apt-get download -qq valgrind:arm64 libc6:arm64 libc6-dbg:arm64 libgcc-s1:arm64)
    for d in target/arm64-valgrind/debs/*.deb; do dpkg -x "$d" "$vg_root"; done
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
# (CARGO_TARGET_DIR is honoured here and by scripts/ct-arm64.sh.)
ct_dir=${CARGO_TARGET_DIR:-target}
ct_check=$ct_dir/ct/ct-check
ct_vg() { valgrind -q --error-exitcode=1 --suppressions=crates/ct-check/declassify.supp "$ct_check" "$@"; }
. scripts/ct-controls.sh
# The kernels shangmi must select here, as a CT_EXPECT_KERNELS value, from
# the CPU flags in /proc/cpuinfo (not from shangmi's own detection, which
# this is to check), with the features given as arguments hidden (shell
# patterns: 'avx512*' hides every AVX-512 flag). The conditions are those
# of the kernels' selection (sm4/block.rs and sm4/x86.rs, ghash/mod.rs,
# sm2/x86.rs, sm3::kernels), so a CPU feature that goes undetected, or a
# kernel that is no longer selected, fails the run.
expect_kernels() {
  local f h sm3 sm4 ghash sm2
  local -A has=()
  for f in $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2); do
    for h in "$@"; do
      # shellcheck disable=SC2053
      [[ $f == $h ]] && continue 2
    done
    has[$f]=1
  done
  all() { local x; for x; do [ -n "${has[$x]:-}" ] || return 1; done; }
  if all avx2 bmi1 bmi2 avx512f avx512vl; then sm3=avx512-bmi2
  elif all avx2 bmi1 bmi2; then sm3=avx2-bmi2
  else sm3=portable; fi
  if all avx2; then sm3=$sm3/avx2-x8; else sm3=$sm3/portable; fi
  if all aes ssse3 sse2 avx512f avx512bw avx512vl gfni; then sm4="AVX-512+GFNI"
  elif all aes ssse3 sse2 avx2 vaes; then sm4="AVX2+VAES"
  elif all aes ssse3 sse2; then sm4="AES-NI"
  else sm4="portable (bitsliced)"; fi
  if all pclmulqdq ssse3 sse2 avx2 vpclmulqdq; then ghash="AVX2+VPCLMULQDQ"
  elif all pclmulqdq ssse3 sse2; then ghash="PCLMULQDQ"
  else ghash="portable (ctmul)"; fi
  if all bmi2 adx avx2; then sm2="MULX/ADX"
  elif all bmi2; then sm2="BMI2"
  else sm2=portable; fi
  echo "SM3=$sm3;SM4=$sm4;GHASH=$ghash;SM2=$sm2"
}
# valgrind's CPUID hides AVX-512, VAES, GFNI, VPCLMULQDQ and ADX.
vg_kernels=$(expect_kernels 'avx512*' vaes gfni vpclmulqdq adx)
portable_kernels="SM3=portable/portable;SM4=portable (bitsliced);GHASH=portable (ctmul);SM2=portable"
# Each leaky control must fail with its own memcheck report, inside it: a
# secret table index "Use of uninitialised value", a secret branch
# "Conditional jump or move depends on uninitialised value".
vg_controls() {
  local c
  for c in leaky-control leaky-branch; do
    ct_memcheck_control ct-check "$ct_dir/ct-control.txt" "$c" ct_vg "$c"
  done
}
vg_controls
echo "ct-check: expecting $vg_kernels"
CT_EXPECT_KERNELS=$vg_kernels ct_vg
echo "ct-check: the kernels this CPU selects under valgrind are constant time"
# valgrind hides ADX from CPUID but executes ADCX/ADOX: the SM2 MULX/ADX
# kernel (BMI2, ADX and AVX2) is checked by forcing it, where the CPU has
# it. (CT_EXPECT_KERNELS only confirms that the override took:
# kernel_name() reports the forced kernel.)
if grep -qw adx /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo; then
  CT_SM2_KERNEL=adx CT_EXPECT_KERNELS="SM2=MULX/ADX" ct_vg $("$ct_check" --list | grep '^sm2-')
  echo "ct-check: the SM2 MULX/ADX kernel is constant time under valgrind"
fi

step "constant-time check: trace comparison, natively (every kernel this CPU selects)"
# The same cases in three variants of their secrets (public inputs fixed):
# the instruction and memory-address traces must be identical. For the
# kernels valgrind cannot execute (AVX-512, VAES, GFNI, VPCLMULQDQ) and
# everything else this CPU selects, without valgrind in the way.
for c in leaky-control leaky-branch; do
  ct_trace_control "ct-check trace" "$ct_dir/ct-control.txt" "$c" "$ct_check" trace "$c"
done
echo "ct-check trace: expecting $(expect_kernels)"
CT_EXPECT_KERNELS=$(expect_kernels) "$ct_check" trace --variants 3
echo "ct-check trace: the kernels this CPU selects leave the same trace for every secret"
# A CPU with AVX-512 and GFNI selects their SM4 kernel over AVX2+VAES: hide
# both (CPUID faulting) to trace the AVX2+VAES kernel too.
if grep -qw avx512f /proc/cpuinfo && grep -qw gfni /proc/cpuinfo && grep -qw vaes /proc/cpuinfo; then
  set +e
  CT_EXPECT_KERNELS=$(expect_kernels 'avx512*' gfni) "$ct_check" trace --variants 3 --without avx512,gfni \
    $("$ct_check" --list | grep '^sm4-') 2>&1 | tee "$ct_dir/ct-vaes.txt"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 2 ] && grep -q "CPUID faulting" "$ct_dir/ct-vaes.txt"; then
      echo "ct-check trace: WARNING: no CPUID faulting here: the AVX2+VAES SM4 kernel is not checked" >&2
    else
      exit 1
    fi
  else
    echo "ct-check trace: the AVX2+VAES SM4 kernel leaves the same trace for every secret"
  fi
fi

# The valgrind cases on the portable kernels, whatever the CPU offers,
# after the controls again (another build).
cargo build -p ct-check --profile ct --locked --features force-portable
vg_controls
CT_EXPECT_KERNELS=$portable_kernels ct_vg
echo "ct-check: the portable kernels are constant time"

step "constant-time check on AArch64 (qemu-aarch64): valgrind memcheck and trace comparison"
scripts/ct-arm64.sh

step "all suites passed"
