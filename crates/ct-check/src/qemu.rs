//! The AArch64 trace comparison, driven from the host: runs the AArch64
//! ct-check (`trace-child CASE`) under qemu-aarch64 with the tracing plugin
//! (`qemu/ct-trace.c`) once per variant, then compares the trace files.
//!
//! ```text
//! ct-check qemu-trace --exe AARCH64-CT-CHECK --plugin ct-trace.so
//!     [--variants N] [--out DIR] [--qemu "qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu"]
//!     [--addr2line aarch64-linux-gnu-addr2line] [CASE...]
//! ```
//!
//! qemu-user lays the guest out the same way on every run (the guest's
//! arguments and environment have the same lengths in every variant), so
//! the variants' addresses are comparable.

use crate::trace::{ExeSymbolizer, Trace, last_recorded};
use crate::{Outcome, take_opt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// `hint #0x7e`, trace_begin's marker on AArch64.
const HINT_START: u32 = 0xd503_2fdf;

fn qemu_command(qemu: &str) -> Result<Command, String> {
    let mut words = qemu.split_whitespace();
    let prog = words.next().ok_or("--qemu is empty")?;
    let mut c = Command::new(prog);
    c.args(words);
    Ok(c)
}

/// Children that are killed (and reaped) when dropped unless they have
/// been waited for: an error or a timeout leaves none running.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            // Child::kill does nothing to a child already reaped.
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Why [`Children::wait_all`] gave up.
enum WaitError {
    /// `wait` failed.
    Io(std::io::Error),
    /// The deadline passed with this child (an index) still running.
    Timeout(usize),
}

impl WaitError {
    fn describe(&self, what: &str, timeout: Duration) -> String {
        match self {
            WaitError::Io(e) => format!("{what}: waiting for qemu: {e}"),
            WaitError::Timeout(i) => format!(
                "{what}: variant {} under qemu: not finished after {} s, killed (a hang, or raise --timeout)",
                i + 1,
                timeout.as_secs()
            ),
        }
    }
}

impl Children {
    /// Waits for every child until `deadline`: their exit statuses.
    fn wait_all(&mut self, deadline: Instant) -> Result<Vec<ExitStatus>, WaitError> {
        let mut done: Vec<Option<ExitStatus>> = vec![None; self.0.len()];
        loop {
            for (d, c) in done.iter_mut().zip(&mut self.0) {
                if d.is_none() {
                    *d = c.try_wait().map_err(WaitError::Io)?;
                }
            }
            if done.iter().all(Option::is_some) {
                return Ok(done.into_iter().flatten().collect());
            }
            if Instant::now() >= deadline {
                let i = done.iter().position(Option::is_none).unwrap_or(0);
                return Err(WaitError::Timeout(i));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// `ct-check qemu-trace ...`.
pub fn run(mut args: Vec<String>) -> Outcome {
    let exe = PathBuf::from(take_opt(&mut args, "--exe")?.ok_or("qemu-trace needs --exe")?);
    let plugin = std::path::absolute(PathBuf::from(
        take_opt(&mut args, "--plugin")?.ok_or("qemu-trace needs --plugin")?,
    ))
    .map_err(|e| format!("--plugin: {e}"))?;
    let out = PathBuf::from(take_opt(&mut args, "--out")?.unwrap_or("target/ct-trace".into()));
    let qemu = take_opt(&mut args, "--qemu")?
        .unwrap_or("qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu".into());
    let tool = take_opt(&mut args, "--addr2line")?.unwrap_or("aarch64-linux-gnu-addr2line".into());
    let variants = crate::variants_opt(&mut args, 3)?;
    let timeout = crate::timeout_opt(&mut args)?;
    let selected = crate::select(&args)?;
    for p in [&exe, &plugin] {
        if !p.is_file() {
            return Err(format!("{}: no such file", p.display()));
        }
    }
    if plugin.to_string_lossy().contains(',') || out.to_string_lossy().contains(',') {
        return Err("qemu's -plugin option cannot take paths with commas".into());
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let elf = crate::trace::Elf::read(&exe)?;
    let code_start = elf
        .code_start()
        .ok_or("the executable has no code segment")?;

    // The guest's kernels (and its own expectations: SHANGMI_EXPECT_SM_INSNS,
    // CT_EXPECT_KERNELS) first.
    let mut probe = Children(vec![
        qemu_command(&qemu)?
            .arg(&exe)
            .arg("--kernels")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{qemu}: {e}"))?,
    ]);
    probe
        .wait_all(Instant::now() + timeout)
        .map_err(|e| e.describe(&format!("{} --kernels", exe.display()), timeout))?;
    let k = probe
        .0
        .remove(0)
        .wait_with_output()
        .map_err(|e| format!("{qemu}: {e}"))?;
    if !k.status.success() {
        return Err(format!("{} --kernels failed under {qemu}", exe.display()));
    }
    eprintln!(
        "ct-check qemu-trace: kernels: {}",
        String::from_utf8_lossy(&k.stdout).trim()
    );

    let mut clean = true;
    for c in selected {
        let t0 = Instant::now();
        let files: Vec<PathBuf> = (1..=variants)
            .map(|v| out.join(format!("{}.{v}.trace", c.name)))
            .collect();
        // The variants run concurrently; dropping `children` on an error
        // kills those still running.
        let mut children = Children(Vec::new());
        for (v, f) in (1..=variants).zip(&files) {
            let _ = std::fs::remove_file(f);
            let child = qemu_command(&qemu)?
                .arg("-plugin")
                .arg(format!("file={},out={}", plugin.display(), f.display()))
                .arg(&exe)
                .args(["trace-child", c.name])
                .env("CT_VARIANT", v.to_string())
                .spawn()
                .map_err(|e| format!("{qemu}: {e}"))?;
            children.0.push(child);
        }
        let statuses = children
            .wait_all(t0 + timeout)
            .map_err(|e| e.describe(c.name, timeout))?;
        let symbolizer = |start: u64| ExeSymbolizer {
            exe: exe.clone(),
            bias: if elf.pie {
                start.wrapping_sub(code_start)
            } else {
                0
            },
            tool: tool.clone(),
        };
        for ((v, st), f) in (1..=variants).zip(statuses).zip(&files) {
            if !st.success() {
                // The plugin writes its file out when the guest exits,
                // also on a fatal signal.
                let last = match Trace::from_plugin_file(f) {
                    Ok((t, start)) => last_recorded(t.last_pc(), &symbolizer(start)),
                    Err(_) => String::new(),
                };
                return Err(format!("{}: variant {v} under qemu: {st}{last}", c.name));
            }
        }
        let mut traces = Vec::new();
        let mut start = 0;
        for f in &files {
            let (t, s) = Trace::from_plugin_file(Path::new(f))?;
            start = s;
            traces.push(t);
        }
        let sym = symbolizer(start);
        // Each region opens with trace_begin's marker: with the right bias
        // its address holds `hint #0x7e`.
        if let Some(pc) = traces[0].first_pc()
            && elf.word_at(pc.wrapping_sub(sym.bias)) != Some(HINT_START)
        {
            eprintln!(
                "ct-check qemu-trace: the load address is off: the functions named below may be wrong"
            );
        }
        let same = crate::compare(c, &traces, &sym)?;
        clean &= same;
        eprintln!(
            "ct-check qemu-trace: {}: {} variants, {} regions, {} instructions each ({:.1} s)",
            c.name,
            variants,
            traces[0].regions(),
            traces[0].steps(),
            t0.elapsed().as_secs_f64()
        );
        // Kept when they differ, for a closer look.
        if same {
            for f in &files {
                let _ = std::fs::remove_file(f);
            }
        }
    }
    Ok(clean)
}
