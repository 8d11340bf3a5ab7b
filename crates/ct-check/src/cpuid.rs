//! Hides CPU features from this process (x86-64 Linux), so that the trace
//! comparison reaches kernels this CPU would not select: with AVX-512 and
//! GFNI hidden, an AVX-512 machine picks the AVX2+VAES SM4 kernel.
//!
//! CPUID faulting (`arch_prctl(ARCH_SET_CPUID, 0)`, Linux 4.12 on CPUs and
//! hypervisors that offer it) turns every CPUID instruction of the process
//! into a SIGSEGV. The handler executes the real CPUID with faulting
//! briefly off, clears the hidden feature bits and steps over the
//! instruction. It must be installed before anything in the process asks
//! for CPU features (std's and `cpufeatures`' detection cache the answer).

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

const ARCH_GET_CPUID: libc::c_int = 0x1011;
const ARCH_SET_CPUID: libc::c_int = 0x1012;

/// Bits to clear: leaf 1 ECX, leaf 7.0 EBX, ECX, EDX, leaf 7.1 EAX.
static L1_ECX: AtomicU32 = AtomicU32::new(0);
static L7_EBX: AtomicU32 = AtomicU32::new(0);
static L7_ECX: AtomicU32 = AtomicU32::new(0);
static L7_EDX: AtomicU32 = AtomicU32::new(0);
static L71_EAX: AtomicU32 = AtomicU32::new(0);

/// The features `--without` knows, and their CPUID bits.
const FEATURES: &[(&str, &[(&AtomicU32, u32)])] = &[
    (
        "avx512",
        &[
            // F, DQ, IFMA, PF, ER, CD, BW, VL
            (
                &L7_EBX,
                1 << 16 | 1 << 17 | 1 << 21 | 1 << 26 | 1 << 27 | 1 << 28 | 1 << 30 | 1 << 31,
            ),
            // VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ
            (&L7_ECX, 1 << 1 | 1 << 6 | 1 << 11 | 1 << 12 | 1 << 14),
            // 4VNNIW, 4FMAPS, VP2INTERSECT, FP16
            (&L7_EDX, 1 << 2 | 1 << 3 | 1 << 8 | 1 << 23),
            // BF16
            (&L71_EAX, 1 << 5),
        ],
    ),
    ("gfni", &[(&L7_ECX, 1 << 8)]),
    ("vaes", &[(&L7_ECX, 1 << 9)]),
    ("vpclmulqdq", &[(&L7_ECX, 1 << 10)]),
    ("avx2", &[(&L7_EBX, 1 << 5)]),
    ("bmi2", &[(&L7_EBX, 1 << 8)]),
    ("adx", &[(&L7_EBX, 1 << 19)]),
    ("aes", &[(&L1_ECX, 1 << 25)]),
    ("pclmulqdq", &[(&L1_ECX, 1 << 1)]),
];

/// The SIGSEGV action before ours (std's, which reports a stack overflow),
/// for the faults that are not a CPUID.
struct Previous(UnsafeCell<Option<libc::sigaction>>);
// SAFETY: written once by `hide` before the handler is installed, only
// read afterwards (by the handler).
unsafe impl Sync for Previous {}
static PREVIOUS: Previous = Previous(UnsafeCell::new(None));

/// Ends the process from the handler with a message (only
/// async-signal-safe calls).
fn die(msg: &[u8]) -> ! {
    // SAFETY: write(2) and _exit are async-signal-safe; `msg` is readable.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(2)
    }
}

fn set_faulting(on: bool) -> bool {
    // SAFETY: arch_prctl(ARCH_SET_CPUID) takes an integer argument.
    unsafe {
        libc::syscall(
            libc::SYS_arch_prctl,
            ARCH_SET_CPUID,
            libc::c_ulong::from(!on),
        ) == 0
    }
}

extern "C" fn on_segv(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    const SI_KERNEL: libc::c_int = 0x80;
    // SAFETY: the kernel passes a valid siginfo_t and ucontext_t to an
    // SA_SIGINFO handler; a faulting CPUID is reported with SI_KERNEL, and
    // then RIP points at the instruction that faulted, in mapped code
    // (checked for the two bytes 0f a2 of CPUID only then). PREVIOUS was
    // written before this handler was installed.
    unsafe {
        let uc = &mut *ctx.cast::<libc::ucontext_t>();
        let g = &mut uc.uc_mcontext.gregs;
        let rip = g[libc::REG_RIP as usize] as u64;
        if (*info).si_code != SI_KERNEL || *(rip as *const [u8; 2]) != [0x0f, 0xa2] {
            // Not a CPUID (a stack overflow, a bad pointer): the previous
            // action takes over, and meets the fault when the instruction
            // runs again on return.
            match (*PREVIOUS.0.get()).as_ref() {
                Some(p)
                    if p.sa_sigaction != libc::SIG_IGN
                        && libc::sigaction(libc::SIGSEGV, p, core::ptr::null_mut()) == 0 => {}
                _ => {
                    libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                }
            }
            return;
        }
        let leaf = g[libc::REG_RAX as usize] as u32;
        let sub = g[libc::REG_RCX as usize] as u32;
        if !set_faulting(false) {
            die(b"ct-check: CPUID faulting cannot be turned off to answer a CPUID\n");
        }
        #[allow(unused_unsafe)]
        let r = core::arch::x86_64::__cpuid_count(leaf, sub);
        if !set_faulting(true) {
            die(b"ct-check: CPUID faulting cannot be turned back on: features would show\n");
        }
        let (mut a, mut b, mut c, mut d) = (r.eax, r.ebx, r.ecx, r.edx);
        match (leaf, sub) {
            (1, _) => c &= !L1_ECX.load(Ordering::Relaxed),
            (7, 0) => {
                b &= !L7_EBX.load(Ordering::Relaxed);
                c &= !L7_ECX.load(Ordering::Relaxed);
                d &= !L7_EDX.load(Ordering::Relaxed);
            }
            (7, 1) => a &= !L71_EAX.load(Ordering::Relaxed),
            _ => {}
        }
        g[libc::REG_RAX as usize] = i64::from(a);
        g[libc::REG_RBX as usize] = i64::from(b);
        g[libc::REG_RCX as usize] = i64::from(c);
        g[libc::REG_RDX as usize] = i64::from(d);
        g[libc::REG_RIP as usize] = (rip + 2) as i64;
    }
}

/// Hides the comma-separated `features` (see `FEATURES`) from every later
/// CPUID of this process and its children.
pub fn hide(features: &str) -> Result<(), String> {
    for name in features.split(',').filter(|s| !s.is_empty()) {
        let Some((_, bits)) = FEATURES.iter().find(|(n, _)| *n == name) else {
            let known: Vec<&str> = FEATURES.iter().map(|f| f.0).collect();
            return Err(format!(
                "unknown feature {name} (known: {})",
                known.join(", ")
            ));
        };
        for (reg, mask) in bits.iter() {
            reg.fetch_or(*mask, Ordering::Relaxed);
        }
    }
    // SAFETY: ARCH_GET_CPUID takes no pointer.
    if unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_GET_CPUID, 0) } < 0 {
        return Err("this kernel has no CPUID faulting (arch_prctl ARCH_GET_CPUID)".into());
    }
    // SAFETY: reads the current SIGSEGV action into PREVIOUS (no handler
    // of ours reads it yet), then installs ours; `sa` is fully
    // initialized. SA_ONSTACK, as std's own handler has: a stack overflow
    // is a SIGSEGV too, and can only be handled on the alternate stack.
    unsafe {
        let mut prev: libc::sigaction = core::mem::zeroed();
        if libc::sigaction(libc::SIGSEGV, core::ptr::null(), &mut prev) != 0 {
            return Err(format!("sigaction: {}", std::io::Error::last_os_error()));
        }
        let installed =
            on_segv as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
        if prev.sa_sigaction != installed {
            *PREVIOUS.0.get() = Some(prev);
        }
        let mut sa: libc::sigaction = core::mem::zeroed();
        sa.sa_sigaction = installed;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGSEGV, &sa, core::ptr::null_mut()) != 0 {
            return Err(format!("sigaction: {}", std::io::Error::last_os_error()));
        }
    }
    if !set_faulting(true) {
        return Err(format!(
            "CPUID faulting is not available on this CPU or hypervisor: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}
