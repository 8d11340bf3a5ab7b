//! `shangmi hash`.

use crate::cli::{HashAlg, HashArgs};
use crate::error::{CliResult, Context};
use shangmi::alg::HashAlgorithm;
use std::io::Read;
use std::path::Path;

/// Hashes each file (stdin when none) and prints "<hex>  <name>".
pub fn run(a: &HashArgs) -> CliResult {
    let alg = match a.alg {
        HashAlg::Sm3 => HashAlgorithm::Sm3,
        HashAlg::Sha256 => HashAlgorithm::Sha256,
        HashAlg::Sha384 => HashAlgorithm::Sha384,
        HashAlg::Sha512 => HashAlgorithm::Sha512,
    };
    let stdin = [Path::new("-").to_path_buf()];
    let files = if a.files.is_empty() {
        &stdin[..]
    } else {
        &a.files[..]
    };
    for f in files {
        let digest = if f == Path::new("-") {
            hash_reader(alg, std::io::stdin().lock()).context("stdin")?
        } else {
            let file = std::fs::File::open(f).context(f.display())?;
            hash_reader(alg, file).context(f.display())?
        };
        println!("{}  {}", hex::encode(digest), f.display());
    }
    Ok(())
}

fn hash_reader(alg: HashAlgorithm, mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut h = alg.hasher();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize_vec())
}
