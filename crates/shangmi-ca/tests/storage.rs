//! The storage trait, run against both implementations: SQLite (two
//! handles on one file) and PostgreSQL (two pools, as two CA nodes see
//! it). Atomicity and uniqueness under concurrency: a token is consumed
//! once, serials never repeat, the audit chain stays one chain, CRL
//! numbers never repeat.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use shangmi_ca::audit::{self, AuditDraft};
use shangmi_ca::error::CaError;
use shangmi_ca::store::{
    self, CertFilter, CertRecord, IssueLinks, PostgresStore, RequestRecord, SqliteStore, Storage,
    TokenRecord,
};
use std::sync::Arc;

fn rec(serial: &str, device: &str) -> CertRecord {
    CertRecord {
        serial: serial.into(),
        ca_label: "sm2".into(),
        profile: "device".into(),
        subject: format!("CN={device}"),
        sans: String::new(),
        device_id: device.into(),
        not_before: 0,
        not_after: 1,
        issued_at: store::now(),
        requester: "test".into(),
        der: serial.as_bytes().to_vec(),
        status: store::VALID.into(),
        revoked_at: None,
        reason: None,
        sha256: format!("sha-{serial}"),
    }
}

fn d(action: &str) -> AuditDraft {
    AuditDraft::new("test", action, "", "ok", serde_json::json!({}))
}

async fn suite(a: Arc<dyn Storage>, b: Arc<dyn Storage>) {
    // Issue, read back, search, revoke.
    a.issue(&rec("0A01", "dev-1"), &IssueLinks::default(), &d("issue"))
        .await
        .unwrap();
    let r = b.cert("0A01").await.unwrap().unwrap();
    assert_eq!(r.device_id, "dev-1");
    assert_eq!(
        b.certs(&CertFilter {
            q: Some("dev-%".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        0,
        "LIKE wildcards in q are literal"
    );
    assert_eq!(
        b.certs(&CertFilter {
            q: Some("dev-".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        1
    );
    // The same serial again: a conflict, nothing written.
    let e = b
        .issue(&rec("0A01", "dev-1b"), &IssueLinks::default(), &d("issue"))
        .await
        .unwrap_err();
    assert!(matches!(e, CaError::Conflict(_)), "{e}");
    b.revoke("0A01", 5, 1, &d("revoke")).await.unwrap();
    assert!(matches!(
        a.revoke("0A01", 6, 1, &d("revoke")).await.unwrap_err(),
        CaError::Conflict(_)
    ));
    assert!(matches!(
        a.revoke("FFFF", 6, 1, &d("revoke")).await.unwrap_err(),
        CaError::NotFound(_)
    ));
    assert_eq!(
        a.revoked("sm2").await.unwrap(),
        vec![("0A01".to_string(), 5, 1)]
    );

    // A token is consumed exactly once, however many race for it; the
    // losers write nothing (no certificate, no audit entry).
    let now = store::now();
    let t = TokenRecord {
        hash: "tok1".into(),
        label: "device".into(),
        profile: "device".into(),
        san_pattern: String::new(),
        created_at: now,
        expires_at: now + 3600,
        used_at: None,
        used_by: None,
        created_by: "test".into(),
    };
    a.put_token(&t, &d("token.create")).await.unwrap();
    let before = a.audit_entries(1, 100_000).await.unwrap().len();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let links = IssueLinks {
                token: Some("tok1".into()),
                ..Default::default()
            };
            s.issue(&rec(&format!("0B{i:02}"), "racer"), &links, &d("issue"))
                .await
        }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(CaError::Unauthorized(_)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(
        a.certs(&CertFilter {
            device: Some("racer".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .len(),
        1
    );
    assert_eq!(a.audit_entries(1, 100_000).await.unwrap().len(), before + 1);
    // An expired token is refused.
    let t2 = TokenRecord {
        hash: "tok2".into(),
        expires_at: now - 1,
        ..t.clone()
    };
    a.put_token(&t2, &d("token.create")).await.unwrap();
    let links = IssueLinks {
        token: Some("tok2".into()),
        ..Default::default()
    };
    assert!(matches!(
        a.issue(&rec("0C01", "late"), &links, &d("issue"))
            .await
            .unwrap_err(),
        CaError::Unauthorized(_)
    ));

    // Two "nodes" append to the audit log at once: one unbroken chain.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            s.append_audit(&d(&format!("burst-{i}"))).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let entries = a.audit_entries(1, 100_000).await.unwrap();
    let report = audit::verify(&entries, &[], &|_| None);
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!(entries.last().unwrap().seq as usize, entries.len());

    // CRL numbers never repeat across nodes.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            s.next_crl_number("sm2").await.unwrap()
        }));
    }
    let mut nums = Vec::new();
    for t in tasks {
        nums.push(t.await.unwrap());
    }
    nums.sort();
    nums.dedup();
    assert_eq!(nums.len(), 20);

    // Held requests: decide once; issuing links them.
    let r = RequestRecord {
        id: "req_1".into(),
        label: "gateway".into(),
        profile: "gateway".into(),
        requester: "t".into(),
        csr: vec![1, 2],
        status: "pending".into(),
        serial: None,
        created_at: now,
        decided_at: None,
        decided_by: None,
    };
    a.put_request(&r, None, &d("request.pending"))
        .await
        .unwrap();
    b.decide("req_1", "approved", "ops", now, &d("request.approved"))
        .await
        .unwrap();
    assert!(matches!(
        a.decide("req_1", "rejected", "ops", now, &d("x"))
            .await
            .unwrap_err(),
        CaError::Conflict(_)
    ));
    let links = IssueLinks {
        request: Some("req_1".into()),
        ..Default::default()
    };
    a.issue(&rec("0D01", "held"), &links, &d("issue"))
        .await
        .unwrap();
    assert_eq!(
        b.request("req_1").await.unwrap().unwrap().serial.as_deref(),
        Some("0D01")
    );

    // Batch items: at most one certificate per item.
    let links = IssueLinks {
        batch: Some(("job1".into(), "dev-9".into())),
        ..Default::default()
    };
    a.issue(&rec("0E01", "dev-9"), &links, &d("issue"))
        .await
        .unwrap();
    assert!(matches!(
        b.issue(&rec("0E02", "dev-9"), &links, &d("issue"))
            .await
            .unwrap_err(),
        CaError::Conflict(_)
    ));
    assert_eq!(
        a.batch_item("job1", "dev-9").await.unwrap().as_deref(),
        Some("0E01")
    );
    assert!(b.cert("0E02").await.unwrap().is_none());

    // Everything above left one intact chain.
    let entries = b.audit_entries(1, 100_000).await.unwrap();
    assert!(audit::verify(&entries, &[], &|_| None).intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store() {
    let dir = Dir::new("sqlite");
    let p = dir.path("ca.db");
    let a: Arc<dyn Storage> = Arc::new(SqliteStore::open(&p, 4).await.unwrap());
    a.migrate().await.unwrap();
    let b: Arc<dyn Storage> = Arc::new(SqliteStore::open(&p, 4).await.unwrap());
    b.migrate().await.unwrap();
    suite(a.clone(), b).await;
    // A consistent copy.
    a.backup(&dir.path("copy.db")).await.unwrap();
    let c = SqliteStore::open(&dir.path("copy.db"), 1).await.unwrap();
    assert!(c.cert("0A01").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store() {
    let url = fresh_pg("store").await;
    let a: Arc<dyn Storage> = Arc::new(PostgresStore::open(&url, 8).await.unwrap());
    a.migrate().await.unwrap();
    let b: Arc<dyn Storage> = Arc::new(PostgresStore::open(&url, 8).await.unwrap());
    b.migrate().await.unwrap();
    suite(a, b).await;
}
