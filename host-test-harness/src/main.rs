//! `parapet-harness` CLI: runs requests through proxy-wasm filter chains (see README).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(parapet_harness::cli::main_with_args(args));
}
