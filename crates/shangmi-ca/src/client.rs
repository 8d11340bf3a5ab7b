//! An EST client (RFC 7030): `cacerts`, `simpleenroll`, `simplereenroll`,
//! `serverkeygen` and `csrattrs` over TLS, with bootstrap tokens, HTTP
//! Basic or a client certificate. It doubles as a device simulator and as
//! the load generator of the benches.

use crate::authority::Credential;
use crate::error::{CaError, CaResult};
use crate::tls::{self, ServerTrust};
use base64ct::Encoding;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use shangmi_pki::{Certificate, Signer, cms};
use std::sync::Arc;
use std::time::Duration;

/// What an enrollment returned.
#[derive(Debug)]
pub enum Enrolled {
    /// The certificate.
    Issued(Box<Certificate>),
    /// Held for approval: retry after this many seconds.
    Pending(u64),
}

/// What serverkeygen returned.
#[derive(Debug)]
pub struct ServerKey {
    /// The certificate.
    pub cert: Certificate,
    /// The key: PKCS#8 DER, or a GM/T 0009 SM2EnvelopedKey.
    pub key: Vec<u8>,
    /// Whether `key` is an SM2EnvelopedKey.
    pub enveloped: bool,
}

/// An EST client for one server.
#[derive(Clone)]
pub struct EstClient {
    host: String,
    port: u16,
    label: Option<String>,
    tls: Arc<rustls::ClientConfig>,
    cred: Credential,
}

fn net(e: impl std::fmt::Display) -> CaError {
    CaError::Unavailable(format!("EST server: {e}"))
}

impl EstClient {
    /// A client for `url` (`https://host:port[/.well-known/est/<label>]`,
    /// or with `label` given separately).
    pub fn new(
        url: &str,
        label: Option<&str>,
        trust: ServerTrust,
        identity: Option<(Vec<Certificate>, Arc<dyn Signer>)>,
        cred: Credential,
    ) -> CaResult<Self> {
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| CaError::BadRequest(format!("{url:?}: EST needs an https:// URL")))?;
        let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_matches(['[', ']']).to_string(),
                p.parse()
                    .map_err(|_| CaError::BadRequest(format!("bad port in {url:?}")))?,
            ),
            _ => (hostport.trim_matches(['[', ']']).to_string(), 443),
        };
        let path_label = path
            .strip_prefix(".well-known/est/")
            .map(|l| l.trim_end_matches('/').to_string())
            .filter(|l| !l.is_empty());
        let label = label.map(str::to_string).or(path_label);
        let b = rustls::ClientConfig::builder_with_provider(tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| CaError::Internal(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(tls::ServerVerifier(trust)));
        let cfg = match identity {
            Some((chain, key)) => b.with_client_cert_resolver(Arc::new(tls::ClientIdentity(
                tls::certified_key(&chain, key),
            ))),
            None => b.with_no_client_auth(),
        };
        Ok(Self {
            host,
            port,
            label,
            tls: Arc::new(cfg),
            cred,
        })
    }

    fn path(&self, op: &str) -> String {
        match &self.label {
            Some(l) => format!("/.well-known/est/{l}/{op}"),
            None => format!("/.well-known/est/{op}"),
        }
    }

    /// One HTTPS request; returns (status, headers, body).
    async fn call(
        &self,
        method: Method,
        path: &str,
        ctype: Option<&str>,
        body: Vec<u8>,
    ) -> CaResult<(u16, hyper::HeaderMap, Vec<u8>)> {
        let tcp = tokio::time::timeout(
            Duration::from_secs(15),
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| net("connect timed out"))?
        .map_err(net)?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| CaError::BadRequest(format!("host {:?}: {e}", self.host)))?;
        let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(name, tcp)
            .await
            .map_err(net)?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(net)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", format!("{}:{}", self.host, self.port));
        if let Some(t) = ctype {
            req = req
                .header("content-type", t)
                .header("content-transfer-encoding", "base64");
        }
        match &self.cred {
            Credential::Bearer(t) => req = req.header("authorization", format!("Bearer {t}")),
            Credential::Basic(u, p) => {
                req = req.header(
                    "authorization",
                    format!(
                        "Basic {}",
                        base64ct::Base64::encode_string(format!("{u}:{p}").as_bytes())
                    ),
                )
            }
            Credential::None => {}
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| CaError::Internal(e.to_string()))?;
        let resp = tokio::time::timeout(Duration::from_secs(60), sender.send_request(req))
            .await
            .map_err(|_| net("timed out"))?
            .map_err(net)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(net)?
            .to_bytes()
            .to_vec();
        Ok((status, headers, body))
    }

    fn check(status: u16, body: &[u8]) -> CaResult<()> {
        if (200..300).contains(&status) {
            return Ok(());
        }
        let msg = String::from_utf8_lossy(body).trim().to_string();
        Err(match status {
            400 => CaError::BadRequest(msg),
            401 => CaError::Unauthorized(msg),
            403 => CaError::Forbidden(msg),
            404 => CaError::NotFound(msg),
            409 => CaError::Conflict(msg),
            413 => CaError::TooLarge(msg),
            429 => CaError::TooManyRequests,
            503 => CaError::Unavailable(msg),
            s => CaError::Internal(format!("HTTP {s}: {msg}")),
        })
    }

    fn certs_of(body: &[u8]) -> CaResult<Vec<Certificate>> {
        let clean: Vec<u8> = body
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let der = base64ct::Base64::decode_vec(std::str::from_utf8(&clean).unwrap_or(""))
            .map_err(|_| CaError::BadRequest("the response is not base64".into()))?;
        cms::certificates(&der).map_err(|e| CaError::BadRequest(format!("the response: {e}")))
    }

    /// `/cacerts`: the CA certificates (issuing CA first, then the root).
    pub async fn cacerts(&self) -> CaResult<Vec<Certificate>> {
        let (s, _, b) = self
            .call(Method::GET, &self.path("cacerts"), None, Vec::new())
            .await?;
        Self::check(s, &b)?;
        Self::certs_of(&b)
    }

    /// `/csrattrs`: the DER of the attributes the CA wants.
    pub async fn csrattrs(&self) -> CaResult<Vec<u8>> {
        let (s, _, b) = self
            .call(Method::GET, &self.path("csrattrs"), None, Vec::new())
            .await?;
        Self::check(s, &b)?;
        let clean: Vec<u8> = b
            .iter()
            .copied()
            .filter(|x| !x.is_ascii_whitespace())
            .collect();
        base64ct::Base64::decode_vec(std::str::from_utf8(&clean).unwrap_or(""))
            .map_err(|_| CaError::BadRequest("csrattrs is not base64".into()))
    }

    async fn enroll_op(&self, op: &str, csr_der: &[u8]) -> CaResult<Enrolled> {
        let body = base64ct::Base64::encode_string(csr_der).into_bytes();
        let (s, h, b) = self
            .call(
                Method::POST,
                &self.path(op),
                Some("application/pkcs10"),
                body,
            )
            .await?;
        if s == 202 {
            let after = h
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(60);
            return Ok(Enrolled::Pending(after));
        }
        Self::check(s, &b)?;
        let mut certs = Self::certs_of(&b)?;
        if certs.len() != 1 {
            return Err(CaError::BadRequest(format!(
                "expected one certificate, got {}",
                certs.len()
            )));
        }
        Ok(Enrolled::Issued(Box::new(certs.remove(0))))
    }

    /// `/simpleenroll`.
    pub async fn enroll(&self, csr_der: &[u8]) -> CaResult<Enrolled> {
        self.enroll_op("simpleenroll", csr_der).await
    }

    /// `/simplereenroll` (the client certificate authenticates).
    pub async fn reenroll(&self, csr_der: &[u8]) -> CaResult<Enrolled> {
        self.enroll_op("simplereenroll", csr_der).await
    }

    /// `/serverkeygen`.
    pub async fn serverkeygen(&self, csr_der: &[u8]) -> CaResult<ServerKey> {
        let body = base64ct::Base64::encode_string(csr_der).into_bytes();
        let (s, h, b) = self
            .call(
                Method::POST,
                &self.path("serverkeygen"),
                Some("application/pkcs10"),
                body,
            )
            .await?;
        Self::check(s, &b)?;
        let ct = h
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let boundary = ct
            .split("boundary=")
            .nth(1)
            .map(|b| b.trim_matches('"').to_string())
            .ok_or_else(|| CaError::BadRequest(format!("serverkeygen: not multipart ({ct})")))?;
        let text = String::from_utf8_lossy(&b);
        let mut key = None;
        let mut cert = None;
        let mut enveloped = false;
        for part in text.split(&format!("--{boundary}")) {
            let Some((head, body)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let Ok(der) = base64ct::Base64::decode_vec(&clean) else {
                continue;
            };
            let head = head.to_ascii_lowercase();
            if head.contains("application/pkcs8") {
                key = Some(der);
            } else if head.contains("sm2envelopedkey") {
                key = Some(der);
                enveloped = true;
            } else if head.contains("application/pkcs7-mime") {
                cert = cms::certificates(&der)
                    .ok()
                    .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)));
            }
        }
        match (key, cert) {
            (Some(key), Some(cert)) => Ok(ServerKey {
                cert,
                key,
                enveloped,
            }),
            _ => Err(CaError::BadRequest(
                "serverkeygen: the response lacks the key or the certificate".into(),
            )),
        }
    }
}

/// What a load run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Certificates received.
    pub issued: usize,
    /// Enrollments that failed.
    pub failed: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Serials received (to check for duplicates).
    pub serials: Vec<String>,
    /// Median and 99th-percentile latency of one enrollment.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

impl LoadReport {
    /// Certificates per second.
    pub fn rate(&self) -> f64 {
        self.issued as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Enrolls `count` fresh SM2 device keys with `concurrency` workers spread
/// over `clients` (one per CA node): a bounded loopback load.
pub async fn load(clients: &[EstClient], count: usize, concurrency: usize) -> CaResult<LoadReport> {
    use shangmi::alg::SignatureAlgorithm;
    use shangmi_pki::{CsrBuilder, SoftwareKey};
    if clients.is_empty() {
        return Err(CaError::BadRequest("no server to load".into()));
    }
    // Requests are made before the clock starts: the server is measured.
    let mut reqs = Vec::with_capacity(count);
    for i in 0..count {
        let k = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3)
            .map_err(|e| CaError::Internal(e.to_string()))?;
        let name = shangmi_pki::name::parse_name(&format!("CN=load-{i},O=shangmi load"))
            .map_err(|e| CaError::Internal(e.to_string()))?;
        reqs.push(
            CsrBuilder::new(name)
                .sign(&k)
                .map_err(|e| CaError::Internal(e.to_string()))?
                .to_der()
                .to_vec(),
        );
    }
    // One enrollment per node first, outside the measurement: warms the
    // server (an HTTP Basic password is verified with PBKDF2 once).
    for c in clients {
        let k = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3)
            .map_err(|e| CaError::Internal(e.to_string()))?;
        let name = shangmi_pki::name::parse_name("CN=load-warmup,O=shangmi load")
            .map_err(|e| CaError::Internal(e.to_string()))?;
        c.enroll(
            CsrBuilder::new(name)
                .sign(&k)
                .map_err(|e| CaError::Internal(e.to_string()))?
                .to_der(),
        )
        .await?;
    }
    let reqs = Arc::new(reqs);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency.max(1) {
        let (c, reqs, next) = (
            clients[w % clients.len()].clone(),
            reqs.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = (Vec::new(), 0usize, Vec::new());
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= reqs.len() {
                    break;
                }
                let t = std::time::Instant::now();
                match c.enroll(&reqs[i]).await {
                    Ok(Enrolled::Issued(cert)) => {
                        out.0.push(cert.serial_hex());
                        out.2.push(t.elapsed());
                    }
                    _ => out.1 += 1,
                }
            }
            out
        }));
    }
    let (mut serials, mut failed, mut lat) = (Vec::new(), 0, Vec::new());
    for t in tasks {
        let (s, f, l) = t.await.map_err(|e| CaError::Internal(e.to_string()))?;
        serials.extend(s);
        failed += f;
        lat.extend(l);
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(LoadReport {
        issued: serials.len(),
        failed,
        elapsed,
        p50: pct(0.5),
        p99: pct(0.99),
        serials,
    })
}
