#!/usr/bin/env bash
# The main job: build the `shangmi` command, run the power-on self-test, and
# show SM2, SM3 and SM4 at work on a fresh key.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p shangmi-cli
bin=target/release/shangmi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> power-on self-test"
$bin selftest

echo "==> SM3 of \"abc\""
printf abc | $bin hash --alg sm3

echo "==> an SM2 key pair"
$bin keygen --alg sm2 --out "$work/device.key"
$bin pubkey --key "$work/device.key" --out "$work/device.pub"
cat "$work/device.pub"

echo "==> SM2 signature (ID 1234567812345678) over a firmware image, then verified"
head -c 65536 /dev/urandom > "$work/firmware.bin"
$bin sign --key "$work/device.key" --in "$work/firmware.bin" --out "$work/firmware.sig"
$bin verify --pub "$work/device.pub" --in "$work/firmware.bin" --sig "$work/firmware.sig"

echo "==> SM2 encryption to the device key, then decrypted"
printf 'session key material' | $bin encrypt --pub "$work/device.pub" --out "$work/msg.sm2"
$bin decrypt --key "$work/device.key" --in "$work/msg.sm2"; echo

echo "==> SM4-GCM (RFC 8998 test key and nonce)"
printf 'telemetry record 0001' | $bin sm4 --mode gcm --key 0123456789abcdeffedcba9876543210 \
  --iv 00001234567800000000abcd | od -An -tx1 | head -3
