//! proxy-wasm host on wasmtime (see README).
