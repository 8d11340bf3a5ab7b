//! The native tracer (x86-64 Linux): runs a case in one forked child per
//! variant and single-steps each child with ptrace between its
//! `trace_begin()` and `trace_end()`, recording every instruction address
//! and the effective address of every memory operand (decoded with
//! iced-x86 from the child's code and registers).
//!
//! The children are forked one after the other from the same parent
//! state, after a warm-up run of the case in the parent (so that lazily
//! built tables, such as SM2's comb table, and the kernel choice exist
//! before the fork), so heap and stack addresses agree across variants.
//! A child stops itself with `raise(SIGSTOP)` at `trace_begin()` and
//! again at `trace_end()`; in between the parent single-steps it. The
//! children run concurrently (one per core helps: each single step costs a
//! debug trap in the child).

use crate::cases::Case;
use crate::trace::{
    ADDR_MASK, MEM, REGION, Symbolize, Trace, UNRECORDABLE, describe_pc, last_recorded, signal_name,
};
use crate::wait::{Deadline, kill_and_reap};
use iced_x86::{
    Decoder, DecoderOptions, Instruction, InstructionInfoFactory, InstructionInfoOptions, OpAccess,
    Register, UsedMemory,
};
use std::collections::HashMap;
use std::time::Duration;

/// At most this many variants per case.
pub const MAX_VARIANTS: usize = 8;

/// Checks the variant count (2 to [`MAX_VARIANTS`]) and runs `case` once,
/// as variant 1, so that lazily built tables and the kernel choice exist
/// before the children are forked; returns the count. Both native tracers
/// start with it.
pub fn warm_up(case: &Case, variants: u32) -> Result<usize, String> {
    let n = variants as usize;
    if !(2..=MAX_VARIANTS).contains(&n) {
        return Err(format!("between 2 and {MAX_VARIANTS} variants"));
    }
    crate::set_variant(1);
    crate::run_case(case)?;
    Ok(n)
}

/// The memory operands of one decoded instruction.
struct Decoded {
    mems: Vec<UsedMemory>,
    vsib: bool,
}

struct Decoders {
    cache: HashMap<u64, Decoded>,
    info: InstructionInfoFactory,
}

impl Decoders {
    fn get(&mut self, pid: libc::pid_t, rip: u64) -> Result<&Decoded, String> {
        if !self.cache.contains_key(&rip) {
            let mut bytes = [0u8; 16];
            let n = read_child(pid, rip, &mut bytes);
            if n == 0 {
                return Err(format!("cannot read the code at {rip:#x} in the child"));
            }
            let mut decoder = Decoder::with_ip(64, &bytes[..n], rip, DecoderOptions::NONE);
            let mut insn = Instruction::default();
            decoder.decode_out(&mut insn);
            if insn.is_invalid() {
                return Err(format!("cannot decode the instruction at {rip:#x}"));
            }
            let info = self
                .info
                .info_options(&insn, InstructionInfoOptions::NO_REGISTER_USAGE);
            let mut mems = Vec::new();
            let mut vsib = false;
            for m in info.used_memory() {
                // LEA and the like compute an address without touching
                // memory: arithmetic, not an access.
                if m.access() == OpAccess::NoMemAccess {
                    continue;
                }
                vsib |= m.vsib_size() != 0;
                mems.push(*m);
            }
            self.cache.insert(rip, Decoded { mems, vsib });
        }
        self.cache
            .get(&rip)
            .ok_or_else(|| "decoder cache".to_string())
    }
}

/// Reads up to `buf.len()` bytes at `addr` from the child (fewer at the
/// end of a mapping); returns how many were read.
fn read_child(pid: libc::pid_t, addr: u64, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        // Stop at page boundaries so that a partial read still returns
        // what precedes an unmapped page.
        let a = addr + got as u64;
        let in_page = (4096 - (a % 4096)) as usize;
        let want = in_page.min(buf.len() - got);
        let local = libc::iovec {
            iov_base: buf[got..].as_mut_ptr().cast(),
            iov_len: want,
        };
        let remote = libc::iovec {
            iov_base: a as *mut libc::c_void,
            iov_len: want,
        };
        // SAFETY: `local` points into `buf` with room for `want` bytes; the
        // remote range is only read, by the kernel, from the child.
        let n = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
        if n <= 0 {
            break;
        }
        got += n as usize;
    }
    got
}

fn regs(pid: libc::pid_t) -> Result<libc::user_regs_struct, String> {
    // SAFETY: user_regs_struct is plain integers; all-zero is valid.
    let mut r: libc::user_regs_struct = unsafe { core::mem::zeroed() };
    // SAFETY: PTRACE_GETREGS writes one user_regs_struct to the pointer,
    // which points to `r`; the child is stopped under our trace.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGS,
            pid,
            core::ptr::null_mut::<libc::c_void>(),
            &mut r as *mut libc::user_regs_struct,
        )
    };
    if rc != 0 {
        return Err(format!(
            "PTRACE_GETREGS: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(r)
}

fn reg_value(r: &libc::user_regs_struct, reg: Register) -> Option<u64> {
    Some(match reg {
        Register::ES | Register::CS | Register::SS | Register::DS => 0,
        Register::FS => r.fs_base,
        Register::GS => r.gs_base,
        Register::RIP => r.rip,
        _ => match reg.full_register() {
            Register::RAX => r.rax,
            Register::RBX => r.rbx,
            Register::RCX => r.rcx,
            Register::RDX => r.rdx,
            Register::RSI => r.rsi,
            Register::RDI => r.rdi,
            Register::RBP => r.rbp,
            Register::RSP => r.rsp,
            Register::R8 => r.r8,
            Register::R9 => r.r9,
            Register::R10 => r.r10,
            Register::R11 => r.r11,
            Register::R12 => r.r12,
            Register::R13 => r.r13,
            Register::R14 => r.r14,
            Register::R15 => r.r15,
            _ => return None,
        },
    })
}

/// Records the instruction the child is about to execute, as record words
/// (see [`REGION`]).
fn record(pid: libc::pid_t, dec: &mut Decoders, t: &mut Vec<u64>) -> Result<(), String> {
    let r = regs(pid)?;
    let d = dec.get(pid, r.rip)?;
    t.push(r.rip);
    if d.vsib {
        t.push(UNRECORDABLE);
        return Ok(());
    }
    for m in &d.mems {
        let a = m
            .virtual_address(0, |reg, _, _| reg_value(&r, reg))
            .ok_or_else(|| format!("no address for a memory operand at {:#x}", r.rip))?;
        t.push(MEM | (a & ADDR_MASK));
    }
    Ok(())
}

fn ptrace_req(req: libc::c_uint, pid: libc::pid_t, data: usize) -> Result<(), String> {
    // SAFETY: these requests (SINGLESTEP, CONT, SETOPTIONS) take no
    // pointer; `data` is a signal number or option bits.
    let rc = unsafe {
        libc::ptrace(
            req,
            pid,
            core::ptr::null_mut::<libc::c_void>(),
            data as *mut libc::c_void,
        )
    };
    if rc != 0 {
        return Err(format!(
            "ptrace({req}): {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Kills and reaps children that have not been reaped yet (a reaped
/// child's pid may already belong to another process).
fn kill_all(pids: &[libc::pid_t]) {
    for &p in pids {
        kill_and_reap(p);
    }
}

/// The forked child: traced by the parent from `trace_begin()` on.
fn child(case: &Case, variant: u32) -> ! {
    crate::set_variant(variant);
    // SAFETY: PTRACE_TRACEME takes no pointers.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_TRACEME,
            0,
            core::ptr::null_mut::<libc::c_void>(),
            core::ptr::null_mut::<libc::c_void>(),
        )
    };
    if rc != 0 {
        // SAFETY: ends the child without running the parent's exit code.
        unsafe { libc::_exit(3) }
    }
    let code = crate::run_traced(case, crate::Markers::Ptrace);
    // SAFETY: as above; the parent reads the status.
    unsafe { libc::_exit(code) }
}

struct Child {
    pid: libc::pid_t,
    /// The record words.
    trace: Vec<u64>,
    in_region: bool,
    started: bool,
    done: bool,
}

/// Runs `case` once per variant (1..=variants), each in a traced child,
/// and returns their traces.
pub fn trace_case(
    case: &Case,
    variants: u32,
    timeout: Duration,
    sym: &dyn Symbolize,
) -> Result<Vec<Trace>, String> {
    let n = warm_up(case, variants)?;
    let mut pids: [libc::pid_t; MAX_VARIANTS] = [0; MAX_VARIANTS];
    // No allocation between the forks: every child starts from the same
    // heap.
    for (v, slot) in pids.iter_mut().enumerate().take(n) {
        // SAFETY: ct-check is single-threaded; the child only runs the
        // case and `_exit`s.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            child(case, v as u32 + 1);
        }
        if pid < 0 {
            let e = std::io::Error::last_os_error();
            kill_all(&pids[..v]);
            return Err(format!("fork: {e}"));
        }
        *slot = pid;
    }
    let mut kids: Vec<Child> = pids[..n]
        .iter()
        .map(|&pid| Child {
            pid,
            trace: Vec::new(),
            in_region: false,
            started: false,
            done: false,
        })
        .collect();
    let result = Deadline::new(timeout).and_then(|d| drive(&mut kids, &d, sym));
    // On an error, the children still running (only those: the pids of
    // the reaped ones may have been reused).
    let running: Vec<libc::pid_t> = kids.iter().filter(|k| !k.done).map(|k| k.pid).collect();
    kill_all(&running);
    result?;
    Ok(kids.into_iter().map(|k| Trace::from_vec(k.trace)).collect())
}

/// The last instruction address in record words.
fn last_pc(words: &[u64]) -> Option<u64> {
    words.iter().rev().copied().find(|&w| w & MEM == 0)
}

fn drive(kids: &mut [Child], deadline: &Deadline, sym: &dyn Symbolize) -> Result<(), String> {
    let mut dec = Decoders {
        cache: HashMap::new(),
        info: InstructionInfoFactory::new(),
    };
    while kids.iter().any(|k| !k.done) {
        let Some((pid, status)) = deadline.wait(-1, libc::__WALL)? else {
            let last: Vec<String> = kids
                .iter()
                .enumerate()
                .filter(|(_, k)| !k.done)
                .map(|(v, k)| format!("variant {}{}", v + 1, last_recorded(last_pc(&k.trace), sym)))
                .collect();
            return Err(format!(
                "not finished after {} s, killed (a hang, or raise --timeout): {}",
                deadline.timeout().as_secs(),
                last.join("\n  ")
            ));
        };
        let Some((v, k)) = kids.iter_mut().enumerate().find(|(_, k)| k.pid == pid) else {
            continue;
        };
        let variant = v + 1;
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            k.done = true;
            if libc::WIFSIGNALED(status) {
                return Err(format!(
                    "variant {variant}: killed by {}{}",
                    signal_name(libc::WTERMSIG(status)),
                    last_recorded(last_pc(&k.trace), sym)
                ));
            }
            match libc::WEXITSTATUS(status) {
                0 => {}
                3 => return Err("PTRACE_TRACEME failed: is ptrace allowed here?".into()),
                4 => return Err(format!("variant {variant}: the case panicked")),
                crate::EXIT_CASE_FAILED => {
                    return Err(format!("variant {variant}: the case failed (see above)"));
                }
                c => return Err(format!("variant {variant}: exit status {c}")),
            }
            if k.in_region {
                return Err(format!("variant {variant}: exited inside a trace region"));
            }
            continue;
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let sig = libc::WSTOPSIG(status);
        if !k.started {
            k.started = true;
            ptrace_req(
                libc::PTRACE_SETOPTIONS as libc::c_uint,
                pid,
                libc::PTRACE_O_EXITKILL as usize,
            )?;
        }
        match (sig, k.in_region) {
            (libc::SIGSTOP, false) => {
                k.in_region = true;
                k.trace.push(REGION);
                record(pid, &mut dec, &mut k.trace)?;
                ptrace_req(libc::PTRACE_SINGLESTEP as libc::c_uint, pid, 0)?;
            }
            (libc::SIGSTOP, true) => {
                k.in_region = false;
                ptrace_req(libc::PTRACE_CONT as libc::c_uint, pid, 0)?;
            }
            (libc::SIGTRAP, true) => {
                record(pid, &mut dec, &mut k.trace)?;
                ptrace_req(libc::PTRACE_SINGLESTEP as libc::c_uint, pid, 0)?;
            }
            // A single-step trap reported after the region closed.
            (libc::SIGTRAP, false) => ptrace_req(libc::PTRACE_CONT as libc::c_uint, pid, 0)?,
            // Outside a region, signals go to the child as usual.
            (s, false) => ptrace_req(libc::PTRACE_CONT as libc::c_uint, pid, s as usize)?,
            (s, true) => {
                let r = regs(pid)?;
                return Err(format!(
                    "variant {variant}: {} inside a trace region, at {}",
                    signal_name(s),
                    describe_pc(r.rip, sym)
                ));
            }
        }
    }
    Ok(())
}
