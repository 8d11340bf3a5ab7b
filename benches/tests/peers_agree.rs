//! The peers the benches measure compute the same thing shangmi does, so
//! the comparison is like with like.
#![allow(clippy::unwrap_used)]

const KEY: [u8; 16] = [7u8; 16];
const IV: [u8; 16] = [9u8; 16];

fn msg() -> Vec<u8> {
    (0..8192u32).map(|i| (i * 31 + 7) as u8).collect()
}

#[test]
fn sm3_agrees() {
    let m = msg();
    let ours = shangmi::sm3::hash(&m);
    #[cfg(feature = "openssl")]
    assert_eq!(shangmi_benches::ossl::sm3(&m), ours);
    #[cfg(feature = "gcrypt")]
    assert_eq!(shangmi_benches::gcrypt::sm3(&m), ours);
    #[cfg(feature = "libsm")]
    assert_eq!(shangmi_benches::libsm_peer::sm3(&m), ours);
    #[cfg(feature = "gmssl")]
    assert_eq!(shangmi_benches::gmssl::sm3(&m), ours);
}

#[test]
fn sm4_modes_agree() {
    let m = msg();
    let c = shangmi::sm4::Sm4::new(&KEY);
    let mut ctr = m.clone();
    shangmi::sm4::ctr::apply(&c, &IV, &mut ctr);
    let mut cbc = vec![0u8; m.len()];
    shangmi::sm4::cbc::encrypt(&c, &IV, shangmi::sm4::Padding::None, &m, &mut cbc).unwrap();
    let nonce = [3u8; 12];
    let mut gcm = m.clone();
    let tag = shangmi::sm4::gcm::Sm4Gcm::new(&KEY)
        .seal_in_place(&nonce, b"", &mut gcm)
        .unwrap();
    #[cfg(feature = "gcrypt")]
    {
        use shangmi_benches::gcrypt::{Cipher, Mode};
        let mut h = Cipher::new(Mode::Ctr, &KEY);
        h.set_iv(&IV);
        let mut d = m.clone();
        h.encrypt(&mut d);
        assert_eq!(d, ctr);
        let mut h = Cipher::new(Mode::Cbc, &KEY);
        h.set_iv(&IV);
        let mut d = m.clone();
        h.encrypt(&mut d);
        assert_eq!(d, cbc);
        let mut h = Cipher::new(Mode::Gcm, &KEY);
        h.set_iv(&nonce);
        let mut d = m.clone();
        h.encrypt(&mut d);
        assert_eq!((d, h.tag()), (gcm.clone(), tag));
    }
    #[cfg(feature = "openssl")]
    {
        let mut out = vec![0u8; m.len() + 16];
        let n = shangmi_benches::ossl::Sm4::new("ctr", &KEY, &IV, true).update(&m, &mut out);
        assert_eq!(&out[..n], &ctr[..]);
        let n = shangmi_benches::ossl::Sm4::new("cbc", &KEY, &IV, true).update(&m, &mut out);
        assert_eq!(&out[..n], &cbc[..]);
    }
    #[cfg(feature = "libsm")]
    assert_eq!(shangmi_benches::libsm_peer::sm4("ctr", &KEY, &IV, &m), ctr);
    #[cfg(feature = "gmssl")]
    {
        let k = shangmi_benches::gmssl::Sm4::new(&KEY);
        let mut d = m.clone();
        k.ctr(&IV, &mut d);
        assert_eq!(d, ctr);
        let mut d = m.clone();
        assert_eq!(k.gcm(&nonce, &mut d), tag);
        assert_eq!(d, gcm);
    }
}

#[test]
fn sm2_agrees() {
    use shangmi::rng::OsRng;
    let key = shangmi::sm2::SecretKey::random(&mut OsRng).unwrap();
    let m = [5u8; 32];
    let sig = shangmi::sm2::sign(&key, shangmi::sm2::DEFAULT_ID, &m, &mut OsRng).unwrap();
    #[cfg(feature = "openssl")]
    {
        let der = shangmi::alg::PrivateKey::Sm2(key.clone())
            .to_pkcs8_der()
            .unwrap();
        let (osk, opk) = shangmi_benches::ossl::sm2_key(&der);
        assert!(shangmi_benches::ossl::sm2_verify(
            &opk,
            &m,
            sig.to_der().as_bytes()
        ));
        let theirs = shangmi_benches::ossl::sm2_sign(&osk, &m);
        shangmi::sm2::verify(
            &key.public_key(),
            shangmi::sm2::DEFAULT_ID,
            &m,
            &shangmi::sm2::Signature::from_der(&theirs).unwrap(),
        )
        .unwrap();
        let ct = shangmi_benches::ossl::sm2_encrypt(&opk, &m);
        assert_eq!(
            &shangmi::sm2::decrypt(&key, &ct, shangmi::sm2::CiphertextFormat::Der).unwrap()[..],
            &m[..]
        );
    }
}
