//! One module per verb.

mod hash;
mod keys;
mod pke;
mod selftest;
mod sign;
mod sm4;
mod speed;

use crate::cli::Command;
use crate::error::CliResult;

/// Runs one verb.
pub fn run(cmd: Command) -> CliResult {
    match cmd {
        Command::Hash(a) => hash::run(&a),
        Command::Keygen(a) => keys::keygen(&a),
        Command::Pubkey(a) => keys::pubkey(&a),
        Command::Sign(a) => sign::sign(&a),
        Command::Verify(a) => sign::verify(&a),
        Command::Encrypt(a) => pke::encrypt(&a),
        Command::Decrypt(a) => pke::decrypt(&a),
        Command::Sm4(a) => sm4::run(&a),
        Command::Selftest => selftest::run(),
        Command::Speed(a) => speed::run(&a),
    }
}
