//! `ocsp request|respond|check`.

use crate::cli::{OcspCheckArgs, OcspHash, OcspRequestArgs, OcspRespondArgs};
use crate::cmd::pki::{load_cert, load_signer, parse_revoked, read};
use crate::error::{CliError, CliResult, Context, fail};
use crate::io::{hex_arg, read_input, write_output};
use shangmi::rng::{OsRng, fill};
use shangmi_pki::Crl;
use shangmi_pki::cert::parse_serial_hex;
use shangmi_pki::crl::{normalize_serial, reason_name};
use shangmi_pki::ocsp::{self, Answer, CertId, CertIdHash, Status};
use std::time::SystemTime;

fn hash(h: OcspHash) -> CertIdHash {
    match h {
        OcspHash::Sha1 => CertIdHash::Sha1,
        OcspHash::Sha256 => CertIdHash::Sha256,
        OcspHash::Sm3 => CertIdHash::Sm3,
    }
}

/// `shangmi ocsp request`.
pub fn request(a: &OcspRequestArgs) -> CliResult {
    let issuer = load_cert(&a.issuer)?;
    let mut ids = Vec::new();
    for c in &a.cert {
        let cert = load_cert(c)?;
        ids.push(CertId::new(hash(a.hash), &issuer, cert.serial()).context(c.display())?);
    }
    for s in &a.serial {
        let serial = parse_serial_hex(s).context("--serial")?;
        ids.push(CertId::new(hash(a.hash), &issuer, &serial).context("--serial")?);
    }
    if ids.is_empty() {
        return Err(fail("give --cert or --serial"));
    }
    let nonce = if a.no_nonce {
        None
    } else {
        let mut n = [0u8; 16];
        fill(&mut OsRng, &mut n).context("nonce")?;
        eprintln!("nonce: {}", hex::encode(n));
        Some(n)
    };
    let der = ocsp::build_request(&ids, nonce.as_ref().map(|n| &n[..])).context("OCSP request")?;
    if let Some(u) = &a.url {
        eprintln!(
            "GET {}/{}",
            u.trim_end_matches('/'),
            ocsp::request_to_get_path(&der)
        );
    }
    write_output(a.out.as_deref(), &der)
}

/// `shangmi ocsp respond`.
pub fn respond(a: &OcspRespondArgs) -> CliResult {
    let ca = load_cert(&a.ca_cert)?;
    let responder = load_cert(&a.responder_cert)?;
    let signer = load_signer(&a.responder_key, a.pass_file.as_ref())?;
    let req_der = read_input(a.request.as_deref())?;
    let now = SystemTime::now();
    let req = match ocsp::parse_request(&req_der) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("shangmi: request: {e}; answering malformedRequest");
            return write_output(
                a.out.as_deref(),
                &ocsp::error_response(ocsp::ResponseStatus::MalformedRequest),
            );
        }
    };
    let mut revoked = parse_revoked(&a.revoked, now)?;
    if let Some(p) = &a.crl {
        let crl = Crl::from_pem_or_der(&read(p)?).context(p.display())?;
        crl.verify_signed_by(&ca.public_key().context(a.ca_cert.display())?)
            .context(p.display())?;
        revoked.extend(crl.entries().context(p.display())?);
    }
    let issued: Option<Vec<Vec<u8>>> = match &a.issued {
        Some(s) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| parse_serial_hex(x).context("--issued"))
                .collect::<CliResult<_>>()?,
        ),
        None => None,
    };
    let next = shangmi_pki::time::add_days(now, a.days);
    let mut answers = Vec::new();
    for id in &req.ids {
        let ours = id.is_issued_by(&ca).unwrap_or(false);
        let serial = normalize_serial(id.serial());
        let status = if !ours {
            Status::Unknown
        } else if let Some(r) = revoked
            .iter()
            .find(|r| normalize_serial(&r.serial) == serial)
        {
            Status::Revoked {
                at: r.revoked_at,
                reason: r.reason,
            }
        } else if issued
            .as_ref()
            .is_some_and(|i| !i.iter().any(|s| normalize_serial(s) == serial))
        {
            Status::Unknown
        } else {
            Status::Good
        };
        answers.push(Answer {
            id: id.clone(),
            status,
            this_update: now,
            next_update: Some(next),
        });
    }
    let der = ocsp::sign_response(&answers, &responder, &signer, req.nonce.as_deref(), now)
        .context("OCSP response")?;
    write_output(a.out.as_deref(), &der)
}

/// `shangmi ocsp check`.
pub fn check(a: &OcspCheckArgs) -> CliResult {
    let issuer = load_cert(&a.issuer)?;
    let cert = load_cert(&a.cert)?;
    let resp = ocsp::Response::from_der(&read(&a.resp)?).context(a.resp.display())?;
    if resp.status != ocsp::ResponseStatus::Successful {
        return Err(CliError::Negative(format!(
            "responder answered {:?}",
            resp.status
        )));
    }
    let now = SystemTime::now();
    let signer = resp
        .verify(&issuer, now)
        .map_err(|e| CliError::Negative(format!("{}: {e}", a.resp.display())))?;
    if let Some(n) = &a.nonce {
        let want = hex_arg("nonce", n, None)?;
        if resp.nonce().context("nonce")?.as_deref() != Some(&want[..]) {
            return Err(CliError::Negative(
                "the response does not echo the request's nonce".into(),
            ));
        }
    }
    let found = resp
        .answers()
        .into_iter()
        .find(|x| {
            normalize_serial(x.id.serial()) == normalize_serial(cert.serial())
                && x.id.is_issued_by(&issuer).unwrap_or(false)
        })
        .ok_or_else(|| {
            CliError::Negative("the response has no answer for this certificate".into())
        })?;
    if found.next_update.is_some_and(|n| n < now) {
        return Err(CliError::Negative(
            "the response is stale (nextUpdate has passed)".into(),
        ));
    }
    println!("responder: {}", signer.subject_text());
    match found.status {
        Status::Good => {
            println!("{}: good", a.cert.display());
            Ok(())
        }
        Status::Revoked { at, reason } => Err(CliError::Negative(format!(
            "{}: revoked at {}{}",
            a.cert.display(),
            shangmi_pki::time::display_system(at),
            reason
                .map(|r| format!(" ({})", reason_name(r)))
                .unwrap_or_default()
        ))),
        Status::Unknown => Err(CliError::Negative(format!(
            "{}: unknown to the responder",
            a.cert.display()
        ))),
    }
}
