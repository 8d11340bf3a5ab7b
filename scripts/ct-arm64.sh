#!/usr/bin/env bash
# The constant-time check on AArch64, under qemu-aarch64 (called by
# scripts/test.sh; needs the arm64 valgrind root that test.sh's install
# step unpacks, and the host ct-check built in the `ct` profile):
#   1. valgrind memcheck (Debian's arm64 valgrind, itself run by
#      qemu-aarch64): the leaky controls must be caught, every case must
#      pass, on the kernels valgrind lets the program select (it reports
#      AES and PMULL but not the SM3/SM4 instructions in HWCAP: NEON+AES
#      SM4, PMULL GHASH, portable SM3 and SM2), then on the portable
#      kernels (force-portable);
#   2. trace comparison under `qemu-aarch64 -cpu max` (AES, PMULL, SM3,
#      SM4: the SM4E and SM3-instruction kernels) with the ct-trace plugin:
#      every case in three variants of its secrets must leave the same
#      instruction and memory-address trace; the leaky controls must not.
# Environment: CARGO_TARGET_DIR (default target), ARM64_VALGRIND_ROOT
# (default target/arm64-valgrind/root).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
root=${ARM64_VALGRIND_ROOT:-target/arm64-valgrind/root}
exe=$target_dir/aarch64-unknown-linux-gnu/ct/ct-check
host_ct=$target_dir/ct/ct-check
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc

if [ ! -x "$root/usr/libexec/valgrind/memcheck-arm64-linux" ]; then
  echo "ct-arm64: no arm64 valgrind in $root (scripts/test.sh installs it)" >&2
  exit 2
fi
if [ ! -x "$host_ct" ]; then
  echo "ct-arm64: $host_ct missing: cargo build -p ct-check --profile ct first" >&2
  exit 2
fi

# memcheck for AArch64 binaries: valgrind's arm64 tool run by qemu-user,
# with the root's loader and libraries (-L; libc6-dbg there matches its
# ld.so, which memcheck needs).
vg() {
  VALGRIND_LIB=$root/usr/libexec/valgrind VALGRIND_LAUNCHER=$root/usr/bin/valgrind.bin \
    qemu-aarch64 -cpu max -L "$root" "$root/usr/libexec/valgrind/memcheck-arm64-linux" \
    -q --error-exitcode=1 --suppressions=crates/ct-check/declassify.supp "$@"
}

. scripts/ct-controls.sh
# A leaky control must fail with its own memcheck report, inside it, not
# for another reason.
vg_control() {
  ct_memcheck_control "ct-arm64: valgrind" "$target_dir/ct-arm64-$1.txt" "$1" vg "$exe" "$1"
}

echo "-- valgrind memcheck under qemu-aarch64, the kernels valgrind lets the program select"
cargo build -p ct-check --profile ct --locked --target aarch64-unknown-linux-gnu
vg_control leaky-control
vg_control leaky-branch
CT_EXPECT_KERNELS="SM3=portable/portable;SM4=NEON+AES;GHASH=PMULL;SM2=portable" vg "$exe"
echo "ct-arm64: valgrind: NEON+AES SM4, PMULL GHASH, portable SM3 and SM2 are constant time"

echo "-- trace comparison under qemu-aarch64 -cpu max (SM4E, SM3 instructions)"
plugin=$target_dir/ct-trace.so
gcc -O2 -Wall -Wextra -Werror -fvisibility=hidden -shared -fPIC \
  -o "$plugin" crates/ct-check/qemu/ct-trace.c
qtrace() {
  SHANGMI_EXPECT_SM_INSNS=1 CT_EXPECT_KERNELS="SM4=SM4E;GHASH=PMULL" \
    "$host_ct" qemu-trace --exe "$exe" --plugin "$plugin" --out "$target_dir/ct-trace" \
    --qemu "qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu" "$@"
}
for c in leaky-control leaky-branch; do
  ct_trace_control "ct-arm64: trace" "$target_dir/ct-arm64-trace-$c.txt" "$c" qtrace "$c"
done
qtrace
echo "ct-arm64: trace: SM4E SM4, SM3 instructions, PMULL GHASH and portable SM2 leave the same trace for every secret"

echo "-- valgrind memcheck under qemu-aarch64, the portable kernels (force-portable)"
cargo build -p ct-check --profile ct --locked --target aarch64-unknown-linux-gnu --features force-portable
vg_control leaky-control
vg_control leaky-branch
CT_EXPECT_KERNELS="SM3=portable/portable;SM4=portable (bitsliced);GHASH=portable (ctmul);SM2=portable" vg "$exe"
echo "ct-arm64: valgrind: the portable kernels compiled for AArch64 are constant time"
