#!/usr/bin/env bash
# Runs every cargo-fuzz target of crates/shangmi-pki/fuzz for a bounded
# time, starting from a seed corpus of fresh objects made by the `shangmi`
# command. A crash stops the run (exit 1); copy the input libFuzzer names
# into crates/shangmi-pki/tests/fuzz-regressions/ when fixing it.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# Seeds come from the command the tests built (or a fresh debug build).
S=${SHANGMI_BIN:-target/debug/shangmi}
[ -x "$S" ] || cargo build --locked -p shangmi-cli
corpus=target/fuzz-corpus
rm -rf "$corpus"; mkdir -p "$corpus"/{cert,csr,crl,ocsp,cms,pem,keys,names}
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
for alg in sm2 p256 ed25519; do
  $S keygen --alg $alg --out "$w/ca.key"
  $S x509 selfsign --key "$w/ca.key" --subject "CN=Seed CA $alg,O=seed,C=CN" --profile root-ca --outform der --out "$corpus/cert/ca-$alg.der"
  $S x509 selfsign --key "$w/ca.key" --subject "CN=Seed CA $alg,O=seed,C=CN" --profile root-ca --out "$w/ca.pem"
  $S keygen --alg $alg --out "$w/ee.key"
  $S req --key "$w/ee.key" --subject "CN=dev,O=seed" --san "DNS:a.example.com,IP:10.0.0.1,URI:urn:dev:1" --challenge tok --outform der --out "$corpus/csr/req-$alg.der"
  $S req --key "$w/ee.key" --subject "CN=dev,O=seed" --out "$w/req.pem"
  $S x509 issue --ca-cert "$w/ca.pem" --ca-key "$w/ca.key" --csr "$w/req.pem" --profile device --san "DNS:a.example.com" --crl-url http://x/crl --ocsp-url http://x/ocsp --outform der --out "$corpus/cert/ee-$alg.der"
  $S x509 issue --ca-cert "$w/ca.pem" --ca-key "$w/ca.key" --csr "$w/req.pem" --profile device --out "$w/ee.pem"
  cp "$w/ee.pem" "$corpus/pem/ee-$alg.pem"
  cp "$w/ee.key" "$corpus/keys/ee-$alg.pem"
  $S crl gen --ca-cert "$w/ca.pem" --ca-key "$w/ca.key" --revoked 0102:keyCompromise,03 --url http://x/crl --outform der --out "$corpus/crl/crl-$alg.der"
  $S ocsp request --issuer "$w/ca.pem" --cert "$w/ee.pem" --out "$corpus/ocsp/req-$alg.der" 2>/dev/null
  $S ocsp respond --ca-cert "$w/ca.pem" --responder-cert "$w/ca.pem" --responder-key "$w/ca.key" --reqin "$corpus/ocsp/req-$alg.der" --revoked 0102 --out "$corpus/ocsp/resp-$alg.der"
  echo fw | $S cms sign --cert "$w/ee.pem" --key "$w/ee.key" --out "$corpus/cms/signed-$alg.der"
done
$S keygen --alg sm2 --out "$w/k.key"; $S req --key "$w/k.key" --subject "CN=r" --out "$w/r.pem"
$S x509 issue --ca-cert "$w/ca.pem" --ca-key "$w/ca.key" --csr "$w/r.pem" --profile encrypt --out "$w/enc.pem" 2>/dev/null || true
printf 'CN=dev-0001,O=Acme,C=CN' > "$corpus/names/1"; printf 'DNS:x.example.com,IP:10.0.0.1,URI:urn:dev:1,HWSN:1.2.3:SN1' > "$corpus/names/2"
printf 'IP:10.0.0.0/8,DNS:.example.com' > "$corpus/names/3"
cd crates/shangmi-pki/fuzz
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for t in cert csr crl ocsp cms pem keys names; do
  echo "==> fuzz $t for ${secs}s"
  log="../../../target/fuzz-$t.log"
  if ! cargo fuzz run -O "$t" "../../../$corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz target $t found a crash (log: target/fuzz-$t.log)" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$log" || true
done
echo "fuzzing: no crash"
