//! Distinguished names and alternative names: parsing the strings operators
//! type, and printing names the way people read them.

use crate::{Error, Result, oid};
use der::asn1::{Any, Ia5String, ObjectIdentifier, OctetString, PrintableStringRef, Utf8StringRef};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use std::net::IpAddr;
use std::str::FromStr;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// Attribute short names this crate knows, upper-cased, with their OIDs.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("CN", "2.5.4.3"),
    ("SN", "2.5.4.4"),
    ("SERIALNUMBER", "2.5.4.5"),
    ("C", "2.5.4.6"),
    ("L", "2.5.4.7"),
    ("ST", "2.5.4.8"),
    ("STREET", "2.5.4.9"),
    ("O", "2.5.4.10"),
    ("OU", "2.5.4.11"),
    ("TITLE", "2.5.4.12"),
    ("GIVENNAME", "2.5.4.42"),
    ("GN", "2.5.4.42"),
    ("UID", "0.9.2342.19200300.100.1.1"),
    ("DC", "0.9.2342.19200300.100.1.25"),
    ("EMAILADDRESS", "1.2.840.113549.1.9.1"),
    ("E", "1.2.840.113549.1.9.1"),
];

fn attribute_oid(key: &str) -> Result<ObjectIdentifier> {
    let up = key.to_ascii_uppercase();
    if let Some((_, o)) = ATTRIBUTES.iter().find(|(k, _)| *k == up) {
        return ObjectIdentifier::new(o).map_err(|_| Error::Invalid(format!("attribute {key}")));
    }
    if key.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return ObjectIdentifier::new(key)
            .map_err(|_| Error::Invalid(format!("'{key}' is not an attribute name or OID")));
    }
    Err(Error::Invalid(format!(
        "unknown attribute '{key}' in a name (known: CN, O, OU, C, L, ST, STREET, SERIALNUMBER, \
         DC, UID, emailAddress, title, SN, GN, or a dotted OID)"
    )))
}

fn short_name(o: &ObjectIdentifier) -> String {
    let s = o.to_string();
    ATTRIBUTES
        .iter()
        .find(|(k, v)| *v == s && *k != "GN" && *k != "E")
        .map(|(k, _)| match *k {
            "EMAILADDRESS" => "emailAddress".to_string(),
            "SERIALNUMBER" => "serialNumber".to_string(),
            k => k.to_string(),
        })
        .unwrap_or(s)
}

fn attribute_value(o: &ObjectIdentifier, val: &str) -> Result<Any> {
    let bad = |why: &str| Error::Invalid(format!("{}={val:?}: {why}", short_name(o)));
    if val.is_empty() {
        return Err(bad("empty value"));
    }
    if val.chars().any(|c| c.is_control()) {
        return Err(bad("control characters are not allowed"));
    }
    if val.len() > 256 {
        return Err(bad("longer than 256 bytes"));
    }
    let s = o.to_string();
    let any = if s == "2.5.4.6" {
        if val.len() != 2 || !val.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(bad("a country is two upper-case letters (ISO 3166)"));
        }
        Any::encode_from(&PrintableStringRef::new(val).map_err(|_| bad("not printable"))?)
    } else if s == "2.5.4.5" {
        Any::encode_from(
            &PrintableStringRef::new(val)
                .map_err(|_| bad("a serialNumber must be a PrintableString"))?,
        )
    } else if s == "1.2.840.113549.1.9.1" || s == "0.9.2342.19200300.100.1.25" {
        Any::encode_from(&Ia5String::new(val).map_err(|_| bad("must be ASCII"))?)
    } else {
        Any::encode_from(&Utf8StringRef::new(val).map_err(|_| bad("not UTF-8"))?)
    };
    any.map_err(|e| bad(&e.to_string()))
}

/// Splits on `sep` where it is not escaped with a backslash.
fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            cur.push(c);
            esc = true;
        } else if c == sep {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            out.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses a distinguished name as operators write it.
///
/// Two forms are read:
/// * RFC 4514, most significant last: `CN=dev-0001,O=Acme,C=CN`;
/// * OpenSSL's `-subj`, most significant first: `/C=CN/O=Acme/CN=dev-0001`.
///
/// Spaces around `,` and `=` are ignored; `+` joins attributes into one
/// multi-valued RDN; `\` escapes a separator. Country names must be two
/// upper-case letters; control characters are refused. The empty string is
/// the empty name.
pub fn parse_name(s: &str) -> Result<Name> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Name::default());
    }
    let (rdns, forward) = if let Some(rest) = s.strip_prefix('/') {
        (split_unescaped(rest, '/'), true)
    } else {
        (split_unescaped(s, ','), false)
    };
    let mut out = Vec::new();
    for rdn in rdns {
        let rdn = rdn.trim();
        if rdn.is_empty() {
            return Err(Error::Invalid(format!("empty component in name {s:?}")));
        }
        let mut atvs = Vec::new();
        for atv in split_unescaped(rdn, '+') {
            let (k, v) = atv.split_once('=').ok_or_else(|| {
                Error::Invalid(format!("'{}' has no '=' in name {s:?}", atv.trim()))
            })?;
            let o = attribute_oid(k.trim())?;
            let value = attribute_value(&o, &unescape(v.trim()))?;
            atvs.push(AttributeTypeAndValue { oid: o, value });
        }
        out.push(
            RelativeDistinguishedName::try_from(atvs)
                .map_err(|e| Error::Invalid(format!("name {s:?}: {e}")))?,
        );
    }
    if !forward {
        out.reverse();
    }
    let der = RdnSequence::from(out)
        .to_der()
        .map_err(|e| Error::Invalid(format!("name {s:?}: {e}")))?;
    Name::from_der(&der).map_err(|e| Error::Invalid(format!("name {s:?}: {e}")))
}

fn value_string(v: &Any) -> String {
    let s = match v.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(v).ok().map(|s| s.to_string()),
        Tag::PrintableString => PrintableStringRef::try_from(v).ok().map(|s| s.to_string()),
        Tag::Ia5String => der::asn1::Ia5StringRef::try_from(v)
            .ok()
            .map(|s| s.to_string()),
        _ => None,
    };
    s.unwrap_or_else(|| format!("#{}", hex::encode(v.to_der().unwrap_or_default())))
}

/// A name the way `openssl x509 -text` prints it, most significant first:
/// `C = CN, O = Acme, CN = dev-0001`. Control characters are escaped.
pub fn display_name(n: &Name) -> String {
    let mut parts = Vec::new();
    for rdn in n.iter_rdn() {
        let atvs: Vec<String> = rdn
            .iter()
            .map(|a| {
                let v: String = value_string(&a.value)
                    .chars()
                    .flat_map(|c| {
                        if c.is_control() {
                            format!("\\x{:02x}", c as u32).chars().collect::<Vec<_>>()
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
                format!("{} = {}", short_name(&a.oid), v)
            })
            .collect();
        parts.push(atvs.join(" + "));
    }
    parts.join(", ")
}

/// The first value of attribute `attr` in `n` (e.g. the common name).
pub fn attribute(n: &Name, attr: &ObjectIdentifier) -> Option<String> {
    n.iter()
        .find(|a| a.oid == *attr)
        .map(|a| value_string(&a.value))
}

/// The common name of `n`, if it has one.
pub fn common_name(n: &Name) -> Option<String> {
    attribute(n, &oid::AT_COMMON_NAME)
}

/// RFC 4108 HardwareModuleName, carried as an otherName: a device serial.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct HardwareModuleName {
    /// The kind of hardware module (an OID the manufacturer assigns).
    pub hw_type: ObjectIdentifier,
    /// The serial number of the module.
    pub hw_serial_num: OctetString,
}

fn check_dns(d: &str) -> Result<()> {
    let bad = |why: &str| Error::Invalid(format!("DNS name {d:?}: {why}"));
    if d.is_empty() || d.len() > 253 {
        return Err(bad("must be 1 to 253 characters"));
    }
    let body = d.strip_prefix("*.").unwrap_or(d);
    for label in body.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad("every label must be 1 to 63 characters"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(bad("letters, digits and inner hyphens only"));
        }
    }
    Ok(())
}

fn check_email(e: &str) -> Result<()> {
    match e.rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && local.is_ascii()
                && !local.chars().any(|c| c.is_ascii_control() || c == ' ') =>
        {
            check_dns(domain)
                .map_err(|_| Error::Invalid(format!("e-mail address {e:?}: bad domain")))
        }
        _ => Err(Error::Invalid(format!("{e:?} is not an e-mail address"))),
    }
}

fn check_uri(u: &str) -> Result<()> {
    let scheme_ok = u.split_once(':').is_some_and(|(s, rest)| {
        !s.is_empty()
            && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
    });
    if !scheme_ok || !u.is_ascii() || u.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(Error::Invalid(format!(
            "{u:?} is not a URI (scheme:rest, ASCII, no spaces)"
        )));
    }
    Ok(())
}

fn ia5(s: &str) -> Result<Ia5String> {
    Ia5String::new(s).map_err(|_| Error::Invalid(format!("{s:?} is not ASCII")))
}

/// Parses one alternative name: `DNS:host`, `IP:1.2.3.4` (or IPv6),
/// `URI:urn:dev:0001`, `email:a@b` (also `EMAIL:`/`RFC822:`),
/// `DIRNAME:CN=x,O=y`, `RID:1.2.3`, `HWSN:<hwType OID>:<serial>` (RFC 4108
/// hardwareModuleName, a device serial), or `otherName:<OID>;UTF8:<text>`.
/// Values are checked: DNS labels, e-mail form, URI scheme, IP syntax.
pub fn parse_general_name(s: &str) -> Result<GeneralName> {
    let (kind, value) = s
        .split_once(':')
        .ok_or_else(|| Error::Invalid(format!("alternative name {s:?} has no TYPE: prefix")))?;
    let value = value.trim();
    match kind.trim().to_ascii_uppercase().as_str() {
        "DNS" => {
            check_dns(value)?;
            Ok(GeneralName::DnsName(ia5(&value.to_ascii_lowercase())?))
        }
        "IP" => {
            let ip = IpAddr::from_str(value)
                .map_err(|_| Error::Invalid(format!("{value:?} is not an IP address")))?;
            Ok(GeneralName::from(ip))
        }
        "URI" => {
            check_uri(value)?;
            Ok(GeneralName::UniformResourceIdentifier(ia5(value)?))
        }
        "EMAIL" | "RFC822" => {
            check_email(value)?;
            Ok(GeneralName::Rfc822Name(ia5(value)?))
        }
        "DIRNAME" => Ok(GeneralName::DirectoryName(parse_name(value)?)),
        "RID" => Ok(GeneralName::RegisteredId(
            ObjectIdentifier::new(value).map_err(|_| Error::Invalid(format!("RID:{value}")))?,
        )),
        "HWSN" => {
            let (t, serial) = value.split_once(':').ok_or_else(|| {
                Error::Invalid(format!("HWSN:{value}: want HWSN:<hwType OID>:<serial>"))
            })?;
            if serial.is_empty() {
                return Err(Error::Invalid("HWSN: empty serial".into()));
            }
            let hw = HardwareModuleName {
                hw_type: ObjectIdentifier::new(t)
                    .map_err(|_| Error::Invalid(format!("HWSN: {t:?} is not an OID")))?,
                hw_serial_num: OctetString::new(serial.as_bytes())
                    .map_err(|e| Error::Invalid(e.to_string()))?,
            };
            Ok(GeneralName::OtherName(OtherName {
                type_id: oid::ON_HARDWARE_MODULE_NAME,
                value: Any::encode_from(&hw).map_err(|e| Error::Invalid(e.to_string()))?,
            }))
        }
        "OTHERNAME" => {
            let (t, v) = value.split_once(';').ok_or_else(|| {
                Error::Invalid(format!(
                    "otherName:{value}: want otherName:<OID>;UTF8:<text>"
                ))
            })?;
            let text = v.strip_prefix("UTF8:").ok_or_else(|| {
                Error::Invalid(format!(
                    "otherName:{value}: only UTF8:<text> values are written"
                ))
            })?;
            Ok(GeneralName::OtherName(OtherName {
                type_id: ObjectIdentifier::new(t)
                    .map_err(|_| Error::Invalid(format!("otherName: {t:?} is not an OID")))?,
                value: Any::encode_from(
                    &Utf8StringRef::new(text).map_err(|e| Error::Invalid(e.to_string()))?,
                )
                .map_err(|e| Error::Invalid(e.to_string()))?,
            }))
        }
        k => Err(Error::Invalid(format!(
            "unknown alternative name type {k:?} (DNS, IP, URI, email, DIRNAME, RID, HWSN, otherName)"
        ))),
    }
}

/// Parses a comma-separated list of alternative names
/// (`DNS:x,IP:1.2.3.4,URI:urn:dev:0001`).
pub fn parse_general_names(s: &str) -> Result<Vec<GeneralName>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_general_name)
        .collect()
}

/// Parses name-constraint subtrees (comma-separated). Besides the forms
/// of [`parse_general_name`], constraints take `DNS:.example.com`
/// (subdomains only), `URI:host.example.com` or `URI:.example.com` (URI
/// constraints name hosts), `email:example.com` (any mailbox there) and
/// `IP:10.0.0.0/8` (an address and prefix length).
pub fn parse_constraints(s: &str) -> Result<Vec<GeneralName>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kind, value) = part
            .split_once(':')
            .ok_or_else(|| Error::Invalid(format!("constraint {part:?} has no TYPE: prefix")))?;
        let value = value.trim();
        let host = |v: &str| -> Result<Ia5String> {
            check_dns(v.strip_prefix('.').unwrap_or(v))?;
            ia5(&v.to_ascii_lowercase())
        };
        match kind.trim().to_ascii_uppercase().as_str() {
            "IP" => {
                let (addr, prefix) = value.split_once('/').ok_or_else(|| {
                    Error::Invalid(format!("IP constraint {value:?}: want ADDRESS/PREFIX"))
                })?;
                let addr = IpAddr::from_str(addr)
                    .map_err(|_| Error::Invalid(format!("{addr:?} is not an IP address")))?;
                let bytes = match addr {
                    IpAddr::V4(a) => a.octets().to_vec(),
                    IpAddr::V6(a) => a.octets().to_vec(),
                };
                let bits: usize = prefix
                    .parse()
                    .ok()
                    .filter(|b| *b <= bytes.len() * 8)
                    .ok_or_else(|| Error::Invalid(format!("bad prefix length in {value:?}")))?;
                let mask: Vec<u8> = (0..bytes.len())
                    .map(|i| match bits.saturating_sub(i * 8).min(8) {
                        0 => 0,
                        b => 0xffu8 << (8 - b),
                    })
                    .collect();
                let mut v: Vec<u8> = bytes.iter().zip(&mask).map(|(a, m)| a & m).collect();
                v.extend(mask);
                out.push(GeneralName::IpAddress(
                    OctetString::new(v).map_err(|e| Error::Invalid(e.to_string()))?,
                ));
            }
            "DNS" => out.push(GeneralName::DnsName(host(value)?)),
            "URI" => out.push(GeneralName::UniformResourceIdentifier(host(value)?)),
            "EMAIL" | "RFC822" if !value.contains('@') => {
                out.push(GeneralName::Rfc822Name(host(value)?))
            }
            _ => out.push(parse_general_name(part)?),
        }
    }
    Ok(out)
}

/// An alternative name as `openssl x509 -text` prints it
/// (`DNS:x`, `IP Address:1.2.3.4`, `URI:...`, `email:...`).
pub fn display_general_name(g: &GeneralName) -> String {
    match g {
        GeneralName::DnsName(s) => format!("DNS:{s}"),
        GeneralName::Rfc822Name(s) => format!("email:{s}"),
        GeneralName::UniformResourceIdentifier(s) => format!("URI:{s}"),
        GeneralName::IpAddress(o) => match o.as_bytes().len() {
            4 => {
                let b: [u8; 4] = o.as_bytes().try_into().unwrap_or_default();
                format!("IP Address:{}", std::net::Ipv4Addr::from(b))
            }
            16 => {
                let b: [u8; 16] = o.as_bytes().try_into().unwrap_or_default();
                format!("IP Address:{}", std::net::Ipv6Addr::from(b))
            }
            // Name constraints carry address + mask (8 or 32 bytes).
            8 | 32 => {
                let (a, m) = o.as_bytes().split_at(o.as_bytes().len() / 2);
                format!("IP:{}/{}", ip_string(a), ip_string(m))
            }
            _ => format!("IP Address:<{}>", hex::encode(o.as_bytes())),
        },
        GeneralName::DirectoryName(n) => format!("DirName:{}", display_name(n)),
        GeneralName::RegisteredId(o) => format!("Registered ID:{o}"),
        GeneralName::OtherName(o) if o.type_id == oid::ON_HARDWARE_MODULE_NAME => {
            match o.value.decode_as::<HardwareModuleName>() {
                Ok(hw) => format!(
                    "HWSN:{}:{}",
                    hw.hw_type,
                    String::from_utf8_lossy(hw.hw_serial_num.as_bytes())
                ),
                Err(_) => "othername:<malformed hardwareModuleName>".into(),
            }
        }
        GeneralName::OtherName(o) => match Utf8StringRef::try_from(&o.value) {
            Ok(s) => format!("othername:{};UTF8:{}", o.type_id, s),
            Err(_) => format!("othername:{}:<unsupported>", o.type_id),
        },
        GeneralName::EdiPartyName(_) => "EdiPartyName:<unsupported>".into(),
    }
}

fn ip_string(b: &[u8]) -> String {
    match b.len() {
        4 => {
            let a: [u8; 4] = b.try_into().unwrap_or_default();
            std::net::Ipv4Addr::from(a).to_string()
        }
        16 => {
            let a: [u8; 16] = b.try_into().unwrap_or_default();
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex::encode(b),
    }
}

/// DER of a name, for comparisons.
pub(crate) fn name_der(n: &Name) -> Vec<u8> {
    n.to_der().unwrap_or_default()
}

/// Whether two names match per RFC 5280 7.1 (here: same DER after the
/// case-insensitive comparison of PrintableString/UTF8String values,
/// ignoring leading, trailing and repeated inner spaces).
pub fn names_match(a: &Name, b: &Name) -> bool {
    if name_der(a) == name_der(b) {
        return true;
    }
    let norm = |n: &Name| -> Vec<Vec<(String, String)>> {
        n.iter_rdn()
            .map(|rdn| {
                let mut v: Vec<(String, String)> = rdn
                    .iter()
                    .map(|a| {
                        let s = value_string(&a.value);
                        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
                        (a.oid.to_string(), s.to_lowercase())
                    })
                    .collect();
                v.sort();
                v
            })
            .collect()
    };
    norm(a) == norm(b)
}

/// Decodes a name from DER.
pub fn name_from_der(der: &[u8]) -> Result<Name> {
    Name::from_der(der).map_err(crate::error::malformed("Name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_name_forms_give_the_same_der() {
        let a = parse_name("CN=dev-0001, O=Acme ,C=CN").unwrap();
        let b = parse_name("/C=CN/O=Acme/CN=dev-0001").unwrap();
        assert_eq!(a.to_der().unwrap(), b.to_der().unwrap());
        assert_eq!(display_name(&a), "C = CN, O = Acme, CN = dev-0001");
        assert_eq!(common_name(&a).as_deref(), Some("dev-0001"));
    }

    #[test]
    fn bad_names_are_errors() {
        for bad in ["CN", "XX=1", "C=China", "CN=a\nb", "CN=", "CN=a,,O=b"] {
            assert!(parse_name(bad).is_err(), "{bad}");
        }
        let n = parse_name("CN=a\\,b,O=x").unwrap();
        assert_eq!(common_name(&n).as_deref(), Some("a,b"));
    }

    #[test]
    fn general_names_round_trip_through_display() {
        let g = parse_general_names(
            "DNS:gw.example.com,IP:10.0.0.1,IP:::1,URI:urn:dev:0001,email:ops@example.com,HWSN:1.3.6.1.4.1.99999.1:SN-42",
        )
        .unwrap();
        let shown: Vec<String> = g.iter().map(display_general_name).collect();
        assert_eq!(
            shown,
            [
                "DNS:gw.example.com",
                "IP Address:10.0.0.1",
                "IP Address:::1",
                "URI:urn:dev:0001",
                "email:ops@example.com",
                "HWSN:1.3.6.1.4.1.99999.1:SN-42"
            ]
        );
        for bad in [
            "DNS:a b",
            "DNS:-x.com",
            "IP:1.2.3",
            "URI:nocolon",
            "email:x",
            "FOO:bar",
            "DNS:'; DROP TABLE certs;--",
        ] {
            assert!(parse_general_name(bad).is_err(), "{bad}");
        }
    }
}
