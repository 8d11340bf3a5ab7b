//! The listeners: HTTPS for EST and the admin API (TLS 1.3/1.2, optional
//! client certificates), plain HTTP for CRLs, OCSP and CA certificates.
//! Both are thin: they parse, authenticate and call the authority.

use crate::authority::{Authority, ClientInfo, Credential, Mode, Outcome, new_secret, secret_hash};
use crate::error::{CaError, CaResult};
use crate::metrics as m;
use crate::store::{self, CertFilter};
use crate::tls;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Extension, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64ct::Encoding;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::json;
use shangmi_pki::{Certificate, cms};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Roles of the admin API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads inventory and the audit log.
    Auditor,
    /// Also creates tokens, revokes, approves.
    Operator,
    /// Also manages admin tokens.
    Admin,
}

impl Role {
    /// Parses `admin`, `operator` or `auditor`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Auditor => "auditor",
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The authority.
    pub auth: Arc<Authority>,
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

/// What went wrong in a response, for the audit entry the guard writes.
#[derive(Clone, Debug)]
struct ErrorNote {
    kind: &'static str,
    message: String,
}

impl IntoResponse for CaError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response();
        r.extensions_mut().insert(ErrorNote {
            kind: self.kind(),
            message: self.to_string(),
        });
        match self {
            CaError::Unauthorized(_) => {
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"shangmi\", Basic realm=\"shangmi\""),
                );
            }
            CaError::TooManyRequests => {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            }
            _ => {}
        }
        r
    }
}

/// Base64 with 76-column lines (RFC 8951 bodies).
fn b64_lines(der: &[u8]) -> String {
    let s = base64ct::Base64::encode_string(der);
    let mut out = String::with_capacity(s.len() + s.len() / 38);
    for chunk in s.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn pkcs7_response(certs: &[Certificate]) -> CaResult<Response> {
    let der = cms::certs_only(certs).map_err(|e| CaError::Internal(e.to_string()))?;
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/pkcs7-mime; smime-type=certs-only",
            ),
            (
                header::HeaderName::from_static("content-transfer-encoding"),
                "base64",
            ),
        ],
        b64_lines(&der),
    )
        .into_response())
}

/// Decodes an EST body: base64 (whitespace allowed), PEM, or raw DER.
pub fn decode_body(body: &[u8]) -> CaResult<Vec<u8>> {
    if body.first() == Some(&0x30) {
        return Ok(body.to_vec());
    }
    if shangmi_pki::pem::is_pem(body) {
        return shangmi_pki::pem::decode_one(body, "CERTIFICATE REQUEST")
            .or_else(|_| shangmi_pki::pem::decode_one(body, "NEW CERTIFICATE REQUEST"))
            .map_err(|e| CaError::BadRequest(format!("request body: {e}")));
    }
    let clean: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if clean.is_empty() {
        return Err(CaError::BadRequest(
            "empty request body: expected a base64 PKCS#10 request".into(),
        ));
    }
    base64ct::Base64::decode_vec(std::str::from_utf8(&clean).unwrap_or("")).map_err(|_| {
        CaError::BadRequest("request body is not base64 (RFC 7030: base64 of a DER PKCS#10)".into())
    })
}

/// A JSON object body (an array or scalar is refused, whatever serde would
/// accept); empty means `{}` when `empty_ok`.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], empty_ok: bool) -> CaResult<T> {
    let v: serde_json::Value = if body.is_empty() && empty_ok {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| CaError::BadRequest(format!("JSON body: {e}")))?
    };
    if !v.is_object() {
        return Err(CaError::BadRequest("JSON body: expected an object".into()));
    }
    serde_json::from_value(v).map_err(|e| CaError::BadRequest(format!("JSON body: {e}")))
}

/// Checks paging parameters against the documented ranges.
fn check_page(limit: Option<i64>, offset: Option<i64>) -> CaResult<()> {
    if limit.is_some_and(|l| !(1..=10_000).contains(&l)) {
        return Err(CaError::BadRequest("limit: 1 to 10000".into()));
    }
    if offset.is_some_and(|o| !(0..=i64::from(i32::MAX)).contains(&o)) {
        return Err(CaError::BadRequest("offset: 0 to 2147483647".into()));
    }
    Ok(())
}

fn credential(headers: &HeaderMap) -> CaResult<Credential> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Ok(Credential::None);
    };
    let v = v
        .to_str()
        .map_err(|_| CaError::BadRequest("Authorization header is not text".into()))?;
    if let Some(t) = v.strip_prefix("Bearer ") {
        return Ok(Credential::Bearer(t.trim().to_string()));
    }
    if let Some(b) = v.strip_prefix("Basic ") {
        let raw = base64ct::Base64::decode_vec(b.trim())
            .map_err(|_| CaError::BadRequest("Basic credentials are not base64".into()))?;
        let s = String::from_utf8(raw)
            .map_err(|_| CaError::BadRequest("Basic credentials are not UTF-8".into()))?;
        let (u, p) = s
            .split_once(':')
            .ok_or_else(|| CaError::BadRequest("Basic credentials lack ':'".into()))?;
        return Ok(Credential::Basic(u.to_string(), p.to_string()));
    }
    Err(CaError::BadRequest(
        "unsupported Authorization scheme (Bearer or Basic)".into(),
    ))
}

fn check_type(headers: &HeaderMap, want: &[&str]) -> CaResult<()> {
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(()),
        Some(t) => {
            let base = t
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if want.contains(&base.as_str()) {
                Ok(())
            } else {
                Err(CaError::BadRequest(format!(
                    "Content-Type {t:?}: expected {}",
                    want.join(" or ")
                )))
            }
        }
    }
}

fn outcome_response(o: Outcome) -> CaResult<Response> {
    match o {
        Outcome::Issued { cert, key: None, .. } => pkcs7_response(&[*cert]),
        Outcome::Issued { cert, key: Some(key), enveloped, .. } => {
            let boundary = format!("est-{}", hex::encode(&cert.fingerprint_sha256()[..8]));
            let key_type = if enveloped { "application/gmt-0009-sm2envelopedkey" } else { "application/pkcs8" };
            let p7 = cms::certs_only(&[*cert]).map_err(|e| CaError::Internal(e.to_string()))?;
            let body = format!(
                "--{boundary}\r\nContent-Type: {key_type}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
                b64_lines(&key),
                b64_lines(&p7)
            );
            Ok((StatusCode::OK, [(header::CONTENT_TYPE, format!("multipart/mixed; boundary={boundary}"))], body).into_response())
        }
        Outcome::Pending { id, retry_after } => Ok((
            StatusCode::ACCEPTED,
            [(header::RETRY_AFTER, retry_after.to_string()), (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string())],
            format!("request {id} is waiting for an operator's approval; retry after {retry_after} seconds\n"),
        )
            .into_response()),
    }
}

async fn est_cacerts(State(s): State<AppState>, label: Option<Path<String>>) -> CaResult<Response> {
    let (ca, _, _) = s.auth.resolve(label.as_ref().map(|l| l.0.as_str()))?;
    pkcs7_response(&ca.chain())
}

async fn est_enroll_op(
    s: &AppState,
    label: Option<&str>,
    headers: &HeaderMap,
    client: &ClientInfo,
    body: &[u8],
    mode: Mode,
) -> CaResult<Response> {
    s.auth.resolve(label)?;
    check_type(headers, &["application/pkcs10"])?;
    let cred = credential(headers)?;
    let der = decode_body(body)?;
    // A repeated request for a held CSR is a poll (RFC 7030 4.2.3).
    let req_id = crate::authority::request_id(&der);
    if mode == Mode::Enroll
        && let Some(_r) = s.auth.store.request(&req_id).await?
    {
        return outcome_response(s.auth.poll(&req_id).await?);
    }
    outcome_response(s.auth.enroll(label, &der, &cred, client, mode).await?)
}

/// The POST route of an EST enrollment operation.
fn est_post(mode: Mode) -> axum::routing::MethodRouter<AppState> {
    post(
        move |State(s): State<AppState>,
              label: Option<Path<String>>,
              Extension(client): Extension<ClientInfo>,
              headers: HeaderMap,
              body: Bytes| async move {
            let label = label.as_ref().map(|l| l.0.as_str());
            est_enroll_op(&s, label, &headers, &client, &body, mode).await
        },
    )
}

async fn est_csrattrs(
    State(s): State<AppState>,
    label: Option<Path<String>>,
) -> CaResult<Response> {
    use shangmi_pki::der::Encode;
    let (ca, _, _) = s.auth.resolve(label.as_ref().map(|l| l.0.as_str()))?;
    let sig = shangmi_pki::alg::signature_algorithm_identifier(ca.algorithm()).oid;
    let attrs: Vec<shangmi_pki::der::asn1::ObjectIdentifier> =
        vec![shangmi_pki::oid::CHALLENGE_PASSWORD, sig];
    let der = attrs
        .to_der()
        .map_err(|e| CaError::Internal(e.to_string()))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/csrattrs"),
            (
                header::HeaderName::from_static("content-transfer-encoding"),
                "base64",
            ),
        ],
        b64_lines(&der),
    )
        .into_response())
}

// ---- admin API ----

async fn admin(
    s: &AppState,
    headers: &HeaderMap,
    client: &ClientInfo,
    need: Role,
) -> CaResult<String> {
    let (name, role) = match credential(headers)? {
        Credential::Bearer(t) => {
            let (n, r) = s
                .auth
                .store
                .admin_token(&secret_hash(&t))
                .await?
                .ok_or_else(|| CaError::Unauthorized("unknown admin token".into()))?;
            (
                format!("admin-token:{n}"),
                Role::parse(&r).unwrap_or(Role::Auditor),
            )
        }
        _ => {
            let leaf = client.certs.first().ok_or_else(|| {
                CaError::Unauthorized(
                    "the admin API needs an admin token (Bearer) or an admin client certificate"
                        .into(),
                )
            })?;
            let fp = hex::encode(leaf.fingerprint_sha256());
            let role = s
                .auth
                .cfg
                .admin
                .client_certs
                .get(&fp)
                .and_then(|r| Role::parse(r))
                .ok_or_else(|| {
                    CaError::Unauthorized(
                        "this client certificate is not an admin certificate".into(),
                    )
                })?;
            let roots: Vec<Certificate> = s.auth.cas.iter().map(|c| c.root.clone()).collect();
            let inter: Vec<Certificate> = s
                .auth
                .cas
                .iter()
                .map(|c| c.cert.clone())
                .chain(client.certs[1..].iter().cloned())
                .collect();
            shangmi_pki::path::validate(leaf, &roots, &inter, &Default::default())
                .map_err(|e| CaError::Unauthorized(format!("admin certificate: {e}")))?;
            (format!("admin-cert:{}", &fp[..16]), role)
        }
    };
    if role < need {
        return Err(CaError::Forbidden(format!(
            "{name} has role {}; this needs {}",
            role.name(),
            need.name()
        )));
    }
    Ok(name)
}

async fn api_certs(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Query(f): Query<CertFilter>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    check_page(f.limit, f.offset)?;
    let list = s.auth.store.certs(&f).await?;
    Ok(Json(json!({ "certificates": list })).into_response())
}

fn serial_param(s: &str) -> CaResult<String> {
    let v =
        shangmi_pki::cert::parse_serial_hex(s).map_err(|e| CaError::BadRequest(e.to_string()))?;
    Ok(shangmi_pki::cert::serial_hex(&v))
}

async fn api_cert(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    let serial = serial_param(&serial)?;
    let r = s
        .auth
        .store
        .cert(&serial)
        .await?
        .ok_or_else(|| CaError::NotFound(format!("no certificate with serial {serial}")))?;
    let pem = shangmi_pki::pem::encode("CERTIFICATE", &r.der);
    Ok(Json(json!({ "certificate": r, "pem": pem })).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RevokeBody {
    reason: Option<String>,
}

fn reason(r: Option<&str>) -> CaResult<shangmi_pki::x509_cert::ext::pkix::CrlReason> {
    match r {
        None => Ok(shangmi_pki::x509_cert::ext::pkix::CrlReason::Unspecified),
        Some(r) => {
            shangmi_pki::crl::parse_reason(r).map_err(|e| CaError::BadRequest(e.to_string()))
        }
    }
}

async fn api_revoke(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Path(serial): Path<String>,
    body: Bytes,
) -> CaResult<Response> {
    let who = admin(&s, &headers, &c, Role::Operator).await?;
    let b: RevokeBody = json_body(&body, true)?;
    let rec = s
        .auth
        .revoke(&serial_param(&serial)?, reason(b.reason.as_deref())?, &who)
        .await?;
    Ok(Json(json!({ "revoked": rec })).into_response())
}

async fn api_device(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Path(device): Path<String>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    let list = s
        .auth
        .store
        .certs(&CertFilter {
            device: Some(device.clone()),
            limit: Some(1000),
            ..Default::default()
        })
        .await?;
    if list.is_empty() {
        return Err(CaError::NotFound(format!(
            "no certificates for device {device:?}"
        )));
    }
    Ok(Json(json!({ "device": device, "certificates": list })).into_response())
}

async fn api_revoke_device(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Path(device): Path<String>,
    body: Bytes,
) -> CaResult<Response> {
    let who = admin(&s, &headers, &c, Role::Operator).await?;
    let b: RevokeBody = json_body(&body, true)?;
    let list = s
        .auth
        .revoke_device(&device, reason(b.reason.as_deref())?, &who)
        .await?;
    Ok(Json(json!({ "revoked": list })).into_response())
}

#[derive(serde::Deserialize)]
struct TokenBody {
    #[serde(default = "default_label")]
    label: String,
    #[serde(default)]
    san: String,
    #[serde(default = "default_ttl")]
    ttl_seconds: u64,
}

fn default_label() -> String {
    "device".into()
}

fn default_ttl() -> u64 {
    86_400
}

async fn api_token(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    body: Bytes,
) -> CaResult<Response> {
    let who = admin(&s, &headers, &c, Role::Operator).await?;
    let b: TokenBody = json_body(&body, false)?;
    let t = s
        .auth
        .create_token(&b.label, &b.san, Duration::from_secs(b.ttl_seconds), &who)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": t, "label": b.label, "expires_in": b.ttl_seconds })),
    )
        .into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StatusQuery {
    status: String,
}

async fn api_requests(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Query(q): Query<StatusQuery>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Operator).await?;
    Ok(Json(json!({ "requests": s.auth.store.requests(&q.status).await? })).into_response())
}

async fn api_decide(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Path((id, verb)): Path<(String, String)>,
) -> CaResult<Response> {
    let who = admin(&s, &headers, &c, Role::Operator).await?;
    let approve = match verb.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(CaError::NotFound(format!(
                "no action {verb:?} (approve or reject)"
            )));
        }
    };
    let cert = s.auth.decide(&id, approve, &who).await?;
    Ok(Json(json!({ "id": id, "status": if approve { "issued" } else { "rejected" }, "serial": cert.map(|c| c.serial_hex()) })).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    from: Option<i64>,
    limit: Option<i64>,
}

async fn api_audit(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    check_page(q.limit, None)?;
    if q.from
        .is_some_and(|f| !(1..=9_007_199_254_740_991).contains(&f))
    {
        return Err(CaError::BadRequest("from: 1 to 2^53-1".into()));
    }
    let e = s
        .auth
        .store
        .audit_entries(
            q.from.unwrap_or(1).max(1),
            q.limit.unwrap_or(100).clamp(1, 1000),
        )
        .await?;
    Ok(Json(json!({ "entries": e })).into_response())
}

async fn api_audit_verify(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    let r = s.auth.verify_audit().await?;
    Ok(Json(json!({ "intact": r.intact(), "entries": r.entries, "checkpoints": r.checkpoints, "problems": r.problems })).into_response())
}

#[derive(serde::Deserialize)]
struct AdminTokenBody {
    name: String,
    role: String,
}

async fn api_admin_token(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    body: Bytes,
) -> CaResult<Response> {
    let who = admin(&s, &headers, &c, Role::Admin).await?;
    let b: AdminTokenBody = json_body(&body, false)?;
    let t = create_admin_token(&s.auth, &b.name, &b.role, &who).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": t, "name": b.name, "role": b.role })),
    )
        .into_response())
}

/// Creates an admin token; returns it (only its hash is stored).
pub async fn create_admin_token(
    auth: &Authority,
    name: &str,
    role: &str,
    by: &str,
) -> CaResult<String> {
    if Role::parse(role).is_none() {
        return Err(CaError::BadRequest(format!(
            "role {role:?}: admin, operator or auditor"
        )));
    }
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(|c| c.is_control()) {
        return Err(CaError::BadRequest(
            "name: 1 to 64 printable characters".into(),
        ));
    }
    let t = new_secret("sma")?;
    let d = crate::audit::AuditDraft::new(
        by,
        "admin-token.create",
        name,
        "ok",
        json!({ "role": role }),
    );
    auth.store
        .put_admin_token(&secret_hash(&t), name, role, store::now(), &d)
        .await?;
    Ok(t)
}

async fn api_cas(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    let cas: Vec<_> = s
        .auth
        .cas
        .iter()
        .map(|c| {
            json!({
                "label": c.label,
                "algorithm": crate::policy::algorithm_name(c.algorithm()),
                "subject": c.cert.subject_text(),
                "root_fingerprint_sha256": hex::encode(c.root.fingerprint_sha256()),
                "profiles": c.profiles,
                "pem": c.cert.to_pem(),
            })
        })
        .collect();
    Ok(Json(json!({ "cas": cas })).into_response())
}

async fn api_export(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Query(f): Query<CertFilter>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Auditor).await?;
    check_page(f.limit, f.offset)?;
    let list = s
        .auth
        .store
        .certs(&CertFilter {
            limit: Some(f.limit.unwrap_or(10_000)),
            ..f
        })
        .await?;
    let pem: String = list
        .iter()
        .map(|r| shangmi_pki::pem::encode("CERTIFICATE", &r.der))
        .collect();
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

async fn api_regenerate_crl(
    State(s): State<AppState>,
    Extension(c): Extension<ClientInfo>,
    headers: HeaderMap,
    Path(label): Path<String>,
) -> CaResult<Response> {
    admin(&s, &headers, &c, Role::Operator).await?;
    let r = s.auth.regenerate_crl(&label).await?;
    Ok(
        Json(json!({ "ca": label, "number": r.number, "next_update": r.next_update }))
            .into_response(),
    )
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// The OpenAPI document of the HTTPS API.
pub const OPENAPI: &str = include_str!("../openapi.json");

// ---- public (HTTP) ----

async fn crl(State(s): State<AppState>, Path(file): Path<String>) -> CaResult<Response> {
    let label = file
        .strip_suffix(".crl")
        .ok_or_else(|| CaError::NotFound("CRLs are at /crl/<ca>.crl".into()))?;
    let der = s.auth.crl(label).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pkix-crl"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        der,
    )
        .into_response())
}

async fn ca_cert(State(s): State<AppState>, Path(file): Path<String>) -> CaResult<Response> {
    let label = file
        .strip_suffix(".crt")
        .ok_or_else(|| CaError::NotFound("CA certificates are at /ca/<ca>.crt".into()))?;
    let (ca, root) = match label.strip_prefix("root-") {
        Some(l) => (s.auth.ca(l)?, true),
        None => (s.auth.ca(label)?, false),
    };
    let der = if root {
        ca.root.to_der().to_vec()
    } else {
        ca.cert.to_der().to_vec()
    };
    Ok(([(header::CONTENT_TYPE, "application/pkix-cert")], der).into_response())
}

async fn ocsp_post(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> CaResult<Response> {
    check_type(&headers, &["application/ocsp-request"])?;
    let r = s.auth.ocsp(&body).await;
    Ok(([(header::CONTENT_TYPE, "application/ocsp-response")], r).into_response())
}

async fn ocsp_get(State(s): State<AppState>, Path(b64): Path<String>) -> CaResult<Response> {
    let r = match shangmi_pki::ocsp::request_from_get_path(&b64) {
        Ok(der) => s.auth.ocsp(&der).await,
        Err(_) => {
            shangmi_pki::ocsp::error_response(shangmi_pki::ocsp::ResponseStatus::MalformedRequest)
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/ocsp-response"),
            (header::CACHE_CONTROL, "max-age=60"),
        ],
        r,
    )
        .into_response())
}

async fn health(State(s): State<AppState>) -> Response {
    match s.auth.store.counts().await {
        Ok(c) => Json(json!({ "status": "ok", "storage": s.auth.store.kind(), "certificates": c.into_iter().collect::<std::collections::BTreeMap<_, _>>() })).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "error": e.to_string() }))).into_response(),
    }
}

async fn metrics_route() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m::render(),
    )
        .into_response()
}

async fn not_found() -> Response {
    let mut r = CaError::NotFound("no such route".into()).into_response();
    r.extensions_mut().insert(ErrorNote {
        kind: "route",
        message: String::new(),
    });
    r
}

/// Rate limiting, metrics and request logs.
async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let addr = req
        .extensions()
        .get::<ClientInfo>()
        .map(|c| c.addr.clone())
        .unwrap_or_default();
    let ip = addr
        .rsplit_once(':')
        .map(|(h, _)| h.to_string())
        .unwrap_or(addr.clone());
    if let Some(l) = &s.limiter
        && l.check_key(&ip).is_err()
    {
        m::http(&route, 429);
        let _ = s
            .auth
            .deny(
                &format!("client {addr}"),
                "rate-limit",
                &route,
                CaError::TooManyRequests,
            )
            .await;
        return CaError::TooManyRequests.into_response();
    }
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    m::http(&route, status);
    // Every refusal is a decision: audit it (unknown routes aside).
    if status >= 400 {
        let note = resp.extensions().get::<ErrorNote>().cloned();
        if note.as_ref().is_none_or(|n| n.kind != "route") {
            let kind = note.as_ref().map(|n| n.kind).unwrap_or(match status {
                413 => "too_large",
                408 => "timeout",
                _ => "bad_request",
            });
            m::denied(&route, kind);
            let msg = note.map(|n| n.message).unwrap_or_default();
            let d = crate::audit::AuditDraft::new(
                &format!("client {addr}"),
                "http.deny",
                &format!("{method} {route}"),
                kind,
                json!({ "status": status, "error": msg }),
            );
            if let Err(e) = s.auth.store.append_audit(&d).await {
                tracing::error!(error = %e, "could not record a refusal in the audit log");
            }
            tracing::warn!(%method, route, status, client = %addr, error = %msg, "refused");
        }
    }
    tracing::info!(%method, route, status, client = %addr, ms = started.elapsed().as_millis() as u64, "request");
    resp
}

/// The HTTPS router (EST, admin API, health, metrics).
pub fn https_router(state: AppState) -> Router {
    let est = Router::new()
        .route("/cacerts", get(est_cacerts))
        .route("/simpleenroll", est_post(Mode::Enroll))
        .route("/simplereenroll", est_post(Mode::Reenroll))
        .route("/serverkeygen", est_post(Mode::ServerKeygen))
        .route("/csrattrs", get(est_csrattrs))
        .route("/{label}/cacerts", get(est_cacerts))
        .route("/{label}/simpleenroll", est_post(Mode::Enroll))
        .route("/{label}/simplereenroll", est_post(Mode::Reenroll))
        .route("/{label}/serverkeygen", est_post(Mode::ServerKeygen))
        .route("/{label}/csrattrs", get(est_csrattrs));
    let api = Router::new()
        .route("/openapi.json", get(openapi))
        .route("/cas", get(api_cas))
        .route("/certificates", get(api_certs))
        .route("/certificates/{serial}", get(api_cert))
        .route("/certificates/{serial}/revoke", post(api_revoke))
        .route("/devices/{device}", get(api_device))
        .route("/devices/{device}/revoke", post(api_revoke_device))
        .route("/tokens", post(api_token))
        .route("/requests", get(api_requests))
        .route("/requests/{id}/{verb}", post(api_decide))
        .route("/audit", get(api_audit))
        .route("/audit/verify", post(api_audit_verify))
        .route("/admin-tokens", post(api_admin_token))
        .route("/export", get(api_export))
        .route("/crl/{label}/regenerate", post(api_regenerate_crl));
    finish(
        Router::new()
            .nest("/.well-known/est", est)
            .nest("/api/v1", api)
            .route("/health", get(health))
            .route("/metrics", get(metrics_route)),
        state,
    )
}

/// The plain HTTP router (CRLs, OCSP, CA certificates, health, metrics).
pub fn http_router(state: AppState) -> Router {
    finish(
        Router::new()
            .route("/crl/{file}", get(crl))
            .route("/ca/{file}", get(ca_cert))
            .route("/ocsp", post(ocsp_post))
            .route("/ocsp/{*req}", get(ocsp_get))
            .route("/health", get(health))
            .route("/metrics", get(metrics_route)),
        state,
    )
}

fn finish(r: Router<AppState>, state: AppState) -> Router {
    let limits = state.auth.cfg.limits.clone();
    r.fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_seconds.max(1)),
        ))
        .with_state(state)
}

/// Makes the handlers' state.
pub fn state(auth: Arc<Authority>) -> AppState {
    let rpm = auth.cfg.limits.requests_per_minute;
    let limiter = NonZeroU32::new(rpm)
        .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n).allow_burst(n))));
    AppState { auth, limiter }
}

/// The running listeners.
pub struct Running {
    /// The HTTPS address.
    pub https: SocketAddr,
    /// The HTTP address.
    pub http: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting connections.
    pub fn stop(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn serve_conn<S>(io: S, router: Router, info: ClientInfo)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = router.map_request(move |mut r: Request<hyper::body::Incoming>| {
        r.extensions_mut().insert(info.clone());
        r.map(Body::new)
    });
    tokio::spawn(async move {
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let b = auto::Builder::new(TokioExecutor::new());
        let _ = b.serve_connection(TokioIo::new(io), svc).await;
    });
}

/// Starts both listeners (and the CRL refresher); addresses override the
/// configuration's.
pub async fn start(
    auth: Arc<Authority>,
    https: Option<&str>,
    http: Option<&str>,
) -> CaResult<Running> {
    // Install the metrics recorder before anything is counted.
    let _ = m::handle();
    let id = crate::home::tls_identity(&auth)?;
    let ck = tls::certified_key(&id.chain, id.key.clone());
    let mut cfg = rustls::ServerConfig::builder_with_provider(tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| CaError::Internal(e.to_string()))?
        .with_client_cert_verifier(Arc::new(tls::AnyClientCert))
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(ck)));
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let st = state(auth.clone());
    let https_addr = https.unwrap_or(&auth.cfg.listen).to_string();
    let http_addr = http.unwrap_or(&auth.cfg.http_listen).to_string();
    let hl = TcpListener::bind(&https_addr)
        .await
        .map_err(|e| CaError::Unavailable(format!("listen {https_addr}: {e}")))?;
    let pl = TcpListener::bind(&http_addr)
        .await
        .map_err(|e| CaError::Unavailable(format!("listen {http_addr}: {e}")))?;
    let (ha, pa) = (
        hl.local_addr()
            .map_err(|e| CaError::Internal(e.to_string()))?,
        pl.local_addr()
            .map_err(|e| CaError::Internal(e.to_string()))?,
    );
    let https_router = https_router(st.clone());
    let http_router = http_router(st.clone());
    let t1 = tokio::spawn(async move {
        loop {
            let Ok((tcp, peer)) = hl.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let router = https_router.clone();
            tokio::spawn(async move {
                let Ok(Ok(tls)) =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
                else {
                    return;
                };
                let (_, conn) = tls.get_ref();
                let certs = conn
                    .peer_certificates()
                    .map(|cs| {
                        cs.iter()
                            .filter_map(|c| Certificate::from_der(c.as_ref()).ok())
                            .collect()
                    })
                    .unwrap_or_default();
                let info = ClientInfo {
                    addr: peer.to_string(),
                    certs,
                    channel_binding: tls::channel_binding(conn),
                };
                serve_conn(tls, router, info);
            });
        }
    });
    let t2 = tokio::spawn(async move {
        loop {
            let Ok((tcp, peer)) = pl.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            serve_conn(
                tcp,
                http_router.clone(),
                ClientInfo {
                    addr: peer.to_string(),
                    ..Default::default()
                },
            );
        }
    });
    let a = auth.clone();
    let t3 = tokio::spawn(async move {
        let every = Duration::from_secs(a.cfg.crl.refresh_seconds.max(10));
        loop {
            for ca in &a.cas {
                if let Err(e) = a.crl(&ca.label).await {
                    tracing::warn!(ca = %ca.label, error = %e, "CRL refresh failed");
                }
            }
            a.checkpoint_if_due().await;
            tokio::time::sleep(every).await;
        }
    });
    Ok(Running {
        https: ha,
        http: pa,
        tasks: vec![t1, t2, t3],
    })
}
