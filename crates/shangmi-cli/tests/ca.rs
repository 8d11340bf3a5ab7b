//! The CA as operators run it: `shangmi ca serve` as a process, its
//! verbs, crashes (kill -9 and failpoints) and recovery, resumable batch
//! issuance, and two nodes sharing PostgreSQL under load.
#![allow(clippy::unwrap_used, clippy::panic)]

use shangmi::alg::SignatureAlgorithm;
use shangmi_ca::authority::Credential;
use shangmi_ca::client::{Enrolled, EstClient};
use shangmi_ca::tls::ServerTrust;
use shangmi_pki::name::{parse_general_names, parse_name};
use shangmi_pki::{Certificate, CsrBuilder, SoftwareKey};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_shangmi");

struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let mut b = [0u8; 6];
        shangmi::rng::fill(&mut shangmi::rng::OsRng, &mut b).unwrap();
        let p = std::env::temp_dir().join(format!("shangmi-cli-ca-{tag}-{}", hex::encode(b)));
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
    fn home(&self) -> PathBuf {
        self.0.join("home")
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sm(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = sm(args);
    assert!(
        o.status.success(),
        "shangmi {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sets ports (and extra settings) in a home's config.toml.
fn configure(home: &Path, https: u16, http: u16, extra: &str) {
    let p = home.join("config.toml");
    let mut v: toml::Table = std::fs::read_to_string(&p).unwrap().parse().unwrap();
    v.insert("listen".into(), format!("127.0.0.1:{https}").into());
    v.insert("http_listen".into(), format!("127.0.0.1:{http}").into());
    v.insert(
        "public_url".into(),
        format!("http://127.0.0.1:{http}").into(),
    );
    let mut text = toml::to_string(&v).unwrap();
    if !extra.is_empty() {
        text = format!("{text}\n{extra}\n");
    }
    std::fs::write(&p, text).unwrap();
}

/// A `ca serve` process, ready.
struct Server {
    child: Child,
    https: String,
    http: String,
}

impl Server {
    fn start(home: &Path, env: &[(&str, &str)]) -> Server {
        let mut c = Command::new(BIN);
        c.args(["ca", "serve", "--home", home.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut https = String::new();
            let mut http = String::new();
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(r) = line.strip_prefix("EST and admin API on https://") {
                    https = r.split('/').next().unwrap_or("").to_string();
                }
                if let Some(r) = line.strip_prefix("CRLs, OCSP and CA certificates on http://") {
                    http = r.trim_end_matches('/').to_string();
                }
                if line == "ready" {
                    let _ = tx.send((https.clone(), http.clone()));
                }
            }
        });
        let (https, http) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the CA did not become ready");
        Server { child, https, http }
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_exit(&mut self) -> Option<i32> {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn trust(home: &Path) -> ServerTrust {
    ServerTrust::Roots(
        Certificate::load_all(&std::fs::read(home.join("certs/root-ecdsa.pem")).unwrap()).unwrap(),
    )
}

fn csr(subject: &str, san: &str) -> Vec<u8> {
    let k = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let mut b = CsrBuilder::new(parse_name(subject).unwrap());
    if !san.is_empty() {
        b = b.subject_alt_names(parse_general_names(san).unwrap());
    }
    b.sign(&k).unwrap().to_der().to_vec()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

fn token(home: &Path, args: &[&str]) -> String {
    let mut a = vec!["ca", "token", "create", "--home", home.to_str().unwrap()];
    a.extend(args);
    let out = ok(&a);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone on stdout: {out:?}");
    assert!(lines[0].starts_with("smt_"));
    lines[0].to_string()
}

#[test]
fn first_run_serve_enroll_revoke_audit_backup() {
    let t = Tmp::new("main");
    let home = t.home();
    let h = home.to_str().unwrap();
    let out = ok(&["ca", "init", "--home", h]);
    assert!(
        out.contains("root CA sm2") && out.contains("first enrollment token"),
        "{out}"
    );
    assert!(out.contains("generated the key passphrase"), "{out}");
    assert_eq!(
        std::fs::metadata(home.join("passphrase"))
            .unwrap()
            .permissions()
            .mode()
            & 0o077,
        0
    );
    // Idempotent.
    assert!(ok(&["ca", "init", "--home", h]).contains("is a CA home already"));
    configure(&home, free_port(), free_port(), "");
    let srv = Server::start(&home, &[]);
    // The device simulator, bootstrapping trust by fingerprint.
    let fp = ok(&[
        "x509",
        "show",
        home.join("certs/root-ecdsa.pem").to_str().unwrap(),
    ])
    .lines()
    .find_map(|l| l.strip_prefix("SHA256 Fingerprint=").map(str::to_string))
    .unwrap();
    let tok = token(
        &home,
        &[
            "--profile",
            "device",
            "--san",
            "URI:urn:dev:sim-1",
            "--ttl",
            "10m",
        ],
    );
    let dev_pem = t.0.join("dev.pem");
    let dev_key = t.0.join("dev.key");
    let server = format!("https://{}", srv.https);
    ok(&[
        "est",
        "enroll",
        "--server",
        &server,
        "--root-fingerprint",
        &fp,
        "--token",
        &tok,
        "--keygen",
        "sm2",
        "--key",
        dev_key.to_str().unwrap(),
        "--subject",
        "CN=sim-1,O=Acme",
        "--san",
        "URI:urn:dev:sim-1",
        "--out",
        dev_pem.to_str().unwrap(),
    ]);
    let cert = Certificate::from_pem_or_der(&std::fs::read(&dev_pem).unwrap()).unwrap();
    // Replayed token: exit 1, refused.
    let o = sm(&[
        "est",
        "enroll",
        "--server",
        &server,
        "--root-fingerprint",
        &fp,
        "--token",
        &tok,
        "--key",
        dev_key.to_str().unwrap(),
        "--subject",
        "CN=sim-1,O=Acme",
        "--san",
        "URI:urn:dev:sim-1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("used already"));
    // Inventory, revocation.
    let list = ok(&["ca", "list", "--home", h]);
    assert!(
        list.contains(&cert.serial_hex()) && list.contains("valid"),
        "{list}"
    );
    ok(&[
        "ca",
        "revoke",
        "--home",
        h,
        &cert.serial_hex(),
        "--reason",
        "keyCompromise",
    ]);
    assert!(ok(&["ca", "show", "--home", h, &cert.serial_hex()]).contains("status: revoked"));
    let o = sm(&["ca", "revoke", "--home", h, &cert.serial_hex()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("revoked already"));
    // The audit log: intact, then tampered.
    assert!(ok(&["ca", "audit", "verify", "--home", h]).contains("intact"));
    let backup = t.0.join("backup");
    ok(&[
        "ca",
        "backup",
        "--home",
        h,
        "--out",
        backup.to_str().unwrap(),
    ]);
    assert!(backup.join("ca.db").exists() && backup.join("keys").join("sm2.key").exists());
    drop(srv);
    let o = Command::new("sqlite3")
        .arg(home.join("ca.db"))
        .arg("UPDATE audit SET actor = 'nobody' WHERE seq = 2")
        .output();
    if o.is_ok_and(|o| o.status.success()) {
        let o = sm(&["ca", "audit", "verify", "--home", h]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(String::from_utf8_lossy(&o.stdout).contains("TAMPERED: entry 2"));
    }
    // The backup is a working home.
    assert!(
        ok(&[
            "ca",
            "audit",
            "verify",
            "--home",
            backup.to_str().unwrap(),
            "--passphrase-file",
            home.join("passphrase").to_str().unwrap()
        ])
        .contains("intact")
    );
}

use std::os::unix::fs::PermissionsExt;

/// Enrolls with `tok`, returning the certificate or the error.
fn enroll(
    rt: &tokio::runtime::Runtime,
    srv: &Server,
    home: &Path,
    cred: Credential,
    subject: &str,
) -> Result<Certificate, shangmi_ca::CaError> {
    let c = EstClient::new(
        &format!("https://{}", srv.https),
        None,
        trust(home),
        None,
        cred,
    )
    .unwrap();
    let req = csr(subject, "");
    rt.block_on(async move {
        match c.enroll(&req).await? {
            Enrolled::Issued(c) => Ok(*c),
            Enrolled::Pending(_) => panic!("pending"),
        }
    })
}

fn db_count(home: &Path, sql: &str) -> i64 {
    let o = Command::new("sqlite3")
        .arg(home.join("ca.db"))
        .arg(sql)
        .output()
        .expect("sqlite3 (apt-get install sqlite3)");
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
}

#[test]
fn crash_after_signing_and_after_storing_then_recovery() {
    let t = Tmp::new("crash");
    let home = t.home();
    let h = home.to_str().unwrap();
    ok(&["ca", "init", "--home", h]);
    configure(&home, free_port(), free_port(), "");
    let rt = rt();
    let before = db_count(&home, "SELECT COUNT(*) FROM certificates");
    // 1. Killed after signing, before the record is stored: the client gets
    //    nothing, nothing is stored, and the token still works.
    let tok = token(&home, &[]);
    let mut srv = Server::start(&home, &[("SHANGMI_CA_FAILPOINT", "after-sign")]);
    assert!(
        enroll(
            &rt,
            &srv,
            &home,
            Credential::Bearer(tok.clone()),
            "CN=crash-1"
        )
        .is_err()
    );
    assert!(
        srv.wait_exit().is_some(),
        "the CA did not stop at the failpoint"
    );
    assert_eq!(db_count(&home, "SELECT COUNT(*) FROM certificates"), before);
    assert_eq!(
        db_count(
            &home,
            "SELECT COUNT(*) FROM tokens WHERE used_at IS NOT NULL"
        ),
        0
    );
    let srv = Server::start(&home, &[]);
    let cert = enroll(&rt, &srv, &home, Credential::Bearer(tok), "CN=crash-1").unwrap();
    drop(srv);
    assert_eq!(
        db_count(
            &home,
            &format!(
                "SELECT COUNT(*) FROM certificates WHERE serial = '{}'",
                cert.serial_hex()
            )
        ),
        1
    );
    // 2. Killed after the record is stored, before the response: the
    //    client gets nothing; the record, the consumed token and the audit
    //    entry are all there together.
    let tok = token(&home, &[]);
    let mut srv = Server::start(&home, &[("SHANGMI_CA_FAILPOINT", "after-store")]);
    assert!(
        enroll(
            &rt,
            &srv,
            &home,
            Credential::Bearer(tok.clone()),
            "CN=crash-2"
        )
        .is_err()
    );
    assert!(srv.wait_exit().is_some());
    assert_eq!(
        db_count(
            &home,
            "SELECT COUNT(*) FROM certificates WHERE subject LIKE '%crash-2%'"
        ),
        1
    );
    assert_eq!(
        db_count(
            &home,
            "SELECT COUNT(*) FROM audit WHERE action = 'issue' AND detail LIKE '%crash-2%'"
        ),
        1
    );
    let srv = Server::start(&home, &[]);
    let e = enroll(&rt, &srv, &home, Credential::Bearer(tok), "CN=crash-2").unwrap_err();
    assert_eq!(e.status(), 401);
    drop(srv);
    assert!(ok(&["ca", "audit", "verify", "--home", h]).contains("intact"));
}

#[test]
fn kill_9_under_load_loses_nothing() {
    let t = Tmp::new("kill9");
    let home = t.home();
    let h = home.to_str().unwrap();
    ok(&["ca", "init", "--home", h]);
    let hash = {
        let mut c = Command::new(BIN)
            .args(["ca", "hash-password"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(b"load-pass\n").unwrap();
        String::from_utf8(c.wait_with_output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string()
    };
    configure(
        &home,
        free_port(),
        free_port(),
        &format!(
            "[[provisioners]]\nname = \"load\"\nkind = \"basic\"\nusername = \"load\"\npassword_hash = \"{hash}\"\n"
        ),
    );
    let rt = rt();
    let mut srv = Server::start(&home, &[]);
    let base = format!("https://{}", srv.https);
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (received, stop, home, base) =
            (received.clone(), stop.clone(), home.clone(), base.clone());
        tasks.push(rt.spawn(async move {
            let c = EstClient::new(
                &base,
                None,
                trust(&home),
                None,
                Credential::Basic("load".into(), "load-pass".into()),
            )
            .unwrap();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                if let Ok(Enrolled::Issued(c)) =
                    c.enroll(&csr(&format!("CN=load-{w}-{i}"), "")).await
                {
                    received.lock().unwrap().push(c.serial_hex());
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    srv.kill9();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for t in tasks {
        let _ = rt.block_on(t);
    }
    let got = received.lock().unwrap().clone();
    assert!(!got.is_empty(), "no enrollment finished before the kill");
    // The database is whole, every certificate a client holds has its
    // record, and every record has its audit entry.
    let o = Command::new("sqlite3")
        .arg(home.join("ca.db"))
        .arg("PRAGMA integrity_check")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "ok");
    for s in &got {
        assert_eq!(
            db_count(
                &home,
                &format!("SELECT COUNT(*) FROM certificates WHERE serial = '{s}'")
            ),
            1,
            "{s} has no record"
        );
    }
    let certs = db_count(&home, "SELECT COUNT(*) FROM certificates");
    let issues = db_count(&home, "SELECT COUNT(*) FROM audit WHERE action = 'issue'");
    assert_eq!(
        certs, issues,
        "certificates without audit entries, or the reverse"
    );
    assert!(certs as usize >= got.len());
    // Restart: serving again, the log intact.
    let srv = Server::start(&home, &[]);
    enroll(
        &rt,
        &srv,
        &home,
        Credential::Basic("load".into(), "load-pass".into()),
        "CN=after-restart",
    )
    .unwrap();
    drop(srv);
    assert!(ok(&["ca", "audit", "verify", "--home", h]).contains("intact"));
    println!(
        "kill -9 during load: {} certificates received before the kill, {} stored",
        got.len(),
        certs
    );
}

#[test]
fn issue_batch_resumes_without_issuing_twice() {
    let t = Tmp::new("batch");
    let home = t.home();
    let h = home.to_str().unwrap();
    ok(&["ca", "init", "--home", h]);
    let devices: String = (0..60).map(|i| format!("meter-{i:04}\n")).collect();
    let list = t.0.join("devices.txt");
    std::fs::write(&list, devices).unwrap();
    let out = t.0.join("out");
    // Crash at the 25th certificate.
    let o = Command::new(BIN)
        .args([
            "ca",
            "issue-batch",
            "--home",
            h,
            "--devices",
            list.to_str().unwrap(),
            "--out-dir",
            out.to_str().unwrap(),
            "--job",
            "factory-1",
            "--jobs",
            "1",
        ])
        .env("SHANGMI_CA_FAILPOINT", "after-store:25")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stored = db_count(
        &home,
        "SELECT COUNT(*) FROM batch_items WHERE job = 'factory-1'",
    );
    assert_eq!(stored, 25);
    // Resume.
    let o = ok(&[
        "ca",
        "issue-batch",
        "--home",
        h,
        "--devices",
        list.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--job",
        "factory-1",
    ]);
    assert!(o.contains("35 issued, 25 already done, 0 failed"), "{o}");
    assert_eq!(
        db_count(
            &home,
            "SELECT COUNT(*) FROM batch_items WHERE job = 'factory-1'"
        ),
        60
    );
    assert_eq!(
        db_count(
            &home,
            "SELECT COUNT(*) FROM certificates WHERE requester = 'batch:factory-1'"
        ),
        60
    );
    // Every device has a key and a certificate that match.
    for i in 0..60 {
        let name = format!("meter-{i:04}");
        let cert =
            Certificate::from_pem_or_der(&std::fs::read(out.join(format!("{name}.pem"))).unwrap())
                .unwrap();
        let key = shangmi::alg::PrivateKey::from_pem(
            &std::fs::read_to_string(out.join(format!("{name}.key"))).unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(cert.public_key().unwrap(), key.public_key(), "{name}");
        assert!(cert.subject_text().contains(&name));
    }
    // A third run issues nothing.
    let o = ok(&[
        "ca",
        "issue-batch",
        "--home",
        h,
        "--devices",
        list.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--job",
        "factory-1",
    ]);
    assert!(o.contains("0 issued, 60 already done"), "{o}");
    assert!(ok(&["ca", "audit", "verify", "--home", h]).contains("intact"));
}

#[test]
fn issue_batch_from_a_directory_and_a_csv_and_est_verbs() {
    let t = Tmp::new("batch2");
    let home = t.home();
    let h = home.to_str().unwrap();
    ok(&["ca", "init", "--home", h]);
    let dir = t.0.join("csrs");
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("device_id,csr\n");
    for i in 0..5 {
        std::fs::write(
            dir.join(format!("gw-{i}.der")),
            csr(&format!("CN=gw-{i},O=Acme"), &format!("URI:urn:dev:gw-{i}")),
        )
        .unwrap();
        csv.push_str(&format!("gw-{i},csrs/gw-{i}.der\n"));
    }
    std::fs::write(t.0.join("list.csv"), csv).unwrap();
    let o = ok(&[
        "ca",
        "issue-batch",
        "--home",
        h,
        "--csr-dir",
        dir.to_str().unwrap(),
        "--out-dir",
        t.0.join("out1").to_str().unwrap(),
    ]);
    assert!(o.contains("5 issued, 0 already done, 0 failed"), "{o}");
    let o = ok(&[
        "ca",
        "issue-batch",
        "--home",
        h,
        "--csv",
        t.0.join("list.csv").to_str().unwrap(),
        "--out-dir",
        t.0.join("out2").to_str().unwrap(),
        "--label",
        "gateway",
    ]);
    assert!(o.contains("5 issued, 0 already done, 0 failed"), "{o}");
    let c =
        Certificate::from_pem_or_der(&std::fs::read(t.0.join("out2/gw-3.pem")).unwrap()).unwrap();
    assert!(
        c.extended_key_usage()
            .unwrap()
            .unwrap()
            .contains(&shangmi_pki::oid::EKU_SERVER_AUTH)
    );
    // A CSR that does not verify fails its item, not the batch.
    std::fs::write(dir.join("zz-bad.der"), b"not a CSR").unwrap();
    let o = sm(&[
        "ca",
        "issue-batch",
        "--home",
        h,
        "--csr-dir",
        dir.to_str().unwrap(),
        "--out-dir",
        t.0.join("out1").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("0 issued, 5 already done, 1 failed"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // The EST client's other verbs, against a running CA.
    configure(&home, free_port(), free_port(), "");
    let srv = Server::start(&home, &[]);
    let server = format!("https://{}", srv.https);
    let cacert = home.join("certs/root-ecdsa.pem");
    let cacert = cacert.to_str().unwrap();
    let out = sm(&[
        "est", "cacerts", "--server", &server, "--cacert", cacert, "--label", "ecdsa",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("BEGIN CERTIFICATE"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shangmi ECDSA Root CA"));
    assert!(
        ok(&["est", "csrattrs", "--server", &server, "--cacert", cacert])
            .contains("1.2.840.113549.1.9.7")
    );
    // serverkeygen: key and certificate, written where asked.
    let tok = token(&home, &["--label", "encrypt"]);
    let signing = t.0.join("sign.key");
    ok(&["keygen", "--alg", "sm2", "--out", signing.to_str().unwrap()]);
    let enc_key = t.0.join("enc.key");
    let enc_cert = t.0.join("enc.pem");
    ok(&[
        "est",
        "serverkeygen",
        "--server",
        &server,
        "--cacert",
        cacert,
        "--label",
        "encrypt",
        "--token",
        &tok,
        "--key",
        signing.to_str().unwrap(),
        "--subject",
        "CN=dual-1",
        "--key-out",
        enc_key.to_str().unwrap(),
        "--out",
        enc_cert.to_str().unwrap(),
    ]);
    let k = shangmi::alg::PrivateKey::from_pem(&std::fs::read_to_string(&enc_key).unwrap(), None)
        .unwrap();
    let c = Certificate::from_pem_or_der(&std::fs::read(&enc_cert).unwrap()).unwrap();
    assert_eq!(c.public_key().unwrap(), k.public_key());
    // reenroll with the certificate just made (its key signs the TLS handshake).
    let tok = token(&home, &[]);
    let dev_key = t.0.join("dev.key");
    let dev = t.0.join("dev.pem");
    ok(&[
        "est",
        "enroll",
        "--server",
        &server,
        "--cacert",
        cacert,
        "--token",
        &tok,
        "--keygen",
        "sm2",
        "--key",
        dev_key.to_str().unwrap(),
        "--subject",
        "CN=re-1",
        "--out",
        dev.to_str().unwrap(),
    ]);
    let chain = t.0.join("chain.pem");
    std::fs::write(
        &chain,
        std::fs::read_to_string(&dev).unwrap()
            + &std::fs::read_to_string(home.join("certs/sm2.pem")).unwrap(),
    )
    .unwrap();
    let new = t.0.join("new.pem");
    ok(&[
        "est",
        "reenroll",
        "--server",
        &server,
        "--cacert",
        cacert,
        "--cert",
        chain.to_str().unwrap(),
        "--cert-key",
        dev_key.to_str().unwrap(),
        "--key",
        dev_key.to_str().unwrap(),
        "--subject",
        "CN=re-1",
        "--out",
        new.to_str().unwrap(),
    ]);
    let n = Certificate::from_pem_or_der(&std::fs::read(&new).unwrap()).unwrap();
    let o = Certificate::from_pem_or_der(&std::fs::read(&dev).unwrap()).unwrap();
    assert_ne!(n.serial(), o.serial());
    assert_eq!(n.subject(), o.subject());
    drop(srv);
}

/// Enrolls `n` devices with `concurrency` workers spread over `servers`;
/// returns the serials and the certificates per second.
fn load(
    rt: &tokio::runtime::Runtime,
    servers: &[&Server],
    home: &Path,
    n: usize,
    concurrency: usize,
) -> (Vec<String>, f64) {
    let clients: Vec<EstClient> = servers
        .iter()
        .map(|s| {
            EstClient::new(
                &format!("https://{}", s.https),
                None,
                trust(home),
                None,
                Credential::Basic("load".into(), "load-pass".into()),
            )
            .unwrap()
        })
        .collect();
    let r = rt
        .block_on(shangmi_ca::client::load(&clients, n, concurrency))
        .unwrap();
    assert_eq!(r.failed, 0, "enrollments failed under load");
    (r.serials.clone(), r.rate())
}

fn basic_provisioner() -> String {
    let mut c = Command::new(BIN)
        .args(["ca", "hash-password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all(b"load-pass\n").unwrap();
    let hash = String::from_utf8(c.wait_with_output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    format!(
        "[[provisioners]]\nname = \"load\"\nkind = \"basic\"\nusername = \"load\"\npassword_hash = \"{hash}\"\n"
    )
}

const LOAD_N: usize = 300;

#[test]
fn load_sqlite_one_node() {
    let t = Tmp::new("load-sqlite");
    let home = t.home();
    ok(&["ca", "init", "--home", home.to_str().unwrap()]);
    configure(&home, free_port(), free_port(), &basic_provisioner());
    let srv = Server::start(&home, &[]);
    let rt = rt();
    let (serials, rate) = load(&rt, &[&srv], &home, LOAD_N, 16);
    let mut u = serials.clone();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), LOAD_N);
    assert_eq!(
        db_count(
            &home,
            "SELECT COUNT(*) FROM certificates WHERE subject LIKE '%load-%' AND subject NOT LIKE '%warmup%'"
        ) as usize,
        LOAD_N
    );
    println!("LOAD sqlite 1 node: {LOAD_N} enrollments, 16 clients: {rate:.0} certificates/s");
    drop(srv);
    assert!(ok(&["ca", "audit", "verify", "--home", home.to_str().unwrap()]).contains("intact"));
}

#[test]
fn load_postgres_two_nodes() {
    let admin = std::env::var("SHANGMI_TEST_PG").unwrap_or_else(|_| {
        panic!("SHANGMI_TEST_PG is not set: run scripts/test.sh, or scripts/pg.sh and export SHANGMI_TEST_PG")
    });
    let mut b = [0u8; 4];
    shangmi::rng::fill(&mut shangmi::rng::OsRng, &mut b).unwrap();
    let db = format!("t_nodes_{}", hex::encode(b));
    let o = Command::new("psql")
        .args([&admin, "-qc", &format!("CREATE DATABASE {db}")])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = format!("{}/{db}", admin.rsplit_once('/').unwrap().0);
    let t = Tmp::new("pg2");
    let a = t.0.join("node-a");
    ok(&[
        "ca",
        "init",
        "--home",
        a.to_str().unwrap(),
        "--database",
        &url,
    ]);
    // Node B: the same keys, certificates and configuration, other ports.
    let bh = t.0.join("node-b");
    std::fs::create_dir_all(&bh).unwrap();
    for entry in ["config.toml", "passphrase", "keys", "certs"] {
        let o = Command::new("cp")
            .args(["-a", a.join(entry).to_str().unwrap(), bh.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    let prov = basic_provisioner();
    configure(&a, free_port(), free_port(), &prov);
    configure(&bh, free_port(), free_port(), &prov);
    let na = Server::start(&a, &[]);
    let nb = Server::start(&bh, &[]);
    let rt = rt();
    let (serials, rate) = load(&rt, &[&na, &nb], &a, LOAD_N, 16);
    let mut u = serials.clone();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), LOAD_N, "duplicate serials across nodes");
    let o = Command::new("psql").args([&url, "-tAc", "SELECT COUNT(*), COUNT(DISTINCT serial) FROM certificates WHERE subject LIKE '%load-%' AND subject NOT LIKE '%warmup%'"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("{LOAD_N}|{LOAD_N}")
    );
    // A revocation on node A is seen by OCSP on node B.
    let serial = &serials[0];
    let o = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://{}/crl/sm2.crl", nb.http),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "200");
    ok(&["ca", "revoke", "--home", a.to_str().unwrap(), serial]);
    let o = Command::new("psql")
        .args([
            &url,
            "-tAc",
            &format!("SELECT status FROM certificates WHERE serial = '{serial}'"),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "revoked");
    println!("LOAD postgres 2 nodes: {LOAD_N} enrollments, 16 clients: {rate:.0} certificates/s");
    drop(na);
    drop(nb);
    assert!(ok(&["ca", "audit", "verify", "--home", bh.to_str().unwrap()]).contains("intact"));
}
