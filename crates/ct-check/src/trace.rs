//! Trace comparison: the recorded control flow and memory addresses of one
//! case run with different secrets, compared step by step.
//!
//! Two tracers fill a [`Trace`]: the native one on x86-64 (`ptrace.rs`,
//! ptrace single-stepping) and the QEMU plugin on AArch64
//! (`qemu/ct-trace.c`, read back by [`Trace::from_plugin_file`]). Both
//! record, for every instruction executed between `trace_begin()` and
//! `trace_end()`, its address and the addresses of the memory it accesses.
//! With the public inputs fixed, a constant-time case yields the same trace
//! whatever the secrets; a branch or a memory address that depends on a
//! secret makes the traces of two variants differ.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Record words, shared by the in-process tracer (`step.rs`) and the QEMU
/// plugin (`qemu/ct-trace.c`): a word with bit 63 clear is an executed
/// instruction's address; [`MEM`] with the address in the low 62 bits a
/// memory address the last instruction accesses (or, for a `rep` string
/// instruction, its count); [`REGION`] opens a region; [`UNRECORDABLE`]
/// marks the last instruction's memory addresses as not recordable.
pub const REGION: u64 = u64::MAX;
/// See [`REGION`].
pub const MEM: u64 = 1 << 63;
/// See [`REGION`].
pub const ADDR_MASK: u64 = (1 << 62) - 1;
/// See [`REGION`].
pub const UNRECORDABLE: u64 = 3 << 62;

/// The steps of one traced run: instruction addresses and, per step, the
/// memory addresses the instruction accesses.
#[derive(Default)]
pub struct Trace {
    /// Instruction addresses ([`REGION`] opens each region).
    pcs: Vec<u64>,
    /// `addrs[mem_start[i]..mem_start[i + 1]]` are step i's memory
    /// addresses (`mem_start` has one more entry than `pcs`).
    mem_start: Vec<u32>,
    addrs: Vec<u64>,
    /// Steps whose memory operand cannot be recorded (gathers and
    /// scatters: VSIB addressing), as indices into `pcs`.
    pub unrecordable: Vec<usize>,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Self {
        Self {
            mem_start: vec![0],
            ..Self::default()
        }
    }

    /// Marks the last instruction as one whose memory addresses cannot be
    /// recorded.
    pub fn mark_unrecordable(&mut self) {
        self.unrecordable.push(self.pcs.len().saturating_sub(1));
    }

    /// The address of the first instruction of the first region.
    pub fn first_pc(&self) -> Option<u64> {
        self.pcs.iter().copied().find(|&p| p != REGION)
    }

    /// The instruction address of step `i`.
    pub fn pc(&self, i: usize) -> u64 {
        self.pcs[i]
    }

    /// Opens a region.
    pub fn begin_region(&mut self) {
        self.step(REGION);
    }

    /// Appends an executed instruction.
    pub fn step(&mut self, pc: u64) {
        self.pcs.push(pc);
        self.mem_start.push(self.addrs.len() as u32);
    }

    /// Appends a memory address accessed by the last instruction.
    pub fn access(&mut self, addr: u64) {
        self.addrs.push(addr);
        if let Some(last) = self.mem_start.last_mut() {
            *last = self.addrs.len() as u32;
        }
    }

    /// The number of regions.
    pub fn regions(&self) -> usize {
        self.pcs.iter().filter(|&&p| p == REGION).count()
    }

    /// The number of recorded instructions.
    pub fn steps(&self) -> usize {
        self.pcs.len() - self.regions()
    }

    fn mem(&self, i: usize) -> &[u64] {
        &self.addrs[self.mem_start[i] as usize..self.mem_start[i + 1] as usize]
    }

    /// The last instruction address before step `i` (not a region mark).
    fn previous_pc(&self, i: usize) -> Option<u64> {
        self.pcs[..i].iter().rev().copied().find(|&p| p != REGION)
    }

    /// The region (counted from 1) and the step within it of step `i`.
    fn position(&self, i: usize) -> (usize, usize) {
        let upto = &self.pcs[..i.min(self.pcs.len())];
        let region = upto.iter().filter(|&&p| p == REGION).count();
        let start = upto.iter().rposition(|&p| p == REGION).map_or(0, |s| s + 1);
        (region, i - start)
    }

    /// A trace from record words (see [`REGION`]).
    pub fn from_words(words: &[u64]) -> Trace {
        let mut t = Trace::new();
        for &w in words {
            if w == REGION {
                t.begin_region();
            } else if w == UNRECORDABLE {
                t.mark_unrecordable();
            } else if w & MEM != 0 {
                t.access(w & ADDR_MASK);
            } else {
                t.step(w);
            }
        }
        t
    }

    /// Reads a file written by the QEMU plugin (`qemu/ct-trace.c`): the
    /// magic `CTTRACE1`, the run-time start of the executable's code, then
    /// little-endian record words (see [`REGION`]). Returns the trace and
    /// the start of the code.
    pub fn from_plugin_file(path: &Path) -> Result<(Trace, u64), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if bytes.is_empty() {
            return Err(format!(
                "{}: empty: the run never reached a trace region",
                path.display()
            ));
        }
        if bytes.len() < 16 || &bytes[..8] != b"CTTRACE1" || bytes.len() % 8 != 0 {
            return Err(format!("{}: not a ct-trace file", path.display()));
        }
        let words: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect();
        Ok((Trace::from_words(&words[2..]), words[1]))
    }
}

/// Where two traces first differ.
pub struct Difference {
    step: usize,
}

/// The first step at which `b` differs from `a`, if any.
pub fn first_difference(a: &Trace, b: &Trace) -> Option<Difference> {
    let n = a.pcs.len().min(b.pcs.len());
    for i in 0..n {
        if a.pcs[i] != b.pcs[i] || a.mem(i) != b.mem(i) {
            return Some(Difference { step: i });
        }
    }
    (a.pcs.len() != b.pcs.len()).then_some(Difference { step: n })
}

/// Names code addresses: function, source line and inlining chain.
pub trait Symbolize {
    /// A one-line description of `pc`.
    fn describe(&self, pc: u64) -> String;
}

/// Describes a difference between the traces of variants `va` and `vb`.
pub fn report(
    d: &Difference,
    (va, a): (u32, &Trace),
    (vb, b): (u32, &Trace),
    sym: &dyn Symbolize,
) -> String {
    let i = d.step;
    let (region, at) = a.position(i);
    let mut s = String::new();
    let pa = a.pcs.get(i).copied();
    let pb = b.pcs.get(i).copied();
    let kind = if pa == pb {
        "a memory address depends on the secret"
    } else {
        "the control flow depends on the secret"
    };
    let _ = writeln!(s, "  {kind}: region {region}, step {at}");
    for (v, t, p) in [(va, a, pa), (vb, b, pb)] {
        match p {
            Some(REGION) => {
                let _ = writeln!(s, "  variant {v}: opens region {}", region + 1);
            }
            Some(pc) => {
                let _ = writeln!(
                    s,
                    "  variant {v}: pc {pc:#x} memory {:x?}\n      in {}",
                    t.mem(i),
                    sym.describe(pc)
                );
            }
            None => {
                let _ = writeln!(s, "  variant {v}: the trace ends here");
            }
        }
    }
    if pa != pb
        && let Some(prev) = a.previous_pc(i)
    {
        let _ = writeln!(
            s,
            "  the last common instruction (the branch): pc {prev:#x}\n      in {}",
            sym.describe(prev)
        );
    }
    s
}

/// Runs `addr2line -f -C -i` on one address of `file`: the innermost
/// function and line, then the functions it is inlined into.
pub fn addr2line(tool: &str, file: &Path, addr: u64) -> String {
    let out = Command::new(tool)
        .args(["-f", "-C", "-i", "-e"])
        .arg(file)
        .arg(format!("{addr:#x}"))
        .output();
    let Ok(out) = out else {
        return format!("{} +{addr:#x} ({tool} did not run)", file.display());
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let frames: Vec<String> = lines
        .chunks(2)
        .map(|f| match f {
            [func, loc] => format!("{func} ({})", short_path(loc)),
            [func] => (*func).to_string(),
            _ => String::new(),
        })
        .collect();
    if frames.is_empty() {
        format!("{} +{addr:#x}", file.display())
    } else {
        frames.join("\n         inlined into ")
    }
}

fn short_path(loc: &str) -> &str {
    ["/crates/", "/library/", "/src/"]
        .iter()
        .find_map(|m| loc.find(m).map(|i| &loc[i + 1..]))
        .unwrap_or(loc)
}

/// What the symbolizers need from an ELF file: whether it is position
/// independent (ET_DYN), its loadable segments and its bytes.
pub struct Elf {
    /// ET_DYN: linked at 0, loaded anywhere.
    pub pie: bool,
    /// PT_LOAD segments: (executable, file offset, virtual address, size in the file).
    loads: Vec<(bool, u64, u64, u64)>,
    bytes: Vec<u8>,
}

impl Elf {
    /// Reads a 64-bit little-endian ELF file.
    pub fn read(file: &Path) -> Result<Elf, String> {
        let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let bad = || format!("{}: not a 64-bit little-endian ELF file", file.display());
        if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
            return Err(bad());
        }
        let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]);
        let u64_at = |o: usize| -> u64 {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[o..o + 8]);
            u64::from_le_bytes(w)
        };
        let pie = u16_at(16) == 3;
        let (phoff, phentsize, phnum) = (
            u64_at(32) as usize,
            u16_at(54) as usize,
            u16_at(56) as usize,
        );
        if phentsize < 56 || phoff + phentsize * phnum > bytes.len() {
            return Err(bad());
        }
        let mut loads = Vec::new();
        for i in 0..phnum {
            let p = phoff + i * phentsize;
            let p_type = u32::from_le_bytes([bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]]);
            if p_type == 1 {
                let exec = bytes[p + 4] & 1 != 0;
                loads.push((exec, u64_at(p + 8), u64_at(p + 16), u64_at(p + 32)));
            }
        }
        Ok(Elf { pie, loads, bytes })
    }

    /// The lowest address of the executable segments.
    pub fn code_start(&self) -> Option<u64> {
        self.loads.iter().filter(|l| l.0).map(|l| l.2).min()
    }

    /// The 32-bit word at link-time address `vaddr`, if it is in the file.
    pub fn word_at(&self, vaddr: u64) -> Option<u32> {
        let (_, off, va, _) = self
            .loads
            .iter()
            .find(|l| l.2 <= vaddr && vaddr + 4 <= l.2 + l.3)?;
        let o = (off + (vaddr - va)) as usize;
        let w = self.bytes.get(o..o + 4)?;
        Some(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    }
}

/// Symbolizes addresses of an executable loaded at a known bias (the
/// AArch64 runs under QEMU), with the given `addr2line`.
pub struct ExeSymbolizer {
    /// The executable.
    pub exe: PathBuf,
    /// Run-time address minus link-time address.
    pub bias: u64,
    /// The `addr2line` command for the executable's architecture.
    pub tool: String,
}

impl Symbolize for ExeSymbolizer {
    fn describe(&self, pc: u64) -> String {
        addr2line(&self.tool, &self.exe, pc.wrapping_sub(self.bias))
    }
}
