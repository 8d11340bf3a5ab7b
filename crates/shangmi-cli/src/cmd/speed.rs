//! `shangmi speed`: throughput of every primitive on this machine, like
//! `openssl speed`.

use crate::cli::SpeedArgs;
use crate::error::{CliResult, fail};
use shangmi::rng::OsRng;
use shangmi::sm4::{self, Padding, Sm4};
use shangmi::{sm2, sm3};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Message size for the bulk operations.
const BULK: usize = 8192;
/// Message size for SM2 signing and encryption (a digest or a session key).
const SMALL: usize = 32;

/// One measured operation.
struct Op {
    name: &'static str,
    /// Bytes processed per call (0 for operations without a message).
    bytes: usize,
    /// What throughput means for it: true when MB/s applies.
    bulk: bool,
    make: fn() -> Box<dyn FnMut()>,
}

const OPS: &[Op] = &[
    Op {
        name: "sm3",
        bytes: BULK,
        bulk: true,
        make: sm3_op,
    },
    Op {
        name: "sm3-x8",
        bytes: 8 * BULK,
        bulk: true,
        make: sm3_x8_op,
    },
    Op {
        name: "sm4-block",
        bytes: 16,
        bulk: true,
        make: sm4_block_op,
    },
    Op {
        name: "sm4-ecb",
        bytes: BULK,
        bulk: true,
        make: sm4_ecb_op,
    },
    Op {
        name: "sm4-cbc-enc",
        bytes: BULK,
        bulk: true,
        make: sm4_cbc_enc_op,
    },
    Op {
        name: "sm4-cbc-dec",
        bytes: BULK,
        bulk: true,
        make: sm4_cbc_dec_op,
    },
    Op {
        name: "sm4-cfb",
        bytes: BULK,
        bulk: true,
        make: sm4_cfb_op,
    },
    Op {
        name: "sm4-ofb",
        bytes: BULK,
        bulk: true,
        make: sm4_ofb_op,
    },
    Op {
        name: "sm4-ctr",
        bytes: BULK,
        bulk: true,
        make: sm4_ctr_op,
    },
    Op {
        name: "sm4-gcm",
        bytes: BULK,
        bulk: true,
        make: sm4_gcm_op,
    },
    Op {
        name: "sm4-ccm",
        bytes: BULK,
        bulk: true,
        make: sm4_ccm_op,
    },
    Op {
        name: "sm4-xts",
        bytes: BULK,
        bulk: true,
        make: sm4_xts_op,
    },
    Op {
        name: "sm2-keygen",
        bytes: 0,
        bulk: false,
        make: sm2_keygen_op,
    },
    Op {
        name: "sm2-sign",
        bytes: SMALL,
        bulk: false,
        make: sm2_sign_op,
    },
    Op {
        name: "sm2-verify",
        bytes: SMALL,
        bulk: false,
        make: sm2_verify_op,
    },
    Op {
        name: "sm2-encrypt",
        bytes: SMALL,
        bulk: false,
        make: sm2_encrypt_op,
    },
    Op {
        name: "sm2-decrypt",
        bytes: SMALL,
        bulk: false,
        make: sm2_decrypt_op,
    },
    Op {
        name: "sm2-exchange",
        bytes: 0,
        bulk: false,
        make: sm2_exchange_op,
    },
];

/// Measures the selected operations and prints a table or JSON lines.
pub fn run(a: &SpeedArgs) -> CliResult {
    if !(a.seconds > 0.0 && a.seconds <= 600.0) {
        return Err(fail("--seconds: want a number in (0, 600]"));
    }
    let selected: Vec<&Op> = if a.ops.is_empty() {
        OPS.iter().collect()
    } else {
        let mut v = Vec::new();
        for name in &a.ops {
            // An exact name selects that operation; otherwise a prefix
            // selects a family (`sm4` is every SM4 mode).
            let exact: Vec<&Op> = OPS.iter().filter(|o| o.name == name).collect();
            let matched: Vec<&Op> = if exact.is_empty() {
                OPS.iter()
                    .filter(|o| o.name.starts_with(&format!("{name}-")))
                    .collect()
            } else {
                exact
            };
            if matched.is_empty() {
                let names: Vec<&str> = OPS.iter().map(|o| o.name).collect();
                return Err(fail(format!(
                    "unknown operation {name}; known: {}",
                    names.join(" ")
                )));
            }
            for op in matched {
                // `sm3 sm3-x8` names sm3-x8 twice (once by prefix): once is enough.
                if !v.iter().any(|o: &&Op| o.name == op.name) {
                    v.push(op);
                }
            }
        }
        v
    };
    let budget = Duration::from_secs_f64(a.seconds);
    if !a.json {
        let (sm3_one, sm3_many) = shangmi::sm3::kernels();
        println!(
            "kernels: SM3 {sm3_one} (hash_many {sm3_many}), SM4 {}, GHASH {}, SM2 {}",
            shangmi::sm4::kernel_name(),
            shangmi::ghash::kernel_name(),
            shangmi::sm2::kernel_name()
        );
        println!("{:<14} {:>8} {:>14} {:>12}", "op", "bytes", "ops/s", "MB/s");
    }
    for op in selected {
        let mut f = (op.make)();
        let rate = measure(&mut *f, budget);
        let mbps = rate * op.bytes as f64 / 1e6;
        if a.json {
            let mb = if op.bulk {
                format!(",\"mb_per_sec\":{mbps:.2}")
            } else {
                String::new()
            };
            println!(
                "{{\"op\":\"{}\",\"bytes\":{},\"ops_per_sec\":{rate:.1}{mb}}}",
                op.name, op.bytes
            );
        } else if op.bulk {
            println!(
                "{:<14} {:>8} {:>14.1} {:>12.2}",
                op.name, op.bytes, rate, mbps
            );
        } else {
            println!("{:<14} {:>8} {:>14.1} {:>12}", op.name, op.bytes, rate, "-");
        }
    }
    Ok(())
}

/// Calls `f` repeatedly for `budget` (after a short warm-up) and returns the
/// calls per second, the median of five slices.
fn measure(f: &mut dyn FnMut(), budget: Duration) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < budget / 10 {
        f();
    }
    let slice = budget / 5;
    let mut rates = Vec::with_capacity(5);
    for _ in 0..5 {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < slice {
            for _ in 0..4 {
                f();
            }
            n += 4;
        }
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates[2]
}

fn buf(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + 7) as u8).collect()
}

const KEY: [u8; 16] = [0x42; 16];
const IV: [u8; 16] = [0x24; 16];

fn sm3_op() -> Box<dyn FnMut()> {
    let m = buf(BULK);
    Box::new(move || {
        black_box(sm3::hash(black_box(&m)));
    })
}

/// Eight messages per call through `sm3::hash_many` (the multi-buffer
/// kernel where the CPU has one): MB/s is the aggregate.
fn sm3_x8_op() -> Box<dyn FnMut()> {
    let msgs: Vec<Vec<u8>> = (0..8u8)
        .map(|i| buf(BULK).into_iter().map(|b| b ^ i).collect())
        .collect();
    let mut out = [[0u8; 32]; 8];
    Box::new(move || {
        let refs: [&[u8]; 8] = std::array::from_fn(|i| msgs[i].as_slice());
        let _ = sm3::hash_many(black_box(&refs), &mut out);
        black_box(&out);
    })
}

fn sm4_block_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let mut b = [7u8; 16];
    Box::new(move || c.encrypt_block(black_box(&mut b)))
}

fn sm4_ecb_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let m = buf(BULK);
    let mut out = vec![0u8; BULK];
    Box::new(move || {
        let _ = black_box(sm4::ecb::encrypt(&c, Padding::None, &m, &mut out));
    })
}

fn sm4_cbc_enc_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let m = buf(BULK);
    let mut out = vec![0u8; BULK];
    Box::new(move || {
        let _ = black_box(sm4::cbc::encrypt(&c, &IV, Padding::None, &m, &mut out));
    })
}

fn sm4_cbc_dec_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let m = buf(BULK);
    let mut out = vec![0u8; BULK];
    Box::new(move || {
        let _ = black_box(sm4::cbc::decrypt(&c, &IV, Padding::None, &m, &mut out));
    })
}

fn sm4_cfb_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let mut m = buf(BULK);
    Box::new(move || sm4::cfb::encrypt(&c, &IV, black_box(&mut m)))
}

fn sm4_ofb_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let mut m = buf(BULK);
    Box::new(move || sm4::ofb::apply(&c, &IV, black_box(&mut m)))
}

fn sm4_ctr_op() -> Box<dyn FnMut()> {
    let c = Sm4::new(&KEY);
    let mut m = buf(BULK);
    Box::new(move || sm4::ctr::apply(&c, &IV, black_box(&mut m)))
}

fn sm4_gcm_op() -> Box<dyn FnMut()> {
    let g = sm4::gcm::Sm4Gcm::new(&KEY);
    let mut m = buf(BULK);
    Box::new(move || {
        let _ = black_box(g.seal_in_place(&IV[..12], b"", &mut m));
    })
}

fn sm4_ccm_op() -> Box<dyn FnMut()> {
    let c = sm4::ccm::Sm4Ccm::new(&KEY);
    let mut m = buf(BULK);
    let mut tag = [0u8; 16];
    Box::new(move || {
        let _ = black_box(c.seal_in_place(&IV[..12], b"", &mut m, &mut tag));
    })
}

fn sm4_xts_op() -> Box<dyn FnMut()> {
    let mut k = [0u8; 32];
    k[16..].fill(1);
    let x = sm4::xts::Sm4Xts::new(&k, sm4::xts::XtsStandard::Ieee1619).ok();
    let mut m = buf(BULK);
    Box::new(move || {
        if let Some(x) = &x {
            let _ = black_box(x.encrypt(&IV, &mut m));
        }
    })
}

fn sm2_key() -> Option<sm2::SecretKey> {
    sm2::SecretKey::random(&mut OsRng).ok()
}

fn sm2_keygen_op() -> Box<dyn FnMut()> {
    Box::new(|| {
        black_box(sm2_key());
    })
}

fn sm2_sign_op() -> Box<dyn FnMut()> {
    let k = sm2_key();
    let m = buf(SMALL);
    Box::new(move || {
        if let Some(k) = &k {
            let _ = black_box(sm2::sign(k, sm2::DEFAULT_ID, &m, &mut OsRng));
        }
    })
}

fn sm2_verify_op() -> Box<dyn FnMut()> {
    let k = sm2_key();
    let m = buf(SMALL);
    let pair = k.and_then(|k| {
        sm2::sign(&k, sm2::DEFAULT_ID, &m, &mut OsRng)
            .ok()
            .map(|s| (k.public_key(), s))
    });
    Box::new(move || {
        if let Some((p, s)) = &pair {
            let _ = black_box(sm2::verify(p, sm2::DEFAULT_ID, &m, s));
        }
    })
}

fn sm2_encrypt_op() -> Box<dyn FnMut()> {
    let p = sm2_key().map(|k| k.public_key());
    let m = buf(SMALL);
    Box::new(move || {
        if let Some(p) = &p {
            let _ = black_box(sm2::encrypt(
                p,
                &m,
                sm2::CiphertextFormat::C1C3C2,
                &mut OsRng,
            ));
        }
    })
}

fn sm2_decrypt_op() -> Box<dyn FnMut()> {
    let k = sm2_key();
    let m = buf(SMALL);
    let pair = k.and_then(|k| {
        sm2::encrypt(
            &k.public_key(),
            &m,
            sm2::CiphertextFormat::C1C3C2,
            &mut OsRng,
        )
        .ok()
        .map(|c| (k, c))
    });
    Box::new(move || {
        if let Some((k, c)) = &pair {
            let _ = black_box(sm2::decrypt(k, c, sm2::CiphertextFormat::C1C3C2));
        }
    })
}

fn sm2_exchange_op() -> Box<dyn FnMut()> {
    // One side's work per exchange: a fresh ephemeral key and the finish.
    let keys = sm2_key().zip(sm2_key());
    let peer_eph = sm2_key().map(|k| k.public_key());
    Box::new(move || {
        if let (Some((a, b)), Some(rb)) = (&keys, &peer_eph) {
            let mut out = [0u8; 16];
            if let Ok(kx) = sm2::KeyExchange::new(
                sm2::Role::Initiator,
                a,
                sm2::DEFAULT_ID,
                &b.public_key(),
                sm2::DEFAULT_ID,
                &mut OsRng,
            ) {
                let _ = black_box(kx.finish(rb, &mut out));
            }
        }
    })
}
