//! Certificates: parse, then inspect, render, lint and validate.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::{Certificate, lint, path, text};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Certificate::from_der(data) {
        let _ = text::certificate(&c);
        let _ = lint::lint_certificate(&c, Some(&c));
        let _ = c.subject_alt_names();
        let _ = c.crl_urls();
        let _ = c.ocsp_urls();
        let _ = c.name_constraints();
        if let Ok(k) = c.public_key() {
            let _ = c.verify_signed_by(&k);
        }
        let _ = path::validate(&c, std::slice::from_ref(&c), &[], &path::Options::default());
    }
});
