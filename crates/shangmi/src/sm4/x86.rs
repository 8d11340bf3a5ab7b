//! SM4 on x86-64 with AES-NI: four blocks per pass, constant time.
//!
//! The SM4 S-box is affine-equivalent to the AES S-box:
//! `S_sm4(x) = OUT(S_aes(IN(x)))` with `IN` and `OUT` affine maps over
//! GF(2)^8. Both maps are applied to sixteen bytes at once with two
//! 16-entry nibble tables and `pshufb` (register lookups, no memory indexed
//! by data), and `aesenclast` with a zero round key applies `S_aes` to
//! every byte (after an inverse ShiftRows shuffle cancels its ShiftRows).
//! The tables were derived by a script from the two S-boxes and checked on
//! all 256 inputs; the unit tests check this kernel against the portable
//! one. Four blocks are transposed so that each register holds one word of
//! each block.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

/// Blocks per pass.
pub(crate) const LANES: usize = 4;

cpufeatures::new!(aes_ssse3, "aes", "ssse3", "sse2");

/// Whether this CPU has the instructions (detected once).
pub(crate) fn available() -> bool {
    !cfg!(feature = "force-portable") && aes_ssse3::get()
}

/// `IN`: low and high nibble tables (the constant folded into the low one).
const IN_LO: [u8; 16] = hex16("3eb20e82bb378b07a12d911d24a81498");
const IN_HI: [u8; 16] = hex16("00dc2ef2c519eb3708d426facd11e33f");
/// `OUT`: low and high nibble tables.
const OUT_LO: [u8; 16] = hex16("6cd4a61e52ea98200bb3c179358dff47");
const OUT_HI: [u8; 16] = hex16("00e050b09d7dcd2dc02090705dbd0ded");
/// Inverse ShiftRows: `m[4c + r] = 4((c - r) mod 4) + r`.
const INV_SHIFT_ROWS: [u8; 16] = [0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3];
/// Byte swap within each 32-bit lane (big-endian words).
const BSWAP32: [u8; 16] = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

const fn hex16(s: &str) -> [u8; 16] {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nib(c: u8) -> u8 {
    if c <= b'9' { c - b'0' } else { c - b'a' + 10 }
}

#[inline(always)]
unsafe fn load(t: &[u8; 16]) -> __m128i {
    // SAFETY: `t` is 16 readable bytes; unaligned load.
    unsafe { _mm_loadu_si128(t.as_ptr().cast()) }
}

/// Applies an affine map given by nibble tables to every byte.
#[inline(always)]
unsafe fn affine(x: __m128i, lo: __m128i, hi: __m128i, mask: __m128i) -> __m128i {
    // SAFETY: SSSE3/SSE2 register operations, enabled by the caller.
    unsafe {
        let l = _mm_and_si128(x, mask);
        let h = _mm_and_si128(_mm_srli_epi16(x, 4), mask);
        _mm_xor_si128(_mm_shuffle_epi8(lo, l), _mm_shuffle_epi8(hi, h))
    }
}

#[inline(always)]
unsafe fn rotl(x: __m128i, n: i32) -> __m128i {
    // SAFETY: SSE2 shifts of 32-bit lanes.
    unsafe {
        match n {
            2 => _mm_or_si128(_mm_slli_epi32(x, 2), _mm_srli_epi32(x, 30)),
            10 => _mm_or_si128(_mm_slli_epi32(x, 10), _mm_srli_epi32(x, 22)),
            18 => _mm_or_si128(_mm_slli_epi32(x, 18), _mm_srli_epi32(x, 14)),
            _ => _mm_or_si128(_mm_slli_epi32(x, 24), _mm_srli_epi32(x, 8)),
        }
    }
}

/// Encrypts (or, with the round keys reversed, decrypts) four blocks.
///
/// # Safety
/// The CPU must support AES-NI, SSSE3 and SSE2 ([`available`]).
#[target_feature(enable = "aes,ssse3,sse2")]
pub(crate) unsafe fn crypt4(rk: &[u32; 32], decrypt: bool, blocks: &mut [[u8; 16]; LANES]) {
    // SAFETY: the target features are enabled on this function; every load
    // and store reads or writes a whole [u8; 16] that the caller owns.
    unsafe {
        let bswap = load(&BSWAP32);
        let mask = _mm_set1_epi8(0x0f);
        let (in_lo, in_hi) = (load(&IN_LO), load(&IN_HI));
        let (out_lo, out_hi) = (load(&OUT_LO), load(&OUT_HI));
        let isr = load(&INV_SHIFT_ROWS);
        let zero = _mm_setzero_si128();

        // Load and byte-swap: b[k] holds the four words of block k.
        let b0 = _mm_shuffle_epi8(load(&blocks[0]), bswap);
        let b1 = _mm_shuffle_epi8(load(&blocks[1]), bswap);
        let b2 = _mm_shuffle_epi8(load(&blocks[2]), bswap);
        let b3 = _mm_shuffle_epi8(load(&blocks[3]), bswap);
        // Transpose: x[i] holds word i of every block.
        let t0 = _mm_unpacklo_epi32(b0, b1);
        let t1 = _mm_unpackhi_epi32(b0, b1);
        let t2 = _mm_unpacklo_epi32(b2, b3);
        let t3 = _mm_unpackhi_epi32(b2, b3);
        let mut x = [
            _mm_unpacklo_epi64(t0, t2),
            _mm_unpackhi_epi64(t0, t2),
            _mm_unpacklo_epi64(t1, t3),
            _mm_unpackhi_epi64(t1, t3),
        ];
        for round in 0..32 {
            let k = if decrypt { rk[31 - round] } else { rk[round] };
            let mut t = _mm_xor_si128(
                _mm_xor_si128(x[1], x[2]),
                _mm_xor_si128(x[3], _mm_set1_epi32(k as i32)),
            );
            // S-box on all sixteen bytes.
            t = affine(t, in_lo, in_hi, mask);
            t = _mm_aesenclast_si128(_mm_shuffle_epi8(t, isr), zero);
            t = affine(t, out_lo, out_hi, mask);
            // L.
            let l = _mm_xor_si128(
                _mm_xor_si128(t, rotl(t, 2)),
                _mm_xor_si128(rotl(t, 10), _mm_xor_si128(rotl(t, 18), rotl(t, 24))),
            );
            x = [x[1], x[2], x[3], _mm_xor_si128(x[0], l)];
        }
        // Output words in reverse order: block k = (x3, x2, x1, x0)[k].
        let t0 = _mm_unpacklo_epi32(x[3], x[2]);
        let t1 = _mm_unpackhi_epi32(x[3], x[2]);
        let t2 = _mm_unpacklo_epi32(x[1], x[0]);
        let t3 = _mm_unpackhi_epi32(x[1], x[0]);
        let outs = [
            _mm_unpacklo_epi64(t0, t2),
            _mm_unpackhi_epi64(t0, t2),
            _mm_unpacklo_epi64(t1, t3),
            _mm_unpackhi_epi64(t1, t3),
        ];
        for (block, o) in blocks.iter_mut().zip(outs) {
            _mm_storeu_si128(block.as_mut_ptr().cast(), _mm_shuffle_epi8(o, bswap));
        }
    }
}

/// Blocks per pass of the AVX2 + VAES kernel.
pub(crate) const WIDE_LANES: usize = 8;

cpufeatures::new!(vaes_avx2, "avx2", "vaes", "aes");

/// Whether this CPU has AVX2 and VAES (detected once).
pub(crate) fn wide_available() -> bool {
    !cfg!(feature = "force-portable") && vaes_avx2::get()
}

#[inline(always)]
unsafe fn load2(t: &[u8; 16]) -> __m256i {
    // SAFETY: `t` is 16 readable bytes; broadcast to both 128-bit lanes.
    unsafe { _mm256_broadcastsi128_si256(load(t)) }
}

#[inline(always)]
unsafe fn affine2(x: __m256i, lo: __m256i, hi: __m256i, mask: __m256i) -> __m256i {
    // SAFETY: AVX2 register operations, enabled by the caller.
    unsafe {
        let l = _mm256_and_si256(x, mask);
        let h = _mm256_and_si256(_mm256_srli_epi16(x, 4), mask);
        _mm256_xor_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h))
    }
}

#[inline(always)]
unsafe fn rotl2<const L: i32, const R: i32>(x: __m256i) -> __m256i {
    // SAFETY: AVX2 shifts of 32-bit lanes.
    unsafe { _mm256_or_si256(_mm256_slli_epi32(x, L), _mm256_srli_epi32(x, R)) }
}

/// Eight blocks at once: each 128-bit half of a register carries the
/// four-block layout of [`crypt4`] (blocks 0-3 low, 4-7 high).
///
/// # Safety
/// The CPU must support AVX2, VAES and AES-NI ([`wide_available`]).
#[target_feature(enable = "avx2,vaes,aes,ssse3,sse2")]
pub(crate) unsafe fn crypt8(rk: &[u32; 32], decrypt: bool, blocks: &mut [[u8; 16]; WIDE_LANES]) {
    // SAFETY: the target features are enabled on this function; every load
    // and store touches a whole [u8; 16] that the caller owns.
    unsafe {
        let bswap = load2(&BSWAP32);
        let mask = _mm256_set1_epi8(0x0f);
        let (in_lo, in_hi) = (load2(&IN_LO), load2(&IN_HI));
        let (out_lo, out_hi) = (load2(&OUT_LO), load2(&OUT_HI));
        let isr = load2(&INV_SHIFT_ROWS);
        let zero = _mm256_setzero_si256();
        let pair = |k: usize| {
            _mm256_shuffle_epi8(
                _mm256_set_m128i(load(&blocks[k + 4]), load(&blocks[k])),
                bswap,
            )
        };
        let (b0, b1, b2, b3) = (pair(0), pair(1), pair(2), pair(3));
        let t0 = _mm256_unpacklo_epi32(b0, b1);
        let t1 = _mm256_unpackhi_epi32(b0, b1);
        let t2 = _mm256_unpacklo_epi32(b2, b3);
        let t3 = _mm256_unpackhi_epi32(b2, b3);
        let mut x = [
            _mm256_unpacklo_epi64(t0, t2),
            _mm256_unpackhi_epi64(t0, t2),
            _mm256_unpacklo_epi64(t1, t3),
            _mm256_unpackhi_epi64(t1, t3),
        ];
        for round in 0..32 {
            let k = if decrypt { rk[31 - round] } else { rk[round] };
            let mut t = _mm256_xor_si256(
                _mm256_xor_si256(x[1], x[2]),
                _mm256_xor_si256(x[3], _mm256_set1_epi32(k as i32)),
            );
            t = affine2(t, in_lo, in_hi, mask);
            t = _mm256_aesenclast_epi128(_mm256_shuffle_epi8(t, isr), zero);
            t = affine2(t, out_lo, out_hi, mask);
            let l = _mm256_xor_si256(
                _mm256_xor_si256(t, rotl2::<2, 30>(t)),
                _mm256_xor_si256(
                    rotl2::<10, 22>(t),
                    _mm256_xor_si256(rotl2::<18, 14>(t), rotl2::<24, 8>(t)),
                ),
            );
            x = [x[1], x[2], x[3], _mm256_xor_si256(x[0], l)];
        }
        let t0 = _mm256_unpacklo_epi32(x[3], x[2]);
        let t1 = _mm256_unpackhi_epi32(x[3], x[2]);
        let t2 = _mm256_unpacklo_epi32(x[1], x[0]);
        let t3 = _mm256_unpackhi_epi32(x[1], x[0]);
        let outs = [
            _mm256_unpacklo_epi64(t0, t2),
            _mm256_unpackhi_epi64(t0, t2),
            _mm256_unpacklo_epi64(t1, t3),
            _mm256_unpackhi_epi64(t1, t3),
        ];
        for (k, o) in outs.into_iter().enumerate() {
            let o = _mm256_shuffle_epi8(o, bswap);
            _mm_storeu_si128(blocks[k].as_mut_ptr().cast(), _mm256_castsi256_si128(o));
            _mm_storeu_si128(
                blocks[k + 4].as_mut_ptr().cast(),
                _mm256_extracti128_si256(o, 1),
            );
        }
    }
}
