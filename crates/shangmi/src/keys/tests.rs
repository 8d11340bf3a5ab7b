#![allow(clippy::unwrap_used)]
use crate::Error;
use crate::alg::{PrivateKey, PublicKey, SignatureAlgorithm, SignatureEncoding};
use crate::rng::OsRng;
use std::vec::Vec;

#[test]
fn pkcs8_spki_and_sec1_round_trip_for_every_algorithm() {
    for alg in SignatureAlgorithm::ALL {
        let k = PrivateKey::generate(alg, &mut OsRng).unwrap();
        let pem = k.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = PrivateKey::from_pem(&pem, None).unwrap();
        assert_eq!(back.public_key(), k.public_key(), "{alg:?}");
        assert_eq!(
            PrivateKey::from_der(&k.to_pkcs8_der().unwrap(), None)
                .unwrap()
                .public_key(),
            k.public_key()
        );
        let spki = k.public_key().to_spki_pem().unwrap();
        assert_eq!(PublicKey::from_pem(&spki).unwrap(), k.public_key());
        if alg != SignatureAlgorithm::Ed25519 {
            let sec1 = k.to_sec1_der().unwrap();
            assert_eq!(
                PrivateKey::from_der(&sec1, None).unwrap().public_key(),
                k.public_key(),
                "{alg:?} SEC1"
            );
            let pem = super::pem_encode(super::label::EC_PRIVATE_KEY, &sec1).unwrap();
            assert_eq!(
                PrivateKey::from_pem(&pem, None).unwrap().public_key(),
                k.public_key()
            );
        }
        // The key signs, and its public key verifies, after the round trip.
        let sig = back.sign(b"m", SignatureEncoding::Der, &mut OsRng).unwrap();
        k.public_key()
            .verify(b"m", &sig, SignatureEncoding::Der)
            .unwrap();
    }
}

#[test]
fn encrypted_pkcs8_round_trip_and_wrong_passphrase() {
    let k = PrivateKey::generate(SignatureAlgorithm::Sm2Sm3, &mut OsRng).unwrap();
    let pem = k
        .to_encrypted_pkcs8_pem(b"correct horse", &mut OsRng)
        .unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_eq!(
        PrivateKey::from_pem(&pem, Some(b"correct horse"))
            .unwrap()
            .public_key(),
        k.public_key()
    );
    assert_eq!(
        PrivateKey::from_pem(&pem, Some(b"wrong")).unwrap_err(),
        Error::DecryptFailed
    );
    assert_eq!(
        PrivateKey::from_pem(&pem, None).unwrap_err(),
        Error::DecryptFailed
    );
    let der = k.to_encrypted_pkcs8_der(b"pw", &mut OsRng).unwrap();
    assert_eq!(
        PrivateKey::from_der(&der, Some(b"pw"))
            .unwrap()
            .public_key(),
        k.public_key()
    );
    assert_eq!(
        PrivateKey::from_der(&der, None).unwrap_err(),
        Error::DecryptFailed
    );
}

/// SPKI with the sm2 OID as the algorithm (as OpenSSL 3.1 wrote it) is
/// read, and written back in the canonical form.
#[test]
fn spki_with_the_sm2_oid_as_algorithm_is_accepted_and_canonicalised() {
    let k = crate::sm2::SecretKey::random(&mut OsRng).unwrap();
    let point = k.public_key().to_uncompressed();
    // SEQUENCE { SEQUENCE { OID 1.2.156.10197.1.301 }, BIT STRING 00 || point }
    let oid = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    let mut alg = vec_of(&[0x30, oid.len() as u8]);
    alg.extend_from_slice(&oid);
    let mut bits = vec_of(&[0x03, 66, 0x00]);
    bits.extend_from_slice(&point);
    let mut der = vec_of(&[0x30, (alg.len() + bits.len()) as u8]);
    der.extend_from_slice(&alg);
    der.extend_from_slice(&bits);
    let pk = PublicKey::from_der(&der).unwrap();
    assert_eq!(pk, PublicKey::Sm2(k.public_key()));
    let canonical = pk.to_spki_der().unwrap();
    assert_ne!(canonical, der);
    // id-ecPublicKey (1.2.840.10045.2.1) then the sm2 curve.
    let ec_oid = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    assert!(canonical.windows(ec_oid.len()).any(|w| w == ec_oid));
    assert!(canonical.windows(oid.len()).any(|w| w == oid));
    // And the RustCrypto traits agree.
    use spki::{DecodePublicKey, EncodePublicKey};
    assert_eq!(
        crate::sm2::PublicKey::from_public_key_der(&der).unwrap(),
        k.public_key()
    );
    assert_eq!(
        k.public_key().to_public_key_der().unwrap().as_bytes(),
        &canonical[..]
    );
}

fn vec_of(b: &[u8]) -> Vec<u8> {
    b.to_vec()
}

#[test]
fn bad_input_is_an_error() {
    let k = PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &mut OsRng).unwrap();
    let der = k.to_pkcs8_der().unwrap();
    for n in [0, 1, 10, der.len() - 1] {
        assert!(
            PrivateKey::from_der(&der[..n], None).is_err(),
            "truncated to {n}"
        );
    }
    let pem = k.public_key().to_spki_pem().unwrap();
    assert!(PrivateKey::from_pem(&pem, None).is_err(), "wrong label");
    assert!(
        PublicKey::from_pem(&k.to_pkcs8_pem().unwrap()).is_err(),
        "wrong label"
    );
    assert!(PublicKey::from_pem("not pem").is_err());
    // An unknown algorithm OID (rsaEncryption).
    let rsa = [
        0x30, 0x13, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        0x05, 0x00, 0x03, 0x02, 0x00, 0x01,
    ];
    assert!(
        matches!(PublicKey::from_der(&rsa), Err(Error::Unsupported { .. })),
        "{:?}",
        PublicKey::from_der(&rsa)
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Random bytes, and valid encodings with one byte changed or cut short,
    /// give an error or a key, never a panic.
    #[test]
    fn parsers_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), pos in 0usize..400, flip in 1u8..=255) {
        let _ = PrivateKey::from_der(&data, Some(b"pw"));
        let _ = PublicKey::from_der(&data);
        if let Ok(text) = core::str::from_utf8(&data) {
            let _ = PrivateKey::from_pem(text, None);
            let _ = PublicKey::from_pem(text);
        }
        for alg in SignatureAlgorithm::ALL {
            let k = PrivateKey::generate(alg, &mut OsRng).unwrap();
            for der in [k.to_pkcs8_der().unwrap().to_vec(), k.public_key().to_spki_der().unwrap()] {
                let mut m = der.clone();
                let i = pos % m.len();
                m[i] ^= flip;
                let _ = PrivateKey::from_der(&m, None);
                let _ = PublicKey::from_der(&m);
                let _ = PrivateKey::from_der(&der[..i], None);
                let _ = PublicKey::from_der(&der[..i]);
            }
        }
    }
}

/// A generator stuck at zero is reported, not looped on.
#[test]
fn a_broken_generator_is_an_error_not_a_hang() {
    struct Zero;
    impl rand_core::TryRng for Zero {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(0)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0);
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Zero {}
    for alg in [
        SignatureAlgorithm::Sm2Sm3,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::EcdsaP384Sha384,
    ] {
        assert_eq!(
            PrivateKey::generate(alg, &mut Zero).unwrap_err(),
            Error::Rng,
            "{alg:?}"
        );
    }
    for alg in [
        crate::alg::AgreementAlgorithm::Sm2Ecdh,
        crate::alg::AgreementAlgorithm::EcdhP256,
        crate::alg::AgreementAlgorithm::EcdhP384,
    ] {
        assert_eq!(alg.generate(&mut Zero).unwrap_err(), Error::Rng, "{alg:?}");
    }
}
