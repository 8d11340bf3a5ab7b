//! The SM4 S-box as a bitsliced Boolean circuit: no table, no secret-indexed
//! memory access, constant time.
//!
//! The SM4 S-box is affine-equivalent to inversion in GF(2^8): with `A` the
//! circulant matrix of `0xA7` (bit `j` of `A * x` is the parity of
//! `x & 0xA7.rotate_left(j)`), `S(x) = A * inv(A * x + 0xD3) + 0xD3` in the
//! field GF(2)[t]/(t^8 + t^7 + t^6 + t^5 + t^4 + t^2 + 1). Mapping that field
//! onto the AES field GF(2)[t]/(t^8 + t^4 + t^3 + t + 1) by the isomorphism
//! `t -> 0x23` turns the inversion into the AES one, which the 113-gate
//! Boyar-Peralta-Calik circuit computes (here without its final affine
//! constant, i.e. `L * inv(y)` with `L` the AES affine matrix). Folding the
//! field isomorphism, `A`, `L^-1` and the constants into one input and one
//! output affine map gives
//!
//! `S(x) = OUT * BPC(IN * x + 0x3e) + 0xd3`
//!
//! where `IN` and `OUT` are the XOR networks at the top and bottom of
//! [`sbox_planes`]. `sbox_maps.py` (beside this file) derives them from the
//! circuit and the S-box table in this file and prints them; the tests check
//! the whole circuit against the table on all 256 inputs.
//!
//! Values are processed as bit planes: bit `i` of each of up to 32 S-box
//! inputs sits in the same position of plane `i`, so one call evaluates 32
//! S-boxes in parallel. [`tau`] applies SM4's non-linear transform (four
//! S-boxes on the bytes of a word) to up to eight words at once.

/// The bitsliced S-box on eight bit planes (`x[i]` holds bit `i`).
#[inline(always)]
fn sbox_planes(x: [u32; 8]) -> [u32; 8] {
    // Input map: u(7-j) = bit j of (IN * x + 0x3e).
    let u7 = x[2] ^ x[3] ^ x[6];
    let u6 = !(x[3] ^ x[5]);
    let u5 = !(x[0] ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[6]);
    let u4 = !(x[0] ^ x[3] ^ x[4] ^ x[5] ^ x[7]);
    let u3 = !(x[1] ^ x[3] ^ x[4]);
    let u2 = !(x[1] ^ x[5]);
    let u1 = x[4] ^ x[6];
    let u0 = x[0] ^ x[2] ^ x[3] ^ x[4] ^ x[6];
    // Boyar-Peralta-Calik AES S-box circuit without its output NOTs (113 gates).
    let y14 = u3 ^ u5;
    let y13 = u0 ^ u6;
    let y12 = y13 ^ y14;
    let t1 = u4 ^ y12;
    let y15 = t1 ^ u5;
    let t2 = y12 & y15;
    let y6 = y15 ^ u7;
    let y20 = t1 ^ u1;
    let y9 = u0 ^ u3;
    let y11 = y20 ^ y9;
    let t12 = y9 & y11;
    let y7 = u7 ^ y11;
    let y8 = u0 ^ u5;
    let t0 = u1 ^ u2;
    let y10 = y15 ^ t0;
    let y17 = y10 ^ y11;
    let t13 = y14 & y17;
    let t14 = t13 ^ t12;
    let y19 = y10 ^ y8;
    let t15 = y8 & y10;
    let t16 = t15 ^ t12;
    let y16 = t0 ^ y11;
    let y21 = y13 ^ y16;
    let t7 = y13 & y16;
    let y18 = u0 ^ y16;
    let y1 = t0 ^ u7;
    let y4 = y1 ^ u3;
    let t5 = y4 & u7;
    let t6 = t5 ^ t2;
    let t18 = t6 ^ t16;
    let t22 = t18 ^ y19;
    let y2 = y1 ^ u0;
    let t10 = y2 & y7;
    let t11 = t10 ^ t7;
    let t20 = t11 ^ t16;
    let t24 = t20 ^ y18;
    let y5 = y1 ^ u6;
    let t8 = y5 & y1;
    let t9 = t8 ^ t7;
    let t19 = t9 ^ t14;
    let t23 = t19 ^ y21;
    let y3 = y5 ^ y8;
    let t3 = y3 & y6;
    let t4 = t3 ^ t2;
    let t17 = t4 ^ y20;
    let t21 = t17 ^ t14;
    let t26 = t21 & t23;
    let t27 = t24 ^ t26;
    let t31 = t22 ^ t26;
    let t25 = t21 ^ t22;
    let t28 = t25 & t27;
    let t29 = t28 ^ t22;
    let z14 = t29 & y2;
    let z5 = t29 & y7;
    let t30 = t23 ^ t24;
    let t32 = t31 & t30;
    let t33 = t32 ^ t24;
    let t35 = t27 ^ t33;
    let t36 = t24 & t35;
    let t38 = t27 ^ t36;
    let t39 = t29 & t38;
    let t40 = t25 ^ t39;
    let t43 = t29 ^ t40;
    let z3 = t43 & y16;
    let tc12 = z3 ^ z5;
    let z12 = t43 & y13;
    let z13 = t40 & y5;
    let z4 = t40 & y1;
    let tc6 = z3 ^ z4;
    let t34 = t23 ^ t33;
    let t37 = t36 ^ t34;
    let t41 = t40 ^ t37;
    let z8 = t41 & y10;
    let z17 = t41 & y8;
    let t44 = t33 ^ t37;
    let z0 = t44 & y15;
    let z9 = t44 & y12;
    let z10 = t37 & y3;
    let z1 = t37 & y6;
    let tc5 = z1 ^ z0;
    let tc11 = tc6 ^ tc5;
    let z11 = t33 & y4;
    let t42 = t29 ^ t33;
    let t45 = t42 ^ t41;
    let z7 = t45 & y17;
    let tc8 = z7 ^ tc6;
    let z16 = t45 & y14;
    let z6 = t42 & y11;
    let tc16 = z6 ^ tc8;
    let z15 = t42 & y9;
    let tc20 = z15 ^ tc16;
    let tc1 = z15 ^ z16;
    let tc2 = z10 ^ tc1;
    let tc21 = tc2 ^ z11;
    let tc3 = z9 ^ tc2;
    let s0 = tc3 ^ tc16;
    let s3 = tc3 ^ tc11;
    let s1 = s3 ^ tc16;
    let tc13 = z13 ^ tc1;
    let z2 = t33 & u7;
    let tc4 = z0 ^ z2;
    let tc7 = z12 ^ tc4;
    let tc9 = z8 ^ tc7;
    let tc10 = tc8 ^ tc9;
    let tc17 = z14 ^ tc10;
    let s5 = tc21 ^ tc17;
    let tc26 = tc17 ^ tc20;
    let s2 = tc26 ^ z17;
    let tc14 = tc4 ^ tc12;
    let tc18 = tc13 ^ tc14;
    let s6 = tc10 ^ tc18;
    let s7 = z12 ^ tc18;
    let s4 = tc14 ^ s3;
    // Output map: bit j of (OUT * s + 0xd3), s(7-i) being bit i.
    [
        !(s4 ^ s1),
        !(s6 ^ s5 ^ s4),
        s5 ^ s4 ^ s1,
        s7 ^ s6 ^ s5 ^ s1,
        !(s7 ^ s5 ^ s2 ^ s1),
        s7 ^ s5 ^ s4 ^ s3,
        !(s6 ^ s4 ^ s3 ^ s2 ^ s0),
        !(s7 ^ s6 ^ s3 ^ s1 ^ s0),
    ]
}

/// Bit 0 of every byte of a word.
const LOW_BITS: u32 = 0x0101_0101;

/// SM4's `tau`: the S-box on each byte of each word of `words`, in place.
///
/// Word `k` occupies bit `k` of each byte of the planes, so `N` is at most 8.
#[inline(always)]
pub(super) fn tau<const N: usize>(words: &mut [u32; N]) {
    const { assert!(N <= 8, "at most eight words fit the planes") };
    let mut planes = [0u32; 8];
    for (i, plane) in planes.iter_mut().enumerate() {
        for (k, w) in words.iter().enumerate() {
            *plane |= ((w >> i) & LOW_BITS) << k;
        }
    }
    let planes = sbox_planes(planes);
    for (k, w) in words.iter_mut().enumerate() {
        *w = 0;
        for (i, plane) in planes.iter().enumerate() {
            *w |= ((plane >> k) & LOW_BITS) << i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tau;

    /// The S-box table of GB/T 32907-2016, section 6.2 (test-only: the cipher
    /// itself never indexes a table).
    const SBOX: [u8; 256] = [
        0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c,
        0x05, 0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86,
        0x06, 0x99, 0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed,
        0xcf, 0xac, 0x62, 0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa,
        0x75, 0x8f, 0x3f, 0xa6, 0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c,
        0x19, 0xe6, 0x85, 0x4f, 0xa8, 0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb,
        0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35, 0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25,
        0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87, 0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52,
        0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e, 0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38,
        0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1, 0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34,
        0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3, 0x1d, 0xf6, 0xe2, 0x2e, 0x82,
        0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f, 0xd5, 0xdb, 0x37, 0x45,
        0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51, 0x8d, 0x1b, 0xaf,
        0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8, 0x0a, 0xc1,
        0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0, 0x89,
        0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
        0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39,
        0x48,
    ];

    #[test]
    fn circuit_equals_table_on_all_inputs() {
        for x in 0..=255u8 {
            let mut one = [u32::from_be_bytes([x, 0, x, 0])];
            tau(&mut one);
            let s = SBOX[usize::from(x)];
            assert_eq!(
                one[0],
                u32::from_be_bytes([s, SBOX[0], s, SBOX[0]]),
                "x = {x:#04x}"
            );
        }
    }

    #[test]
    fn eight_lanes_are_independent() {
        let mut words = [0u32; 8];
        for (k, w) in words.iter_mut().enumerate() {
            *w = u32::from_be_bytes([k as u8, 0x40 + k as u8, 0x80 + k as u8, 0xf8 + k as u8]);
        }
        let before = words;
        tau(&mut words);
        for (w, b) in words.iter().zip(before) {
            let want = b.to_be_bytes().map(|x| SBOX[usize::from(x)]);
            assert_eq!(w.to_be_bytes(), want);
        }
    }
}
