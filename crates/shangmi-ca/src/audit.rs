//! The tamper-evident audit log: every decision is an entry in an SM3 hash
//! chain (each entry's hash covers the previous hash and all its fields),
//! and every so often a checkpoint, the chain head signed by a CA key, is
//! stored beside it. Verification recomputes the chain and checks every
//! checkpoint, so an edited, deleted or reordered entry is found.

use crate::store::{AuditEntry, Checkpoint};
use shangmi::alg::{PublicKey, SignatureEncoding};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// What an entry says, before it has a place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditDraft {
    /// Who: a provisioner and client, an admin, `system`.
    pub actor: String,
    /// What: `issue`, `deny`, `revoke`, `token.create`, `token.use`, ...
    pub action: String,
    /// On what: a serial, a token hash prefix, a label.
    pub target: String,
    /// `ok` or the error kind.
    pub outcome: String,
    /// Details as JSON.
    pub detail: String,
}

impl AuditDraft {
    /// A draft.
    pub fn new(
        actor: &str,
        action: &str,
        target: &str,
        outcome: &str,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            outcome: outcome.into(),
            detail: detail.to_string(),
        }
    }
}

fn field(h: &mut shangmi::sm3::Sm3, s: &[u8]) {
    h.update(&(s.len() as u64).to_be_bytes());
    h.update(s);
}

/// The hash of entry `seq` with fields `d`, written at `at`, after `prev`.
pub fn entry_hash(prev: &[u8; 32], seq: i64, at: i64, d: &AuditDraft) -> [u8; 32] {
    let mut h = shangmi::sm3::Sm3::new();
    h.update(b"shangmi-audit-v1");
    h.update(prev);
    h.update(&seq.to_be_bytes());
    h.update(&at.to_be_bytes());
    for f in [&d.actor, &d.action, &d.target, &d.outcome, &d.detail] {
        field(&mut h, f.as_bytes());
    }
    h.finalize()
}

/// The bytes a checkpoint signature covers.
pub fn checkpoint_message(seq: i64, hash_hex: &str, at: i64) -> Vec<u8> {
    let mut m = b"shangmi-audit-checkpoint-v1".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash_hex.as_bytes());
    m.extend_from_slice(&at.to_be_bytes());
    m
}

/// What verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Entries checked.
    pub entries: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Problems; empty when the log is intact.
    pub problems: Vec<String>,
}

impl Report {
    /// Whether the log is intact.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    hex::decode(s).ok()?.try_into().ok()
}

/// Verifies the chain `entries` (in seq order from 1) against
/// `checkpoints`, whose signatures `key_for(signer)` checks.
pub fn verify(
    entries: &[AuditEntry],
    checkpoints: &[Checkpoint],
    key_for: &dyn Fn(&str) -> Option<PublicKey>,
) -> Report {
    let mut problems = Vec::new();
    let mut prev = GENESIS;
    let mut expect_seq = 1i64;
    let mut by_seq = std::collections::HashMap::new();
    for e in entries {
        if e.seq != expect_seq {
            problems.push(format!(
                "entry {}: expected entry {expect_seq} here (an entry was deleted or reordered)",
                e.seq
            ));
            expect_seq = e.seq;
        }
        if hex32(&e.prev_hash) != Some(prev) {
            problems.push(format!(
                "entry {}: does not follow the entry before it (chain broken)",
                e.seq
            ));
        }
        let d = AuditDraft {
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            outcome: e.outcome.clone(),
            detail: e.detail.clone(),
        };
        let h = entry_hash(&hex32(&e.prev_hash).unwrap_or(prev), e.seq, e.at, &d);
        if hex32(&e.hash) != Some(h) {
            problems.push(format!(
                "entry {}: its contents do not match its hash (edited)",
                e.seq
            ));
        }
        prev = hex32(&e.hash).unwrap_or(h);
        by_seq.insert(e.seq, e.hash.clone());
        expect_seq += 1;
    }
    for c in checkpoints {
        let ok_sig = key_for(&c.signer).is_some_and(|k| {
            hex::decode(&c.signature).is_ok_and(|sig| {
                k.verify(
                    &checkpoint_message(c.seq, &c.hash, c.at),
                    &sig,
                    SignatureEncoding::Der,
                )
                .is_ok()
            })
        });
        if !ok_sig {
            problems.push(format!("checkpoint at entry {}: bad signature", c.seq));
        }
        match by_seq.get(&c.seq) {
            Some(h) if *h == c.hash => {}
            Some(_) => problems.push(format!(
                "checkpoint at entry {}: the signed chain head differs (entries up to it were rewritten)",
                c.seq
            )),
            None => problems.push(format!(
                "checkpoint at entry {}: that entry is missing (the log was truncated)",
                c.seq
            )),
        }
    }
    Report {
        entries: entries.len() as u64,
        checkpoints: checkpoints.len() as u64,
        problems,
    }
}
