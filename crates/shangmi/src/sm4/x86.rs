//! SM4 on x86-64: AES-NI (4 and 8 blocks per pass), AVX2 + VAES (8 and
//! 16) and AVX-512 + GFNI (16 and 32), constant time.
//!
//! The SM4 S-box is affine-equivalent to the AES S-box:
//! `S_sm4(x) = OUT(S_aes(IN(x)))` with `IN` and `OUT` affine maps over
//! GF(2)^8. Both maps are applied to sixteen bytes at once with two
//! 16-entry nibble tables and `pshufb` (register lookups, no memory indexed
//! by data), and `aesenclast` with a zero round key applies `S_aes` to
//! every byte, followed by ShiftRows. ShiftRows is undone inside the
//! shuffles that the linear transform `L` needs anyway: `L(s) = s ^
//! rotl(s ^ rotl8(s) ^ rotl16(s), 2) ^ rotl24(s)`, and `s`, `rotl8(s)`,
//! `rotl16(s)`, `rotl24(s)` are four byte shuffles of the shifted output.
//!
//! With GFNI the S-box is two instructions: `gf2p8affineqb` applies the
//! input map (into the AES field) and `gf2p8affineinvqb` inverts in the AES
//! field and applies the output map; AVX-512 adds three-way XOR
//! (`vpternlogd`) and 32-bit rotations (`vprold`).
//!
//! `sbox_maps.py` derives the nibble tables and the GFNI matrices from the
//! two S-boxes and checks them on all 256 inputs; the unit tests check every
//! kernel against the portable one. Four blocks are transposed so that each
//! 128-bit lane holds one word of each of four blocks; wider registers carry
//! four such lanes side by side, and two independent register sets are
//! interleaved per pass to hide instruction latency.
#![allow(unsafe_code)]

use core::arch::x86_64::*;
use zeroize::Zeroize;

/// One block, as the kernels see it.
type Block = [u8; 16];

cpufeatures::new!(aes_ssse3, "aes", "ssse3", "sse2");
cpufeatures::new!(avx512_gfni, "avx512f", "avx512bw", "avx512vl", "gfni");

/// Whether this CPU has AES-NI and SSSE3 (detected once), and the
/// portable kernels are not forced.
pub(crate) fn aesni_available() -> bool {
    !cfg!(feature = "force-portable") && aes_ssse3::get()
}

/// Whether this CPU also has AVX2 and VAES.
pub(crate) fn vaes_available() -> bool {
    aesni_available() && crate::cpu::avx2_vaes()
}

/// Whether this CPU has AVX-512 (F, BW, VL; VL for the one-block path in
/// xmm registers) and GFNI (and AES-NI, used for
/// single blocks).
pub(crate) fn gfni_available() -> bool {
    aesni_available() && avx512_gfni::get()
}

use super::tables::{IN_HI, IN_LO, INV_SHIFT_ROWS, ISR_ROL8, ISR_ROL16, ISR_ROL24, OUT_HI, OUT_LO};

/// Byte swap within each 32-bit lane (big-endian words).
const BSWAP32: [u8; 16] = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];
/// GFNI: `S(x) = M2 * inv(M1 * x + B1) + B2` (see `sbox_maps.py`).
const GFNI_M1: i64 = 0x4c28_7db9_1a22_505d;
const GFNI_B1: i32 = 0x3e;
const GFNI_M2: i64 = 0xf3ab_34a9_74a6_b589_u64 as i64;
const GFNI_B2: i32 = 0xd3;
/// The in-lane 4x4 transpose of 32-bit words: lane `j` of register `k` in,
/// word `k` of lane `j` out (its own inverse). Works on every width.
macro_rules! transpose {
    ($lo32:ident, $hi32:ident, $lo64:ident, $hi64:ident, $a:expr, $b:expr, $c:expr, $d:expr) => {{
        let t0 = $lo32($a, $b);
        let t1 = $hi32($a, $b);
        let t2 = $lo32($c, $d);
        let t3 = $hi32($c, $d);
        [$lo64(t0, t2), $hi64(t0, t2), $lo64(t1, t3), $hi64(t1, t3)]
    }};
}

/// The round key for `round`, either way.
#[inline(always)]
fn round_key(rk: &[u32; 32], decrypt: bool, round: usize) -> i32 {
    (if decrypt { rk[31 - round] } else { rk[round] }) as i32
}

/// The 32 rounds on `S` register sets, four rounds per loop turn (so the
/// words never move): `x_i ^= T(x_{i+1} ^ x_{i+2} ^ x_{i+3} ^ rk)`.
macro_rules! rounds {
    ($x:ident, $rk:expr, $decrypt:expr, $splat:ident, $xor:ident, $t:expr) => {
        for r in (0..32).step_by(4) {
            for i in 0..4 {
                let k = $splat(round_key($rk, $decrypt, r + i));
                for set in $x.iter_mut() {
                    let t = $xor(
                        $xor(set[(i + 1) % 4], set[(i + 2) % 4]),
                        $xor(set[(i + 3) % 4], k),
                    );
                    set[i] = $xor(set[i], $t(t));
                }
            }
        }
    };
}

#[inline(always)]
unsafe fn load(t: &[u8; 16]) -> __m128i {
    // SAFETY: `t` is 16 readable bytes; unaligned load.
    unsafe { _mm_loadu_si128(t.as_ptr().cast()) }
}

/// The SM4 transform `T = L(S(.))` on 128-bit registers (AES-NI).
struct AesT128 {
    mask: __m128i,
    in_lo: __m128i,
    in_hi: __m128i,
    out_lo: __m128i,
    out_hi: __m128i,
    isr: __m128i,
    isr_rol8: __m128i,
    isr_rol16: __m128i,
    isr_rol24: __m128i,
}

impl AesT128 {
    #[target_feature(enable = "sse2")]
    #[inline]
    unsafe fn new() -> Self {
        // SAFETY: loads of 16-byte constant tables; SSE2 is enabled.
        unsafe {
            Self {
                mask: _mm_set1_epi8(0x0f),
                in_lo: load(&IN_LO),
                in_hi: load(&IN_HI),
                out_lo: load(&OUT_LO),
                out_hi: load(&OUT_HI),
                isr: load(&INV_SHIFT_ROWS),
                isr_rol8: load(&ISR_ROL8),
                isr_rol16: load(&ISR_ROL16),
                isr_rol24: load(&ISR_ROL24),
            }
        }
    }

    /// Applies an affine map given by nibble tables to every byte.
    #[target_feature(enable = "ssse3,sse2")]
    #[inline]
    fn affine(&self, x: __m128i, lo: __m128i, hi: __m128i) -> __m128i {
        let l = _mm_and_si128(x, self.mask);
        let h = _mm_and_si128(_mm_srli_epi16(x, 4), self.mask);
        _mm_xor_si128(_mm_shuffle_epi8(lo, l), _mm_shuffle_epi8(hi, h))
    }

    /// SM4's `T = L(S(.))` on four words.
    #[target_feature(enable = "aes,ssse3,sse2")]
    #[inline]
    fn t(&self, x: __m128i) -> __m128i {
        let u = self.affine(x, self.in_lo, self.in_hi);
        let u = _mm_aesenclast_si128(u, _mm_setzero_si128());
        let u = self.affine(u, self.out_lo, self.out_hi);
        let s = _mm_shuffle_epi8(u, self.isr);
        let y = _mm_xor_si128(
            _mm_xor_si128(s, _mm_shuffle_epi8(u, self.isr_rol8)),
            _mm_shuffle_epi8(u, self.isr_rol16),
        );
        let y = _mm_or_si128(_mm_slli_epi32(y, 2), _mm_srli_epi32(y, 30));
        _mm_xor_si128(_mm_xor_si128(y, s), _mm_shuffle_epi8(u, self.isr_rol24))
    }
}

/// AES-NI: `S` sets of four blocks per pass.
///
/// # Safety
/// The CPU must support AES-NI, SSSE3 and SSE2 ([`aesni_available`]).
#[target_feature(enable = "aes,ssse3,sse2")]
unsafe fn crypt_aesni<const S: usize>(rk: &[u32; 32], decrypt: bool, blocks: &mut [[Block; 4]; S]) {
    // SAFETY: the target features are enabled on this function; every load
    // and store reads or writes a whole block that the caller owns.
    unsafe {
        let c = AesT128::new();
        let bswap = load(&BSWAP32);
        let mut x = [[_mm_setzero_si128(); 4]; S];
        for (set, b) in x.iter_mut().zip(blocks.iter()) {
            let v = |k: usize| _mm_shuffle_epi8(load(&b[k]), bswap);
            *set = transpose!(
                _mm_unpacklo_epi32,
                _mm_unpackhi_epi32,
                _mm_unpacklo_epi64,
                _mm_unpackhi_epi64,
                v(0),
                v(1),
                v(2),
                v(3)
            );
        }
        let tf = |v| c.t(v);
        rounds!(x, rk, decrypt, _mm_set1_epi32, _mm_xor_si128, tf);
        for (set, b) in x.iter().zip(blocks.iter_mut()) {
            let out = transpose!(
                _mm_unpacklo_epi32,
                _mm_unpackhi_epi32,
                _mm_unpacklo_epi64,
                _mm_unpackhi_epi64,
                set[3],
                set[2],
                set[1],
                set[0]
            );
            for (blk, o) in b.iter_mut().zip(out) {
                _mm_storeu_si128(blk.as_mut_ptr().cast(), _mm_shuffle_epi8(o, bswap));
            }
        }
    }
}

/// The SM4 transform on 256-bit registers (VAES): [`AesT128`] twice.
struct AesT256 {
    mask: __m256i,
    in_lo: __m256i,
    in_hi: __m256i,
    out_lo: __m256i,
    out_hi: __m256i,
    isr: __m256i,
    isr_rol8: __m256i,
    isr_rol16: __m256i,
    isr_rol24: __m256i,
}

#[inline(always)]
unsafe fn load2(t: &[u8; 16]) -> __m256i {
    // SAFETY: `t` is 16 readable bytes; broadcast to both 128-bit lanes.
    unsafe { _mm256_broadcastsi128_si256(load(t)) }
}

impl AesT256 {
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn new() -> Self {
        // SAFETY: loads of 16-byte constant tables; AVX2 is enabled.
        unsafe {
            Self {
                mask: _mm256_set1_epi8(0x0f),
                in_lo: load2(&IN_LO),
                in_hi: load2(&IN_HI),
                out_lo: load2(&OUT_LO),
                out_hi: load2(&OUT_HI),
                isr: load2(&INV_SHIFT_ROWS),
                isr_rol8: load2(&ISR_ROL8),
                isr_rol16: load2(&ISR_ROL16),
                isr_rol24: load2(&ISR_ROL24),
            }
        }
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn affine(&self, x: __m256i, lo: __m256i, hi: __m256i) -> __m256i {
        let l = _mm256_and_si256(x, self.mask);
        let h = _mm256_and_si256(_mm256_srli_epi16(x, 4), self.mask);
        _mm256_xor_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h))
    }

    /// SM4's `T = L(S(.))` on eight words.
    #[target_feature(enable = "avx2,vaes")]
    #[inline]
    fn t(&self, x: __m256i) -> __m256i {
        let u = self.affine(x, self.in_lo, self.in_hi);
        let u = _mm256_aesenclast_epi128(u, _mm256_setzero_si256());
        let u = self.affine(u, self.out_lo, self.out_hi);
        let s = _mm256_shuffle_epi8(u, self.isr);
        let y = _mm256_xor_si256(
            _mm256_xor_si256(s, _mm256_shuffle_epi8(u, self.isr_rol8)),
            _mm256_shuffle_epi8(u, self.isr_rol16),
        );
        let y = _mm256_or_si256(_mm256_slli_epi32(y, 2), _mm256_srli_epi32(y, 30));
        _mm256_xor_si256(
            _mm256_xor_si256(y, s),
            _mm256_shuffle_epi8(u, self.isr_rol24),
        )
    }
}

/// AVX2 + VAES: `S` sets of eight blocks per pass. Register `k` of a set
/// holds blocks `2k` and `2k + 1`, so after the transpose lane `j` carries
/// blocks `j, 2 + j, 4 + j, 6 + j`.
///
/// # Safety
/// The CPU must support AVX2, VAES and AES-NI ([`vaes_available`]).
#[target_feature(enable = "avx2,vaes,aes,ssse3,sse2")]
unsafe fn crypt_vaes<const S: usize>(rk: &[u32; 32], decrypt: bool, blocks: &mut [[Block; 8]; S]) {
    // SAFETY: the target features are enabled on this function; every load
    // and store touches two whole blocks that the caller owns.
    unsafe {
        let c = AesT256::new();
        let bswap = load2(&BSWAP32);
        let mut x = [[_mm256_setzero_si256(); 4]; S];
        for (set, b) in x.iter_mut().zip(blocks.iter()) {
            let p = b.as_ptr().cast::<__m256i>();
            let v = |k: usize| _mm256_shuffle_epi8(_mm256_loadu_si256(p.add(k)), bswap);
            *set = transpose!(
                _mm256_unpacklo_epi32,
                _mm256_unpackhi_epi32,
                _mm256_unpacklo_epi64,
                _mm256_unpackhi_epi64,
                v(0),
                v(1),
                v(2),
                v(3)
            );
        }
        let tf = |v| c.t(v);
        rounds!(x, rk, decrypt, _mm256_set1_epi32, _mm256_xor_si256, tf);
        for (set, b) in x.iter().zip(blocks.iter_mut()) {
            let out = transpose!(
                _mm256_unpacklo_epi32,
                _mm256_unpackhi_epi32,
                _mm256_unpacklo_epi64,
                _mm256_unpackhi_epi64,
                set[3],
                set[2],
                set[1],
                set[0]
            );
            let p = b.as_mut_ptr().cast::<__m256i>();
            for (k, o) in out.into_iter().enumerate() {
                _mm256_storeu_si256(p.add(k), _mm256_shuffle_epi8(o, bswap));
            }
        }
    }
}

/// AVX-512 + GFNI: `S` sets of sixteen blocks per pass. Register `k` of a
/// set holds blocks `4k .. 4k + 4`.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW and GFNI ([`gfni_available`]).
#[target_feature(enable = "avx512f,avx512bw,gfni")]
unsafe fn crypt_gfni<const S: usize>(rk: &[u32; 32], decrypt: bool, blocks: &mut [[Block; 16]; S]) {
    // SAFETY: the target features are enabled on this function; every load
    // and store touches four whole blocks that the caller owns.
    unsafe {
        let bswap = _mm512_broadcast_i32x4(load(&BSWAP32));
        let m1 = _mm512_set1_epi64(GFNI_M1);
        let m2 = _mm512_set1_epi64(GFNI_M2);
        let mut x = [[_mm512_setzero_si512(); 4]; S];
        for (set, b) in x.iter_mut().zip(blocks.iter()) {
            let p = b.as_ptr().cast::<__m512i>();
            let v = |k: usize| _mm512_shuffle_epi8(_mm512_loadu_si512(p.add(k)), bswap);
            *set = transpose!(
                _mm512_unpacklo_epi32,
                _mm512_unpackhi_epi32,
                _mm512_unpacklo_epi64,
                _mm512_unpackhi_epi64,
                v(0),
                v(1),
                v(2),
                v(3)
            );
        }
        for r in (0..32).step_by(4) {
            for i in 0..4 {
                let k = _mm512_set1_epi32(round_key(rk, decrypt, r + i));
                for set in x.iter_mut() {
                    let t = _mm512_xor_si512(
                        _mm512_ternarylogic_epi32::<0x96>(
                            set[(i + 1) % 4],
                            set[(i + 2) % 4],
                            set[(i + 3) % 4],
                        ),
                        k,
                    );
                    let s = _mm512_gf2p8affineinv_epi64_epi8::<GFNI_B2>(
                        _mm512_gf2p8affine_epi64_epi8::<GFNI_B1>(t, m1),
                        m2,
                    );
                    let a = _mm512_ternarylogic_epi32::<0x96>(set[i], s, _mm512_rol_epi32::<2>(s));
                    let b = _mm512_ternarylogic_epi32::<0x96>(
                        a,
                        _mm512_rol_epi32::<10>(s),
                        _mm512_rol_epi32::<18>(s),
                    );
                    set[i] = _mm512_xor_si512(b, _mm512_rol_epi32::<24>(s));
                }
            }
        }
        for (set, b) in x.iter().zip(blocks.iter_mut()) {
            let out = transpose!(
                _mm512_unpacklo_epi32,
                _mm512_unpackhi_epi32,
                _mm512_unpacklo_epi64,
                _mm512_unpackhi_epi64,
                set[3],
                set[2],
                set[1],
                set[0]
            );
            let p = b.as_mut_ptr().cast::<__m512i>();
            for (k, o) in out.into_iter().enumerate() {
                _mm512_storeu_si512(p.add(k), _mm512_shuffle_epi8(o, bswap));
            }
        }
    }
}

/// Runs `pass` on a copy of `tail` (fewer than `N` blocks) padded to `N`.
#[inline(always)]
fn padded<const N: usize>(tail: &mut [Block], pass: impl FnOnce(&mut [Block; N])) {
    if tail.is_empty() {
        return;
    }
    let mut lanes = [[0u8; 16]; N];
    lanes[..tail.len()].copy_from_slice(tail);
    pass(&mut lanes);
    tail.copy_from_slice(&lanes[..tail.len()]);
    lanes.zeroize();
}

/// Splits `blocks` into groups of `S` times `N` blocks and the rest.
#[inline(always)]
fn split<const N: usize, const S: usize>(
    blocks: &mut [Block],
) -> (&mut [[[Block; N]; S]], &mut [Block]) {
    let full = blocks.len() / (N * S) * (N * S);
    let (head, rest) = blocks.split_at_mut(full);
    (head.as_chunks_mut::<N>().0.as_chunks_mut::<S>().0, rest)
}

/// Encrypts or decrypts `blocks` with AES-NI: eight per pass, then four.
///
/// # Safety
/// [`aesni_available`] must have returned true.
pub(crate) unsafe fn crypt_many_aesni(rk: &[u32; 32], decrypt: bool, blocks: &mut [Block]) {
    let (groups, rest) = split::<4, 2>(blocks);
    for g in groups {
        // SAFETY: the caller confirmed AES-NI, SSSE3 and SSE2.
        unsafe { crypt_aesni::<2>(rk, decrypt, g) };
    }
    let (groups, rest) = split::<4, 1>(rest);
    for g in groups {
        // SAFETY: as above.
        unsafe { crypt_aesni::<1>(rk, decrypt, g) };
    }
    padded::<4>(rest, |b| {
        // SAFETY: as above.
        unsafe { crypt_aesni::<1>(rk, decrypt, core::array::from_mut(b)) }
    });
}

/// Encrypts or decrypts `blocks` with AVX2 + VAES: sixteen per pass, then
/// eight (padded), or AES-NI for four or fewer.
///
/// # Safety
/// [`vaes_available`] must have returned true.
pub(crate) unsafe fn crypt_many_vaes(rk: &[u32; 32], decrypt: bool, blocks: &mut [Block]) {
    let (groups, rest) = split::<8, 2>(blocks);
    for g in groups {
        // SAFETY: the caller confirmed AVX2, VAES and AES-NI.
        unsafe { crypt_vaes::<2>(rk, decrypt, g) };
    }
    if rest.len() > 4 {
        let (groups, rest) = split::<8, 1>(rest);
        for g in groups {
            // SAFETY: as above.
            unsafe { crypt_vaes::<1>(rk, decrypt, g) };
        }
        padded::<8>(rest, |b| {
            // SAFETY: as above.
            unsafe { crypt_vaes::<1>(rk, decrypt, core::array::from_mut(b)) }
        });
    } else {
        // SAFETY: as above (AES-NI included).
        unsafe { crypt_many_aesni(rk, decrypt, rest) };
    }
}

/// Encrypts or decrypts `blocks` with AVX-512 + GFNI: thirty-two per pass,
/// then sixteen (the last padded).
///
/// # Safety
/// [`gfni_available`] must have returned true.
pub(crate) unsafe fn crypt_many_gfni(rk: &[u32; 32], decrypt: bool, blocks: &mut [Block]) {
    if let [one] = blocks {
        // A lone block: the latency-bound path, no padding to sixteen.
        // SAFETY: the caller confirmed AVX-512F, AVX-512VL and GFNI.
        return unsafe { crypt1_gfni(rk, decrypt, one) };
    }
    let (groups, rest) = split::<16, 2>(blocks);
    for g in groups {
        // SAFETY: the caller confirmed AVX-512F, AVX-512BW and GFNI.
        unsafe { crypt_gfni::<2>(rk, decrypt, g) };
    }
    let (groups, rest) = split::<16, 1>(rest);
    for g in groups {
        // SAFETY: as above.
        unsafe { crypt_gfni::<1>(rk, decrypt, g) };
    }
    padded::<16>(rest, |b| {
        // SAFETY: as above.
        unsafe { crypt_gfni::<1>(rk, decrypt, core::array::from_mut(b)) }
    });
}

/// The 32 rounds on one block held as four words in the low lanes of xmm
/// registers: the S-box is the two GFNI instructions of the wide kernel and
/// `L` four `vprold` and two three-way XORs, so a round is a chain of about
/// six instructions. No table, no branch on data. Returns the output words
/// in output order.
#[target_feature(enable = "avx512f,avx512vl,gfni")]
#[inline]
fn rounds1(
    rk: &[u32; 32],
    decrypt: bool,
    mut x: [__m128i; 4],
    m1: __m128i,
    m2: __m128i,
) -> [__m128i; 4] {
    for r in (0..32).step_by(4) {
        for i in 0..4 {
            let k = _mm_cvtsi32_si128(round_key(rk, decrypt, r + i));
            // The two older words and the key first: off the critical path.
            let t = _mm_xor_si128(
                _mm_ternarylogic_epi32::<0x96>(x[(i + 1) % 4], x[(i + 2) % 4], k),
                x[(i + 3) % 4],
            );
            let s = _mm_gf2p8affineinv_epi64_epi8::<GFNI_B2>(
                _mm_gf2p8affine_epi64_epi8::<GFNI_B1>(t, m1),
                m2,
            );
            let a = _mm_ternarylogic_epi32::<0x96>(x[i], s, _mm_rol_epi32::<2>(s));
            let b = _mm_ternarylogic_epi32::<0x96>(
                _mm_rol_epi32::<10>(s),
                _mm_rol_epi32::<18>(s),
                _mm_rol_epi32::<24>(s),
            );
            x[i] = _mm_xor_si128(a, b);
        }
    }
    [x[3], x[2], x[1], x[0]]
}

/// A block as four big-endian words in the low lanes of xmm registers.
#[target_feature(enable = "sse2")]
#[inline]
fn words1(block: &Block) -> [__m128i; 4] {
    core::array::from_fn(|i| {
        let w = u32::from_be_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ]);
        _mm_cvtsi32_si128(w as i32)
    })
}

/// The inverse of [`words1`].
#[target_feature(enable = "sse2")]
#[inline]
fn store1(x: &[__m128i; 4], block: &mut Block) {
    for (i, w) in x.iter().enumerate() {
        block[4 * i..4 * i + 4].copy_from_slice(&(_mm_cvtsi128_si32(*w) as u32).to_be_bytes());
    }
}

/// Encrypts or decrypts one block, the latency-bound case (single blocks,
/// CFB/OFB encryption, CCM's CBC-MAC) with [`rounds1`].
///
/// # Safety
/// [`gfni_available`] must have returned true.
#[target_feature(enable = "avx512f,avx512vl,gfni")]
unsafe fn crypt1_gfni(rk: &[u32; 32], decrypt: bool, block: &mut Block) {
    let m1 = _mm_set1_epi64x(GFNI_M1);
    let m2 = _mm_set1_epi64x(GFNI_M2);
    let y = rounds1(rk, decrypt, words1(block), m1, m2);
    store1(&y, block);
}

/// CBC encryption of whole blocks: `chain` is the IV (or the last
/// ciphertext block) on entry and the last ciphertext block on return. The
/// chaining value stays in registers between blocks, so each block adds one
/// XOR to the chain of [`rounds1`].
///
/// # Safety
/// [`gfni_available`] must have returned true.
#[target_feature(enable = "avx512f,avx512vl,gfni")]
pub(crate) unsafe fn cbc_encrypt_gfni(
    rk: &[u32; 32],
    chain: &mut Block,
    input: &[Block],
    out: &mut [Block],
) {
    let m1 = _mm_set1_epi64x(GFNI_M1);
    let m2 = _mm_set1_epi64x(GFNI_M2);
    let mut c = words1(chain);
    for (p, o) in input.iter().zip(out.iter_mut()) {
        let p = words1(p);
        let x = core::array::from_fn(|i| _mm_xor_si128(c[i], p[i]));
        c = rounds1(rk, false, x, m1, m2);
        store1(&c, o);
    }
    store1(&c, chain);
}
