//! `shangmi sign` and `shangmi verify`.

use super::keys::{load_private, load_public};
use crate::cli::{SigFormat, SignArgs, VerifyArgs};
use crate::error::{CliError, CliResult, Context};
use crate::io::{read_input, write_output};
use shangmi::alg::SignatureEncoding;
use shangmi::rng::OsRng;

fn encoding(f: SigFormat) -> SignatureEncoding {
    match f {
        SigFormat::Der => SignatureEncoding::Der,
        SigFormat::Raw => SignatureEncoding::Raw,
    }
}

/// Signs a message.
pub fn sign(a: &SignArgs) -> CliResult {
    let key = load_private(&a.key)?;
    let msg = read_input(a.input.as_deref())?;
    let sig = key
        .sign_with_id(a.id.as_bytes(), &msg, encoding(a.format), &mut OsRng)
        .context("signing")?;
    write_output(a.out.as_deref(), &sig)
}

/// Verifies a signature: Ok when valid, a negative verdict when not.
pub fn verify(a: &VerifyArgs) -> CliResult {
    let key = load_public(&a.public)?;
    let msg = read_input(a.input.as_deref())?;
    let sig = std::fs::read(&a.sig).context(a.sig.display())?;
    match key.verify_with_id(a.id.as_bytes(), &msg, &sig, encoding(a.format)) {
        Ok(()) => {
            println!("signature OK");
            Ok(())
        }
        Err(shangmi::Error::BadSignature) => {
            Err(CliError::Negative("signature verification failed".into()))
        }
        Err(e) => Err(crate::error::fail(format!("{}: {e}", a.sig.display()))),
    }
}
