//! Compiles the two-function shim over valgrind's client requests.
//!
//! valgrind's headers (`/usr/include/valgrind`, or `VALGRIND_INCLUDE`) are
//! the same for every architecture valgrind supports, so the shim
//! cross-compiles for AArch64 with the host's headers.
fn main() {
    println!("cargo:rerun-if-changed=src/ctgrind.c");
    println!("cargo:rerun-if-env-changed=VALGRIND_INCLUDE");
    let include =
        std::env::var("VALGRIND_INCLUDE").unwrap_or_else(|_| "/usr/include/valgrind".into());
    cc::Build::new()
        .file("src/ctgrind.c")
        .include(include)
        .opt_level(1)
        .compile("ctgrind");
}
