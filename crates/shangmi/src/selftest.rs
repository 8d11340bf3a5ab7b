//! Power-on self-tests: the known-answer test of every algorithm, as GM/T
//! 0028 cryptographic modules run them before first use.

use crate::alg::{AeadAlgorithm, AgreementAlgorithm, HashAlgorithm};
use crate::{Error, Result, kdf, sm2, sm3, sm4};

/// Fails with [`Error::SelfTest`] naming `what` unless `ok`.
fn check(ok: bool, what: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::SelfTest { what })
    }
}

/// Runs the known-answer test of every algorithm; `Ok(())` when all pass,
/// otherwise the first failure as [`Error::SelfTest`].
///
/// The answers are the official examples (GB/T 32905, 32907, 32918, RFC
/// 8998) and fixed outputs of the standard algorithms. It takes a few
/// milliseconds and needs no heap.
pub fn self_test() -> Result<()> {
    check(sm3::hash(b"abc") == SM3_ABC, "SM3")?;
    check(sm3::hmac(&HMAC_KEY, b"") == HMAC_TAG, "HMAC-SM3")?;
    let mut t = [0u8; 19];
    kdf::sm2_kdf(&KDF_Z, &mut t);
    check(t == KDF_OUT, "SM2 KDF")?;

    let c = sm4::Sm4::new(&SM4_KEY);
    let mut b = SM4_KEY;
    c.encrypt_block(&mut b);
    check(b == SM4_CT, "SM4 encrypt")?;
    c.decrypt_block(&mut b);
    check(b == SM4_KEY, "SM4 decrypt")?;

    // RFC 8998 A.1 and A.2: SM4-GCM and SM4-CCM, both directions.
    for (alg, ct, tag, what) in [
        (AeadAlgorithm::Sm4Gcm, &GCM_CT, &GCM_TAG, "SM4-GCM"),
        (AeadAlgorithm::Sm4Ccm, &CCM_CT, &CCM_TAG, "SM4-CCM"),
    ] {
        let mut data = RFC8998_PT;
        let t = alg.seal_in_place(&SM4_KEY, &RFC8998_IV, &RFC8998_AAD, &mut data)?;
        check(&data == ct && &t == tag, what)?;
        alg.open_in_place(&SM4_KEY, &RFC8998_IV, &RFC8998_AAD, &mut data, &t)?;
        check(data == RFC8998_PT, what)?;
    }

    // GB/T 32918.5 Annex A: the SM2 signature with its given k, and its
    // verification.
    let key =
        sm2::SecretKey::from_bytes(&SM2_D).map_err(|_| Error::SelfTest { what: "SM2 key" })?;
    let e = sm2::compute_e(&key.public_key(), sm2::DEFAULT_ID, b"message digest")?;
    let (k, _) = key.curve().n.decode_be(&SM2_K);
    let sig = sm2::sign::sign_with_k(&key, &e, &k)?.ok_or(Error::SelfTest { what: "SM2 sign" })?;
    check(sig.r() == &SM2_R && sig.s() == &SM2_S, "SM2 sign")?;
    check(
        sm2::verify(&key.public_key(), sm2::DEFAULT_ID, b"message digest", &sig).is_ok(),
        "SM2 verify",
    )?;

    // GB/T 32918.5 Annex C: SM2 encryption with its given k, and decryption.
    let mut out = [0u8; 65 + 32 + 19];
    let n =
        sm2::encrypt::encrypt_with_k(&key.public_key(), &SM2_K, b"encryption standard", &mut out)?;
    check(out[..n] == SM2_ENC, "SM2 encrypt")?;
    let mut back = [0u8; 19];
    let m = sm2::decrypt_into(&key, &out[..n], sm2::CiphertextFormat::C1C3C2, &mut back)?;
    check(&back[..m] == b"encryption standard", "SM2 decrypt")?;

    // SM2 key exchange, pairwise: both sides derive the same key and accept
    // each other's confirmation.
    let mut rng = KatRng(0x5eed);
    let peer = sm2::SecretKey::random(&mut rng)?;
    let a = sm2::KeyExchange::new(
        sm2::Role::Initiator,
        &key,
        b"A",
        &peer.public_key(),
        b"B",
        &mut rng,
    )?;
    let b = sm2::KeyExchange::new(
        sm2::Role::Responder,
        &peer,
        b"B",
        &key.public_key(),
        b"A",
        &mut rng,
    )?;
    let (ra, rb) = (a.ephemeral_public(), b.ephemeral_public());
    let (mut ka, mut kb) = ([0u8; 16], [0u8; 16]);
    let cb = b.finish(&ra, &mut kb)?;
    let ca = a.finish(&rb, &mut ka)?;
    check(
        ka == kb && ca.verify_peer(&cb.to_send).is_ok() && cb.verify_peer(&ca.to_send).is_ok(),
        "SM2 key exchange",
    )?;

    // The standard algorithms: known answers where short, pairwise
    // consistency otherwise.
    let mut d = [0u8; 64];
    HashAlgorithm::Sha256.hash_into(b"abc", &mut d)?;
    check(d[..32] == SHA256_ABC, "SHA-256")?;
    let mut z = [0u8; 16];
    let t = AeadAlgorithm::Aes128Gcm.seal_in_place(&[0; 16], &[0; 12], b"", &mut z)?;
    check(z == AES_GCM_CT && t == AES_GCM_TAG, "AES-128-GCM")?;
    for alg in AeadAlgorithm::ALL {
        let key = [0x42u8; 32];
        let mut m = *b"pairwise";
        let t = alg.seal_in_place(&key[..alg.key_len()], &[1; 12], b"a", &mut m)?;
        alg.open_in_place(&key[..alg.key_len()], &[1; 12], b"a", &mut m, &t)?;
        check(&m == b"pairwise", "AEAD pairwise")?;
    }
    for alg in crate::alg::SignatureAlgorithm::ALL {
        let k = alg.generate(&mut rng)?;
        let mut sig = [0u8; 128];
        let n = k.sign_into(
            sm2::DEFAULT_ID,
            b"pairwise",
            crate::alg::SignatureEncoding::Der,
            &mut rng,
            &mut sig,
        )?;
        check(
            k.public_key()
                .verify(b"pairwise", &sig[..n], crate::alg::SignatureEncoding::Der)
                .is_ok(),
            "signature pairwise",
        )?;
    }
    for alg in [
        AgreementAlgorithm::Sm2Ecdh,
        AgreementAlgorithm::X25519,
        AgreementAlgorithm::EcdhP256,
        AgreementAlgorithm::EcdhP384,
    ] {
        let (a, b) = (alg.generate(&mut rng)?, alg.generate(&mut rng)?);
        let (mut pa, mut pb) = ([0u8; 97], [0u8; 97]);
        let (na, nb) = (a.public_key(&mut pa)?, b.public_key(&mut pb)?);
        check(
            a.agree(&pb[..nb])?.as_bytes() == b.agree(&pa[..na])?.as_bytes(),
            "key agreement pairwise",
        )?;
    }
    Ok(())
}

/// A fixed generator for the pairwise tests (their keys are thrown away).
struct KatRng(u64);

impl rand_core::TryRng for KatRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Ok(self.0 ^ (self.0 >> 29))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
        for c in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for KatRng {}

// RFC 8998 Appendix A.
const RFC8998_IV: [u8; 12] = hex("00001234567800000000abcd");
const RFC8998_AAD: [u8; 20] = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
const RFC8998_PT: [u8; 64] = hex(
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd\
     eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa",
);
const GCM_CT: [u8; 64] = hex(
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735\
     d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d",
);
const GCM_TAG: [u8; 16] = hex("83de3541e4c2b58177e065a9bf7b62ec");
const CCM_CT: [u8; 64] = hex(
    "48af93501fa62adbcd414cce6034d895dda1bf8f132f042098661572e7483094\
     fd12e518ce062c98acee28d95df4416bed31a2f04476c18bb40c84a74b97dc5b",
);
const CCM_TAG: [u8; 16] = hex("16842d4fa186f56ab33256971fa110f4");
// GB/T 32918.5 Annexes A and C (recommended curve).
const SM2_D: [u8; 32] = hex32("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8");
const SM2_K: [u8; 32] = hex32("59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21");
const SM2_R: [u8; 32] = hex32("f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3");
const SM2_S: [u8; 32] = hex32("b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa");
const SM2_ENC: [u8; 116] = hex(
    "0404ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73\
     e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0\
     59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766\
     21886ca989ca9c7d58087307ca93092d651efa",
);
// FIPS 180-2: SHA-256("abc").
const SHA256_ABC: [u8; 32] =
    hex32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
// The GCM specification, test case 2: AES-128, zero key, IV and block.
const AES_GCM_CT: [u8; 16] = hex("0388dace60b6a392f328c2b971b2fe78");
const AES_GCM_TAG: [u8; 16] = hex("ab6e47d42cec13bdf53a67b21257bddf");

// GB/T 32905 Annex A.1.
const SM3_ABC: [u8; 32] = hex32("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
// Wycheproof hmac_sm3_test.json tcId 1.
const HMAC_KEY: [u8; 32] =
    hex32("1e225cafb90339bba1b24076d4206c3e79c355805d851682bc818baa4f5a7779");
const HMAC_TAG: [u8; 32] =
    hex32("f9938b1b2515117f25dcd636c9a6a0e7f00bccaf5347e0e0df435cfca736cfc1");
// GB/T 32918.5 Annex C: KDF(x2 || y2, 152 bits).
const KDF_Z: [u8; 64] = hex(
    "335e18d751e51f040e27d468138b7ab1dc86ad7f981d7d416222fd6ab3ed230d\
     ab743ebcfb22d64f7b6ab791f70658f25b48fa93e54064fdbfbed3f0bd847ac9",
);
const KDF_OUT: [u8; 19] = hex("44e60fdbf0bae81437665374bef26749046c9e");
// GB/T 32907 Annex A example 1.
const SM4_KEY: [u8; 16] = hex("0123456789abcdeffedcba9876543210");
const SM4_CT: [u8; 16] = hex("681edf34d206965e86b3e94f536e4246");

/// Decodes a hex string of exactly `2N` digits (spaces and newlines
/// skipped). Only used to build constants, so it runs at compile time.
const fn hex<const N: usize>(s: &str) -> [u8; N] {
    let s = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    let mut j = 0;
    while j < s.len() && i < N {
        let c = s[j];
        if c == b' ' || c == b'\n' {
            j += 1;
            continue;
        }
        let hi = nibble(c);
        let lo = nibble(s[j + 1]);
        out[i] = (hi << 4) | lo;
        i += 1;
        j += 2;
    }
    // Evaluated at compile time for the constants above: a typo fails the build.
    assert!(i == N && j == s.len(), "hex constant has the wrong length");
    out
}

const fn hex32(s: &str) -> [u8; 32] {
    hex::<32>(s)
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    #[test]
    fn self_test_passes() {
        super::self_test().unwrap();
    }

    #[test]
    fn hex_decoder() {
        assert_eq!(super::hex::<3>("0aff10"), [0x0a, 0xff, 0x10]);
    }
}
