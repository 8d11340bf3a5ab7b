//! The portable SM3 compression function (GB/T 32905-2016 section 5.3).
//!
//! Data-independent: only additions, rotations and Boolean functions on the
//! message words, so hashing secrets is constant time.

/// The initial value IV.
pub(crate) const IV: [u32; 8] = [
    0x7380_166f,
    0x4914_b2b9,
    0x1724_42d7,
    0xda8a_0600,
    0xa96f_30bc,
    0x1631_38aa,
    0xe38d_ee4d,
    0xb0fb_0e4e,
];

/// T_j rotated left by j (mod 32), precomputed for each round.
const T: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut j = 0;
    while j < 64 {
        let tj: u32 = if j < 16 { 0x79cc_4519 } else { 0x7a87_9d8a };
        t[j] = tj.rotate_left((j % 32) as u32);
        j += 1;
    }
    t
};

#[inline(always)]
fn p0(x: u32) -> u32 {
    x ^ x.rotate_left(9) ^ x.rotate_left(17)
}

#[inline(always)]
fn p1(x: u32) -> u32 {
    x ^ x.rotate_left(15) ^ x.rotate_left(23)
}

/// Compresses each 64-byte block of `blocks` into `v`.
pub(crate) fn compress(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    for block in blocks {
        compress_block(v, block);
    }
}

#[inline(always)]
fn compress_block(v: &mut [u32; 8], block: &[u8; 64]) {
    // Message expansion: W_0..W_67; W'_j = W_j ^ W_{j+4} is formed on the fly.
    let mut w = [0u32; 68];
    for (wi, c) in w.iter_mut().zip(block.chunks_exact(4)) {
        *wi = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    for j in 16..68 {
        w[j] = p1(w[j - 16] ^ w[j - 9] ^ w[j - 3].rotate_left(15))
            ^ w[j - 13].rotate_left(7)
            ^ w[j - 6];
    }

    let mut s = *v;
    // Rounds 0..16 use XOR for FF and GG, rounds 16..64 majority and choice;
    // two loops instead of a test in each round.
    for j in 0..16 {
        round(&mut s, j, &w, |a, b, c| a ^ b ^ c, |e, f, g| e ^ f ^ g);
    }
    for j in 16..64 {
        round(
            &mut s,
            j,
            &w,
            |a, b, c| (a & b) | (a & c) | (b & c),
            |e, f, g| (e & f) | (!e & g),
        );
    }
    for (vi, x) in v.iter_mut().zip(s) {
        *vi ^= x;
    }
}

/// One round of the compression function on the state `s` = A..H.
#[inline(always)]
fn round(
    s: &mut [u32; 8],
    j: usize,
    w: &[u32; 68],
    ff: impl Fn(u32, u32, u32) -> u32,
    gg: impl Fn(u32, u32, u32) -> u32,
) {
    let [a, b, c, d, e, f, g, h] = *s;
    let a12 = a.rotate_left(12);
    let ss1 = a12.wrapping_add(e).wrapping_add(T[j]).rotate_left(7);
    let ss2 = ss1 ^ a12;
    let tt1 = ff(a, b, c)
        .wrapping_add(d)
        .wrapping_add(ss2)
        .wrapping_add(w[j] ^ w[j + 4]);
    let tt2 = gg(e, f, g)
        .wrapping_add(h)
        .wrapping_add(ss1)
        .wrapping_add(w[j]);
    *s = [
        tt1,
        a,
        b.rotate_left(9),
        c,
        p0(tt2),
        e,
        f.rotate_left(19),
        g,
    ];
}
