//! The strings operators type: names, alternative names, constraints.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shangmi_pki::name;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(n) = name::parse_name(s) {
            let _ = name::display_name(&n);
        }
        if let Ok(g) = name::parse_general_names(s) {
            for x in &g {
                let _ = name::display_general_name(x);
            }
        }
        let _ = name::parse_constraints(s);
    }
});
