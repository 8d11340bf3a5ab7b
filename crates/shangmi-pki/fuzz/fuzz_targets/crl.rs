//! CRLs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::{Crl, text};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Crl::from_der(data) {
        let _ = text::crl(&c);
        let _ = c.entries();
        let _ = c.scope();
        let _ = c.number();
        let _ = c.delta_base();
    }
});
