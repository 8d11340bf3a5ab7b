//! Policy: glob patterns over names, key algorithms, and what a profile
//! allows on top of the built-in profile.

use crate::config::ProfilePolicy;
use crate::error::{CaError, CaResult};
use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::x509_cert::ext::pkix::name::GeneralName;

/// `*` matches any run of characters; everything else matches itself,
/// ignoring ASCII case.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// An alternative name as patterns see it: `DNS:x`, `IP:1.2.3.4`,
/// `URI:...`, `email:...`, `HWSN:<oid>:<serial>`, `DirName:...`.
pub fn san_string(g: &GeneralName) -> String {
    let s = shangmi_pki::name::display_general_name(g);
    match s.strip_prefix("IP Address:") {
        Some(ip) => format!("IP:{ip}"),
        None => s,
    }
}

/// The short name of a key algorithm in configuration.
pub fn algorithm_name(a: SignatureAlgorithm) -> &'static str {
    match a {
        SignatureAlgorithm::Sm2Sm3 => "sm2",
        SignatureAlgorithm::EcdsaP256Sha256 => "p256",
        SignatureAlgorithm::EcdsaP384Sha384 => "p384",
        SignatureAlgorithm::Ed25519 => "ed25519",
    }
}

/// Checks a request against a profile policy: key algorithm, subject and
/// alternative names.
pub fn check(
    p: &ProfilePolicy,
    key: SignatureAlgorithm,
    subject: &str,
    sans: &[GeneralName],
) -> CaResult<()> {
    if !p.key_algorithms.is_empty() && !p.key_algorithms.iter().any(|a| a == algorithm_name(key)) {
        return Err(CaError::Forbidden(format!(
            "key algorithm {} is not allowed here (allowed: {})",
            algorithm_name(key),
            p.key_algorithms.join(", ")
        )));
    }
    if p.subject_deny.iter().any(|d| glob(d, subject)) {
        return Err(CaError::Forbidden(format!(
            "subject {subject:?} is denied by policy"
        )));
    }
    if !p.subject_allow.is_empty() && !p.subject_allow.iter().any(|a| glob(a, subject)) {
        return Err(CaError::Forbidden(format!(
            "subject {subject:?} is not allowed by policy"
        )));
    }
    for g in sans {
        let s = san_string(g);
        if p.san_deny.iter().any(|d| glob(d, &s)) {
            return Err(CaError::Forbidden(format!(
                "alternative name {s} is denied by policy"
            )));
        }
        if !p.san_allow.is_empty() && !p.san_allow.iter().any(|a| glob(a, &s)) {
            return Err(CaError::Forbidden(format!(
                "alternative name {s} is not allowed by policy"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("URI:urn:dev:*", "URI:urn:dev:0001"));
        assert!(glob("DNS:*.example.com", "DNS:a.b.example.com"));
        assert!(!glob("DNS:*.example.com", "DNS:example.org"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
        assert!(glob("CN=dev-*", "cn=DEV-7"));
    }
}
