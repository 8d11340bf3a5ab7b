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
}

impl Curve {
    fn fe(&self, be: &[u8; 32]) -> Fe {
        self.p.decode_be(be).0
    }
    /// a in Montgomery form.
    pub fn a_fe(&self) -> Fe {
        self.fe(&self.a)
    }
    /// 3b in Montgomery form (the complete formulas use it).
    pub fn b3_fe(&self) -> Fe {
        let b = self.fe(&self.b);
        self.p.add(&self.p.add(&b, &b), &b)
    }
    /// b in Montgomery form.
    pub fn b_fe(&self) -> Fe {
        self.fe(&self.b)
    }
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

/// sm2p256v1, OID 1.2.156.10197.1.301.
pub(crate) static SM2P256V1: Curve = Curve {
    p: Modulus::new(&SM2_P),
    n: Modulus::new(&SM2_N),
    a: hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"),
    b: hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"),
    gx: hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"),
    gy: hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"),
    w: 127,
};

/// The Fp-256 example curve of GB/T 32918.2-2016 Annex A (not for use).
#[cfg(test)]
pub(crate) static SM2_TEST: Curve = Curve {
    p: Modulus::new(&hex32(
        "8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3",
    )),
    n: Modulus::new(&hex32(
        "8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7",
    )),
    a: hex32("787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498"),
    b: hex32("63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A"),
    gx: hex32("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"),
    gy: hex32("0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2"),
    w: 127,
};
