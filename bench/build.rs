//! Part 2 links every filter crate natively into this one binary. Each filter exports the
//! proxy-wasm reactor entry `_initialize` (`#[no_mangle]`, needed only in the wasm module and
//! never called natively), so the native link would see several definitions of it.
fn main() {
    if std::env::var_os("CARGO_FEATURE_WASM").is_some() {
        println!("cargo:rustc-link-arg-bins=-Wl,--allow-multiple-definition");
    }
}
