//! Private and public keys: PKCS#8 (plain and encrypted), SEC1, SPKI.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi::alg::{PrivateKey, PublicKey};

fuzz_target!(|data: &[u8]| {
    let _ = PrivateKey::from_der(data, None);
    let _ = PrivateKey::from_der(data, Some(b"passphrase"));
    let _ = PublicKey::from_der(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(s, None);
        let _ = PublicKey::from_pem(s);
    }
});
