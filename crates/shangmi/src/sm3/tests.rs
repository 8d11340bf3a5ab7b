#![allow(clippy::unwrap_used)]
use super::*;
use crate::testvec;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

#[test]
fn official_vectors() {
    for r in testvec::load("sm3.txt") {
        let msg = r.bytes("msg");
        assert_eq!(hash(&msg).to_vec(), r.bytes("digest"), "line {}", r.line);
    }
}

#[test]
fn hmac_vectors() {
    let recs: Vec<_> = testvec::load("mac-kdf.txt")
        .into_iter()
        .filter(|r| r.word("alg") == "hmac-sm3")
        .collect();
    assert!(!recs.is_empty());
    for r in recs {
        assert_eq!(
            hmac(&r.bytes("key"), &r.bytes("msg")).to_vec(),
            r.bytes("mac"),
            "line {}",
            r.line
        );
    }
}

#[test]
fn every_length_matches_rustcrypto_sm3() {
    use sm3::Digest;
    let data: Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
    for n in 0..data.len() {
        assert_eq!(
            hash(&data[..n]).as_slice(),
            sm3::Sm3::digest(&data[..n]).as_slice(),
            "length {n}"
        );
    }
}

#[test]
fn digest_trait_drop_in() {
    use digest::Digest;
    let d = <Sm3 as Digest>::digest(b"abc");
    assert_eq!(d.as_slice(), hash(b"abc").as_slice());
}

proptest! {
    #[test]
    fn hmac_matches_rustcrypto(key in proptest::collection::vec(any::<u8>(), 0..150), msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        use hmac::{Mac, KeyInit};
        let mut m = <hmac::Hmac<sm3::Sm3> as KeyInit>::new_from_slice(&key).unwrap();
        Mac::update(&mut m, &msg);
        let theirs: [u8; 32] = m.finalize().into_bytes().into();
        prop_assert_eq!(hmac(&key, &msg), theirs);
    }
}

// ---- Kernels against the portable one -------------------------------------

/// SM3 of `data` with the portable kernel only (the reference for every
/// kernel the CPU may select).
fn hash_portable(data: &[u8]) -> [u8; OUTPUT_LEN] {
    let mut v = super::compress::IV;
    let (blocks, rest) = data.as_chunks::<64>();
    super::compress::compress_portable(&mut v, blocks);
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let n = if rest.len() < 56 { 64 } else { 128 };
    tail[n - 8..n].copy_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    super::compress::compress_portable(&mut v, tail[..n].as_chunks::<64>().0);
    let mut out = [0u8; OUTPUT_LEN];
    for (c, x) in out.chunks_exact_mut(4).zip(v) {
        c.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// Lengths 0..=300 and a few large ones, each at several misalignments.
fn lengths() -> impl Iterator<Item = usize> {
    (0..=300).chain([1000, 4095, 4096, 8192, 8192 + 55, 65536 + 1])
}

#[test]
fn official_vectors_on_every_kernel() {
    for r in testvec::load("sm3.txt") {
        let msg = r.bytes("msg");
        let want = r.bytes("digest");
        assert_eq!(
            hash_portable(&msg).to_vec(),
            want,
            "portable, line {}",
            r.line
        );
        let mut out = [[0u8; 32]; 9];
        let msgs = [msg.as_slice(); 9];
        hash_many(&msgs, &mut out).unwrap();
        for o in out {
            assert_eq!(o.to_vec(), want, "hash_many, line {}", r.line);
        }
    }
}

#[test]
fn selected_kernel_matches_portable_every_length_and_alignment() {
    let data = random_bytes(65536 + 1 + 8, 1);
    for n in lengths() {
        for off in [0, 1, 3, 7] {
            let m = &data[off..off + n];
            assert_eq!(hash(m), hash_portable(m), "length {n}, offset {off}");
        }
    }
}

/// Each x86-64 compression kernel this CPU runs (AVX2 also where the
/// AVX-512VL one is selected) against the portable compression, on random
/// states and 1 to 40 blocks at odd offsets.
#[cfg(target_arch = "x86_64")]
#[test]
fn every_x86_kernel_matches_portable() {
    use super::x86::{Kind, supported};
    if cfg!(feature = "force-portable") {
        return;
    }
    let kernels: Vec<_> = [Kind::Avx2, Kind::Avx512]
        .into_iter()
        .filter_map(supported)
        .collect();
    let data = random_bytes(64 * 40 + 7, 9);
    for (i, n) in (1..=40).enumerate() {
        let off = i % 7;
        let (blocks, _) = data[off..off + 64 * n].as_chunks::<64>();
        let state: [u32; 8] =
            core::array::from_fn(|j| ((i * 8 + j) as u32).wrapping_mul(0x9e37_79b9));
        let mut want = state;
        super::compress::compress_portable(&mut want, blocks);
        for &k in &kernels {
            let mut got = state;
            super::x86::compress_with(k, &mut got, blocks);
            assert_eq!(got, want, "{k:?}, {n} blocks, offset {off}");
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn x86_kernels_are_selected_here() {
    // On the development and CI machines (x86-64 with AVX2 and BMI2) the
    // tests above exercise the kernels, not the portable path twice.
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("bmi2") {
        assert_eq!(
            super::x86::kernel().is_some(),
            !cfg!(feature = "force-portable")
        );
        if std::is_x86_feature_detected!("avx512vl") && !cfg!(feature = "force-portable") {
            assert_eq!(
                super::x86::kernel().map(super::x86::Kernel::kind),
                Some(super::x86::Kind::Avx512)
            );
        }
        assert_eq!(
            super::x86_many::available(),
            !cfg!(feature = "force-portable")
        );
    }
}

#[test]
fn hash_many_matches_hash_every_length() {
    let data = random_bytes(70000, 2);
    // Every length 0..=300 as one batch (lanes finish at different blocks
    // and take new messages), and each length eight times over (all lanes
    // equal), at odd offsets.
    let all: Vec<&[u8]> = lengths()
        .enumerate()
        .map(|(i, n)| &data[i % 5..i % 5 + n])
        .collect();
    let mut out = vec![[0u8; 32]; all.len()];
    hash_many(&all, &mut out).unwrap();
    for (m, o) in all.iter().zip(&out) {
        assert_eq!(*o, hash_portable(m), "length {}", m.len());
    }
    for n in lengths() {
        let same: Vec<&[u8]> = (0..8).map(|i| &data[i + 1..i + 1 + n]).collect();
        let mut out = [[0u8; 32]; 8];
        hash_many(&same, &mut out).unwrap();
        for (m, o) in same.iter().zip(&out) {
            assert_eq!(*o, hash_portable(m), "length {n}");
        }
    }
}

#[test]
fn hash_many_counts_and_errors() {
    let data = random_bytes(1000, 3);
    for count in 0..=20 {
        let msgs: Vec<&[u8]> = (0..count).map(|i| &data[i..i + 37 * i]).collect();
        let mut out = vec![[0u8; 32]; count];
        hash_many(&msgs, &mut out).unwrap();
        let mut want = vec![[0u8; 32]; count];
        super::many::hash_many_portable(&msgs, &mut want);
        assert_eq!(out, want, "{count} messages");
    }
    let msgs: [&[u8]; 2] = [b"a", b"b"];
    assert!(hash_many(&msgs, &mut [[0u8; 32]; 1]).is_err());
    assert!(hash_many(&msgs, &mut [[0u8; 32]; 3]).is_err());
    assert!(hash_many(&[], &mut []).is_ok());
}

#[cfg(target_arch = "x86_64")]
#[test]
fn eight_lane_kernel_matches_portable_per_lane() {
    if !super::x86_many::available() {
        return;
    }
    let data = random_bytes(64 * 8 * 20, 4);
    let (blocks, _) = data.as_chunks::<64>();
    for n in [0, 1, 2, 3, 7, 19] {
        let mut state: [[u32; 8]; 8] = core::array::from_fn(|i| {
            core::array::from_fn(|k| {
                (i as u32 * 0x0101_0101) ^ super::compress::IV[k].rotate_left(i as u32)
            })
        });
        let mut want = state;
        // Lanes read from different, overlapping, unevenly long sources.
        let srcs: [&[[u8; 64]]; 8] = core::array::from_fn(|i| &blocks[i * 17..i * 17 + n + i]);
        super::x86_many::compress8(&mut state, srcs, n);
        for (w, s) in want.iter_mut().zip(srcs) {
            super::compress::compress_portable(w, &s[..n]);
        }
        assert_eq!(state, want, "{n} blocks");
    }
}

proptest! {
    /// The selected kernel and the portable one on random chaining values
    /// and random blocks.
    #[test]
    fn block_kernel_matches_portable(v in any::<[u32; 8]>(), data in proptest::collection::vec(any::<u8>(), 0..640)) {
        let (blocks, _) = data.as_chunks::<64>();
        let mut a = v;
        let mut b = v;
        super::compress::compress(&mut a, blocks);
        super::compress::compress_portable(&mut b, blocks);
        prop_assert_eq!(a, b);
    }

    /// Streaming in random pieces on the selected kernel equals the
    /// portable one-shot digest, and so does the one-shot `hash`.
    #[test]
    fn streaming_matches_portable(data in proptest::collection::vec(any::<u8>(), 0..3000), cuts in proptest::collection::vec(0usize..3000, 0..8)) {
        let mut h = Sm3::new();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (data.len() + 1)).collect();
        cuts.sort_unstable();
        let mut prev = 0;
        for c in cuts {
            h.update(&data[prev..c]);
            prev = c;
        }
        h.update(&data[prev..]);
        prop_assert_eq!(h.finalize(), hash_portable(&data));
        prop_assert_eq!(hash(&data), hash_portable(&data));
    }

    /// Random batches: any count, any lengths, any offsets.
    #[test]
    fn hash_many_matches_portable(lens in proptest::collection::vec((0usize..700, 0usize..8), 0..24), seed in any::<u64>()) {
        let data = random_bytes(720, seed);
        let msgs: Vec<&[u8]> = lens.iter().map(|&(n, off)| &data[off..off + n]).collect();
        let mut out = vec![[0u8; 32]; msgs.len()];
        hash_many(&msgs, &mut out).unwrap();
        for (m, o) in msgs.iter().zip(&out) {
            prop_assert_eq!(*o, hash_portable(m));
        }
    }
}

#[cfg(target_arch = "aarch64")]
#[test]
fn aarch64_kernel_is_selected_here() {
    // When the CPU reports the SM3 instructions (as told by the standard
    // library's own detection, not the one the kernel uses), the tests above
    // exercise the instruction kernel, not the portable path twice.
    let has = crate::testvec::aarch64_sm_insns_reported();
    let expect = has && !cfg!(feature = "force-portable");
    std::eprintln!(
        "SM3 instructions reported: {has}; SM3 kernels: {:?}",
        kernels()
    );
    assert_eq!(super::aarch64::available(), expect);
    let want = if expect { "sm3-insn" } else { "portable" };
    assert_eq!(kernels(), (want, want));
}

/// The instruction kernel itself against the portable one on random
/// chaining values and every block count up to 20 (whatever `compress`
/// selects).
#[cfg(target_arch = "aarch64")]
#[test]
fn aarch64_kernel_matches_portable() {
    if !super::aarch64::available() {
        return;
    }
    let data = random_bytes(64 * 21 + 3, 5);
    for off in [0, 1, 3] {
        let (blocks, _) = data[off..].as_chunks::<64>();
        for n in 0..=20 {
            let v0: [u32; 8] =
                core::array::from_fn(|k| super::compress::IV[k].rotate_left((n + off) as u32));
            let mut a = v0;
            let mut b = v0;
            super::aarch64::compress(&mut a, &blocks[..n]);
            super::compress::compress_portable(&mut b, &blocks[..n]);
            assert_eq!(a, b, "{n} blocks, offset {off}");
        }
    }
}
