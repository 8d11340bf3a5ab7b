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
