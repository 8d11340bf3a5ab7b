//! # shangmi-hsm: where private keys live
//!
//! One trait, [`KeyStore`], hands out [`Signer`]s by label; the CA, the
//! OCSP responder and the TLS listener ask it for keys and never learn
//! where they are kept. [`FileKeyStore`] keeps each key as an encrypted
//! PKCS#8 file (PBES2: PBKDF2-HMAC-SM3 and SM4-CBC, as GmSSL writes it),
//! readable by its owner only; a PKCS#11 store implements the same trait.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use shangmi::alg::{PrivateKey, SignatureAlgorithm};
use shangmi::rng::OsRng;
use shangmi_pki::{Signer, SoftwareKey};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// What went wrong in a key store.
#[derive(Debug)]
pub enum Error {
    /// No key with this label.
    NotFound(String),
    /// A key with this label exists already.
    Exists(String),
    /// The label is not a plain name.
    BadLabel(String),
    /// The key could not be decrypted (wrong passphrase) or parsed.
    Key(String),
    /// File system trouble.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(l) => write!(f, "no key labelled {l:?}"),
            Error::Exists(l) => write!(f, "a key labelled {l:?} exists already"),
            Error::BadLabel(l) => write!(
                f,
                "bad key label {l:?}: letters, digits, '-', '_' and '.' only"
            ),
            Error::Key(m) => write!(f, "{m}"),
            Error::Io(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

/// `Result` of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A place that keeps private keys and signs with them.
pub trait KeyStore: Send + Sync {
    /// Generates a key of `alg` under `label` and returns its signer.
    fn generate(&self, label: &str, alg: SignatureAlgorithm) -> Result<Arc<dyn Signer>>;
    /// The signer of the key labelled `label`.
    fn open(&self, label: &str) -> Result<Arc<dyn Signer>>;
    /// Whether a key labelled `label` exists.
    fn exists(&self, label: &str) -> bool;
    /// Where the keys are, for people (`file:/var/lib/ca/keys`).
    fn describe(&self) -> String;
}

fn check_label(label: &str) -> Result<()> {
    if label.is_empty()
        || label.len() > 64
        || label.starts_with('.')
        || !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(Error::BadLabel(label.to_string()));
    }
    Ok(())
}

/// Keys as encrypted PKCS#8 PEM files (`<label>.key`, mode 0600) in one
/// directory, all under one passphrase.
pub struct FileKeyStore {
    dir: PathBuf,
    passphrase: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for FileKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileKeyStore({})", self.dir.display())
    }
}

impl FileKeyStore {
    /// A store in `dir` (created, mode 0700, when missing).
    pub fn new(dir: &Path, passphrase: &[u8]) -> Result<Self> {
        if passphrase.is_empty() {
            return Err(Error::Key("empty passphrase".into()));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            passphrase: Zeroizing::new(passphrase.to_vec()),
        })
    }

    fn path(&self, label: &str) -> PathBuf {
        self.dir.join(format!("{label}.key"))
    }

    /// Stores an existing key under `label` (e.g. one imported by an
    /// operator).
    pub fn import(&self, label: &str, key: &PrivateKey) -> Result<()> {
        check_label(label)?;
        if self.exists(label) {
            return Err(Error::Exists(label.to_string()));
        }
        let pem = key
            .to_encrypted_pkcs8_pem(&self.passphrase, &mut OsRng)
            .map_err(|e| Error::Key(format!("encrypting key {label}: {e}")))?;
        write_private(&self.path(label), pem.as_bytes())
    }
}

/// Writes a secret file atomically: a 0600 temporary file, synced, then
/// renamed over the target.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(io)?;
    f.write_all(data).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(parent) = path.parent()
        && let Ok(d) = std::fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

impl KeyStore for FileKeyStore {
    fn generate(&self, label: &str, alg: SignatureAlgorithm) -> Result<Arc<dyn Signer>> {
        let key = PrivateKey::generate(alg, &mut OsRng)
            .map_err(|e| Error::Key(format!("generating key {label}: {e}")))?;
        self.import(label, &key)?;
        Ok(Arc::new(SoftwareKey::new(key)))
    }

    fn open(&self, label: &str) -> Result<Arc<dyn Signer>> {
        check_label(label)?;
        let p = self.path(label);
        let text = Zeroizing::new(std::fs::read_to_string(&p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(label.to_string()),
            _ => Error::Io(format!("{}: {e}", p.display())),
        })?);
        let key = PrivateKey::from_pem(&text, Some(&self.passphrase)).map_err(|e| match e {
            shangmi::Error::DecryptFailed => Error::Key(format!(
                "{}: cannot decrypt the key: wrong passphrase?",
                p.display()
            )),
            e => Error::Key(format!("{}: {e}", p.display())),
        })?;
        Ok(Arc::new(SoftwareKey::new(key)))
    }

    fn exists(&self, label: &str) -> bool {
        check_label(label).is_ok() && self.path(label).exists()
    }

    fn describe(&self) -> String {
        format!("file:{}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_encrypted_and_private() {
        let dir = std::env::temp_dir().join(format!("shangmi-hsm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ks = FileKeyStore::new(&dir, b"correct horse").unwrap();
        let s = ks.generate("ca-sm2", SignatureAlgorithm::Sm2Sm3).unwrap();
        let sig = s.sign(b"1234567812345678", b"msg").unwrap();
        let again = ks.open("ca-sm2").unwrap();
        assert_eq!(again.public_key(), s.public_key());
        again
            .public_key()
            .verify(b"msg", &sig, shangmi::alg::SignatureEncoding::Der)
            .unwrap();
        let text = std::fs::read_to_string(dir.join("ca-sm2.key")).unwrap();
        assert!(text.contains("ENCRYPTED PRIVATE KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("ca-sm2.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
        assert!(matches!(
            ks.generate("ca-sm2", SignatureAlgorithm::Sm2Sm3),
            Err(Error::Exists(_))
        ));
        assert!(matches!(ks.open("nope"), Err(Error::NotFound(_))));
        assert!(matches!(ks.open("../etc/passwd"), Err(Error::BadLabel(_))));
        let wrong = FileKeyStore::new(&dir, b"wrong").unwrap();
        let e = wrong
            .open("ca-sm2")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("wrong passphrase"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
