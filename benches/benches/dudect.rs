//! A dudect-style statistical timing test ("dude, is my code constant
//! time?", Reparaz, Balasch and Verbauwhede, 2017) of shangmi's secret-dependent
//! operations.
//!
//! Each case times one operation on inputs of two classes, a fixed secret
//! and a fresh random secret per measurement, in random order, and runs
//! Welch's t-test on the two samples of timings: on all of them and on the
//! ones under a few percentiles (cropping the long tail that interrupts and
//! other processes add). A |t| above 4.5 says the two classes take different
//! times, which a constant-time implementation must not show. The program
//! prints max |t| per case and exits 1 when any case exceeds the threshold.
//!
//! ```text
//! cargo bench -p shangmi-benches --bench dudect [-- [CASE...] [--measurements N] [--threshold T]]
//! cargo bench -p shangmi-benches --bench dudect --features force-portable   # the portable kernels
//! ```
//!
//! This measures time, so it is a bench, not a unit test: run it on an idle
//! machine. It complements the valgrind check (`crates/ct-check`), which
//! looks at the code paths rather than at the clock.
#![allow(missing_docs, clippy::unwrap_used)]

use shangmi::rng::{TryCryptoRng, TryRng};
use shangmi::{sm2, sm3, sm4};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

/// dudect's threshold: |t| above it means the timings depend on the class.
const THRESHOLD: f64 = 4.5;
/// Measurements prepared and timed together (inputs for one chunk).
const CHUNK: usize = 4096;
/// Measurements dropped at the start (warm-up).
const WARMUP: usize = 1000;

/// A small deterministic generator (splitmix64) for the random class and
/// the class order; also the signing nonce source, so the operating
/// system's generator adds no noise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        for chunk in b.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
        b
    }
}

impl TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.next() as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}
impl TryCryptoRng for Rng {}

/// Welch's t statistic of two samples, accumulated online.
#[derive(Default, Clone, Copy)]
struct Welch {
    n: [f64; 2],
    mean: [f64; 2],
    m2: [f64; 2],
}

impl Welch {
    fn push(&mut self, class: usize, x: f64) {
        self.n[class] += 1.0;
        let d = x - self.mean[class];
        self.mean[class] += d / self.n[class];
        self.m2[class] += d * (x - self.mean[class]);
    }
    fn t(&self) -> f64 {
        if self.n[0] < 2.0 || self.n[1] < 2.0 {
            return 0.0;
        }
        let v0 = self.m2[0] / (self.n[0] - 1.0);
        let v1 = self.m2[1] / (self.n[1] - 1.0);
        let se = (v0 / self.n[0] + v1 / self.n[1]).sqrt();
        if se == 0.0 {
            return 0.0;
        }
        (self.mean[0] - self.mean[1]) / se
    }
}

/// Times `op` on `n` measurements of `batch` inputs each; every measurement
/// draws its class at random and its inputs from `fixed` (class 0) or from
/// `random` (class 1). Inputs are prepared before the clock starts, in one
/// buffer for both classes, so both see the same memory behaviour. Returns
/// (class, nanoseconds) per measurement.
fn measure<I>(
    n: usize,
    batch: usize,
    rng: &mut Rng,
    fixed: impl Fn() -> I,
    mut random: impl FnMut(&mut Rng) -> I,
    mut op: impl FnMut(&mut I, &mut Rng),
) -> Vec<(u8, u64)> {
    let mut out = Vec::with_capacity(n + WARMUP);
    let mut op_rng = Rng(0x5eed);
    let mut left = n + WARMUP;
    while left > 0 {
        let m = left.min(CHUNK);
        let classes: Vec<u8> = (0..m).map(|_| (rng.next() & 1) as u8).collect();
        let mut inputs: Vec<I> = classes
            .iter()
            .flat_map(|&c| (0..batch).map(move |_| c))
            .map(|c| if c == 0 { fixed() } else { random(rng) })
            .collect();
        for (k, &c) in classes.iter().enumerate() {
            let group = &mut inputs[k * batch..(k + 1) * batch];
            let start = Instant::now();
            for x in group.iter_mut() {
                op(x, &mut op_rng);
            }
            let dt = start.elapsed().as_nanos() as u64;
            out.push((c, dt));
        }
        left -= m;
    }
    out.drain(..WARMUP);
    out
}

/// max |t| over the whole sample and the samples under a few percentiles.
fn max_t(samples: &[(u8, u64)]) -> (f64, usize) {
    let mut sorted: Vec<u64> = samples.iter().map(|s| s.1).collect();
    sorted.sort_unstable();
    let cut = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize];
    let cutoffs = [
        u64::MAX,
        cut(0.99),
        cut(0.95),
        cut(0.9),
        cut(0.75),
        cut(0.5),
    ];
    let mut tests = [Welch::default(); 6];
    for &(c, x) in samples {
        for (t, &limit) in tests.iter_mut().zip(&cutoffs) {
            if x <= limit {
                t.push(c as usize, x as f64);
            }
        }
    }
    let mut best = (0.0, 0);
    for (i, t) in tests.iter().enumerate() {
        let v = t.t().abs();
        if v > best.0 {
            best = (v, i);
        }
    }
    best
}

struct Case {
    name: &'static str,
    /// Default number of measurements.
    n: usize,
    run: fn(usize, &mut Rng) -> Vec<(u8, u64)>,
}

const CASES: &[Case] = &[
    Case {
        name: "sm4-block",
        n: 400_000,
        run: sm4_block,
    },
    Case {
        name: "sm4-8-blocks",
        n: 300_000,
        run: sm4_eight_blocks,
    },
    Case {
        name: "sm4-cbc-enc",
        n: 200_000,
        run: sm4_cbc_enc,
    },
    Case {
        name: "sm2-sign",
        n: 30_000,
        run: sm2_sign,
    },
    Case {
        name: "hmac-sm3",
        n: 300_000,
        run: hmac_sm3,
    },
    Case {
        name: "sm3-x8",
        n: 100_000,
        run: sm3_x8,
    },
];

/// SM4 key schedule and one block (AVX-512VL + GFNI or AES-NI where
/// present, the bitsliced kernel with `force-portable`): fixed key and block (zero) against
/// random ones; eight encryptions per measurement.
fn sm4_block(n: usize, rng: &mut Rng) -> Vec<(u8, u64)> {
    measure(
        n,
        8,
        rng,
        || ([0u8; 16], [0u8; 16]),
        |r| (r.bytes(), r.bytes()),
        |(k, b), _| sm4::Sm4::new(k).encrypt_block(black_box(b)),
    )
}

/// Eight blocks at once (the AVX2 + VAES kernel where present).
fn sm4_eight_blocks(n: usize, rng: &mut Rng) -> Vec<(u8, u64)> {
    measure(
        n,
        2,
        rng,
        || ([0u8; 16], [[0u8; 16]; 8]),
        |r| (r.bytes(), core::array::from_fn(|_| r.bytes())),
        |(k, b), _| sm4::Sm4::new(k).encrypt_blocks(black_box(b)),
    )
}

/// CBC encryption of four blocks (the serial path: AVX-512VL + GFNI in
/// registers where present): fixed key and plaintext against random ones.
fn sm4_cbc_enc(n: usize, rng: &mut Rng) -> Vec<(u8, u64)> {
    measure(
        n,
        2,
        rng,
        || ([0u8; 16], [0u8; 64]),
        |r| (r.bytes(), r.bytes()),
        |(k, p), _| {
            let mut out = [0u8; 64];
            let c = sm4::Sm4::new(k);
            let _ = sm4::cbc::encrypt(&c, &[0u8; 16], sm4::Padding::None, black_box(p), &mut out);
            black_box(&out);
        },
    )
}

/// SM2 signature of a fixed message: a fixed key against random keys.
fn sm2_sign(n: usize, rng: &mut Rng) -> Vec<(u8, u64)> {
    fn key(r: &mut Rng) -> sm2::SecretKey {
        loop {
            if let Ok(k) = sm2::SecretKey::from_bytes(&r.bytes::<32>()) {
                return k;
            }
        }
    }
    let fixed = key(&mut Rng(42));
    measure(
        n,
        1,
        rng,
        || fixed.clone(),
        key,
        |k, r| {
            black_box(sm2::sign(k, sm2::DEFAULT_ID, b"fixed message", r).unwrap());
        },
    )
}

/// HMAC-SM3 of a fixed 64-byte message: a fixed (zero) key against random
/// keys.
fn hmac_sm3(n: usize, rng: &mut Rng) -> Vec<(u8, u64)> {
    measure(
        n,
        1,
        rng,
        || [0u8; 32],
        |r| r.bytes(),
        |k, _| {
            black_box(sm3::hmac(black_box(k), &[0x5a; 64]));
        },
    )
}

/// `hash_many` on eight 256-byte messages: fixed (zero) contents against
/// random ones.
fn sm3_x8(n: usize, rng: &mut Rng) -> Vec<(u8, u64)> {
    measure(
        n,
        1,
        rng,
        || [[0u8; 256]; 8],
        |r| core::array::from_fn(|_| r.bytes()),
        |m, _| {
            let refs: [&[u8]; 8] = core::array::from_fn(|i| &m[i][..]);
            let mut out = [[0u8; 32]; 8];
            sm3::hash_many(black_box(&refs), &mut out).unwrap();
            black_box(out);
        },
    )
}

fn main() -> ExitCode {
    let mut names = Vec::new();
    let mut n_override = None;
    let mut threshold = THRESHOLD;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bench" => {} // passed by `cargo bench`
            "--measurements" => n_override = args.next().and_then(|v| v.parse().ok()),
            "--threshold" => {
                threshold = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(THRESHOLD)
            }
            s if s.starts_with("--") => {}
            s => names.push(s.to_string()),
        }
    }
    let (sm3_one, sm3_many) = sm3::kernels();
    println!(
        "dudect: Welch t-test, fixed vs random secret, threshold |t| > {threshold}; \
         SM3 kernels {sm3_one} / {sm3_many}{}",
        if cfg!(feature = "force-portable") {
            "; force-portable"
        } else {
            ""
        }
    );
    println!(
        "{:<14} {:>10} {:>10} {:>10}  verdict",
        "case", "n", "max |t|", "crop"
    );
    let crops = ["none", "p99", "p95", "p90", "p75", "p50"];
    let mut failed = false;
    let mut rng = Rng(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1));
    for case in CASES {
        if !names.is_empty() && !names.iter().any(|n| n == case.name) {
            continue;
        }
        let n = n_override.unwrap_or(case.n);
        let samples = (case.run)(n, &mut rng);
        let (t, crop) = max_t(&samples);
        let ok = t <= threshold;
        failed |= !ok;
        println!(
            "{:<14} {:>10} {:>10.2} {:>10}  {}",
            case.name,
            n,
            t,
            crops[crop],
            if ok { "ok" } else { "TIMING LEAK?" }
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
