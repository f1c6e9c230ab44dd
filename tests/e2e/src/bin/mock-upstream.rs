//! `mock-upstream [PORT]`: runs the mock LLM provider on 127.0.0.1 until killed (for the demo and
//! benchmarks). Prints `listening on 127.0.0.1:PORT` once ready.
use parapet_e2e::upstream::MockProvider;

fn main() {
    let port = match std::env::args().nth(1).map(|p| p.parse::<u16>()) {
        None => 0,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            eprintln!("usage: mock-upstream [PORT]");
            std::process::exit(2);
        }
    };
    let provider = match MockProvider::start(port) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("mock-upstream: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    println!("listening on 127.0.0.1:{}", provider.port());
    loop {
        std::thread::park();
    }
}
