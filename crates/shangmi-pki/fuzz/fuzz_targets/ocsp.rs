//! OCSP requests (DER and the RFC 5019 GET form) and responses.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::{ocsp, text};

fuzz_target!(|data: &[u8]| {
    let _ = ocsp::parse_request(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(d) = ocsp::request_from_get_path(s) {
            let _ = ocsp::parse_request(&d);
        }
    }
    if let Ok(r) = ocsp::Response::from_der(data) {
        let _ = text::ocsp_response(&r);
        let _ = r.nonce();
        let _ = r.tbs_der();
        let _ = r.answers();
    }
});
