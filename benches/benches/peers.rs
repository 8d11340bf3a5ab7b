//! shangmi beside RustCrypto's sm2, sm3 and sm4 (with the generic `ctr` and
//! `aes-gcm` modes), measured in the same run on the same machine.
//!
//! `cargo bench -p shangmi-benches` (see benches/README.md). Each group holds
//! one operation; the ratio between its lines is the comparison.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const MSG: usize = 8192;

fn msg() -> Vec<u8> {
    (0..MSG).map(|i| (i * 31 + 7) as u8).collect()
}

fn sm3(c: &mut Criterion) {
    let m = msg();
    let mut g = c.benchmark_group("sm3-8KiB");
    g.throughput(Throughput::Bytes(MSG as u64));
    g.bench_function("shangmi", |b| b.iter(|| shangmi::sm3::hash(black_box(&m))));
    g.bench_function("rustcrypto", |b| {
        use sm3::Digest;
        b.iter(|| sm3::Sm3::digest(black_box(&m)))
    });
    g.finish();
}

fn sm4_block(c: &mut Criterion) {
    let key = [7u8; 16];
    let mut g = c.benchmark_group("sm4-one-block");
    g.throughput(Throughput::Bytes(16));
    let ours = shangmi::sm4::Sm4::new(&key);
    let mut blk = [1u8; 16];
    g.bench_function("shangmi", |b| {
        b.iter(|| ours.encrypt_block(black_box(&mut blk)))
    });
    use sm4::cipher::{BlockCipherEncrypt, KeyInit};
    let theirs = sm4::Sm4::new(&key.into());
    let mut tb = [1u8; 16].into();
    g.bench_function("rustcrypto", |b| {
        b.iter(|| theirs.encrypt_block(black_box(&mut tb)))
    });
    g.finish();
}

fn sm4_ctr(c: &mut Criterion) {
    let key = [7u8; 16];
    let iv = [9u8; 16];
    let mut data = msg();
    let mut g = c.benchmark_group("sm4-ctr-8KiB");
    g.throughput(Throughput::Bytes(MSG as u64));
    let ours = shangmi::sm4::Sm4::new(&key);
    g.bench_function("shangmi", |b| {
        b.iter(|| shangmi::sm4::ctr::apply(&ours, &iv, black_box(&mut data)))
    });
    g.bench_function("rustcrypto", |b| {
        use ctr::cipher::{KeyIvInit, StreamCipher};
        b.iter(|| {
            let mut c = ctr::Ctr128BE::<sm4::Sm4>::new(&key.into(), &iv.into());
            c.apply_keystream(black_box(&mut data));
        })
    });
    g.finish();
}

fn sm4_gcm(c: &mut Criterion) {
    let key = [7u8; 16];
    let nonce = [3u8; 12];
    let mut data = msg();
    let mut g = c.benchmark_group("sm4-gcm-8KiB");
    g.throughput(Throughput::Bytes(MSG as u64));
    let ours = shangmi::sm4::gcm::Sm4Gcm::new(&key);
    g.bench_function("shangmi", |b| {
        b.iter(|| {
            ours.seal_in_place(&nonce, b"", black_box(&mut data))
                .unwrap()
        })
    });
    use aes_gcm::aead::{AeadInOut, KeyInit};
    let theirs = aes_gcm::AesGcm::<sm4::Sm4, aes_gcm::aead::consts::U12>::new(&key.into());
    g.bench_function("rustcrypto", |b| {
        b.iter(|| {
            theirs
                .encrypt_inout_detached(&nonce.into(), b"", black_box(&mut data[..]).into())
                .unwrap()
        })
    });
    g.finish();
}

fn sm2(c: &mut Criterion) {
    let m = [5u8; 32];
    let key = shangmi::sm2::SecretKey::random(&mut shangmi::rng::OsRng).unwrap();
    let id = shangmi::sm2::DEFAULT_ID;
    let their_sk = sm2::dsa::SigningKey::new(
        "1234567812345678",
        &sm2::SecretKey::from_slice(&key.to_bytes()[..]).unwrap(),
    )
    .unwrap();
    {
        let mut g = c.benchmark_group("sm2-sign");
        g.bench_function("shangmi", |b| {
            b.iter(|| {
                shangmi::sm2::sign(&key, id, black_box(&m), &mut shangmi::rng::OsRng).unwrap()
            })
        });
        use signature::Signer;
        g.bench_function("rustcrypto", |b| {
            b.iter(|| -> sm2::dsa::Signature { their_sk.sign(black_box(&m)) })
        });
        g.finish();
    }
    {
        let sig = shangmi::sm2::sign(&key, id, &m, &mut shangmi::rng::OsRng).unwrap();
        let their_sig = sm2::dsa::Signature::from_slice(&sig.to_raw()).unwrap();
        let their_vk = their_sk.verifying_key().clone();
        let pk = key.public_key();
        let mut g = c.benchmark_group("sm2-verify");
        g.bench_function("shangmi", |b| {
            b.iter(|| shangmi::sm2::verify(&pk, id, black_box(&m), &sig).unwrap())
        });
        use signature::Verifier;
        g.bench_function("rustcrypto", |b| {
            b.iter(|| their_vk.verify(black_box(&m), &their_sig).unwrap())
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = sm3, sm4_block, sm4_ctr, sm4_gcm, sm2
}
criterion_main!(benches);
