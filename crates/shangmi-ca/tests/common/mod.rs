//! Shared helpers of the CA tests: a CA on its own ports and home,
//! PostgreSQL databases, and the system curl and openssl.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use shangmi_ca::authority::Authority;
use shangmi_ca::config::Config;
use shangmi_ca::home::{self, PassphraseSource};
use shangmi_ca::server::{self, Running};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

/// A scratch directory removed on drop.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(tag: &str) -> Self {
        let mut b = [0u8; 6];
        shangmi::rng::fill(&mut shangmi::rng::OsRng, &mut b).unwrap();
        let p = std::env::temp_dir().join(format!("shangmi-ca-{tag}-{}", hex::encode(b)));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    pub fn path(&self, n: &str) -> PathBuf {
        self.0.join(n)
    }
    pub fn s(&self, n: &str) -> String {
        self.path(n).display().to_string()
    }
    pub fn write(&self, n: &str, d: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(n);
        std::fs::write(&p, d).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if std::env::var("SHANGMI_KEEP_TEST_DIRS").is_err() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The admin URL of the test PostgreSQL server (scripts/pg.sh starts it).
pub fn pg_admin_url() -> String {
    std::env::var("SHANGMI_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "SHANGMI_TEST_PG is not set: run scripts/test.sh, or start a server with \
             `scripts/pg.sh` and export SHANGMI_TEST_PG=<the URL it prints>"
        )
    })
}

/// A fresh, empty PostgreSQL database; returns its URL.
pub async fn fresh_pg(tag: &str) -> String {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let mut b = [0u8; 4];
    shangmi::rng::fill(&mut shangmi::rng::OsRng, &mut b).unwrap();
    let name = format!("t_{}_{}", tag.replace('-', "_"), hex::encode(b));
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

/// A running CA.
pub struct TestCa {
    pub dir: Dir,
    pub auth: Arc<Authority>,
    pub running: Running,
    pub https: String,
    pub http: String,
}

impl TestCa {
    pub fn home(&self) -> &Path {
        &self.dir.0
    }
    pub fn cert(&self, n: &str) -> String {
        self.dir.0.join("certs").join(n).display().to_string()
    }
    pub fn est(&self, label: &str, op: &str) -> String {
        if label.is_empty() {
            format!("https://{}/.well-known/est/{op}", self.https)
        } else {
            format!("https://{}/.well-known/est/{label}/{op}", self.https)
        }
    }
    pub async fn token(&self, label: &str, san: &str) -> String {
        self.auth
            .create_token(label, san, std::time::Duration::from_secs(3600), "test")
            .await
            .unwrap()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        self.running.stop();
    }
}

/// Initializes a CA home (with `db`, SQLite when None), lets `tweak`
/// change its configuration, and starts it on free ports.
pub async fn start_ca(
    tag: &str,
    db: Option<String>,
    tweak: impl FnOnce(&mut Config, &Path),
) -> TestCa {
    let dir = Dir::new(tag);
    let src = PassphraseSource::default();
    home::init(&dir.0, &src, db.as_deref()).await.unwrap();
    let (hp, pp) = (free_port(), free_port());
    let cfg_path = dir.0.join("config.toml");
    let mut cfg = Config::load(&cfg_path).unwrap();
    cfg.listen = format!("127.0.0.1:{hp}");
    cfg.http_listen = format!("127.0.0.1:{pp}");
    cfg.public_url = format!("http://127.0.0.1:{pp}");
    tweak(&mut cfg, &dir.0);
    cfg.check().unwrap();
    std::fs::write(&cfg_path, toml::to_string(&cfg).unwrap()).unwrap();
    let auth = Arc::new(home::open(&dir.0, &src).await.unwrap());
    let running = server::start(auth.clone(), None, None).await.unwrap();
    let https = running.https.to_string();
    let http = running.http.to_string();
    TestCa {
        dir,
        auth,
        running,
        https,
        http,
    }
}

pub fn run(cmd: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

pub fn ok(cmd: &str, args: &[&str], dir: &Path) -> String {
    let o = run(cmd, args, dir);
    assert!(o.status.success(), "{cmd} {args:?} failed: {}", out(&o));
    out(&o)
}

/// curl with the ECDSA root trusted (the listener's chain); returns
/// (HTTP status, body).
pub fn curl(ca: &TestCa, args: &[&str]) -> (u16, Vec<u8>) {
    let d = Dir::new("curl");
    let body = d.path("body");
    let mut a = vec![
        "-s",
        "-o",
        body.to_str().unwrap(),
        "-w",
        "%{http_code}",
        "--cacert",
    ];
    let root = ca.cert("root-ecdsa.pem");
    a.push(&root);
    a.extend(args);
    let o = run("curl", &a, &d.0);
    let code = String::from_utf8_lossy(&o.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    (code, std::fs::read(&body).unwrap_or_default())
}

/// Every certificate of a base64 certs-only response, via openssl pkcs7.
pub fn print_certs(dir: &Path, b64: &[u8]) -> String {
    use base64ct::Encoding;
    let clean: Vec<u8> = b64
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let der = base64ct::Base64::decode_vec(std::str::from_utf8(&clean).unwrap()).unwrap();
    std::fs::write(dir.join("resp.p7"), der).unwrap();
    ok(
        "openssl",
        &["pkcs7", "-inform", "DER", "-in", "resp.p7", "-print_certs"],
        dir,
    )
}

/// Verifies an SM2 signature over `msg` with the GM/T ID using RustCrypto.
pub fn rustcrypto_sm2_verify(point: &[u8], msg: &[u8], sig_der: &[u8]) -> bool {
    use signature::Verifier;
    let pk = sm2::PublicKey::from_sec1_bytes(point).unwrap();
    let vk = sm2::dsa::VerifyingKey::new("1234567812345678", pk).unwrap();
    sm2::dsa::Signature::from_der(sig_der).is_ok_and(|s| vk.verify(msg, &s).is_ok())
}
