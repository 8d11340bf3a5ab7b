//! PKCS#10 certification requests (RFC 2986): building, parsing and the
//! proof-of-possession check, with extension requests and
//! challengePassword.

use crate::alg::{self, X509_SM2_ID};
use crate::cert::{Signed, tbs_bytes};
use crate::error::malformed;
use crate::name::display_name;
use crate::signer::Signer;
use crate::{Error, Result, ext, oid, pem};
use der::asn1::{Any, AnyRef, BitString, SetOfVec, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use shangmi::alg::PublicKey;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};

/// Builds a certification request.
#[derive(Clone, Debug)]
pub struct CsrBuilder {
    subject: Name,
    sans: Vec<GeneralName>,
    extensions: Vec<Extension>,
    challenge_password: Option<String>,
    sm2_id: Vec<u8>,
}

impl CsrBuilder {
    /// A request for `subject`.
    pub fn new(subject: Name) -> Self {
        Self {
            subject,
            sans: Vec::new(),
            extensions: Vec::new(),
            challenge_password: None,
            sm2_id: X509_SM2_ID.to_vec(),
        }
    }

    /// Requests these subject alternative names (an extensionRequest).
    pub fn subject_alt_names(mut self, sans: Vec<GeneralName>) -> Self {
        self.sans = sans;
        self
    }

    /// Requests another extension.
    pub fn extension(mut self, e: Extension) -> Self {
        self.extensions.push(e);
        self
    }

    /// Adds a challengePassword (an EST bootstrap token, or tls-unique).
    pub fn challenge_password(mut self, pw: &str) -> Self {
        self.challenge_password = Some(pw.to_string());
        self
    }

    /// The SM2 ID of the self-signature (default 1234567812345678).
    pub fn sm2_id(mut self, id: &[u8]) -> Self {
        self.sm2_id = id.to_vec();
        self
    }

    /// Signs the request with the subject's key (the proof of possession).
    pub fn sign(&self, signer: &dyn Signer) -> Result<Csr> {
        let inv = |e: der::Error| Error::Invalid(format!("certification request: {e}"));
        let mut exts = self.extensions.clone();
        if !self.sans.is_empty() {
            exts.push(ext::subject_alt_name(&self.subject, &self.sans)?);
        }
        let mut attributes = SetOfVec::new();
        if !exts.is_empty() {
            let mut values = SetOfVec::new();
            values
                .insert(Any::encode_from(&exts).map_err(inv)?)
                .map_err(inv)?;
            attributes
                .insert(Attribute {
                    oid: oid::EXTENSION_REQUEST,
                    values,
                })
                .map_err(inv)?;
        }
        if let Some(pw) = &self.challenge_password {
            if pw.is_empty() || pw.len() > 255 {
                return Err(Error::Invalid("challengePassword: 1 to 255 bytes".into()));
            }
            let mut values = SetOfVec::new();
            values
                .insert(Any::encode_from(&Utf8StringRef::new(pw).map_err(inv)?).map_err(inv)?)
                .map_err(inv)?;
            attributes
                .insert(Attribute {
                    oid: oid::CHALLENGE_PASSWORD,
                    values,
                })
                .map_err(inv)?;
        }
        let info = CertReqInfo {
            version: Version::V1,
            subject: self.subject.clone(),
            public_key: alg::spki_of(&signer.public_key())?,
            attributes,
        };
        let info_der = info.to_der().map_err(inv)?;
        let sig = signer.sign(&self.sm2_id, &info_der)?;
        let signed = Signed {
            tbs: AnyRef::from_der(&info_der).map_err(inv)?,
            alg: alg::signature_algorithm_identifier(signer.algorithm()),
            sig: BitString::from_bytes(&sig).map_err(inv)?,
        };
        Csr::from_der(&signed.to_der().map_err(inv)?)
    }
}

/// A parsed certification request that keeps its DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csr {
    der: Vec<u8>,
    info: Vec<u8>,
    inner: CertReq,
}

impl Csr {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner = CertReq::from_der(der).map_err(malformed("certification request"))?;
        let info = tbs_bytes(der, "certification request")?;
        Ok(Self {
            der: der.to_vec(),
            info,
            inner,
        })
    }

    /// Parses PEM ("CERTIFICATE REQUEST", or "NEW CERTIFICATE REQUEST") or
    /// DER.
    pub fn from_pem_or_der(data: &[u8]) -> Result<Self> {
        let der = pem::decode_one(data, "CERTIFICATE REQUEST")
            .or_else(|_| pem::decode_one(data, "NEW CERTIFICATE REQUEST"))?;
        Self::from_der(&der)
    }

    /// The DER encoding.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM "CERTIFICATE REQUEST".
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE REQUEST", &self.der)
    }

    /// The parsed structure.
    pub fn inner(&self) -> &CertReq {
        &self.inner
    }

    /// The requested subject.
    pub fn subject(&self) -> &Name {
        &self.inner.info.subject
    }

    /// The subject for people.
    pub fn subject_text(&self) -> String {
        display_name(self.subject())
    }

    /// The SubjectPublicKeyInfo as requested.
    pub fn spki(&self) -> &spki::SubjectPublicKeyInfoOwned {
        &self.inner.info.public_key
    }

    /// The public key, validated.
    pub fn public_key(&self) -> Result<PublicKey> {
        alg::public_key_of(&self.inner.info.public_key)
    }

    /// Checks the self-signature (proof of possession) with the X.509 SM2
    /// ID. An SM2 request signed with another ID fails with a message that
    /// names the ID as the likely cause.
    pub fn verify(&self) -> Result<()> {
        self.verify_with_id(X509_SM2_ID)
    }

    /// Checks the self-signature with an explicit SM2 ID.
    pub fn verify_with_id(&self, sm2_id: &[u8]) -> Result<()> {
        let key = self.public_key()?;
        alg::verify_signature(
            &format!("certification request \"{}\"", self.subject_text()),
            &key,
            &self.inner.algorithm,
            &self.info,
            &self.inner.signature,
            sm2_id,
        )
    }

    fn attribute(&self, id: &der::asn1::ObjectIdentifier) -> Result<Option<&Any>> {
        let mut found = self.inner.info.attributes.iter().filter(|a| a.oid == *id);
        let a = match (found.next(), found.next()) {
            (None, _) => return Ok(None),
            (Some(a), None) => a,
            _ => {
                return Err(Error::Malformed(format!(
                    "certification request: attribute {id} appears twice"
                )));
            }
        };
        if a.values.len() != 1 {
            return Err(Error::Malformed(format!(
                "certification request: attribute {id} must have one value"
            )));
        }
        Ok(a.values.iter().next())
    }

    /// The extensions of the extensionRequest attribute.
    pub fn requested_extensions(&self) -> Result<Vec<Extension>> {
        match self.attribute(&oid::EXTENSION_REQUEST)? {
            None => Ok(Vec::new()),
            Some(v) => v
                .decode_as::<Vec<Extension>>()
                .map_err(malformed("extensionRequest")),
        }
    }

    /// The requested subject alternative names.
    pub fn subject_alt_names(&self) -> Result<Vec<GeneralName>> {
        let exts = self.requested_extensions()?;
        Ok(ext::get::<SubjectAltName>(&exts, &oid::SUBJECT_ALT_NAME)?
            .map(|(_, s)| s.0)
            .unwrap_or_default())
    }

    /// The challengePassword, when present (any DirectoryString form).
    pub fn challenge_password(&self) -> Result<Option<String>> {
        let Some(v) = self.attribute(&oid::CHALLENGE_PASSWORD)? else {
            return Ok(None);
        };
        let s = match v.tag() {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
                std::str::from_utf8(v.value())
                    .map_err(|_| Error::Malformed("challengePassword is not text".into()))?
                    .to_string()
            }
            t => {
                return Err(Error::Malformed(format!(
                    "challengePassword has unsupported type {t}"
                )));
            }
        };
        Ok(Some(s))
    }
}
