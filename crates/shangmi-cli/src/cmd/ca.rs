//! `shangmi ca ...`: the operator's verbs.

use crate::cli::*;
use crate::error::{CliError, CliResult, Context, fail};
use crate::io::write_output;
use shangmi_ca::authority::Authority;
use shangmi_ca::home::{self, PassphraseSource};
use shangmi_ca::store::{CertFilter, IssueLinks};
use shangmi_ca::{CaError, server};
use shangmi_pki::{Certificate, Csr, alg};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn rt() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

fn ca_err(e: CaError) -> CliError {
    fail(e.to_string())
}

fn src(h: &CaHome) -> PassphraseSource {
    PassphraseSource {
        file: h.passphrase_file.clone(),
    }
}

async fn open(h: &CaHome) -> CliResult<Authority> {
    home::open(&h.home, &src(h)).await.map_err(ca_err)
}

/// Parses `30m`, `24h`, `7d`, `90s` or plain seconds.
pub fn parse_duration(s: &str) -> CliResult<Duration> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('s') => (&s[..s.len() - 1], 1),
        Some('m') => (&s[..s.len() - 1], 60),
        Some('h') => (&s[..s.len() - 1], 3600),
        Some('d') => (&s[..s.len() - 1], 86_400),
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| fail(format!("duration {s:?}: want e.g. 30m, 24h, 7d")))?;
    Ok(Duration::from_secs(n.saturating_mul(mult)))
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SHANGMI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    use std::io::IsTerminal;
    let b = b.with_ansi(std::io::stderr().is_terminal());
    let _ = if format == "json" {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

fn print_init(r: &home::InitReport, h: &Path) {
    if r.created {
        println!("initialized a CA home at {}", h.display());
        if let Some(p) = &r.generated_passphrase {
            println!(
                "generated the key passphrase into {} (0600): keep it safe, and back it up apart from the keys",
                p.display()
            );
        }
    }
    for (label, fp) in &r.roots {
        println!("root CA {label:6} SHA-256 fingerprint {fp}");
    }
    if let Some(t) = &r.token {
        println!("first enrollment token (label device, single use, 24 h): {t}");
    }
}

/// `ca init`.
pub fn init(a: &CaInitArgs) -> CliResult {
    rt()?.block_on(async {
        let r = home::init(&a.home.home, &src(&a.home), a.database.as_deref())
            .await
            .map_err(ca_err)?;
        if !r.created {
            println!("{} is a CA home already", a.home.home.display());
        }
        print_init(&r, &a.home.home);
        Ok(())
    })
}

/// `ca serve`.
pub fn serve(a: &CaServeArgs) -> CliResult {
    rt()?.block_on(async {
        let r = home::init(&a.home.home, &src(&a.home), a.database.as_deref())
            .await
            .map_err(ca_err)?;
        print_init(&r, &a.home.home);
        let auth = Arc::new(open(&a.home).await?);
        init_logging(&auth.cfg.log_format);
        let _ = shangmi_ca::metrics::handle();
        let running = server::start(auth.clone(), a.listen.as_deref(), a.http_listen.as_deref())
            .await
            .map_err(ca_err)?;
        println!(
            "storage: {} ({})",
            auth.store.kind(),
            shangmi_ca::store::redact(&auth.cfg.database.url)
        );
        println!("keys: {}", auth.keys.describe());
        println!(
            "EST and admin API on https://{}/  (TLS certificate from CA {}: {})",
            running.https,
            auth.cfg.tls.ca,
            auth.home.join("certs/tls.pem").display()
        );
        println!(
            "  e.g. curl --cacert {} https://{}/.well-known/est/cacerts",
            auth.home
                .join(format!("certs/root-{}.pem", auth.cfg.tls.ca))
                .display(),
            running.https
        );
        println!("CRLs, OCSP and CA certificates on http://{}/", running.http);
        println!("ready");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        shutdown_signal().await;
        running.stop();
        if let Err(e) = auth.checkpoint().await {
            eprintln!("shangmi: audit checkpoint at shutdown: {e}");
        }
        println!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `ca token create`.
pub fn token(a: &CaTokenArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let label = match (&a.label, &a.profile) {
            (Some(l), _) => l.clone(),
            (None, Some(p)) => {
                if auth.cfg.est.labels.contains_key(p) && auth.cfg.est.labels[p].profile == *p {
                    p.clone()
                } else {
                    auth.cfg
                        .est
                        .labels
                        .iter()
                        .find(|(_, l)| {
                            l.profile == *p
                                && auth
                                    .cfg
                                    .est
                                    .labels
                                    .get(&auth.cfg.est.default_label)
                                    .is_some_and(|d| d.ca == l.ca)
                        })
                        .or_else(|| auth.cfg.est.labels.iter().find(|(_, l)| l.profile == *p))
                        .map(|(k, _)| k.clone())
                        .ok_or_else(|| {
                            fail(format!(
                                "no EST label enrolls with profile {p:?}; give --label"
                            ))
                        })?
                }
            }
            (None, None) => "device".into(),
        };
        let t = auth
            .create_token(&label, &a.san, parse_duration(&a.ttl)?, "cli")
            .await
            .map_err(ca_err)?;
        println!("{t}");
        Ok(())
    })
}

/// `ca admin-token create`.
pub fn admin_token(a: &CaAdminTokenArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let t = server::create_admin_token(&auth, &a.name, &a.role, "cli")
            .await
            .map_err(ca_err)?;
        println!("{t}");
        Ok(())
    })
}

/// `ca issue`.
pub fn issue(a: &CaIssueArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let data = std::fs::read(&a.csr).context(a.csr.display())?;
        let csr = Csr::from_pem_or_der(&data).context(a.csr.display())?;
        csr.verify().context(a.csr.display())?;
        let (ca, profile, _) = auth.resolve(Some(&a.label)).map_err(ca_err)?;
        let sans = csr.subject_alt_names().context(a.csr.display())?;
        let cert = auth
            .issue_cert(
                &ca,
                &profile,
                csr.subject().clone(),
                csr.spki().clone(),
                sans,
                a.days,
                "operator:cli",
                "cli",
                IssueLinks::default(),
                None,
            )
            .await
            .map_err(ca_err)?;
        write_output(a.out.as_deref(), cert.to_pem().as_bytes())
    })
}

/// `ca revoke`.
pub fn revoke(a: &CaRevokeArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let reason = match &a.reason {
            Some(r) => shangmi_pki::crl::parse_reason(r).context("--reason")?,
            None => shangmi_pki::x509_cert::ext::pkix::CrlReason::Unspecified,
        };
        if let Some(d) = &a.device {
            for r in auth
                .revoke_device(d, reason, "operator:cli")
                .await
                .map_err(ca_err)?
            {
                println!("revoked {} ({})", r.serial, r.subject);
            }
        } else if let Some(s) = &a.serial {
            let r = auth
                .revoke(s, reason, "operator:cli")
                .await
                .map_err(ca_err)?;
            println!("revoked {} ({})", r.serial, r.subject);
        }
        Ok(())
    })
}

/// `ca crl`.
pub fn crl(a: &CaCrlArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let r = auth.regenerate_crl(&a.ca).await.map_err(ca_err)?;
        eprintln!("CRL number {} of CA {}", r.number, a.ca);
        write_output(a.out.as_deref(), &r.der)
    })
}

/// `ca list`.
pub fn list(a: &CaListArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let f = CertFilter {
            ca: a.ca.clone(),
            status: a.status.clone(),
            device: a.device.clone(),
            q: a.q.clone(),
            limit: Some(a.limit),
            ..Default::default()
        };
        let list = auth.store.certs(&f).await.map_err(ca_err)?;
        for r in &list {
            if a.json {
                println!("{}", serde_json::to_string(r).unwrap_or_default());
            } else {
                println!(
                    "{}  {:7}  {:6}  {:12}  {}",
                    r.serial, r.status, r.ca_label, r.profile, r.subject
                );
            }
        }
        if !a.json {
            eprintln!("{} certificate(s)", list.len());
        }
        Ok(())
    })
}

/// `ca show`.
pub fn show(a: &CaShowArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        let serial = shangmi_pki::cert::serial_hex(
            &shangmi_pki::cert::parse_serial_hex(&a.serial).context("serial")?,
        );
        let r = auth
            .store
            .cert(&serial)
            .await
            .map_err(ca_err)?
            .ok_or_else(|| fail(format!("no certificate {serial}")))?;
        let c = Certificate::from_der(&r.der).context("stored certificate")?;
        if a.pem {
            print!("{}", c.to_pem());
        } else {
            println!(
                "status: {}{}",
                r.status,
                r.reason
                    .map(|x| format!(" (reason {x})"))
                    .unwrap_or_default()
            );
            println!(
                "profile: {}  ca: {}  device: {}  requester: {}",
                r.profile, r.ca_label, r.device_id, r.requester
            );
            print!("{}", shangmi_pki::text::certificate(&c));
        }
        Ok(())
    })
}

/// `ca requests`.
pub fn requests(a: &CaRequestsArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        for r in auth.store.requests(&a.status).await.map_err(ca_err)? {
            let subject = Csr::from_der(&r.csr)
                .map(|c| c.subject_text())
                .unwrap_or_default();
            println!(
                "{}  {:8}  {:10}  {}  {}",
                r.id, r.status, r.label, r.requester, subject
            );
        }
        Ok(())
    })
}

/// `ca approve` / `ca reject`.
pub fn decide(a: &CaDecideArgs, approve: bool) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        match auth
            .decide(&a.id, approve, "operator:cli")
            .await
            .map_err(ca_err)?
        {
            Some(c) => println!("approved {}: issued {}", a.id, c.serial_hex()),
            None => println!("rejected {}", a.id),
        }
        Ok(())
    })
}

/// `ca audit verify|list|checkpoint`.
pub fn audit(c: &CaAuditCmd) -> CliResult {
    rt()?.block_on(async {
        match c {
            CaAuditCmd::Verify(a) => {
                let auth = open(&a.home).await?;
                let r = auth.verify_audit().await.map_err(ca_err)?;
                for p in &r.problems {
                    println!("TAMPERED: {p}");
                }
                if r.intact() {
                    println!(
                        "audit log intact: {} entries, {} signed checkpoints",
                        r.entries, r.checkpoints
                    );
                    Ok(())
                } else {
                    Err(CliError::Negative(format!(
                        "the audit log was tampered with ({} problems)",
                        r.problems.len()
                    )))
                }
            }
            CaAuditCmd::List(a) => {
                let auth = open(&a.home).await?;
                for e in auth
                    .store
                    .audit_entries(a.from, a.limit)
                    .await
                    .map_err(ca_err)?
                {
                    println!("{}", serde_json::to_string(&e).unwrap_or_default());
                }
                Ok(())
            }
            CaAuditCmd::Checkpoint(a) => {
                let auth = open(&a.home).await?;
                match auth.checkpoint().await.map_err(ca_err)? {
                    Some(c) => println!("checkpoint signed at entry {} by CA {}", c.seq, c.signer),
                    None => println!("the audit log is empty"),
                }
                Ok(())
            }
        }
    })
}

fn copy_dir(from: &Path, to: &Path) -> CliResult {
    std::fs::create_dir_all(to).context(to.display())?;
    for e in std::fs::read_dir(from).context(from.display())? {
        let e = e.context(from.display())?;
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest)?;
        } else {
            std::fs::copy(&p, &dest).context(p.display())?;
        }
    }
    Ok(())
}

/// `ca backup`.
pub fn backup(a: &CaBackupArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = open(&a.home).await?;
        if a.out.exists() {
            return Err(fail(format!("{} exists", a.out.display())));
        }
        std::fs::create_dir_all(&a.out).context(a.out.display())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&a.out, std::fs::Permissions::from_mode(0o700));
        }
        std::fs::copy(a.home.home.join("config.toml"), a.out.join("config.toml")).context("config.toml")?;
        copy_dir(&a.home.home.join(&auth.cfg.keys.dir), &a.out.join(&auth.cfg.keys.dir))?;
        copy_dir(&a.home.home.join("certs"), &a.out.join("certs"))?;
        match auth.store.backup(&a.out.join("ca.db")).await {
            Ok(()) => println!("database copied to {}", a.out.join("ca.db").display()),
            Err(e) => println!("database not copied: {e}"),
        }
        println!("keys, certificates and configuration copied to {} (the passphrase is not: keep it apart)", a.out.display());
        Ok(())
    })
}

/// `ca hash-password`.
pub fn hash_password() -> CliResult {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("stdin")?;
    let pw = s.trim_end_matches(['\r', '\n']);
    if pw.is_empty() {
        return Err(fail("give the password on stdin"));
    }
    println!("{}", shangmi_ca::password::hash(pw).map_err(fail)?);
    Ok(())
}

/// `ca issue-batch`.
pub fn issue_batch(a: &CaBatchArgs) -> CliResult {
    rt()?.block_on(async {
        let auth = Arc::new(open(&a.home).await?);
        let (ca, profile, _) = auth.resolve(Some(&a.label)).map_err(ca_err)?;
        std::fs::create_dir_all(&a.out_dir).context(a.out_dir.display())?;
        // Items: (name, CSR DER or None for server-side keys).
        let mut items: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        let input: String;
        if let Some(dir) = &a.csr_dir {
            input = dir.display().to_string();
            let mut names: Vec<_> = std::fs::read_dir(dir).context(dir.display())?.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
            names.sort();
            for p in names {
                let name = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
                items.push((name, Some(std::fs::read(&p).context(p.display())?)));
            }
        } else if let Some(csv) = &a.csv {
            input = csv.display().to_string();
            let text = std::fs::read_to_string(csv).context(csv.display())?;
            let base = csv.parent().unwrap_or(Path::new("."));
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') || (n == 0 && line.starts_with("device")) {
                    continue;
                }
                let (id, path) = line.split_once(',').ok_or_else(|| fail(format!("{}:{}: want device_id,csr_path", csv.display(), n + 1)))?;
                let p = base.join(path.trim());
                items.push((id.trim().to_string(), Some(std::fs::read(&p).context(p.display())?)));
            }
        } else if let Some(devs) = &a.devices {
            input = devs.display().to_string();
            for line in std::fs::read_to_string(devs).context(devs.display())?.lines() {
                let id = line.trim();
                if !id.is_empty() && !id.starts_with('#') {
                    items.push((id.to_string(), None));
                }
            }
        } else {
            return Err(fail("give --csr-dir, --csv or --devices"));
        }
        for (name, _) in &items {
            if name.is_empty() || name.len() > 128 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)) {
                return Err(fail(format!("item name {name:?}: letters, digits and -_.: only")));
            }
        }
        let job = a.job.clone().unwrap_or_else(|| format!("batch-{}", &hex::encode(shangmi::sm3::hash(input.as_bytes()))[..16]));
        let bar = indicatif::ProgressBar::new(items.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {per_sec} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let sem = Arc::new(tokio::sync::Semaphore::new(a.jobs.max(1)));
        let mut tasks = Vec::new();
        let org = a.org.clone();
        for (name, csr) in items {
            let permit = sem.clone().acquire_owned().await.map_err(|e| fail(e.to_string()))?;
            let (auth, ca, profile, job, out, bar, org) = (auth.clone(), ca.clone(), profile.clone(), job.clone(), a.out_dir.clone(), bar.clone(), org.clone());
            tasks.push(tokio::spawn(async move {
                let r = batch_item(&auth, &ca, &profile, &job, &name, csr, &out, &org).await;
                bar.inc(1);
                drop(permit);
                (name, r)
            }));
        }
        let (mut issued, mut skipped, mut failed) = (0, 0, 0);
        for t in tasks {
            match t.await {
                Ok((_, Ok(true))) => issued += 1,
                Ok((_, Ok(false))) => skipped += 1,
                Ok((name, Err(e))) => {
                    failed += 1;
                    bar.println(format!("{name}: {e}"));
                }
                Err(e) => {
                    failed += 1;
                    bar.println(format!("task: {e}"));
                }
            }
        }
        bar.finish_and_clear();
        println!("job {job}: {issued} issued, {skipped} already done, {failed} failed; certificates in {}", a.out_dir.display());
        if failed > 0 {
            return Err(fail(format!("{failed} item(s) failed; rerun with --job {job} to resume")));
        }
        Ok(())
    })
}

/// Issues one batch item; Ok(false) when it was done before.
#[allow(clippy::too_many_arguments)]
async fn batch_item(
    auth: &Authority,
    ca: &shangmi_ca::authority::IssuingCa,
    profile: &str,
    job: &str,
    name: &str,
    csr: Option<Vec<u8>>,
    out: &Path,
    org: &str,
) -> Result<bool, String> {
    let cert_path = out.join(format!("{name}.pem"));
    if let Some(serial) = auth
        .store
        .batch_item(job, name)
        .await
        .map_err(|e| e.to_string())?
    {
        // Done before (maybe the output was lost in a crash): rewrite it
        // from the record.
        if !cert_path.exists() {
            let r = auth
                .store
                .cert(&serial)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("batch item without its certificate")?;
            std::fs::write(&cert_path, shangmi_pki::pem::encode("CERTIFICATE", &r.der))
                .map_err(|e| e.to_string())?;
        }
        return Ok(false);
    }
    let (subject, spki, sans) = match csr {
        Some(data) => {
            let csr = Csr::from_pem_or_der(&data).map_err(|e| e.to_string())?;
            csr.verify().map_err(|e| e.to_string())?;
            let sans = csr.subject_alt_names().map_err(|e| e.to_string())?;
            (csr.subject().clone(), csr.spki().clone(), sans)
        }
        None => {
            // Server-side key: written first (0600), reused if a crash
            // interrupted us before the certificate was recorded.
            let key_path = out.join(format!("{name}.key"));
            let key = if key_path.exists() {
                let text = std::fs::read_to_string(&key_path).map_err(|e| e.to_string())?;
                shangmi::alg::PrivateKey::from_pem(&text, None).map_err(|e| e.to_string())?
            } else {
                let k =
                    shangmi::alg::PrivateKey::generate(ca.algorithm(), &mut shangmi::rng::OsRng)
                        .map_err(|e| e.to_string())?;
                shangmi_hsm::write_private(
                    &key_path,
                    k.to_pkcs8_pem().map_err(|e| e.to_string())?.as_bytes(),
                )
                .map_err(|e| e.to_string())?;
                k
            };
            let subject = shangmi_pki::name::parse_name(&format!("CN={name},O={org}"))
                .map_err(|e| e.to_string())?;
            let sans = shangmi_pki::name::parse_general_names(&format!("URI:urn:dev:{name}"))
                .map_err(|e| e.to_string())?;
            (
                subject,
                alg::spki_of(&key.public_key()).map_err(|e| e.to_string())?,
                sans,
            )
        }
    };
    let links = IssueLinks {
        batch: Some((job.to_string(), name.to_string())),
        ..Default::default()
    };
    let cert = match auth
        .issue_cert(
            ca,
            profile,
            subject,
            spki,
            sans,
            None,
            &format!("batch:{job}"),
            "batch",
            links,
            None,
        )
        .await
    {
        Ok(c) => c,
        Err(CaError::Conflict(m)) if m.contains("issued already") => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    write_secret_file(&cert_path, cert.to_pem().as_bytes())?;
    Ok(true)
}

fn write_secret_file(p: &Path, data: &[u8]) -> Result<(), String> {
    let tmp = p.with_extension("tmp");
    std::fs::write(&tmp, data).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, p).map_err(|e| e.to_string())
}
