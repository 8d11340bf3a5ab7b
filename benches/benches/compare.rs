//! shangmi beside every peer on this machine, in one run: RustCrypto's
//! sm2/sm3/sm4 (with the generic ctr/cbc/gcm modes), libsm, the system
//! OpenSSL and libgcrypt, and GmSSL (feature `gmssl`). One Criterion
//! group per operation; `benches/run.sh` runs it and writes
//! benches/RESULTS.md and benches/results.svg from the medians.
#![allow(missing_docs, clippy::unwrap_used, unsafe_code)]

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use std::hint::black_box;

const MSG: usize = 8192;
const KEY: [u8; 16] = [7u8; 16];
const IV: [u8; 16] = [9u8; 16];

fn msg() -> Vec<u8> {
    (0..MSG).map(|i| (i * 31 + 7) as u8).collect()
}

fn bytes<'a>(c: &'a mut Criterion, name: &str, n: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(n as u64));
    g
}

fn sm3(c: &mut Criterion) {
    let m = msg();
    let mut g = bytes(c, "sm3", MSG);
    g.bench_function("shangmi", |b| b.iter(|| shangmi::sm3::hash(black_box(&m))));
    g.bench_function("rustcrypto", |b| {
        use sm3::Digest;
        b.iter(|| sm3::Sm3::digest(black_box(&m)))
    });
    #[cfg(feature = "libsm")]
    g.bench_function("libsm", |b| {
        b.iter(|| shangmi_benches::libsm_peer::sm3(black_box(&m)))
    });
    #[cfg(feature = "openssl")]
    g.bench_function("openssl", |b| {
        b.iter(|| shangmi_benches::ossl::sm3(black_box(&m)))
    });
    #[cfg(feature = "gcrypt")]
    g.bench_function("libgcrypt", |b| {
        b.iter(|| shangmi_benches::gcrypt::sm3(black_box(&m)))
    });
    #[cfg(feature = "gmssl")]
    g.bench_function("gmssl", |b| {
        b.iter(|| shangmi_benches::gmssl::sm3(black_box(&m)))
    });
    g.finish();
}

/// Eight 8 KiB messages at once: `hash_many` (the eight-lane kernel with
/// AVX2) beside hashing them one by one, with shangmi and with RustCrypto.
fn sm3_x8(c: &mut Criterion) {
    let msgs: Vec<Vec<u8>> = (0..8u8)
        .map(|i| msg().into_iter().map(|b| b ^ i).collect())
        .collect();
    let refs: Vec<&[u8]> = msgs.iter().map(|m| m.as_slice()).collect();
    let mut out = [[0u8; 32]; 8];
    let mut g = bytes(c, "sm3-x8", 8 * MSG);
    g.bench_function("shangmi", |b| {
        b.iter(|| shangmi::sm3::hash_many(black_box(&refs), &mut out).unwrap())
    });
    g.bench_function("shangmi-one-by-one", |b| {
        b.iter(|| {
            for (m, o) in refs.iter().zip(out.iter_mut()) {
                *o = shangmi::sm3::hash(black_box(m));
            }
        })
    });
    g.bench_function("rustcrypto", |b| {
        use sm3::Digest;
        b.iter(|| {
            for (m, o) in refs.iter().zip(out.iter_mut()) {
                o.copy_from_slice(&sm3::Sm3::digest(black_box(m)));
            }
        })
    });
    g.finish();
}

fn sm4_block(c: &mut Criterion) {
    let mut g = bytes(c, "sm4-block", 16);
    let ours = shangmi::sm4::Sm4::new(&KEY);
    let mut blk = [1u8; 16];
    g.bench_function("shangmi", |b| {
        b.iter(|| ours.encrypt_block(black_box(&mut blk)))
    });
    {
        use sm4::cipher::{BlockCipherEncrypt, KeyInit};
        let theirs = sm4::Sm4::new(&KEY.into());
        let mut tb = [1u8; 16].into();
        g.bench_function("rustcrypto", |b| {
            b.iter(|| theirs.encrypt_block(black_box(&mut tb)))
        });
    }
    #[cfg(feature = "libsm")]
    {
        let c = libsm::sm4::cipher::Sm4Cipher::new(&KEY).unwrap();
        g.bench_function("libsm", |b| {
            b.iter(|| shangmi_benches::libsm_peer::sm4_block(&c, black_box(&blk)))
        });
    }
    #[cfg(feature = "gcrypt")]
    {
        let mut h = shangmi_benches::gcrypt::Cipher::new(shangmi_benches::gcrypt::Mode::Ecb, &KEY);
        g.bench_function("libgcrypt", |b| b.iter(|| h.encrypt(black_box(&mut blk))));
    }
    #[cfg(feature = "openssl")]
    {
        let mut e = shangmi_benches::ossl::Sm4::new("ecb", &KEY, &IV, true);
        let mut out = [0u8; 32];
        g.bench_function("openssl", |b| {
            b.iter(|| e.update(black_box(&blk), &mut out))
        });
    }
    #[cfg(feature = "gmssl")]
    {
        let k = shangmi_benches::gmssl::Sm4::new(&KEY);
        g.bench_function("gmssl", |b| b.iter(|| k.block(black_box(&mut blk))));
    }
    g.finish();
}

fn sm4_ctr(c: &mut Criterion) {
    let mut data = msg();
    let mut g = bytes(c, "sm4-ctr", MSG);
    let ours = shangmi::sm4::Sm4::new(&KEY);
    g.bench_function("shangmi", |b| {
        b.iter(|| shangmi::sm4::ctr::apply(&ours, &IV, black_box(&mut data)))
    });
    g.bench_function("rustcrypto", |b| {
        use ctr::cipher::{KeyIvInit, StreamCipher};
        b.iter(|| {
            ctr::Ctr128BE::<sm4::Sm4>::new(&KEY.into(), &IV.into())
                .apply_keystream(black_box(&mut data))
        })
    });
    #[cfg(feature = "libsm")]
    g.bench_function("libsm", |b| {
        b.iter(|| shangmi_benches::libsm_peer::sm4("ctr", &KEY, &IV, black_box(&data)))
    });
    #[cfg(feature = "openssl")]
    {
        let mut out = vec![0u8; MSG + 16];
        g.bench_function("openssl", |b| {
            b.iter(|| {
                shangmi_benches::ossl::Sm4::new("ctr", &KEY, &IV, true)
                    .update(black_box(&data), &mut out)
            })
        });
    }
    #[cfg(feature = "gcrypt")]
    {
        let mut h = shangmi_benches::gcrypt::Cipher::new(shangmi_benches::gcrypt::Mode::Ctr, &KEY);
        g.bench_function("libgcrypt", |b| {
            b.iter(|| {
                h.set_iv(&IV);
                h.encrypt(black_box(&mut data))
            })
        });
    }
    #[cfg(feature = "gmssl")]
    {
        let k = shangmi_benches::gmssl::Sm4::new(&KEY);
        g.bench_function("gmssl", |b| b.iter(|| k.ctr(&IV, black_box(&mut data))));
    }
    g.finish();
}

fn sm4_gcm(c: &mut Criterion) {
    let nonce = [3u8; 12];
    let mut data = msg();
    let mut g = bytes(c, "sm4-gcm", MSG);
    let ours = shangmi::sm4::gcm::Sm4Gcm::new(&KEY);
    g.bench_function("shangmi", |b| {
        b.iter(|| {
            ours.seal_in_place(&nonce, b"", black_box(&mut data))
                .unwrap()
        })
    });
    {
        use aes_gcm::aead::{AeadInOut, KeyInit};
        let theirs = aes_gcm::AesGcm::<sm4::Sm4, aes_gcm::aead::consts::U12>::new(&KEY.into());
        g.bench_function("rustcrypto", |b| {
            b.iter(|| {
                theirs
                    .encrypt_inout_detached(&nonce.into(), b"", black_box(&mut data[..]).into())
                    .unwrap()
            })
        });
    }
    #[cfg(feature = "libsm")]
    g.bench_function("libsm", |b| {
        b.iter(|| shangmi_benches::libsm_peer::sm4("gcm", &KEY, &IV, black_box(&data)))
    });
    #[cfg(feature = "gcrypt")]
    {
        let mut h = shangmi_benches::gcrypt::Cipher::new(shangmi_benches::gcrypt::Mode::Gcm, &KEY);
        g.bench_function("libgcrypt", |b| {
            b.iter(|| {
                h.set_iv(&nonce);
                h.encrypt(black_box(&mut data));
                h.tag()
            })
        });
    }
    #[cfg(feature = "gmssl")]
    {
        let k = shangmi_benches::gmssl::Sm4::new(&KEY);
        g.bench_function("gmssl", |b| b.iter(|| k.gcm(&nonce, black_box(&mut data))));
    }
    g.finish();
}

fn sm4_cbc(c: &mut Criterion) {
    let mut data = msg();
    let ours = shangmi::sm4::Sm4::new(&KEY);
    for (name, enc) in [("sm4-cbc-enc", true), ("sm4-cbc-dec", false)] {
        let mut g = bytes(c, name, MSG);
        let mut out = vec![0u8; MSG + 16];
        g.bench_function("shangmi", |b| {
            b.iter(|| {
                if enc {
                    shangmi::sm4::cbc::encrypt(
                        &ours,
                        &IV,
                        shangmi::sm4::Padding::None,
                        black_box(&data),
                        &mut out,
                    )
                    .unwrap()
                } else {
                    shangmi::sm4::cbc::decrypt(
                        &ours,
                        &IV,
                        shangmi::sm4::Padding::None,
                        black_box(&data),
                        &mut out,
                    )
                    .unwrap()
                }
            })
        });
        g.bench_function("rustcrypto", |b| {
            use cbc::cipher::{
                BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::NoPadding,
            };
            b.iter(|| {
                if enc {
                    cbc::Encryptor::<sm4::Sm4>::new(&KEY.into(), &IV.into())
                        .encrypt_padded_b2b::<NoPadding>(black_box(&data), &mut out)
                        .map(|o| o.len())
                        .unwrap()
                } else {
                    cbc::Decryptor::<sm4::Sm4>::new(&KEY.into(), &IV.into())
                        .decrypt_padded_b2b::<NoPadding>(black_box(&data), &mut out)
                        .map(|o| o.len())
                        .unwrap()
                }
            })
        });
        #[cfg(feature = "openssl")]
        g.bench_function("openssl", |b| {
            b.iter(|| {
                shangmi_benches::ossl::Sm4::new("cbc", &KEY, &IV, enc)
                    .update(black_box(&data), &mut out)
            })
        });
        #[cfg(feature = "gcrypt")]
        {
            let mut h =
                shangmi_benches::gcrypt::Cipher::new(shangmi_benches::gcrypt::Mode::Cbc, &KEY);
            g.bench_function("libgcrypt", |b| {
                b.iter(|| {
                    h.set_iv(&IV);
                    if enc {
                        h.encrypt(black_box(&mut data))
                    } else {
                        h.decrypt(black_box(&mut data))
                    }
                })
            });
        }
        #[cfg(feature = "gmssl")]
        if enc {
            let k = shangmi_benches::gmssl::Sm4::new(&KEY);
            g.bench_function("gmssl", |b| {
                b.iter(|| k.cbc_encrypt(&IV, black_box(&mut data)))
            });
        }
        g.finish();
    }
}

fn sm4_ecb_xts(c: &mut Criterion) {
    let mut data = msg();
    let ours = shangmi::sm4::Sm4::new(&KEY);
    {
        let mut g = bytes(c, "sm4-ecb", MSG);
        let mut out = vec![0u8; MSG + 16];
        g.bench_function("shangmi", |b| {
            b.iter(|| {
                shangmi::sm4::ecb::encrypt(
                    &ours,
                    shangmi::sm4::Padding::None,
                    black_box(&data),
                    &mut out,
                )
                .unwrap()
            })
        });
        #[cfg(feature = "openssl")]
        {
            let mut e = shangmi_benches::ossl::Sm4::new("ecb", &KEY, &IV, true);
            g.bench_function("openssl", |b| {
                b.iter(|| e.update(black_box(&data), &mut out))
            });
        }
        #[cfg(feature = "gcrypt")]
        {
            let mut h =
                shangmi_benches::gcrypt::Cipher::new(shangmi_benches::gcrypt::Mode::Ecb, &KEY);
            g.bench_function("libgcrypt", |b| b.iter(|| h.encrypt(black_box(&mut data))));
        }
        g.finish();
    }
    {
        let mut g = bytes(c, "sm4-xts", MSG);
        let k2 = [[7u8; 16], [8u8; 16]].concat();
        let xts = shangmi::sm4::xts::Sm4Xts::new(
            &k2[..].try_into().unwrap(),
            shangmi::sm4::xts::XtsStandard::Ieee1619,
        )
        .unwrap();
        g.bench_function("shangmi", |b| {
            b.iter(|| xts.encrypt(&IV, black_box(&mut data)).unwrap())
        });
        #[cfg(feature = "gcrypt")]
        {
            let mut h =
                shangmi_benches::gcrypt::Cipher::new(shangmi_benches::gcrypt::Mode::Xts, &k2);
            g.bench_function("libgcrypt", |b| {
                b.iter(|| {
                    h.set_iv(&IV);
                    h.encrypt(black_box(&mut data))
                })
            });
        }
        g.finish();
    }
}

fn sm2(c: &mut Criterion) {
    use shangmi::rng::OsRng;
    let m = [5u8; 32];
    let key = shangmi::sm2::SecretKey::random(&mut OsRng).unwrap();
    let pk = key.public_key();
    let id = shangmi::sm2::DEFAULT_ID;
    let their_sk = sm2::dsa::SigningKey::new(
        "1234567812345678",
        &sm2::SecretKey::from_slice(&key.to_bytes()[..]).unwrap(),
    )
    .unwrap();
    #[cfg(feature = "openssl")]
    let (osk, opk) = {
        let der = shangmi::alg::PrivateKey::Sm2(key.clone())
            .to_pkcs8_der()
            .unwrap();
        shangmi_benches::ossl::sm2_key(&der)
    };
    #[cfg(feature = "gmssl")]
    let gk = shangmi_benches::gmssl::Sm2::generate();
    #[cfg(feature = "libsm")]
    let lk = shangmi_benches::libsm_peer::Sm2::generate();
    {
        let mut g = c.benchmark_group("sm2-sign");
        g.bench_function("shangmi", |b| {
            b.iter(|| shangmi::sm2::sign(&key, id, black_box(&m), &mut OsRng).unwrap())
        });
        use signature::Signer;
        g.bench_function("rustcrypto", |b| {
            b.iter(|| -> sm2::dsa::Signature { their_sk.sign(black_box(&m)) })
        });
        #[cfg(feature = "libsm")]
        g.bench_function("libsm", |b| b.iter(|| lk.sign(black_box(&m))));
        #[cfg(feature = "openssl")]
        g.bench_function("openssl", |b| {
            b.iter(|| shangmi_benches::ossl::sm2_sign(&osk, black_box(&m)))
        });
        #[cfg(feature = "gmssl")]
        g.bench_function("gmssl", |b| b.iter(|| gk.sign(black_box(&m))));
        g.finish();
    }
    {
        let sig = shangmi::sm2::sign(&key, id, &m, &mut OsRng).unwrap();
        let mut g = c.benchmark_group("sm2-verify");
        g.bench_function("shangmi", |b| {
            b.iter(|| shangmi::sm2::verify(&pk, id, black_box(&m), &sig).unwrap())
        });
        use signature::Verifier;
        let their_sig = sm2::dsa::Signature::from_slice(&sig.to_raw()).unwrap();
        let their_vk = their_sk.verifying_key().clone();
        g.bench_function("rustcrypto", |b| {
            b.iter(|| their_vk.verify(black_box(&m), &their_sig).unwrap())
        });
        #[cfg(feature = "libsm")]
        {
            let s = lk.sign(&m);
            g.bench_function("libsm", |b| {
                b.iter(|| assert!(lk.verify(black_box(&m), &s)))
            });
        }
        #[cfg(feature = "openssl")]
        {
            let der = sig.to_der();
            g.bench_function("openssl", |b| {
                b.iter(|| {
                    assert!(shangmi_benches::ossl::sm2_verify(
                        &opk,
                        black_box(&m),
                        der.as_bytes()
                    ))
                })
            });
        }
        #[cfg(feature = "gmssl")]
        {
            let s = gk.sign(&m);
            g.bench_function("gmssl", |b| {
                b.iter(|| assert!(gk.verify(black_box(&m), &s)))
            });
        }
        g.finish();
    }
    {
        let mut g = c.benchmark_group("sm2-keygen");
        g.bench_function("shangmi", |b| {
            b.iter(|| {
                shangmi::sm2::SecretKey::random(&mut OsRng)
                    .unwrap()
                    .public_key()
            })
        });
        #[cfg(feature = "openssl")]
        g.bench_function("openssl", |b| b.iter(shangmi_benches::ossl::sm2_keygen));
        #[cfg(feature = "gmssl")]
        g.bench_function("gmssl", |b| b.iter(shangmi_benches::gmssl::Sm2::generate));
        g.finish();
    }
    {
        let fmt = shangmi::sm2::CiphertextFormat::Der;
        let ct = shangmi::sm2::encrypt(&pk, &m, fmt, &mut OsRng).unwrap();
        let mut g = c.benchmark_group("sm2-encrypt");
        g.bench_function("shangmi", |b| {
            b.iter(|| shangmi::sm2::encrypt(&pk, black_box(&m), fmt, &mut OsRng).unwrap())
        });
        #[cfg(feature = "openssl")]
        g.bench_function("openssl", |b| {
            b.iter(|| shangmi_benches::ossl::sm2_encrypt(&opk, black_box(&m)))
        });
        #[cfg(feature = "gmssl")]
        g.bench_function("gmssl", |b| b.iter(|| gk.encrypt(black_box(&m))));
        g.finish();
        let mut g = c.benchmark_group("sm2-decrypt");
        g.bench_function("shangmi", |b| {
            b.iter(|| shangmi::sm2::decrypt(&key, black_box(&ct), fmt).unwrap())
        });
        #[cfg(feature = "openssl")]
        g.bench_function("openssl", |b| {
            b.iter(|| shangmi_benches::ossl::sm2_decrypt(&osk, black_box(&ct)))
        });
        #[cfg(feature = "gmssl")]
        {
            let gct = gk.encrypt(&m);
            g.bench_function("gmssl", |b| b.iter(|| gk.decrypt(black_box(&gct))));
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = sm3, sm3_x8, sm4_block, sm4_ctr, sm4_gcm, sm4_cbc, sm4_ecb_xts, sm2
}
criterion_main!(benches);
