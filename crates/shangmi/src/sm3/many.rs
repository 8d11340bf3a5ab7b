//! Many independent SM3 digests at once: [`hash_many`].
//!
//! With AVX2 the messages are hashed eight at a time, one per 32-bit lane of
//! the vector registers (`x86_many.rs`). A lane that finishes its message
//! takes the next one, so messages of any lengths keep the lanes busy; each
//! lane's last block or two (the rest of the message, the padding and the
//! length) are built in a small buffer. A message left alone in the lanes,
//! with nothing waiting, finishes on the single-stream kernel, which is
//! faster for one (on Zen 3/4 an eight-lane pass costs about as much as two
//! single-stream blocks). Elsewhere [`hash_many`] simply hashes the messages
//! one after the other.

use super::{OUTPUT_LEN, hash};
use crate::{Error, Result};

/// SM3 of each message of `msgs`, into the entry of `out` with the same
/// index: the same digests as [`hash`] on each, computed several at a time
/// where the CPU allows (eight lanes with AVX2 on x86-64: about four times the
/// single-message throughput for eight messages of a few KiB).
///
/// This is the call for many short, independent digests: verifying an SM3
/// hash chain such as the CA's audit log (every link's input is stored, so
/// all links can be recomputed at once and compared), the leaves and each
/// level of a Merkle tree, the `e = SM3(Z || M)` digests of a batch of SM2
/// signatures to verify. Messages may have any lengths, equal lengths are the
/// fastest case, and any number of messages is accepted (they are scheduled
/// eight at a time). Constant time in the contents of the messages; their
/// lengths and count are treated as public.
///
/// ```
/// use shangmi::sm3;
/// let msgs: [&[u8]; 3] = [b"abc", b"", b"a longer message"];
/// let mut out = [[0u8; 32]; 3];
/// sm3::hash_many(&msgs, &mut out)?;
/// assert_eq!(out[0], sm3::hash(b"abc"));
/// # Ok::<(), shangmi::Error>(())
/// ```
///
/// # Errors
/// [`Error::Length`] when `out` does not have one entry per message.
pub fn hash_many(msgs: &[&[u8]], out: &mut [[u8; OUTPUT_LEN]]) -> Result<()> {
    if msgs.len() != out.len() {
        return Err(Error::Length {
            what: "hash_many output (one digest per message)",
        });
    }
    #[cfg(target_arch = "x86_64")]
    if msgs.len() > SERIAL_MAX && super::x86_many::available() {
        x8::hash_many(msgs, out);
        return Ok(());
    }
    hash_many_portable(msgs, out);
    Ok(())
}

/// With this many lanes busy or fewer, the single-stream kernel is faster
/// than an eight-lane pass.
#[cfg(target_arch = "x86_64")]
const SERIAL_MAX: usize = 1;

/// One message after the other (also the reference for the tests).
pub(crate) fn hash_many_portable(msgs: &[&[u8]], out: &mut [[u8; OUTPUT_LEN]]) {
    for (m, o) in msgs.iter().zip(out.iter_mut()) {
        *o = hash(m);
    }
}

#[cfg(target_arch = "x86_64")]
mod x8 {
    use super::super::compress::{IV, compress};
    use super::super::x86_many::{LANES, compress8};
    use super::{OUTPUT_LEN, SERIAL_MAX};
    use zeroize::Zeroize;

    /// A message in a lane: where its remaining whole blocks are, and its
    /// final block or two.
    #[derive(Clone, Copy)]
    struct Job<'a> {
        /// Index of the message (and of its digest).
        index: usize,
        /// Whole blocks of the message not yet compressed.
        body: &'a [[u8; 64]],
        /// Final blocks (in the lane's tail buffer) not yet compressed.
        tail_left: usize,
        /// How many final blocks there are (1 or 2).
        tail_len: usize,
    }

    /// Writes the final block(s) of `msg` into `tail` (the bytes after its
    /// whole blocks, 0x80, zeros, the bit length) and returns the job.
    fn start<'a>(index: usize, msg: &'a [u8], tail: &mut [[u8; 64]; 2]) -> Job<'a> {
        let (body, rest) = msg.as_chunks::<64>();
        let bytes = tail.as_flattened_mut();
        bytes.fill(0);
        bytes[..rest.len()].copy_from_slice(rest);
        bytes[rest.len()] = 0x80;
        let tail_len = if rest.len() < 56 { 1 } else { 2 };
        let bits = (msg.len() as u64).wrapping_mul(8);
        bytes[64 * tail_len - 8..64 * tail_len].copy_from_slice(&bits.to_be_bytes());
        Job {
            index,
            body,
            tail_left: tail_len,
            tail_len,
        }
    }

    /// The blocks a job reads next: its body, then its tail.
    fn source<'a>(job: &Job<'a>, tail: &'a [[u8; 64]; 2]) -> &'a [[u8; 64]] {
        if job.body.is_empty() {
            &tail[job.tail_len - job.tail_left..job.tail_len]
        } else {
            job.body
        }
    }

    /// Moves a job `n` blocks on; true when it is complete.
    fn advance(job: &mut Job<'_>, n: usize) -> bool {
        if job.body.is_empty() {
            job.tail_left -= n;
        } else {
            job.body = &job.body[n..];
        }
        job.body.is_empty() && job.tail_left == 0
    }

    fn digest(v: &[u32; 8]) -> [u8; OUTPUT_LEN] {
        let mut d = [0u8; OUTPUT_LEN];
        for (chunk, x) in d.chunks_exact_mut(4).zip(v) {
            chunk.copy_from_slice(&x.to_be_bytes());
        }
        d
    }

    pub(super) fn hash_many(msgs: &[&[u8]], out: &mut [[u8; OUTPUT_LEN]]) {
        let mut state = [IV; LANES];
        let mut tails = [[[0u8; 64]; 2]; LANES];
        let mut jobs: [Option<Job<'_>>; LANES] = [None; LANES];
        let mut next = 0;
        loop {
            for (i, slot) in jobs.iter_mut().enumerate() {
                if slot.is_none()
                    && let Some(msg) = msgs.get(next)
                {
                    *slot = Some(start(next, msg, &mut tails[i]));
                    state[i] = IV;
                    next += 1;
                }
            }
            let busy = jobs.iter().filter(|j| j.is_some()).count();
            if busy == 0 {
                break;
            }
            if busy <= SERIAL_MAX && next == msgs.len() {
                // Too few left for a vector pass: finish them one by one.
                for (i, slot) in jobs.iter_mut().enumerate() {
                    if let Some(job) = slot.take() {
                        compress(&mut state[i], job.body);
                        compress(&mut state[i], source(&Job { body: &[], ..job }, &tails[i]));
                        out[job.index] = digest(&state[i]);
                    }
                }
                break;
            }
            // Every lane reads the same number of blocks; idle lanes repeat
            // a busy lane's blocks and their result is dropped.
            let Some(fill) = jobs
                .iter()
                .zip(&tails)
                .find_map(|(j, t)| j.as_ref().map(|j| source(j, t)))
            else {
                break;
            };
            let srcs: [&[[u8; 64]]; LANES] = core::array::from_fn(|i| match &jobs[i] {
                Some(j) => source(j, &tails[i]),
                None => fill,
            });
            let n = srcs.iter().map(|s| s.len()).min().unwrap_or(0);
            compress8(&mut state, srcs, n);
            for (i, slot) in jobs.iter_mut().enumerate() {
                if let Some(job) = slot
                    && advance(job, n)
                {
                    out[job.index] = digest(&state[i]);
                    *slot = None;
                }
            }
        }
        state.zeroize();
        tails.zeroize();
    }
}
