//! The block-level SM3 state, plugged into the `digest` crate's buffering.

use super::compress::{IV, compress};
use core::fmt;
use digest::array::Array;
use digest::block_api::{
    AlgorithmName, Block, BlockSizeUser, Buffer, BufferKindUser, Eager, FixedOutputCore,
    OutputSizeUser, Reset, UpdateCore,
};
use digest::typenum::{U32, U64};
use digest::{HashMarker, Output};
use zeroize::Zeroize;

/// The SM3 chaining value and block count (the `digest` block-level core of
/// [`super::Sm3`]). Zeroized on drop: it may hold state derived from a key
/// (HMAC) or from secret data.
#[derive(Clone)]
pub struct Sm3Core {
    v: [u32; 8],
    blocks: u64,
}

impl Default for Sm3Core {
    fn default() -> Self {
        Self { v: IV, blocks: 0 }
    }
}

impl HashMarker for Sm3Core {}

impl BlockSizeUser for Sm3Core {
    type BlockSize = U64;
}

impl BufferKindUser for Sm3Core {
    type BufferKind = Eager;
}

impl OutputSizeUser for Sm3Core {
    type OutputSize = U32;
}

impl UpdateCore for Sm3Core {
    fn update_blocks(&mut self, blocks: &[Block<Self>]) {
        self.blocks = self.blocks.wrapping_add(blocks.len() as u64);
        compress(&mut self.v, Array::cast_slice_to_core(blocks));
    }
}

impl FixedOutputCore for Sm3Core {
    fn finalize_fixed_core(&mut self, buffer: &mut Buffer<Self>, out: &mut Output<Self>) {
        let bits = (self
            .blocks
            .wrapping_mul(64)
            .wrapping_add(buffer.get_pos() as u64))
        .wrapping_mul(8);
        let mut v = self.v;
        buffer.len64_padding_be(bits, |b| compress(&mut v, &[b.0]));
        for (chunk, x) in out.chunks_exact_mut(4).zip(v.iter()) {
            chunk.copy_from_slice(&x.to_be_bytes());
        }
        v.zeroize();
    }
}

impl Reset for Sm3Core {
    fn reset(&mut self) {
        *self = Self::default();
    }
}

impl AlgorithmName for Sm3Core {
    fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SM3")
    }
}

impl fmt::Debug for Sm3Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm3Core { .. }")
    }
}

impl Drop for Sm3Core {
    fn drop(&mut self) {
        self.v.zeroize();
        self.blocks.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Sm3Core {}
