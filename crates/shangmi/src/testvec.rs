//! Reader for the plain-text vector files in `test-vectors/` (format in
//! `test-vectors/README.md`). Test-only.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, missing_docs)]

extern crate std;
use std::collections::BTreeMap;
use std::string::{String, ToString};
use std::vec::Vec;

/// One record: its fields in file order, and the line it starts on.
#[derive(Clone, Debug)]
pub struct Record {
    pub line: usize,
    pub fields: BTreeMap<String, String>,
}

impl Record {
    /// Whether the record has `name`.
    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
    /// The raw text of `name`.
    pub fn raw(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("record at line {} has no field {name}", self.line))
    }
    /// A field as bytes: hex, or the bytes of a quoted string.
    pub fn bytes(&self, name: &str) -> Vec<u8> {
        let v = self.raw(name);
        if let Some(s) = v.strip_prefix('"') {
            return s
                .strip_suffix('"')
                .expect("unterminated string")
                .as_bytes()
                .to_vec();
        }
        decode_hex(v).unwrap_or_else(|| panic!("line {}: {name} is not hex", self.line))
    }
    /// A field as a fixed-size array.
    pub fn array<const N: usize>(&self, name: &str) -> [u8; N] {
        let b = self.bytes(name);
        b.as_slice().try_into().unwrap_or_else(|_| {
            panic!("line {}: {name} has {} bytes, want {N}", self.line, b.len())
        })
    }
    /// A field as a decimal integer.
    pub fn int(&self, name: &str) -> u64 {
        self.raw(name).parse().unwrap()
    }
    /// A bare word.
    pub fn word(&self, name: &str) -> &str {
        self.raw(name)
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Parses the text of a vector file.
pub fn parse(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut cur: Option<Record> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            if let Some(r) = cur.take() {
                out.push(r);
            }
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("line {}: no '='", i + 1));
        let rec = cur.get_or_insert_with(|| Record {
            line: i + 1,
            fields: BTreeMap::new(),
        });
        rec.fields
            .insert(k.trim().to_string(), v.trim().to_string());
    }
    out.extend(cur);
    out
}

/// Reads and parses `test-vectors/<name>`.
pub fn load(name: &str) -> Vec<Record> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let recs = parse(&text);
    assert!(!recs.is_empty(), "{name} has no records");
    recs
}

/// A deterministic stream of test bytes (splitmix64), for the tests that
/// compare kernels on random inputs.
pub fn test_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// Whether the CPU reports the SM3/SM4 instructions, as the standard
/// library detects them (not the detection the kernels use). The test
/// command sets `SHANGMI_EXPECT_SM_INSNS` under `qemu-aarch64 -cpu max`,
/// which has them: then a detection that misses them fails the test
/// instead of quietly testing the portable path twice.
#[cfg(target_arch = "aarch64")]
pub fn aarch64_sm_insns_reported() -> bool {
    let has = std::arch::is_aarch64_feature_detected!("sm4");
    if std::env::var_os("SHANGMI_EXPECT_SM_INSNS").is_some() {
        assert!(
            has,
            "SHANGMI_EXPECT_SM_INSNS is set but no SM3/SM4 instructions were detected"
        );
    }
    has
}
