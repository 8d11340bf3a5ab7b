//! `cms sign|verify|encrypt|decrypt`.

use crate::cli::{CmsCipher, CmsDecryptArgs, CmsEncryptArgs, CmsSignArgs, CmsVerifyArgs, Outform};
use crate::cmd::keys::load_private;
use crate::cmd::pki::{load_cert, load_certs, read};
use crate::error::{CliError, CliResult, Context, fail};
use crate::io::{read_input, write_output, write_secret};
use shangmi_pki::cms::{self, ContentEncryption, SignOptions};
use shangmi_pki::{SoftwareKey, path, pem};

fn emit(out: Option<&std::path::Path>, form: Outform, der: &[u8]) -> CliResult {
    match form {
        Outform::Der => write_output(out, der),
        Outform::Pem => write_output(out, pem::encode("CMS", der).as_bytes()),
    }
}

/// `shangmi cms sign`.
pub fn sign(a: &CmsSignArgs) -> CliResult {
    let cert = load_cert(&a.cert)?;
    let signer = SoftwareKey::new(load_private(&a.key)?);
    let content = read_input(a.input.as_deref())?;
    let opts = SignOptions {
        detached: a.detached,
        gm_oids: a.gm_oids,
        chain: match &a.chain {
            Some(p) => load_certs(p)?,
            None => Vec::new(),
        },
        no_certs: false,
    };
    let der = cms::sign(&content, &cert, &signer, &opts).context("CMS signing")?;
    emit(a.out.as_deref(), a.outform, &der)
}

/// `shangmi cms verify`.
pub fn verify(a: &CmsVerifyArgs) -> CliResult {
    let data = read_input(a.input.as_deref())?;
    let detached = a.content.as_deref().map(read).transpose()?;
    let extra = match &a.certs {
        Some(p) => load_certs(p)?,
        None => Vec::new(),
    };
    let v = cms::verify(&data, detached.as_deref(), &extra).map_err(|e| match e {
        shangmi_pki::Error::BadSignature(m) => CliError::Negative(m),
        e => fail(format!("CMS: {e}")),
    })?;
    if !a.no_chain {
        let roots = a
            .roots
            .as_deref()
            .ok_or_else(|| fail("give --roots to validate the signer, or --no-chain"))?;
        let roots = load_certs(roots)?;
        let mut opts = path::Options::default();
        if let Some(t) = v.signing_time {
            // Judge the signer's certificate when the signature was made,
            // when that falls inside its validity; else now.
            if t >= v.signer.not_before() && t <= v.signer.not_after() {
                opts.time = t;
            }
        }
        path::validate(&v.signer, &roots, &v.certificates, &opts)
            .map_err(|e| CliError::Negative(format!("signer: {e}")))?;
    }
    eprintln!(
        "CMS verification OK: signed by \"{}\"",
        v.signer.subject_text()
    );
    if let Some(o) = &a.out {
        write_output(Some(o), &v.content)?;
    }
    Ok(())
}

/// `shangmi cms encrypt`.
pub fn encrypt(a: &CmsEncryptArgs) -> CliResult {
    let recips = a
        .recip
        .iter()
        .map(|p| load_cert(p))
        .collect::<CliResult<Vec<_>>>()?;
    let content = read_input(a.input.as_deref())?;
    let enc = match a.cipher {
        CmsCipher::Sm4Cbc => ContentEncryption::Sm4Cbc,
        CmsCipher::Sm4Gcm => ContentEncryption::Sm4Gcm,
        CmsCipher::Aes128Cbc => ContentEncryption::Aes128Cbc,
        CmsCipher::Aes256Cbc => ContentEncryption::Aes256Cbc,
    };
    let der = cms::encrypt(&content, &recips, enc, a.gm_oids).context("CMS encryption")?;
    emit(a.out.as_deref(), a.outform, &der)
}

/// `shangmi cms decrypt`.
pub fn decrypt(a: &CmsDecryptArgs) -> CliResult {
    let cert = load_cert(&a.cert)?;
    let key = load_private(&a.key)?;
    let data = read_input(a.input.as_deref())?;
    let pt = cms::decrypt(&data, &cert, &key).map_err(|e| match e {
        shangmi_pki::Error::Crypto(shangmi::Error::DecryptFailed) => CliError::Negative(
            "CMS: decryption failed (wrong key, or the message was altered)".into(),
        ),
        e => fail(format!("CMS: {e}")),
    })?;
    write_secret(a.out.as_deref(), &pt)
}
