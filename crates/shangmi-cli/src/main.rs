//! `shangmi`: SM2, SM3, SM4 and the standard algorithms from the shell.
//!
//! Files are PEM or DER as OpenSSL writes them. Exit status: 0 success,
//! 1 a negative verdict (a signature that does not verify, a tag that does
//! not match), 2 an error, reported as one line on stderr.

mod cli;
mod cmd;
mod error;
mod io;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shangmi: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
