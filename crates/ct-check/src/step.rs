//! The fast native tracer (x86-64 Linux): breakpoint stepping inside the
//! traced process.
//!
//! Single-stepping costs a debug trap (#DB) per instruction, and on a
//! virtual machine whose hypervisor intercepts #DB that is some 15-20 µs;
//! a ptrace stop costs as much again in context switches. A breakpoint
//! (`int3`, #BP) delivered as SIGTRAP to the process itself costs about
//! 1 µs. So each traced child steps itself: its SIGTRAP handler records
//! the instruction about to execute (its address, the effective address of
//! each memory operand, decoded with iced-x86, and for `rep` string
//! instructions the count), then writes `int3` over the first byte of
//! every instruction that can come next (the fall-through, the branch
//! target, the return address read from the stack, an indirect target read
//! from its register or memory) and returns; the first of them to execute
//! traps again, and the handler restores the bytes before anything else.
//! Code mappings are made writable in the child (copy on write: the parent
//! and the other children keep theirs).
//!
//! The handler allocates nothing (the child may be inside `malloc`): the
//! trace goes to a shared mapping (of a memfd) that the parent compares in
//! place after the child exits, decoded instructions to a fixed-size
//! table, both mapped before the fork. A stepping error ends the child,
//! its code and pc in the buffer's header. `trace_begin()` and
//! `trace_end()` execute an explicit `int3` after setting [`PENDING`]. As
//! with the ptrace tracer, one child per variant is forked from the same
//! parent state after a warm-up run.

use crate::cases::Case;
use crate::ptrace::MAX_VARIANTS;
use crate::trace::{Symbolize, Trace, describe_pc, last_recorded, signal_name};
use crate::wait::{Deadline, kill_and_reap};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU8, Ordering};
use iced_x86::{Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind, Register};
use std::time::Duration;

/// Words per child trace buffer (virtual; pages are touched as needed).
const BUF_WORDS: usize = 1 << 26;
/// Header words of a trace buffer: the number of record words, an error
/// code, the pc where the error happened, the last pc recorded.
const HEADER: usize = 4;
/// The header word with the last pc recorded.
const H_LAST: usize = 3;
/// Decoded-instruction table: 2^CACHE_BITS entries.
const CACHE_BITS: u32 = 17;
const MAX_EXEC: usize = 64;

/// Set by the marker functions just before their `int3`: 1 begin, 2 end.
pub static PENDING: AtomicU8 = AtomicU8::new(0);

/// Errors the handler reports through the buffer header.
const E_FULL: u64 = 1;
const E_DECODE: u64 = 2;
const E_TARGET: u64 = 3;
const E_FLOW: u64 = 4;
const E_STRAY: u64 = 5;
const E_CACHE: u64 = 6;
const E_SPIN: u64 = 7;
/// The exit status of a child that stopped on a stepping error.
const EXIT_FAILED_STEP: i32 = 6;

#[derive(Clone, Copy)]
#[repr(C)]
struct Entry {
    rip: u64,
    insn: Instruction,
}

struct State {
    tracing: bool,
    placed: [u64; 2],
    orig: [u8; 2],
    nplaced: usize,
    buf: *mut u64,
    len: usize,
    cache: *mut Entry,
    exec: [(u64, u64); MAX_EXEC],
    nexec: usize,
    fs_base: u64,
    gs_base: u64,
    /// The last instruction recorded.
    last: u64,
}

struct Global(UnsafeCell<State>);
// SAFETY: ct-check is single-threaded; the state is touched by the child's
// only thread and its signal handler (which the thread cannot race: the
// handler runs in place of the interrupted code).
unsafe impl Sync for Global {}

static STATE: Global = Global(UnsafeCell::new(State {
    tracing: false,
    placed: [0; 2],
    orig: [0; 2],
    nplaced: 0,
    buf: core::ptr::null_mut(),
    len: 0,
    cache: core::ptr::null_mut(),
    exec: [(0, 0); MAX_EXEC],
    nexec: 0,
    fs_base: 0,
    gs_base: 0,
    last: 0,
}));

/// An anonymous mapping, unmapped when dropped (so that an error half-way
/// through the setup leaks none).
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    /// A private mapping, or with `shared` one that forked children share
    /// with this process. A shared one is a memfd's: its pages count
    /// against the commit limit as they are written, not all at once when
    /// mapped, as a shared anonymous mapping's would with
    /// vm.overcommit_memory=2 (which ignores MAP_NORESERVE), so the
    /// children's trace buffers can be large and cost what they hold.
    fn new(len: usize, shared: bool) -> Result<Mapping, String> {
        let (flags, fd) = if shared {
            // SAFETY: memfd_create takes a NUL-terminated name; ftruncate
            // sizes the new file; on failure the descriptor is closed.
            let fd = unsafe {
                let fd = libc::memfd_create(c"ct-check-trace".as_ptr(), libc::MFD_CLOEXEC);
                if fd >= 0 && libc::ftruncate(fd, len as libc::off_t) != 0 {
                    let e = std::io::Error::last_os_error();
                    libc::close(fd);
                    return Err(format!("ftruncate of a memfd to {} MiB: {e}", len >> 20));
                }
                fd
            };
            if fd < 0 {
                return Err(format!("memfd_create: {}", std::io::Error::last_os_error()));
            }
            (libc::MAP_SHARED, fd)
        } else {
            (
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
            )
        };
        // SAFETY: a fresh mapping of anonymous memory or of our own new
        // memfd (closed right after: the mapping keeps the file); no
        // existing memory is affected.
        let p = unsafe {
            let p = libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                flags,
                fd,
                0,
            );
            if fd >= 0 {
                libc::close(fd);
            }
            p
        };
        if p == libc::MAP_FAILED {
            return Err(format!(
                "mmap of {} MiB: {}",
                len >> 20,
                std::io::Error::last_os_error()
            ));
        }
        Ok(Mapping { ptr: p.cast(), len })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `new`; its owner is gone, and
        // nothing else refers to it any more.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// A child's trace buffer after it exited: `len` record words after the
/// header.
struct ChildTrace {
    map: Mapping,
    len: usize,
}

impl AsRef<[u64]> for ChildTrace {
    fn as_ref(&self) -> &[u64] {
        // SAFETY: the mapping holds BUF_WORDS words, of which the child
        // wrote the header and `len` (checked against the size) record
        // words after it before it exited; nothing writes them any more.
        unsafe { core::slice::from_raw_parts(self.map.ptr.cast::<u64>().add(HEADER), self.len) }
    }
}

/// The executable mappings of this process (not the vDSO).
fn exec_mappings() -> Result<Vec<(u64, u64)>, String> {
    let text = std::fs::read_to_string("/proc/self/maps").map_err(|e| format!("maps: {e}"))?;
    let mut v = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 2
            || !f[1].contains('x')
            || line.contains("[vdso]")
            || line.contains("[vsyscall]")
        {
            continue;
        }
        if let Some((s, e)) = f[0].split_once('-')
            && let (Ok(s), Ok(e)) = (u64::from_str_radix(s, 16), u64::from_str_radix(e, 16))
        {
            v.push((s, e));
        }
    }
    if v.len() > MAX_EXEC {
        return Err(format!("{} executable mappings: too many", v.len()));
    }
    Ok(v)
}

fn reg(g: &[libc::greg_t; 23], st: &State, r: Register) -> Option<u64> {
    use libc::*;
    let i = match r {
        Register::ES | Register::CS | Register::SS | Register::DS => return Some(0),
        Register::FS => return Some(st.fs_base),
        Register::GS => return Some(st.gs_base),
        _ => match r.full_register() {
            Register::RAX => REG_RAX,
            Register::RBX => REG_RBX,
            Register::RCX => REG_RCX,
            Register::RDX => REG_RDX,
            Register::RSI => REG_RSI,
            Register::RDI => REG_RDI,
            Register::RBP => REG_RBP,
            Register::RSP => REG_RSP,
            Register::R8 => REG_R8,
            Register::R9 => REG_R9,
            Register::R10 => REG_R10,
            Register::R11 => REG_R11,
            Register::R12 => REG_R12,
            Register::R13 => REG_R13,
            Register::R14 => REG_R14,
            Register::R15 => REG_R15,
            Register::RIP => REG_RIP,
            _ => return None,
        },
    };
    Some(g[i as usize] as u64)
}

impl State {
    fn push(&mut self, w: u64) -> Result<(), u64> {
        if HEADER + self.len >= BUF_WORDS {
            return Err(E_FULL);
        }
        // SAFETY: `buf` maps BUF_WORDS words; the index is below that.
        unsafe { self.buf.add(HEADER + self.len).write(w) };
        self.len += 1;
        Ok(())
    }

    fn exec_end(&self, a: u64) -> Option<u64> {
        self.exec[..self.nexec]
            .iter()
            .find(|(s, e)| *s <= a && a < *e)
            .map(|m| m.1)
    }

    /// The decoded instruction at `rip`, from the table or the code.
    fn decode(&mut self, rip: u64) -> Result<Instruction, u64> {
        let mask = (1usize << CACHE_BITS) - 1;
        let mut i = (rip.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - CACHE_BITS)) as usize;
        for _ in 0..64 {
            // SAFETY: `cache` maps 2^CACHE_BITS entries; `i` is masked.
            let e = unsafe { &mut *self.cache.add(i) };
            if e.rip == rip {
                return Ok(e.insn);
            }
            if e.rip == 0 {
                let end = self.exec_end(rip).ok_or(E_DECODE)?;
                let n = (end - rip).min(15) as usize;
                // SAFETY: [rip, rip + n) lies in an executable mapping, and
                // the breakpoints are out, so these are the code bytes.
                let code = unsafe { core::slice::from_raw_parts(rip as *const u8, n) };
                let mut d = Decoder::with_ip(64, code, rip, DecoderOptions::NONE);
                let mut insn = Instruction::default();
                d.decode_out(&mut insn);
                if insn.is_invalid() {
                    return Err(E_DECODE);
                }
                *e = Entry { rip, insn };
                return Ok(insn);
            }
            i = (i + 1) & mask;
        }
        Err(E_CACHE)
    }

    /// Records the instruction at `rip` (about to execute) and returns the
    /// addresses that can execute after it.
    fn step(&mut self, g: &mut [libc::greg_t; 23], rip: u64) -> Result<([u64; 2], usize), u64> {
        let insn = self.decode(rip)?;
        if insn.mnemonic() == Mnemonic::Int3 {
            // trace_end's marker: the region closes, execution goes on
            // after it. Any other int3 in the region is a stray.
            if PENDING.load(Ordering::Relaxed) != 2 {
                return Err(E_STRAY);
            }
            self.tracing = false;
            g[libc::REG_RIP as usize] = (rip + 1) as i64;
            return Ok(([0; 2], 0));
        }
        self.push(rip)?;
        // SAFETY: the header lies in the buffer. The last pc, for the
        // parent when the child dies.
        unsafe { self.buf.add(H_LAST).write(rip) };
        let again = self.last == rip;
        self.last = rip;
        if insn.is_vsib() {
            self.push(crate::trace::UNRECORDABLE)?;
        } else if !matches!(insn.mnemonic(), Mnemonic::Lea | Mnemonic::Nop) {
            for op in 0..insn.op_count() {
                if matches!(
                    insn.op_kind(op),
                    OpKind::Memory
                        | OpKind::MemorySegSI
                        | OpKind::MemorySegESI
                        | OpKind::MemorySegRSI
                        | OpKind::MemorySegDI
                        | OpKind::MemorySegEDI
                        | OpKind::MemorySegRDI
                        | OpKind::MemoryESDI
                        | OpKind::MemoryESEDI
                        | OpKind::MemoryESRDI
                ) {
                    let a = insn
                        .virtual_address(op, 0, |r, _, _| reg(g, self, r))
                        .ok_or(E_DECODE)?;
                    self.push(crate::trace::MEM | (a & crate::trace::ADDR_MASK))?;
                }
            }
        }
        let rsp = g[libc::REG_RSP as usize] as u64;
        if insn.stack_pointer_increment() != 0 {
            self.push(crate::trace::MEM | (rsp & crate::trace::ADDR_MASK))?;
        }
        if insn.is_string_instruction() && (insn.has_rep_prefix() || insn.has_repne_prefix()) {
            // The whole repetition runs before the next trap: its count
            // goes into the trace.
            let rcx = g[libc::REG_RCX as usize] as u64;
            self.push(crate::trace::MEM | (rcx & crate::trace::ADDR_MASK))?;
        }
        let next = insn.next_ip();
        let read = |a: u64| -> u64 {
            // SAFETY: the instruction is about to read this return address
            // or branch target from its own stack or memory.
            unsafe { (a as *const u64).read_unaligned() }
        };
        let t = match insn.flow_control() {
            FlowControl::Next | FlowControl::Interrupt => ([next, 0], 1),
            FlowControl::Call if insn.mnemonic() == Mnemonic::Syscall => ([next, 0], 1),
            FlowControl::Call | FlowControl::UnconditionalBranch => {
                ([insn.near_branch_target(), 0], 1)
            }
            FlowControl::ConditionalBranch => ([next, insn.near_branch_target()], 2),
            FlowControl::IndirectBranch | FlowControl::IndirectCall => {
                let target = match insn.op0_kind() {
                    OpKind::Register => reg(g, self, insn.op0_register()).ok_or(E_FLOW)?,
                    OpKind::Memory => read(
                        insn.virtual_address(0, 0, |r, _, _| reg(g, self, r))
                            .ok_or(E_FLOW)?,
                    ),
                    _ => return Err(E_FLOW),
                };
                ([target, 0], 1)
            }
            FlowControl::Return => ([read(rsp), 0], 1),
            FlowControl::XbeginXabortXend | FlowControl::Exception => return Err(E_FLOW),
        };
        for &a in &t.0[..t.1] {
            if self.exec_end(a).is_none() {
                return Err(E_TARGET);
            }
        }
        // A branch to itself executed twice in a row (`jmp $`, a taken
        // `jcc $`: nothing it reads changes) would trap here for ever, or
        // until the buffer fills; LOOP counts RCX down.
        if again
            && t.0[..t.1].contains(&rip)
            && !matches!(
                insn.mnemonic(),
                Mnemonic::Loop | Mnemonic::Loope | Mnemonic::Loopne
            )
        {
            return Err(E_SPIN);
        }
        Ok(t)
    }

    /// Ends the child on a stepping error, which the header reports to
    /// the parent with its pc. Running the rest of the case untraced could
    /// hang (after a `jmp $`) and would prove nothing.
    fn fail(&mut self, code: u64, pc: u64) -> ! {
        // SAFETY: the header words lie in the buffer; `_exit` is
        // async-signal-safe and skips the parent's exit code.
        unsafe {
            self.buf.write(self.len as u64);
            self.buf.add(1).write(code);
            self.buf.add(2).write(pc);
            libc::_exit(EXIT_FAILED_STEP)
        }
    }
}

extern "C" fn on_trap(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the handler runs on the child's only thread, in place of the
    // traced code, so it has the state to itself. It first writes back the
    // bytes its breakpoints replaced (nothing it runs later may meet one),
    // and writes the next breakpoints last, with plain byte stores, into
    // code made writable at the child's start. The ucontext is the kernel's.
    unsafe {
        let st = &mut *STATE.0.get();
        for i in 0..st.nplaced {
            core::ptr::write_volatile(st.placed[i] as *mut u8, st.orig[i]);
        }
        let uc = &mut *ctx.cast::<libc::ucontext_t>();
        let g = &mut uc.uc_mcontext.gregs;
        let after = g[libc::REG_RIP as usize] as u64;
        let ours = st.placed[..st.nplaced].contains(&(after - 1));
        st.nplaced = 0;
        let rip = if ours {
            g[libc::REG_RIP as usize] = (after - 1) as i64;
            after - 1
        } else {
            // An explicit int3: trace_begin's (trace_end's are reached by a
            // breakpoint while tracing).
            if PENDING.load(Ordering::Relaxed) != 1 || st.tracing {
                if st.tracing {
                    st.fail(E_STRAY, after);
                }
                return;
            }
            st.tracing = true;
            if let Err(e) = st.push(crate::trace::REGION) {
                st.fail(e, after);
            }
            after
        };
        if !st.tracing {
            st.fail(E_STRAY, rip);
        }
        let (targets, n) = match st.step(g, rip) {
            Ok(t) => t,
            Err(e) => st.fail(e, rip),
        };
        let mut k = 0;
        while k < n {
            let a = targets[k];
            if k == 0 || a != targets[0] {
                let p = a as *mut u8;
                st.orig[st.nplaced] = core::ptr::read_volatile(p);
                st.placed[st.nplaced] = a;
                core::ptr::write_volatile(p, 0xcc);
                st.nplaced += 1;
            }
            k += 1;
        }
    }
}

/// The handler's own stack: the traced code's stack stays as it would be.
const ALT_STACK: usize = 1 << 18;

/// The forked child: sets up the stepping, runs the case, reports.
fn child(case: &Case, variant: u32, buf: *mut u64, exec: &[(u64, u64)], alt: *mut u8) -> ! {
    crate::set_variant(variant);
    // SAFETY: the child's only thread sets up its own handler, its code
    // mappings (writable, so breakpoints can be written; the parent's and
    // the siblings' stay untouched) and the state the handler reads, then
    // runs the case. `buf` is the shared mapping made for this child.
    unsafe {
        let st = &mut *STATE.0.get();
        st.buf = buf;
        st.len = 0;
        st.nexec = exec.len();
        st.exec[..exec.len()].copy_from_slice(exec);
        for &(s, e) in exec {
            let prot = libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC;
            if libc::mprotect(s as *mut libc::c_void, (e - s) as usize, prot) != 0 {
                libc::_exit(5);
            }
        }
        let mut fs = 0u64;
        let mut gs = 0u64;
        libc::syscall(libc::SYS_arch_prctl, 0x1003, &mut fs as *mut u64); // ARCH_GET_FS
        libc::syscall(libc::SYS_arch_prctl, 0x1004, &mut gs as *mut u64); // ARCH_GET_GS
        st.fs_base = fs;
        st.gs_base = gs;
        let ss = libc::stack_t {
            ss_sp: alt.cast(),
            ss_flags: 0,
            ss_size: ALT_STACK,
        };
        if libc::sigaltstack(&ss, core::ptr::null_mut()) != 0 {
            libc::_exit(5);
        }
        let mut sa: libc::sigaction = core::mem::zeroed();
        sa.sa_sigaction =
            on_trap as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGTRAP, &sa, core::ptr::null_mut()) != 0 {
            libc::_exit(5);
        }
    }
    let code = crate::run_traced(case, crate::Markers::Int3);
    // SAFETY: the header lies in the buffer; `_exit` skips the parent's
    // exit code.
    unsafe {
        let st = &*STATE.0.get();
        buf.write(st.len as u64);
        if st.tracing {
            buf.add(1).write(E_STRAY);
        }
        libc::_exit(code)
    }
}

/// Runs `case` once per variant (1..=variants), each in a child that steps
/// itself, and returns their traces.
pub fn trace_case(
    case: &Case,
    variants: u32,
    timeout: Duration,
    sym: &dyn Symbolize,
) -> Result<Vec<Trace>, String> {
    let n = crate::ptrace::warm_up(case, variants)?;
    // The decoder's tables too, before the fork (built on first use).
    let mut warm = Decoder::with_ip(64, &[0x90], 0, DecoderOptions::NONE);
    let _ = warm.decode().flow_control();
    let exec = exec_mappings()?;
    let cache_bytes = (1usize << CACHE_BITS) * core::mem::size_of::<Entry>();
    let cache = Mapping::new(cache_bytes, false)?;
    let alt = Mapping::new(ALT_STACK, false)?;
    let mut maps = Vec::with_capacity(n);
    for _ in 0..n {
        maps.push(Mapping::new(BUF_WORDS * 8, true)?);
    }
    let mut bufs: [*mut u64; MAX_VARIANTS] = [core::ptr::null_mut(); MAX_VARIANTS];
    for (b, m) in bufs.iter_mut().zip(&maps) {
        *b = m.ptr.cast();
    }
    // SAFETY: the table is ours, mapped above; children get a copy.
    unsafe { (*STATE.0.get()).cache = cache.ptr.cast() };
    let mut pids: [libc::pid_t; MAX_VARIANTS] = [0; MAX_VARIANTS];
    let mut result = Ok(());
    // No allocation between the forks: every child starts from the same
    // heap.
    for v in 0..n {
        // SAFETY: ct-check is single-threaded; the child only runs the
        // case and `_exit`s.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            child(case, v as u32 + 1, bufs[v], &exec, alt.ptr);
        }
        if pid < 0 {
            result = Err(format!("fork: {}", std::io::Error::last_os_error()));
            break;
        }
        pids[v] = pid;
    }
    let deadline = match Deadline::new(timeout) {
        Ok(d) => Some(d),
        Err(e) => {
            result = result.and(Err(e));
            None
        }
    };
    let mut traces = Vec::new();
    for (v, (map, &pid)) in maps.into_iter().zip(&pids).enumerate() {
        if pid == 0 {
            continue;
        }
        let variant = v + 1;
        // SAFETY: the header lies in the buffer; the child writes the word
        // (a u64, written whole) while it runs, and is dead when this is
        // called.
        let last = || {
            let pc = unsafe { map.ptr.cast::<u64>().add(H_LAST).read_volatile() };
            last_recorded((pc != 0).then_some(pc), sym)
        };
        let Some(deadline) = deadline.as_ref().filter(|_| result.is_ok()) else {
            // After an error: this child's trace is not needed.
            kill_and_reap(pid);
            continue;
        };
        let status = match deadline.wait(pid, 0) {
            Ok(Some((_, s))) => s,
            Ok(None) => {
                kill_and_reap(pid);
                result = Err(format!(
                    "variant {variant}: not finished after {} s, killed (a hang, or raise --timeout){}",
                    deadline.timeout().as_secs(),
                    last()
                ));
                continue;
            }
            Err(e) => {
                result = Err(format!("variant {variant}: {e}"));
                continue;
            }
        };
        if libc::WIFSIGNALED(status) {
            result = Err(format!(
                "variant {variant}: killed by {}{}",
                signal_name(libc::WTERMSIG(status)),
                last()
            ));
            continue;
        }
        if !libc::WIFEXITED(status) {
            result = Err(format!("variant {variant}: wait status {status:#x}"));
            continue;
        }
        let code = libc::WEXITSTATUS(status);
        match code {
            0 | EXIT_FAILED_STEP => {}
            4 => result = Err(format!("variant {variant}: the case panicked")),
            crate::EXIT_CASE_FAILED => {
                result = Err(format!("variant {variant}: the case failed (see above)"))
            }
            5 => result = Err(format!("variant {variant}: cannot set up the stepping")),
            c => result = Err(format!("variant {variant}: exit status {c}")),
        }
        if result.is_err() {
            continue;
        }
        // Only now, the child having exited normally (or on a stepping
        // error), is its header final.
        // SAFETY: the child has exited; its buffer holds `len` record words
        // after the header.
        let buf = map.ptr.cast::<u64>();
        let (len, mut err, at) = unsafe { (*buf, *buf.add(1), *buf.add(2)) };
        if code == EXIT_FAILED_STEP && err == 0 {
            err = u64::MAX;
        }
        if err != 0 {
            let what = match err {
                E_FULL => "the trace buffer is full",
                E_DECODE => "cannot decode an instruction or its operands",
                E_TARGET => "a branch leads out of the code mappings",
                E_FLOW => "an instruction whose successor cannot be found",
                E_STRAY => "an unexpected breakpoint (or the region did not close)",
                E_CACHE => "the decoded-instruction table is full",
                E_SPIN => {
                    "a branch to itself, taken again (jmp $ or the like): it would spin forever"
                }
                _ => "unknown",
            };
            result = Err(format!(
                "variant {variant}: stepping failed: {what}, at {}",
                describe_pc(at, sym)
            ));
            continue;
        }
        if len as usize > BUF_WORDS - HEADER {
            result = Err(format!("variant {variant}: a bad trace length {len}"));
            continue;
        }
        // Compared where the child wrote it, not copied.
        traces.push(Trace::new(Box::new(ChildTrace {
            map,
            len: len as usize,
        })));
    }
    // SAFETY: the table is unmapped when `cache` drops, below.
    unsafe { (*STATE.0.get()).cache = core::ptr::null_mut() };
    result.map(|()| traces)
}
