//! The CA's configuration: one TOML file in the CA home, every option with
//! a default that works. `shangmi ca init` writes a commented copy.

use crate::error::{CaError, CaResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The whole configuration (`config.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTPS listener: EST, the admin API, health and metrics.
    pub listen: String,
    /// Plain HTTP listener: CRLs, OCSP and CA certificates (these are
    /// signed objects; RFC 5280 and RFC 6960 expect them over HTTP).
    pub http_listen: String,
    /// Base URL written into certificates for the CRL distribution point
    /// and the OCSP responder (authorityInfoAccess).
    pub public_url: String,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// The database.
    pub database: DatabaseConfig,
    /// Where the CA keys are.
    pub keys: KeysConfig,
    /// The certificate of the HTTPS listener.
    pub tls: TlsConfig,
    /// Issuing CAs, each under its own root.
    #[serde(rename = "ca")]
    pub cas: Vec<CaConfig>,
    /// EST labels: which CA and profile each `/.well-known/est/<label>/`
    /// path enrolls with.
    pub est: EstConfig,
    /// Per-profile policy, by profile name.
    pub profiles: BTreeMap<String, ProfilePolicy>,
    /// How devices prove they may enroll.
    pub provisioners: Vec<ProvisionerConfig>,
    /// CRL publication.
    pub crl: CrlConfig,
    /// The OCSP responder.
    pub ocsp: OcspConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// The audit log.
    pub audit: AuditConfig,
    /// Admin client certificates.
    pub admin: AdminConfig,
}

/// `[admin]`: admin API access by client certificate (admin tokens are
/// made with `shangmi ca admin-token create` and stored hashed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Role by SHA-256 fingerprint (hex) of a client certificate issued by
    /// one of this CA's roots: `"ab12..." = "admin"` (admin, operator or
    /// auditor).
    pub client_certs: BTreeMap<String, String>,
}

/// `[database]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite:ca.db` (relative to the home) or `postgres://user@host/db`.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
}

/// `[keys]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// The key store: `file` (encrypted PKCS#8 files).
    pub store: String,
    /// Directory of the key files (relative to the home).
    pub dir: String,
    /// File holding the passphrase (relative to the home), when the
    /// `SHANGMI_CA_PASSPHRASE` variable and `--passphrase-file` are absent.
    pub passphrase_file: String,
}

/// `[tls]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// The issuing CA (label) that signs the listener's certificate. An
    /// ECDSA P-256 CA by default, so stock clients (curl, OpenSSL) connect.
    pub ca: String,
    /// DNS names and IP addresses of the listener certificate.
    pub names: Vec<String>,
    /// Validity of the listener certificate, in days.
    pub days: u32,
}

/// One `[[ca]]`: an issuing CA and its root.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CaConfig {
    /// The label (EST paths, URLs, key names).
    pub label: String,
    /// `sm2`, `p256`, `p384` or `ed25519`.
    pub algorithm: String,
    /// Subject of the issuing CA.
    pub subject: String,
    /// Subject of its root.
    pub root_subject: String,
    /// Profile when a request names none.
    pub default_profile: String,
    /// Profiles this CA may issue.
    pub profiles: Vec<String>,
    /// Validity of the root, in days.
    pub root_days: u32,
    /// Validity of the issuing CA, in days.
    pub ca_days: u32,
}

/// `[est]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EstConfig {
    /// The label used by `/.well-known/est/` without one.
    pub default_label: String,
    /// Labels: `[est.labels.gateway] ca = "sm2", profile = "gateway"`.
    pub labels: BTreeMap<String, EstLabel>,
}

/// One EST label.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EstLabel {
    /// The issuing CA.
    pub ca: String,
    /// The profile.
    pub profile: String,
}

/// `[profiles.<name>]`: policy on top of the built-in profile.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProfilePolicy {
    /// Longest validity, in days (at most the built-in profile's).
    pub max_days: Option<u32>,
    /// Validity when the request does not say.
    pub default_days: Option<u32>,
    /// Key algorithms allowed in requests (`sm2`, `p256`, `p384`,
    /// `ed25519`); all when empty.
    pub key_algorithms: Vec<String>,
    /// Subject patterns allowed (`*` globs over the RFC 4514 string); all
    /// when empty.
    pub subject_allow: Vec<String>,
    /// Subject patterns refused.
    pub subject_deny: Vec<String>,
    /// Alternative-name patterns allowed (`DNS:*.example.com`,
    /// `URI:urn:dev:*`); all when empty.
    pub san_allow: Vec<String>,
    /// Alternative-name patterns refused.
    pub san_deny: Vec<String>,
    /// Hold requests for an operator's approval (EST answers 202).
    pub approval: bool,
}

/// One `[[provisioners]]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProvisionerConfig {
    /// Its name (in audit entries).
    pub name: String,
    /// `token`, `idevid`, `mtls` (re-enrollment) or `basic`.
    pub kind: String,
    /// Profiles it may ask for; all the label allows when empty.
    pub profiles: Vec<String>,
    /// `idevid`: PEM file of the manufacturer roots (relative to the home).
    pub roots: String,
    /// `basic`: the user name.
    pub username: String,
    /// `basic`: the password hash (`shangmi ca hash-password` prints one).
    pub password_hash: String,
}

/// `[crl]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CrlConfig {
    /// Regenerate every this many seconds (and on every revocation).
    pub refresh_seconds: u64,
    /// nextUpdate - thisUpdate, in seconds.
    pub validity_seconds: u64,
}

/// `[ocsp]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OcspConfig {
    /// Validity of the delegated responder certificates, in days (renewed
    /// at start when less than a third is left).
    pub responder_days: u32,
    /// nextUpdate of answers, in seconds.
    pub validity_seconds: u64,
}

/// `[limits]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute per client address (0: no limit).
    pub requests_per_minute: u32,
    /// Seconds before a request times out.
    pub request_timeout_seconds: u64,
}

/// `[audit]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Sign a checkpoint every this many entries.
    pub checkpoint_every: u64,
    /// The CA (label) whose key signs checkpoints.
    pub signer: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8443".into(),
            http_listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            log_format: "text".into(),
            database: DatabaseConfig::default(),
            keys: KeysConfig::default(),
            tls: TlsConfig::default(),
            cas: vec![
                CaConfig {
                    label: "sm2".into(),
                    algorithm: "sm2".into(),
                    subject: "CN=shangmi SM2 Issuing CA,O=shangmi,C=CN".into(),
                    root_subject: "CN=shangmi SM2 Root CA,O=shangmi,C=CN".into(),
                    ..CaConfig::default()
                },
                CaConfig {
                    label: "ecdsa".into(),
                    algorithm: "p256".into(),
                    subject: "CN=shangmi ECDSA Issuing CA,O=shangmi,C=CN".into(),
                    root_subject: "CN=shangmi ECDSA Root CA,O=shangmi,C=CN".into(),
                    ..CaConfig::default()
                },
            ],
            est: EstConfig::default(),
            profiles: BTreeMap::new(),
            provisioners: vec![
                ProvisionerConfig {
                    name: "bootstrap-token".into(),
                    kind: "token".into(),
                    ..Default::default()
                },
                ProvisionerConfig {
                    name: "reenroll".into(),
                    kind: "mtls".into(),
                    ..Default::default()
                },
            ],
            crl: CrlConfig::default(),
            ocsp: OcspConfig::default(),
            limits: LimitsConfig::default(),
            audit: AuditConfig::default(),
            admin: AdminConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite:ca.db".into(),
            max_connections: 8,
        }
    }
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            store: "file".into(),
            dir: "keys".into(),
            passphrase_file: "passphrase".into(),
        }
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            ca: "ecdsa".into(),
            names: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            days: 365,
        }
    }
}

impl Default for CaConfig {
    fn default() -> Self {
        Self {
            label: String::new(),
            algorithm: "sm2".into(),
            subject: String::new(),
            root_subject: String::new(),
            default_profile: "device".into(),
            // Every built-in end-entity profile: not the CA ones, not the
            // OCSP responder's (the CA issues those itself).
            profiles: shangmi_pki::profile::NAMES
                .iter()
                .filter_map(|n| shangmi_pki::profile::Profile::named(n).ok())
                .filter(|p| !p.ca && !p.ocsp_nocheck)
                .map(|p| p.name)
                .collect(),
            root_days: 7300,
            ca_days: 3650,
        }
    }
}

impl Default for EstConfig {
    fn default() -> Self {
        let mut labels = BTreeMap::new();
        for (l, ca, p) in [
            ("device", "sm2", "device"),
            ("gateway", "sm2", "gateway"),
            ("platform", "sm2", "platform"),
            ("encrypt", "sm2", "encrypt"),
            ("ecdsa", "ecdsa", "device"),
            ("ecdsa-server", "ecdsa", "tls-server"),
        ] {
            labels.insert(
                l.to_string(),
                EstLabel {
                    ca: ca.into(),
                    profile: p.into(),
                },
            );
        }
        Self {
            default_label: "device".into(),
            labels,
        }
    }
}

impl Default for CrlConfig {
    fn default() -> Self {
        Self {
            refresh_seconds: 3600,
            validity_seconds: 86_400,
        }
    }
}

impl Default for OcspConfig {
    fn default() -> Self {
        Self {
            responder_days: 90,
            validity_seconds: 3600,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            requests_per_minute: 6000,
            request_timeout_seconds: 30,
        }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            checkpoint_every: 64,
            signer: "sm2".into(),
        }
    }
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> CaResult<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CaError::BadRequest(format!("{}: {e}", path.display())))?;
        let cfg: Config = toml::from_str(&text)
            .map_err(|e| CaError::BadRequest(format!("{}: {e}", path.display())))?;
        cfg.check()?;
        Ok(cfg)
    }

    /// Checks cross-references (labels, profiles, algorithms).
    pub fn check(&self) -> CaResult<()> {
        let bad = |m: String| Err(CaError::BadRequest(format!("configuration: {m}")));
        if self.cas.is_empty() {
            return bad("at least one [[ca]] is needed".into());
        }
        for c in &self.cas {
            if c.label.is_empty()
                || !c
                    .label
                    .chars()
                    .all(|x| x.is_ascii_alphanumeric() || x == '-')
            {
                return bad(format!(
                    "CA label {:?}: letters, digits and '-' only",
                    c.label
                ));
            }
            crate::algorithm(&c.algorithm)?;
            shangmi_pki::name::parse_name(&c.subject).map_err(|e| {
                CaError::BadRequest(format!("configuration: CA {} subject: {e}", c.label))
            })?;
            shangmi_pki::name::parse_name(&c.root_subject).map_err(|e| {
                CaError::BadRequest(format!("configuration: CA {} root_subject: {e}", c.label))
            })?;
            for p in c.profiles.iter().chain(std::iter::once(&c.default_profile)) {
                shangmi_pki::Profile::named(p).map_err(|e| {
                    CaError::BadRequest(format!("configuration: CA {}: {e}", c.label))
                })?;
            }
        }
        if self.cas.iter().filter(|c| c.label == self.tls.ca).count() != 1 {
            return bad(format!("[tls] ca = {:?} names no [[ca]]", self.tls.ca));
        }
        if !self.est.labels.contains_key(&self.est.default_label)
            && !self.cas.iter().any(|c| c.label == self.est.default_label)
        {
            return bad(format!(
                "[est] default_label = {:?} names no EST label or CA",
                self.est.default_label
            ));
        }
        if !self.cas.iter().any(|c| c.label == self.audit.signer) {
            return bad(format!(
                "[audit] signer = {:?} names no [[ca]]",
                self.audit.signer
            ));
        }
        for (l, e) in &self.est.labels {
            let Some(ca) = self.cas.iter().find(|c| c.label == e.ca) else {
                return bad(format!("[est.labels.{l}] ca = {:?} names no [[ca]]", e.ca));
            };
            if !ca.profiles.contains(&e.profile) {
                return bad(format!(
                    "[est.labels.{l}] profile {:?} is not one CA {} issues",
                    e.profile, ca.label
                ));
            }
            if self.cas.iter().any(|c| c.label == *l) && e.ca != *l {
                return bad(format!(
                    "EST label {l:?} is also a CA label but points at CA {:?}",
                    e.ca
                ));
            }
        }
        for (name, p) in &self.profiles {
            shangmi_pki::Profile::named(name).map_err(|e| {
                CaError::BadRequest(format!("configuration: [profiles.{name}]: {e}"))
            })?;
            for a in &p.key_algorithms {
                crate::algorithm(a)?;
            }
        }
        for p in &self.provisioners {
            match p.kind.as_str() {
                "token" | "mtls" => {}
                "idevid" if !p.roots.is_empty() => {}
                "idevid" => return bad(format!("provisioner {}: idevid needs roots", p.name)),
                "basic" if !p.username.is_empty() && !p.password_hash.is_empty() => {}
                "basic" => {
                    return bad(format!(
                        "provisioner {}: basic needs username and password_hash",
                        p.name
                    ));
                }
                k => {
                    return bad(format!(
                        "provisioner {}: unknown kind {k:?} (token, idevid, mtls, basic)",
                        p.name
                    ));
                }
            }
        }
        for (fp, role) in &self.admin.client_certs {
            if crate::server::Role::parse(role).is_none()
                || hex::decode(fp).map(|v| v.len()) != Ok(32)
            {
                return bad(format!(
                    "[admin] client_certs: {fp:?} = {role:?}: want a SHA-256 hex fingerprint and admin, operator or auditor"
                ));
            }
        }
        if self.limits.max_body_bytes < 1024 {
            return bad("limits.max_body_bytes below 1024".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CA serves every built-in end-entity profile by default.
    #[test]
    fn default_profiles_are_the_end_entity_ones() {
        assert_eq!(
            CaConfig::default().profiles,
            [
                "device",
                "gateway",
                "platform",
                "tls-server",
                "tls-client",
                "code-signing",
                "sign",
                "encrypt"
            ]
        );
    }
}
