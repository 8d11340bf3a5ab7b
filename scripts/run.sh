#!/usr/bin/env bash
# The main job: the device-issuing CA on its embedded database, serving EST
# and the admin API over HTTPS and CRLs and OCSP over HTTP, ready to enroll
# a device. The first run creates the CA home (SM2 and ECDSA roots and
# issuing CAs, encrypted keys, configuration, SQLite database) and prints
# the root fingerprints and a first enrollment token.
#   scripts/run.sh                     home: ./ca-home (or $SHANGMI_CA_HOME)
#   scripts/run.sh --listen 0.0.0.0:8443 --http-listen 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p shangmi-cli
home=${SHANGMI_CA_HOME:-ca-home}
cat <<MSG
==> starting the CA in $home (Ctrl-C stops it)
    enroll a device from another shell, e.g.:
      target/release/shangmi est enroll --server https://127.0.0.1:8443 \\
        --cacert $home/certs/root-ecdsa.pem --token <TOKEN> \\
        --keygen sm2 --key dev.key --subject "CN=dev-0001,O=Acme" --san URI:urn:dev:0001 --out dev.pem
    more tokens: target/release/shangmi ca token create --home $home --san "URI:urn:dev:*"
MSG
exec target/release/shangmi ca serve --home "$home" "$@"
