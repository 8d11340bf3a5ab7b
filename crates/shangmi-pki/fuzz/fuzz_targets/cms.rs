//! CMS: SignedData (attached and detached) and enveloped data.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::cms;

fuzz_target!(|data: &[u8]| {
    let _ = cms::certificates(data);
    let _ = cms::verify(data, None, &[]);
    let _ = cms::verify(data, Some(b"content"), &[]);
});
