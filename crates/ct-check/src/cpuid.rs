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
    // then RIP points at the two bytes 0f a2 of the instruction that
    // faulted, in mapped code.
    unsafe {
        let uc = &mut *ctx.cast::<libc::ucontext_t>();
        let g = &mut uc.uc_mcontext.gregs;
        let rip = g[libc::REG_RIP as usize] as u64;
        if (*info).si_code != SI_KERNEL || *(rip as *const [u8; 2]) != [0x0f, 0xa2] {
            // Not a CPUID: the default action, when the fault repeats.
            libc::signal(libc::SIGSEGV, libc::SIG_DFL);
            return;
        }
        let leaf = g[libc::REG_RAX as usize] as u32;
        let sub = g[libc::REG_RCX as usize] as u32;
        set_faulting(false);
        #[allow(unused_unsafe)]
        let r = core::arch::x86_64::__cpuid_count(leaf, sub);
        set_faulting(true);
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
    // SAFETY: installs a handler for SIGSEGV; `sa` is fully initialized.
    unsafe {
        let mut sa: libc::sigaction = core::mem::zeroed();
        sa.sa_sigaction =
            on_segv as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
        sa.sa_flags = libc::SA_SIGINFO;
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
