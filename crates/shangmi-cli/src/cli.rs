//! Command-line grammar.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// SM2, SM3, SM4 and the standard algorithms, from the shell.
///
/// Files are PEM or DER as OpenSSL writes them. Exit status: 0 success,
/// 1 a negative verdict (bad signature, failed tag), 2 an error.
#[derive(Parser, Debug)]
#[command(name = "shangmi", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Hash files (or stdin) and print "<hex>  <name>" per file, like sha256sum.
    Hash(HashArgs),
    /// Generate a private key and write it as PKCS#8 PEM.
    Keygen(KeygenArgs),
    /// Write the public key of a private key as SubjectPublicKeyInfo PEM.
    Pubkey(PubkeyArgs),
    /// Sign a message (SM2 with SM3, ECDSA with SHA-2, or Ed25519).
    Sign(SignArgs),
    /// Verify a signature: exit 0 when valid, 1 when not.
    Verify(VerifyArgs),
    /// Encrypt to an SM2 public key.
    Encrypt(EncryptArgs),
    /// Decrypt with an SM2 private key.
    Decrypt(DecryptArgs),
    /// Encrypt or decrypt with SM4 in a mode of operation.
    Sm4(Sm4Args),
    /// Run the power-on self-test (known answers for every algorithm).
    Selftest,
    /// Measure the speed of every primitive on this machine.
    Speed(SpeedArgs),
    /// Create a PKCS#10 certification request.
    Req(ReqArgs),
    /// Certificates: self-sign, issue from a CSR, show, lint, verify a path.
    #[command(subcommand)]
    X509(X509Cmd),
    /// Certificate revocation lists: generate, show.
    #[command(subcommand)]
    Crl(CrlCmd),
    /// OCSP: build a request, answer one, check a response.
    #[command(subcommand)]
    Ocsp(OcspCmd),
    /// CMS: sign, verify, encrypt, decrypt.
    #[command(subcommand)]
    Cms(CmsCmd),
    /// Print any PKI object (certificate, CSR, CRL, OCSP response) as text.
    Show(ShowArgs),
    /// The device-issuing CA: init, serve, tokens, issuance, revocation, audit.
    #[command(subcommand)]
    Ca(CaCmd),
    /// EST client (RFC 7030), also a device simulator.
    #[command(subcommand)]
    Est(EstCmd),
}

/// Arguments of `speed`.
#[derive(Args, Debug)]
pub struct SpeedArgs {
    /// Operations to measure (e.g. sm3 sm4-ctr sm2-sign, or a prefix such
    /// as sm4); all when none.
    pub ops: Vec<String>,
    /// Seconds to spend on each operation.
    #[arg(long, default_value = "1")]
    pub seconds: f64,
    /// Print one JSON object per line: op, bytes, ops_per_sec, mb_per_sec.
    #[arg(long)]
    pub json: bool,
}

/// Hash algorithms.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum HashAlg {
    /// SM3 (GB/T 32905).
    Sm3,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// Arguments of `hash`.
#[derive(Args, Debug)]
pub struct HashArgs {
    /// The hash algorithm.
    #[arg(long, value_enum, default_value = "sm3")]
    pub alg: HashAlg,
    /// Files to hash; stdin when none (or "-").
    pub files: Vec<PathBuf>,
}

/// Key algorithms.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlg {
    /// SM2 on curveSM2 (GB/T 32918).
    Sm2,
    /// ECDSA on NIST P-256.
    P256,
    /// ECDSA on NIST P-384.
    P384,
    /// Ed25519.
    Ed25519,
}

/// Arguments of `keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The key algorithm.
    #[arg(long, value_enum)]
    pub alg: KeyAlg,
    /// Output file (mode 0600); stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Encrypt the key (PBES2: PBKDF2-HMAC-SM3 and SM4-CBC) with the
    /// passphrase in the first line of this file.
    #[arg(long)]
    pub pass_file: Option<PathBuf>,
}

/// A private key argument.
#[derive(Args, Debug)]
pub struct KeyIn {
    /// Private key, PEM or DER (PKCS#8, encrypted PKCS#8 or SEC1).
    #[arg(long)]
    pub key: PathBuf,
    /// Passphrase file for an encrypted key.
    #[arg(long)]
    pub pass_file: Option<PathBuf>,
}

/// Arguments of `pubkey`.
#[derive(Args, Debug)]
pub struct PubkeyArgs {
    /// The private key.
    #[command(flatten)]
    pub key: KeyIn,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Signature encodings.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigFormat {
    /// DER SEQUENCE { r, s } (SM2, ECDSA), as OpenSSL writes it.
    Der,
    /// Fixed-size r || s (SM2, ECDSA), or the 64-byte Ed25519 signature.
    Raw,
}

/// Arguments of `sign`.
#[derive(Args, Debug)]
pub struct SignArgs {
    /// The private key.
    #[command(flatten)]
    pub key: KeyIn,
    /// SM2 distinguishing ID (SM2 keys only).
    #[arg(long, default_value = "1234567812345678")]
    pub id: String,
    /// Message file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Signature output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Signature encoding (Ed25519 signatures are always raw).
    #[arg(long, value_enum, default_value = "der")]
    pub format: SigFormat,
}

/// Arguments of `verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Public key, PEM or DER SubjectPublicKeyInfo.
    #[arg(long = "pub")]
    pub public: PathBuf,
    /// SM2 distinguishing ID (SM2 keys only).
    #[arg(long, default_value = "1234567812345678")]
    pub id: String,
    /// Message file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// The signature file.
    #[arg(long)]
    pub sig: PathBuf,
    /// Signature encoding.
    #[arg(long, value_enum, default_value = "der")]
    pub format: SigFormat,
}

/// SM2 ciphertext encodings.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherFormat {
    /// GM/T 0009 SM2Cipher DER, as OpenSSL writes it.
    Der,
    /// 04 || x || y || C3 || C2 (GB/T 32918.4 order).
    C1c3c2,
    /// 04 || x || y || C2 || C3 (the older order).
    C1c2c3,
}

/// Arguments of `encrypt`.
#[derive(Args, Debug)]
pub struct EncryptArgs {
    /// SM2 public key, PEM or DER.
    #[arg(long = "pub")]
    pub public: PathBuf,
    /// Plaintext file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Ciphertext file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ciphertext encoding.
    #[arg(long, value_enum, default_value = "der")]
    pub format: CipherFormat,
}

/// Arguments of `decrypt`.
#[derive(Args, Debug)]
pub struct DecryptArgs {
    /// The SM2 private key.
    #[command(flatten)]
    pub key: KeyIn,
    /// Ciphertext file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Plaintext file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ciphertext encoding.
    #[arg(long, value_enum, default_value = "der")]
    pub format: CipherFormat,
}

/// SM4 modes.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sm4Mode {
    /// Electronic codebook, PKCS#7 padding.
    Ecb,
    /// Cipher block chaining, PKCS#7 padding.
    Cbc,
    /// 128-bit cipher feedback.
    Cfb,
    /// Output feedback.
    Ofb,
    /// Counter mode, 128-bit big-endian counter.
    Ctr,
    /// Galois/counter mode: 12-byte IV, ciphertext then 16-byte tag.
    Gcm,
    /// Counter with CBC-MAC: 12-byte IV, ciphertext then 16-byte tag.
    Ccm,
    /// XTS: 32-byte key (two SM4 keys), 16-byte tweak as the IV.
    Xts,
}

/// XTS tweak conventions.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum XtsStandard {
    /// IEEE 1619.
    Ieee,
    /// GB/T 17964-2021.
    Gb,
}

/// Arguments of `sm4`.
#[derive(Args, Debug)]
pub struct Sm4Args {
    /// The mode of operation.
    #[arg(long, value_enum)]
    pub mode: Sm4Mode,
    /// Key in hex: 16 bytes (32 for XTS).
    #[arg(long)]
    pub key: String,
    /// IV, nonce or tweak in hex: 16 bytes, 12 for GCM and CCM; none for ECB.
    #[arg(long)]
    pub iv: Option<String>,
    /// Additional authenticated data in hex (GCM and CCM).
    #[arg(long)]
    pub aad: Option<String>,
    /// Decrypt instead of encrypt.
    #[arg(long, short = 'd')]
    pub decrypt: bool,
    /// ECB and CBC without padding: input must be whole blocks.
    #[arg(long)]
    pub nopad: bool,
    /// XTS tweak convention.
    #[arg(long, value_enum, default_value = "ieee")]
    pub xts_standard: XtsStandard,
    /// Input file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Output encodings of PKI objects.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Outform {
    /// PEM text.
    #[default]
    Pem,
    /// DER bytes.
    Der,
}

/// Arguments of `req`.
#[derive(Args, Debug)]
pub struct ReqArgs {
    /// The subject's private key (signs the request).
    #[command(flatten)]
    pub key: KeyIn,
    /// Subject: "CN=dev-0001,O=Acme,C=CN" (RFC 4514) or "/C=CN/O=Acme/CN=dev-0001".
    #[arg(long)]
    pub subject: String,
    /// Subject alternative names: DNS:x,IP:1.2.3.4,URI:urn:dev:0001,email:a@b,HWSN:<oid>:<serial>.
    #[arg(long)]
    pub san: Option<String>,
    /// A challengePassword (e.g. an EST bootstrap token).
    #[arg(long)]
    pub challenge: Option<String>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "pem")]
    pub outform: Outform,
}

/// `x509` verbs.
#[derive(Subcommand, Debug)]
pub enum X509Cmd {
    /// Make a self-signed certificate (a root CA).
    Selfsign(SelfsignArgs),
    /// Issue a certificate from a CSR, signed by a CA.
    Issue(IssueArgs),
    /// Print a certificate as text, like openssl x509 -text.
    Show(ShowArgs),
    /// Run the issuance linter on a certificate: exit 0 clean, 1 with errors.
    Lint(LintArgs),
    /// Validate a certificate path (RFC 5280): exit 0 valid, 1 invalid.
    Verify(PathArgs),
}

/// Profile and validity options shared by `selfsign` and `issue`.
#[derive(Args, Debug)]
pub struct IssueOpts {
    /// Certificate profile: root-ca, issuing-ca, device, gateway, platform,
    /// tls-server, tls-client, code-signing, sign, encrypt, ocsp-responder.
    #[arg(long)]
    pub profile: String,
    /// Days of validity (default: the profile's).
    #[arg(long)]
    pub days: Option<u32>,
    /// Subject alternative names (replace the request's).
    #[arg(long)]
    pub san: Option<String>,
    /// Serial number in hex (default: 20 random bytes).
    #[arg(long)]
    pub serial: Option<String>,
    /// CRL distribution point URL (repeatable).
    #[arg(long)]
    pub crl_url: Vec<String>,
    /// OCSP responder URL for authorityInfoAccess (repeatable).
    #[arg(long)]
    pub ocsp_url: Vec<String>,
    /// CA issuers URL for authorityInfoAccess (repeatable).
    #[arg(long)]
    pub ca_issuers_url: Vec<String>,
    /// Path length constraint of a CA certificate.
    #[arg(long)]
    pub path_len: Option<u8>,
    /// Name constraints, permitted subtrees (CA profiles): DNS:x,IP:10.0.0.0/8,...
    #[arg(long)]
    pub permit: Option<String>,
    /// Name constraints, excluded subtrees (CA profiles).
    #[arg(long)]
    pub exclude: Option<String>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "pem")]
    pub outform: Outform,
}

/// Arguments of `x509 selfsign`.
#[derive(Args, Debug)]
pub struct SelfsignArgs {
    /// The key (certified and signing).
    #[command(flatten)]
    pub key: KeyIn,
    /// Subject, e.g. "CN=Acme Root CA,O=Acme,C=CN".
    #[arg(long)]
    pub subject: String,
    /// Profile, validity and extensions.
    #[command(flatten)]
    pub opts: IssueOpts,
}

/// Arguments of `x509 issue`.
#[derive(Args, Debug)]
pub struct IssueArgs {
    /// The issuing CA's certificate.
    #[arg(long)]
    pub ca_cert: PathBuf,
    /// The issuing CA's private key.
    #[arg(long)]
    pub ca_key: PathBuf,
    /// Passphrase file of the CA key.
    #[arg(long)]
    pub ca_pass_file: Option<PathBuf>,
    /// The certification request (its signature is checked first).
    #[arg(long)]
    pub csr: PathBuf,
    /// Subject (replaces the request's).
    #[arg(long)]
    pub subject: Option<String>,
    /// Profile, validity and extensions.
    #[command(flatten)]
    pub opts: IssueOpts,
}

/// A PKI object to print.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The file (PEM or DER); stdin when absent.
    pub file: Option<PathBuf>,
}

/// Arguments of `x509 lint`.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// The certificate.
    pub cert: PathBuf,
    /// Its issuer (adds the issuer checks).
    #[arg(long)]
    pub issuer: Option<PathBuf>,
}

/// Arguments of `x509 verify`.
#[derive(Args, Debug)]
pub struct PathArgs {
    /// Trust anchors (PEM, one or more certificates).
    #[arg(long)]
    pub roots: PathBuf,
    /// Untrusted intermediates to build the path from.
    #[arg(long)]
    pub untrusted: Option<PathBuf>,
    /// CRLs to check revocation against (repeatable).
    #[arg(long)]
    pub crl: Vec<PathBuf>,
    /// OCSP responses (DER) to check revocation against (repeatable).
    #[arg(long)]
    pub ocsp: Vec<PathBuf>,
    /// Fail when no CRL or OCSP response covers a certificate.
    #[arg(long)]
    pub require_revocation: bool,
    /// Validate at this time (RFC 3339, e.g. 2030-01-01T00:00:00Z) instead of now.
    #[arg(long)]
    pub at: Option<String>,
    /// Extended key usage the leaf must allow: serverAuth, clientAuth, codeSigning, ...
    #[arg(long)]
    pub purpose: Option<String>,
    /// The certificate to validate.
    pub cert: PathBuf,
}

/// `crl` verbs.
#[derive(Subcommand, Debug)]
pub enum CrlCmd {
    /// Generate and sign a CRL.
    Gen(CrlGenArgs),
    /// Print a CRL as text.
    Show(ShowArgs),
}

/// Arguments of `crl gen`.
#[derive(Args, Debug)]
pub struct CrlGenArgs {
    /// The CRL issuer's certificate.
    #[arg(long)]
    pub ca_cert: PathBuf,
    /// The CRL issuer's private key.
    #[arg(long)]
    pub ca_key: PathBuf,
    /// Passphrase file of the CA key.
    #[arg(long)]
    pub ca_pass_file: Option<PathBuf>,
    /// Revoked serials: SERIAL[:REASON],... (hex serials; reasons such as
    /// keyCompromise, superseded, cessationOfOperation).
    #[arg(long, default_value = "")]
    pub revoked: String,
    /// CRL number.
    #[arg(long, default_value = "1")]
    pub number: u64,
    /// Days until nextUpdate.
    #[arg(long, default_value = "7")]
    pub days: u32,
    /// Make a delta CRL over the base CRL with this number.
    #[arg(long)]
    pub delta_of: Option<u64>,
    /// Issuing distribution point URL (repeatable).
    #[arg(long)]
    pub url: Vec<String>,
    /// Scope: only end-entity certificates.
    #[arg(long)]
    pub only_user: bool,
    /// Scope: only CA certificates.
    #[arg(long)]
    pub only_ca: bool,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "pem")]
    pub outform: Outform,
}

/// CertID hashes.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcspHash {
    /// SHA-1 (what OpenSSL sends).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SM3.
    Sm3,
}

/// `ocsp` verbs.
#[derive(Subcommand, Debug)]
pub enum OcspCmd {
    /// Build an OCSP request (DER).
    Request(OcspRequestArgs),
    /// Answer an OCSP request with a signed response (DER).
    Respond(OcspRespondArgs),
    /// Check a response for a certificate: exit 0 good, 1 revoked, unknown or invalid.
    Check(OcspCheckArgs),
}

/// Arguments of `ocsp request`.
#[derive(Args, Debug)]
pub struct OcspRequestArgs {
    /// The issuer of the certificates asked about.
    #[arg(long)]
    pub issuer: PathBuf,
    /// A certificate to ask about (repeatable).
    #[arg(long)]
    pub cert: Vec<PathBuf>,
    /// A serial (hex) to ask about (repeatable).
    #[arg(long)]
    pub serial: Vec<String>,
    /// CertID hash.
    #[arg(long, value_enum, default_value = "sha1")]
    pub hash: OcspHash,
    /// Leave out the nonce.
    #[arg(long)]
    pub no_nonce: bool,
    /// Also print the RFC 5019 GET URL under this responder URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Output file (DER); stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `ocsp respond`.
#[derive(Args, Debug)]
pub struct OcspRespondArgs {
    /// The CA whose certificates are asked about.
    #[arg(long)]
    pub ca_cert: PathBuf,
    /// The responder certificate (the CA itself, or a delegated responder).
    #[arg(long)]
    pub responder_cert: PathBuf,
    /// The responder's private key.
    #[arg(long)]
    pub responder_key: PathBuf,
    /// Passphrase file of the responder key.
    #[arg(long)]
    pub pass_file: Option<PathBuf>,
    /// The request (DER); stdin when absent.
    #[arg(long = "reqin")]
    pub request: Option<PathBuf>,
    /// Revocation status from this CRL.
    #[arg(long)]
    pub crl: Option<PathBuf>,
    /// Revoked serials: SERIAL[:REASON],...
    #[arg(long, default_value = "")]
    pub revoked: String,
    /// Serials the CA issued (hex, comma-separated); others are answered
    /// "unknown". Without it, every serial not revoked is "good".
    #[arg(long)]
    pub issued: Option<String>,
    /// Days until nextUpdate.
    #[arg(long, default_value = "1")]
    pub days: u32,
    /// Output file (DER); stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `ocsp check`.
#[derive(Args, Debug)]
pub struct OcspCheckArgs {
    /// The issuer of the certificate.
    #[arg(long)]
    pub issuer: PathBuf,
    /// The certificate.
    #[arg(long)]
    pub cert: PathBuf,
    /// The response (DER).
    #[arg(long)]
    pub resp: PathBuf,
    /// The nonce the request carried, in hex: the response must echo it.
    #[arg(long)]
    pub nonce: Option<String>,
}

/// CMS content encryption.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmsCipher {
    /// SM4-CBC (EnvelopedData).
    Sm4Cbc,
    /// SM4-GCM (AuthEnvelopedData).
    Sm4Gcm,
    /// AES-128-CBC.
    Aes128Cbc,
    /// AES-256-CBC.
    Aes256Cbc,
}

/// `cms` verbs.
#[derive(Subcommand, Debug)]
pub enum CmsCmd {
    /// Sign data: SignedData, attached or detached.
    Sign(CmsSignArgs),
    /// Verify a SignedData: exit 0 valid, 1 invalid.
    Verify(CmsVerifyArgs),
    /// Encrypt to recipients' certificates (SM2 key transport, ECDH).
    Encrypt(CmsEncryptArgs),
    /// Decrypt with the recipient's certificate and key.
    Decrypt(CmsDecryptArgs),
}

/// Arguments of `cms sign`.
#[derive(Args, Debug)]
pub struct CmsSignArgs {
    /// The signer's certificate.
    #[arg(long)]
    pub cert: PathBuf,
    /// The signer's key.
    #[command(flatten)]
    pub key: KeyIn,
    /// Chain certificates to include.
    #[arg(long)]
    pub chain: Option<PathBuf>,
    /// Leave the content out (detached signature).
    #[arg(long)]
    pub detached: bool,
    /// Label content types with the GM/T 0010 OIDs.
    #[arg(long)]
    pub gm_oids: bool,
    /// Input file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output encoding (PEM label "CMS").
    #[arg(long, value_enum, default_value = "der")]
    pub outform: Outform,
}

/// Arguments of `cms verify`.
#[derive(Args, Debug)]
pub struct CmsVerifyArgs {
    /// Trust anchors: the signer's path must validate to one of them.
    #[arg(long)]
    pub roots: Option<PathBuf>,
    /// Extra certificates (the signer's, or intermediates).
    #[arg(long)]
    pub certs: Option<PathBuf>,
    /// Check the signature only, not the signer's certificate path.
    #[arg(long)]
    pub no_chain: bool,
    /// The content of a detached signature.
    #[arg(long)]
    pub content: Option<PathBuf>,
    /// The CMS (DER or PEM); stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Write the verified content here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `cms encrypt`.
#[derive(Args, Debug)]
pub struct CmsEncryptArgs {
    /// A recipient's certificate (repeatable).
    #[arg(long, required = true)]
    pub recip: Vec<PathBuf>,
    /// Content encryption.
    #[arg(long, value_enum, default_value = "sm4-cbc")]
    pub cipher: CmsCipher,
    /// Label content types with the GM/T 0010 OIDs.
    #[arg(long)]
    pub gm_oids: bool,
    /// Input file; stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output encoding.
    #[arg(long, value_enum, default_value = "der")]
    pub outform: Outform,
}

/// Arguments of `cms decrypt`.
#[derive(Args, Debug)]
pub struct CmsDecryptArgs {
    /// The recipient's certificate.
    #[arg(long)]
    pub cert: PathBuf,
    /// The recipient's key.
    #[command(flatten)]
    pub key: KeyIn,
    /// The CMS (DER or PEM); stdin when absent.
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Options every `ca` verb shares.
#[derive(Args, Debug, Clone)]
pub struct CaHome {
    /// The CA home directory.
    #[arg(long, default_value = "ca-home", env = "SHANGMI_CA_HOME")]
    pub home: PathBuf,
    /// File with the passphrase of the CA keys (else SHANGMI_CA_PASSPHRASE,
    /// else the home's passphrase file).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// `ca` verbs.
#[derive(Subcommand, Debug)]
pub enum CaCmd {
    /// Create a CA home: roots, issuing CAs, keys, configuration, database.
    Init(CaInitArgs),
    /// Serve EST, the admin API, CRLs and OCSP (initializes on first run).
    Serve(CaServeArgs),
    /// Bootstrap tokens for enrollment.
    #[command(subcommand)]
    Token(CaTokenCmd),
    /// Admin API tokens.
    #[command(subcommand)]
    AdminToken(CaAdminTokenCmd),
    /// Issue a certificate from a CSR file (offline, as the operator).
    Issue(CaIssueArgs),
    /// Issue many certificates: a directory or CSV of CSRs, or server-side
    /// keys for a list of device IDs; resumable without issuing twice.
    IssueBatch(CaBatchArgs),
    /// Revoke a certificate (by serial) or every certificate of a device.
    Revoke(CaRevokeArgs),
    /// Publish a fresh CRL and write it out.
    Crl(CaCrlArgs),
    /// List certificates.
    List(CaListArgs),
    /// Show one certificate by serial.
    Show(CaShowArgs),
    /// List requests waiting for approval.
    Requests(CaRequestsArgs),
    /// Approve a held request (issues the certificate).
    Approve(CaDecideArgs),
    /// Reject a held request.
    Reject(CaDecideArgs),
    /// The audit log.
    #[command(subcommand)]
    Audit(CaAuditCmd),
    /// Copy the database, keys and configuration to a directory.
    Backup(CaBackupArgs),
    /// Print the password hash for a `basic` provisioner (password on stdin).
    HashPassword,
}

/// Arguments of `ca init`.
#[derive(Args, Debug)]
pub struct CaInitArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// Database URL (default: SQLite in the home).
    #[arg(long)]
    pub database: Option<String>,
}

/// Arguments of `ca serve`.
#[derive(Args, Debug)]
pub struct CaServeArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// HTTPS address (EST, admin API) instead of the configuration's.
    #[arg(long)]
    pub listen: Option<String>,
    /// HTTP address (CRL, OCSP) instead of the configuration's.
    #[arg(long)]
    pub http_listen: Option<String>,
    /// Database URL for a first-run initialization.
    #[arg(long)]
    pub database: Option<String>,
}

/// `ca token` verbs.
#[derive(Subcommand, Debug)]
pub enum CaTokenCmd {
    /// Create a single-use bootstrap token; prints the token alone.
    Create(CaTokenArgs),
}

/// Arguments of `ca token create`.
#[derive(Args, Debug)]
pub struct CaTokenArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The profile to enroll with (picks the EST label of that profile).
    #[arg(long)]
    pub profile: Option<String>,
    /// The EST label to enroll with (default: device).
    #[arg(long)]
    pub label: Option<String>,
    /// Alternative names the token allows (globs, comma-separated), e.g.
    /// "URI:urn:dev:0001" or "DNS:*.gw.example.com".
    #[arg(long, default_value = "")]
    pub san: String,
    /// Lifetime: 30m, 24h, 7d or seconds.
    #[arg(long, default_value = "24h")]
    pub ttl: String,
}

/// `ca admin-token` verbs.
#[derive(Subcommand, Debug)]
pub enum CaAdminTokenCmd {
    /// Create an admin API token; prints the token alone.
    Create(CaAdminTokenArgs),
}

/// Arguments of `ca admin-token create`.
#[derive(Args, Debug)]
pub struct CaAdminTokenArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// Role: admin, operator or auditor.
    #[arg(long)]
    pub role: String,
    /// A name for the audit log.
    #[arg(long, default_value = "cli")]
    pub name: String,
}

/// Arguments of `ca issue`.
#[derive(Args, Debug)]
pub struct CaIssueArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The CSR (PEM or DER); its signature is checked.
    #[arg(long)]
    pub csr: PathBuf,
    /// EST label (CA and profile); default: device.
    #[arg(long, default_value = "device")]
    pub label: String,
    /// Days of validity.
    #[arg(long)]
    pub days: Option<u32>,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `ca issue-batch`.
#[derive(Args, Debug)]
pub struct CaBatchArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// A directory of CSR files (*.csr, *.pem, *.der).
    #[arg(long, conflicts_with_all = ["csv", "devices"])]
    pub csr_dir: Option<PathBuf>,
    /// A CSV file: `device_id,csr_path` per line.
    #[arg(long, conflicts_with = "devices")]
    pub csv: Option<PathBuf>,
    /// A file of device IDs (one per line): keys are generated here.
    #[arg(long)]
    pub devices: Option<PathBuf>,
    /// Where certificates (and generated keys, 0600) are written.
    #[arg(long)]
    pub out_dir: PathBuf,
    /// EST label (CA and profile); default: device.
    #[arg(long, default_value = "device")]
    pub label: String,
    /// Job name: a rerun with the same name resumes (default: derived from the input).
    #[arg(long)]
    pub job: Option<String>,
    /// Organization for generated subjects (--devices).
    #[arg(long, default_value = "shangmi devices")]
    pub org: String,
    /// Parallel signers.
    #[arg(long, default_value = "4")]
    pub jobs: usize,
}

/// Arguments of `ca revoke`.
#[derive(Args, Debug)]
pub struct CaRevokeArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The serial number (hex).
    #[arg(required_unless_present = "device")]
    pub serial: Option<String>,
    /// Revoke every valid certificate of this device instead.
    #[arg(long)]
    pub device: Option<String>,
    /// Reason: keyCompromise, superseded, cessationOfOperation, ...
    #[arg(long)]
    pub reason: Option<String>,
}

/// Arguments of `ca crl`.
#[derive(Args, Debug)]
pub struct CaCrlArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The CA label.
    #[arg(long, default_value = "sm2")]
    pub ca: String,
    /// Output file (DER); stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `ca list`.
#[derive(Args, Debug)]
pub struct CaListArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// valid or revoked.
    #[arg(long)]
    pub status: Option<String>,
    /// Only this CA.
    #[arg(long)]
    pub ca: Option<String>,
    /// Only this device.
    #[arg(long)]
    pub device: Option<String>,
    /// Subject, names or serial containing this.
    #[arg(long)]
    pub q: Option<String>,
    /// At most this many.
    #[arg(long, default_value = "100")]
    pub limit: i64,
    /// JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `ca show`.
#[derive(Args, Debug)]
pub struct CaShowArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The serial number (hex).
    pub serial: String,
    /// Print the PEM instead of the text.
    #[arg(long)]
    pub pem: bool,
}

/// Arguments of `ca requests`.
#[derive(Args, Debug)]
pub struct CaRequestsArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// pending, approved, rejected, issued (default: pending).
    #[arg(long, default_value = "pending")]
    pub status: String,
}

/// Arguments of `ca approve` and `ca reject`.
#[derive(Args, Debug)]
pub struct CaDecideArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The request id.
    pub id: String,
}

/// `ca audit` verbs.
#[derive(Subcommand, Debug)]
pub enum CaAuditCmd {
    /// Check the hash chain and the signed checkpoints: exit 0 intact, 1 tampered.
    Verify(CaHomeOnly),
    /// Print entries.
    List(CaAuditListArgs),
    /// Sign a checkpoint at the head of the chain now.
    Checkpoint(CaHomeOnly),
}

/// Just the home.
#[derive(Args, Debug)]
pub struct CaHomeOnly {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
}

/// Arguments of `ca audit list`.
#[derive(Args, Debug)]
pub struct CaAuditListArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// From this entry.
    #[arg(long, default_value = "1")]
    pub from: i64,
    /// At most this many.
    #[arg(long, default_value = "100")]
    pub limit: i64,
}

/// Arguments of `ca backup`.
#[derive(Args, Debug)]
pub struct CaBackupArgs {
    /// Home and passphrase.
    #[command(flatten)]
    pub home: CaHome,
    /// The directory to create.
    #[arg(long)]
    pub out: PathBuf,
}

/// How the EST client trusts and authenticates.
#[derive(Args, Debug)]
pub struct EstConn {
    /// The server: https://host:port (a /.well-known/est/<label> path picks the label).
    #[arg(long)]
    pub server: String,
    /// EST label.
    #[arg(long)]
    pub label: Option<String>,
    /// Trust anchors for the server's TLS certificate (PEM).
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    /// Trust the server whose chain ends in a root with this SHA-256
    /// fingerprint (hex, colons allowed), as `ca serve` prints it.
    #[arg(long)]
    pub root_fingerprint: Option<String>,
    /// Do not check the server (RFC 7030 bootstrap: compare the printed
    /// fingerprints out of band).
    #[arg(long)]
    pub insecure: bool,
    /// Bootstrap token (sent as Bearer).
    #[arg(long)]
    pub token: Option<String>,
    /// HTTP Basic user.
    #[arg(long)]
    pub user: Option<String>,
    /// HTTP Basic password.
    #[arg(long)]
    pub password: Option<String>,
    /// Client certificate (chain PEM) for mutual TLS.
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Key of the client certificate.
    #[arg(long)]
    pub cert_key: Option<PathBuf>,
}

/// What to enroll: a CSR file, or a key and subject to make one.
#[derive(Args, Debug)]
pub struct EstRequest {
    /// A ready CSR (PEM or DER).
    #[arg(long)]
    pub csr: Option<PathBuf>,
    /// The device key (PEM); generated here with --keygen when missing.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Generate the device key with this algorithm (sm2, p256, p384, ed25519).
    #[arg(long)]
    pub keygen: Option<String>,
    /// Subject for the CSR.
    #[arg(long)]
    pub subject: Option<String>,
    /// Alternative names for the CSR.
    #[arg(long)]
    pub san: Option<String>,
    /// challengePassword for the CSR (e.g. the token instead of --token).
    #[arg(long)]
    pub challenge: Option<String>,
}

/// `est` verbs.
#[derive(Subcommand, Debug)]
pub enum EstCmd {
    /// Fetch the CA certificates; prints them as PEM with their fingerprints.
    Cacerts(EstCacertsArgs),
    /// Enroll: send a CSR, receive a certificate.
    Enroll(EstEnrollArgs),
    /// Re-enroll with the current certificate over mutual TLS.
    Reenroll(EstEnrollArgs),
    /// Let the server generate the key; receive key and certificate.
    Serverkeygen(EstEnrollArgs),
    /// Print the CSR attributes the server wants.
    Csrattrs(EstCacertsArgs),
    /// Load test: enroll many fresh device keys concurrently (HTTP Basic or
    /// a token that the label allows to be reused is needed).
    Load(EstLoadArgs),
}

/// Arguments of `est load`.
#[derive(Args, Debug)]
pub struct EstLoadArgs {
    /// Server and trust (--server may be repeated with --also).
    #[command(flatten)]
    pub conn: EstConn,
    /// More servers (other CA nodes), spread over round-robin.
    #[arg(long)]
    pub also: Vec<String>,
    /// Enrollments.
    #[arg(long, default_value = "1000")]
    pub count: usize,
    /// Concurrent clients.
    #[arg(long, default_value = "16")]
    pub concurrency: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `est cacerts` and `est csrattrs`.
#[derive(Args, Debug)]
pub struct EstCacertsArgs {
    /// Server and trust.
    #[command(flatten)]
    pub conn: EstConn,
    /// Output file; stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `est enroll`, `reenroll`, `serverkeygen`.
#[derive(Args, Debug)]
pub struct EstEnrollArgs {
    /// Server and trust.
    #[command(flatten)]
    pub conn: EstConn,
    /// The request.
    #[command(flatten)]
    pub req: EstRequest,
    /// Certificate output file (PEM); stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// serverkeygen: where to write the received key (0600).
    #[arg(long)]
    pub key_out: Option<PathBuf>,
    /// Wait and retry while the request is held for approval (seconds, 0: do not wait).
    #[arg(long, default_value = "0")]
    pub wait: u64,
}
