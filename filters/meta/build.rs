//! Every filter crate exports proxy-wasm's `_initialize` (`proxy_wasm::main!`), the module's
//! entry point on wasm. This native crate links all six filters at once, so the linker sees six
//! definitions; none is ever called here. Let the linker keep the first instead of failing.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_FAMILY").as_deref() == Ok("unix") {
        println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
    }
}
