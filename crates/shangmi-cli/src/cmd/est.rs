//! `shangmi est ...`: the EST client and device simulator.

use crate::cli::KeyIn;
use crate::cli::{EstCacertsArgs, EstConn, EstEnrollArgs, EstLoadArgs, EstRequest};
use crate::cmd::keys::load_private;
use crate::error::{CliError, CliResult, Context, fail};
use crate::io::{write_output, write_secret};
use shangmi::alg::{PrivateKey, SignatureAlgorithm};
use shangmi_ca::CaError;
use shangmi_ca::authority::Credential;
use shangmi_ca::client::{Enrolled, EstClient};
use shangmi_ca::tls::ServerTrust;
use shangmi_pki::{Certificate, CsrBuilder, Signer, SoftwareKey};
use std::sync::Arc;

fn rt() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

fn err(e: CaError) -> CliError {
    match e {
        CaError::Unauthorized(m) | CaError::Forbidden(m) => {
            CliError::Negative(format!("refused: {m}"))
        }
        e => fail(e.to_string()),
    }
}

fn client(c: &EstConn) -> CliResult<EstClient> {
    let trust = if let Some(p) = &c.cacert {
        ServerTrust::Roots(
            Certificate::load_all(&std::fs::read(p).context(p.display())?).context(p.display())?,
        )
    } else if let Some(fp) = &c.root_fingerprint {
        let clean: String = fp.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        let b: [u8; 32] = hex::decode(&clean)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| fail("--root-fingerprint: want 32 bytes of hex"))?;
        ServerTrust::Fingerprint(b)
    } else if c.insecure {
        ServerTrust::Insecure
    } else {
        return Err(fail(
            "say how to trust the server: --cacert, --root-fingerprint, or --insecure (bootstrap)",
        ));
    };
    let identity = match (&c.cert, &c.cert_key) {
        (Some(cert), Some(key)) => {
            let chain = Certificate::load_all(&std::fs::read(cert).context(cert.display())?)
                .context(cert.display())?;
            let k = load_private(&KeyIn {
                key: key.clone(),
                pass_file: None,
            })?;
            Some((chain, Arc::new(SoftwareKey::new(k)) as Arc<dyn Signer>))
        }
        (None, None) => None,
        _ => return Err(fail("--cert and --cert-key go together")),
    };
    let cred = match (&c.token, &c.user, &c.password) {
        (Some(t), _, _) => Credential::Bearer(t.clone()),
        (None, Some(u), Some(p)) => Credential::Basic(u.clone(), p.clone()),
        (None, None, None) => Credential::None,
        _ => return Err(fail("--user and --password go together")),
    };
    EstClient::new(&c.server, c.label.as_deref(), trust, identity, cred).map_err(err)
}

/// `est cacerts`.
pub fn cacerts(a: &EstCacertsArgs) -> CliResult {
    rt()?.block_on(async {
        let certs = client(&a.conn)?.cacerts().await.map_err(err)?;
        for c in &certs {
            eprintln!(
                "{}  SHA-256 {}",
                c.subject_text(),
                shangmi_pki::cert::fingerprint_text(&c.fingerprint_sha256())
            );
        }
        let pem: String = certs.iter().map(|c| c.to_pem()).collect();
        write_output(a.out.as_deref(), pem.as_bytes())
    })
}

/// `est csrattrs`.
pub fn csrattrs(a: &EstCacertsArgs) -> CliResult {
    rt()?.block_on(async {
        let der = client(&a.conn)?.csrattrs().await.map_err(err)?;
        use shangmi_pki::der::Decode;
        let oids = Vec::<shangmi_pki::der::asn1::ObjectIdentifier>::from_der(&der)
            .map_err(|e| fail(format!("csrattrs: {e}")))?;
        let text: String = oids
            .iter()
            .map(|o| format!("{o}  {}\n", shangmi_pki::oid::name(o)))
            .collect();
        write_output(a.out.as_deref(), text.as_bytes())
    })
}

/// The CSR to send: a file, or one made from a key and subject.
fn make_csr(
    r: &EstRequest,
    key_out: Option<&std::path::Path>,
) -> CliResult<(Vec<u8>, Option<PrivateKey>)> {
    if let Some(p) = &r.csr {
        let csr = shangmi_pki::Csr::from_pem_or_der(&std::fs::read(p).context(p.display())?)
            .context(p.display())?;
        return Ok((csr.to_der().to_vec(), None));
    }
    let subject = r
        .subject
        .as_deref()
        .ok_or_else(|| fail("give --csr, or --subject with --key or --keygen"))?;
    let key = match (&r.key, &r.keygen) {
        (Some(k), _) if k.exists() => load_private(&KeyIn {
            key: k.clone(),
            pass_file: None,
        })?,
        (k, Some(alg)) => {
            let a = match alg.as_str() {
                "sm2" => SignatureAlgorithm::Sm2Sm3,
                "p256" => SignatureAlgorithm::EcdsaP256Sha256,
                "p384" => SignatureAlgorithm::EcdsaP384Sha384,
                "ed25519" => SignatureAlgorithm::Ed25519,
                o => return Err(fail(format!("--keygen {o:?}: sm2, p256, p384 or ed25519"))),
            };
            let key =
                PrivateKey::generate(a, &mut shangmi::rng::OsRng).context("key generation")?;
            if let Some(p) = k.as_deref().or(key_out) {
                write_secret(Some(p), key.to_pkcs8_pem().context("key")?.as_bytes())?;
            }
            key
        }
        (Some(k), None) => {
            return Err(fail(format!(
                "{}: no such key (add --keygen ALG to make one)",
                k.display()
            )));
        }
        (None, None) => return Err(fail("give --key or --keygen")),
    };
    let mut b = CsrBuilder::new(shangmi_pki::name::parse_name(subject).context("--subject")?);
    if let Some(s) = &r.san {
        b = b.subject_alt_names(shangmi_pki::name::parse_general_names(s).context("--san")?);
    }
    if let Some(c) = &r.challenge {
        b = b.challenge_password(c);
    }
    let signer = SoftwareKey::new(key);
    let csr = b.sign(&signer).context("CSR")?;
    Ok((csr.to_der().to_vec(), Some(signer.private_key().clone())))
}

/// `est enroll` and `est reenroll`.
pub fn enroll(a: &EstEnrollArgs, re: bool) -> CliResult {
    rt()?.block_on(async {
        let c = client(&a.conn)?;
        let (csr, _) = make_csr(&a.req, None)?;
        let started = std::time::Instant::now();
        loop {
            let r = if re { c.reenroll(&csr).await } else { c.enroll(&csr).await }.map_err(err)?;
            match r {
                Enrolled::Issued(cert) => {
                    eprintln!("issued {} (serial {})", cert.subject_text(), cert.serial_hex());
                    return write_output(a.out.as_deref(), cert.to_pem().as_bytes());
                }
                Enrolled::Pending(after) => {
                    if started.elapsed().as_secs() + after > a.wait {
                        return Err(CliError::Negative(format!("the request is held for approval; retry after {after} s (or pass --wait)")));
                    }
                    eprintln!("held for approval; retrying in {after} s");
                    tokio::time::sleep(std::time::Duration::from_secs(after.max(1))).await;
                }
            }
        }
    })
}

/// `est serverkeygen`.
pub fn serverkeygen(a: &EstEnrollArgs) -> CliResult {
    rt()?.block_on(async {
        let c = client(&a.conn)?;
        let (csr, own_key) = make_csr(&a.req, None)?;
        let r = c.serverkeygen(&csr).await.map_err(err)?;
        let key_pem = if r.enveloped {
            // The key came wrapped to the key that signed the request.
            let own = own_key
                .or_else(|| a.req.key.as_ref().and_then(|k| load_private(&KeyIn { key: k.clone(), pass_file: None }).ok()))
                .ok_or_else(|| fail("the key came SM2-enveloped: give --key (the SM2 key that signed the request)"))?;
            let PrivateKey::Sm2(sk) = own else { return Err(fail("the key came SM2-enveloped but the request key is not SM2")) };
            let k = shangmi_pki::envelope::open(&r.key, &sk).context("opening the SM2 envelope")?;
            PrivateKey::Sm2(k).to_pkcs8_pem().context("key")?
        } else {
            PrivateKey::from_der(&r.key, None).context("received key")?.to_pkcs8_pem().context("key")?
        };
        let key = PrivateKey::from_pem(&key_pem, None).context("received key")?;
        if shangmi_pki::alg::spki_of(&key.public_key()).ok().as_ref() != Some(r.cert.inner().tbs_certificate().subject_public_key_info()) {
            return Err(fail("the received key does not match the received certificate"));
        }
        let key_out = a.key_out.as_deref().ok_or_else(|| fail("give --key-out for the generated key"))?;
        write_secret(Some(key_out), key_pem.as_bytes())?;
        eprintln!("issued {} (serial {}){}", r.cert.subject_text(), r.cert.serial_hex(), if r.enveloped { ", key delivered in a GM/T 0009 SM2 envelope" } else { "" });
        write_output(a.out.as_deref(), r.cert.to_pem().as_bytes())
    })
}

/// `est load`.
pub fn load(a: &EstLoadArgs) -> CliResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async {
        let mut clients = vec![client(&a.conn)?];
        for s in &a.also {
            let conn = EstConn { server: s.clone(), label: a.conn.label.clone(), cacert: a.conn.cacert.clone(), root_fingerprint: a.conn.root_fingerprint.clone(), insecure: a.conn.insecure, token: a.conn.token.clone(), user: a.conn.user.clone(), password: a.conn.password.clone(), cert: a.conn.cert.clone(), cert_key: a.conn.cert_key.clone() };
            clients.push(client(&conn)?);
        }
        let r = shangmi_ca::client::load(&clients, a.count, a.concurrency).await.map_err(err)?;
        let mut u = r.serials.clone();
        u.sort();
        u.dedup();
        if a.json {
            println!(
                "{}",
                serde_json::json!({ "issued": r.issued, "failed": r.failed, "nodes": clients.len(), "concurrency": a.concurrency, "seconds": r.elapsed.as_secs_f64(), "certificates_per_sec": r.rate(), "p50_ms": r.p50.as_secs_f64() * 1e3, "p99_ms": r.p99.as_secs_f64() * 1e3, "duplicate_serials": r.serials.len() - u.len() })
            );
        } else {
            println!("{} issued, {} failed in {:.2} s over {} node(s), {} clients: {:.0} certificates/s (p50 {:.1} ms, p99 {:.1} ms)", r.issued, r.failed, r.elapsed.as_secs_f64(), clients.len(), a.concurrency, r.rate(), r.p50.as_secs_f64() * 1e3, r.p99.as_secs_f64() * 1e3);
        }
        if r.failed > 0 || u.len() != r.serials.len() {
            return Err(CliError::Negative(format!("{} failed, {} duplicate serials", r.failed, r.serials.len() - u.len())));
        }
        Ok(())
    })
}
