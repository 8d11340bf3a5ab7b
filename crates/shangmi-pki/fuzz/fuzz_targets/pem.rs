//! PEM framing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::pem;

fuzz_target!(|data: &[u8]| {
    let _ = pem::decode_all(data, "CERTIFICATE");
    let _ = pem::decode_one(data, "X509 CRL");
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = shangmi::keys::pem_decode(s);
    }
});
