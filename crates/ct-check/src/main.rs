//! ct-check: shangmi's constant-time check, in two methods.
//!
//! **valgrind memcheck (the ctgrind method).** Each case marks its secret
//! inputs (keys, plaintexts, nonces, random bytes) as *undefined* for
//! valgrind memcheck, runs one secret-dependent operation, then marks the
//! outputs defined again. Memcheck reports every conditional branch and
//! every memory address computed from undefined bytes, so under
//! `valgrind --error-exitcode=1` a case fails as soon as a secret steers
//! control flow or a table index. The only exemption is the crate's
//! declassification point `shangmi::ct::declassify` (`declassify.supp`).
//! It covers the kernels valgrind can execute, on x86-64 and (under
//! qemu-aarch64) on AArch64.
//!
//! **Trace comparison** (differential, as in DATA or Microwalk), for the
//! kernels valgrind cannot execute (AVX-512, VAES, GFNI, VPCLMULQDQ, the
//! AArch64 SM3/SM4 instructions) and everything else the CPU selects.
//! (valgrind does execute ADCX/ADOX, it only hides ADX from CPUID: the
//! valgrind run reaches the SM2 MULX/ADX kernel by forcing it,
//! `CT_SM2_KERNEL`.) Each case runs in several *variants*:
//! the bytes passed to [`secret`] and the outputs of the cases' random
//! generator differ per variant, the public inputs stay the same. The
//! tracer records every instruction address and every memory address
//! between [`trace_begin`] and [`trace_end`] and requires the variants'
//! traces to be identical. Natively on x86-64 (`ct-check trace`) each
//! variant runs in a forked child that steps itself instruction by
//! instruction with breakpoints (`step.rs`; `--method ptrace` single-steps
//! with ptrace instead, `ptrace.rs`, some 20 times slower on a virtual
//! machine); on AArch64 a QEMU plugin records the trace (`ct-check
//! trace-child` runs under it, `ct-check qemu-trace` drives and compares).
//! This is evidence for the inputs run, not a proof for all inputs:
//! memcheck's taint tracking sees every use of a secret, a trace
//! comparison only the uses that differ between the variants run.
//! Neither method sees time itself: an instruction whose latency depends
//! on its operands (DIV, UDIV) passes both, and the hardware instructions
//! (AES, GFNI, PMULL, SM4E, ...) are trusted to take data-independent
//! time; nor does a trace record which lanes a masked AVX-512 load or
//! store touches, only its address.
//!
//! The `leaky-control` case indexes a table with a secret on purpose, and
//! `leaky-branch` branches on one: every mode must catch both, which shows
//! the check can fail.
//!
//! ```text
//! ct-check --list              names of the cases
//! ct-check --kernels           the kernels this CPU selects
//! ct-check [CASE...]           run the cases (under valgrind; default: all but the leaky-*)
//! ct-check trace [--variants N] [--method int3|ptrace] [--without FEATURES]
//!                [--timeout SECS] [CASE...]
//!                              x86-64 Linux: native trace comparison (3 variants);
//!                              --without avx512,gfni hides CPU features (CPUID faulting)
//! ct-check trace-child CASE    run CASE with the trace markers on (CT_VARIANT=1, 2, ...)
//! ct-check qemu-trace --exe EXE --plugin SO [--variants N] [--out DIR]
//!                     [--timeout SECS] [CASE...]
//!                              run EXE trace-child under qemu with the plugin, compare
//! ```
//!
//! Environment: `CT_EXPECT_KERNELS=SM4=NEON+AES;GHASH=PMULL;...` fails the
//! run unless those kernels are selected; `SHANGMI_EXPECT_SM_INSNS` (on
//! AArch64) unless the SM3/SM4 instruction kernels are; `CT_SM2_KERNEL=adx`
//! (or `bmi2`, `portable`) forces the SM2 kernel; `CT_TIMEOUT=SECS` is the
//! default of `--timeout`: the traced children of a case still running
//! after it (300 s unless set) are killed and the run fails.
//!
//! Exit status: 0 clean; 1 a difference (trace modes) or a memcheck error
//! (valgrind's `--error-exitcode=1`); 2 a usage or environment error.
#![allow(unsafe_code)]

mod cases;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod cpuid;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod ptrace;
mod qemu;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod step;
mod trace;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod wait;

use core::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::process::ExitCode;

mod ffi {
    use core::ffi::c_void;
    // SAFETY: these signatures match the definitions in src/ctgrind.c
    // (`void ct_secret(const void *, size_t)`, the same for `ct_public`,
    // `unsigned ct_running_on_valgrind(void)`; size_t is usize and unsigned
    // is u32 on the targets ct-check builds for), compiled and linked by
    // build.rs.
    unsafe extern "C" {
        pub fn ct_secret(p: *const c_void, n: usize);
        pub fn ct_public(p: *const c_void, n: usize);
        pub fn ct_running_on_valgrind() -> u32;
    }
}

/// The variant of the secrets: 0 outside the trace modes (the secrets are
/// the cases' fixed bytes), 1, 2, ... in a traced run.
static VARIANT: AtomicU32 = AtomicU32::new(0);
/// Counts [`secret`] calls, so that each call draws different bytes.
static SECRET_CALLS: AtomicU64 = AtomicU64::new(0);
/// What [`trace_begin`] and [`trace_end`] do (a [`Markers`]).
static MARKERS: AtomicU8 = AtomicU8::new(0);
/// Counts [`trace_begin`] calls, in every mode (see [`run_case`]).
static REGIONS: AtomicU32 = AtomicU32::new(0);

/// How the trace markers show themselves to the tracer.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum Markers {
    /// Not traced: the markers do nothing (valgrind runs, warm-ups).
    None = 0,
    /// A ptrace'd child: `raise(SIGSTOP)`, the tracer toggles stepping.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    Ptrace = 1,
    /// Under the QEMU plugin: `hint #0x7e` and `hint #0x7f`, NOPs no
    /// compiler emits, which the plugin recognizes.
    #[cfg(target_arch = "aarch64")]
    Hint = 2,
    /// A self-stepping child (`step.rs`): an explicit `int3`.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    Int3 = 3,
}

fn set_variant(v: u32) {
    VARIANT.store(v, Ordering::Relaxed);
}

fn set_markers(m: Markers) {
    MARKERS.store(m as u8, Ordering::Relaxed);
}

/// The current variant (0: not a traced run).
pub fn variant() -> u32 {
    VARIANT.load(Ordering::Relaxed)
}

/// splitmix64: one step.
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A secret input: in a traced run, replaces `v`'s bytes with bytes drawn
/// for this variant (so the secrets differ between variants, with no
/// branch on the variant); then marks them secret (undefined) for memcheck.
pub fn secret(v: &mut [u8]) {
    let variant = variant();
    if variant != 0 {
        let call = SECRET_CALLS.fetch_add(1, Ordering::Relaxed);
        let mut state = (u64::from(variant) << 40) ^ call.wrapping_mul(0xd1b5_4a32_d192_ed03);
        for chunk in v.chunks_mut(8) {
            let x = splitmix(&mut state).to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
    }
    mark_secret(v);
}

/// Marks `v`'s bytes as secret (undefined) for memcheck, keeping them.
pub fn mark_secret<T: ?Sized>(v: &T) {
    // SAFETY: the client request only updates valgrind's shadow memory for
    // this live, readable object; outside valgrind it does nothing.
    unsafe { ffi::ct_secret((v as *const T).cast(), core::mem::size_of_val(v)) }
}

/// Marks `v`'s bytes as public (defined) again, e.g. an output.
pub fn public<T: ?Sized>(v: &T) {
    // SAFETY: as in `mark_secret`.
    unsafe { ffi::ct_public((v as *const T).cast(), core::mem::size_of_val(v)) }
}

/// Opens a trace region: from here to [`trace_end`] the trace modes record
/// every instruction and memory access. See the rule in `cases.rs`.
#[inline(never)]
pub fn trace_begin() {
    REGIONS.fetch_add(1, Ordering::Relaxed);
    marker(true);
}

/// Runs a case: each of its operations must have the outcome the case
/// expects, and it must open as many trace regions as it declares (a case
/// that returned early would check less than it claims).
pub fn run_case(c: &cases::Case) -> Result<(), String> {
    REGIONS.store(0, Ordering::Relaxed);
    (c.run)()?;
    let n = REGIONS.load(Ordering::Relaxed) as usize;
    if n != c.regions {
        return Err(format!("{n} trace regions opened, {} expected", c.regions));
    }
    Ok(())
}

/// The exit status of a traced child whose case failed ([`run_case`]).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub const EXIT_CASE_FAILED: i32 = 7;

/// Runs a case in a forked, traced child with `markers` on, and returns
/// the child's exit status: 0; [`EXIT_CASE_FAILED`], after saying why; 4
/// when it panicked.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub fn run_traced(c: &cases::Case, markers: Markers) -> i32 {
    set_markers(markers);
    let r = std::panic::catch_unwind(|| run_case(c));
    set_markers(Markers::None);
    match r {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("ct-check: {}: variant {}: {e}", c.name, variant());
            EXIT_CASE_FAILED
        }
        Err(_) => 4,
    }
}

/// Closes a trace region.
#[inline(never)]
pub fn trace_end() {
    marker(false);
}

fn marker(begin: bool) {
    match MARKERS.load(Ordering::Relaxed) {
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        1 => {
            let _ = begin;
            // SAFETY: raise only sends a signal to this thread; the ptrace
            // parent stops and resumes it.
            unsafe {
                libc::raise(libc::SIGSTOP);
            }
        }
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        3 => {
            step::PENDING.store(if begin { 1 } else { 2 }, Ordering::Relaxed);
            // SAFETY: a breakpoint; the child's SIGTRAP handler takes it.
            unsafe { core::arch::asm!("int3", options(nostack)) }
        }
        #[cfg(target_arch = "aarch64")]
        2 => {
            if begin {
                // SAFETY: an unallocated hint: a NOP on every AArch64 CPU.
                unsafe { core::arch::asm!("hint #0x7e", options(nostack, preserves_flags)) }
            } else {
                // SAFETY: as above.
                unsafe { core::arch::asm!("hint #0x7f", options(nostack, preserves_flags)) }
            }
        }
        _ => {
            let _ = begin;
        }
    }
}

fn on_valgrind() -> bool {
    // SAFETY: reads valgrind's client-request answer; no memory is touched.
    unsafe { ffi::ct_running_on_valgrind() != 0 }
}

/// The kernels this CPU selects, as `NAME=kernel` pairs.
fn kernels() -> Vec<(&'static str, String)> {
    let (sm3_one, sm3_many) = shangmi::sm3::kernels();
    vec![
        ("SM3", format!("{sm3_one}/{sm3_many}")),
        ("SM4", shangmi::sm4::kernel_name().to_string()),
        ("GHASH", shangmi::ghash::kernel_name().to_string()),
        ("SM2", shangmi::sm2::kernel_name().to_string()),
    ]
}

fn kernels_line() -> String {
    let k: Vec<String> = kernels()
        .into_iter()
        .map(|(n, k)| format!("{n} {k}"))
        .collect();
    k.join(", ")
}

/// Checks that the kernels are the ones the (virtual) CPU calls for, or
/// the check would pass on code that production never runs; and those
/// `CT_EXPECT_KERNELS` names (`SM4=NEON+AES;GHASH=PMULL;...`).
fn check_kernels() -> Result<(), String> {
    let (sm3_one, sm3_many) = shangmi::sm3::kernels();
    #[cfg(target_arch = "x86_64")]
    if !cfg!(feature = "force-portable")
        && std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
        && (sm3_one, sm3_many)
            != (
                if std::is_x86_feature_detected!("avx512vl") {
                    "avx512-bmi2"
                } else {
                    "avx2-bmi2"
                },
                "avx2-x8",
            )
    {
        return Err("the CPU has AVX2 and BMI2 but the SM3 kernels were not selected".into());
    }
    #[cfg(target_arch = "aarch64")]
    if std::env::var_os("SHANGMI_EXPECT_SM_INSNS").is_some()
        && (sm3_one != "sm3-insn" || shangmi::sm4::kernel_name() != "SM4E")
    {
        return Err(
            "SHANGMI_EXPECT_SM_INSNS is set but the SM3/SM4 instruction kernels were not selected"
                .into(),
        );
    }
    if cfg!(feature = "force-portable") && (sm3_one, sm3_many) != ("portable", "portable") {
        return Err("force-portable, yet an SM3 kernel was selected".into());
    }
    if let Ok(expect) = std::env::var("CT_EXPECT_KERNELS") {
        let have = kernels();
        for e in expect.split(';').filter(|e| !e.is_empty()) {
            let Some((name, want)) = e.split_once('=') else {
                return Err(format!("CT_EXPECT_KERNELS: {e}: not NAME=KERNEL"));
            };
            match have.iter().find(|(n, _)| *n == name) {
                Some((_, k)) if k == want => {}
                Some((_, k)) => return Err(format!("expected the {name} kernel {want}, got {k}")),
                None => return Err(format!("CT_EXPECT_KERNELS: no kernel named {name}")),
            }
        }
    }
    Ok(())
}

/// Applies `CT_SM2_KERNEL` (`adx`, `bmi2`, `portable`): the SM2 kernel to
/// check instead of the detected one. valgrind hides ADX from CPUID but
/// executes ADCX/ADOX, so the valgrind run reaches the ADX kernel only this
/// way. Set it only where the CPU runs the kernel's instructions: BMI2 and
/// AVX2, which CPUID still shows under valgrind, are checked here; ADX,
/// which it hides, is the caller's to vouch for.
fn force_sm2_kernel() -> Result<(), String> {
    let Ok(name) = std::env::var("CT_SM2_KERNEL") else {
        return Ok(());
    };
    #[cfg(target_arch = "x86_64")]
    {
        let bmi2 = std::is_x86_feature_detected!("bmi2");
        let avx2 = std::is_x86_feature_detected!("avx2");
        let missing = match name.as_str() {
            "adx" | "bmi2" if !bmi2 => Some("BMI2"),
            "adx" if !avx2 => Some("AVX2"),
            _ => None,
        };
        if let Some(f) = missing {
            return Err(format!(
                "CT_SM2_KERNEL={name}: the CPU does not report {f}, which that kernel needs"
            ));
        }
    }
    // SAFETY: BMI2 and AVX2 are checked above; for ADX the caller of
    // ct-check vouches, by setting the variable, that the CPU executes
    // ADCX/ADOX (see above).
    if unsafe { shangmi::sm2::force_kernel(Some(&name)) } {
        Ok(())
    } else {
        Err(format!("CT_SM2_KERNEL={name}: no such SM2 kernel here"))
    }
}

/// The cases named in `args` (all but the leaky controls when none).
fn select(args: &[String]) -> Result<Vec<&'static cases::Case>, String> {
    if args.is_empty() {
        return Ok(cases::ALL
            .iter()
            .filter(|c| !c.name.starts_with("leaky-"))
            .collect());
    }
    args.iter()
        .map(|a| {
            cases::ALL
                .iter()
                .find(|c| c.name == a)
                .ok_or_else(|| format!("unknown case {a} (see --list)"))
        })
        .collect()
}

/// Removes `--name VALUE` from `args` and returns the value.
fn take_opt(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let Some(i) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    if i + 1 >= args.len() {
        return Err(format!("{name} needs a value"));
    }
    let v = args.remove(i + 1);
    args.remove(i);
    Ok(Some(v))
}

/// `--timeout SECS` (default `CT_TIMEOUT`, else 300): how long the traced
/// children of one case may run before they are killed and the case fails.
fn timeout_opt(args: &mut Vec<String>) -> Result<std::time::Duration, String> {
    let v = match take_opt(args, "--timeout")? {
        Some(v) => v,
        None => std::env::var("CT_TIMEOUT").unwrap_or_else(|_| "300".into()),
    };
    match v.parse::<u64>() {
        Ok(s) if s > 0 => Ok(std::time::Duration::from_secs(s)),
        _ => Err(format!("timeout {v}: a number of seconds")),
    }
}

fn variants_opt(args: &mut Vec<String>, default: u32) -> Result<u32, String> {
    match take_opt(args, "--variants")? {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (2..=8).contains(&n) => Ok(n),
            _ => Err(format!("--variants {v}: a number from 2 to 8")),
        },
    }
}

/// Outcome of a run: `Ok(true)` clean, `Ok(false)` a difference found.
type Outcome = Result<bool, String>;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.first().map(String::as_str) {
        Some(m @ ("trace" | "trace-child" | "qemu-trace")) => {
            let m = m.to_string();
            args.remove(0);
            m
        }
        _ => String::new(),
    };
    let r = match mode.as_str() {
        "trace" => run_trace(args),
        "trace-child" => run_trace_child(args),
        "qemu-trace" => qemu::run(args),
        _ => run_plain(args),
    };
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ct-check: {e}");
            ExitCode::from(2)
        }
    }
}

/// The valgrind mode: runs the cases; memcheck does the checking.
fn run_plain(args: Vec<String>) -> Outcome {
    if args.iter().any(|a| a == "--list") {
        for c in cases::ALL {
            println!("{}", c.name);
        }
        return Ok(true);
    }
    if args.iter().any(|a| a == "--kernels") {
        force_sm2_kernel()?;
        println!("{}", kernels_line());
        check_kernels()?;
        return Ok(true);
    }
    if !on_valgrind() {
        eprintln!("ct-check: not running under valgrind; the cases run but nothing is checked");
    }
    force_sm2_kernel()?;
    eprintln!("ct-check: kernels: {}", kernels_line());
    check_kernels()?;
    for c in select(&args)? {
        eprintln!("ct-check: {}", c.name);
        run_case(c).map_err(|e| format!("{}: {e}", c.name))?;
    }
    Ok(true)
}

/// One traced run for the QEMU plugin: a warm-up, then the case again with
/// the markers on, for the variant in `CT_VARIANT`.
fn run_trace_child(args: Vec<String>) -> Outcome {
    let v: u32 = std::env::var("CT_VARIANT")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v| v >= 1)
        .ok_or("trace-child needs CT_VARIANT=1, 2, ...")?;
    let [name] = args.as_slice() else {
        return Err("trace-child takes one case".into());
    };
    let case = select(std::slice::from_ref(name))?[0];
    force_sm2_kernel()?;
    check_kernels()?;
    set_variant(v);
    #[cfg(target_arch = "aarch64")]
    {
        let name = |e| format!("{}: variant {v}: {e}", case.name);
        run_case(case).map_err(name)?;
        set_markers(Markers::Hint);
        let r = run_case(case);
        set_markers(Markers::None);
        r.map(|()| true).map_err(name)
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        let _ = case;
        Err("trace-child has markers only on AArch64 (use `trace` on x86-64)".into())
    }
}

/// The native trace comparison (x86-64 Linux).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn run_trace(mut args: Vec<String>) -> Outcome {
    if let Some(f) = take_opt(&mut args, "--without")? {
        cpuid::hide(&f)?;
        eprintln!("ct-check trace: CPUID hides {f}");
    }
    let variants = variants_opt(&mut args, 3)?;
    let timeout = timeout_opt(&mut args)?;
    let method = take_opt(&mut args, "--method")?.unwrap_or("int3".into());
    let tracer = match method.as_str() {
        "int3" => step::trace_case,
        "ptrace" => ptrace::trace_case,
        m => return Err(format!("--method {m}: int3 or ptrace")),
    };
    let selected = select(&args)?;
    force_sm2_kernel()?;
    check_kernels()?;
    eprintln!(
        "ct-check trace: {method} stepping; kernels: {}",
        kernels_line()
    );
    let sym = trace::SelfSymbolizer::new();
    let mut clean = true;
    for c in selected {
        let t0 = std::time::Instant::now();
        let traces = tracer(c, variants, timeout, &sym).map_err(|e| format!("{}: {e}", c.name))?;
        clean &= compare(c, &traces, &sym)?;
        eprintln!(
            "ct-check trace: {}: {} variants, {} regions, {} instructions each ({:.1} s)",
            c.name,
            variants,
            traces[0].regions(),
            traces[0].steps(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(clean)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn run_trace(_args: Vec<String>) -> Outcome {
    Err("the native tracer runs on x86-64 Linux; on AArch64 use qemu-trace".into())
}

/// Compares the variants' traces of one case; prints the first difference.
/// `Ok(false)` when they differ; an error when a trace does not hold the
/// case's regions.
fn compare(c: &cases::Case, traces: &[trace::Trace], sym: &dyn trace::Symbolize) -> Outcome {
    let case = c.name;
    let first = &traces[0];
    for (v, t) in traces.iter().enumerate() {
        if t.regions() != c.regions {
            return Err(format!(
                "{case}: variant {}: {} trace regions recorded, {} expected",
                v + 1,
                t.regions(),
                c.regions
            ));
        }
    }
    for (v, t) in traces.iter().enumerate() {
        if let Some(pc) = t.unrecordable_pc() {
            eprintln!(
                "ct-check trace: {case}: FAIL: variant {}: a gather or scatter (VSIB) at pc {pc:#x}, whose addresses the tracer cannot check\n      in {}",
                v + 1,
                sym.describe(pc)
            );
            return Ok(false);
        }
    }
    for (v, t) in traces.iter().enumerate().skip(1) {
        if let Some(d) = trace::first_difference(first, t) {
            eprintln!(
                "ct-check trace: {case}: FAIL: the traces of variants 1 and {} differ\n{}",
                v + 1,
                trace::report(&d, (1, first), (v as u32 + 1, t), sym)
            );
            return Ok(false);
        }
    }
    Ok(true)
}
