//! The authority core: the one place that decides what to issue, revoke
//! and answer. The protocol front ends (EST, admin API, OCSP, CRL) parse
//! and authenticate, then call it.

use crate::audit::{self, AuditDraft};
use crate::config::{Config, ProfilePolicy};
use crate::error::{CaError, CaResult, bad_input};
use crate::metrics as m;
use crate::policy;
use crate::store::{
    self, CertFilter, CertRecord, Checkpoint, CrlRecord, IssueLinks, RequestRecord, Storage,
    TokenRecord,
};
use base64ct::Encoding;
use serde_json::json;
use shangmi::alg::{PrivateKey, SignatureAlgorithm};
use shangmi::rng::{OsRng, fill};
use shangmi_hsm::KeyStore;
use shangmi_pki::crl::{CrlBuilder, RevokedEntry, Scope};
use shangmi_pki::name::display_name;
use shangmi_pki::ocsp::{self, Answer, Status};
use shangmi_pki::x509_cert::ext::pkix::CrlReason;
use shangmi_pki::x509_cert::ext::pkix::name::GeneralName;
use shangmi_pki::{Certificate, CertificateBuilder, Csr, Issuer, Profile, Signer, alg, path};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An issuing CA: its certificate, its root, its key.
pub struct IssuingCa {
    /// The label.
    pub label: String,
    /// The issuing CA certificate.
    pub cert: Certificate,
    /// Its root.
    pub root: Certificate,
    /// Its key.
    pub signer: Arc<dyn Signer>,
    /// Profiles it issues.
    pub profiles: Vec<String>,
    /// The profile when a request names none.
    pub default_profile: String,
    /// The delegated OCSP responder: certificate and key.
    pub ocsp: RwLock<Option<(Certificate, Arc<dyn Signer>)>>,
}

impl IssuingCa {
    /// The chain a client needs: issuing CA, then root.
    pub fn chain(&self) -> Vec<Certificate> {
        vec![self.cert.clone(), self.root.clone()]
    }

    /// The key algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.signer.algorithm()
    }
}

/// How a client authenticated at the HTTP layer.
#[derive(Clone, Debug, Default)]
pub enum Credential {
    /// Nothing.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic` user and password.
    Basic(String, String),
}

/// What the TLS layer knows about the client.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// Its address.
    pub addr: String,
    /// Its certificate chain (leaf first), when it presented one.
    pub certs: Vec<Certificate>,
    /// The RFC 9266 tls-exporter channel binding of the connection.
    pub channel_binding: Option<Vec<u8>>,
}

/// Which EST operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// simpleenroll.
    Enroll,
    /// simplereenroll.
    Reenroll,
    /// serverkeygen.
    ServerKeygen,
}

/// What an enrollment produced.
pub enum Outcome {
    /// A certificate (and, for serverkeygen, its key).
    Issued {
        /// The certificate.
        cert: Box<Certificate>,
        /// Issuing CA and root.
        chain: Vec<Certificate>,
        /// serverkeygen: the private key as PKCS#8 DER, or as a GM/T 0009
        /// SM2EnvelopedKey when `enveloped`.
        key: Option<Vec<u8>>,
        /// Whether `key` is an SM2EnvelopedKey.
        enveloped: bool,
    },
    /// Held for approval.
    Pending {
        /// The request id.
        id: String,
        /// Seconds the client should wait.
        retry_after: u64,
    },
}

/// The authority.
pub struct Authority {
    /// The configuration.
    pub cfg: Config,
    /// The CA home.
    pub home: PathBuf,
    /// The storage.
    pub store: Arc<dyn Storage>,
    /// The key store.
    pub keys: Arc<dyn KeyStore>,
    /// The issuing CAs.
    pub cas: Vec<Arc<IssuingCa>>,
    /// Manufacturer roots per idevid provisioner.
    pub idevid_roots: HashMap<String, Vec<Certificate>>,
    /// `SHANGMI_CA_FAILPOINT=<point>[:<n>]`: abort the process at the n-th
    /// (default first) arrival at `point` (`after-sign`, `after-store`), to
    /// test crash recovery.
    failpoint: Option<(String, u64)>,
    failpoint_hits: std::sync::atomic::AtomicU64,
    basic_key: zeroize::Zeroizing<[u8; 32]>,
    basic_cache: std::sync::Mutex<HashMap<String, [u8; 32]>>,
    checkpointing: tokio::sync::Mutex<()>,
}

/// A fresh random token with a prefix: `<prefix>_<base64url of 24 bytes>`.
pub fn new_secret(prefix: &str) -> CaResult<String> {
    let mut b = [0u8; 24];
    fill(&mut OsRng, &mut b).map_err(|e| CaError::Unavailable(format!("RNG: {e}")))?;
    Ok(format!(
        "{prefix}_{}",
        base64ct::Base64UrlUnpadded::encode_string(&b)
    ))
}

/// The id of a held request: derived from the CSR, so that a client
/// repeating the same request polls it (RFC 7030 4.2.3).
pub fn request_id(csr_der: &[u8]) -> String {
    format!("req_{}", &hex::encode(shangmi::sm3::hash(csr_der))[..32])
}

/// The stored form of a token: SM3, hex.
pub fn secret_hash(token: &str) -> String {
    hex::encode(shangmi::sm3::hash(token.as_bytes()))
}

fn secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The device a certificate identifies: a URN alternative name, else a
/// hardware serial, else the subject serialNumber, else the common name.
pub fn device_id(subject: &shangmi_pki::x509_cert::name::Name, sans: &[GeneralName]) -> String {
    for g in sans {
        if let GeneralName::UniformResourceIdentifier(u) = g
            && u.as_str().starts_with("urn:")
        {
            return u.to_string();
        }
    }
    for g in sans {
        let s = policy::san_string(g);
        if let Some(hw) = s.strip_prefix("HWSN:") {
            return hw.to_string();
        }
    }
    shangmi_pki::name::attribute(subject, &shangmi_pki::oid::AT_SERIAL_NUMBER)
        .or_else(|| shangmi_pki::name::common_name(subject))
        .unwrap_or_default()
}

/// Whether a challengePassword carries an RFC 9266 channel binding
/// (`tls-exporter:<base64>`).
fn binding_of(pw: &str) -> Option<Vec<u8>> {
    let b = pw.strip_prefix("tls-exporter:")?;
    base64ct::Base64::decode_vec(b.trim()).ok()
}

impl Authority {
    /// Assembles an authority from its parts (see `home::open`).
    pub fn new(
        cfg: Config,
        home: PathBuf,
        store: Arc<dyn Storage>,
        keys: Arc<dyn KeyStore>,
        cas: Vec<Arc<IssuingCa>>,
        idevid_roots: HashMap<String, Vec<Certificate>>,
    ) -> Self {
        Self {
            cfg,
            home,
            store,
            keys,
            cas,
            idevid_roots,
            failpoint: std::env::var("SHANGMI_CA_FAILPOINT").ok().map(|v| {
                match v.split_once(':') {
                    Some((p, n)) => (p.to_string(), n.parse().unwrap_or(1)),
                    None => (v, 1),
                }
            }),
            failpoint_hits: std::sync::atomic::AtomicU64::new(0),
            basic_key: {
                let mut k = zeroize::Zeroizing::new([0u8; 32]);
                let _ = fill(&mut OsRng, &mut k[..]);
                k
            },
            basic_cache: std::sync::Mutex::new(HashMap::new()),
            checkpointing: tokio::sync::Mutex::new(()),
        }
    }

    /// The CA labelled `label`.
    pub fn ca(&self, label: &str) -> CaResult<&Arc<IssuingCa>> {
        self.cas
            .iter()
            .find(|c| c.label == label)
            .ok_or_else(|| CaError::NotFound(format!("no CA labelled {label:?}")))
    }

    /// Resolves an EST label (None: the default CA) to a CA and profile.
    pub fn resolve(&self, label: Option<&str>) -> CaResult<(Arc<IssuingCa>, String, String)> {
        let label = label.unwrap_or(&self.cfg.est.default_label).to_string();
        if let Some(e) = self.cfg.est.labels.get(&label) {
            return Ok((self.ca(&e.ca)?.clone(), e.profile.clone(), label));
        }
        let ca = self
            .ca(&label)
            .map_err(|_| CaError::NotFound(format!("unknown EST label {label:?}")))?
            .clone();
        let p = ca.default_profile.clone();
        Ok((ca, p, label))
    }

    fn policy(&self, profile: &str) -> ProfilePolicy {
        self.cfg.profiles.get(profile).cloned().unwrap_or_default()
    }

    /// The profile with the configured policy applied.
    pub fn profile(&self, name: &str) -> CaResult<Profile> {
        let mut p = Profile::named(name).map_err(|e| CaError::BadRequest(e.to_string()))?;
        let pol = self.policy(name);
        if let Some(m) = pol.max_days {
            p.max_days = p.max_days.min(m);
        }
        if let Some(d) = pol.default_days {
            p.default_days = d.min(p.max_days);
        }
        p.default_days = p.default_days.min(p.max_days);
        Ok(p)
    }

    fn fail_at(&self, point: &str) {
        if let Some((p, n)) = &self.failpoint
            && p == point
            && self
                .failpoint_hits
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1
                >= *n
        {
            tracing::error!(point, "failpoint reached: aborting the process");
            std::process::abort();
        }
    }

    /// Records a refusal in the audit log (and the metrics) and returns
    /// the error.
    pub async fn deny(&self, actor: &str, action: &str, target: &str, e: CaError) -> CaError {
        m::denied(action, e.kind());
        let d = AuditDraft::new(
            actor,
            action,
            target,
            e.kind(),
            json!({ "error": e.to_string() }),
        );
        if let Err(ae) = self.store.append_audit(&d).await {
            tracing::error!(error = %ae, "could not record a refusal in the audit log");
        }
        tracing::warn!(actor, action, target, status = e.status(), error = %e, "refused");
        e
    }

    /// Enrolls (or re-enrolls, or generates a key for) the requester of
    /// `csr_der` under `label`. Refusals are audited by the front end that
    /// received the request (see `server`).
    pub async fn enroll(
        &self,
        label: Option<&str>,
        csr_der: &[u8],
        cred: &Credential,
        client: &ClientInfo,
        mode: Mode,
    ) -> CaResult<Outcome> {
        let action = match mode {
            Mode::Enroll => "enroll",
            Mode::Reenroll => "reenroll",
            Mode::ServerKeygen => "serverkeygen",
        };
        let started = std::time::Instant::now();
        let o = self
            .enroll_inner(label, csr_der, cred, client, mode)
            .await?;
        m::enrolled(action, started.elapsed());
        Ok(o)
    }

    async fn enroll_inner(
        &self,
        label: Option<&str>,
        csr_der: &[u8],
        cred: &Credential,
        client: &ClientInfo,
        mode: Mode,
    ) -> CaResult<Outcome> {
        let (ca, profile_name, label) = self.resolve(label)?;
        let csr = Csr::from_der(csr_der).map_err(bad_input("certification request"))?;
        csr.verify()
            .map_err(|e| CaError::BadRequest(format!("proof of possession failed: {e}")))?;
        let key = csr
            .public_key()
            .map_err(bad_input("requested public key"))?;
        let sans = csr
            .subject_alt_names()
            .map_err(bad_input("requested alternative names"))?;
        let subject = display_name(csr.subject());
        let challenge = csr
            .challenge_password()
            .map_err(bad_input("challengePassword"))?;

        // A channel binding in challengePassword must match this connection.
        if let Some(b) = challenge.as_deref().and_then(binding_of)
            && client.channel_binding.as_deref() != Some(&b[..])
        {
            return Err(CaError::Forbidden(
                "the channel binding in challengePassword does not match this TLS connection"
                    .into(),
            ));
        }

        // Who is asking, and what may they have.
        let mut links = IssueLinks::default();
        let (provisioner, requester) = match mode {
            Mode::Reenroll => {
                let current = self.authenticate_current(&ca, client).await?;
                if current.subject() != csr.subject() {
                    return Err(CaError::Forbidden(
                        "re-enrollment must keep the subject of the current certificate".into(),
                    ));
                }
                let cur_sans = current
                    .subject_alt_names()
                    .map_err(bad_input("current certificate"))?;
                if cur_sans != sans {
                    return Err(CaError::Forbidden(
                        "re-enrollment must keep the alternative names of the current certificate"
                            .into(),
                    ));
                }
                ("mtls".to_string(), format!("mtls:{}", current.serial_hex()))
            }
            _ => {
                let (prov, who, token) = self
                    .authenticate_new(
                        &label,
                        &profile_name,
                        cred,
                        challenge.as_deref(),
                        client,
                        &csr,
                        &sans,
                    )
                    .await?;
                links.token = token;
                (prov, who)
            }
        };
        if let Some(p) = self.cfg.provisioners.iter().find(|p| p.name == provisioner)
            && !p.profiles.is_empty()
            && !p.profiles.contains(&profile_name)
        {
            return Err(CaError::Forbidden(format!(
                "provisioner {provisioner} may not request profile {profile_name}"
            )));
        }
        if !ca.profiles.contains(&profile_name) {
            return Err(CaError::Forbidden(format!(
                "CA {} does not issue profile {profile_name}",
                ca.label
            )));
        }

        // Policy.
        let pol = self.policy(&profile_name);
        let key_alg = match mode {
            Mode::ServerKeygen => ca.algorithm(),
            _ => key.algorithm(),
        };
        policy::check(&pol, key_alg, &csr_subject_rfc4514(&csr), &sans)?;
        if pol.approval && mode == Mode::Enroll {
            let id = request_id(csr_der);
            let rec = RequestRecord {
                id: id.clone(),
                label: label.clone(),
                profile: profile_name.clone(),
                requester: requester.clone(),
                csr: csr_der.to_vec(),
                status: "pending".into(),
                serial: None,
                created_at: store::now(),
                decided_at: None,
                decided_by: None,
            };
            let d = AuditDraft::new(
                &requester,
                "request.pending",
                &id,
                "ok",
                json!({ "subject": subject, "label": label, "provisioner": provisioner }),
            );
            self.store
                .put_request(&rec, links.token.as_deref(), &d)
                .await?;
            return Ok(Outcome::Pending {
                id,
                retry_after: 60,
            });
        }

        // Server key generation: a fresh key replaces the requested one.
        let (spki, new_key) = match mode {
            Mode::ServerKeygen => {
                let k = PrivateKey::generate(ca.algorithm(), &mut OsRng)
                    .map_err(|e| CaError::Unavailable(format!("key generation: {e}")))?;
                (
                    alg::spki_of(&k.public_key()).map_err(|e| CaError::Internal(e.to_string()))?,
                    Some(k),
                )
            }
            _ => (csr.spki().clone(), None),
        };
        let cert = self
            .issue_cert(
                &ca,
                &profile_name,
                csr.subject().clone(),
                spki,
                sans,
                None,
                &requester,
                &provisioner,
                links,
                None,
            )
            .await?;
        let (key, enveloped) = match new_key {
            None => (None, false),
            Some(k) => {
                if profile_name == "encrypt" {
                    // GM/T 0009: the encryption key pair goes back wrapped
                    // to the requester's signing key (the CSR's).
                    let shangmi::alg::PublicKey::Sm2(to) = key else {
                        return Err(CaError::BadRequest(
                            "an SM2-enveloped key needs an SM2 key in the request".into(),
                        ));
                    };
                    let PrivateKey::Sm2(sk) = &k else {
                        return Err(CaError::Internal("encryption keys are SM2".into()));
                    };
                    let env = shangmi_pki::envelope::seal(sk, &to)
                        .map_err(|e| CaError::Internal(e.to_string()))?;
                    (Some(env), true)
                } else {
                    (
                        Some(
                            k.to_pkcs8_der()
                                .map_err(|e| CaError::Internal(e.to_string()))?
                                .to_vec(),
                        ),
                        false,
                    )
                }
            }
        };
        Ok(Outcome::Issued {
            cert: Box::new(cert),
            chain: ca.chain(),
            key,
            enveloped,
        })
    }

    /// Authenticates a first enrollment: IDevID, HTTP Basic, or a
    /// bootstrap token (Bearer, Basic password or challengePassword).
    /// Returns (provisioner, requester, token hash to consume).
    #[allow(clippy::too_many_arguments)]
    async fn authenticate_new(
        &self,
        label: &str,
        profile: &str,
        cred: &Credential,
        challenge: Option<&str>,
        client: &ClientInfo,
        csr: &Csr,
        sans: &[GeneralName],
    ) -> CaResult<(String, String, Option<String>)> {
        // A manufacturer certificate (IEEE 802.1AR IDevID) over mutual TLS.
        if let Some(leaf) = client.certs.first() {
            for p in self.cfg.provisioners.iter().filter(|p| p.kind == "idevid") {
                let roots = self
                    .idevid_roots
                    .get(&p.name)
                    .map(|v| &v[..])
                    .unwrap_or(&[]);
                if path::validate(leaf, roots, &client.certs[1..], &path::Options::default())
                    .is_ok()
                {
                    let idev = device_id(
                        leaf.subject(),
                        &leaf.subject_alt_names().unwrap_or_default(),
                    );
                    let req = device_id(csr.subject(), sans);
                    if idev.is_empty() || idev != req {
                        return Err(CaError::Forbidden(format!(
                            "the request is for device {req:?} but the manufacturer certificate names {idev:?}"
                        )));
                    }
                    return Ok((
                        p.name.clone(),
                        format!("idevid:{}", leaf.serial_hex()),
                        None,
                    ));
                }
            }
        }
        // A configured HTTP Basic user.
        if let Credential::Basic(user, pass) = cred
            && let Some(p) = self
                .cfg
                .provisioners
                .iter()
                .find(|p| p.kind == "basic" && p.username == *user)
        {
            if self.basic_ok(&p.name, pass, &p.password_hash).await {
                return Ok((p.name.clone(), format!("basic:{user}"), None));
            }
            return Err(CaError::Unauthorized("wrong user name or password".into()));
        }
        // A bootstrap token, however presented.
        let token = match cred {
            Credential::Bearer(t) => Some(t.clone()),
            Credential::Basic(_, p) => Some(p.clone()),
            Credential::None => None,
        }
        .or_else(|| {
            challenge
                .filter(|c| binding_of(c).is_none())
                .map(str::to_string)
        });
        let Some(token) = token else {
            return Err(CaError::Unauthorized(
                "authentication required: a bootstrap token (Bearer, Basic password or challengePassword), \
                 a manufacturer certificate, or the current certificate for re-enrollment"
                    .into(),
            ));
        };
        let Some(prov) = self.cfg.provisioners.iter().find(|p| p.kind == "token") else {
            return Err(CaError::Unauthorized(
                "bootstrap tokens are not enabled".into(),
            ));
        };
        let h = secret_hash(&token);
        let t = self
            .store
            .token(&h)
            .await?
            .ok_or_else(|| CaError::Unauthorized("unknown bootstrap token".into()))?;
        let now = store::now();
        if t.used_at.is_some() {
            return Err(CaError::Unauthorized(
                "the bootstrap token was used already".into(),
            ));
        }
        if t.expires_at <= now {
            return Err(CaError::Unauthorized(
                "the bootstrap token has expired".into(),
            ));
        }
        if t.label != label {
            return Err(CaError::Forbidden(format!(
                "the token is for label {:?}, not {label:?}",
                t.label
            )));
        }
        if t.profile != profile {
            return Err(CaError::Forbidden(format!(
                "the token is for profile {:?}, not {profile:?}",
                t.profile
            )));
        }
        if !t.san_pattern.is_empty() {
            let pats: Vec<&str> = t
                .san_pattern
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if sans.is_empty() {
                return Err(CaError::Forbidden(format!(
                    "the token requires alternative names matching {}",
                    t.san_pattern
                )));
            }
            for g in sans {
                let s = policy::san_string(g);
                if !pats.iter().any(|p| policy::glob(p, &s)) {
                    return Err(CaError::Forbidden(format!(
                        "{s} is not allowed by this token ({})",
                        t.san_pattern
                    )));
                }
            }
        }
        Ok((prov.name.clone(), format!("token:{}", &h[..16]), Some(h)))
    }

    /// Checks an HTTP Basic password. PBKDF2 is deliberately slow, so it
    /// runs off the async workers, and a password once verified is
    /// remembered (as a keyed SM3 of it, the key random per process) so
    /// that a constrained client enrolling again is not slowed down.
    async fn basic_ok(&self, provisioner: &str, pass: &str, stored: &str) -> bool {
        use subtle::ConstantTimeEq;
        let mac = shangmi::sm3::hmac(
            &self.basic_key[..],
            format!("{provisioner}\0{pass}").as_bytes(),
        );
        if let Ok(cache) = self.basic_cache.lock()
            && cache
                .get(provisioner)
                .is_some_and(|m| bool::from(m.ct_eq(&mac)))
        {
            return true;
        }
        let (pass, stored) = (pass.to_string(), stored.to_string());
        let ok = tokio::task::spawn_blocking(move || crate::password::verify(&pass, &stored))
            .await
            .unwrap_or(false);
        if ok && let Ok(mut cache) = self.basic_cache.lock() {
            cache.insert(provisioner.to_string(), mac);
        }
        ok
    }

    /// The client's current certificate from this CA, validated and not
    /// revoked (re-enrollment).
    pub async fn authenticate_current(
        &self,
        ca: &IssuingCa,
        client: &ClientInfo,
    ) -> CaResult<Certificate> {
        if !self.cfg.provisioners.iter().any(|p| p.kind == "mtls") {
            return Err(CaError::Forbidden("re-enrollment is not enabled".into()));
        }
        let leaf = client.certs.first().ok_or_else(|| {
            CaError::Unauthorized(
                "re-enrollment needs the current certificate as the TLS client certificate".into(),
            )
        })?;
        path::validate(
            leaf,
            std::slice::from_ref(&ca.root),
            std::slice::from_ref(&ca.cert),
            &path::Options::default(),
        )
        .map_err(|e| CaError::Unauthorized(format!("client certificate: {e}")))?;
        let rec = self.store.cert(&leaf.serial_hex()).await?.ok_or_else(|| {
            CaError::Unauthorized("the client certificate is not one this CA issued".into())
        })?;
        if rec.status != store::VALID {
            return Err(CaError::Unauthorized(
                "the client certificate is revoked".into(),
            ));
        }
        Ok(leaf.clone())
    }

    /// Signs and records a certificate. The record, what it consumed and
    /// its audit entry are stored in one transaction before the
    /// certificate leaves this function.
    #[allow(clippy::too_many_arguments)]
    pub async fn issue_cert(
        &self,
        ca: &IssuingCa,
        profile_name: &str,
        subject: shangmi_pki::x509_cert::name::Name,
        spki: shangmi_pki::spki::SubjectPublicKeyInfoOwned,
        sans: Vec<GeneralName>,
        days: Option<u32>,
        requester: &str,
        provisioner: &str,
        links: IssueLinks,
        serial: Option<Vec<u8>>,
    ) -> CaResult<Certificate> {
        let profile = self.profile(profile_name)?;
        let base = self.cfg.public_url.trim_end_matches('/');
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut b = CertificateBuilder::new(profile.clone(), subject.clone(), spki.clone())
                .subject_alt_names(sans.clone())
                .crl_urls(vec![format!("{base}/crl/{}.crl", ca.label)])
                .ocsp_urls(vec![format!("{base}/ocsp")])
                .ca_issuers_urls(vec![format!("{base}/ca/{}.crt", ca.label)]);
            if let Some(d) = days {
                b = b.days(d);
            }
            if let Some(s) = &serial {
                b = b.serial(s.clone());
            }
            let cert = b
                .sign(Issuer::Ca(&ca.cert), ca.signer.as_ref())
                .map_err(|e| match e {
                    shangmi_pki::Error::Lint(_) => {
                        CaError::BadRequest(format!("refused by the issuance linter: {e}"))
                    }
                    shangmi_pki::Error::Invalid(m) => CaError::BadRequest(m),
                    e => CaError::Internal(format!("signing: {e}")),
                })?;
            self.fail_at("after-sign");
            let sans_text = sans
                .iter()
                .map(policy::san_string)
                .collect::<Vec<_>>()
                .join(",");
            let rec = CertRecord {
                serial: cert.serial_hex(),
                ca_label: ca.label.clone(),
                profile: profile_name.to_string(),
                subject: cert.subject_text(),
                sans: sans_text.clone(),
                device_id: device_id(cert.subject(), &sans),
                not_before: secs(cert.not_before()),
                not_after: secs(cert.not_after()),
                issued_at: store::now(),
                requester: requester.to_string(),
                der: cert.to_der().to_vec(),
                status: store::VALID.into(),
                revoked_at: None,
                reason: None,
                sha256: hex::encode(cert.fingerprint_sha256()),
            };
            let d = AuditDraft::new(
                requester,
                "issue",
                &rec.serial,
                "ok",
                json!({ "ca": ca.label, "profile": profile_name, "subject": rec.subject, "sans": sans_text, "provisioner": provisioner }),
            );
            match self.store.issue(&rec, &links, &d).await {
                Ok(_) => {
                    self.fail_at("after-store");
                    tracing::info!(serial = %rec.serial, ca = %ca.label, profile = profile_name, subject = %rec.subject, requester, "issued");
                    self.checkpoint_if_due().await;
                    return Ok(cert);
                }
                Err(CaError::Conflict(m))
                    if m.contains("serial number collision") && serial.is_none() && attempt < 3 =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Approves or rejects a pending request; an approval issues at once.
    pub async fn decide(&self, id: &str, approve: bool, by: &str) -> CaResult<Option<Certificate>> {
        let req = self
            .store
            .request(id)
            .await?
            .ok_or_else(|| CaError::NotFound(format!("no request {id}")))?;
        let status = if approve { "approved" } else { "rejected" };
        let d = AuditDraft::new(
            by,
            &format!("request.{status}"),
            id,
            "ok",
            json!({ "requester": req.requester }),
        );
        self.store.decide(id, status, by, store::now(), &d).await?;
        if !approve {
            return Ok(None);
        }
        let (ca, profile, _) = self.resolve(Some(&req.label))?;
        let csr = Csr::from_der(&req.csr).map_err(bad_input("stored request"))?;
        let sans = csr
            .subject_alt_names()
            .map_err(bad_input("stored request"))?;
        let links = IssueLinks {
            request: Some(id.to_string()),
            ..Default::default()
        };
        let cert = self
            .issue_cert(
                &ca,
                &profile,
                csr.subject().clone(),
                csr.spki().clone(),
                sans,
                None,
                &req.requester,
                "approval",
                links,
                None,
            )
            .await?;
        Ok(Some(cert))
    }

    /// The certificate a pending request led to, for a client polling
    /// with its id: Pending while undecided.
    pub async fn poll(&self, id: &str) -> CaResult<Outcome> {
        let req = self
            .store
            .request(id)
            .await?
            .ok_or_else(|| CaError::NotFound(format!("no request {id}")))?;
        match (req.status.as_str(), &req.serial) {
            ("issued", Some(s)) => {
                let rec = self.store.cert(s).await?.ok_or_else(|| {
                    CaError::Internal("issued request without a certificate".into())
                })?;
                let cert = Certificate::from_der(&rec.der)
                    .map_err(|e| CaError::Internal(e.to_string()))?;
                let ca = self.ca(&rec.ca_label)?;
                Ok(Outcome::Issued {
                    cert: Box::new(cert),
                    chain: ca.chain(),
                    key: None,
                    enveloped: false,
                })
            }
            ("rejected", _) => Err(CaError::Forbidden(
                "the request was rejected by an operator".into(),
            )),
            _ => Ok(Outcome::Pending {
                id: id.to_string(),
                retry_after: 60,
            }),
        }
    }

    /// Creates a single-use bootstrap token; returns it (only its hash is
    /// stored).
    pub async fn create_token(
        &self,
        label: &str,
        san_pattern: &str,
        ttl: Duration,
        by: &str,
    ) -> CaResult<String> {
        let (_, profile, label) = self.resolve(Some(label))?;
        if ttl.is_zero() || ttl > Duration::from_secs(366 * 86_400) {
            return Err(CaError::BadRequest(
                "token lifetime must be between 1 second and a year".into(),
            ));
        }
        for p in san_pattern
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if !p.contains(':') || p.chars().any(|c| c.is_control()) {
                return Err(CaError::BadRequest(format!(
                    "SAN pattern {p:?}: want TYPE:glob, e.g. URI:urn:dev:*"
                )));
            }
        }
        let token = new_secret("smt")?;
        let now = store::now();
        let rec = TokenRecord {
            hash: secret_hash(&token),
            label: label.clone(),
            profile: profile.clone(),
            san_pattern: san_pattern.to_string(),
            created_at: now,
            expires_at: now + ttl.as_secs() as i64,
            used_at: None,
            used_by: None,
            created_by: by.to_string(),
        };
        let d = AuditDraft::new(
            by,
            "token.create",
            &rec.hash[..16],
            "ok",
            json!({ "label": label, "profile": profile, "san": san_pattern, "expires_at": rec.expires_at }),
        );
        self.store.put_token(&rec, &d).await?;
        self.checkpoint_if_due().await;
        Ok(token)
    }

    /// Revokes a certificate and publishes a new CRL.
    pub async fn revoke(
        &self,
        serial_hex: &str,
        reason: CrlReason,
        by: &str,
    ) -> CaResult<CertRecord> {
        let serial = shangmi_pki::cert::parse_serial_hex(serial_hex)
            .map_err(|e| CaError::BadRequest(e.to_string()))?;
        let serial = shangmi_pki::cert::serial_hex(&serial);
        let d = AuditDraft::new(
            by,
            "revoke",
            &serial,
            "ok",
            json!({ "reason": shangmi_pki::crl::reason_name(reason) }),
        );
        let rec = match self
            .store
            .revoke(&serial, store::now(), reason as i64, &d)
            .await
        {
            Ok(r) => r,
            Err(e) => return Err(self.deny(by, "revoke.deny", &serial, e).await),
        };
        m::revoked();
        tracing::info!(
            serial,
            reason = shangmi_pki::crl::reason_name(reason),
            by,
            "revoked"
        );
        self.regenerate_crl(&rec.ca_label).await?;
        self.checkpoint_if_due().await;
        Ok(rec)
    }

    /// Revokes every valid certificate of a device.
    pub async fn revoke_device(
        &self,
        device: &str,
        reason: CrlReason,
        by: &str,
    ) -> CaResult<Vec<CertRecord>> {
        let f = CertFilter {
            device: Some(device.to_string()),
            status: Some(store::VALID.into()),
            limit: Some(10_000),
            ..Default::default()
        };
        let certs = self.store.certs(&f).await?;
        if certs.is_empty() {
            return Err(CaError::NotFound(format!(
                "no valid certificate for device {device:?}"
            )));
        }
        let mut out = Vec::new();
        for c in certs {
            out.push(self.revoke(&c.serial, reason, by).await?);
        }
        Ok(out)
    }

    /// Signs and stores a fresh CRL for a CA.
    pub async fn regenerate_crl(&self, label: &str) -> CaResult<CrlRecord> {
        let ca = self.ca(label)?.clone();
        let number = self.store.next_crl_number(label).await?;
        let revoked = self.store.revoked(label).await?;
        let entries = revoked
            .iter()
            .map(|(s, at, reason)| {
                Ok(RevokedEntry {
                    serial: shangmi_pki::cert::parse_serial_hex(s)
                        .map_err(|e| CaError::Internal(e.to_string()))?,
                    revoked_at: UNIX_EPOCH + Duration::from_secs((*at).max(0) as u64),
                    reason: shangmi_pki::crl::REASONS
                        .iter()
                        .map(|(_, r)| *r)
                        .find(|r| *r as i64 == *reason),
                    invalidity_date: None,
                })
            })
            .collect::<CaResult<Vec<_>>>()?;
        let now = SystemTime::now();
        let next = now + Duration::from_secs(self.cfg.crl.validity_seconds.max(60));
        let base = self.cfg.public_url.trim_end_matches('/');
        let crl = CrlBuilder::new(number as u64)
            .this_update(now)
            .next_update(next)
            .scope(Scope {
                urls: vec![format!("{base}/crl/{label}.crl")],
                only_user_certs: true,
                only_ca_certs: false,
            })
            .revoked(entries)
            .sign(&ca.cert, ca.signer.as_ref())
            .map_err(|e| CaError::Internal(format!("CRL: {e}")))?;
        let rec = CrlRecord {
            number,
            der: crl.to_der().to_vec(),
            this_update: secs(now),
            next_update: secs(next),
        };
        self.store.put_crl(label, &rec).await?;
        m::crl_generated();
        tracing::info!(ca = label, number, entries = revoked.len(), "CRL published");
        Ok(rec)
    }

    /// The current CRL of a CA, regenerated first when it is due.
    pub async fn crl(&self, label: &str) -> CaResult<Vec<u8>> {
        self.ca(label)?;
        let refresh = self.cfg.crl.refresh_seconds as i64;
        match self.store.crl(label).await? {
            Some(c)
                if c.next_update - refresh.min((c.next_update - c.this_update) / 2)
                    > store::now() =>
            {
                Ok(c.der)
            }
            _ => Ok(self.regenerate_crl(label).await?.der),
        }
    }

    /// Answers a DER OCSP request.
    pub async fn ocsp(&self, der: &[u8]) -> Vec<u8> {
        let req = match ocsp::parse_request(der) {
            Ok(r) => r,
            Err(_) => {
                m::ocsp("malformed");
                return ocsp::error_response(ocsp::ResponseStatus::MalformedRequest);
            }
        };
        let ca = req
            .ids
            .iter()
            .find_map(|id| {
                self.cas
                    .iter()
                    .find(|c| id.is_issued_by(&c.cert).unwrap_or(false))
            })
            .cloned();
        let Some(ca) = ca else {
            m::ocsp("unauthorized");
            return ocsp::error_response(ocsp::ResponseStatus::Unauthorized);
        };
        let responder = ca.ocsp.read().ok().and_then(|g| g.clone());
        let (rcert, rsigner) = match responder {
            Some(r) => r,
            None => (ca.cert.clone(), ca.signer.clone()),
        };
        let now = SystemTime::now();
        let next = now + Duration::from_secs(self.cfg.ocsp.validity_seconds.max(60));
        let mut answers = Vec::new();
        for id in &req.ids {
            let status = if !id.is_issued_by(&ca.cert).unwrap_or(false) {
                Status::Unknown
            } else {
                match self
                    .store
                    .cert(&shangmi_pki::cert::serial_hex(id.serial()))
                    .await
                {
                    Ok(Some(r)) if r.ca_label == ca.label && r.status == store::VALID => {
                        Status::Good
                    }
                    Ok(Some(r)) if r.ca_label == ca.label => Status::Revoked {
                        at: UNIX_EPOCH
                            + Duration::from_secs(r.revoked_at.unwrap_or(0).max(0) as u64),
                        reason: shangmi_pki::crl::REASONS
                            .iter()
                            .map(|(_, x)| *x)
                            .find(|x| Some(*x as i64) == r.reason)
                            .filter(|x| *x != CrlReason::Unspecified),
                    },
                    Ok(_) => Status::Unknown,
                    Err(_) => {
                        m::ocsp("try_later");
                        return ocsp::error_response(ocsp::ResponseStatus::TryLater);
                    }
                }
            };
            m::ocsp(match status {
                Status::Good => "good",
                Status::Revoked { .. } => "revoked",
                Status::Unknown => "unknown",
            });
            answers.push(Answer {
                id: id.clone(),
                status,
                this_update: now,
                next_update: Some(next),
            });
        }
        match ocsp::sign_response(
            &answers,
            &rcert,
            rsigner.as_ref(),
            req.nonce.as_deref(),
            now,
        ) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "OCSP signing failed");
                ocsp::error_response(ocsp::ResponseStatus::InternalError)
            }
        }
    }

    /// Signs a checkpoint of the audit chain when enough entries have
    /// accumulated since the last one.
    pub async fn checkpoint_if_due(&self) {
        let every = self.cfg.audit.checkpoint_every.max(1) as i64;
        let Ok((Some((head, _)), last_cp)) = self.store.audit_head().await else {
            return;
        };
        if head - last_cp < every {
            return;
        }
        // One checkpoint at a time in this process; the others move on.
        let Ok(_busy) = self.checkpointing.try_lock() else {
            return;
        };
        if let Ok((_, last)) = self.store.audit_head().await
            && last > last_cp
        {
            return;
        }
        if let Err(e) = self.checkpoint().await {
            tracing::warn!(error = %e, "audit checkpoint failed");
        }
    }

    /// Signs a checkpoint at the current head of the audit chain.
    pub async fn checkpoint(&self) -> CaResult<Option<Checkpoint>> {
        let (head, _) = self.store.audit_head().await?;
        let Some((seq, hash)) = head else {
            return Ok(None);
        };
        let ca = self.ca(&self.cfg.audit.signer)?;
        let at = store::now();
        let sig = ca
            .signer
            .sign(
                shangmi_pki::alg::X509_SM2_ID,
                &audit::checkpoint_message(seq, &hash, at),
            )
            .map_err(|e| CaError::Unavailable(format!("signing a checkpoint: {e}")))?;
        let c = Checkpoint {
            seq,
            hash,
            at,
            signer: ca.label.clone(),
            signature: hex::encode(sig),
        };
        match self.store.put_checkpoint(&c).await {
            Ok(()) | Err(CaError::Conflict(_)) => Ok(Some(c)),
            Err(e) => Err(e),
        }
    }

    /// Verifies the whole audit log.
    pub async fn verify_audit(&self) -> CaResult<audit::Report> {
        let mut entries = Vec::new();
        let mut from = 1;
        loop {
            let batch = self.store.audit_entries(from, 5000).await?;
            let Some(last) = batch.last() else { break };
            from = last.seq + 1;
            entries.extend(batch);
        }
        let cps = self.store.checkpoints().await?;
        let keys: HashMap<String, shangmi::alg::PublicKey> = self
            .cas
            .iter()
            .filter_map(|c| c.cert.public_key().ok().map(|k| (c.label.clone(), k)))
            .collect();
        Ok(audit::verify(&entries, &cps, &|l| keys.get(l).cloned()))
    }
}

/// The CSR subject in RFC 4514 form (for policy patterns).
fn csr_subject_rfc4514(csr: &Csr) -> String {
    csr.subject().to_string()
}
