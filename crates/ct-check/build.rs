//! Compiles the two-function shim over valgrind's client requests.
fn main() {
    println!("cargo:rerun-if-changed=src/ctgrind.c");
    cc::Build::new()
        .file("src/ctgrind.c")
        .opt_level(1)
        .compile("ctgrind");
}
