//! SM2 digital signatures (GB/T 32918.2): Z, e, sign and verify, with hedged
//! nonces.

use super::curve::Curve;
use super::field::Fe;
use super::keys::{PublicKey, SecretKey};
use super::mul;
use super::point::Point;
use super::signature::Signature;
use crate::rng::{TryCryptoRng, fill};
use crate::sm3::{HmacSm3, Sm3};
use crate::{Error, Result, ct};
use digest::{KeyInit, Mac};
use zeroize::{Zeroize, Zeroizing};

/// The distinguishing ID that GM/T 0009 sets as the default, and that every
/// X.509-level SM2 signature uses: ASCII "1234567812345678".
pub const DEFAULT_ID: &[u8] = b"1234567812345678";

/// The ID that RFC 8998 (TLS 1.3) uses for handshake signatures.
pub const TLS13_ID: &[u8] = b"TLSv1.3+GM+Cipher+Suite";

/// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), the hash of the
/// signer's identity. Fails if the ID is 8192 bytes or longer (ENTL is the
/// bit length in two bytes).
pub fn compute_z(public: &PublicKey, id: &[u8]) -> Result<[u8; 32]> {
    let bits = u16::try_from(id.len().saturating_mul(8)).map_err(|_| Error::Length {
        what: "SM2 distinguishing ID (under 8192 bytes)",
    })?;
    let c = public.curve;
    let mut h = Sm3::new();
    h.update(&bits.to_be_bytes());
    h.update(id);
    for part in [&c.a, &c.b, &c.gx, &c.gy, &public.point.x, &public.point.y] {
        h.update(part);
    }
    Ok(h.finalize())
}

/// e = SM3(Z || msg), the value SM2 signs.
pub fn compute_e(public: &PublicKey, id: &[u8], msg: &[u8]) -> Result<[u8; 32]> {
    let z = compute_z(public, id)?;
    let mut h = Sm3::new();
    h.update(&z);
    h.update(msg);
    Ok(h.finalize())
}

/// Signs `msg` with the distinguishing ID `id` (usually [`DEFAULT_ID`]).
pub fn sign<R: TryCryptoRng + ?Sized>(
    key: &SecretKey,
    id: &[u8],
    msg: &[u8],
    rng: &mut R,
) -> Result<Signature> {
    let e = compute_e(&key.public, id, msg)?;
    sign_digest(key, &e, rng)
}

/// Signs a precomputed e = SM3(Z || M), as an HSM or KMS receives it.
pub fn sign_digest<R: TryCryptoRng + ?Sized>(
    key: &SecretKey,
    e: &[u8; 32],
    rng: &mut R,
) -> Result<Signature> {
    let mut extra = Zeroizing::new([0u8; 32]);
    fill(rng, &mut extra[..])?;
    sign_digest_hedged(key, e, &extra[..])
}

/// Signing with the nonce derived from (d, e, extra) alone: deterministic
/// when `extra` is empty (RFC 6979 style), hedged when it is fresh
/// randomness.
pub(crate) fn sign_digest_hedged(key: &SecretKey, e: &[u8; 32], extra: &[u8]) -> Result<Signature> {
    let c = key.curve();
    let mut nonces = NonceGen::new(c, key.to_bytes(), e, extra);
    for _ in 0..64 {
        let k = nonces.next();
        if let Some(sig) = sign_with_k(key, e, &k)? {
            return Ok(sig);
        }
    }
    Err(Error::Rng)
}

/// One signing attempt with nonce k (Montgomery form, in [1, n-1]); `None`
/// when GB/T 32918.2 says to draw another k (r = 0, r + k = n, s = 0).
pub(crate) fn sign_with_k(key: &SecretKey, e: &[u8; 32], k: &Fe) -> Result<Option<Signature>> {
    let c = key.curve();
    let n = &c.n;
    let mut kl = n.to_limbs(k);
    let p1 = Point::mul_generator(&kl, c).to_affine(c)?;
    kl.zeroize();
    let e = n.reduce_be_bytes(e);
    let x1 = n.reduce_be_bytes(&p1.x);
    let r = n.add(&e, &x1);
    let rk = n.add(&r, k);
    // s = (1 + d)^-1 (k - r d)
    let s = n.mul(&key.d1_inv, &n.sub(k, &n.mul(&r, &key.d)));
    let retry = n.is_zero(&r) | n.is_zero(&rk) | n.is_zero(&s);
    if ct::declassify(retry) {
        return Ok(None);
    }
    Ok(Some(Signature {
        r: n.to_be_bytes(&r),
        s: n.to_be_bytes(&s),
    }))
}

/// Verifies a signature on `msg` with distinguishing ID `id`.
/// [`Error::BadSignature`] when it does not verify.
pub fn verify(key: &PublicKey, id: &[u8], msg: &[u8], sig: &Signature) -> Result<()> {
    let e = compute_e(key, id, msg)?;
    verify_digest(key, &e, sig)
}

/// Verifies many signatures; `Ok` only when every one verifies, else
/// [`Error::BadSignature`] (or [`Error::Length`] for an ID of 8192 bytes
/// or more). Each entry is (public key, distinguishing ID, message,
/// signature).
///
/// This is exactly [`verify`] on each entry, so a single bad signature is
/// always detected; the work shared across the batch is the precomputed
/// table of G (built once per process) and Z, computed once for each run
/// of entries with the same key and ID. (There is no randomized
/// linear-combination shortcut for SM2: a signature fixes only x1 mod n of
/// the point s G + t P, not the point, so the points cannot be summed
/// without guessing signs.) To find which entry failed, verify them one by
/// one.
///
/// ```
/// use shangmi::sm2::{self, SecretKey, DEFAULT_ID};
/// use shangmi::rng::OsRng;
/// let key = SecretKey::random(&mut OsRng).unwrap();
/// let pk = key.public_key();
/// let msgs: [&[u8]; 3] = [b"a", b"b", b"c"];
/// let batch: Vec<_> = msgs
///     .iter()
///     .map(|m| (pk, DEFAULT_ID, *m, sm2::sign(&key, DEFAULT_ID, m, &mut OsRng).unwrap()))
///     .collect();
/// sm2::verify_batch(&batch).unwrap();
/// let mut bad = batch.clone();
/// bad[1].2 = b"tampered";
/// assert!(sm2::verify_batch(&bad).is_err());
/// ```
pub fn verify_batch(items: &[(PublicKey, &[u8], &[u8], Signature)]) -> Result<()> {
    let mut last: Option<(&PublicKey, &[u8], [u8; 32])> = None;
    let mut all_ok = true;
    for (key, id, msg, sig) in items {
        let z = match last {
            Some((k, i, z)) if k == key && i == *id => z,
            _ => compute_z(key, id)?,
        };
        last = Some((key, id, z));
        let mut h = Sm3::new();
        h.update(&z);
        h.update(msg);
        all_ok &= verify_digest(key, &h.finalize(), sig).is_ok();
    }
    if all_ok {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

/// Verifies a signature on a precomputed e = SM3(Z || M).
pub fn verify_digest(key: &PublicKey, e: &[u8; 32], sig: &Signature) -> Result<()> {
    let c = key.curve;
    let n = &c.n;
    let (r, r_ok) = n.decode_be(&sig.r);
    let (s, s_ok) = n.decode_be(&sig.s);
    // Public data from here on.
    if !bool::from(r_ok & s_ok) || bool::from(n.is_zero(&r) | n.is_zero(&s)) {
        return Err(Error::BadSignature);
    }
    let t = n.add(&r, &s);
    if bool::from(n.is_zero(&t)) {
        return Err(Error::BadSignature);
    }
    if super::point::is_sm2(c) {
        // x1 = (r - e) mod n is the test; no inversion needed.
        let sum = mul::mul_double_vartime(&n.to_limbs(&s), &n.to_limbs(&t), &key.to_jacobian());
        let e = n.reduce_be_bytes(e);
        let v = n.to_limbs(&n.sub(&r, &e));
        return if mul::x_mod_n_equals_vartime(&sum, &v) {
            Ok(())
        } else {
            Err(Error::BadSignature)
        };
    }
    let sg = Point::mul_generator(&n.to_limbs(&s), c);
    let tp = key.to_point().mul_ct(&n.to_limbs(&t), c);
    let Ok(p1) = sg.add(&tp, c).to_affine(c) else {
        return Err(Error::BadSignature);
    };
    let e = n.reduce_be_bytes(e);
    let x1 = n.reduce_be_bytes(&p1.x);
    let rr = n.add(&e, &x1);
    if bool::from(subtle::ConstantTimeEq::ct_eq(&rr, &r)) {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

/// Nonce candidates k_i = HMAC-SM3(d, e || i || extra), i a 32-bit
/// big-endian counter, accepted when 1 <= k_i <= n - 1 (a candidate is
/// rejected with probability about 2^-32). HMAC keyed with the private key
/// is a PRF, so each k is pseudorandom and independent of the others
/// unless (e, extra) repeats, in which case it repeats too: deterministic
/// signing when `extra` is empty (as RFC 6979 intends), hedged when it is
/// fresh randomness (a broken generator then falls back to determinism,
/// never to a repeated k for different messages). One HMAC per signature
/// (five SM3 blocks) where the RFC 6979 HMAC_DRBG takes seven.
struct NonceGen<'a> {
    d: Zeroizing<[u8; 32]>,
    e: &'a [u8; 32],
    extra: &'a [u8],
    counter: u32,
    curve: &'static Curve,
}

impl<'a> NonceGen<'a> {
    fn new(
        curve: &'static Curve,
        d: Zeroizing<[u8; 32]>,
        e: &'a [u8; 32],
        extra: &'a [u8],
    ) -> Self {
        NonceGen {
            d,
            e,
            extra,
            counter: 0,
            curve,
        }
    }

    fn next(&mut self) -> Fe {
        let n = &self.curve.n;
        loop {
            let mut v = hmac(&self.d, &[self.e, &self.counter.to_be_bytes(), self.extra]);
            self.counter = self.counter.wrapping_add(1);
            let (k, in_range) = n.decode_be(&v);
            v.zeroize();
            let ok = in_range & !n.is_zero(&k);
            if ct::declassify(ok) {
                return k;
            }
        }
    }
}

fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC pads keys shorter than the block with zeros, so this is the
    // same key, without a fallible constructor.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut m = <HmacSm3 as KeyInit>::new(&block.into());
    block.zeroize();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}
