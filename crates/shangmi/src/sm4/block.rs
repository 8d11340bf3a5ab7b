//! The SM4 block cipher itself (GB/T 32907-2016): key schedule, one block,
//! many blocks, and the RustCrypto `cipher` 0.5 traits.
//!
//! Every S-box goes through the bitsliced circuit in [`super::sbox`], so
//! neither encryption nor the key schedule reads memory at a secret address.
//! Several blocks are encrypted in parallel lanes of the same circuit.

use core::fmt;

use cipher::{
    AlgorithmName, Block, BlockCipherDecBackend, BlockCipherDecClosure, BlockCipherDecrypt,
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, InOut, Key,
    KeyInit, KeySizeUser, ParBlocks, ParBlocksSizeUser,
    consts::{U8, U16},
};
use zeroize::Zeroize;

use super::sbox::tau;
use super::{BLOCK_LEN, KEY_LEN};

/// How many blocks one pass of the bitsliced circuit carries.
pub(crate) const LANES: usize = 8;

/// The system parameter FK.
const FK: [u32; 4] = [0xa3b1_bac6, 0x56aa_3350, 0x677d_9197, 0xb270_22dc];

/// The fixed parameters CK: byte `j` of `CK[i]` is `(4i + j) * 7 mod 256`.
const CK: [u32; 32] = {
    let mut ck = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        let mut bytes = [0u8; 4];
        let mut j = 0;
        while j < 4 {
            bytes[j] = ((4 * i + j) * 7 % 256) as u8;
            j += 1;
        }
        ck[i] = u32::from_be_bytes(bytes);
        i += 1;
    }
    ck
};

/// The linear transform L of the round function.
#[inline(always)]
fn l(b: u32) -> u32 {
    b ^ b.rotate_left(2) ^ b.rotate_left(10) ^ b.rotate_left(18) ^ b.rotate_left(24)
}

/// The linear transform L' of the key schedule.
#[inline(always)]
fn l_key(b: u32) -> u32 {
    b ^ b.rotate_left(13) ^ b.rotate_left(23)
}

/// Which way the cipher runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Encrypt,
    Decrypt,
}

/// The multi-block SM4 kernels. One is chosen per CPU, once, from its
/// features ([`Kernel::selected`]); the tests run every kernel the CPU
/// offers against the portable one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// The bitsliced circuit, eight blocks per pass: any CPU.
    Portable,
    /// AES-NI and SSSE3: four or eight blocks per pass.
    #[cfg(target_arch = "x86_64")]
    AesNi,
    /// AVX2 and VAES: eight or sixteen blocks per pass.
    #[cfg(target_arch = "x86_64")]
    Vaes,
    /// AVX-512 and GFNI: sixteen or thirty-two blocks per pass.
    #[cfg(target_arch = "x86_64")]
    Gfni,
    /// NEON and the AES instructions: four or eight blocks per pass.
    #[cfg(target_arch = "aarch64")]
    NeonAes,
    /// The SM4 instructions (`sm4e`, ARMv8.2): one, four or eight blocks
    /// per pass.
    #[cfg(target_arch = "aarch64")]
    Sm4e,
}

impl Kernel {
    /// Every kernel of this architecture, fastest first.
    pub(crate) const ALL: &'static [Kernel] = &[
        #[cfg(target_arch = "x86_64")]
        Kernel::Gfni,
        #[cfg(target_arch = "x86_64")]
        Kernel::Vaes,
        #[cfg(target_arch = "x86_64")]
        Kernel::AesNi,
        #[cfg(target_arch = "aarch64")]
        Kernel::Sm4e,
        #[cfg(target_arch = "aarch64")]
        Kernel::NeonAes,
        Kernel::Portable,
    ];

    /// Whether this CPU runs the kernel (always false for the CPU-specific
    /// ones with the `force-portable` feature).
    pub(crate) fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::AesNi => super::x86::aesni_available(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Vaes => super::x86::vaes_available(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Gfni => super::x86::gfni_available(),
            #[cfg(target_arch = "aarch64")]
            Kernel::NeonAes => super::aarch64::available(),
            #[cfg(target_arch = "aarch64")]
            Kernel::Sm4e => super::aarch64::sm4e_available(),
        }
    }

    /// The fastest kernel this CPU runs for many blocks.
    pub(crate) fn selected() -> Kernel {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.is_available())
            .unwrap_or(Kernel::Portable)
    }

    /// The kernel for a single block: one that handles a lone block without
    /// padding it to a full pass (AVX-512 + GFNI in xmm registers, `sm4e`),
    /// else the narrowest CPU-specific one.
    pub(crate) fn single() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if super::x86::gfni_available() {
            return Kernel::Gfni;
        }
        #[cfg(target_arch = "x86_64")]
        if super::x86::aesni_available() {
            return Kernel::AesNi;
        }
        Self::selected()
    }

    /// A short name for reports (`shangmi speed`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable (bitsliced)",
            #[cfg(target_arch = "x86_64")]
            Kernel::AesNi => "AES-NI",
            #[cfg(target_arch = "x86_64")]
            Kernel::Vaes => "AVX2+VAES",
            #[cfg(target_arch = "x86_64")]
            Kernel::Gfni => "AVX-512+GFNI",
            #[cfg(target_arch = "aarch64")]
            Kernel::NeonAes => "NEON+AES",
            #[cfg(target_arch = "aarch64")]
            Kernel::Sm4e => "SM4E",
        }
    }
}

/// An SM4 key schedule (the 32 round keys).
///
/// Zeroized on drop; its `Debug` output does not show it. Implements the
/// `cipher` 0.5 block-cipher traits, so RustCrypto's generic modes accept it.
#[derive(Clone)]
pub struct Sm4 {
    rk: [u32; 32],
}

impl Sm4 {
    /// Expands `key` into the round keys.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        let mut k = [0u32; 4];
        for ((ki, chunk), fk) in k.iter_mut().zip(key.chunks_exact(4)).zip(FK) {
            *ki = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ fk;
        }
        let mut rk = [0u32; 32];
        for (rki, ck) in rk.iter_mut().zip(CK) {
            let mut t = [k[1] ^ k[2] ^ k[3] ^ ck];
            tau(&mut t);
            *rki = k[0] ^ l_key(t[0]);
            k = [k[1], k[2], k[3], *rki];
        }
        k.zeroize();
        Self { rk }
    }

    /// The round keys rk0..rk31 (for the known-answer test).
    #[cfg(test)]
    pub(crate) fn round_keys(&self) -> &[u32; 32] {
        &self.rk
    }

    /// Encrypts one block in place.
    pub fn encrypt_block(&self, block: &mut [u8; BLOCK_LEN]) {
        self.crypt_block(block, Direction::Encrypt);
    }

    /// Builds the schedule from a key slice, which must be 16 bytes.
    pub fn from_slice(key: &[u8]) -> crate::Result<Self> {
        let key: &[u8; KEY_LEN] = key.try_into().map_err(|_| crate::Error::Length {
            what: "SM4 key (16 bytes)",
        })?;
        Ok(Self::new(key))
    }

    /// Decrypts one block in place.
    pub fn decrypt_block(&self, block: &mut [u8; BLOCK_LEN]) {
        self.crypt_block(block, Direction::Decrypt);
    }

    /// Encrypts each block of `blocks` in place (ECB), eight at a time.
    pub fn encrypt_blocks(&self, blocks: &mut [[u8; BLOCK_LEN]]) {
        self.crypt_many(blocks, Direction::Encrypt);
    }

    /// Decrypts each block of `blocks` in place (ECB), eight at a time.
    pub fn decrypt_blocks(&self, blocks: &mut [[u8; BLOCK_LEN]]) {
        self.crypt_many(blocks, Direction::Decrypt);
    }

    /// Encrypts or decrypts one block in place.
    pub(crate) fn crypt_block(&self, block: &mut [u8; BLOCK_LEN], dir: Direction) {
        self.crypt_many_with(Kernel::single(), core::array::from_mut(block), dir);
    }

    /// CBC-encrypts the whole blocks of `input` into `out` (the same
    /// length), `chain` being the IV or the previous ciphertext block on entry
    /// and the last ciphertext block on return.
    pub(crate) fn cbc_encrypt(
        &self,
        chain: &mut [u8; BLOCK_LEN],
        input: &[[u8; BLOCK_LEN]],
        out: &mut [[u8; BLOCK_LEN]],
    ) {
        #[cfg(target_arch = "x86_64")]
        if super::x86::gfni_available() {
            // SAFETY: AVX-512F, AVX-512VL and GFNI confirmed by the guard.
            #[allow(unsafe_code)]
            unsafe {
                super::x86::cbc_encrypt_gfni(&self.rk, chain, input, out)
            };
            return;
        }
        self.cbc_encrypt_blockwise(chain, input, out);
    }

    /// [`Self::cbc_encrypt`] one [`Self::crypt_block`] at a time (also the
    /// reference for the tests).
    pub(crate) fn cbc_encrypt_blockwise(
        &self,
        chain: &mut [u8; BLOCK_LEN],
        input: &[[u8; BLOCK_LEN]],
        out: &mut [[u8; BLOCK_LEN]],
    ) {
        for (p, o) in input.iter().zip(out.iter_mut()) {
            super::xor_block(chain, p);
            self.crypt_block(chain, Direction::Encrypt);
            *o = *chain;
        }
    }

    /// Encrypts or decrypts each block of `blocks` in place with the kernel
    /// this CPU selected.
    pub(crate) fn crypt_many(&self, blocks: &mut [[u8; BLOCK_LEN]], dir: Direction) {
        self.crypt_many_with(Kernel::selected(), blocks, dir);
    }

    /// Encrypts or decrypts each block of `blocks` in place with `kernel`,
    /// which must be available on this CPU (tests compare the kernels on
    /// the same inputs; an unavailable one falls back to the portable).
    pub(crate) fn crypt_many_with(
        &self,
        kernel: Kernel,
        blocks: &mut [[u8; BLOCK_LEN]],
        dir: Direction,
    ) {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        let decrypt = dir == Direction::Decrypt;
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::AesNi if super::x86::aesni_available() => {
                // SAFETY: AES-NI, SSSE3 and SSE2 confirmed by the guard.
                #[allow(unsafe_code)]
                unsafe {
                    super::x86::crypt_many_aesni(&self.rk, decrypt, blocks)
                }
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Vaes if super::x86::vaes_available() => {
                // SAFETY: AVX2, VAES and AES-NI confirmed by the guard.
                #[allow(unsafe_code)]
                unsafe {
                    super::x86::crypt_many_vaes(&self.rk, decrypt, blocks)
                }
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Gfni if super::x86::gfni_available() => {
                // SAFETY: AVX-512F, AVX-512BW and GFNI confirmed by the guard.
                #[allow(unsafe_code)]
                unsafe {
                    super::x86::crypt_many_gfni(&self.rk, decrypt, blocks)
                }
            }
            #[cfg(target_arch = "aarch64")]
            Kernel::NeonAes if super::aarch64::available() => {
                // SAFETY: NEON and the AES instructions confirmed by the guard.
                #[allow(unsafe_code)]
                unsafe {
                    super::aarch64::crypt_many(&self.rk, decrypt, blocks)
                }
            }
            #[cfg(target_arch = "aarch64")]
            Kernel::Sm4e if super::aarch64::sm4e_available() => {
                // SAFETY: the SM4 instructions (and NEON, part of the
                // AArch64 baseline) confirmed by the guard.
                #[allow(unsafe_code)]
                unsafe {
                    super::aarch64::crypt_many_sm4e(&self.rk, decrypt, blocks)
                }
            }
            _ => self.crypt_many_portable(blocks, dir),
        }
    }

    /// The portable bitsliced path, whatever the CPU (tests compare the
    /// kernels on the same inputs).
    pub(crate) fn crypt_many_portable(&self, blocks: &mut [[u8; BLOCK_LEN]], dir: Direction) {
        let mut chunks = blocks.chunks_exact_mut(LANES);
        for chunk in &mut chunks {
            if let Ok(lanes) = <&mut [[u8; BLOCK_LEN]; LANES]>::try_from(chunk) {
                self.crypt(lanes, dir);
            }
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            let mut lanes = [[0u8; BLOCK_LEN]; LANES];
            lanes[..tail.len()].copy_from_slice(tail);
            self.crypt(&mut lanes, dir);
            tail.copy_from_slice(&lanes[..tail.len()]);
            lanes.zeroize();
        }
    }

    /// The 32 rounds and the final reversal on `N <= 8` blocks in parallel.
    #[inline(always)]
    fn crypt<const N: usize>(&self, blocks: &mut [[u8; BLOCK_LEN]; N], dir: Direction) {
        let mut x = [[0u32; 4]; N];
        for (xk, block) in x.iter_mut().zip(blocks.iter()) {
            for (w, chunk) in xk.iter_mut().zip(block.chunks_exact(4)) {
                *w = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            }
        }
        for round in 0..32 {
            let rk = match dir {
                Direction::Encrypt => self.rk[round],
                Direction::Decrypt => self.rk[31 - round],
            };
            let mut t = [0u32; N];
            for (tk, xk) in t.iter_mut().zip(x.iter()) {
                *tk = xk[1] ^ xk[2] ^ xk[3] ^ rk;
            }
            tau(&mut t);
            for (xk, tk) in x.iter_mut().zip(t) {
                *xk = [xk[1], xk[2], xk[3], xk[0] ^ l(tk)];
            }
        }
        for (block, xk) in blocks.iter_mut().zip(x.iter()) {
            for (chunk, w) in block.chunks_exact_mut(4).zip(xk.iter().rev()) {
                chunk.copy_from_slice(&w.to_be_bytes());
            }
        }
        x.zeroize();
    }
}

impl Drop for Sm4 {
    fn drop(&mut self) {
        self.rk.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Sm4 {}

impl fmt::Debug for Sm4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4 { .. }")
    }
}

impl AlgorithmName for Sm4 {
    fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4")
    }
}

impl KeySizeUser for Sm4 {
    type KeySize = U16;
}

impl KeyInit for Sm4 {
    fn new(key: &Key<Self>) -> Self {
        Sm4::new(&key.0)
    }
}

impl BlockSizeUser for Sm4 {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for Sm4 {
    type ParBlocksSize = U8;
}

impl BlockCipherEncrypt for Sm4 {
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
        f.call(self)
    }
}

impl BlockCipherDecrypt for Sm4 {
    fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = U16>) {
        f.call(self)
    }
}

/// Runs one in-out block through a stack copy.
fn inout_one(sm4: &Sm4, mut block: InOut<'_, '_, Block<Sm4>>, dir: Direction) {
    let mut b = block.get_in().0;
    sm4.crypt_block(&mut b, dir);
    *block.get_out() = b.into();
    b.zeroize();
}

/// Runs eight in-out blocks through a stack copy.
fn inout_par(sm4: &Sm4, mut blocks: InOut<'_, '_, ParBlocks<Sm4>>, dir: Direction) {
    let mut b = [[0u8; BLOCK_LEN]; LANES];
    for (bi, src) in b.iter_mut().zip(blocks.get_in().iter()) {
        *bi = src.0;
    }
    sm4.crypt_many(&mut b, dir);
    for (dst, bi) in blocks.get_out().iter_mut().zip(b.iter()) {
        *dst = (*bi).into();
    }
    b.zeroize();
}

impl BlockCipherEncBackend for Sm4 {
    fn encrypt_block(&self, block: InOut<'_, '_, Block<Self>>) {
        inout_one(self, block, Direction::Encrypt);
    }

    fn encrypt_par_blocks(&self, blocks: InOut<'_, '_, ParBlocks<Self>>) {
        inout_par(self, blocks, Direction::Encrypt);
    }
}

impl BlockCipherDecBackend for Sm4 {
    fn decrypt_block(&self, block: InOut<'_, '_, Block<Self>>) {
        inout_one(self, block, Direction::Decrypt);
    }

    fn decrypt_par_blocks(&self, blocks: InOut<'_, '_, ParBlocks<Self>>) {
        inout_par(self, blocks, Direction::Decrypt);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testvec;

    #[test]
    fn official_vectors_with_round_keys() {
        for r in testvec::load("sm4.txt") {
            let key = r.array::<16>("key");
            let sm4 = Sm4::new(&key);
            if r.has("round_keys") {
                let want = r.bytes("round_keys");
                let got: std::vec::Vec<u8> = sm4
                    .round_keys()
                    .iter()
                    .flat_map(|w| w.to_be_bytes())
                    .collect();
                assert_eq!(got, want, "line {}", r.line);
            }
            let pt = r.array::<16>("plaintext");
            let ct = r.array::<16>("ciphertext");
            let n = r.int("iterations");
            let mut b = pt;
            for _ in 0..n {
                sm4.encrypt_block(&mut b);
            }
            assert_eq!(b, ct, "line {}", r.line);
            for _ in 0..n {
                sm4.decrypt_block(&mut b);
            }
            assert_eq!(b, pt, "line {}", r.line);
        }
    }

    #[test]
    fn multi_block_matches_single_and_rustcrypto() {
        use sm4::cipher::KeyInit as _;
        let key = *b"0123456789abcdef";
        let sm4 = Sm4::new(&key);
        let theirs = sm4::Sm4::new(&key.into());
        for n in 0..=19usize {
            let mut blocks: std::vec::Vec<[u8; 16]> =
                (0..n).map(|i| [(i * 37 + 5) as u8; 16]).collect();
            let orig = blocks.clone();
            sm4.encrypt_blocks(&mut blocks);
            for (b, o) in blocks.iter().zip(&orig) {
                let mut one = *o;
                sm4.encrypt_block(&mut one);
                assert_eq!(*b, one);
                let mut t = sm4::cipher::Block::<sm4::Sm4>::from(*o);
                sm4::cipher::BlockCipherEncrypt::encrypt_block(&theirs, &mut t);
                assert_eq!(b[..], t[..]);
            }
            sm4.decrypt_blocks(&mut blocks);
            assert_eq!(blocks, orig);
        }
    }

    #[test]
    fn debug_hides_keys() {
        let s = std::format!("{:?}", Sm4::new(&[7; 16]));
        assert_eq!(s, "Sm4 { .. }");
    }
}
