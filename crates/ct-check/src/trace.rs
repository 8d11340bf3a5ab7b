//! Trace comparison: the recorded control flow and memory addresses of one
//! case run with different secrets, compared step by step.
//!
//! The tracers write the same record words (see [`REGION`]): natively on
//! x86-64 the self-stepping child (`step.rs`, breakpoints; read in place
//! from its shared buffer) or, with `--method ptrace`, the ptrace tracer
//! (`ptrace.rs`), and on AArch64 the QEMU plugin (`qemu/ct-trace.c`, read
//! back by [`Trace::from_plugin_file`]). All record, for every instruction
//! executed between `trace_begin()` and `trace_end()`, its address and the
//! addresses of the memory it accesses. With the public inputs fixed, a
//! constant-time case yields the same trace whatever the secrets; a branch
//! or a memory address that depends on a secret makes the traces of two
//! variants differ. A masked access is recorded by its address alone, not
//! by the lanes its mask selects.

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

/// Whether `w` begins a step: an instruction address or a region mark
/// (not a memory word).
fn starts_step(w: u64) -> bool {
    w & MEM == 0 || w == REGION
}

/// Whether `w` is an executed instruction's address.
fn is_pc(w: u64) -> bool {
    w & MEM == 0
}

/// One traced run: its record words (see [`REGION`]), read where they are
/// (a child's shared buffer, a vector), never copied into another form:
/// traces run to tens of millions of words.
pub struct Trace {
    store: Box<dyn AsRef<[u64]>>,
    regions: usize,
    steps: usize,
    /// The word index of the first [`UNRECORDABLE`] mark.
    unrecordable: Option<usize>,
}

impl Trace {
    /// A trace over the record words in `store`.
    pub fn new(store: Box<dyn AsRef<[u64]>>) -> Trace {
        let mut t = Trace {
            store,
            regions: 0,
            steps: 0,
            unrecordable: None,
        };
        let (mut regions, mut steps, mut unrecordable) = (0, 0, None);
        for (i, &w) in t.words().iter().enumerate() {
            if w == REGION {
                regions += 1;
            } else if w == UNRECORDABLE {
                unrecordable = unrecordable.or(Some(i));
            } else if is_pc(w) {
                steps += 1;
            }
        }
        (t.regions, t.steps, t.unrecordable) = (regions, steps, unrecordable);
        t
    }

    /// A trace over the record words in `words`.
    pub fn from_vec(words: Vec<u64>) -> Trace {
        Trace::new(Box::new(words))
    }

    /// The record words.
    pub fn words(&self) -> &[u64] {
        (*self.store).as_ref()
    }

    /// The address of the first instruction of the first region.
    pub fn first_pc(&self) -> Option<u64> {
        self.words().iter().copied().find(|&w| is_pc(w))
    }

    /// The address of the last instruction recorded.
    pub fn last_pc(&self) -> Option<u64> {
        self.words().iter().rev().copied().find(|&w| is_pc(w))
    }

    /// The address of the first instruction whose memory addresses could
    /// not be recorded (a gather or scatter), if any.
    pub fn unrecordable_pc(&self) -> Option<u64> {
        let i = self.unrecordable?;
        self.words()[..i].iter().rev().copied().find(|&w| is_pc(w))
    }

    /// The number of regions.
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// The number of recorded instructions.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The memory addresses of the step that starts at word `start`.
    fn mem(&self, start: usize) -> Vec<u64> {
        self.words()
            .iter()
            .skip(start + 1)
            .take_while(|&&w| !starts_step(w))
            .filter(|&&w| w != UNRECORDABLE)
            .map(|&w| w & ADDR_MASK)
            .collect()
    }

    /// The region (counted from 1) and the instruction within it (counted
    /// from 0) of the step that starts at word `start`.
    fn position(&self, start: usize) -> (usize, usize) {
        let words = &self.words()[..start.min(self.words().len())];
        let region = words.iter().filter(|&&w| w == REGION).count();
        let from = words
            .iter()
            .rposition(|&w| w == REGION)
            .map_or(0, |r| r + 1);
        (region, words[from..].iter().filter(|&&w| is_pc(w)).count())
    }

    /// Reads a file written by the QEMU plugin (`qemu/ct-trace.c`): the
    /// magic `CTTRACE1`, the run-time start of the executable's code, then
    /// little-endian record words (see [`REGION`]). Returns the trace and
    /// the start of the code.
    pub fn from_plugin_file(path: &Path) -> Result<(Trace, u64), String> {
        use std::io::Read as _;
        let err = |e: std::io::Error| format!("{}: {e}", path.display());
        let mut f = std::fs::File::open(path).map_err(err)?;
        let len = f.metadata().map_err(err)?.len();
        if len == 0 {
            return Err(format!(
                "{}: empty: the run never reached a trace region",
                path.display()
            ));
        }
        let mut head = [0u8; 16];
        if len < 16 || len % 8 != 0 || f.read_exact(&mut head).is_err() || &head[..8] != b"CTTRACE1"
        {
            return Err(format!("{}: not a ct-trace file", path.display()));
        }
        let start = u64::from_le_bytes(head[8..].try_into().unwrap_or_default());
        // The words straight into their vector, through a small buffer.
        let mut words = Vec::with_capacity((len / 8 - 2) as usize);
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut chunk).map_err(err)?;
            if n == 0 {
                break;
            }
            if n % 8 != 0 {
                // A short read that splits a word: complete it.
                let more = 8 - n % 8;
                f.read_exact(&mut chunk[n..n + more]).map_err(err)?;
                words.extend(chunk[..n + more].chunks_exact(8).map(word));
            } else {
                words.extend(chunk[..n].chunks_exact(8).map(word));
            }
        }
        Ok((Trace::from_vec(words), start))
    }
}

/// A little-endian word from eight bytes.
fn word(c: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(c);
    u64::from_le_bytes(w)
}

/// Where two traces first differ: a word index.
pub struct Difference {
    word: usize,
}

/// The first word at which `b` differs from `a`, if any.
pub fn first_difference(a: &Trace, b: &Trace) -> Option<Difference> {
    let (a, b) = (a.words(), b.words());
    let n = a.len().min(b.len());
    // Block by block first: the traces are long and mostly equal.
    let block = 4096;
    let mut i = 0;
    while i + block <= n && a[i..i + block] == b[i..i + block] {
        i += block;
    }
    match (i..n).find(|&j| a[j] != b[j]) {
        Some(word) => Some(Difference { word }),
        None => (a.len() != b.len()).then_some(Difference { word: n }),
    }
}

/// Names code addresses: function, source line and inlining chain.
pub trait Symbolize {
    /// A one-line description of `pc`.
    fn describe(&self, pc: u64) -> String;
}

/// `pc` and where it is, for messages.
pub fn describe_pc(pc: u64, sym: &dyn Symbolize) -> String {
    format!("pc {pc:#x}\n      in {}", sym.describe(pc))
}

/// The last instruction a failed run recorded, for messages.
pub fn last_recorded(pc: Option<u64>, sym: &dyn Symbolize) -> String {
    match pc {
        Some(pc) => format!("; the last instruction traced: {}", describe_pc(pc, sym)),
        None => "; no instruction was traced".into(),
    }
}

/// A signal's name, for messages (Linux numbers).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => return format!("signal {sig}"),
    };
    format!("signal {sig} ({name})")
}

/// Describes a difference between the traces of variants `va` and `vb`.
pub fn report(
    d: &Difference,
    (va, a): (u32, &Trace),
    (vb, b): (u32, &Trace),
    sym: &dyn Symbolize,
) -> String {
    let w = d.word;
    let wa = a.words().get(w).copied();
    let wb = b.words().get(w).copied();
    // Both traces begin a step here (or end): the instruction differs.
    // Otherwise the step before (the same in both) accessed other memory.
    let flow = wa.is_none_or(starts_step) && wb.is_none_or(starts_step);
    let start = if flow {
        w
    } else {
        a.words()[..w]
            .iter()
            .rposition(|&x| starts_step(x))
            .unwrap_or(0)
    };
    let (region, at) = a.position(start);
    let mut s = String::new();
    let kind = if flow {
        "the control flow depends on the secret"
    } else {
        "a memory address depends on the secret"
    };
    let _ = writeln!(s, "  {kind}: region {region}, step {at}");
    for (v, t) in [(va, a), (vb, b)] {
        match t.words().get(start).copied() {
            Some(REGION) => {
                let _ = writeln!(s, "  variant {v}: opens region {}", region + 1);
            }
            Some(pc) => {
                let _ = writeln!(
                    s,
                    "  variant {v}: pc {pc:#x} memory {:x?}\n      in {}",
                    t.mem(start),
                    sym.describe(pc)
                );
            }
            None => {
                let _ = writeln!(s, "  variant {v}: the trace ends here");
            }
        }
    }
    if flow && let Some(prev) = a.words()[..start].iter().rev().copied().find(|&x| is_pc(x)) {
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

    /// Whether the file is a 64-bit little-endian ELF file of type
    /// ET_DYN (from its header alone).
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub fn is_pie(file: &Path) -> Option<bool> {
        use std::io::Read as _;
        let mut h = [0u8; 18];
        std::fs::File::open(file).ok()?.read_exact(&mut h).ok()?;
        (&h[..4] == b"\x7fELF" && h[4] == 2 && h[5] == 1)
            .then(|| u16::from_le_bytes([h[16], h[17]]) == 3)
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

/// Symbolizes addresses of this process (the native tracers' children are
/// forks of it and share its mappings) through /proc/self/maps and
/// `addr2line`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub struct SelfSymbolizer {
    /// Start, end, file, and the address the file's offset 0 is mapped at
    /// (0 for a file that is not position independent).
    maps: Vec<(u64, u64, PathBuf, u64)>,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl SelfSymbolizer {
    /// Reads this process's mappings, and the ELF header of each file
    /// mapped, once per file.
    pub fn new() -> Self {
        let text = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        let mut bases: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
        let mut pie: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        let mut rows = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 || !f[5].starts_with('/') {
                continue;
            }
            let Some((s, e)) = f[0].split_once('-') else {
                continue;
            };
            let (Ok(s), Ok(e), Ok(off)) = (
                u64::from_str_radix(s, 16),
                u64::from_str_radix(e, 16),
                u64::from_str_radix(f[2], 16),
            ) else {
                continue;
            };
            if off == 0 {
                bases.entry(f[5]).or_insert(s);
            }
            // Position-independent files are linked at 0 (an unreadable one
            // is taken for one).
            pie.entry(f[5])
                .or_insert_with(|| Elf::is_pie(Path::new(f[5])).unwrap_or(true));
            rows.push((s, e, f[5]));
        }
        let maps = rows
            .into_iter()
            .map(|(s, e, path)| {
                let base = if pie[path] {
                    bases.get(path).copied().unwrap_or(s)
                } else {
                    0
                };
                (s, e, PathBuf::from(path), base)
            })
            .collect();
        Self { maps }
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl Symbolize for SelfSymbolizer {
    fn describe(&self, pc: u64) -> String {
        match self.maps.iter().find(|m| m.0 <= pc && pc < m.1) {
            Some((_, _, path, base)) => addr2line("addr2line", path, pc - base),
            None => "(no mapping)".into(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    struct NoSym;
    impl Symbolize for NoSym {
        fn describe(&self, pc: u64) -> String {
            format!("{pc:#x}")
        }
    }

    fn diff(a: &[u64], b: &[u64]) -> Option<String> {
        let (a, b) = (Trace::from_vec(a.to_vec()), Trace::from_vec(b.to_vec()));
        first_difference(&a, &b).map(|d| report(&d, (1, &a), (2, &b), &NoSym))
    }

    #[test]
    fn counts_and_pcs() {
        let t = Trace::from_vec(vec![REGION, 1, MEM | 8, 2, UNRECORDABLE, REGION, 3]);
        assert_eq!((t.regions(), t.steps()), (2, 3));
        assert_eq!(t.first_pc(), Some(1));
        assert_eq!(t.unrecordable_pc(), Some(2));
    }

    #[test]
    fn differences() {
        let base = [REGION, 1, MEM | 8, 2, REGION, 3, MEM | 16];
        assert!(diff(&base, &base).is_none());
        // Another address at region 2, step 0.
        let r = diff(&base, &[REGION, 1, MEM | 8, 2, REGION, 3, MEM | 24]).unwrap();
        assert!(
            r.contains("a memory address depends on the secret: region 2, step 0"),
            "{r}"
        );
        assert!(r.contains("pc 0x3 memory [18]"), "{r}");
        // Another instruction at region 1, step 1, after the branch at 1.
        let r = diff(&base, &[REGION, 1, MEM | 8, 5, REGION, 3, MEM | 16]).unwrap();
        assert!(
            r.contains("the control flow depends on the secret: region 1, step 1"),
            "{r}"
        );
        assert!(r.contains("(the branch): pc 0x1"), "{r}");
        // One access more: a memory difference at the step that made it.
        let r = diff(&base, &[REGION, 1, MEM | 8, MEM | 9, 2]).unwrap();
        assert!(
            r.contains("a memory address depends on the secret: region 1, step 0"),
            "{r}"
        );
        // A shorter trace.
        let r = diff(&base, &base[..4]).unwrap();
        assert!(r.contains("the control flow depends on the secret"), "{r}");
        assert!(r.contains("variant 2: the trace ends here"), "{r}");
        // Beyond the first block of the comparison.
        let mut long: Vec<u64> = vec![REGION];
        long.extend(1..10_000);
        let mut other = long.clone();
        other[9_000] = 5;
        let r = diff(&long, &other).unwrap();
        assert!(r.contains("region 1, step 8999"), "{r}");
    }
}
