//! Password hashes for HTTP Basic provisioners:
//! `pbkdf2-sm3$<iterations>$<salt, base64>$<hash, base64>`.

use base64ct::Encoding;
use shangmi::rng::{OsRng, fill};
use subtle::ConstantTimeEq;

const ITERATIONS: u32 = 100_000;

/// Hashes a password with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    fill(&mut OsRng, &mut salt).map_err(|e| e.to_string())?;
    let mut out = [0u8; 32];
    shangmi::kdf::pbkdf2_hmac_sm3(password.as_bytes(), &salt, ITERATIONS, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "pbkdf2-sm3${ITERATIONS}${}${}",
        base64ct::Base64::encode_string(&salt),
        base64ct::Base64::encode_string(&out)
    ))
}

/// Whether `password` matches `stored` (compared in constant time).
pub fn verify(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [scheme, iters, salt, want] = parts[..] else {
        return false;
    };
    if scheme != "pbkdf2-sm3" {
        return false;
    }
    let (Ok(iters), Ok(salt), Ok(want)) = (
        iters.parse::<u32>(),
        base64ct::Base64::decode_vec(salt),
        base64ct::Base64::decode_vec(want),
    ) else {
        return false;
    };
    if want.len() != 32 || !(1..=10_000_000).contains(&iters) {
        return false;
    }
    let mut got = [0u8; 32];
    if shangmi::kdf::pbkdf2_hmac_sm3(password.as_bytes(), &salt, iters, &mut got).is_err() {
        return false;
    }
    bool::from(got.ct_eq(&want[..]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("s3cret").unwrap();
        assert!(super::verify("s3cret", &h));
        assert!(!super::verify("s3cre", &h));
        assert!(!super::verify("s3cret", "pbkdf2-sm3$1$AA==$AA=="));
        assert!(!super::verify("s3cret", "garbage"));
    }
}
