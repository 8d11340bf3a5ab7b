//! Input and output: files or stdin/stdout, and hex arguments.

use crate::error::{CliResult, Context, fail};
use std::io::{Read, Write};
use std::path::Path;

/// Reads a whole file, or stdin when `path` is `None` or `-`.
pub fn read_input(path: Option<&Path>) -> CliResult<Vec<u8>> {
    let mut buf = Vec::new();
    match path {
        Some(p) if p != Path::new("-") => {
            buf = std::fs::read(p).context(p.display())?;
        }
        _ => {
            std::io::stdin().read_to_end(&mut buf).context("stdin")?;
        }
    }
    Ok(buf)
}

/// Writes `data` to a file, or stdout when `path` is `None` or `-`.
pub fn write_output(path: Option<&Path>, data: &[u8]) -> CliResult {
    match path {
        Some(p) if p != Path::new("-") => std::fs::write(p, data).context(p.display()),
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(data)
                .and_then(|()| out.flush())
                .context("stdout")
        }
    }
}

/// Writes a secret (a private key) to a file readable by its owner only, or
/// to stdout.
pub fn write_secret(path: Option<&Path>, data: &[u8]) -> CliResult {
    match path {
        Some(p) if p != Path::new("-") => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(p).context(p.display())?;
            f.write_all(data).context(p.display())
        }
        _ => write_output(None, data),
    }
}

/// Reads a passphrase file: its first line, without the line ending.
pub fn read_passphrase(path: &Path) -> CliResult<zeroize::Zeroizing<Vec<u8>>> {
    let data = zeroize::Zeroizing::new(std::fs::read(path).context(path.display())?);
    let line = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(fail(format!("{}: empty passphrase", path.display())));
    }
    Ok(zeroize::Zeroizing::new(line.to_vec()))
}

/// Decodes a hex argument of exactly `len` bytes (any length when `None`).
pub fn hex_arg(name: &str, s: &str, len: Option<usize>) -> CliResult<Vec<u8>> {
    let v = hex::decode(s.trim()).map_err(|e| fail(format!("--{name}: not hex: {e}")))?;
    if let Some(n) = len
        && v.len() != n
    {
        return Err(fail(format!(
            "--{name}: want {n} bytes ({} hex digits), got {}",
            2 * n,
            v.len()
        )));
    }
    Ok(v)
}
