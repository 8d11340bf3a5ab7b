//! Storage: one trait, [`Storage`], and two implementations, SQLite (the
//! embedded default, WAL) and PostgreSQL (several CA nodes share it).
//!
//! Every change that belongs together is one transaction: a certificate,
//! the token it consumed, the approval it fulfilled, the batch item it
//! answers and its audit entry are written together or not at all, so a
//! crash never leaves a half-written record. Write transactions are
//! serialized (SQLite `BEGIN IMMEDIATE`; a PostgreSQL advisory lock), which
//! also keeps the audit hash chain in one order across nodes. Serial
//! numbers are unique by constraint.

use crate::audit::{AuditDraft, GENESIS, entry_hash};
use crate::error::{CaError, CaResult};
use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::str::FromStr;
use std::time::Duration;

/// Status of a certificate.
pub const VALID: &str = "valid";
/// Status of a revoked certificate.
pub const REVOKED: &str = "revoked";

/// An issued certificate.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertRecord {
    /// Serial number, upper-case hex.
    pub serial: String,
    /// The issuing CA.
    pub ca_label: String,
    /// The profile.
    pub profile: String,
    /// Subject, for people.
    pub subject: String,
    /// Alternative names, comma-separated.
    pub sans: String,
    /// The device it identifies (a URN, serial or common name).
    pub device_id: String,
    /// notBefore (Unix seconds).
    pub not_before: i64,
    /// notAfter (Unix seconds).
    pub not_after: i64,
    /// When it was issued.
    pub issued_at: i64,
    /// Who asked (provisioner and client).
    pub requester: String,
    /// The certificate.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// `valid` or `revoked`.
    pub status: String,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// Why (RFC 5280 reason code).
    pub reason: Option<i64>,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

/// A bootstrap token, stored as its hash only.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenRecord {
    /// SM3 of the token, hex.
    pub hash: String,
    /// The EST label it enrolls with.
    pub label: String,
    /// The profile it allows.
    pub profile: String,
    /// The alternative names it allows (a glob), empty for any.
    pub san_pattern: String,
    /// When it was made.
    pub created_at: i64,
    /// When it expires.
    pub expires_at: i64,
    /// When it was used.
    pub used_at: Option<i64>,
    /// The certificate it was used for.
    pub used_by: Option<String>,
    /// Who made it.
    pub created_by: String,
}

/// A request waiting for an operator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RequestRecord {
    /// Its id (the client polls with it).
    pub id: String,
    /// The EST label.
    pub label: String,
    /// The profile.
    pub profile: String,
    /// Who asked.
    pub requester: String,
    /// The CSR.
    #[serde(skip)]
    pub csr: Vec<u8>,
    /// `pending`, `approved`, `rejected` or `issued`.
    pub status: String,
    /// The certificate, once issued.
    pub serial: Option<String>,
    /// When it arrived.
    pub created_at: i64,
    /// When it was decided.
    pub decided_at: Option<i64>,
    /// Who decided.
    pub decided_by: Option<String>,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Position, from 1.
    pub seq: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// `ok` or an error kind.
    pub outcome: String,
    /// JSON details.
    pub detail: String,
    /// Hash of the entry before, hex.
    pub prev_hash: String,
    /// This entry's hash, hex.
    pub hash: String,
}

/// A signed chain head.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    /// The entry it covers.
    pub seq: i64,
    /// That entry's hash, hex.
    pub hash: String,
    /// When it was signed.
    pub at: i64,
    /// The CA whose key signed.
    pub signer: String,
    /// The signature, hex DER.
    pub signature: String,
}

/// Which certificates to list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CertFilter {
    /// Only this CA.
    pub ca: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this profile.
    pub profile: Option<String>,
    /// Only this device.
    pub device: Option<String>,
    /// Subject or alternative names contain this.
    pub q: Option<String>,
    /// At most this many (default 100, at most 10000).
    pub limit: Option<i64>,
    /// Skip this many.
    pub offset: Option<i64>,
}

/// What an issuance consumes or fulfils, in the same transaction.
#[derive(Clone, Debug, Default)]
pub struct IssueLinks {
    /// A bootstrap token (hash) to consume: it must be unused and unexpired.
    pub token: Option<String>,
    /// A pending request this certificate answers.
    pub request: Option<String>,
    /// A batch job and item this certificate answers.
    pub batch: Option<(String, String)>,
}

/// The latest CRL of a CA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlRecord {
    /// Its number.
    pub number: i64,
    /// DER.
    pub der: Vec<u8>,
    /// thisUpdate.
    pub this_update: i64,
    /// nextUpdate.
    pub next_update: i64,
}

/// The CA's storage.
#[async_trait]
pub trait Storage: Send + Sync {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;
    /// Creates or upgrades the schema.
    async fn migrate(&self) -> CaResult<()>;
    /// Records an issued certificate with what it consumed and its audit
    /// entry, atomically.
    async fn issue(
        &self,
        rec: &CertRecord,
        links: &IssueLinks,
        audit: &AuditDraft,
    ) -> CaResult<AuditEntry>;
    /// One certificate by serial (upper-case hex).
    async fn cert(&self, serial: &str) -> CaResult<Option<CertRecord>>;
    /// Certificates matching `f`, newest first.
    async fn certs(&self, f: &CertFilter) -> CaResult<Vec<CertRecord>>;
    /// Revokes a certificate (with its audit entry).
    async fn revoke(
        &self,
        serial: &str,
        at: i64,
        reason: i64,
        audit: &AuditDraft,
    ) -> CaResult<CertRecord>;
    /// Every revoked certificate of a CA: (serial, when, reason).
    async fn revoked(&self, ca_label: &str) -> CaResult<Vec<(String, i64, i64)>>;
    /// Stores a new token (with its audit entry).
    async fn put_token(&self, t: &TokenRecord, audit: &AuditDraft) -> CaResult<()>;
    /// A token by hash.
    async fn token(&self, hash: &str) -> CaResult<Option<TokenRecord>>;
    /// Stores a pending request, consuming the token (hash) it came with,
    /// with its audit entry.
    async fn put_request(
        &self,
        r: &RequestRecord,
        token: Option<&str>,
        audit: &AuditDraft,
    ) -> CaResult<()>;
    /// A request by id.
    async fn request(&self, id: &str) -> CaResult<Option<RequestRecord>>;
    /// Requests with status `status` (all when empty).
    async fn requests(&self, status: &str) -> CaResult<Vec<RequestRecord>>;
    /// Sets a pending request to `approved` or `rejected`.
    async fn decide(
        &self,
        id: &str,
        status: &str,
        by: &str,
        at: i64,
        audit: &AuditDraft,
    ) -> CaResult<()>;
    /// Appends one audit entry on its own.
    async fn append_audit(&self, d: &AuditDraft) -> CaResult<AuditEntry>;
    /// Audit entries from `from` (inclusive), at most `limit`.
    async fn audit_entries(&self, from: i64, limit: i64) -> CaResult<Vec<AuditEntry>>;
    /// Stores a checkpoint.
    async fn put_checkpoint(&self, c: &Checkpoint) -> CaResult<()>;
    /// Every checkpoint.
    async fn checkpoints(&self) -> CaResult<Vec<Checkpoint>>;
    /// The head of the audit chain: (seq, hash), and the seq of the last
    /// checkpoint (0 when none).
    async fn audit_head(&self) -> CaResult<(Option<(i64, String)>, i64)>;
    /// Takes the next CRL number of a CA.
    async fn next_crl_number(&self, ca_label: &str) -> CaResult<i64>;
    /// Stores a CRL if it is newer than the stored one.
    async fn put_crl(&self, ca_label: &str, crl: &CrlRecord) -> CaResult<()>;
    /// The latest CRL of a CA.
    async fn crl(&self, ca_label: &str) -> CaResult<Option<CrlRecord>>;
    /// Stores an admin token hash with its role (with its audit entry).
    async fn put_admin_token(
        &self,
        hash: &str,
        name: &str,
        role: &str,
        at: i64,
        audit: &AuditDraft,
    ) -> CaResult<()>;
    /// The (name, role) of an admin token hash.
    async fn admin_token(&self, hash: &str) -> CaResult<Option<(String, String)>>;
    /// The certificate already issued for a batch item.
    async fn batch_item(&self, job: &str, item: &str) -> CaResult<Option<String>>;
    /// Counts of certificates by status.
    async fn counts(&self) -> CaResult<Vec<(String, i64)>>;
    /// Writes a consistent copy of the database to `dest` (SQLite only).
    async fn backup(&self, dest: &std::path::Path) -> CaResult<()>;
}

/// What differs between the two databases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// The SQL both implementations share, over a sqlx `Any` pool.
#[derive(Clone)]
struct Sql {
    pool: AnyPool,
    dialect: Dialect,
    /// Writers of this process queue here first, so they never spin on
    /// the database's own lock (SQLite's busy handler sleeps).
    writers: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction and this process's writer slot.
type WriteTx = (Tx<'static>, tokio::sync::OwnedMutexGuard<()>);

fn schema(d: Dialect) -> Vec<String> {
    let blob = match d {
        Dialect::Sqlite => "BLOB",
        Dialect::Postgres => "BYTEA",
    };
    [
        "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS certificates (
            serial TEXT PRIMARY KEY,
            ca_label TEXT NOT NULL,
            profile TEXT NOT NULL,
            subject TEXT NOT NULL,
            sans TEXT NOT NULL,
            device_id TEXT NOT NULL,
            not_before BIGINT NOT NULL,
            not_after BIGINT NOT NULL,
            issued_at BIGINT NOT NULL,
            requester TEXT NOT NULL,
            der {blob} NOT NULL,
            status TEXT NOT NULL,
            revoked_at BIGINT,
            reason BIGINT,
            sha256 TEXT NOT NULL UNIQUE)",
        "CREATE INDEX IF NOT EXISTS certificates_device ON certificates (device_id)",
        "CREATE INDEX IF NOT EXISTS certificates_ca_status ON certificates (ca_label, status)",
        "CREATE TABLE IF NOT EXISTS tokens (
            hash TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            profile TEXT NOT NULL,
            san_pattern TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            used_at BIGINT,
            used_by TEXT,
            created_by TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS requests (
            id TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            profile TEXT NOT NULL,
            requester TEXT NOT NULL,
            csr {blob} NOT NULL,
            status TEXT NOT NULL,
            serial TEXT,
            created_at BIGINT NOT NULL,
            decided_at BIGINT,
            decided_by TEXT)",
        "CREATE TABLE IF NOT EXISTS audit (
            seq BIGINT PRIMARY KEY,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS audit_checkpoints (
            seq BIGINT PRIMARY KEY,
            hash TEXT NOT NULL,
            at BIGINT NOT NULL,
            signer TEXT NOT NULL,
            signature TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS crl_state (
            ca_label TEXT PRIMARY KEY,
            next_number BIGINT NOT NULL,
            number BIGINT,
            der {blob},
            this_update BIGINT,
            next_update BIGINT)",
        "CREATE TABLE IF NOT EXISTS admin_tokens (
            hash TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS batch_items (
            job TEXT NOT NULL,
            item TEXT NOT NULL,
            serial TEXT NOT NULL,
            PRIMARY KEY (job, item))",
    ]
    .iter()
    .map(|s| s.replace("{blob}", blob))
    .collect()
}

fn cert_row(r: &AnyRow) -> CaResult<CertRecord> {
    Ok(CertRecord {
        serial: r.try_get("serial")?,
        ca_label: r.try_get("ca_label")?,
        profile: r.try_get("profile")?,
        subject: r.try_get("subject")?,
        sans: r.try_get("sans")?,
        device_id: r.try_get("device_id")?,
        not_before: r.try_get("not_before")?,
        not_after: r.try_get("not_after")?,
        issued_at: r.try_get("issued_at")?,
        requester: r.try_get("requester")?,
        der: r.try_get("der")?,
        status: r.try_get("status")?,
        revoked_at: r.try_get("revoked_at")?,
        reason: r.try_get("reason")?,
        sha256: r.try_get("sha256")?,
    })
}

fn token_row(r: &AnyRow) -> CaResult<TokenRecord> {
    Ok(TokenRecord {
        hash: r.try_get("hash")?,
        label: r.try_get("label")?,
        profile: r.try_get("profile")?,
        san_pattern: r.try_get("san_pattern")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        used_at: r.try_get("used_at")?,
        used_by: r.try_get("used_by")?,
        created_by: r.try_get("created_by")?,
    })
}

fn request_row(r: &AnyRow) -> CaResult<RequestRecord> {
    Ok(RequestRecord {
        id: r.try_get("id")?,
        label: r.try_get("label")?,
        profile: r.try_get("profile")?,
        requester: r.try_get("requester")?,
        csr: r.try_get("csr")?,
        status: r.try_get("status")?,
        serial: r.try_get("serial")?,
        created_at: r.try_get("created_at")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
    })
}

fn audit_row(r: &AnyRow) -> CaResult<AuditEntry> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        outcome: r.try_get("outcome")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

impl Sql {
    async fn connect(url: &str, dialect: Dialect, max: u32) -> CaResult<Self> {
        sqlx::any::install_default_drivers();
        let opts = AnyConnectOptions::from_str(url)
            .map_err(|e| CaError::BadRequest(format!("database url {url:?}: {e}")))?;
        let pool = AnyPoolOptions::new()
            .max_connections(max.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        use sqlx::Executor;
                        conn.execute("PRAGMA busy_timeout = 30000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .map_err(|e| CaError::Unavailable(format!("database {}: {e}", redact(url))))?;
        Ok(Self {
            pool,
            dialect,
            writers: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// A write transaction, serialized with every other writer.
    async fn begin(&self) -> CaResult<WriteTx> {
        let slot = self.writers.clone().lock_owned().await;
        let tx = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(726173)")
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok((tx, slot))
    }

    async fn append(tx: &mut Tx<'_>, d: &AuditDraft) -> CaResult<AuditEntry> {
        let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (seq, prev) = match last {
            Some(r) => {
                let s: i64 = r.try_get("seq")?;
                let h: String = r.try_get("hash")?;
                let prev: [u8; 32] = hex::decode(&h)
                    .ok()
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| {
                        CaError::Internal("audit: stored hash is not 32 bytes of hex".into())
                    })?;
                (s + 1, prev)
            }
            None => (1, GENESIS),
        };
        let at = now();
        let hash = entry_hash(&prev, seq, at, d);
        let e = AuditEntry {
            seq,
            at,
            actor: d.actor.clone(),
            action: d.action.clone(),
            target: d.target.clone(),
            outcome: d.outcome.clone(),
            detail: d.detail.clone(),
            prev_hash: hex::encode(prev),
            hash: hex::encode(hash),
        };
        sqlx::query(
            "INSERT INTO audit (seq, at, actor, action, target, outcome, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.seq)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.outcome)
        .bind(&e.detail)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut **tx)
        .await?;
        Ok(e)
    }

    async fn migrate(&self) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        for stmt in schema(self.dialect) {
            sqlx::query(sqlx::AssertSqlSafe(stmt))
                .execute(&mut *tx)
                .await?;
        }
        let v = sqlx::query("SELECT version FROM schema_version")
            .fetch_optional(&mut *tx)
            .await?;
        if v.is_none() {
            sqlx::query("INSERT INTO schema_version (version) VALUES (1)")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn issue(
        &self,
        rec: &CertRecord,
        links: &IssueLinks,
        audit: &AuditDraft,
    ) -> CaResult<AuditEntry> {
        let (mut tx, _slot) = self.begin().await?;
        if let Some(h) = &links.token {
            let n = sqlx::query(
                "UPDATE tokens SET used_at = $1, used_by = $2 WHERE hash = $3 AND used_at IS NULL AND expires_at > $1",
            )
            .bind(rec.issued_at)
            .bind(&rec.serial)
            .bind(h)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(CaError::Unauthorized(
                    "the bootstrap token was used already or has expired".into(),
                ));
            }
        }
        if let Some(id) = &links.request {
            let n = sqlx::query("UPDATE requests SET status = 'issued', serial = $1 WHERE id = $2 AND status = 'approved'")
                .bind(&rec.serial)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(CaError::Conflict(format!(
                    "request {id} is not approved (or was issued already)"
                )));
            }
        }
        if let Some((job, item)) = &links.batch {
            sqlx::query("INSERT INTO batch_items (job, item, serial) VALUES ($1, $2, $3)")
                .bind(job)
                .bind(item)
                .bind(&rec.serial)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => {
                        CaError::Conflict(format!("batch item {item} was issued already"))
                    }
                    e => e.into(),
                })?;
        }
        sqlx::query(
            "INSERT INTO certificates (serial, ca_label, profile, subject, sans, device_id, not_before, not_after,
             issued_at, requester, der, status, revoked_at, reason, sha256)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, $13)",
        )
        .bind(&rec.serial)
        .bind(&rec.ca_label)
        .bind(&rec.profile)
        .bind(&rec.subject)
        .bind(&rec.sans)
        .bind(&rec.device_id)
        .bind(rec.not_before)
        .bind(rec.not_after)
        .bind(rec.issued_at)
        .bind(&rec.requester)
        .bind(&rec.der)
        .bind(VALID)
        .bind(&rec.sha256)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                CaError::Conflict("serial number collision; retry".into())
            }
            e => e.into(),
        })?;
        let entry = Self::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(entry)
    }

    async fn cert(&self, serial: &str) -> CaResult<Option<CertRecord>> {
        sqlx::query("SELECT * FROM certificates WHERE serial = $1")
            .bind(serial)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(cert_row)
            .transpose()
    }

    async fn certs(&self, f: &CertFilter) -> CaResult<Vec<CertRecord>> {
        let mut sql = String::from("SELECT * FROM certificates WHERE 1=1");
        let mut args: Vec<String> = Vec::new();
        let mut add = |col: &str, v: &Option<String>, sql: &mut String| {
            if let Some(v) = v {
                args.push(v.clone());
                sql.push_str(&format!(" AND {col} = ${}", args.len()));
            }
        };
        add("ca_label", &f.ca, &mut sql);
        add("status", &f.status, &mut sql);
        add("profile", &f.profile, &mut sql);
        add("device_id", &f.device, &mut sql);
        if let Some(q) = &f.q {
            let esc = q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push(format!("%{esc}%"));
            let n = args.len();
            sql.push_str(&format!(" AND (subject LIKE ${n} ESCAPE '\\' OR sans LIKE ${n} ESCAPE '\\' OR serial LIKE ${n} ESCAPE '\\')"));
        }
        let limit = f.limit.unwrap_or(100).clamp(1, 10_000);
        let offset = f.offset.unwrap_or(0).max(0);
        sql.push_str(&format!(
            " ORDER BY issued_at DESC, serial LIMIT {limit} OFFSET {offset}"
        ));
        // Only column names and numbers are formatted in; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in &args {
            q = q.bind(a);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(cert_row)
            .collect()
    }

    async fn revoke(
        &self,
        serial: &str,
        at: i64,
        reason: i64,
        audit: &AuditDraft,
    ) -> CaResult<CertRecord> {
        let (mut tx, _slot) = self.begin().await?;
        let row = sqlx::query("SELECT * FROM certificates WHERE serial = $1")
            .bind(serial)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CaError::NotFound(format!("no certificate with serial {serial}")))?;
        let mut rec = cert_row(&row)?;
        if rec.status == REVOKED {
            return Err(CaError::Conflict(format!(
                "certificate {serial} is revoked already"
            )));
        }
        sqlx::query(
            "UPDATE certificates SET status = $1, revoked_at = $2, reason = $3 WHERE serial = $4",
        )
        .bind(REVOKED)
        .bind(at)
        .bind(reason)
        .bind(serial)
        .execute(&mut *tx)
        .await?;
        Self::append(&mut tx, audit).await?;
        tx.commit().await?;
        rec.status = REVOKED.into();
        rec.revoked_at = Some(at);
        rec.reason = Some(reason);
        Ok(rec)
    }

    async fn revoked(&self, ca_label: &str) -> CaResult<Vec<(String, i64, i64)>> {
        let rows = sqlx::query("SELECT serial, revoked_at, reason FROM certificates WHERE ca_label = $1 AND status = $2")
            .bind(ca_label)
            .bind(REVOKED)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("serial")?,
                    r.try_get::<Option<i64>, _>("revoked_at")?.unwrap_or(0),
                    r.try_get::<Option<i64>, _>("reason")?.unwrap_or(0),
                ))
            })
            .collect()
    }

    async fn put_token(&self, t: &TokenRecord, audit: &AuditDraft) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        sqlx::query(
            "INSERT INTO tokens (hash, label, profile, san_pattern, created_at, expires_at, used_at, used_by, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7)",
        )
        .bind(&t.hash)
        .bind(&t.label)
        .bind(&t.profile)
        .bind(&t.san_pattern)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(&t.created_by)
        .execute(&mut *tx)
        .await?;
        Self::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn token(&self, hash: &str) -> CaResult<Option<TokenRecord>> {
        sqlx::query("SELECT * FROM tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    async fn put_request(
        &self,
        r: &RequestRecord,
        token: Option<&str>,
        audit: &AuditDraft,
    ) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        if let Some(h) = token {
            let n = sqlx::query("UPDATE tokens SET used_at = $1, used_by = $2 WHERE hash = $3 AND used_at IS NULL AND expires_at > $1")
                .bind(r.created_at)
                .bind(&r.id)
                .bind(h)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(CaError::Unauthorized(
                    "the bootstrap token was used already or has expired".into(),
                ));
            }
        }
        sqlx::query(
            "INSERT INTO requests (id, label, profile, requester, csr, status, serial, created_at, decided_at, decided_by)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, NULL, NULL)",
        )
        .bind(&r.id)
        .bind(&r.label)
        .bind(&r.profile)
        .bind(&r.requester)
        .bind(&r.csr)
        .bind(&r.status)
        .bind(r.created_at)
        .execute(&mut *tx)
        .await?;
        Self::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn request(&self, id: &str) -> CaResult<Option<RequestRecord>> {
        sqlx::query("SELECT * FROM requests WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(request_row)
            .transpose()
    }

    async fn requests(&self, status: &str) -> CaResult<Vec<RequestRecord>> {
        let rows = if status.is_empty() {
            sqlx::query("SELECT * FROM requests ORDER BY created_at")
                .fetch_all(&self.pool)
                .await?
        } else {
            sqlx::query("SELECT * FROM requests WHERE status = $1 ORDER BY created_at")
                .bind(status)
                .fetch_all(&self.pool)
                .await?
        };
        rows.iter().map(request_row).collect()
    }

    async fn decide(
        &self,
        id: &str,
        status: &str,
        by: &str,
        at: i64,
        audit: &AuditDraft,
    ) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        let n = sqlx::query("UPDATE requests SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'")
            .bind(status)
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(CaError::Conflict(format!("request {id} is not pending")));
        }
        Self::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn append_audit(&self, d: &AuditDraft) -> CaResult<AuditEntry> {
        let (mut tx, _slot) = self.begin().await?;
        let e = Self::append(&mut tx, d).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn audit_entries(&self, from: i64, limit: i64) -> CaResult<Vec<AuditEntry>> {
        sqlx::query("SELECT * FROM audit WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(from)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(audit_row)
            .collect()
    }

    async fn put_checkpoint(&self, c: &Checkpoint) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        sqlx::query("INSERT INTO audit_checkpoints (seq, hash, at, signer, signature) VALUES ($1, $2, $3, $4, $5)")
            .bind(c.seq)
            .bind(&c.hash)
            .bind(c.at)
            .bind(&c.signer)
            .bind(&c.signature)
            .execute(&mut *tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    CaError::Conflict("checkpoint exists".into())
                }
                e => e.into(),
            })?;
        tx.commit().await?;
        Ok(())
    }

    async fn checkpoints(&self) -> CaResult<Vec<Checkpoint>> {
        let rows = sqlx::query("SELECT * FROM audit_checkpoints ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    seq: r.try_get("seq")?,
                    hash: r.try_get("hash")?,
                    at: r.try_get("at")?,
                    signer: r.try_get("signer")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }

    async fn audit_head(&self) -> CaResult<(Option<(i64, String)>, i64)> {
        let head = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok::<_, CaError>((r.try_get("seq")?, r.try_get("hash")?)))
            .transpose()?;
        let cp = sqlx::query("SELECT seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get::<i64, _>("seq"))
            .transpose()?
            .unwrap_or(0);
        Ok((head, cp))
    }

    async fn next_crl_number(&self, ca_label: &str) -> CaResult<i64> {
        let (mut tx, _slot) = self.begin().await?;
        let cur = sqlx::query("SELECT next_number FROM crl_state WHERE ca_label = $1")
            .bind(ca_label)
            .fetch_optional(&mut *tx)
            .await?;
        let n = match cur {
            Some(r) => r.try_get::<i64, _>("next_number")?,
            None => {
                sqlx::query("INSERT INTO crl_state (ca_label, next_number) VALUES ($1, 1)")
                    .bind(ca_label)
                    .execute(&mut *tx)
                    .await?;
                1
            }
        };
        sqlx::query("UPDATE crl_state SET next_number = $1 WHERE ca_label = $2")
            .bind(n + 1)
            .bind(ca_label)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn put_crl(&self, ca_label: &str, c: &CrlRecord) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        sqlx::query(
            "UPDATE crl_state SET number = $1, der = $2, this_update = $3, next_update = $4
             WHERE ca_label = $5 AND (number IS NULL OR number < $1)",
        )
        .bind(c.number)
        .bind(&c.der)
        .bind(c.this_update)
        .bind(c.next_update)
        .bind(ca_label)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn crl(&self, ca_label: &str) -> CaResult<Option<CrlRecord>> {
        let r = sqlx::query("SELECT number, der, this_update, next_update FROM crl_state WHERE ca_label = $1 AND der IS NOT NULL")
            .bind(ca_label)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(CrlRecord {
                number: r.try_get("number")?,
                der: r.try_get("der")?,
                this_update: r.try_get("this_update")?,
                next_update: r.try_get("next_update")?,
            })
        })
        .transpose()
    }

    async fn put_admin_token(
        &self,
        hash: &str,
        name: &str,
        role: &str,
        at: i64,
        audit: &AuditDraft,
    ) -> CaResult<()> {
        let (mut tx, _slot) = self.begin().await?;
        sqlx::query(
            "INSERT INTO admin_tokens (hash, name, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash)
        .bind(name)
        .bind(role)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        Self::append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn admin_token(&self, hash: &str) -> CaResult<Option<(String, String)>> {
        let r = sqlx::query("SELECT name, role FROM admin_tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| Ok((r.try_get("name")?, r.try_get("role")?)))
            .transpose()
    }

    async fn batch_item(&self, job: &str, item: &str) -> CaResult<Option<String>> {
        let r = sqlx::query("SELECT serial FROM batch_items WHERE job = $1 AND item = $2")
            .bind(job)
            .bind(item)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| Ok(r.try_get("serial")?)).transpose()
    }

    async fn counts(&self) -> CaResult<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM certificates GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

macro_rules! delegate {
    ($t:ty, $kind:literal) => {
        #[async_trait]
        impl Storage for $t {
            fn kind(&self) -> &'static str {
                $kind
            }
            async fn migrate(&self) -> CaResult<()> {
                self.0.migrate().await
            }
            async fn issue(
                &self,
                rec: &CertRecord,
                links: &IssueLinks,
                audit: &AuditDraft,
            ) -> CaResult<AuditEntry> {
                self.0.issue(rec, links, audit).await
            }
            async fn cert(&self, serial: &str) -> CaResult<Option<CertRecord>> {
                self.0.cert(serial).await
            }
            async fn certs(&self, f: &CertFilter) -> CaResult<Vec<CertRecord>> {
                self.0.certs(f).await
            }
            async fn revoke(
                &self,
                serial: &str,
                at: i64,
                reason: i64,
                audit: &AuditDraft,
            ) -> CaResult<CertRecord> {
                self.0.revoke(serial, at, reason, audit).await
            }
            async fn revoked(&self, ca_label: &str) -> CaResult<Vec<(String, i64, i64)>> {
                self.0.revoked(ca_label).await
            }
            async fn put_token(&self, t: &TokenRecord, audit: &AuditDraft) -> CaResult<()> {
                self.0.put_token(t, audit).await
            }
            async fn token(&self, hash: &str) -> CaResult<Option<TokenRecord>> {
                self.0.token(hash).await
            }
            async fn put_request(
                &self,
                r: &RequestRecord,
                token: Option<&str>,
                audit: &AuditDraft,
            ) -> CaResult<()> {
                self.0.put_request(r, token, audit).await
            }
            async fn request(&self, id: &str) -> CaResult<Option<RequestRecord>> {
                self.0.request(id).await
            }
            async fn requests(&self, status: &str) -> CaResult<Vec<RequestRecord>> {
                self.0.requests(status).await
            }
            async fn decide(
                &self,
                id: &str,
                status: &str,
                by: &str,
                at: i64,
                audit: &AuditDraft,
            ) -> CaResult<()> {
                self.0.decide(id, status, by, at, audit).await
            }
            async fn append_audit(&self, d: &AuditDraft) -> CaResult<AuditEntry> {
                self.0.append_audit(d).await
            }
            async fn audit_entries(&self, from: i64, limit: i64) -> CaResult<Vec<AuditEntry>> {
                self.0.audit_entries(from, limit).await
            }
            async fn put_checkpoint(&self, c: &Checkpoint) -> CaResult<()> {
                self.0.put_checkpoint(c).await
            }
            async fn checkpoints(&self) -> CaResult<Vec<Checkpoint>> {
                self.0.checkpoints().await
            }
            async fn audit_head(&self) -> CaResult<(Option<(i64, String)>, i64)> {
                self.0.audit_head().await
            }
            async fn next_crl_number(&self, ca_label: &str) -> CaResult<i64> {
                self.0.next_crl_number(ca_label).await
            }
            async fn put_crl(&self, ca_label: &str, crl: &CrlRecord) -> CaResult<()> {
                self.0.put_crl(ca_label, crl).await
            }
            async fn crl(&self, ca_label: &str) -> CaResult<Option<CrlRecord>> {
                self.0.crl(ca_label).await
            }
            async fn put_admin_token(
                &self,
                hash: &str,
                name: &str,
                role: &str,
                at: i64,
                audit: &AuditDraft,
            ) -> CaResult<()> {
                self.0.put_admin_token(hash, name, role, at, audit).await
            }
            async fn admin_token(&self, hash: &str) -> CaResult<Option<(String, String)>> {
                self.0.admin_token(hash).await
            }
            async fn batch_item(&self, job: &str, item: &str) -> CaResult<Option<String>> {
                self.0.batch_item(job, item).await
            }
            async fn counts(&self) -> CaResult<Vec<(String, i64)>> {
                self.0.counts().await
            }
            async fn backup(&self, dest: &std::path::Path) -> CaResult<()> {
                self.backup_to(dest).await
            }
        }
    };
}

/// The embedded SQLite store (WAL journal, full sync).
pub struct SqliteStore(Sql);

/// The PostgreSQL store, shared by several CA nodes.
pub struct PostgresStore(Sql);

impl SqliteStore {
    /// Opens (creating) the database file `path`.
    pub async fn open(path: &std::path::Path, max_connections: u32) -> CaResult<Self> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let s = Sql::connect(&url, Dialect::Sqlite, max_connections).await?;
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&s.pool)
            .await?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(Self(s))
    }

    async fn backup_to(&self, dest: &std::path::Path) -> CaResult<()> {
        if dest.exists() {
            return Err(CaError::Conflict(format!("{} exists", dest.display())));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(dest.display().to_string())
            .execute(&self.0.pool)
            .await?;
        Ok(())
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/db`).
    pub async fn open(url: &str, max_connections: u32) -> CaResult<Self> {
        Ok(Self(
            Sql::connect(url, Dialect::Postgres, max_connections).await?,
        ))
    }

    async fn backup_to(&self, _dest: &std::path::Path) -> CaResult<()> {
        Err(CaError::BadRequest(
            "the PostgreSQL store is backed up with pg_dump; `ca backup` copies the keys and configuration".into(),
        ))
    }
}

delegate!(SqliteStore, "sqlite");
delegate!(PostgresStore, "postgres");

/// Opens the store a configuration names; relative SQLite paths are under
/// `home`.
pub async fn open(
    url: &str,
    home: &std::path::Path,
    max_connections: u32,
) -> CaResult<std::sync::Arc<dyn Storage>> {
    let s: std::sync::Arc<dyn Storage> = if let Some(rest) = url.strip_prefix("sqlite:") {
        let rest = rest.trim_start_matches("//");
        let p = std::path::Path::new(rest);
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            home.join(p)
        };
        std::sync::Arc::new(SqliteStore::open(&p, max_connections).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        std::sync::Arc::new(PostgresStore::open(url, max_connections).await?)
    } else {
        return Err(CaError::BadRequest(format!(
            "database url {:?}: use sqlite:<file> or postgres://...",
            redact(url)
        )));
    };
    s.migrate().await?;
    Ok(s)
}
