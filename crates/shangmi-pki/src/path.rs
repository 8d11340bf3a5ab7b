//! RFC 5280 path validation: chain building from a pool of untrusted
//! certificates, then the section 6.1 checks on each candidate path.
//!
//! Checked: signatures (SM2 with the X.509 ID), validity at the time given,
//! issuer/subject chaining, basicConstraints and path length, keyUsage
//! keyCertSign on CAs, unknown critical extensions, name constraints (DNS,
//! e-mail, URI host, IP, directory name), the leaf's key usage and extended
//! key usage when asked for, and revocation by CRL (full, delta, issuing
//! distribution point scope) or OCSP response. Certificate policies are
//! recognised but not processed. A failure names the certificate and why.

use crate::alg::X509_SM2_ID;
use crate::cert::Certificate;
use crate::crl::Crl;
use crate::name::{display_general_name, names_match};
use crate::ocsp;
use crate::{Error, Result, oid, time};
use der::asn1::ObjectIdentifier;
use der::{Encode, flagset::FlagSet};
use std::fmt;
use std::time::{Duration, SystemTime};
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

/// Why a certificate failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Past notAfter at the validation time.
    Expired {
        /// notAfter.
        not_after: SystemTime,
    },
    /// Before notBefore at the validation time.
    NotYetValid {
        /// notBefore.
        not_before: SystemTime,
    },
    /// No certificate in the pool or among the trust anchors issued it.
    NoIssuer,
    /// Its signature did not verify with the issuer's key.
    BadSignature(String),
    /// It issues certificates but is not a CA (basicConstraints).
    NotCa,
    /// A CA above it allows fewer CA certificates below it.
    PathLenExceeded,
    /// A CA whose key usage lacks keyCertSign.
    MissingKeyCertSign,
    /// The leaf's key usage lacks what the caller requires.
    KeyUsage(String),
    /// The leaf's extended key usage lacks what the caller requires.
    ExtKeyUsage(String),
    /// A name outside the permitted subtrees or inside an excluded one.
    NameConstraint(String),
    /// The issuer named on it is not the subject of the certificate above.
    IssuerMismatch,
    /// Revoked.
    Revoked {
        /// When.
        at: SystemTime,
        /// Why.
        reason: Option<CrlReason>,
    },
    /// No CRL or OCSP response covers it and the caller requires one.
    RevocationUnknown,
    /// A critical extension this validator does not process.
    UnknownCriticalExtension(String),
    /// The certificate could not be read.
    Malformed(String),
    /// The path is longer than the limit.
    TooDeep,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Expired { not_after } => {
                write!(f, "expired at {}", time::display_system(*not_after))
            }
            Reason::NotYetValid { not_before } => {
                write!(f, "not valid before {}", time::display_system(*not_before))
            }
            Reason::NoIssuer => {
                f.write_str("no issuer found among the trust anchors and untrusted certificates")
            }
            Reason::BadSignature(m) => write!(f, "bad signature: {m}"),
            Reason::NotCa => {
                f.write_str("issues certificates but is not a CA (basicConstraints cA is not TRUE)")
            }
            Reason::PathLenExceeded => f.write_str("path length constraint exceeded"),
            Reason::MissingKeyCertSign => f.write_str("CA key usage lacks keyCertSign"),
            Reason::KeyUsage(m) => write!(f, "key usage: {m}"),
            Reason::ExtKeyUsage(m) => write!(f, "extended key usage: {m}"),
            Reason::NameConstraint(m) => write!(f, "name constraints violated: {m}"),
            Reason::IssuerMismatch => {
                f.write_str("issuer name does not match the issuing certificate's subject")
            }
            Reason::Revoked { at, reason } => write!(
                f,
                "revoked at {}{}",
                time::display_system(*at),
                reason
                    .map(|r| format!(" ({})", crate::crl::reason_name(r)))
                    .unwrap_or_default()
            ),
            Reason::RevocationUnknown => {
                f.write_str("revocation status unknown: no current CRL or OCSP response covers it")
            }
            Reason::UnknownCriticalExtension(o) => write!(f, "unhandled critical extension {o}"),
            Reason::Malformed(m) => write!(f, "malformed: {m}"),
            Reason::TooDeep => f.write_str("path too long"),
        }
    }
}

/// A failed validation: which certificate, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// Position in the path: 0 is the certificate being validated.
    pub depth: usize,
    /// Its subject, for people.
    pub subject: String,
    /// Its serial number in hex.
    pub serial: String,
    /// Why it failed.
    pub reason: Reason,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate \"{}\" (serial {}, depth {}): {}",
            self.subject, self.serial, self.depth, self.reason
        )
    }
}

impl std::error::Error for ValidationError {}

/// What to check besides the path itself.
#[derive(Clone, Debug)]
pub struct Options {
    /// The time at which the path must be valid.
    pub time: SystemTime,
    /// CRLs to consult (full or delta, any issuer).
    pub crls: Vec<Crl>,
    /// OCSP responses to consult.
    pub ocsp: Vec<ocsp::Response>,
    /// Fail when no CRL or OCSP response covers a certificate.
    pub require_revocation_info: bool,
    /// Key usage bits the leaf must have (when it has keyUsage).
    pub leaf_key_usage: FlagSet<KeyUsages>,
    /// An extended key usage the leaf must allow (when it has EKU).
    pub leaf_eku: Option<ObjectIdentifier>,
    /// The most certificates a path may have (anchor included).
    pub max_depth: usize,
    /// The SM2 ID of certificate signatures.
    pub sm2_id: Vec<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            time: SystemTime::now(),
            crls: Vec::new(),
            ocsp: Vec::new(),
            require_revocation_info: false,
            leaf_key_usage: FlagSet::default(),
            leaf_eku: None,
            max_depth: 8,
            sm2_id: X509_SM2_ID.to_vec(),
        }
    }
}

fn fail(depth: usize, c: &Certificate, reason: Reason) -> ValidationError {
    ValidationError {
        depth,
        subject: c.subject_text(),
        serial: c.serial_hex(),
        reason,
    }
}

/// Validates `target` up to one of `anchors`, building the path through
/// `untrusted`. Returns the path, target first and trust anchor last.
pub fn validate(
    target: &Certificate,
    anchors: &[Certificate],
    untrusted: &[Certificate],
    opts: &Options,
) -> Result<Vec<Certificate>> {
    if anchors.iter().any(|a| a.to_der() == target.to_der()) {
        check_time(0, target, opts).map_err(Error::Validation)?;
        return Ok(vec![target.clone()]);
    }
    let mut best: Option<ValidationError> = None;
    let mut path = vec![target.clone()];
    if let Some(ok) = build(&mut path, anchors, untrusted, opts, &mut best) {
        return Ok(ok);
    }
    Err(Error::Validation(
        best.unwrap_or_else(|| fail(0, target, Reason::NoIssuer)),
    ))
}

fn is_candidate(child: &Certificate, parent: &Certificate) -> bool {
    if !names_match(child.issuer(), parent.subject()) {
        return false;
    }
    match (child.authority_key_id(), parent.subject_key_id()) {
        (Ok(Some(aki)), Ok(Some(ski))) => aki == ski,
        _ => true,
    }
}

/// Depth-first search; keeps the most informative error (the one from the
/// longest path that reached an anchor, else the deepest dead end).
fn build(
    path: &mut Vec<Certificate>,
    anchors: &[Certificate],
    untrusted: &[Certificate],
    opts: &Options,
    best: &mut Option<ValidationError>,
) -> Option<Vec<Certificate>> {
    let top = path.last().cloned()?;
    let mut found_any = false;
    for a in anchors.iter().filter(|a| is_candidate(&top, a)) {
        found_any = true;
        path.push(a.clone());
        match check_path(path, opts) {
            Ok(()) => return Some(path.clone()),
            Err(e) => {
                if best
                    .as_ref()
                    .is_none_or(|b| matches!(b.reason, Reason::NoIssuer))
                {
                    *best = Some(e);
                }
            }
        }
        path.pop();
    }
    if path.len() + 1 >= opts.max_depth {
        if best.is_none() {
            *best = Some(fail(path.len() - 1, &top, Reason::TooDeep));
        }
        return None;
    }
    for c in untrusted.iter().filter(|c| is_candidate(&top, c)) {
        if path.iter().any(|p| p.to_der() == c.to_der()) {
            continue;
        }
        found_any = true;
        path.push(c.clone());
        if let Some(ok) = build(path, anchors, untrusted, opts, best) {
            return Some(ok);
        }
        path.pop();
    }
    if !found_any && best.is_none() {
        *best = Some(fail(path.len() - 1, &top, Reason::NoIssuer));
    }
    None
}

fn check_time(
    depth: usize,
    c: &Certificate,
    opts: &Options,
) -> std::result::Result<(), ValidationError> {
    if opts.time < c.not_before() {
        return Err(fail(
            depth,
            c,
            Reason::NotYetValid {
                not_before: c.not_before(),
            },
        ));
    }
    if opts.time > c.not_after() {
        return Err(fail(
            depth,
            c,
            Reason::Expired {
                not_after: c.not_after(),
            },
        ));
    }
    Ok(())
}

const HANDLED: &[ObjectIdentifier] = &[
    oid::BASIC_CONSTRAINTS,
    oid::KEY_USAGE,
    oid::EXT_KEY_USAGE,
    oid::SUBJECT_KEY_ID,
    oid::AUTHORITY_KEY_ID,
    oid::SUBJECT_ALT_NAME,
    oid::NAME_CONSTRAINTS,
    oid::CRL_DISTRIBUTION_POINTS,
    oid::AUTHORITY_INFO_ACCESS,
    oid::CERTIFICATE_POLICIES,
    oid::POLICY_CONSTRAINTS,
    oid::INHIBIT_ANY_POLICY,
    oid::OCSP_NOCHECK,
    oid::FRESHEST_CRL,
    oid::ISSUER_ALT_NAME,
];

/// Name constraints in force: every permitted set must admit a name, no
/// excluded subtree may contain it.
#[derive(Default)]
struct Constraints {
    permitted: Vec<Vec<GeneralSubtree>>,
    excluded: Vec<GeneralSubtree>,
}

/// The RFC 5280 6.1 checks over `path` (target first, anchor last).
fn check_path(path: &[Certificate], opts: &Options) -> std::result::Result<(), ValidationError> {
    let n = path.len() - 1;
    let anchor = &path[n];
    check_time(n, anchor, opts)?;
    let mut key = anchor
        .public_key()
        .map_err(|e| fail(n, anchor, Reason::Malformed(e.to_string())))?;
    let mut issuer_name: Name = anchor.subject().clone();
    let mut max_path_len = n;
    let mut nc = Constraints::default();
    add_constraints(&mut nc, n, anchor)?;

    for i in (0..n).rev() {
        let c = &path[i];
        let issuer_cert = &path[i + 1];
        // (a) signature, validity, revocation, issuer name.
        c.verify_signed_by_with_id(&key, &opts.sm2_id)
            .map_err(|e| fail(i, c, Reason::BadSignature(e.to_string())))?;
        check_time(i, c, opts)?;
        check_revocation(i, c, issuer_cert, opts)?;
        if !names_match(c.issuer(), &issuer_name) {
            return Err(fail(i, c, Reason::IssuerMismatch));
        }
        // (b, c) name constraints, except for self-issued intermediates.
        if i == 0 || !c.is_self_issued() {
            check_names(i, c, &nc)?;
        }
        for e in c.extensions() {
            if e.critical && !HANDLED.contains(&e.extn_id) {
                return Err(fail(
                    i,
                    c,
                    Reason::UnknownCriticalExtension(e.extn_id.to_string()),
                ));
            }
        }
        let bad = |e: Error| fail(i, c, Reason::Malformed(e.to_string()));
        if i > 0 {
            // Preparation for the next certificate (6.1.4).
            let bc = c.basic_constraints().map_err(bad)?;
            let Some((_, bc)) = bc.filter(|(_, b)| b.ca) else {
                return Err(fail(i, c, Reason::NotCa));
            };
            if !c.is_self_issued() {
                if max_path_len == 0 {
                    return Err(fail(i, c, Reason::PathLenExceeded));
                }
                max_path_len -= 1;
            }
            if let Some(pl) = bc.path_len_constraint {
                max_path_len = max_path_len.min(usize::from(pl));
            }
            if let Some(ku) = c.key_usage().map_err(bad)?
                && !ku.key_cert_sign()
            {
                return Err(fail(i, c, Reason::MissingKeyCertSign));
            }
            add_constraints(&mut nc, i, c)?;
            key = c.public_key().map_err(bad)?;
            issuer_name = c.subject().clone();
        } else {
            // The leaf: what the caller needs it for.
            if !opts.leaf_key_usage.is_empty()
                && let Some(ku) = c.key_usage().map_err(bad)?
                && !ku.0.contains(opts.leaf_key_usage)
            {
                return Err(fail(
                    i,
                    c,
                    Reason::KeyUsage(format!(
                        "has {}, needs {}",
                        crate::ext::key_usage_text(&ku),
                        crate::ext::key_usage_text(&x509_cert::ext::pkix::KeyUsage(
                            opts.leaf_key_usage
                        ))
                    )),
                ));
            }
            if let Some(want) = &opts.leaf_eku
                && let Some(eku) = c.extended_key_usage().map_err(bad)?
                && !eku.contains(want)
                && !eku.contains(&oid::EKU_ANY)
            {
                return Err(fail(
                    i,
                    c,
                    Reason::ExtKeyUsage(format!("does not allow {}", oid::name(want))),
                ));
            }
        }
    }
    Ok(())
}

fn add_constraints(
    nc: &mut Constraints,
    i: usize,
    c: &Certificate,
) -> std::result::Result<(), ValidationError> {
    let cons = c
        .name_constraints()
        .map_err(|e| fail(i, c, Reason::Malformed(e.to_string())))?;
    if let Some(cons) = cons {
        if let Some(p) = cons.permitted_subtrees {
            nc.permitted.push(p);
        }
        if let Some(x) = cons.excluded_subtrees {
            nc.excluded.extend(x);
        }
    }
    Ok(())
}

/// The names of a certificate that constraints apply to.
fn names_of(c: &Certificate) -> Result<Vec<GeneralName>> {
    let mut v = c.subject_alt_names()?;
    if !c.subject().is_empty() {
        v.push(GeneralName::DirectoryName(c.subject().clone()));
    }
    if let Some(mail) = crate::name::attribute(c.subject(), &oid::AT_EMAIL)
        && let Ok(m) = der::asn1::Ia5String::new(&mail)
    {
        v.push(GeneralName::Rfc822Name(m));
    }
    Ok(v)
}

fn same_type(a: &GeneralName, b: &GeneralName) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn check_names(
    i: usize,
    c: &Certificate,
    nc: &Constraints,
) -> std::result::Result<(), ValidationError> {
    if nc.permitted.is_empty() && nc.excluded.is_empty() {
        return Ok(());
    }
    let names = names_of(c).map_err(|e| fail(i, c, Reason::Malformed(e.to_string())))?;
    for name in &names {
        for x in &nc.excluded {
            if same_type(name, &x.base) && within(name, &x.base) {
                return Err(fail(
                    i,
                    c,
                    Reason::NameConstraint(format!(
                        "{} is in the excluded subtree {}",
                        display_general_name(name),
                        display_general_name(&x.base)
                    )),
                ));
            }
        }
        for set in &nc.permitted {
            let of_type: Vec<&GeneralSubtree> =
                set.iter().filter(|s| same_type(name, &s.base)).collect();
            if !of_type.is_empty() && !of_type.iter().any(|s| within(name, &s.base)) {
                return Err(fail(
                    i,
                    c,
                    Reason::NameConstraint(format!(
                        "{} is outside the permitted subtrees",
                        display_general_name(name)
                    )),
                ));
            }
        }
    }
    Ok(())
}

fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_start_matches("*.").to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    if let Some(b) = base.strip_prefix('.') {
        return name.ends_with(&format!(".{b}"));
    }
    base.is_empty() || name == base || name.ends_with(&format!(".{base}"))
}

fn uri_host(u: &str) -> Option<String> {
    let rest = u.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']').next()?.trim_start_matches('[')
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Whether `name` lies in the subtree `base` (RFC 5280 4.2.1.10).
fn within(name: &GeneralName, base: &GeneralName) -> bool {
    match (name, base) {
        (GeneralName::DnsName(n), GeneralName::DnsName(b)) => dns_within(n.as_str(), b.as_str()),
        (GeneralName::Rfc822Name(n), GeneralName::Rfc822Name(b)) => {
            let (n, b) = (
                n.as_str().to_ascii_lowercase(),
                b.as_str().to_ascii_lowercase(),
            );
            if b.contains('@') {
                n == b
            } else {
                let host = n.rsplit_once('@').map_or("", |(_, h)| h);
                if let Some(d) = b.strip_prefix('.') {
                    host.ends_with(&format!(".{d}"))
                } else {
                    host == b
                }
            }
        }
        (GeneralName::UniformResourceIdentifier(n), GeneralName::UniformResourceIdentifier(b)) => {
            match uri_host(n.as_str()) {
                Some(h) => {
                    let b = b.as_str().to_ascii_lowercase();
                    match b.strip_prefix('.') {
                        Some(d) => h.ends_with(&format!(".{d}")),
                        None => h == b,
                    }
                }
                // A URI without a host (a URN) cannot be inside a host subtree.
                None => false,
            }
        }
        (GeneralName::IpAddress(n), GeneralName::IpAddress(b)) => {
            let (n, b) = (n.as_bytes(), b.as_bytes());
            if b.len() != n.len() * 2 {
                return false;
            }
            let (addr, mask) = b.split_at(n.len());
            n.iter()
                .zip(addr)
                .zip(mask)
                .all(|((x, a), m)| x & m == a & m)
        }
        (GeneralName::DirectoryName(n), GeneralName::DirectoryName(b)) => {
            let nr: Vec<_> = n.iter_rdn().collect();
            let br: Vec<_> = b.iter_rdn().collect();
            br.len() <= nr.len()
                && br
                    .iter()
                    .zip(nr.iter())
                    .all(|(x, y)| x.to_der().ok() == y.to_der().ok())
        }
        _ => false,
    }
}

/// Clock skew tolerated on CRL and OCSP times.
const SKEW: Duration = Duration::from_secs(300);

fn check_revocation(
    i: usize,
    c: &Certificate,
    issuer: &Certificate,
    opts: &Options,
) -> std::result::Result<(), ValidationError> {
    let mut covered = false;
    let issuer_key = issuer.public_key().ok();
    let cert_dps = c.crl_urls().unwrap_or_default();
    let is_ca = c.is_ca();
    let mut base_numbers: Vec<Vec<u8>> = Vec::new();
    let mut revoked: Option<Reason> = None;
    // Full CRLs first, then delta CRLs over a base we hold.
    let applicable = |crl: &Crl| -> bool {
        if !names_match(crl.issuer(), issuer.subject()) {
            return false;
        }
        let Some(k) = &issuer_key else { return false };
        if crl.verify_signed_by_with_id(k, &opts.sm2_id).is_err() {
            return false;
        }
        if let Ok(Some(ku)) = issuer.key_usage()
            && !ku.crl_sign()
        {
            return false;
        }
        if crl.this_update() > opts.time + SKEW {
            return false;
        }
        if crl.next_update().is_some_and(|n| n + SKEW < opts.time) {
            return false;
        }
        match crl.scope() {
            Ok(Some(s)) => {
                if (s.only_user_certs && is_ca) || (s.only_ca_certs && !is_ca) {
                    return false;
                }
                if !s.urls.is_empty()
                    && !cert_dps.is_empty()
                    && !s.urls.iter().any(|u| cert_dps.contains(u))
                {
                    return false;
                }
                true
            }
            Ok(None) => true,
            Err(_) => false,
        }
    };
    for crl in opts
        .crls
        .iter()
        .filter(|c| matches!(c.delta_base(), Ok(None)))
    {
        if !applicable(crl) {
            continue;
        }
        covered = true;
        if let Ok(Some(n)) = crl.number() {
            base_numbers.push(n);
        }
        if let Ok(Some(e)) = crl.find(c.serial())
            && e.reason != Some(CrlReason::RemoveFromCRL)
        {
            revoked = Some(Reason::Revoked {
                at: e.revoked_at,
                reason: e.reason,
            });
        }
    }
    for crl in opts
        .crls
        .iter()
        .filter(|c| matches!(c.delta_base(), Ok(Some(_))))
    {
        let Ok(Some(base)) = crl.delta_base() else {
            continue;
        };
        let base_ok = base_numbers
            .iter()
            .any(|n| cmp_uint(n, &base) != std::cmp::Ordering::Less);
        if !base_ok || !applicable(crl) {
            continue;
        }
        if let Ok(Some(e)) = crl.find(c.serial()) {
            revoked = if e.reason == Some(CrlReason::RemoveFromCRL) {
                None
            } else {
                Some(Reason::Revoked {
                    at: e.revoked_at,
                    reason: e.reason,
                })
            };
        }
    }
    if let Some(r) = revoked {
        return Err(fail(i, c, r));
    }
    for resp in &opts.ocsp {
        let Ok(_) = resp.verify(issuer, opts.time) else {
            continue;
        };
        for a in resp.answers() {
            if a.id.serial() != crate::crl::normalize_serial(c.serial())
                || !a.id.is_issued_by(issuer).unwrap_or(false)
            {
                continue;
            }
            if a.this_update > opts.time + SKEW
                || a.next_update.is_some_and(|n| n + SKEW < opts.time)
            {
                continue;
            }
            match a.status {
                ocsp::Status::Good => covered = true,
                ocsp::Status::Revoked { at, reason } => {
                    return Err(fail(i, c, Reason::Revoked { at, reason }));
                }
                ocsp::Status::Unknown => {}
            }
        }
    }
    if opts.require_revocation_info && !covered {
        return Err(fail(i, c, Reason::RevocationUnknown));
    }
    Ok(())
}

fn cmp_uint(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let a = crate::crl::normalize_serial(a);
    let b = crate::crl::normalize_serial(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
