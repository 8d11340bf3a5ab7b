//! Random numbers: the traits every randomized function takes, and the
//! operating system's generator.
//!
//! Functions that need randomness take `&mut R` where
//! `R: TryCryptoRng + ?Sized` (from [`rand_core`]), so a device can plug in
//! its own TRNG driver; a failure of that generator becomes [`Error::Rng`].

use crate::{Error, Result};
pub use rand_core::{CryptoRng, TryCryptoRng, TryRng};

/// Fills `out` from `rng`, mapping a generator failure to [`Error::Rng`].
pub fn fill<R: TryCryptoRng + ?Sized>(rng: &mut R, out: &mut [u8]) -> Result<()> {
    rng.try_fill_bytes(out).map_err(|_| Error::Rng)
}

/// The operating system's random number generator (`getrandom`).
#[cfg(feature = "getrandom")]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRng;

#[cfg(feature = "getrandom")]
impl TryRng for OsRng {
    type Error = getrandom::Error;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
        getrandom::u32()
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
        getrandom::u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
        getrandom::fill(dst)
    }
}

#[cfg(feature = "getrandom")]
impl TryCryptoRng for OsRng {}
