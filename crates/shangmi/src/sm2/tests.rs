#![allow(clippy::unwrap_used, clippy::panic)]
use super::curve::{Curve, SM2_TEST, SM2P256V1};
use super::encrypt::encrypt_with;
use super::exchange::KeyExchange;
use super::point::Point;
use super::*;
use crate::testvec::{self, Record};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn curve(r: &Record) -> &'static Curve {
    match r.word("curve") {
        "sm2p256v1" => &SM2P256V1,
        "sm2-test" => &SM2_TEST,
        c => panic!("unknown curve {c}"),
    }
}

fn public(c: &'static Curve, x: &[u8], y: &[u8]) -> PublicKey {
    PublicKey::from_bytes_on(c, &[x, y].concat()).unwrap()
}

#[test]
fn signature_vectors() {
    let mut checked = 0;
    for r in testvec::load("sm2-sign.txt") {
        let c = curve(&r);
        let key = SecretKey::from_bytes_on(c, &r.bytes("d")).unwrap();
        let pk = public(c, &r.bytes("x"), &r.bytes("y"));
        assert_eq!(key.public_key(), pk, "line {}: d*G", r.line);
        let id = r.bytes("id");
        let msg = r.bytes("msg");
        if r.has("za") {
            assert_eq!(
                compute_z(&pk, &id).unwrap().to_vec(),
                r.bytes("za"),
                "line {}: Z",
                r.line
            );
            assert_eq!(
                compute_e(&pk, &id, &msg).unwrap().to_vec(),
                r.bytes("e"),
                "line {}: e",
                r.line
            );
        }
        let sig = if r.has("der") {
            Signature::from_der(&r.bytes("der")).unwrap()
        } else {
            Signature::from_scalars(r.array("r"), r.array("s"))
        };
        if r.has("der") {
            assert_eq!(sig.to_der().as_bytes(), &r.bytes("der")[..]);
        }
        verify(&pk, &id, &msg, &sig).unwrap();
        assert_eq!(
            verify(&pk, b"another id", &msg, &sig),
            Err(crate::Error::BadSignature)
        );
        if r.has("k") {
            let (k, _) = c.n.decode_be(&r.array("k"));
            let e = compute_e(&pk, &id, &msg).unwrap();
            let made = super::sign::sign_with_k(&key, &e, &k).unwrap().unwrap();
            assert_eq!(made, sig, "line {}: (r, s) from the given k", r.line);
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn encryption_vectors() {
    for r in testvec::load("sm2-encrypt.txt") {
        let c = curve(&r);
        let key = SecretKey::from_bytes_on(c, &r.bytes("d")).unwrap();
        let msg = r.bytes("msg");
        if r.has("k") {
            assert_eq!(key.public_key(), public(c, &r.bytes("x"), &r.bytes("y")));
            let k = r.array::<32>("k");
            let (kf, _) = c.n.decode_be(&k);
            let kl = c.n.to_limbs(&kf);
            let c1 = Point::generator(c).mul_ct(&kl, c).to_affine(c).unwrap();
            assert_eq!(
                (c1.x.to_vec(), c1.y.to_vec()),
                (r.bytes("c1x"), r.bytes("c1y")),
                "line {}: C1",
                r.line
            );
            let shared = key
                .public_key()
                .to_point()
                .mul_ct(&kl, c)
                .to_affine(c)
                .unwrap();
            assert_eq!(
                (shared.x.to_vec(), shared.y.to_vec()),
                (r.bytes("x2"), r.bytes("y2")),
                "line {}: (x2, y2)",
                r.line
            );
            let mut t = vec![0u8; msg.len()];
            crate::kdf::sm2_kdf(&[shared.x, shared.y].concat(), &mut t);
            assert_eq!(t, r.bytes("t"));
            let mut out = vec![0u8; 300];
            let n = encrypt_with(&c1, &shared, &msg, CiphertextFormat::C1C3C2, &mut out)
                .unwrap()
                .unwrap();
            let want = [
                &[4u8][..],
                &r.bytes("c1x"),
                &r.bytes("c1y"),
                &r.bytes("c3"),
                &r.bytes("c2"),
            ]
            .concat();
            assert_eq!(&out[..n], &want[..], "line {}: C1 || C3 || C2", r.line);
            if r.has("der") {
                let n = encrypt_with(&c1, &shared, &msg, CiphertextFormat::Der, &mut out)
                    .unwrap()
                    .unwrap();
                assert_eq!(&out[..n], &r.bytes("der")[..], "line {}: DER", r.line);
            }
            let back = decrypt(&key, &want, CiphertextFormat::C1C3C2).unwrap();
            assert_eq!(&back[..], &msg[..]);
        }
        if r.has("der") {
            assert_eq!(
                &decrypt(&key, &r.bytes("der"), CiphertextFormat::Der).unwrap()[..],
                &msg[..]
            );
        }
        if r.has("c1c3c2") {
            assert_eq!(
                &decrypt(&key, &r.bytes("c1c3c2"), CiphertextFormat::C1C3C2).unwrap()[..],
                &msg[..]
            );
        }
    }
}

#[test]
fn key_exchange_vector() {
    let recs = testvec::load("sm2-exchange.txt");
    for r in recs {
        let c = curve(&r);
        let a = SecretKey::from_bytes_on(c, &r.bytes("da")).unwrap();
        let b = SecretKey::from_bytes_on(c, &r.bytes("db")).unwrap();
        assert_eq!(a.public_key(), public(c, &r.bytes("xa"), &r.bytes("ya")));
        assert_eq!(b.public_key(), public(c, &r.bytes("xb"), &r.bytes("yb")));
        let (ida, idb) = (r.bytes("ida"), r.bytes("idb"));
        assert_eq!(
            compute_z(&a.public_key(), &ida).unwrap().to_vec(),
            r.bytes("za")
        );
        assert_eq!(
            compute_z(&b.public_key(), &idb).unwrap().to_vec(),
            r.bytes("zb")
        );
        let ra = SecretKey::from_bytes_on(c, &r.bytes("ra")).unwrap();
        let rb = SecretKey::from_bytes_on(c, &r.bytes("rb")).unwrap();
        assert_eq!(ra.public_key(), public(c, &r.bytes("rax"), &r.bytes("ray")));
        assert_eq!(rb.public_key(), public(c, &r.bytes("rbx"), &r.bytes("rby")));
        let ka = KeyExchange::with_ephemeral(Role::Initiator, &a, &ida, &b.public_key(), &idb, &ra)
            .unwrap();
        let kb = KeyExchange::with_ephemeral(Role::Responder, &b, &idb, &a.public_key(), &ida, &rb)
            .unwrap();
        let klen = (r.int("klen") / 8) as usize;
        let mut key_a = vec![0u8; klen];
        let mut key_b = vec![0u8; klen];
        let conf_b = kb.finish(&ra.public_key(), &mut key_b).unwrap();
        let conf_a = ka.finish(&rb.public_key(), &mut key_a).unwrap();
        assert_eq!(key_a, r.bytes("k"));
        assert_eq!(key_b, r.bytes("k"));
        assert_eq!(conf_b.to_send.to_vec(), r.bytes("s1"), "S_B");
        assert_eq!(conf_a.to_send.to_vec(), r.bytes("s2"), "S_A");
        conf_a.verify_peer(&conf_b.to_send).unwrap();
        conf_b.verify_peer(&conf_a.to_send).unwrap();
        assert!(conf_a.verify_peer(&conf_a.to_send).is_err());
    }
}

#[test]
fn key_exchange_round_trip_and_ecdh() {
    let mut rng = crate::rng::OsRng;
    let a = SecretKey::random(&mut rng).unwrap();
    let b = SecretKey::random(&mut rng).unwrap();
    let ka = KeyExchange::new(
        Role::Initiator,
        &a,
        b"alice",
        &b.public_key(),
        b"bob",
        &mut rng,
    )
    .unwrap();
    let kb = KeyExchange::new(
        Role::Responder,
        &b,
        b"bob",
        &a.public_key(),
        b"alice",
        &mut rng,
    )
    .unwrap();
    let (ra, rb) = (ka.ephemeral_public(), kb.ephemeral_public());
    let mut k1 = [0u8; 48];
    let mut k2 = [0u8; 48];
    let cb = kb.finish(&ra, &mut k2).unwrap();
    let ca = ka.finish(&rb, &mut k1).unwrap();
    assert_eq!(k1, k2);
    ca.verify_peer(&cb.to_send).unwrap();
    cb.verify_peer(&ca.to_send).unwrap();
    assert_eq!(
        ecdh(&a, &b.public_key()).unwrap().as_bytes(),
        ecdh(&b, &a.public_key()).unwrap().as_bytes()
    );
}

#[test]
fn negative_cases() {
    let mut rng = crate::rng::OsRng;
    let key = SecretKey::random(&mut rng).unwrap();
    let pk = key.public_key();
    // Keys out of range.
    let n = SM2P256V1
        .n
        .to_be_bytes(&SM2P256V1.n.neg(&SM2P256V1.n.one())); // n - 1
    assert_eq!(
        SecretKey::from_bytes(&n).err(),
        Some(crate::Error::InvalidKey)
    );
    assert_eq!(
        SecretKey::from_bytes(&[0u8; 32]).err(),
        Some(crate::Error::InvalidKey)
    );
    assert_eq!(
        SecretKey::from_bytes(&[0xffu8; 32]).err(),
        Some(crate::Error::InvalidKey)
    );
    assert!(SecretKey::from_bytes(&[1u8; 31]).is_err());
    // Points off the curve, at "infinity" (all zero), with a bad prefix.
    let mut bad = pk.to_uncompressed();
    bad[64] ^= 1;
    assert_eq!(
        PublicKey::from_sec1_bytes(&bad),
        Err(crate::Error::InvalidPoint)
    );
    assert_eq!(
        PublicKey::from_sec1_bytes(&[0u8; 64]),
        Err(crate::Error::InvalidPoint)
    );
    let mut pre = pk.to_uncompressed();
    pre[0] = 5;
    assert!(PublicKey::from_sec1_bytes(&pre).is_err());
    assert!(PublicKey::from_sec1_bytes(&pk.to_uncompressed()[..64]).is_err());
    // A compressed x with no square root.
    let mut found = false;
    for i in 0..50u8 {
        let mut c = [0u8; 33];
        c[0] = 2;
        c[32] = i;
        if PublicKey::from_sec1_bytes(&c) == Err(crate::Error::InvalidPoint) {
            found = true;
        }
    }
    assert!(found);
    // Signatures: r or s zero or >= n; wrong key; wrong message.
    let sig = sign(&key, DEFAULT_ID, b"m", &mut rng).unwrap();
    let nb = SM2P256V1.n.m;
    let mut n_be = [0u8; 32];
    for i in 0..4 {
        n_be[8 * i..8 * i + 8].copy_from_slice(&nb[3 - i].to_be_bytes());
    }
    for (r, s) in [
        ([0u8; 32], *sig.s()),
        (*sig.r(), [0u8; 32]),
        (n_be, *sig.s()),
        (*sig.r(), n_be),
        ([0xff; 32], *sig.s()),
    ] {
        assert_eq!(
            verify(&pk, DEFAULT_ID, b"m", &Signature::from_scalars(r, s)),
            Err(crate::Error::BadSignature)
        );
    }
    let other = SecretKey::random(&mut rng).unwrap().public_key();
    assert_eq!(
        verify(&other, DEFAULT_ID, b"m", &sig),
        Err(crate::Error::BadSignature)
    );
    assert_eq!(
        verify(&pk, DEFAULT_ID, b"n", &sig),
        Err(crate::Error::BadSignature)
    );
    assert!(verify(&pk, &[0u8; 8192], b"m", &sig).is_err());
    // DER: truncated, over-long, non-minimal, negative, trailing data.
    let der = sig.to_der();
    let d = der.as_bytes();
    assert!(Signature::from_der(&d[..d.len() - 1]).is_err());
    assert!(Signature::from_der(&[d, &[0]].concat()).is_err());
    assert!(Signature::from_der(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01]).is_err());
    assert!(Signature::from_der(&[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01]).is_err());
    assert!(Signature::from_der(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]).is_ok());
    assert!(Signature::from_raw(&[0u8; 63]).is_err());
    // Encryption: tampered C3 and C2, C1 off the curve, wrong key, truncation.
    let ct = encrypt(&pk, b"secret", CiphertextFormat::C1C3C2, &mut rng).unwrap();
    for i in [1usize, 40, 66, 97, ct.len() - 1] {
        let mut t = ct.clone();
        t[i] ^= 1;
        let e = decrypt(&key, &t, CiphertextFormat::C1C3C2).unwrap_err();
        assert!(
            matches!(e, crate::Error::DecryptFailed | crate::Error::InvalidPoint),
            "byte {i}: {e:?}"
        );
    }
    let wrong = SecretKey::random(&mut rng).unwrap();
    assert_eq!(
        decrypt(&wrong, &ct, CiphertextFormat::C1C3C2).unwrap_err(),
        crate::Error::DecryptFailed
    );
    assert!(decrypt(&key, &ct[..96], CiphertextFormat::C1C3C2).is_err());
    let der_ct = encrypt(&pk, b"secret", CiphertextFormat::Der, &mut rng).unwrap();
    assert!(decrypt(&key, &der_ct[..der_ct.len() - 1], CiphertextFormat::Der).is_err());
    assert!(
        decrypt(
            &key,
            &[der_ct.as_slice(), &[0]].concat(),
            CiphertextFormat::Der
        )
        .is_err()
    );
    let mut buf = [0u8; 10];
    assert!(matches!(
        encrypt_into(&pk, b"x", CiphertextFormat::Der, &mut rng, &mut buf),
        Err(crate::Error::BufferTooSmall { .. })
    ));
}

#[test]
fn rustcrypto_interop() {
    use ::signature::{Signer, Verifier};
    let mut rng = crate::rng::OsRng;
    for i in 0..6usize {
        let key = SecretKey::random(&mut rng).unwrap();
        let id = std::format!("device-{i}@example");
        let msg: Vec<u8> = (0..(1 + i * 131)).map(|x| x as u8).collect();
        let theirs_sk = ::sm2::dsa::SigningKey::new(
            &id,
            &sm2::SecretKey::from_slice(&key.to_bytes()[..]).unwrap(),
        )
        .unwrap();
        let theirs_vk = theirs_sk.verifying_key();
        assert_eq!(
            ::sm2::PublicKey::from_sec1_bytes(&key.public_key().to_uncompressed())
                .unwrap()
                .as_affine(),
            theirs_vk.as_affine()
        );
        // Ours verified by theirs.
        let ours = sign(&key, id.as_bytes(), &msg, &mut rng).unwrap();
        let their_sig = ::sm2::dsa::Signature::from_slice(&ours.to_raw()).unwrap();
        theirs_vk.verify(&msg, &their_sig).unwrap();
        // Theirs verified by ours.
        let s: ::sm2::dsa::Signature = theirs_sk.sign(&msg);
        let s = Signature::from_raw(&s.to_bytes()).unwrap();
        verify(&key.public_key(), id.as_bytes(), &msg, &s).unwrap();
        // Encryption both ways (C1C3C2).
        let their_pk =
            ::sm2::PublicKey::from_sec1_bytes(&key.public_key().to_uncompressed()).unwrap();
        let enc = ::sm2::pke::EncryptingKey::new(their_pk);
        let c = enc.encrypt(&mut rand_shim::Shim, &msg).unwrap();
        assert_eq!(
            &decrypt(&key, &c, CiphertextFormat::C1C3C2).unwrap()[..],
            &msg[..]
        );
        let mine = encrypt(&key.public_key(), &msg, CiphertextFormat::C1C3C2, &mut rng).unwrap();
        let dec = ::sm2::pke::DecryptingKey::new(
            ::sm2::SecretKey::from_slice(&key.to_bytes()[..]).unwrap(),
        );
        assert_eq!(dec.decrypt(&mine).unwrap(), msg);
    }
}

/// RustCrypto's sm2 wants a rand_core 0.10 CryptoRng; ours is one already.
mod rand_shim {
    pub struct Shim;
    impl rand_core::TryRng for Shim {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(getrandom::u32().unwrap_or(7))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(getrandom::u64().unwrap_or(7))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            let _ = getrandom::fill(dst);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Shim {}
}

#[test]
fn signature_traits() {
    use ::signature::{Keypair, RandomizedSigner, Signer, Verifier};
    let _ = <SigningKey as Keypair>::verifying_key;
    let key = SecretKey::random(&mut crate::rng::OsRng).unwrap();
    let sk = SigningKey::new(key, b"id").unwrap();
    let vk = sk.verifying_key();
    let s1: Signature = sk.sign(b"msg");
    let s2: Signature = sk.sign(b"msg");
    assert_eq!(s1, s2, "Signer is deterministic");
    vk.verify(b"msg", &s1).unwrap();
    let s3: Signature = sk
        .try_sign_with_rng(&mut crate::rng::OsRng, b"msg")
        .unwrap();
    assert_ne!(s1, s3, "hedged signatures differ");
    vk.verify(b"msg", &s3).unwrap();
    assert!(vk.verify(b"msg2", &s3).is_err());
}

fn all_formats() -> [CiphertextFormat; 5] {
    [
        CiphertextFormat::Der,
        CiphertextFormat::Raw(Order::C1C3C2, PointPrefix::Uncompressed),
        CiphertextFormat::Raw(Order::C1C2C3, PointPrefix::Uncompressed),
        CiphertextFormat::Raw(Order::C1C3C2, PointPrefix::Bare),
        CiphertextFormat::Raw(Order::C1C2C3, PointPrefix::Bare),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn sign_verify_and_signature_encodings(seed in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..100)) {
        let Ok(key) = SecretKey::from_bytes(&seed) else { return Ok(()) };
        let sig = sign(&key, DEFAULT_ID, &msg, &mut crate::rng::OsRng).unwrap();
        verify(&key.public_key(), DEFAULT_ID, &msg, &sig).unwrap();
        prop_assert_eq!(Signature::from_der(sig.to_der().as_bytes()).unwrap(), sig);
        prop_assert_eq!(Signature::from_raw(&sig.to_raw()).unwrap(), sig);
        let pk = key.public_key();
        prop_assert_eq!(PublicKey::from_sec1_bytes(&pk.to_compressed()).unwrap(), pk);
        prop_assert_eq!(PublicKey::from_sec1_bytes(&pk.to_bare()).unwrap(), pk);
        prop_assert_eq!(PublicKey::from_sec1_bytes(&pk.to_uncompressed()).unwrap(), pk);
        prop_assert_eq!(SecretKey::from_bytes(&key.to_bytes()[..]).unwrap().public_key(), pk);
    }

    #[test]
    fn raw_signature_with_leading_zeros_round_trips(r in any::<[u8; 32]>(), s in any::<[u8; 32]>(), zr in 0usize..32, zs in 0usize..32) {
        let mut r = r;
        let mut s = s;
        r[..zr].fill(0);
        s[..zs].fill(0);
        let sig = Signature::from_scalars(r, s);
        prop_assert_eq!(Signature::from_der(sig.to_der().as_bytes()).unwrap(), sig);
    }

    #[test]
    fn ciphertext_converters(msg in proptest::collection::vec(any::<u8>(), 0..300)) {
        let key = SecretKey::random(&mut crate::rng::OsRng).unwrap();
        let ct = encrypt(&key.public_key(), &msg, CiphertextFormat::C1C3C2, &mut crate::rng::OsRng).unwrap();
        for from in all_formats() {
            let a = convert(&ct, CiphertextFormat::C1C3C2, from).unwrap();
            prop_assert!(a.len() <= ciphertext_len(msg.len(), from));
            prop_assert_eq!(&decrypt(&key, &a, from).unwrap()[..], &msg[..]);
            for to in all_formats() {
                let b = convert(&a, from, to).unwrap();
                prop_assert_eq!(convert(&b, to, CiphertextFormat::C1C3C2).unwrap(), ct.clone());
            }
        }
    }

    #[test]
    fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Signature::from_der(&data);
        let _ = PublicKey::from_sec1_bytes(&data);
        let _ = SecretKey::from_bytes(&data);
        let key = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        for f in all_formats() {
            let _ = Ciphertext::decode(&data, f);
            prop_assert!(decrypt(&key, &data, f).is_err());
        }
    }
}

#[test]
fn nonces_are_deterministic_per_input_and_distinct_across_inputs() {
    let key = SecretKey::from_bytes(&[9u8; 32]).unwrap();
    let mut seen = std::collections::HashSet::new();
    for i in 0..64u8 {
        let e = [i; 32];
        let a = super::sign::sign_digest_hedged(&key, &e, &[]).unwrap();
        let b = super::sign::sign_digest_hedged(&key, &e, &[]).unwrap();
        assert_eq!(a, b, "deterministic without extra input");
        let h = super::sign::sign_digest_hedged(&key, &e, &[1u8; 32]).unwrap();
        assert_ne!(a, h, "extra input changes the nonce");
        verify_digest(&key.public_key(), &e, &a).unwrap();
        verify_digest(&key.public_key(), &e, &h).unwrap();
        // r = e + x(kG): distinct nonces give distinct r - e, with
        // overwhelming probability.
        assert!(seen.insert(a.to_raw()));
        assert!(seen.insert(h.to_raw()));
    }
}

#[test]
fn batch_verification_detects_every_bad_signature() {
    let mut rng = crate::rng::OsRng;
    let keys: Vec<SecretKey> = (0..3)
        .map(|_| SecretKey::random(&mut rng).unwrap())
        .collect();
    let ids: [&[u8]; 2] = [DEFAULT_ID, b"device-7"];
    let msgs: Vec<Vec<u8>> = (0..12u8).map(|i| vec![i; i as usize]).collect();
    let mut batch = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        // Runs of the same key and ID (Z is reused), then changes.
        let k = &keys[i / 5];
        let id = ids[(i / 3) % 2];
        batch.push((
            k.public_key(),
            id,
            &m[..],
            sign(k, id, m, &mut rng).unwrap(),
        ));
    }
    verify_batch(&batch).unwrap();
    verify_batch(&[]).unwrap();
    for i in 0..batch.len() {
        // A bad signature anywhere, in every way, is caught.
        let mut b = batch.clone();
        let s = b[i].3.to_raw();
        let mut r = s;
        r[5] ^= 1;
        b[i].3 = Signature::from_raw(&r).unwrap();
        assert_eq!(
            verify_batch(&b),
            Err(crate::Error::BadSignature),
            "r at {i}"
        );
        let mut b = batch.clone();
        let mut t = s;
        t[40] ^= 0x80;
        b[i].3 = Signature::from_raw(&t).unwrap();
        assert_eq!(
            verify_batch(&b),
            Err(crate::Error::BadSignature),
            "s at {i}"
        );
        let mut b = batch.clone();
        b[i].2 = b"another message";
        assert_eq!(
            verify_batch(&b),
            Err(crate::Error::BadSignature),
            "msg at {i}"
        );
        let mut b = batch.clone();
        b[i].1 = b"another id";
        assert_eq!(
            verify_batch(&b),
            Err(crate::Error::BadSignature),
            "id at {i}"
        );
        let mut b = batch.clone();
        b[i].0 = keys[(i / 5 + 1) % 3].public_key();
        assert_eq!(
            verify_batch(&b),
            Err(crate::Error::BadSignature),
            "key at {i}"
        );
        // The same signature twice with different messages: one is bad.
        let mut b = batch.clone();
        if i > 0 {
            b[i].3 = b[i - 1].3;
            assert_eq!(
                verify_batch(&b),
                Err(crate::Error::BadSignature),
                "swap at {i}"
            );
        }
    }
    let long_id = [0u8; 8192];
    let mut b = batch.clone();
    b[3].1 = &long_id;
    assert!(matches!(verify_batch(&b), Err(crate::Error::Length { .. })));
}

/// The key exchange on sm2p256v1 (whose public combination
/// P + x-bar R takes the variable-time path) against the same formula on
/// the generic arithmetic: K = KDF(x_V || y_V || Z_A || Z_B).
#[test]
fn key_exchange_on_the_recommended_curve_matches_the_generic_formula() {
    let c = &SM2P256V1;
    let n = &c.n;
    let mut rng = crate::rng::OsRng;
    for _ in 0..4 {
        let a = SecretKey::random(&mut rng).unwrap();
        let b = SecretKey::random(&mut rng).unwrap();
        let ra = SecretKey::random(&mut rng).unwrap();
        let rb = SecretKey::random(&mut rng).unwrap();
        let ka = KeyExchange::with_ephemeral(Role::Initiator, &a, b"A", &b.public_key(), b"B", &ra)
            .unwrap();
        let mut got = [0u8; 40];
        ka.finish(&rb.public_key(), &mut got).unwrap();
        // x-bar = 2^127 + (x mod 2^127)
        let xbar = |x: &[u8; 32]| {
            let mut v = [0u8; 32];
            v[16..].copy_from_slice(&x[16..]);
            v[16] = (v[16] & 0x7f) | 0x80;
            n.decode_be(&v).0
        };
        let t = n.add(&a.d, &n.mul(&xbar(ra.public_key().x()), &ra.d));
        let sum = b.public_key().to_point().add(
            &rb.public_key()
                .to_point()
                .mul_ct_generic(&n.to_limbs(&xbar(rb.public_key().x())), c),
            c,
        );
        let v = sum.mul_ct_generic(&n.to_limbs(&t), c).to_affine(c).unwrap();
        let za = compute_z(&a.public_key(), b"A").unwrap();
        let zb = compute_z(&b.public_key(), b"B").unwrap();
        let mut want = [0u8; 40];
        crate::kdf::sm2_kdf(&[&v.x[..], &v.y, &za, &zb].concat(), &mut want);
        assert_eq!(got, want);
    }
}
