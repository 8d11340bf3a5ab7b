//! TLS glue between rustls and shangmi: keys from the key store sign the
//! handshake, and certificate chains and handshake signatures are checked
//! with shangmi's own path validation and primitives, so SM2 client
//! certificates (TLS 1.3 `sm2sig_sm3`, RFC 8998, ID
//! "TLSv1.3+GM+Cipher+Suite") work beside ECDSA and Ed25519. The record
//! layer uses rustls' standard cipher suites.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use shangmi::alg::{PublicKey, SignatureAlgorithm, SignatureEncoding};
use shangmi_pki::{Certificate, Signer, path};
use std::sync::Arc;

/// `sm2sig_sm3` (RFC 8998).
pub const SM2SIG_SM3: SignatureScheme = SignatureScheme::Unknown(0x0708);

/// The signature schemes this glue signs and verifies.
pub fn schemes() -> Vec<SignatureScheme> {
    vec![
        SignatureScheme::ECDSA_NISTP256_SHA256,
        SignatureScheme::ECDSA_NISTP384_SHA384,
        SignatureScheme::ED25519,
        SM2SIG_SM3,
    ]
}

fn scheme_for(a: SignatureAlgorithm) -> SignatureScheme {
    match a {
        SignatureAlgorithm::Sm2Sm3 => SM2SIG_SM3,
        SignatureAlgorithm::EcdsaP256Sha256 => SignatureScheme::ECDSA_NISTP256_SHA256,
        SignatureAlgorithm::EcdsaP384Sha384 => SignatureScheme::ECDSA_NISTP384_SHA384,
        SignatureAlgorithm::Ed25519 => SignatureScheme::ED25519,
    }
}

/// A key-store key as a rustls signing key.
#[derive(Clone)]
pub struct KeyAdapter(pub Arc<dyn Signer>);

impl std::fmt::Debug for KeyAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyAdapter({:?})", self.0.algorithm())
    }
}

impl rustls::sign::SigningKey for KeyAdapter {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        let s = scheme_for(self.0.algorithm());
        offered
            .contains(&s)
            .then(|| Box::new(self.clone()) as Box<dyn rustls::sign::Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        match self.0.algorithm() {
            SignatureAlgorithm::Ed25519 => rustls::SignatureAlgorithm::ED25519,
            SignatureAlgorithm::Sm2Sm3 => rustls::SignatureAlgorithm::Unknown(0x08),
            _ => rustls::SignatureAlgorithm::ECDSA,
        }
    }
}

impl rustls::sign::Signer for KeyAdapter {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.0
            .sign(shangmi::sm2::TLS13_ID, message)
            .map_err(|e| rustls::Error::General(format!("signing: {e}")))
    }

    fn scheme(&self) -> SignatureScheme {
        scheme_for(self.0.algorithm())
    }
}

/// A certificate chain and its key for rustls.
pub fn certified_key(
    chain: &[Certificate],
    key: Arc<dyn Signer>,
) -> Arc<rustls::sign::CertifiedKey> {
    Arc::new(rustls::sign::CertifiedKey::new(
        chain
            .iter()
            .map(|c| CertificateDer::from(c.to_der().to_vec()))
            .collect(),
        Arc::new(KeyAdapter(key)),
    ))
}

fn bad_cert(e: impl std::fmt::Display) -> rustls::Error {
    rustls::Error::General(format!("certificate: {e}"))
}

/// Checks a TLS handshake signature with the certificate's key.
pub fn verify_handshake(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let c = Certificate::from_der(cert.as_ref()).map_err(bad_cert)?;
    let key = c.public_key().map_err(bad_cert)?;
    let ok = match (dss.scheme, &key) {
        (SignatureScheme::ECDSA_NISTP256_SHA256, PublicKey::P256(_))
        | (SignatureScheme::ECDSA_NISTP384_SHA384, PublicKey::P384(_)) => key
            .verify(message, dss.signature(), SignatureEncoding::Der)
            .is_ok(),
        (SignatureScheme::ED25519, PublicKey::Ed25519(_)) => key
            .verify(message, dss.signature(), SignatureEncoding::Raw)
            .is_ok(),
        (s, PublicKey::Sm2(_)) if s == SM2SIG_SM3 => key
            .verify_with_id(
                shangmi::sm2::TLS13_ID,
                message,
                dss.signature(),
                SignatureEncoding::Der,
            )
            .is_ok(),
        _ => {
            return Err(rustls::Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ));
        }
    };
    if ok {
        Ok(HandshakeSignatureValid::assertion())
    } else {
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::BadSignature,
        ))
    }
}

/// Asks for an optional client certificate and accepts any well-formed
/// one whose key signs the handshake: the authority decides what the
/// certificate is worth (re-enrollment, manufacturer provisioner, admin).
#[derive(Debug)]
pub struct AnyClientCert;

impl ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Certificate::from_der(end_entity.as_ref())
            .map_err(bad_cert)?
            .public_key()
            .map_err(bad_cert)?;
        for i in intermediates {
            Certificate::from_der(i.as_ref()).map_err(bad_cert)?;
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        schemes()
    }
}

/// How a client trusts the server.
#[derive(Clone, Debug)]
pub enum ServerTrust {
    /// The chain must validate to one of these roots, for the host name.
    Roots(Vec<Certificate>),
    /// The chain's last certificate must have this SHA-256 fingerprint.
    Fingerprint([u8; 32]),
    /// Anything (RFC 7030 4.1.1 bootstrap: check the fingerprint out of
    /// band before trusting what comes back).
    Insecure,
}

/// Verifies the server's chain per [`ServerTrust`].
#[derive(Debug)]
pub struct ServerVerifier(pub ServerTrust);

fn host_matches(leaf: &Certificate, name: &ServerName<'_>) -> bool {
    use shangmi_pki::x509_cert::ext::pkix::name::GeneralName;
    let sans = leaf.subject_alt_names().unwrap_or_default();
    match name {
        ServerName::DnsName(d) => {
            let d = d.as_ref().to_ascii_lowercase();
            sans.iter().any(|g| match g {
                GeneralName::DnsName(s) => {
                    let s = s.as_str().to_ascii_lowercase();
                    s == d
                        || s.strip_prefix("*.")
                            .is_some_and(|rest| d.split_once('.').is_some_and(|(_, r)| r == rest))
                }
                _ => false,
            })
        }
        ServerName::IpAddress(ip) => {
            let want: Vec<u8> = match std::net::IpAddr::from(*ip) {
                std::net::IpAddr::V4(a) => a.octets().to_vec(),
                std::net::IpAddr::V6(a) => a.octets().to_vec(),
            };
            sans.iter()
                .any(|g| matches!(g, GeneralName::IpAddress(o) if o.as_bytes() == want.as_slice()))
        }
        _ => false,
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let leaf = Certificate::from_der(end_entity.as_ref()).map_err(bad_cert)?;
        let inter: Vec<Certificate> = intermediates
            .iter()
            .filter_map(|c| Certificate::from_der(c.as_ref()).ok())
            .collect();
        match &self.0 {
            ServerTrust::Insecure => {}
            ServerTrust::Fingerprint(fp) => {
                let top = inter.last().unwrap_or(&leaf);
                if top.fingerprint_sha256() != *fp {
                    return Err(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::UnknownIssuer,
                    ));
                }
                let mut pool = inter.clone();
                pool.pop();
                path::validate(
                    &leaf,
                    std::slice::from_ref(top),
                    &pool,
                    &path::Options::default(),
                )
                .map_err(bad_cert)?;
            }
            ServerTrust::Roots(roots) => {
                path::validate(&leaf, roots, &inter, &path::Options::default())
                    .map_err(bad_cert)?;
            }
        }
        if !matches!(self.0, ServerTrust::Insecure) && !host_matches(&leaf, server_name) {
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName,
            ));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        schemes()
    }
}

/// Always offers one client certificate.
#[derive(Debug)]
pub struct ClientIdentity(pub Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for ClientIdentity {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.0.key.choose_scheme(schemes).map(|_| self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The crypto provider: rustls' ring provider (record layer, key
/// exchange); signatures go through the glue above.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The RFC 9266 tls-exporter channel binding of a connection (32 bytes).
pub fn channel_binding<D>(conn: &rustls::ConnectionCommon<D>) -> Option<Vec<u8>> {
    let mut out = [0u8; 32];
    conn.export_keying_material(&mut out, b"EXPORTER-Channel-Binding", None)
        .ok()?;
    Some(out.to_vec())
}
