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
pub(super) const T: [u32; 64] = {
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

/// Compresses each 64-byte block of `blocks` into `v`, with the kernel this
/// CPU supports (chosen once, at run time).
pub(crate) fn compress(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = super::x86::kernel() {
        return super::x86::compress_with(k, v, blocks);
    }
    #[cfg(target_arch = "aarch64")]
    if super::aarch64::available() {
        return super::aarch64::compress(v, blocks);
    }
    compress_portable(v, blocks);
}

/// The portable kernel, whatever the CPU (the tests compare every kernel
/// with it on the same inputs).
pub(crate) fn compress_portable(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
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

    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *v;
    // Four rounds per step; the variables trade places instead of moving
    // (round r + 1 sees (D, A, B, C, H, E, F, G) of round r).
    macro_rules! four {
        ($j:expr, $ff:expr, $gg:expr) => {
            round(
                &mut a, &mut b, &mut c, &mut d, &mut e, &mut f, &mut g, &mut h, $j, &w, $ff, $gg,
            );
            round(
                &mut d,
                &mut a,
                &mut b,
                &mut c,
                &mut h,
                &mut e,
                &mut f,
                &mut g,
                $j + 1,
                &w,
                $ff,
                $gg,
            );
            round(
                &mut c,
                &mut d,
                &mut a,
                &mut b,
                &mut g,
                &mut h,
                &mut e,
                &mut f,
                $j + 2,
                &w,
                $ff,
                $gg,
            );
            round(
                &mut b,
                &mut c,
                &mut d,
                &mut a,
                &mut f,
                &mut g,
                &mut h,
                &mut e,
                $j + 3,
                &w,
                $ff,
                $gg,
            );
        };
    }
    // Rounds 0..16 use XOR for FF and GG, rounds 16..64 majority and choice.
    for j in (0..16).step_by(4) {
        four!(j, ff0, gg0);
    }
    for j in (16..64).step_by(4) {
        four!(j, ff1, gg1);
    }
    for (vi, x) in v.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *vi ^= x;
    }
}

#[inline(always)]
fn ff0(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

#[inline(always)]
fn ff1(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (x & z) | (y & z)
}

#[inline(always)]
fn gg0(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

#[inline(always)]
fn gg1(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (!x & z)
}

/// One round: updates B, D, F and H in place (D becomes the new A, H the new
/// E; B and F are rotated into the new C and G).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn round(
    a: &mut u32,
    b: &mut u32,
    c: &mut u32,
    d: &mut u32,
    e: &mut u32,
    f: &mut u32,
    g: &mut u32,
    h: &mut u32,
    j: usize,
    w: &[u32; 68],
    ff: fn(u32, u32, u32) -> u32,
    gg: fn(u32, u32, u32) -> u32,
) {
    let a12 = a.rotate_left(12);
    let ss1 = a12.wrapping_add(*e).wrapping_add(T[j]).rotate_left(7);
    let ss2 = ss1 ^ a12;
    let tt1 = ff(*a, *b, *c)
        .wrapping_add(*d)
        .wrapping_add(ss2)
        .wrapping_add(w[j] ^ w[j + 4]);
    let tt2 = gg(*e, *f, *g)
        .wrapping_add(*h)
        .wrapping_add(ss1)
        .wrapping_add(w[j]);
    *b = b.rotate_left(9);
    *f = f.rotate_left(19);
    *d = tt1;
    *h = p0(tt2);
}
