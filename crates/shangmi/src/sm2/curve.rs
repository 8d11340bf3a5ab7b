//! Curve parameters as data: sm2p256v1 (GB/T 32918.5, the recommended
//! curve) and the example curve of GB/T 32918.2-.4 Annex A, which the
//! official worked examples use (tests only).

use super::field::{Fe, Modulus};

/// A short Weierstrass curve y^2 = x^3 + ax + b over F_p with a generator
/// G of prime order n (cofactor 1).
#[derive(Debug)]
pub(crate) struct Curve {
    /// The field.
    pub p: Modulus,
    /// The group order.
    pub n: Modulus,
    /// a, b, Gx, Gy as big-endian bytes (they enter Z = SM3(... a b Gx Gy ...)).
    pub a: [u8; 32],
    pub b: [u8; 32],
    pub gx: [u8; 32],
    pub gy: [u8; 32],
    /// w = ceil(ceil(log2 n) / 2) - 1, the key-exchange truncation width.
    pub w: u32,
    /// a, b, 3b, Gx, Gy and 1 in Montgomery form (computed at compile time).
    pub a_m: Fe,
    pub b_m: Fe,
    pub b3_m: Fe,
    pub gx_m: Fe,
    pub gy_m: Fe,
    pub one_m: Fe,
    /// Whether a = -3 (then a * t is -(3t), three additions).
    pub a_is_minus_3: bool,
}

impl Curve {
    /// Builds a curve; every derived constant is computed at compile time.
    const fn new(
        p: [u8; 32],
        n: [u8; 32],
        a: [u8; 32],
        b: [u8; 32],
        gx: [u8; 32],
        gy: [u8; 32],
        w: u32,
    ) -> Self {
        let pm = Modulus::new(&p);
        let nm = Modulus::new(&n);
        let b3 = triple_mod(&b, &p);
        // a = p - 3?
        let mut p_minus_3 = p;
        p_minus_3[31] -= 3; // p ends in ...ff or ...c3 here: no borrow
        let mut a_is_minus_3 = true;
        let mut i = 0;
        while i < 32 {
            if a[i] != p_minus_3[i] {
                a_is_minus_3 = false;
            }
            i += 1;
        }
        let mut one = [0u8; 32];
        one[31] = 1;
        Curve {
            a_m: pm.constant(&a),
            b_m: pm.constant(&b),
            b3_m: pm.constant(&b3),
            gx_m: pm.constant(&gx),
            gy_m: pm.constant(&gy),
            one_m: pm.constant(&one),
            a_is_minus_3,
            p: pm,
            n: nm,
            a,
            b,
            gx,
            gy,
            w,
        }
    }

    /// a * x, with additions when a = -3.
    #[inline(always)]
    pub fn mul_a(&self, x: &Fe) -> Fe {
        if self.a_is_minus_3 {
            let f = &self.p;
            f.neg(&f.add(&f.add(x, x), x))
        } else {
            self.p.mul(&self.a_m, x)
        }
    }
}

/// 3b mod p for big-endian b < p, at compile time.
const fn triple_mod(b: &[u8; 32], p: &[u8; 32]) -> [u8; 32] {
    let mut r = *b;
    let mut k = 0;
    while k < 2 {
        // r = r + b mod p
        let mut sum = [0u8; 33];
        let mut carry = 0u16;
        let mut i = 32;
        while i > 0 {
            i -= 1;
            let v = r[i] as u16 + b[i] as u16 + carry;
            sum[i + 1] = v as u8;
            carry = v >> 8;
        }
        sum[0] = carry as u8;
        // subtract p if sum >= p
        let mut ge = sum[0] != 0;
        if !ge {
            ge = true;
            let mut i = 0;
            while i < 32 {
                if sum[i + 1] != p[i] {
                    ge = sum[i + 1] > p[i];
                    break;
                }
                i += 1;
            }
        }
        let mut out = [0u8; 32];
        let mut borrow = 0i16;
        let mut i = 32;
        while i > 0 {
            i -= 1;
            let sub = if ge { p[i] as i16 } else { 0 };
            let mut v = sum[i + 1] as i16 - sub - borrow;
            borrow = 0;
            if v < 0 {
                v += 256;
                borrow = 1;
            }
            out[i] = v as u8;
        }
        r = out;
        k += 1;
    }
    r
}

const fn hex32(s: &str) -> [u8; 32] {
    let s = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nib(s[2 * i]) << 4) | nib(s[2 * i + 1]);
        i += 1;
    }
    assert!(s.len() == 64, "curve constant must be 64 hex digits");
    out
}

// Only evaluated at compile time, where a panic is a build error.
#[allow(clippy::panic)]
const fn nib(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not a hex digit"),
    }
}

const SM2_P: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
const SM2_N: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");

/// The field modulus of sm2p256v1 with its constants (for the
/// specialised field).
pub(crate) const SM2P256V1_P: Modulus = Modulus::new(&SM2_P);

/// sm2p256v1, OID 1.2.156.10197.1.301.
pub(crate) static SM2P256V1: Curve = Curve::new(
    SM2_P,
    SM2_N,
    hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"),
    hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
    hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
    hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
    127,
);

/// The Fp-256 example curve of GB/T 32918.2-2016 Annex A (not for use).
#[cfg(test)]
pub(crate) static SM2_TEST: Curve = Curve::new(
    hex32("8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3"),
    hex32("8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7"),
    hex32("787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498"),
    hex32("63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A"),
    hex32("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"),
    hex32("0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2"),
    127,
);
