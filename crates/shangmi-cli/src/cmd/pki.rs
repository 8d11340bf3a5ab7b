//! `req`, `x509`, `crl` and `show`: the PKI verbs.

use crate::cli::{
    CrlGenArgs, IssueArgs, IssueOpts, KeyIn, LintArgs, Outform, PathArgs, ReqArgs, SelfsignArgs,
    ShowArgs,
};
use crate::cmd::keys::load_private;
use crate::error::{CliError, CliResult, Context, fail};
use crate::io::{read_input, write_output};
use shangmi_pki::cert::parse_serial_hex;
use shangmi_pki::crl::{CrlBuilder, RevokedEntry, Scope, parse_reason};
use shangmi_pki::lint::Severity;
use shangmi_pki::name::{parse_constraints, parse_general_names, parse_name};
use shangmi_pki::{
    Certificate, CertificateBuilder, Crl, Csr, CsrBuilder, Issuer, Profile, SoftwareKey, alg, ocsp,
    path, pem, text,
};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Reads a file (or stdin).
pub fn read(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).context(path.display())
}

/// Loads one certificate.
pub fn load_cert(path: &Path) -> CliResult<Certificate> {
    Certificate::from_pem_or_der(&read(path)?).context(path.display())
}

/// Loads every certificate of a file.
pub fn load_certs(path: &Path) -> CliResult<Vec<Certificate>> {
    Certificate::load_all(&read(path)?).context(path.display())
}

/// Loads a key as a signer.
pub fn load_signer(key: &Path, pass: Option<&PathBuf>) -> CliResult<SoftwareKey> {
    let k = load_private(&KeyIn {
        key: key.to_path_buf(),
        pass_file: pass.cloned(),
    })?;
    Ok(SoftwareKey::new(k))
}

fn pki(e: shangmi_pki::Error) -> CliError {
    fail(e.to_string())
}

fn emit(out: Option<&Path>, form: Outform, label: &str, der: &[u8]) -> CliResult {
    match form {
        Outform::Der => write_output(out, der),
        Outform::Pem => write_output(out, pem::encode(label, der).as_bytes()),
    }
}

/// `shangmi req`.
pub fn req(a: &ReqArgs) -> CliResult {
    let signer = SoftwareKey::new(load_private(&a.key)?);
    let mut b = CsrBuilder::new(parse_name(&a.subject).context("--subject")?);
    if let Some(s) = &a.san {
        b = b.subject_alt_names(parse_general_names(s).context("--san")?);
    }
    if let Some(c) = &a.challenge {
        b = b.challenge_password(c);
    }
    let csr = b.sign(&signer).map_err(pki)?;
    emit(
        a.out.as_deref(),
        a.outform,
        "CERTIFICATE REQUEST",
        csr.to_der(),
    )
}

fn builder(
    opts: &IssueOpts,
    subject: x509_cert_name::Name,
    spki: shangmi_pki::spki::SubjectPublicKeyInfoOwned,
    default_sans: Vec<shangmi_pki::x509_cert::ext::pkix::name::GeneralName>,
) -> CliResult<CertificateBuilder> {
    let profile = Profile::named(&opts.profile).context("--profile")?;
    let mut b = CertificateBuilder::new(profile, subject, spki)
        .crl_urls(opts.crl_url.clone())
        .ocsp_urls(opts.ocsp_url.clone())
        .ca_issuers_urls(opts.ca_issuers_url.clone());
    let sans = match &opts.san {
        Some(s) => parse_general_names(s).context("--san")?,
        None => default_sans,
    };
    b = b.subject_alt_names(sans);
    if let Some(d) = opts.days {
        b = b.days(d);
    }
    if let Some(s) = &opts.serial {
        b = b.serial(parse_serial_hex(s).context("--serial")?);
    }
    if let Some(p) = opts.path_len {
        b = b.path_len(Some(p));
    }
    if opts.permit.is_some() || opts.exclude.is_some() {
        let parse = |s: &Option<String>| -> CliResult<Vec<_>> {
            match s {
                Some(s) => parse_constraints(s).context("name constraints"),
                None => Ok(Vec::new()),
            }
        };
        b = b.name_constraints(parse(&opts.permit)?, parse(&opts.exclude)?);
    }
    Ok(b)
}

// The x509-cert Name type, by a short path.
mod x509_cert_name {
    pub use shangmi_pki::x509_cert::name::Name;
}

/// `shangmi x509 selfsign`.
pub fn selfsign(a: &SelfsignArgs) -> CliResult {
    let signer = SoftwareKey::new(load_private(&a.key)?);
    let spki = alg::spki_of(&signer.private_key().public_key()).map_err(pki)?;
    let b = builder(
        &a.opts,
        parse_name(&a.subject).context("--subject")?,
        spki,
        Vec::new(),
    )?;
    let cert = b.sign(Issuer::SelfSigned, &signer).map_err(pki)?;
    emit(
        a.opts.out.as_deref(),
        a.opts.outform,
        "CERTIFICATE",
        cert.to_der(),
    )
}

/// `shangmi x509 issue`.
pub fn issue(a: &IssueArgs) -> CliResult {
    let ca = load_cert(&a.ca_cert)?;
    let signer = load_signer(&a.ca_key, a.ca_pass_file.as_ref())?;
    let csr = Csr::from_pem_or_der(&read(&a.csr)?).context(a.csr.display())?;
    csr.verify().context(a.csr.display())?;
    let subject = match &a.subject {
        Some(s) => parse_name(s).context("--subject")?,
        None => csr.subject().clone(),
    };
    let sans = csr.subject_alt_names().context(a.csr.display())?;
    let b = builder(&a.opts, subject, csr.spki().clone(), sans)?;
    let cert = b.sign(Issuer::Ca(&ca), &signer).map_err(pki)?;
    emit(
        a.opts.out.as_deref(),
        a.opts.outform,
        "CERTIFICATE",
        cert.to_der(),
    )
}

/// `shangmi x509 lint`.
pub fn lint(a: &LintArgs) -> CliResult {
    let cert = load_cert(&a.cert)?;
    let issuer = a.issuer.as_deref().map(load_cert).transpose()?;
    let findings = shangmi_pki::lint::lint_certificate(&cert, issuer.as_ref());
    for f in &findings {
        println!("{f}");
    }
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(CliError::Negative(format!(
            "{}: the linter found errors",
            a.cert.display()
        )));
    }
    if findings.is_empty() {
        println!("no findings");
    }
    Ok(())
}

/// Parses an RFC 3339 time (`2030-01-01T00:00:00Z`).
pub fn parse_time(s: &str) -> CliResult<SystemTime> {
    let dt: shangmi_pki::der::DateTime = s.parse().map_err(|_| {
        fail(format!(
            "{s:?}: want RFC 3339 UTC, e.g. 2030-01-01T00:00:00Z"
        ))
    })?;
    Ok(dt.to_system_time())
}

/// `shangmi x509 verify`.
pub fn verify(a: &PathArgs) -> CliResult {
    let cert = load_cert(&a.cert)?;
    let roots = load_certs(&a.roots)?;
    let untrusted = match &a.untrusted {
        Some(p) => load_certs(p)?,
        None => Vec::new(),
    };
    let mut opts = path::Options::default();
    if let Some(t) = &a.at {
        opts.time = parse_time(t)?;
    }
    for c in &a.crl {
        opts.crls
            .push(Crl::from_pem_or_der(&read(c)?).context(c.display())?);
    }
    for o in &a.ocsp {
        opts.ocsp
            .push(ocsp::Response::from_der(&read(o)?).context(o.display())?);
    }
    opts.require_revocation_info = a.require_revocation;
    if let Some(p) = &a.purpose {
        opts.leaf_eku = Some(shangmi_pki::ext::eku_from_name(p).context("--purpose")?);
    }
    match path::validate(&cert, &roots, &untrusted, &opts) {
        Ok(chain) => {
            println!("{}: OK", a.cert.display());
            for (i, c) in chain.iter().enumerate() {
                println!("  depth {i}: {}", c.subject_text());
            }
            Ok(())
        }
        Err(e) => Err(CliError::Negative(format!("{}: {e}", a.cert.display()))),
    }
}

/// `shangmi crl gen`.
pub fn crl_gen(a: &CrlGenArgs) -> CliResult {
    let ca = load_cert(&a.ca_cert)?;
    let signer = load_signer(&a.ca_key, a.ca_pass_file.as_ref())?;
    let now = SystemTime::now();
    let entries = parse_revoked(&a.revoked, now)?;
    let mut b = CrlBuilder::new(a.number)
        .this_update(now)
        .next_update(shangmi_pki::time::add_days(now, a.days))
        .revoked(entries);
    if let Some(base) = a.delta_of {
        b = b.delta_of(base);
    }
    if !a.url.is_empty() || a.only_user || a.only_ca {
        b = b.scope(Scope {
            urls: a.url.clone(),
            only_user_certs: a.only_user,
            only_ca_certs: a.only_ca,
        });
    }
    let crl = b.sign(&ca, &signer).map_err(pki)?;
    emit(a.out.as_deref(), a.outform, "X509 CRL", crl.to_der())
}

/// Parses `SERIAL[:REASON],...`.
pub fn parse_revoked(s: &str, at: SystemTime) -> CliResult<Vec<RevokedEntry>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (serial, reason) = match p.split_once(':') {
                Some((s, r)) => (s, Some(parse_reason(r).context("--revoked")?)),
                None => (p, None),
            };
            Ok(RevokedEntry {
                serial: parse_serial_hex(serial).context("--revoked")?,
                revoked_at: at,
                reason,
                invalidity_date: None,
            })
        })
        .collect()
}

/// `shangmi show`, `x509 show`, `crl show`: detects the object.
pub fn show(a: &ShowArgs) -> CliResult {
    let data = read_input(a.file.as_deref())?;
    let what = a
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "stdin".into());
    let out = if pem::is_pem(&data) {
        let text = String::from_utf8_lossy(&data);
        if text.contains("BEGIN CERTIFICATE REQUEST")
            || text.contains("BEGIN NEW CERTIFICATE REQUEST")
        {
            text::csr(&Csr::from_pem_or_der(&data).context(&what)?)
        } else if text.contains("BEGIN X509 CRL") {
            text::crl(&Crl::from_pem_or_der(&data).context(&what)?)
        } else if text.contains("BEGIN CERTIFICATE") {
            Certificate::load_all(&data)
                .context(&what)?
                .iter()
                .map(text::certificate)
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            return Err(fail(format!(
                "{what}: no certificate, request or CRL in this PEM"
            )));
        }
    } else if let Ok(c) = Certificate::from_der(&data) {
        text::certificate(&c)
    } else if let Ok(c) = Csr::from_der(&data) {
        text::csr(&c)
    } else if let Ok(c) = Crl::from_der(&data) {
        text::crl(&c)
    } else if let Ok(r) = ocsp::Response::from_der(&data) {
        text::ocsp_response(&r)
    } else {
        return Err(fail(format!(
            "{what}: not a certificate, certification request, CRL or OCSP response"
        )));
    };
    write_output(None, out.as_bytes())
}
