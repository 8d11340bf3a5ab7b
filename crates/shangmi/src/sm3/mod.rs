//! SM3 hash (GB/T 32905-2016). STUB: replaced by the SM3 work.

/// SM3 digest length in bytes.
pub const OUTPUT_LEN: usize = 32;
/// SM3 block length in bytes.
pub const BLOCK_LEN: usize = 64;

/// Streaming SM3 hasher.
#[derive(Clone, Default)]
pub struct Sm3 {
    _state: [u32; 8],
}

impl Sm3 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }
    /// Absorbs `data`.
    pub fn update(&mut self, _data: &[u8]) {}
    /// Returns the digest.
    pub fn finalize(self) -> [u8; OUTPUT_LEN] {
        [0; OUTPUT_LEN]
    }
}

/// SM3 of `data` in one call.
pub fn hash(data: &[u8]) -> [u8; OUTPUT_LEN] {
    let mut h = Sm3::new();
    h.update(data);
    h.finalize()
}

/// HMAC-SM3 of `msg` under `key`, in one call.
pub fn hmac(_key: &[u8], _msg: &[u8]) -> [u8; OUTPUT_LEN] {
    [0; OUTPUT_LEN]
}
