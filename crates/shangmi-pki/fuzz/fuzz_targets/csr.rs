//! Certification requests.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::{Csr, text};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Csr::from_der(data) {
        let _ = text::csr(&r);
        let _ = r.verify();
        let _ = r.challenge_password();
        let _ = r.subject_alt_names();
    }
});
