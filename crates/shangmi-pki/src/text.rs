//! Human-readable renderings, in the layout of `openssl x509 -text`,
//! `openssl req -text`, `openssl crl -text` and `openssl ocsp -resp_text`.

use crate::cert::{Certificate, fingerprint_text, serial_hex};
use crate::crl::{Crl, reason_name};
use crate::csr::Csr;
use crate::name::{display_general_name, display_name};
use crate::ocsp::{self, Response};
use crate::{ext, oid, time};
use der::Decode;
use std::fmt::Write;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn wrapped_hex(out: &mut String, indent: usize, b: &[u8]) {
    for chunk in b.chunks(15) {
        let _ = writeln!(out, "{:indent$}{}", "", colon_hex(chunk), indent = indent);
    }
}

fn spki_text(out: &mut String, spki: &SubjectPublicKeyInfoOwned) {
    let _ = writeln!(out, "        Subject Public Key Info:");
    let _ = writeln!(
        out,
        "            Public Key Algorithm: {}",
        oid::name(&spki.algorithm.oid)
    );
    let bits = spki.subject_public_key.raw_bytes();
    let _ = writeln!(out, "                pub:");
    wrapped_hex(out, 20, bits);
    if let Some(curve) = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
    {
        let _ = writeln!(out, "                ASN1 OID: {}", oid::name(&curve));
    }
}

/// Renders extensions, one block each.
pub fn extensions_text(out: &mut String, exts: &[Extension], indent: usize) {
    for e in exts {
        let pad = " ".repeat(indent);
        let crit = if e.critical { " critical" } else { "" };
        let _ = writeln!(out, "{pad}{}:{crit}", oid::name(&e.extn_id));
        let body = extension_body(e).unwrap_or_else(|| colon_hex(e.extn_value.as_bytes()));
        for line in body.lines() {
            let _ = writeln!(out, "{pad}    {line}");
        }
    }
}

fn dp_names(dps: &[DistributionPoint]) -> String {
    let mut s = String::new();
    for dp in dps {
        if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point {
            s.push_str("Full Name:\n");
            for n in names {
                let _ = writeln!(s, "  {}", display_general_name(n));
            }
        }
    }
    s
}

fn extension_body(e: &Extension) -> Option<String> {
    let v = e.extn_value.as_bytes();
    let id = e.extn_id;
    Some(if id == oid::BASIC_CONSTRAINTS {
        let b = BasicConstraints::from_der(v).ok()?;
        match (b.ca, b.path_len_constraint) {
            (true, Some(p)) => format!("CA:TRUE, pathlen:{p}"),
            (true, None) => "CA:TRUE".into(),
            (false, _) => "CA:FALSE".into(),
        }
    } else if id == oid::KEY_USAGE {
        ext::key_usage_text(&KeyUsage::from_der(v).ok()?)
    } else if id == oid::EXT_KEY_USAGE {
        ExtendedKeyUsage::from_der(v)
            .ok()?
            .0
            .iter()
            .map(oid::name)
            .collect::<Vec<_>>()
            .join(", ")
    } else if id == oid::SUBJECT_KEY_ID {
        colon_hex(SubjectKeyIdentifier::from_der(v).ok()?.0.as_bytes()).to_uppercase()
    } else if id == oid::AUTHORITY_KEY_ID {
        let a = AuthorityKeyIdentifier::from_der(v).ok()?;
        a.key_identifier
            .map(|k| colon_hex(k.as_bytes()).to_uppercase())
            .unwrap_or_default()
    } else if id == oid::SUBJECT_ALT_NAME {
        SubjectAltName::from_der(v)
            .ok()?
            .0
            .iter()
            .map(display_general_name)
            .collect::<Vec<_>>()
            .join(", ")
    } else if id == oid::CRL_DISTRIBUTION_POINTS {
        dp_names(&CrlDistributionPoints::from_der(v).ok()?.0)
    } else if id == oid::FRESHEST_CRL {
        dp_names(&x509_cert::ext::pkix::FreshestCrl::from_der(v).ok()?.0)
    } else if id == oid::AUTHORITY_INFO_ACCESS {
        AuthorityInfoAccessSyntax::from_der(v)
            .ok()?
            .0
            .iter()
            .map(|d| {
                format!(
                    "{} - {}",
                    oid::name(&d.access_method),
                    display_general_name(&d.access_location)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else if id == oid::NAME_CONSTRAINTS {
        let n = NameConstraints::from_der(v).ok()?;
        let mut s = String::new();
        if let Some(p) = n.permitted_subtrees {
            s.push_str("Permitted:\n");
            for t in p {
                let _ = writeln!(s, "  {}", display_general_name(&t.base));
            }
        }
        if let Some(x) = n.excluded_subtrees {
            s.push_str("Excluded:\n");
            for t in x {
                let _ = writeln!(s, "  {}", display_general_name(&t.base));
            }
        }
        s
    } else if id == oid::CRL_NUMBER || id == oid::DELTA_CRL_INDICATOR {
        let n = der::asn1::Uint::from_der(v).ok()?;
        format!("{}", u128_of(n.as_bytes()))
    } else if id == oid::CRL_REASON {
        reason_name(x509_cert::ext::pkix::CrlReason::from_der(v).ok()?).to_string()
    } else if id == oid::OCSP_NOCHECK {
        "<present>".into()
    } else if id == oid::ISSUING_DISTRIBUTION_POINT {
        let i = x509_cert::ext::pkix::IssuingDistributionPoint::from_der(v).ok()?;
        let mut s = match &i.distribution_point {
            Some(DistributionPointName::FullName(n)) => {
                format!(
                    "Full Name:\n{}",
                    n.iter()
                        .map(|g| format!("  {}\n", display_general_name(g)))
                        .collect::<String>()
                )
            }
            _ => String::new(),
        };
        if i.only_contains_user_certs {
            s.push_str("Only User Certificates\n");
        }
        if i.only_contains_ca_certs {
            s.push_str("Only CA Certificates\n");
        }
        s
    } else {
        return None;
    })
}

fn u128_of(b: &[u8]) -> u128 {
    b.iter()
        .rev()
        .take(16)
        .rev()
        .fold(0u128, |a, x| (a << 8) | u128::from(*x))
}

/// A certificate, like `openssl x509 -text -noout`, with fingerprints.
pub fn certificate(c: &Certificate) -> String {
    let mut s = String::new();
    let tbs = c.inner().tbs_certificate();
    let _ = writeln!(s, "Certificate:");
    let _ = writeln!(s, "    Data:");
    let v = tbs.version() as u8;
    let _ = writeln!(s, "        Version: {} (0x{:x})", v + 1, v);
    let _ = writeln!(s, "        Serial Number:");
    let _ = writeln!(s, "            {}", colon_hex(c.serial()));
    let _ = writeln!(
        s,
        "        Signature Algorithm: {}",
        oid::name(&tbs.signature().oid)
    );
    let _ = writeln!(s, "        Issuer: {}", display_name(tbs.issuer()));
    let _ = writeln!(s, "        Validity");
    let _ = writeln!(
        s,
        "            Not Before: {}",
        time::display(&tbs.validity().not_before)
    );
    let _ = writeln!(
        s,
        "            Not After : {}",
        time::display(&tbs.validity().not_after)
    );
    let _ = writeln!(s, "        Subject: {}", display_name(tbs.subject()));
    spki_text(&mut s, tbs.subject_public_key_info());
    if !c.extensions().is_empty() {
        let _ = writeln!(s, "        X509v3 extensions:");
        extensions_text(&mut s, c.extensions(), 12);
    }
    let _ = writeln!(
        s,
        "    Signature Algorithm: {}",
        oid::name(&c.inner().signature_algorithm().oid)
    );
    let _ = writeln!(s, "    Signature Value:");
    wrapped_hex(&mut s, 8, c.inner().signature().raw_bytes());
    let _ = writeln!(
        s,
        "SHA256 Fingerprint={}",
        fingerprint_text(&c.fingerprint_sha256())
    );
    let _ = writeln!(
        s,
        "SM3 Fingerprint={}",
        fingerprint_text(&c.fingerprint_sm3())
    );
    s
}

/// A certification request, like `openssl req -text -noout`.
pub fn csr(r: &Csr) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Certificate Request:");
    let _ = writeln!(s, "    Data:");
    let _ = writeln!(s, "        Version: 1 (0x0)");
    let _ = writeln!(s, "        Subject: {}", r.subject_text());
    spki_text(&mut s, r.spki());
    let _ = writeln!(s, "        Attributes:");
    if let Ok(Some(pw)) = r.challenge_password() {
        let _ = writeln!(
            s,
            "            challengePassword        :{}",
            "*".repeat(pw.len().min(8))
        );
    }
    match r.requested_extensions() {
        Ok(exts) if !exts.is_empty() => {
            let _ = writeln!(s, "            Requested Extensions:");
            extensions_text(&mut s, &exts, 16);
        }
        Ok(_) => {}
        Err(e) => {
            let _ = writeln!(s, "            Requested Extensions: <{e}>");
        }
    }
    let _ = writeln!(
        s,
        "    Signature Algorithm: {}",
        oid::name(&r.inner().algorithm.oid)
    );
    let _ = writeln!(s, "    Signature Value:");
    wrapped_hex(&mut s, 8, r.inner().signature.raw_bytes());
    s
}

/// A CRL, like `openssl crl -text -noout`.
pub fn crl(c: &Crl) -> String {
    let mut s = String::new();
    let tbs = &c.inner().tbs_cert_list;
    let _ = writeln!(s, "Certificate Revocation List (CRL):");
    let _ = writeln!(
        s,
        "        Version {} (0x{:x})",
        tbs.version as u8 + 1,
        tbs.version as u8
    );
    let _ = writeln!(
        s,
        "        Signature Algorithm: {}",
        oid::name(&tbs.signature.oid)
    );
    let _ = writeln!(s, "        Issuer: {}", c.issuer_text());
    let _ = writeln!(
        s,
        "        Last Update: {}",
        time::display(&tbs.this_update)
    );
    match &tbs.next_update {
        Some(t) => {
            let _ = writeln!(s, "        Next Update: {}", time::display(t));
        }
        None => {
            let _ = writeln!(s, "        Next Update: NONE");
        }
    }
    if !c.extensions().is_empty() {
        let _ = writeln!(s, "        CRL extensions:");
        extensions_text(&mut s, c.extensions(), 12);
    }
    match c.entries() {
        Ok(entries) if entries.is_empty() => {
            let _ = writeln!(s, "No Revoked Certificates.");
        }
        Ok(entries) => {
            let _ = writeln!(s, "Revoked Certificates:");
            for e in entries {
                let _ = writeln!(s, "    Serial Number: {}", serial_hex(&e.serial));
                let _ = writeln!(
                    s,
                    "        Revocation Date: {}",
                    time::display_system(e.revoked_at)
                );
                if let Some(r) = e.reason {
                    let _ = writeln!(
                        s,
                        "        CRL entry extensions:\n            X509v3 CRL Reason Code:\n                {}",
                        reason_name(r)
                    );
                }
                if let Some(t) = e.invalidity_date {
                    let _ = writeln!(
                        s,
                        "            Invalidity Date:\n                {}",
                        time::display_system(t)
                    );
                }
            }
        }
        Err(e) => {
            let _ = writeln!(s, "Revoked Certificates: <{e}>");
        }
    }
    let _ = writeln!(
        s,
        "    Signature Algorithm: {}",
        oid::name(&c.inner().signature_algorithm.oid)
    );
    let _ = writeln!(s, "    Signature Value:");
    wrapped_hex(&mut s, 8, c.inner().signature.raw_bytes());
    s
}

/// An OCSP response, like `openssl ocsp -resp_text`.
pub fn ocsp_response(r: &Response) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "OCSP Response Data:");
    let _ = writeln!(
        s,
        "    OCSP Response Status: {:?} ({})",
        r.status, r.status as u32
    );
    let Some(b) = r.basic() else { return s };
    let d = &b.tbs_response_data;
    match &d.responder_id {
        ocsp::ResponderId::ByName(n) => {
            let _ = writeln!(s, "    Responder Id: {}", display_name(n));
        }
        ocsp::ResponderId::ByKey(k) => {
            let _ = writeln!(s, "    Responder Id: {}", hex::encode_upper(k.as_bytes()));
        }
    }
    let _ = writeln!(
        s,
        "    Produced At: {}",
        time::display_datetime(&d.produced_at.to_date_time())
    );
    let _ = writeln!(s, "    Responses:");
    for a in r.answers() {
        let _ = writeln!(s, "    Certificate ID:");
        let _ = writeln!(
            s,
            "      Hash Algorithm: {}",
            oid::name(&a.id.hash_algorithm.oid)
        );
        let _ = writeln!(
            s,
            "      Issuer Name Hash: {}",
            hex::encode_upper(a.id.issuer_name_hash.as_bytes())
        );
        let _ = writeln!(
            s,
            "      Issuer Key Hash: {}",
            hex::encode_upper(a.id.issuer_key_hash.as_bytes())
        );
        let _ = writeln!(s, "      Serial Number: {}", serial_hex(a.id.serial()));
        match a.status {
            ocsp::Status::Good => {
                let _ = writeln!(s, "    Cert Status: good");
            }
            ocsp::Status::Unknown => {
                let _ = writeln!(s, "    Cert Status: unknown");
            }
            ocsp::Status::Revoked { at, reason } => {
                let _ = writeln!(s, "    Cert Status: revoked");
                let _ = writeln!(s, "    Revocation Time: {}", time::display_system(at));
                if let Some(r) = reason {
                    let _ = writeln!(s, "    Revocation Reason: {}", reason_name(r));
                }
            }
        }
        let _ = writeln!(
            s,
            "    This Update: {}",
            time::display_system(a.this_update)
        );
        if let Some(n) = a.next_update {
            let _ = writeln!(s, "    Next Update: {}", time::display_system(n));
        }
    }
    if let Ok(Some(n)) = r.nonce() {
        let _ = writeln!(
            s,
            "    Response Extensions:\n        OCSP Nonce:\n            {}",
            hex::encode_upper(n)
        );
    }
    let _ = writeln!(
        s,
        "    Signature Algorithm: {}",
        oid::name(&b.signature_algorithm.oid)
    );
    s
}
