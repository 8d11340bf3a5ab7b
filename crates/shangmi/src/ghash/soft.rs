//! The portable GHASH kernel: constant time, no table.
//!
//! A 64 x 64-bit carry-less product is built from ordinary integer
//! multiplications with holes, the method of BearSSL's `ghash_ctmul64`
//! (written anew here, for 64-bit products into 128 bits): split each
//! operand into five interleaved bit classes (`x & 0x..84210842108421 << k`),
//! so that in the integer product of two classes every bit position
//! receives at most 13 partial products. The count fits in four bits below
//! the next bit of the same class, so carries land only in bits of other
//! classes, and masking the product to its class leaves the carry-less
//! (XOR) sum. Twenty-five multiplications make one 64-bit carry-less
//! product, three of those (Karatsuba) one 128-bit product, and the
//! reduction is shifts. Integer multiplication takes constant time on the
//! CPUs this crate targets, and no address or branch depends on data.

/// The five bit classes of a 64-bit word: bits `i` with `i % 5 == k`.
const M64: [u64; 5] = classes64();
/// The same classes over 128 bits.
const M128: [u128; 5] = classes128();

const fn classes64() -> [u64; 5] {
    let mut m = [0u64; 5];
    let mut i = 0;
    while i < 64 {
        m[i % 5] |= 1 << i;
        i += 1;
    }
    m
}

const fn classes128() -> [u128; 5] {
    let mut m = [0u128; 5];
    let mut i = 0;
    while i < 128 {
        m[i % 5] |= 1 << i;
        i += 1;
    }
    m
}

/// The carry-less product of two 64-bit polynomials.
#[inline(always)]
pub(super) fn clmul64(x: u64, y: u64) -> u128 {
    let xs = M64.map(|m| u128::from(x & m));
    let ys = M64.map(|m| u128::from(y & m));
    let mut z = [0u128; 5];
    for (i, xi) in xs.iter().enumerate() {
        for (j, yj) in ys.iter().enumerate() {
            z[(i + j) % 5] ^= xi * yj;
        }
    }
    let mut r = 0;
    for (zk, m) in z.iter().zip(M128) {
        r |= zk & m;
    }
    r
}

/// POLYVAL's product `a * b * x^-128` modulo
/// `x^128 + x^127 + x^126 + x^121 + 1`.
#[inline(always)]
pub(super) fn mul(a: u128, b: u128) -> u128 {
    let (a0, a1) = (a as u64, (a >> 64) as u64);
    let (b0, b1) = (b as u64, (b >> 64) as u64);
    let lo = clmul64(a0, b0);
    let hi = clmul64(a1, b1);
    let mid = clmul64(a0 ^ a1, b0 ^ b1) ^ lo ^ hi;
    reduce(lo ^ (mid << 64), hi ^ (mid >> 64))
}

/// `(hi * x^128 + lo) * x^-128` modulo the POLYVAL polynomial: two
/// Montgomery steps of 64 bits. `P = 1 (mod x^64)`, so each step adds the
/// low word `d` times `P`: `d * x^128`, `d * (x^127 + x^126 + x^121)`
/// (that is `(d * C) << 64` with `C = x^63 + x^62 + x^57`), and `d`, which
/// clears the word.
#[inline(always)]
pub(super) fn reduce(lo: u128, hi: u128) -> u128 {
    let [d0, d1] = [lo as u64, (lo >> 64) as u64];
    let [d2, d3] = [hi as u64, (hi >> 64) as u64];
    // d * C as (low, high) words: shifts by 63, 62 and 57.
    let times_c = |d: u64| -> (u64, u64) {
        (
            (d << 63) ^ (d << 62) ^ (d << 57),
            (d >> 1) ^ (d >> 2) ^ (d >> 7),
        )
    };
    let (t0, t1) = times_c(d0);
    let d1 = d1 ^ t0;
    let d2 = d2 ^ t1 ^ d0;
    let (u0, u1) = times_c(d1);
    let d2 = d2 ^ u0;
    let d3 = d3 ^ u1 ^ d1;
    (u128::from(d3) << 64) | u128::from(d2)
}

/// Absorbs the GHASH blocks `blocks` into the POLYVAL-domain accumulator
/// `acc` with the POLYVAL-domain key `h` (see the module docs of `ghash`).
pub(super) fn update(h: u128, acc: &mut u128, blocks: &[[u8; 16]]) {
    let mut y = *acc;
    for b in blocks {
        y = mul(y ^ u128::from_be_bytes(*b), h);
    }
    *acc = y;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-by-bit carry-less product, the definition.
    fn clmul_slow(x: u64, y: u64) -> u128 {
        (0..64)
            .filter(|i| (y >> i) & 1 == 1)
            .fold(0, |acc, i| acc ^ (u128::from(x) << i))
    }

    #[test]
    fn clmul64_is_carry_less() {
        let edge = [
            0,
            1,
            2,
            3,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            0x8421_0842_1084_2108,
        ];
        let words = crate::testvec::test_bytes(7, 8 * 200);
        let mut xs: std::vec::Vec<u64> = words
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        xs.extend(edge);
        for &x in &xs {
            for &y in xs.iter().rev().take(40) {
                assert_eq!(clmul64(x, y), clmul_slow(x, y), "{x:#x} {y:#x}");
            }
        }
    }
}
