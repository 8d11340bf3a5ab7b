//! PEM in and out: files with one or many objects, or plain DER.

use crate::{Error, Result};

/// Encodes DER as PEM with `label` (64-column lines, LF).
pub fn encode(label: &str, der: &[u8]) -> String {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

/// Whether `data` looks like PEM text.
pub fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Every PEM block labelled `label` in `data`, decoded; blocks with other
/// labels and text between blocks are skipped. When `data` is not PEM it
/// is taken as one DER object.
pub fn decode_all(data: &[u8], label: &str) -> Result<Vec<Vec<u8>>> {
    if !is_pem(data) {
        if data.is_empty() {
            return Err(Error::Malformed(format!(
                "empty input where a {label} was expected"
            )));
        }
        return Ok(vec![data.to_vec()]);
    }
    let text =
        std::str::from_utf8(data).map_err(|_| Error::Malformed("PEM text is not UTF-8".into()))?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..]
            .find("-----")
            .ok_or_else(|| Error::Malformed("PEM: unterminated BEGIN line".into()))?;
        let this_label = &block[11..11 + label_end];
        let end_marker = format!("-----END {this_label}-----");
        let end = block
            .find(&end_marker)
            .ok_or_else(|| Error::Malformed(format!("PEM: no END line for {this_label}")))?;
        let whole = &block[..end + end_marker.len()];
        if this_label == label {
            let (_, der) = pem_rfc7468::decode_vec(whole.as_bytes())
                .map_err(|e| Error::Malformed(format!("PEM {label}: {e}")))?;
            out.push(der);
        }
        rest = &block[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(Error::Malformed(format!("no PEM block labelled {label}")));
    }
    Ok(out)
}

/// The one PEM block labelled `label` (or DER).
pub fn decode_one(data: &[u8], label: &str) -> Result<Vec<u8>> {
    let mut all = decode_all(data, label)?;
    if all.len() != 1 {
        return Err(Error::Invalid(format!(
            "expected one {label}, found {}",
            all.len()
        )));
    }
    Ok(all.remove(0))
}
