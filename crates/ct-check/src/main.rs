//! ct-check: shangmi's constant-time check (the ctgrind method).
//!
//! Each case marks its secret inputs (keys, plaintexts, nonces, random
//! bytes) as *undefined* for valgrind memcheck, runs one secret-dependent
//! operation, then marks the outputs defined again. Memcheck reports every
//! conditional branch and every memory address computed from undefined
//! bytes, so under `valgrind --error-exitcode=1` a case fails as soon as a
//! secret steers control flow or a table index. The only exemption is the
//! crate's declassification point `shangmi::ct::declassify`
//! (`declassify.supp`). The `leaky-control` case indexes a table with a
//! secret on purpose: the check must catch it, which shows it can fail.
//!
//! ```text
//! ct-check --list            names of the cases
//! ct-check [CASE...]         run the named cases (default: all but leaky-control)
//! ```
#![allow(unsafe_code)]

mod cases;

use std::process::ExitCode;

mod ffi {
    use core::ffi::c_void;
    unsafe extern "C" {
        pub fn ct_secret(p: *const c_void, n: usize);
        pub fn ct_public(p: *const c_void, n: usize);
        pub fn ct_running_on_valgrind() -> u32;
    }
}

/// Marks `v`'s bytes as secret (undefined) for memcheck.
pub fn secret<T: ?Sized>(v: &T) {
    // SAFETY: the client request only updates valgrind's shadow memory for
    // this live, readable object; outside valgrind it does nothing.
    unsafe { ffi::ct_secret((v as *const T).cast(), core::mem::size_of_val(v)) }
}

/// Marks `v`'s bytes as public (defined) again, e.g. an output.
pub fn public<T: ?Sized>(v: &T) {
    // SAFETY: as in `secret`.
    unsafe { ffi::ct_public((v as *const T).cast(), core::mem::size_of_val(v)) }
}

fn on_valgrind() -> bool {
    // SAFETY: reads valgrind's client-request answer; no memory is touched.
    unsafe { ffi::ct_running_on_valgrind() != 0 }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for c in cases::ALL {
            println!("{}", c.name);
        }
        return ExitCode::SUCCESS;
    }
    if !on_valgrind() {
        eprintln!("ct-check: not running under valgrind; the cases run but nothing is checked");
    }
    // The kernels must be the ones the (virtual) CPU calls for, or the check
    // would pass on code that production never runs.
    let (sm3_one, sm3_many) = shangmi::sm3::kernels();
    eprintln!("ct-check: SM3 kernels: {sm3_one} (one message), {sm3_many} (many)");
    eprintln!(
        "ct-check: SM4 kernel: {}; GHASH kernel: {}; SM2: {}",
        shangmi::sm4::kernel_name(),
        shangmi::ghash::kernel_name(),
        shangmi::sm2::kernel_name()
    );
    #[cfg(target_arch = "x86_64")]
    if !cfg!(feature = "force-portable")
        && std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
        && (sm3_one, sm3_many) != ("avx2-bmi2", "avx2-x8")
    {
        eprintln!("ct-check: the CPU has AVX2 and BMI2 but the SM3 kernels were not selected");
        return ExitCode::FAILURE;
    }
    if cfg!(feature = "force-portable") && (sm3_one, sm3_many) != ("portable", "portable") {
        eprintln!("ct-check: force-portable, yet an SM3 kernel was selected");
        return ExitCode::FAILURE;
    }
    let selected: Vec<&cases::Case> = if args.is_empty() {
        cases::ALL
            .iter()
            .filter(|c| c.name != "leaky-control")
            .collect()
    } else {
        let mut v = Vec::new();
        for a in &args {
            match cases::ALL.iter().find(|c| c.name == a) {
                Some(c) => v.push(c),
                None => {
                    eprintln!("ct-check: unknown case {a} (see --list)");
                    return ExitCode::from(2);
                }
            }
        }
        v
    };
    for c in selected {
        eprintln!("ct-check: {}", c.name);
        (c.run)();
    }
    ExitCode::SUCCESS
}
