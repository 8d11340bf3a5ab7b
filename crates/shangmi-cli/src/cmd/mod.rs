//! One module per verb.

mod ca;
mod cms;
mod est;
mod hash;
mod keys;
mod ocsp;
mod pke;
mod pki;
mod selftest;
mod sign;
mod sm4;
mod speed;

use crate::cli::{
    CaAdminTokenCmd, CaCmd, CaTokenCmd, CmsCmd, Command, CrlCmd, EstCmd, OcspCmd, X509Cmd,
};
use crate::error::CliResult;

/// Runs one verb.
pub fn run(cmd: Command) -> CliResult {
    match cmd {
        Command::Hash(a) => hash::run(&a),
        Command::Keygen(a) => keys::keygen(&a),
        Command::Pubkey(a) => keys::pubkey(&a),
        Command::Sign(a) => sign::sign(&a),
        Command::Verify(a) => sign::verify(&a),
        Command::Encrypt(a) => pke::encrypt(&a),
        Command::Decrypt(a) => pke::decrypt(&a),
        Command::Sm4(a) => sm4::run(&a),
        Command::Selftest => selftest::run(),
        Command::Speed(a) => speed::run(&a),
        Command::Req(a) => pki::req(&a),
        Command::X509(c) => match c {
            X509Cmd::Selfsign(a) => pki::selfsign(&a),
            X509Cmd::Issue(a) => pki::issue(&a),
            X509Cmd::Show(a) => pki::show(&a),
            X509Cmd::Lint(a) => pki::lint(&a),
            X509Cmd::Verify(a) => pki::verify(&a),
        },
        Command::Crl(c) => match c {
            CrlCmd::Gen(a) => pki::crl_gen(&a),
            CrlCmd::Show(a) => pki::show(&a),
        },
        Command::Ocsp(c) => match c {
            OcspCmd::Request(a) => ocsp::request(&a),
            OcspCmd::Respond(a) => ocsp::respond(&a),
            OcspCmd::Check(a) => ocsp::check(&a),
        },
        Command::Cms(c) => match c {
            CmsCmd::Sign(a) => cms::sign(&a),
            CmsCmd::Verify(a) => cms::verify(&a),
            CmsCmd::Encrypt(a) => cms::encrypt(&a),
            CmsCmd::Decrypt(a) => cms::decrypt(&a),
        },
        Command::Show(a) => pki::show(&a),
        Command::Ca(c) => match c {
            CaCmd::Init(a) => ca::init(&a),
            CaCmd::Serve(a) => ca::serve(&a),
            CaCmd::Token(CaTokenCmd::Create(a)) => ca::token(&a),
            CaCmd::AdminToken(CaAdminTokenCmd::Create(a)) => ca::admin_token(&a),
            CaCmd::Issue(a) => ca::issue(&a),
            CaCmd::IssueBatch(a) => ca::issue_batch(&a),
            CaCmd::Revoke(a) => ca::revoke(&a),
            CaCmd::Crl(a) => ca::crl(&a),
            CaCmd::List(a) => ca::list(&a),
            CaCmd::Show(a) => ca::show(&a),
            CaCmd::Requests(a) => ca::requests(&a),
            CaCmd::Approve(a) => ca::decide(&a, true),
            CaCmd::Reject(a) => ca::decide(&a, false),
            CaCmd::Audit(c) => ca::audit(&c),
            CaCmd::Backup(a) => ca::backup(&a),
            CaCmd::HashPassword => ca::hash_password(),
        },
        Command::Est(c) => match c {
            EstCmd::Cacerts(a) => est::cacerts(&a),
            EstCmd::Enroll(a) => est::enroll(&a, false),
            EstCmd::Reenroll(a) => est::enroll(&a, true),
            EstCmd::Serverkeygen(a) => est::serverkeygen(&a),
            EstCmd::Csrattrs(a) => est::csrattrs(&a),
            EstCmd::Load(a) => est::load(&a),
        },
    }
}
