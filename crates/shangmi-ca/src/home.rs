//! The CA home: configuration, keys, certificates and the embedded
//! database in one directory. `init` creates it; `open` loads it.
//!
//! ```text
//! <home>/config.toml        the configuration
//! <home>/passphrase         generated key passphrase (0600), when none was given
//! <home>/keys/<label>.key   encrypted PKCS#8 keys (0600)
//! <home>/certs/             root-<ca>.pem, <ca>.pem, ocsp-<ca>.pem, tls.pem
//! <home>/ca.db              the SQLite database (WAL)
//! ```

use crate::audit::AuditDraft;
use crate::authority::{Authority, IssuingCa};
use crate::config::Config;
use crate::error::{CaError, CaResult};
use crate::store;
use serde_json::json;
use shangmi::rng::{OsRng, fill};
use shangmi_hsm::{FileKeyStore, KeyStore};
use shangmi_pki::name::{parse_general_names, parse_name};
use shangmi_pki::{Certificate, CertificateBuilder, Issuer, Profile, Signer, alg};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

/// Environment variable holding the key passphrase.
pub const PASSPHRASE_ENV: &str = "SHANGMI_CA_PASSPHRASE";

/// Where the key passphrase comes from.
#[derive(Clone, Debug, Default)]
pub struct PassphraseSource {
    /// `--passphrase-file`.
    pub file: Option<PathBuf>,
}

/// What `init` reports.
#[derive(Clone, Debug)]
pub struct InitReport {
    /// Whether the home was created now (false: it existed).
    pub created: bool,
    /// Root certificates: (label, SHA-256 fingerprint).
    pub roots: Vec<(String, String)>,
    /// A first enrollment token, when the home was created now.
    pub token: Option<String>,
    /// Where a generated passphrase was written.
    pub generated_passphrase: Option<PathBuf>,
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> CaError + '_ {
    move |e| CaError::Unavailable(format!("{}: {e}", p.display()))
}

fn read_passphrase_file(p: &Path) -> CaResult<Zeroizing<Vec<u8>>> {
    let data = Zeroizing::new(std::fs::read(p).map_err(io(p))?);
    let line = data.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(CaError::BadRequest(format!(
            "{}: empty passphrase",
            p.display()
        )));
    }
    Ok(Zeroizing::new(line.to_vec()))
}

/// Finds the passphrase: `--passphrase-file`, then `SHANGMI_CA_PASSPHRASE`,
/// then the file the configuration names. None when there is none yet.
fn find_passphrase(
    home: &Path,
    cfg: &Config,
    src: &PassphraseSource,
) -> CaResult<Option<Zeroizing<Vec<u8>>>> {
    if let Some(f) = &src.file {
        return read_passphrase_file(f).map(Some);
    }
    if let Ok(v) = std::env::var(PASSPHRASE_ENV)
        && !v.is_empty()
    {
        return Ok(Some(Zeroizing::new(v.into_bytes())));
    }
    let p = home.join(&cfg.keys.passphrase_file);
    if p.exists() {
        return read_passphrase_file(&p).map(Some);
    }
    Ok(None)
}

fn key_store(home: &Path, cfg: &Config, pass: &[u8]) -> CaResult<Arc<dyn KeyStore>> {
    match cfg.keys.store.as_str() {
        "file" => Ok(Arc::new(FileKeyStore::new(
            &home.join(&cfg.keys.dir),
            pass,
        )?)),
        other => Err(CaError::BadRequest(format!(
            "configuration: key store {other:?} is not available in this build (file)"
        ))),
    }
}

fn write_pem(p: &Path, c: &Certificate) -> CaResult<()> {
    std::fs::write(p, c.to_pem()).map_err(io(p))
}

fn load_pem(p: &Path) -> CaResult<Certificate> {
    let data = std::fs::read(p).map_err(io(p))?;
    Certificate::from_pem_or_der(&data)
        .map_err(|e| CaError::BadRequest(format!("{}: {e}", p.display())))
}

fn spki(s: &dyn Signer) -> CaResult<shangmi_pki::spki::SubjectPublicKeyInfoOwned> {
    alg::spki_of(&s.public_key()).map_err(|e| CaError::Internal(e.to_string()))
}

fn sign_err(e: shangmi_pki::Error) -> CaError {
    CaError::Internal(format!("building a CA certificate: {e}"))
}

/// Creates a CA home (keys, certificates, configuration, database) unless
/// it exists. `db_url` overrides the database of the default configuration.
pub async fn init(
    home: &Path,
    src: &PassphraseSource,
    db_url: Option<&str>,
) -> CaResult<InitReport> {
    let cfg_path = home.join("config.toml");
    if cfg_path.exists() {
        let cfg = Config::load(&cfg_path)?;
        let roots = cfg
            .cas
            .iter()
            .map(|c| {
                let r = load_pem(&home.join("certs").join(format!("root-{}.pem", c.label)))?;
                Ok((
                    c.label.clone(),
                    shangmi_pki::cert::fingerprint_text(&r.fingerprint_sha256()),
                ))
            })
            .collect::<CaResult<Vec<_>>>()?;
        return Ok(InitReport {
            created: false,
            roots,
            token: None,
            generated_passphrase: None,
        });
    }
    std::fs::create_dir_all(home).map_err(io(home))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700));
    }
    let mut cfg = Config::default();
    if let Some(u) = db_url {
        cfg.database.url = u.to_string();
    }
    cfg.check()?;
    let (pass, generated) = match find_passphrase(home, &cfg, src)? {
        Some(p) => (p, None),
        None => {
            let mut b = [0u8; 32];
            fill(&mut OsRng, &mut b).map_err(|e| CaError::Unavailable(e.to_string()))?;
            use base64ct::Encoding;
            let p = Zeroizing::new(base64ct::Base64UrlUnpadded::encode_string(&b).into_bytes());
            let path = home.join(&cfg.keys.passphrase_file);
            let mut text = p.to_vec();
            text.push(b'\n');
            shangmi_hsm::write_private(&path, &text)?;
            (p, Some(path))
        }
    };
    let keys = key_store(home, &cfg, &pass)?;
    let certs = home.join("certs");
    std::fs::create_dir_all(&certs).map_err(io(&certs))?;
    let mut roots = Vec::new();
    for c in &cfg.cas {
        let a = crate::algorithm(&c.algorithm)?;
        let root_label = format!("root-{}", c.label);
        let root_key = if keys.exists(&root_label) {
            keys.open(&root_label)?
        } else {
            keys.generate(&root_label, a)?
        };
        let root = CertificateBuilder::new(
            Profile::named("root-ca").map_err(sign_err)?,
            parse_name(&c.root_subject).map_err(sign_err)?,
            spki(root_key.as_ref())?,
        )
        .days(c.root_days)
        .sign(Issuer::SelfSigned, root_key.as_ref())
        .map_err(sign_err)?;
        let ca_key = if keys.exists(&c.label) {
            keys.open(&c.label)?
        } else {
            keys.generate(&c.label, a)?
        };
        let ca = CertificateBuilder::new(
            Profile::named("issuing-ca").map_err(sign_err)?,
            parse_name(&c.subject).map_err(sign_err)?,
            spki(ca_key.as_ref())?,
        )
        .days(c.ca_days)
        .sign(Issuer::Ca(&root), root_key.as_ref())
        .map_err(sign_err)?;
        write_pem(&certs.join(format!("{root_label}.pem")), &root)?;
        write_pem(&certs.join(format!("{}.pem", c.label)), &ca)?;
        roots.push((
            c.label.clone(),
            shangmi_pki::cert::fingerprint_text(&root.fingerprint_sha256()),
        ));
    }
    let text = format!(
        "# shangmi CA configuration. Every option has a default; the README's\n\
         # \"Configuration\" section documents each one.\n\n{}",
        toml::to_string_pretty(&cfg).map_err(|e| CaError::Internal(e.to_string()))?
    );
    std::fs::write(&cfg_path, text).map_err(io(&cfg_path))?;
    let auth = open(home, src).await?;
    let d = AuditDraft::new(
        "operator",
        "ca.init",
        "",
        "ok",
        json!({ "roots": roots, "keys": auth.keys.describe(), "database": store::redact(&cfg.database.url) }),
    );
    auth.store.append_audit(&d).await?;
    let token = auth
        .create_token("device", "", Duration::from_secs(86_400), "operator")
        .await?;
    Ok(InitReport {
        created: true,
        roots,
        token: Some(token),
        generated_passphrase: generated,
    })
}

#[allow(clippy::too_many_arguments)]
/// Issues a certificate from an issuing CA to a key of the key store,
/// renewing it when missing or when less than a third of its life is left.
fn ensure_leaf(
    keys: &dyn KeyStore,
    ca: &IssuingCa,
    key_label: &str,
    path: &Path,
    profile: &str,
    subject: &str,
    sans: &str,
    days: u32,
    public_url: &str,
) -> CaResult<(Certificate, Arc<dyn Signer>)> {
    let key = if keys.exists(key_label) {
        keys.open(key_label)?
    } else {
        keys.generate(key_label, ca.algorithm())?
    };
    if path.exists()
        && let Ok(c) = load_pem(path)
    {
        let now = SystemTime::now();
        let life = c
            .not_after()
            .duration_since(c.not_before())
            .unwrap_or_default();
        let left = c.not_after().duration_since(now).unwrap_or_default();
        let same_key = spki(key.as_ref()).ok().as_ref()
            == Some(c.inner().tbs_certificate().subject_public_key_info());
        let same_ca = c
            .verify_signed_by(&ca.cert.public_key().map_err(sign_err)?)
            .is_ok();
        if same_key && same_ca && left > life / 3 {
            return Ok((c, key));
        }
    }
    let mut b = CertificateBuilder::new(
        Profile::named(profile).map_err(sign_err)?,
        parse_name(subject).map_err(sign_err)?,
        spki(key.as_ref())?,
    )
    .days(days);
    if !sans.is_empty() {
        b = b.subject_alt_names(
            parse_general_names(sans)
                .map_err(|e| CaError::BadRequest(format!("[tls] names: {e}")))?,
        );
    }
    if profile != "ocsp-responder" {
        let base = public_url.trim_end_matches('/');
        b = b
            .ocsp_urls(vec![format!("{base}/ocsp")])
            .crl_urls(vec![format!("{base}/crl/{}.crl", ca.label)]);
    }
    let c = b
        .sign(Issuer::Ca(&ca.cert), ca.signer.as_ref())
        .map_err(sign_err)?;
    write_pem(path, &c)?;
    tracing::info!(path = %path.display(), serial = %c.serial_hex(), "issued a service certificate");
    Ok((c, key))
}

/// The listener's certificate chain and key.
pub struct TlsIdentity {
    /// Leaf, issuing CA, root.
    pub chain: Vec<Certificate>,
    /// The key.
    pub key: Arc<dyn Signer>,
}

/// Opens an existing CA home.
pub async fn open(home: &Path, src: &PassphraseSource) -> CaResult<Authority> {
    let cfg_path = home.join("config.toml");
    if !cfg_path.exists() {
        return Err(CaError::NotFound(format!(
            "{} is not a CA home (no config.toml): run `shangmi ca init --home {}`",
            home.display(),
            home.display()
        )));
    }
    let cfg = Config::load(&cfg_path)?;
    let pass = find_passphrase(home, &cfg, src)?.ok_or_else(|| {
        CaError::Unauthorized(format!(
            "no key passphrase: give --passphrase-file, set {PASSPHRASE_ENV}, or restore {}",
            home.join(&cfg.keys.passphrase_file).display()
        ))
    })?;
    let keys = key_store(home, &cfg, &pass)?;
    let certs = home.join("certs");
    let mut cas = Vec::new();
    for c in &cfg.cas {
        let root = load_pem(&certs.join(format!("root-{}.pem", c.label)))?;
        let cert = load_pem(&certs.join(format!("{}.pem", c.label)))?;
        let signer = keys
            .open(&c.label)
            .map_err(|e| CaError::Unauthorized(format!("CA {}: {e}", c.label)))?;
        if spki(signer.as_ref())? != *cert.inner().tbs_certificate().subject_public_key_info() {
            return Err(CaError::BadRequest(format!(
                "CA {}: the key does not match certs/{}.pem",
                c.label, c.label
            )));
        }
        cas.push(Arc::new(IssuingCa {
            label: c.label.clone(),
            cert,
            root,
            signer,
            profiles: c.profiles.clone(),
            default_profile: c.default_profile.clone(),
            ocsp: RwLock::new(None),
        }));
    }
    for ca in &cas {
        let (c, k) = ensure_leaf(
            keys.as_ref(),
            ca,
            &format!("ocsp-{}", ca.label),
            &certs.join(format!("ocsp-{}.pem", ca.label)),
            "ocsp-responder",
            &format!("CN=OCSP responder {},O=shangmi", ca.label),
            "",
            cfg.ocsp.responder_days,
            &cfg.public_url,
        )?;
        if let Ok(mut g) = ca.ocsp.write() {
            *g = Some((c, k));
        }
    }
    let mut idevid = HashMap::new();
    for p in cfg.provisioners.iter().filter(|p| p.kind == "idevid") {
        let path = home.join(&p.roots);
        let data = std::fs::read(&path).map_err(io(&path))?;
        let roots = Certificate::load_all(&data)
            .map_err(|e| CaError::BadRequest(format!("{}: {e}", path.display())))?;
        idevid.insert(p.name.clone(), roots);
    }
    let store = store::open(&cfg.database.url, home, cfg.database.max_connections).await?;
    Ok(Authority::new(
        cfg,
        home.to_path_buf(),
        store,
        keys,
        cas,
        idevid,
    ))
}

/// The listener certificate (renewed when due) and its chain.
pub fn tls_identity(auth: &Authority) -> CaResult<TlsIdentity> {
    let ca = auth.ca(&auth.cfg.tls.ca)?;
    let sans = auth
        .cfg
        .tls
        .names
        .iter()
        .map(|n| {
            if n.parse::<std::net::IpAddr>().is_ok() {
                format!("IP:{n}")
            } else {
                format!("DNS:{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let (leaf, key) = ensure_leaf(
        auth.keys.as_ref(),
        ca,
        "tls",
        &auth.home.join("certs").join("tls.pem"),
        "tls-server",
        "CN=shangmi CA service,O=shangmi",
        &sans,
        auth.cfg.tls.days,
        &auth.cfg.public_url,
    )?;
    Ok(TlsIdentity {
        chain: vec![leaf, ca.cert.clone(), ca.root.clone()],
        key,
    })
}
